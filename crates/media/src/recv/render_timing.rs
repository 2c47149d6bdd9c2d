//! Inter-frame delay, freeze and pause accounting of rendered video frames (webrtc-stats
//! totalInterFrameDelay, freezeCount, pauseCount and their durations).
//!
//! - Freeze: an inter-frame delay `>= max(3 × avg, avg + 150 ms)`, avg being the mean of the
//!   last 30 inter-frame delays (pauses left out, so one pause does not hide later freezes).
//!   Needs at least one earlier delay to average.
//! - Pause: no frame for more than 5 s ("exceeds 5 seconds" in the spec); counted when the
//!   next frame comes, and not also counted as a freeze.

use std::time::{Duration, Instant};

/// Frames in the freeze detector's moving average.
pub const FREEZE_AVERAGE_FRAMES: usize = 30;
/// Added to the average to get the freeze threshold (when larger than 3 × average).
pub const FREEZE_MIN_EXTRA: Duration = Duration::from_millis(150);
/// A gap longer than this is a pause.
pub const PAUSE_THRESHOLD: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Default)]
pub struct RenderTiming {
    last_render: Option<Instant>,
    window: [Duration; FREEZE_AVERAGE_FRAMES],
    window_len: usize,
    window_next: usize,
    window_sum: Duration,
    /// Seconds.
    pub total_inter_frame_delay: f64,
    /// Seconds squared.
    pub total_squared_inter_frame_delay: f64,
    pub freeze_count: u32,
    /// Seconds.
    pub total_freezes_duration: f64,
    pub pause_count: u32,
    /// Seconds.
    pub total_pauses_duration: f64,
}

impl RenderTiming {
    /// A frame was rendered at `at`.
    pub fn on_rendered(&mut self, at: Instant) {
        let Some(last) = self.last_render.replace(at) else {
            return;
        };
        let delay = at.saturating_duration_since(last);
        let seconds = delay.as_secs_f64();
        self.total_inter_frame_delay += seconds;
        self.total_squared_inter_frame_delay += seconds * seconds;
        if delay > PAUSE_THRESHOLD {
            self.pause_count += 1;
            self.total_pauses_duration += seconds;
            return;
        }
        if let Some(average) = self.average() {
            let threshold = (average * 3).max(average + FREEZE_MIN_EXTRA);
            if delay >= threshold {
                self.freeze_count += 1;
                self.total_freezes_duration += seconds;
            }
        }
        self.push(delay);
    }

    /// Mean of the inter-frame delays in the window, if there is one.
    pub fn average(&self) -> Option<Duration> {
        (self.window_len > 0).then(|| self.window_sum / self.window_len as u32)
    }

    fn push(&mut self, delay: Duration) {
        if self.window_len == FREEZE_AVERAGE_FRAMES {
            self.window_sum -= self.window[self.window_next];
        } else {
            self.window_len += 1;
        }
        self.window[self.window_next] = delay;
        self.window_sum += delay;
        self.window_next = (self.window_next + 1) % FREEZE_AVERAGE_FRAMES;
    }
}

/// Frames per second over the last second, from a bounded ring of frame times.
#[derive(Debug, Clone)]
pub struct FrameRateWindow {
    times: [Option<Instant>; FRAME_RATE_RING],
    next: usize,
}

/// Most frames remembered: rates above this many frames per second are reported as this.
pub const FRAME_RATE_RING: usize = 128;

impl Default for FrameRateWindow {
    fn default() -> Self {
        Self {
            times: [None; FRAME_RATE_RING],
            next: 0,
        }
    }
}

impl FrameRateWindow {
    pub fn on_frame(&mut self, at: Instant) {
        self.times[self.next] = Some(at);
        self.next = (self.next + 1) % FRAME_RATE_RING;
    }

    /// Frames in `(now - 1 s, now]`.
    pub fn frames_per_second(&self, now: Instant) -> f64 {
        let second = Duration::from_secs(1);
        self.times
            .iter()
            .flatten()
            .filter(|&&t| t <= now && now.saturating_duration_since(t) < second)
            .count() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Renders at the given delays (ms) after a first frame at t0.
    fn run(delays_ms: &[u64]) -> RenderTiming {
        let mut timing = RenderTiming::default();
        let mut t = Instant::now();
        timing.on_rendered(t);
        for &d in delays_ms {
            t += ms(d);
            timing.on_rendered(t);
        }
        timing
    }

    #[test]
    fn a_short_average_needs_150_ms_more_to_freeze() {
        // avg 33 ms: threshold max(99, 183) = 183 ms. 182 is not a freeze, 183 is.
        let t = run(&[33, 33, 33, 182]);
        assert_eq!(t.freeze_count, 0);
        // After 182 the average is (3*33+182)/4 = 70.25 ms: threshold max(210.75, 220.25).
        let t = run(&[33, 33, 33, 183]);
        assert_eq!(t.freeze_count, 1);
        assert!((t.total_freezes_duration - 0.183).abs() < 1e-12);
    }

    #[test]
    fn a_long_average_needs_three_times_to_freeze() {
        // avg 100 ms: threshold max(300, 250) = 300 ms.
        let t = run(&[100, 100, 299]);
        assert_eq!(t.freeze_count, 0);
        let t = run(&[100, 100, 300, 100, 400]);
        // 300 freezes (avg 100). Then window {100,100,300,100}: avg 150, threshold 450:
        // 400 does not.
        assert_eq!(t.freeze_count, 1);
        assert!((t.total_freezes_duration - 0.3).abs() < 1e-12);
        // Sums of all five delays: 1.0 s and 0.01+0.01+0.09+0.01+0.16 = 0.28 s².
        assert!((t.total_inter_frame_delay - 1.0).abs() < 1e-12);
        assert!((t.total_squared_inter_frame_delay - 0.28).abs() < 1e-12);
    }

    #[test]
    fn the_average_covers_only_the_last_30_delays() {
        // 30 delays of 200 ms then 30 of 20 ms: the window holds only 20 ms delays, so the
        // threshold is max(60, 170) = 170 ms and 170 ms freezes; with a 31-frame window
        // the 200 ms delay would raise the average to 25.8 ms and the threshold to 175.8.
        let mut delays = vec![200; 30];
        delays.extend([20; 30]);
        delays.push(170);
        let t = run(&delays);
        assert_eq!(t.freeze_count, 1);
    }

    #[test]
    fn pauses_exceed_five_seconds_and_are_not_freezes() {
        let t = run(&[33, 33, 5000, 33, 5001, 33]);
        assert_eq!(t.pause_count, 1);
        assert!((t.total_pauses_duration - 5.001).abs() < 1e-12);
        // 5000 ms is exactly 5 s: not a pause but a freeze (avg 33 ms).
        assert_eq!(t.freeze_count, 1);
        assert!((t.total_freezes_duration - 5.0).abs() < 1e-12);
        assert!((t.total_inter_frame_delay - 10.133).abs() < 1e-9);
    }

    #[test]
    fn no_freeze_without_an_average() {
        let t = run(&[1000]);
        assert_eq!((t.freeze_count, t.pause_count), (0, 0));
    }

    #[test]
    fn frame_rate_counts_the_last_second() {
        let mut w = FrameRateWindow::default();
        let t0 = Instant::now();
        for i in 0..60 {
            w.on_frame(t0 + ms(i * 1000 / 30));
        }
        // Frames at whole ms 0, 33, 66, ..., 1966; at 1966 ms the last second (966, 1966]
        // holds frames 30..=59 (frame 29, at 966 ms, is exactly 1 s old) = 30 frames.
        let last = t0 + ms(59 * 1000 / 30);
        assert_eq!(w.frames_per_second(last), 30.0);
        assert_eq!(w.frames_per_second(last + ms(2000)), 0.0);
    }
}
