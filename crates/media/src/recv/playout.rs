//! The audio playout device path (media-playout, `RTCAudioPlayoutStats`).

use std::time::Duration;

use rtcscope_stats::{MediaKind, RTCAudioPlayoutStats};

use super::audio::PlayoutTick;
use crate::opus::RTP_CLOCK_RATE;

/// Counts what a playout device pulls from the receiver, one tick at a time.
#[derive(Debug, Clone, Default)]
pub struct AudioPlayout {
    /// Delay from the receiver handing samples out to the device playing them (the
    /// device's buffer): added per sample to totalPlayoutDelay.
    pub device_latency: Duration,
    pub synthesized_samples: u64,
    pub synthesized_events: u64,
    pub total_samples: u64,
    total_playout_delay: f64,
    last_synthesized: bool,
}

impl AudioPlayout {
    pub fn new(device_latency: Duration) -> Self {
        Self {
            device_latency,
            ..Self::default()
        }
    }

    /// The device pulled one tick. Ticks before the stream started playing are not
    /// counted: the device path for this stream has not started.
    pub fn on_tick(&mut self, tick: &PlayoutTick<'_>) {
        if !tick.started {
            return;
        }
        let n = tick.samples.len() as u64;
        self.total_samples += n;
        self.total_playout_delay += self.device_latency.as_secs_f64() * n as f64;
        if tick.synthesized > 0 {
            self.synthesized_samples += tick.synthesized as u64;
            if !self.last_synthesized {
                self.synthesized_events += 1;
            }
        }
        self.last_synthesized = tick.synthesized > 0;
    }

    pub fn fill(&self, out: &mut RTCAudioPlayoutStats) {
        let rate = f64::from(RTP_CLOCK_RATE);
        out.kind = MediaKind::Audio;
        out.synthesized_samples_duration = Some(self.synthesized_samples as f64 / rate);
        out.synthesized_samples_events =
            Some(u32::try_from(self.synthesized_events).unwrap_or(u32::MAX));
        out.total_samples_duration = Some(self.total_samples as f64 / rate);
        out.total_playout_delay = Some(self.total_playout_delay);
        out.total_samples_count = Some(self.total_samples);
    }
}
