//! qualityLimitationReason / qualityLimitationDurations / qualityLimitationResolutionChanges.
//!
//! The reason is decided per encoded (or skipped) frame and holds until the next decision;
//! the time between two decisions is charged to the reason that held, so the durations of
//! the four reasons always add up to the time since the tracker started.

use std::time::{Duration, Instant};

use rtcscope_stats::{RTCQualityLimitationReason, Record};

/// The four reasons in the spec's order, the keys of qualityLimitationDurations.
const REASONS: [RTCQualityLimitationReason; 4] = [
    RTCQualityLimitationReason::None,
    RTCQualityLimitationReason::Cpu,
    RTCQualityLimitationReason::Bandwidth,
    RTCQualityLimitationReason::Other,
];

fn slot(reason: RTCQualityLimitationReason) -> usize {
    match reason {
        RTCQualityLimitationReason::None => 0,
        RTCQualityLimitationReason::Cpu => 1,
        RTCQualityLimitationReason::Bandwidth => 2,
        RTCQualityLimitationReason::Other => 3,
    }
}

#[derive(Debug, Clone)]
pub struct QualityLimitationTracker {
    reason: RTCQualityLimitationReason,
    /// When `reason` took effect (time before it is already in `durations`).
    since: Instant,
    durations: [Duration; 4],
    resolution_changes: u32,
    last_resolution: Option<(usize, usize)>,
}

impl QualityLimitationTracker {
    /// Starts unlimited at `now`.
    pub fn new(now: Instant) -> Self {
        Self {
            reason: RTCQualityLimitationReason::None,
            since: now,
            durations: [Duration::ZERO; 4],
            resolution_changes: 0,
            last_resolution: None,
        }
    }

    /// Records the decision made at `now` for a frame of `width`×`height`. A time before
    /// the previous decision is treated as equal to it (durations never go backwards).
    pub fn update(
        &mut self,
        now: Instant,
        reason: RTCQualityLimitationReason,
        width: usize,
        height: usize,
    ) {
        if reason != self.reason {
            let now = now.max(self.since);
            self.durations[slot(self.reason)] += now - self.since;
            self.since = now;
            self.reason = reason;
        }
        if let Some(previous) = self.last_resolution
            && previous != (width, height)
            && self.reason != RTCQualityLimitationReason::None
        {
            self.resolution_changes = self.resolution_changes.saturating_add(1);
        }
        self.last_resolution = Some((width, height));
    }

    pub fn reason(&self) -> RTCQualityLimitationReason {
        self.reason
    }

    pub fn resolution_changes(&self) -> u32 {
        self.resolution_changes
    }

    /// Seconds spent in each reason up to `now`, in the spec's order, the current reason's
    /// time included.
    pub fn durations(&self, now: Instant) -> [(RTCQualityLimitationReason, f64); 4] {
        let mut durations = self.durations;
        durations[slot(self.reason)] += now.saturating_duration_since(self.since);
        REASONS.map(|reason| (reason, durations[slot(reason)].as_secs_f64()))
    }

    /// The durations as the stats record (all four keys).
    pub fn durations_record(&self, now: Instant) -> Record {
        self.durations(now)
            .into_iter()
            .map(|(reason, secs)| (reason.as_str().to_string(), secs))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_charged_to_the_reason_that_held() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut tracker = QualityLimitationTracker::new(t0);
        tracker.update(at(100), RTCQualityLimitationReason::None, 640, 480);
        tracker.update(at(250), RTCQualityLimitationReason::Bandwidth, 640, 480);
        tracker.update(at(300), RTCQualityLimitationReason::Bandwidth, 320, 240);
        tracker.update(at(900), RTCQualityLimitationReason::None, 320, 240);
        tracker.update(at(950), RTCQualityLimitationReason::None, 640, 480);
        let d = tracker.durations(at(1000));
        assert_eq!(d[0], (RTCQualityLimitationReason::None, 0.35));
        assert_eq!(d[1], (RTCQualityLimitationReason::Cpu, 0.0));
        assert_eq!(d[2], (RTCQualityLimitationReason::Bandwidth, 0.65));
        assert_eq!(d[3], (RTCQualityLimitationReason::Other, 0.0));
        // Only the change made while limited counts.
        assert_eq!(tracker.resolution_changes(), 1);
        let record = tracker.durations_record(at(1000));
        let keys: Vec<&str> = record.keys().map(String::as_str).collect();
        assert_eq!(keys, ["none", "cpu", "bandwidth", "other"]);
    }
}
