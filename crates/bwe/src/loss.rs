//! Loss-based control (GoogCC's classic SendSideBandwidthEstimation rule):
//! above 10 % loss the rate drops by half the loss fraction, below 2 % it
//! may grow 8 % per second, in between it holds. It never exceeds the
//! delay-based rate, so the combined target is the minimum of both.
//!
//! The fraction is taken over the most recent feedbacks that together
//! describe at least 100 packets, re-evaluated at every feedback: 100
//! packets keep 5 % random loss from looking like < 2 % (P ≈ 4 %) or
//! more than 10 % (P ≈ 1 %), while a sliding window still reacts within one
//! feedback interval once enough packets are known.

/// Packets the loss fraction is computed over (at least).
const WINDOW_PACKETS: u32 = 100;
/// Feedbacks remembered; at 50 ms intervals 12.8 s, enough for 100
/// packets even at a few packets per second.
const RING_LEN: usize = 256;
const LOW_LOSS: f64 = 0.02;
const HIGH_LOSS: f64 = 0.10;
const GROWTH_PER_S: f64 = 1.08;
const GROWTH_BPS_PER_S: f64 = 1_000.0;
/// Decreases are at least this far apart (plus one RTT), so one loss
/// episode seen by overlapping windows is not punished repeatedly at once.
const DECREASE_INTERVAL_US: i64 = 300_000;

#[derive(Debug)]
pub(crate) struct LossController {
    rate_bps: f64,
    min_bps: f64,
    /// (lost, total) per feedback, `head` is the newest.
    ring: [(u32, u32); RING_LEN],
    head: usize,
    len: usize,
    last_update_us: Option<i64>,
    last_decrease_us: Option<i64>,
    last_fraction: f64,
}

impl LossController {
    pub fn new(start_bps: f64, min_bps: f64) -> Self {
        Self {
            rate_bps: start_bps,
            min_bps,
            ring: [(0, 0); RING_LEN],
            head: 0,
            len: 0,
            last_update_us: None,
            last_decrease_us: None,
            last_fraction: 0.0,
        }
    }

    pub fn rate_bps(&self) -> f64 {
        self.rate_bps
    }

    /// Adopts a measured rate (a probe result) if it is higher.
    pub fn raise_to(&mut self, rate_bps: f64) {
        self.rate_bps = self.rate_bps.max(rate_bps);
    }

    /// Loss fraction of the last window of at least 100 packets.
    pub fn fraction_lost(&self) -> f64 {
        self.last_fraction
    }

    /// (lost, total) over the newest feedbacks covering >= 100 packets;
    /// `None` while fewer are known.
    fn window(&self) -> Option<(u32, u32)> {
        let (mut lost, mut total) = (0u32, 0u32);
        for k in 0..self.len {
            let (l, t) = self.ring[(self.head + RING_LEN - k) % RING_LEN];
            lost = lost.saturating_add(l);
            total = total.saturating_add(t);
            if total >= WINDOW_PACKETS {
                return Some((lost, total));
            }
        }
        None
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
        self.head = (self.head + 1) % RING_LEN;
        self.ring[self.head] = (lost, lost.saturating_add(received));
        self.len = (self.len + 1).min(RING_LEN);
        let dt_s = self
            .last_update_us
            .map_or(0.0, |t| ((now_us - t) as f64 / 1e6).clamp(0.0, 1.0));
        self.last_update_us = Some(now_us);
        if let Some((lost, total)) = self.window() {
            let fraction = f64::from(lost) / f64::from(total);
            self.last_fraction = fraction;
            if fraction < LOW_LOSS {
                self.rate_bps = self.rate_bps * GROWTH_PER_S.powf(dt_s) + GROWTH_BPS_PER_S * dt_s;
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
        // Fewer than 100 packets known: hold.
        assert_eq!(l.on_feedback(0, 10, 40, 2e6, 0), 1_000_000.0);
        // 100 packets, 20 lost: × (1 − 0.1).
        let r = l.on_feedback(50_000, 10, 40, 2e6, 0);
        assert!((r - 900_000.0).abs() < 1e-6, "{r}");
        assert!((l.fraction_lost() - 0.2).abs() < 1e-12);
        // Next feedback 100 ms later, window still 20 %: too soon (300 ms + RTT).
        let r = l.on_feedback(150_000, 10, 40, 2e6, 0);
        assert!((r - 900_000.0).abs() < 1e-6, "{r}");
        // Window of the two newest feedbacks: 5 of 100 lost, hold.
        l.on_feedback(200_000, 0, 50, 2e6, 0);
        let r = l.on_feedback(250_000, 5, 45, 2e6, 0);
        assert!((l.fraction_lost() - 0.05).abs() < 1e-12);
        assert!((r - 900_000.0).abs() < 1e-6, "{r}");
        // A clean feedback still shares its window with the lossy one: hold.
        let r = l.on_feedback(300_000, 0, 50, 2e6, 0);
        assert!((r - 900_000.0).abs() < 1e-6, "{r}");
        // Two clean feedbacks: × 1.08 + 1 kbit/s over the 1 s since the
        // last update.
        let r = l.on_feedback(1_300_000, 0, 50, 2e6, 0);
        assert!((r - 973_000.0).abs() < 1e-6, "{r}");
        // Never above the delay-based rate.
        assert_eq!(l.on_feedback(1_350_000, 0, 50, 500_000.0, 0), 500_000.0);
    }
}
