//! framesPerSecond as the spec defines it: the number of frames in the last second.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);
/// Frames remembered; rates above this many per second report this many.
pub const MAX_FRAMES_PER_SECOND: usize = 240;

/// Times of the frames of the last second, in a ring that never grows past its capacity.
#[derive(Debug, Clone)]
pub struct FrameRateWindow {
    times: VecDeque<Instant>,
    first: Option<Instant>,
}

impl Default for FrameRateWindow {
    fn default() -> Self {
        Self {
            times: VecDeque::with_capacity(MAX_FRAMES_PER_SECOND),
            first: None,
        }
    }
}

impl FrameRateWindow {
    pub fn record(&mut self, at: Instant) {
        self.first.get_or_insert(at);
        if self.times.len() == MAX_FRAMES_PER_SECOND {
            self.times.pop_front();
        }
        self.times.push_back(at);
    }

    /// Frames in the second ending at `now` (times in `(now - 1 s, now]`).
    pub fn frames_in_last_second(&self, now: Instant) -> usize {
        self.times
            .iter()
            .filter(|&&t| t <= now && now.saturating_duration_since(t) < WINDOW)
            .count()
    }

    /// Time of the first frame ever recorded.
    pub fn first(&self) -> Option<Instant> {
        self.first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_frames_of_the_last_second() {
        let t0 = Instant::now();
        let mut window = FrameRateWindow::default();
        // 30 fps for 2 s: frame n at n * 1/30 s.
        for n in 0..60u32 {
            window.record(t0 + Duration::from_secs(1) * n / 30);
        }
        let last = t0 + Duration::from_secs(1) * 59 / 30;
        assert_eq!(window.frames_in_last_second(last), 30);
        // Half a second after the last frame, only frames 45..=59 are within 1 s.
        assert_eq!(
            window.frames_in_last_second(last + Duration::from_millis(500)),
            15
        );
        assert_eq!(window.first(), Some(t0));
    }
}
