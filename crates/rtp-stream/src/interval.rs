//! RTCP transmission interval (RFC 3550 §6.3, Appendix A.7) with a
//! configurable fixed minimum instead of the 5 s default.

use std::time::{Duration, Instant};

use rtcscope_netsim::SimRng;

/// A.7: the sender share of the RTCP bandwidth.
const SENDER_BW_FRACTION: f64 = 0.25;
/// A.7: e - 3/2, compensating the timer reconsideration's bias.
const COMPENSATION: f64 = std::f64::consts::E - 1.5;
/// IP (20) + UDP (8) header bytes counted in the average RTCP size (§6.2).
const IP_UDP_OVERHEAD: f64 = 28.0;

/// Inputs of the A.7 `rtcp_interval` computation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalInputs {
    /// Session members (including us).
    pub members: u32,
    /// Members that sent RTP recently (including us when `we_sent`).
    pub senders: u32,
    /// RTCP bandwidth, octets per second (5% of the session bandwidth).
    pub rtcp_bw: f64,
    /// Whether we sent RTP since the second-to-last report.
    pub we_sent: bool,
    /// Average compound RTCP size in octets, UDP/IP headers included.
    pub avg_rtcp_size: f64,
    /// Whether no RTCP has been sent yet (half the minimum applies).
    pub initial: bool,
    /// The minimum interval (RFC 3550: 5 s; WebRTC practice: ~1 s).
    pub min_interval: Duration,
}

/// The deterministic interval before randomization (A.7 up to the
/// `t = max(t, rtcp_min_time)` step).
pub fn deterministic_interval(i: &IntervalInputs) -> Duration {
    let mut min = i.min_interval.as_secs_f64();
    if i.initial {
        min /= 2.0;
    }
    let mut rtcp_bw = i.rtcp_bw;
    let mut n = f64::from(i.members.max(1));
    if f64::from(i.senders) <= f64::from(i.members) * SENDER_BW_FRACTION {
        if i.we_sent {
            rtcp_bw *= SENDER_BW_FRACTION;
            n = f64::from(i.senders.max(1));
        } else {
            rtcp_bw *= 1.0 - SENDER_BW_FRACTION;
            n = f64::from(i.members.saturating_sub(i.senders).max(1));
        }
    }
    let t = if rtcp_bw > 0.0 {
        i.avg_rtcp_size * n / rtcp_bw
    } else {
        min
    };
    secs(t.max(min))
}

/// Seconds to a `Duration` without panicking on NaN, negative or huge
/// values (clamped to [0, ~136 years]).
fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.clamp(0.0, f64::from(u32::MAX))).unwrap_or(Duration::ZERO)
}

/// A.7 in full: the deterministic interval times a random factor uniform
/// in [0.5, 1.5), divided by e - 3/2. `unit_draw` is a uniform [0, 1) value.
pub fn randomized_interval(i: &IntervalInputs, unit_draw: f64) -> Duration {
    let td = deterministic_interval(i).as_secs_f64();
    secs(td * (unit_draw + 0.5) / COMPENSATION)
}

/// Schedules our compound RTCP packets.
#[derive(Debug, Clone)]
pub struct RtcpTimer {
    rng: SimRng,
    min_interval: Duration,
    rtcp_bw: f64,
    avg_rtcp_size: f64,
    next: Option<Instant>,
    sent_any: bool,
}

impl RtcpTimer {
    /// `session_bandwidth_bps`: the session's RTP bandwidth in bit/s (RTCP
    /// gets 5%). `seed` drives the randomization.
    pub fn new(min_interval: Duration, session_bandwidth_bps: u64, seed: u64) -> Self {
        Self {
            rng: SimRng::new(seed),
            min_interval,
            rtcp_bw: session_bandwidth_bps as f64 / 8.0 * 0.05,
            // §6.3.2: initialized to the size of the first packet we build;
            // a typical RR + SDES compound until then.
            avg_rtcp_size: 100.0,
            next: None,
            sent_any: false,
        }
    }

    /// When the next compound is due; starts the timer on first use.
    pub fn next_at(&mut self, now: Instant, members: u32, senders: u32, we_sent: bool) -> Instant {
        if let Some(next) = self.next {
            return next;
        }
        let at = now + self.draw(members, senders, we_sent);
        self.next = Some(at);
        at
    }

    /// Whether a compound is due at `now`.
    pub fn is_due(&mut self, now: Instant, members: u32, senders: u32, we_sent: bool) -> bool {
        self.next_at(now, members, senders, we_sent) <= now
    }

    /// Records that a compound of `size` octets (without UDP/IP) was sent
    /// at `now` and schedules the next one.
    pub fn on_sent(
        &mut self,
        now: Instant,
        size: usize,
        members: u32,
        senders: u32,
        we_sent: bool,
    ) {
        let size = size as f64 + IP_UDP_OVERHEAD;
        self.avg_rtcp_size = if self.sent_any {
            size / 16.0 + self.avg_rtcp_size * 15.0 / 16.0
        } else {
            size
        };
        self.sent_any = true;
        self.next = Some(now + self.draw(members, senders, we_sent));
    }

    fn draw(&mut self, members: u32, senders: u32, we_sent: bool) -> Duration {
        let inputs = IntervalInputs {
            members,
            senders,
            rtcp_bw: self.rtcp_bw,
            we_sent,
            avg_rtcp_size: self.avg_rtcp_size,
            initial: !self.sent_any,
            min_interval: self.min_interval,
        };
        // At least 1 us, so a caller driving time from `next_at` always
        // makes progress even with a zero minimum.
        randomized_interval(&inputs, self.rng.next_f64()).max(Duration::from_micros(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> IntervalInputs {
        IntervalInputs {
            members: 2,
            senders: 1,
            rtcp_bw: 1000.0,
            we_sent: false,
            avg_rtcp_size: 100.0,
            initial: false,
            min_interval: Duration::from_secs(1),
        }
    }

    #[test]
    fn minimum_applies_at_high_bandwidth() {
        // 100 B * 2 members / 1000 B/s = 0.2 s < 1 s minimum.
        assert_eq!(deterministic_interval(&inputs()), Duration::from_secs(1));
        let initial = IntervalInputs {
            initial: true,
            ..inputs()
        };
        assert_eq!(deterministic_interval(&initial), Duration::from_millis(500));
    }

    #[test]
    fn bandwidth_term_dominates_at_low_bandwidth() {
        // senders (1) > members * 1/4 (0.5): no split, n = 2.
        // 100 B * 2 / 50 B/s = 4 s.
        let low = IntervalInputs {
            rtcp_bw: 50.0,
            ..inputs()
        };
        assert_eq!(deterministic_interval(&low), Duration::from_secs(4));
        // 10 members, 1 sender (us): senders get 25% of 50 B/s, n = 1:
        // 100 / 12.5 = 8 s.
        let split = IntervalInputs {
            members: 10,
            we_sent: true,
            ..low
        };
        assert_eq!(deterministic_interval(&split), Duration::from_secs(8));
        // A receiver among them: 75%, n = 9: 900 / 37.5 = 24 s.
        let receiver = IntervalInputs {
            we_sent: false,
            ..split
        };
        assert_eq!(deterministic_interval(&receiver), Duration::from_secs(24));
    }

    #[test]
    fn randomization_spans_half_to_one_and_a_half_over_compensation() {
        let i = inputs();
        let lo = randomized_interval(&i, 0.0).as_secs_f64();
        let hi = randomized_interval(&i, 0.999_999_999).as_secs_f64();
        assert!((lo - 0.5 / COMPENSATION).abs() < 1e-9);
        assert!((hi - 1.5 / COMPENSATION).abs() < 1e-6);
    }

    #[test]
    fn timer_mean_interval_is_min_over_compensation() {
        let mut t = RtcpTimer::new(Duration::from_secs(1), 1_000_000, 4);
        let start = Instant::now();
        let mut now = t.next_at(start, 2, 1, true);
        let first = now - start;
        // Initial interval uses half the minimum: in [0.25, 0.75) / 1.218.
        assert!(first.as_secs_f64() < 0.75 / COMPENSATION + 1e-9);
        let n = 2000;
        for _ in 0..n {
            t.on_sent(now, 80, 2, 1, true);
            now = t.next_at(now, 2, 1, true);
        }
        let mean = (now - start - first).as_secs_f64() / f64::from(n);
        // Mean factor 1/1.21828 = 0.8208 s; U[0.5,1.5) has sd 0.2887, so
        // the mean of 2000 draws has sd 0.0053 s; 5 sd.
        assert!((mean - 1.0 / COMPENSATION).abs() < 0.027, "mean {mean}");
    }
}
