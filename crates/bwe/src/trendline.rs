//! Delay-gradient trendline and overuse detector with an adaptive
//! threshold (GoogCC's TrendlineEstimator, described in
//! draft-ietf-rmcat-gcc-02 §5 with the trendline of later libwebrtc).

/// Delay gradient regression window (group deltas).
const WINDOW: usize = 20;
/// Exponential smoothing of the accumulated delay.
const SMOOTHING: f64 = 0.9;
const THRESHOLD_GAIN: f64 = 4.0;
/// Deltas counted at most when scaling the slope.
const MAX_DELTAS: u32 = 60;
const INITIAL_THRESHOLD_MS: f64 = 12.5;
const THRESHOLD_MIN_MS: f64 = 6.0;
const THRESHOLD_MAX_MS: f64 = 600.0;
/// Threshold adaptation gains when the trend is below / above it.
const K_DOWN: f64 = 0.039;
const K_UP: f64 = 0.0087;
/// Trend this far above the threshold is an outlier the threshold ignores.
const MAX_ADAPT_OFFSET_MS: f64 = 15.0;
const OVERUSE_TIME_MS: f64 = 10.0;

/// What the detector concludes about the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BandwidthUsage {
    /// Delay is not building up.
    #[default]
    Normal,
    /// Queues are building: the send rate exceeds the path capacity.
    Overusing,
    /// Queues are draining.
    Underusing,
}

#[derive(Debug)]
pub(crate) struct Trendline {
    /// (arrival ms since the first delta, smoothed accumulated delay ms).
    samples: [(f64, f64); WINDOW],
    len: usize,
    head: usize,
    first_arrival_us: Option<i64>,
    accumulated_delay_ms: f64,
    smoothed_delay_ms: f64,
    deltas: u32,
    trend: f64,
    prev_trend: f64,
    threshold_ms: f64,
    last_threshold_update_ms: Option<f64>,
    /// Time spent over the threshold, -1 when not overusing.
    time_over_using_ms: f64,
    overuse_count: u32,
    state: BandwidthUsage,
}

impl Default for Trendline {
    fn default() -> Self {
        Self {
            samples: [(0.0, 0.0); WINDOW],
            len: 0,
            head: 0,
            first_arrival_us: None,
            accumulated_delay_ms: 0.0,
            smoothed_delay_ms: 0.0,
            deltas: 0,
            trend: 0.0,
            prev_trend: 0.0,
            threshold_ms: INITIAL_THRESHOLD_MS,
            last_threshold_update_ms: None,
            time_over_using_ms: -1.0,
            overuse_count: 0,
            state: BandwidthUsage::Normal,
        }
    }
}

impl Trendline {
    pub fn state(&self) -> BandwidthUsage {
        self.state
    }

    /// Current slope of delay versus time (ms per ms).
    pub fn trend(&self) -> f64 {
        self.trend
    }

    pub fn threshold_ms(&self) -> f64 {
        self.threshold_ms
    }

    /// Adds one group delta and re-runs detection.
    pub fn update(&mut self, send_delta_us: i64, arrival_delta_us: i64, arrival_us: i64) {
        let send_delta_ms = send_delta_us as f64 / 1000.0;
        let arrival_delta_ms = arrival_delta_us as f64 / 1000.0;
        self.deltas = (self.deltas + 1).min(MAX_DELTAS);
        self.accumulated_delay_ms += arrival_delta_ms - send_delta_ms;
        self.smoothed_delay_ms =
            SMOOTHING * self.smoothed_delay_ms + (1.0 - SMOOTHING) * self.accumulated_delay_ms;
        let first = *self.first_arrival_us.get_or_insert(arrival_us);
        let x_ms = arrival_us.saturating_sub(first) as f64 / 1000.0;
        self.samples[self.head] = (x_ms, self.smoothed_delay_ms);
        self.head = (self.head + 1) % WINDOW;
        self.len = (self.len + 1).min(WINDOW);
        if self.len == WINDOW
            && let Some(slope) = linear_fit_slope(&self.samples)
        {
            self.trend = slope;
        }
        self.detect(send_delta_ms, arrival_us as f64 / 1000.0);
    }

    fn detect(&mut self, send_delta_ms: f64, now_ms: f64) {
        if self.deltas < 2 {
            self.state = BandwidthUsage::Normal;
            return;
        }
        let modified = f64::from(self.deltas) * self.trend * THRESHOLD_GAIN;
        if modified > self.threshold_ms {
            if self.time_over_using_ms < 0.0 {
                // Assume the overuse started half-way since the last sample.
                self.time_over_using_ms = send_delta_ms / 2.0;
            } else {
                self.time_over_using_ms += send_delta_ms;
            }
            self.overuse_count += 1;
            if self.time_over_using_ms > OVERUSE_TIME_MS
                && self.overuse_count > 1
                && self.trend >= self.prev_trend
            {
                self.time_over_using_ms = 0.0;
                self.overuse_count = 0;
                self.state = BandwidthUsage::Overusing;
            }
        } else if modified < -self.threshold_ms {
            self.time_over_using_ms = -1.0;
            self.overuse_count = 0;
            self.state = BandwidthUsage::Underusing;
        } else {
            self.time_over_using_ms = -1.0;
            self.overuse_count = 0;
            self.state = BandwidthUsage::Normal;
        }
        self.prev_trend = self.trend;
        self.adapt_threshold(modified, now_ms);
    }

    fn adapt_threshold(&mut self, modified: f64, now_ms: f64) {
        let last = *self.last_threshold_update_ms.get_or_insert(now_ms);
        if modified.abs() > self.threshold_ms + MAX_ADAPT_OFFSET_MS {
            // A spike (e.g. a clock hiccup) should not drag the threshold.
            self.last_threshold_update_ms = Some(now_ms);
            return;
        }
        let k = if modified.abs() < self.threshold_ms {
            K_DOWN
        } else {
            K_UP
        };
        let dt_ms = (now_ms - last).clamp(0.0, 100.0);
        self.threshold_ms += k * (modified.abs() - self.threshold_ms) * dt_ms;
        self.threshold_ms = self.threshold_ms.clamp(THRESHOLD_MIN_MS, THRESHOLD_MAX_MS);
        self.last_threshold_update_ms = Some(now_ms);
    }
}

/// Least-squares slope of y over x; `None` when x does not vary.
fn linear_fit_slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), &(x, y)| (sx + x, sy + y));
    let (mx, my) = (sx / n, sy / n);
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), &(x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    (den > 0.0).then(|| num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line_is_exact() {
        let pts: Vec<(f64, f64)> = (0..5)
            .map(|i| (f64::from(i), 3.0 * f64::from(i) + 1.0))
            .collect();
        assert!((linear_fit_slope(&pts).unwrap() - 3.0).abs() < 1e-12);
        assert_eq!(linear_fit_slope(&[(1.0, 1.0), (1.0, 5.0)]), None);
    }

    #[test]
    fn constant_delay_is_normal_and_growing_delay_is_overuse() {
        let mut t = Trendline::default();
        // Groups every 10 ms, constant one-way delay.
        for i in 1..100 {
            t.update(10_000, 10_000, i * 10_000);
        }
        assert_eq!(t.state(), BandwidthUsage::Normal);
        assert!(t.trend().abs() < 1e-9);
        // Each group now arrives 2 ms later than sent spacing: a queue grows
        // 0.2 ms per ms, far above the threshold once scaled by 60 × 4.
        let mut overuse_at = None;
        for i in 100..200 {
            t.update(10_000, 12_000, i * 12_000);
            if t.state() == BandwidthUsage::Overusing {
                overuse_at = Some(i);
                break;
            }
        }
        let at = overuse_at.expect("overuse detected");
        // The smoothing and the 10 ms overuse time delay it a little, but
        // well within 300 ms of queue growth (25 groups of 12 ms).
        assert!(
            (103..125).contains(&at),
            "detected after {} groups",
            at - 100
        );
    }

    #[test]
    fn draining_queue_is_underuse() {
        let mut t = Trendline::default();
        for i in 1..60 {
            t.update(10_000, 10_000, i * 10_000);
        }
        for i in 60..90 {
            t.update(10_000, 8_000, i * 8_000);
        }
        assert_eq!(t.state(), BandwidthUsage::Underusing);
    }
}
