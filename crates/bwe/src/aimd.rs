//! AIMD rate control driven by the overuse detector (GoogCC's
//! AimdRateControl): multiplicative increase far from the last known link
//! capacity, additive near it, and a decrease to 85 % of the acknowledged
//! bitrate on overuse.

use crate::trendline::BandwidthUsage;

const BETA: f64 = 0.85;
/// Multiplicative increase per second.
const MULTIPLICATIVE_GROWTH: f64 = 1.08;
/// The target may not exceed this multiple of the acknowledged rate (+10 kbit/s).
const ACKED_HEADROOM: f64 = 1.5;
const ACKED_HEADROOM_BPS: f64 = 10_000.0;
/// Additive increase assumes 30 fps frames split in ≤1200-byte packets.
const ASSUMED_FPS: f64 = 30.0;
const MTU_BITS: f64 = 1200.0 * 8.0;
const MIN_ADDITIVE_BPS_PER_S: f64 = 4_000.0;
/// Exponential smoothing of the link capacity estimate.
const CAPACITY_ALPHA: f64 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RateState {
    Hold,
    Increase,
    Decrease,
}

/// Running estimate of the link capacity (the acked rate at overuse), with
/// a normalized variance so "near capacity" has a width.
#[derive(Debug, Clone, Copy)]
struct LinkCapacity {
    estimate: Option<f64>,
    variance: f64,
}

impl LinkCapacity {
    /// The variance is normalized in kbit/s (as libwebrtc), so its clamp
    /// [0.4, 2.5] means a deviation of sqrt(0.4 × 300) ≈ 11 kbit/s at
    /// 300 kbit/s.
    fn on_overuse(&mut self, acked_bps: f64) {
        let sample = acked_bps / 1000.0;
        let est = match self.estimate {
            None => sample,
            Some(e) => (1.0 - CAPACITY_ALPHA) * e / 1000.0 + CAPACITY_ALPHA * sample,
        };
        self.variance = ((1.0 - CAPACITY_ALPHA) * self.variance
            + CAPACITY_ALPHA * (est - sample).powi(2) / est.max(1.0))
        .clamp(0.4, 2.5);
        self.estimate = Some(est * 1000.0);
    }

    fn upper_bound(&self) -> Option<f64> {
        let est = self.estimate? / 1000.0;
        Some((est + 3.0 * (self.variance * est).sqrt()) * 1000.0)
    }
}

#[derive(Debug)]
pub(crate) struct AimdRateControl {
    rate_bps: f64,
    min_bps: f64,
    max_bps: f64,
    state: RateState,
    last_update_us: Option<i64>,
    last_decrease_us: Option<i64>,
    capacity: LinkCapacity,
}

impl AimdRateControl {
    pub fn new(start_bps: f64, min_bps: f64, max_bps: f64) -> Self {
        Self {
            rate_bps: start_bps.clamp(min_bps, max_bps),
            min_bps,
            max_bps,
            state: RateState::Hold,
            last_update_us: None,
            last_decrease_us: None,
            capacity: LinkCapacity {
                estimate: None,
                variance: 0.4,
            },
        }
    }

    pub fn rate_bps(&self) -> f64 {
        self.rate_bps
    }

    /// Adopts a measured rate (a probe result) if it is higher.
    pub fn raise_to(&mut self, rate_bps: f64) {
        if rate_bps > self.rate_bps {
            self.rate_bps = rate_bps.clamp(self.min_bps, self.max_bps);
        }
    }

    /// Applies the detector's verdict at `now_us`; returns the new rate.
    pub fn update(
        &mut self,
        now_us: i64,
        usage: BandwidthUsage,
        acked_bps: Option<f64>,
        rtt_us: i64,
    ) -> f64 {
        self.state = match (usage, self.state) {
            (BandwidthUsage::Overusing, _) => RateState::Decrease,
            (BandwidthUsage::Underusing, _) => RateState::Hold,
            (BandwidthUsage::Normal, RateState::Hold) => RateState::Increase,
            (BandwidthUsage::Normal, s) => s,
        };
        let dt_s = self
            .last_update_us
            .map_or(0.0, |t| ((now_us - t) as f64 / 1e6).clamp(0.0, 1.0));
        self.last_update_us = Some(now_us);
        match self.state {
            RateState::Hold => {}
            RateState::Increase => self.increase(dt_s, acked_bps, rtt_us),
            RateState::Decrease => {
                if self.may_decrease(now_us, rtt_us) {
                    self.decrease(now_us, acked_bps);
                }
                self.state = RateState::Hold;
            }
        }
        self.rate_bps = self.rate_bps.clamp(self.min_bps, self.max_bps);
        self.rate_bps
    }

    /// Decreases at most once per RTT (clamped to 10–200 ms), so one queue
    /// build-up is not punished several times.
    fn may_decrease(&self, now_us: i64, rtt_us: i64) -> bool {
        let wait = rtt_us.clamp(10_000, 200_000);
        self.last_decrease_us.is_none_or(|t| now_us - t >= wait)
    }

    fn increase(&mut self, dt_s: f64, acked_bps: Option<f64>, rtt_us: i64) {
        if let (Some(acked), Some(upper)) = (acked_bps, self.capacity.upper_bound())
            && acked > upper
        {
            // The path got faster than we believed: search again.
            self.capacity.estimate = None;
        }
        let increment = if self.capacity.estimate.is_some() {
            self.additive_rate_bps_per_s(rtt_us) * dt_s
        } else {
            self.rate_bps * (MULTIPLICATIVE_GROWTH.powf(dt_s) - 1.0)
        };
        let mut new_rate = self.rate_bps + increment;
        if let Some(acked) = acked_bps {
            // Do not run ahead of what the path demonstrably delivers; but
            // never lower the rate for that reason.
            let limit = ACKED_HEADROOM * acked + ACKED_HEADROOM_BPS;
            if new_rate > limit {
                new_rate = self.rate_bps.max(limit);
            }
        }
        self.rate_bps = new_rate;
    }

    /// About one packet per response time (RTT + 100 ms).
    fn additive_rate_bps_per_s(&self, rtt_us: i64) -> f64 {
        let frame_bits = self.rate_bps / ASSUMED_FPS;
        let packets_per_frame = (frame_bits / MTU_BITS).ceil().max(1.0);
        let packet_bits = frame_bits / packets_per_frame;
        let response_s = (rtt_us.max(0) as f64 / 1e6) + 0.1;
        (packet_bits / response_s).max(MIN_ADDITIVE_BPS_PER_S)
    }

    fn decrease(&mut self, now_us: i64, acked_bps: Option<f64>) {
        let mut new_rate = BETA * acked_bps.unwrap_or(self.rate_bps);
        if new_rate > self.rate_bps
            && let Some(cap) = self.capacity.estimate
        {
            new_rate = BETA * cap;
        }
        if new_rate < self.rate_bps {
            self.rate_bps = new_rate;
        }
        if let Some(acked) = acked_bps {
            self.capacity.on_overuse(acked);
        }
        self.last_decrease_us = Some(now_us);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplicative_increase_is_8_percent_per_second() {
        let mut a = AimdRateControl::new(100_000.0, 10_000.0, 1e9);
        a.update(0, BandwidthUsage::Normal, None, 50_000);
        let r = a.update(1_000_000, BandwidthUsage::Normal, None, 50_000);
        assert!((r - 108_000.0).abs() < 1e-6, "{r}");
    }

    #[test]
    fn overuse_cuts_to_85_percent_of_acked_then_holds_and_goes_additive() {
        let mut a = AimdRateControl::new(500_000.0, 10_000.0, 1e9);
        a.update(0, BandwidthUsage::Normal, Some(400_000.0), 50_000);
        let r = a.update(100_000, BandwidthUsage::Overusing, Some(300_000.0), 50_000);
        assert!((r - 255_000.0).abs() < 1e-6, "{r}");
        // Underuse holds.
        let r = a.update(150_000, BandwidthUsage::Underusing, Some(255_000.0), 50_000);
        assert_eq!(r, 255_000.0, "hold");
        // Normal again: increase additively now that a capacity is known:
        // 255 kbit/s / 30 fps = 8500 bits per frame, one packet; response
        // 150 ms → 56.7 kbit/s per second, over 0.1 s = 5667 bit/s.
        let r = a.update(250_000, BandwidthUsage::Normal, Some(255_000.0), 50_000);
        assert!((r - (255_000.0 + 8_500.0 / 0.15 * 0.1)).abs() < 1e-6, "{r}");
    }

    #[test]
    fn increase_is_capped_by_acked_rate() {
        let mut a = AimdRateControl::new(100_000.0, 10_000.0, 1e9);
        a.update(0, BandwidthUsage::Normal, Some(50_000.0), 0);
        for s in 1..30 {
            a.update(s * 1_000_000, BandwidthUsage::Normal, Some(50_000.0), 0);
        }
        // 1.5 × 50k + 10k = 85k < 100k: the cap never lowers the rate.
        assert_eq!(a.rate_bps(), 100_000.0);
    }
}
