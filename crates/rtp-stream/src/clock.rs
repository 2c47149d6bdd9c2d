//! Wall-clock (NTP) time of an endpoint on simulated time, and conversion
//! of arrival instants to RTP timestamp units.

use std::time::{Duration, Instant};

use rtcscope_rtp::NtpTime;

/// Maps `Instant`s to the endpoint's NTP wall clock from one anchor. Two
/// endpoints may have different anchors (unsynchronized clocks): RTT from
/// LSR/DLSR does not depend on the offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NtpClock {
    anchor: Instant,
    anchor_ntp: NtpTime,
}

impl NtpClock {
    /// `anchor` is wall-clock time `anchor_ntp`.
    pub fn new(anchor: Instant, anchor_ntp: NtpTime) -> Self {
        Self { anchor, anchor_ntp }
    }

    /// `anchor` is `since_unix_epoch` after 1970-01-01.
    pub fn from_unix(anchor: Instant, since_unix_epoch: Duration) -> Self {
        Self::new(anchor, NtpTime::from_unix(since_unix_epoch))
    }

    /// NTP time at `now` (instants before the anchor map to the anchor).
    pub fn ntp_at(&self, now: Instant) -> NtpTime {
        self.anchor_ntp
            .wrapping_add(now.saturating_duration_since(self.anchor))
    }

    /// Middle 32 bits of the NTP time at `now` (LSR/LRR arithmetic).
    pub fn compact_at(&self, now: Instant) -> u32 {
        self.ntp_at(now).compact()
    }
}

/// Time elapsed since `origin`, in RTP units of `clock_rate` Hz, truncated
/// and wrapped to 32 bits. Integer-only (no overflow for any duration a
/// `Duration` can hold, as seconds and nanoseconds are scaled apart).
pub fn rtp_units_since(origin: Instant, now: Instant, clock_rate: u32) -> u32 {
    let d = now.saturating_duration_since(origin);
    let rate = u64::from(clock_rate);
    let whole = d.as_secs().wrapping_mul(rate);
    let frac = u64::from(d.subsec_nanos()) * rate / 1_000_000_000;
    whole.wrapping_add(frac) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtp_units_are_exact_for_whole_ticks() {
        let t0 = Instant::now();
        assert_eq!(
            rtp_units_since(t0, t0 + Duration::from_millis(10), 90_000),
            900
        );
        assert_eq!(
            rtp_units_since(t0, t0 + Duration::from_secs(3), 48_000),
            144_000
        );
        // 1 tick of 90 kHz is 11111.1 ns: 11111 ns is still tick 0.
        assert_eq!(
            rtp_units_since(t0, t0 + Duration::from_nanos(11_111), 90_000),
            0
        );
        assert_eq!(
            rtp_units_since(t0, t0 + Duration::from_nanos(11_112), 90_000),
            1
        );
        // Wraps modulo 2^32: 2^32 / 90000 s = 47721.858844 s.
        let wrap = Duration::from_secs(47_721) + Duration::from_nanos(858_844_445);
        assert_eq!(rtp_units_since(t0, t0 + wrap, 90_000), 0);
    }

    #[test]
    fn ntp_clock_advances_with_instants() {
        let t0 = Instant::now();
        let c = NtpClock::new(t0, NtpTime::from_parts(1000, 0));
        assert_eq!(
            c.ntp_at(t0 + Duration::from_millis(1500)),
            NtpTime::from_parts(1001, 1 << 31)
        );
        assert_eq!(
            c.compact_at(t0 + Duration::from_millis(1500)),
            (1001 << 16) | 0x8000
        );
    }
}
