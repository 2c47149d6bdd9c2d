//! Loss-based control (GoogCC's classic SendSideBandwidthEstimation rule):
//! above 10 % loss the rate drops by half the loss fraction, below 2 % it
//! may grow 8 % per second, in between it holds. It never exceeds the
//! delay-based rate, so the combined target is the minimum of both.

/// Packets a loss window needs before its fraction is trusted: 100 keeps
/// 5 % random loss from looking like < 2 % (P ≈ 4 %) or > 10 % (P ≈ 1 %).
const WINDOW_PACKETS: u32 = 100;
/// Heavy loss is acted on sooner: after this long with this many packets.
const FAST_WINDOW_US: i64 = 1_000_000;
const FAST_WINDOW_PACKETS: u32 = 20;
const LOW_LOSS: f64 = 0.02;
const HIGH_LOSS: f64 = 0.10;
const GROWTH_PER_S: f64 = 1.08;
const GROWTH_BPS: f64 = 1_000.0;
/// Decreases are at least this far apart (plus one RTT).
const DECREASE_INTERVAL_US: i64 = 300_000;

#[derive(Debug)]
pub(crate) struct LossController {
    rate_bps: f64,
    min_bps: f64,
    lost: u32,
    total: u32,
    window_start_us: Option<i64>,
    last_update_us: Option<i64>,
    last_decrease_us: Option<i64>,
    last_fraction: f64,
}

impl LossController {
    pub fn new(start_bps: f64, min_bps: f64) -> Self {
        Self {
            rate_bps: start_bps,
            min_bps,
            lost: 0,
            total: 0,
            window_start_us: None,
            last_update_us: None,
            last_decrease_us: None,
            last_fraction: 0.0,
        }
    }

    pub fn rate_bps(&self) -> f64 {
        self.rate_bps
    }

    /// Loss fraction of the last completed window.
    pub fn fraction_lost(&self) -> f64 {
        self.last_fraction
    }

    /// Adds one feedback's outcome and returns the loss-based rate, never
    /// above `delay_based_bps`.
    pub fn on_feedback(
        &mut self,
        now_us: i64,
        lost: u32,
        received: u32,
        delay_based_bps: f64,
        rtt_us: i64,
    ) -> f64 {
        self.lost = self.lost.saturating_add(lost);
        self.total = self.total.saturating_add(lost.saturating_add(received));
        let start = *self.window_start_us.get_or_insert(now_us);
        let fraction = if self.total > 0 {
            f64::from(self.lost) / f64::from(self.total)
        } else {
            0.0
        };
        let complete = self.total >= WINDOW_PACKETS
            || (now_us - start >= FAST_WINDOW_US
                && self.total >= FAST_WINDOW_PACKETS
                && fraction > HIGH_LOSS);
        if complete {
            self.last_fraction = fraction;
            self.lost = 0;
            self.total = 0;
            self.window_start_us = Some(now_us);
            let dt_s = self
                .last_update_us
                .map_or(0.0, |t| ((now_us - t) as f64 / 1e6).clamp(0.0, 1.0));
            self.last_update_us = Some(now_us);
            if fraction < LOW_LOSS {
                self.rate_bps = self.rate_bps * GROWTH_PER_S.powf(dt_s) + GROWTH_BPS;
            } else if fraction > HIGH_LOSS {
                let wait = DECREASE_INTERVAL_US + rtt_us.max(0);
                if self.last_decrease_us.is_none_or(|t| now_us - t >= wait) {
                    self.rate_bps *= 1.0 - 0.5 * fraction;
                    self.last_decrease_us = Some(now_us);
                }
            }
        }
        self.rate_bps = self.rate_bps.min(delay_based_bps).max(self.min_bps);
        self.rate_bps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_percent_loss_cuts_by_ten_percent_five_holds_none_grows() {
        let mut l = LossController::new(1_000_000.0, 10_000.0);
        // 100 packets, 20 lost.
        let r = l.on_feedback(0, 20, 80, 2e6, 0);
        assert!((r - 900_000.0).abs() < 1e-6, "{r}");
        assert!((l.fraction_lost() - 0.2).abs() < 1e-12);
        // 5 % holds.
        let r = l.on_feedback(1_000_000, 5, 95, 2e6, 0);
        assert!((r - 900_000.0).abs() < 1e-6, "{r}");
        // 0 % over one second: × 1.08 + 1 kbit/s.
        let r = l.on_feedback(2_000_000, 0, 100, 2e6, 0);
        assert!((r - 973_000.0).abs() < 1e-6, "{r}");
        // Never above the delay-based rate.
        assert_eq!(l.on_feedback(3_000_000, 0, 100, 500_000.0, 0), 500_000.0);
    }

    #[test]
    fn small_windows_wait_for_enough_packets() {
        let mut l = LossController::new(1_000_000.0, 10_000.0);
        // 3 of 10 lost: not enough packets to act on.
        assert_eq!(l.on_feedback(0, 3, 7, 2e6, 0), 1_000_000.0);
        // A second later, 20 packets with 30 % loss: the fast path acts.
        let r = l.on_feedback(1_000_000, 3, 7, 2e6, 0);
        assert!((r - 850_000.0).abs() < 1e-6, "{r}");
    }
}
