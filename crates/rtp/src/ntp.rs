//! NTP time (RFC 5905 64-bit timestamps) as carried in RTCP SR, XR RRTR,
//! and the "compact" middle-32-bit form used by LSR, DLSR and DLRR.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01).
pub const NTP_UNIX_OFFSET_SECS: u64 = 2_208_988_800;

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// A 64-bit NTP timestamp: 32 bits of seconds since 1900 (modulo 2^32),
/// 32 bits of binary fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NtpTime(pub u64);

impl NtpTime {
    #[inline]
    pub const fn from_parts(seconds: u32, fraction: u32) -> Self {
        NtpTime(((seconds as u64) << 32) | fraction as u64)
    }

    #[inline]
    pub const fn seconds(self) -> u32 {
        (self.0 >> 32) as u32
    }

    #[inline]
    pub const fn fraction(self) -> u32 {
        self.0 as u32
    }

    /// The middle 32 bits (16.16 fixed point seconds), as put in the LSR
    /// field of report blocks and the LRR field of DLRR sub-blocks.
    #[inline]
    pub const fn compact(self) -> u32 {
        (self.0 >> 16) as u32
    }

    /// From time elapsed since the Unix epoch. Seconds wrap modulo 2^32 as
    /// NTP does (era 1 starts in 2036). The fraction is truncated.
    #[inline]
    pub fn from_unix(since_unix_epoch: Duration) -> Self {
        let seconds = since_unix_epoch
            .as_secs()
            .wrapping_add(NTP_UNIX_OFFSET_SECS) as u32;
        // nanos < 1e9 so nanos << 32 < 2^62: no overflow.
        let fraction = ((u64::from(since_unix_epoch.subsec_nanos()) << 32) / NANOS_PER_SEC) as u32;
        NtpTime::from_parts(seconds, fraction)
    }

    /// From a wall-clock time. Times before 1970 map to the Unix epoch.
    #[inline]
    pub fn from_system_time(t: SystemTime) -> Self {
        NtpTime::from_unix(t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO))
    }

    /// Time since the Unix epoch, resolving the NTP era as RFC 4330 §3 does:
    /// a timestamp with the top bit set is in 1968–2036 (era 0), otherwise
    /// in 2036–2104 (era 1). Returns `None` for instants before 1970.
    #[inline]
    pub fn to_unix(self) -> Option<Duration> {
        let secs = u64::from(self.seconds());
        let secs_since_1900 = if secs & 0x8000_0000 != 0 {
            secs
        } else {
            secs + (1u64 << 32)
        };
        let unix_secs = secs_since_1900.checked_sub(NTP_UNIX_OFFSET_SECS)?;
        Some(Duration::new(unix_secs, fraction_to_nanos(self.fraction())))
    }

    /// Converts to a `SystemTime` (see [`NtpTime::to_unix`]).
    #[inline]
    pub fn to_system_time(self) -> Option<SystemTime> {
        UNIX_EPOCH.checked_add(self.to_unix()?)
    }

    /// Adds a duration, wrapping modulo the NTP era like the wire format.
    #[inline]
    pub fn wrapping_add(self, d: Duration) -> Self {
        NtpTime(self.0.wrapping_add(duration_to_ntp_units(d)))
    }
}

/// A duration as a 32.32 fixed-point count (truncating, saturating at ~136 years).
#[inline]
fn duration_to_ntp_units(d: Duration) -> u64 {
    let secs = d.as_secs().min(u64::from(u32::MAX));
    let frac = (u64::from(d.subsec_nanos()) << 32) / NANOS_PER_SEC;
    (secs << 32) | frac
}

/// Nanoseconds for a 32-bit binary fraction of a second, rounded to nearest.
#[inline]
fn fraction_to_nanos(fraction: u32) -> u32 {
    ((u64::from(fraction) * NANOS_PER_SEC + (1 << 31)) >> 32).min(NANOS_PER_SEC - 1) as u32
}

/// A compact NTP value (16.16 fixed-point seconds, e.g. DLSR, or a
/// difference of compact timestamps) as a duration, rounded to the nearest
/// nanosecond.
#[inline]
pub fn compact_to_duration(compact: u32) -> Duration {
    let secs = u64::from(compact >> 16);
    let frac = u64::from(compact & 0xFFFF);
    let nanos = (frac * NANOS_PER_SEC + (1 << 15)) >> 16;
    Duration::from_secs(secs) + Duration::from_nanos(nanos)
}

/// A duration in 1/65536 s units (the DLSR / DLRR field), rounded to the
/// nearest unit, saturating at `u32::MAX` (about 18.2 hours).
#[inline]
pub fn duration_to_compact(d: Duration) -> u32 {
    let nanos = d.as_nanos();
    let units = (nanos * 65_536 + u128::from(NANOS_PER_SEC / 2)) / u128::from(NANOS_PER_SEC);
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// Round-trip time from a report block (RFC 3550 §6.4.1) or a DLRR
/// sub-block (RFC 3611 §4.5): `arrival − LSR − DLSR`, in compact NTP
/// arithmetic modulo 2^32, where `arrival` is the compact NTP time at
/// which the report arrived.
///
/// Returns `None` when `last_sr` is 0 (the peer has not received an SR /
/// RRTR yet) or when the result is negative when read as a signed 32-bit
/// value (clocks inconsistent, or a stale/forged report).
#[inline]
pub fn round_trip_time(
    arrival_compact: u32,
    last_sr: u32,
    delay_since_last_sr: u32,
) -> Option<Duration> {
    if last_sr == 0 {
        return None;
    }
    let rtt = arrival_compact
        .wrapping_sub(last_sr)
        .wrapping_sub(delay_since_last_sr);
    if rtt & 0x8000_0000 != 0 {
        return None;
    }
    Some(compact_to_duration(rtt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_epoch_is_ntp_2208988800() {
        let t = NtpTime::from_unix(Duration::ZERO);
        assert_eq!(t.seconds(), 2_208_988_800);
        assert_eq!(t.fraction(), 0);
        assert_eq!(t.to_unix(), Some(Duration::ZERO));
    }

    #[test]
    fn half_second_is_fraction_2_pow_31() {
        let t = NtpTime::from_unix(Duration::from_millis(1_500));
        assert_eq!(t.seconds(), 2_208_988_801);
        assert_eq!(t.fraction(), 0x8000_0000);
        // compact = low 16 bits of seconds . high 16 bits of fraction
        assert_eq!(t.compact(), ((2_208_988_801u32 & 0xFFFF) << 16) | 0x8000);
    }

    #[test]
    fn era_wrap_2036() {
        // 2036-02-07T06:28:16Z is NTP second 2^32, i.e. 0 in era 1.
        let unix = (1u64 << 32) - NTP_UNIX_OFFSET_SECS;
        let t = NtpTime::from_unix(Duration::from_secs(unix + 5));
        assert_eq!(t.seconds(), 5);
        assert_eq!(t.to_unix(), Some(Duration::from_secs(unix + 5)));
    }

    #[test]
    fn unix_round_trip_within_a_nanosecond() {
        let d = Duration::new(1_700_000_000, 123_456_789);
        let back = NtpTime::from_unix(d).to_unix().unwrap();
        let diff = back.abs_diff(d);
        assert!(diff <= Duration::from_nanos(1), "{diff:?}");
    }

    #[test]
    fn system_time_matches_unix_duration() {
        let d = Duration::new(1_800_000_000, 250_000_000);
        let t = NtpTime::from_system_time(UNIX_EPOCH + d);
        assert_eq!(t, NtpTime::from_unix(d));
        assert_eq!(t.fraction(), 0x4000_0000);
        assert_eq!(t.to_system_time(), Some(UNIX_EPOCH + d));
        // Before 1970 clamps to the epoch.
        let before = UNIX_EPOCH - Duration::from_secs(5);
        assert_eq!(
            NtpTime::from_system_time(before),
            NtpTime::from_unix(Duration::ZERO)
        );
    }

    #[test]
    fn wrapping_add_carries_fraction_into_seconds() {
        let t = NtpTime::from_parts(10, 0xC000_0000).wrapping_add(Duration::from_millis(500));
        assert_eq!(t, NtpTime::from_parts(11, 0x4000_0000));
    }

    #[test]
    fn compact_units() {
        assert_eq!(duration_to_compact(Duration::from_secs(1)), 65_536);
        assert_eq!(duration_to_compact(Duration::from_millis(500)), 32_768);
        // 1 ms = 65.536 units → 66
        assert_eq!(duration_to_compact(Duration::from_millis(1)), 66);
        assert_eq!(
            compact_to_duration(65_536 + 16_384),
            Duration::from_millis(1_250)
        );
        assert_eq!(duration_to_compact(Duration::from_secs(1 << 20)), u32::MAX);
    }

    #[test]
    fn rtt_rfc3550_example() {
        // RFC 3550 §6.4.1 example: LSR 0xb705:2000, DLSR 0x0005:4000,
        // arrival 0xb710:8000 → RTT 0x0006:2000 = 6.125 s.
        let rtt = round_trip_time(0xb710_8000, 0xb705_2000, 0x0005_4000).unwrap();
        assert_eq!(rtt, Duration::from_millis(6_125));
    }

    #[test]
    fn rtt_across_compact_wrap() {
        // LSR just before the 16-bit seconds wrap, arrival just after it.
        let lsr = 0xFFFF_8000; // 65535.5 s
        let dlsr = duration_to_compact(Duration::from_millis(250)); // 0x4000
        let arrival = 0x0000_4000u32.wrapping_add(0x0000_2000); // 0.375 s after wrap
        let rtt = round_trip_time(arrival, lsr, dlsr).unwrap();
        // arrival − lsr = 0.875 s; minus 0.25 s = 0.625 s
        assert_eq!(rtt, Duration::from_millis(625));
    }

    #[test]
    fn rtt_none_without_sr_or_when_negative() {
        assert_eq!(round_trip_time(0x1234_0000, 0, 0), None);
        assert_eq!(round_trip_time(0x0001_0000, 0x0001_0000, 0x0000_0001), None);
        assert_eq!(
            round_trip_time(0x0001_0000, 0x0001_0000, 0),
            Some(Duration::ZERO)
        );
    }
}
