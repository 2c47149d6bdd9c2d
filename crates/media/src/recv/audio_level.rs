//! Audio energy and level as webrtc-stats defines them: totalAudioEnergy sums
//! `(sample / full scale)² × sample duration`; audioLevel is the RMS over a short window
//! (`sqrt(Δenergy / Δduration)`), linear with 1.0 = 0 dBov.

/// Chunks in the audioLevel window: 5 × 20 ms = 100 ms.
pub const LEVEL_WINDOW_CHUNKS: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct AudioEnergy {
    /// totalAudioEnergy.
    pub total_energy: f64,
    /// totalSamplesDuration, seconds.
    pub total_duration: f64,
    window: [(f64, f64); LEVEL_WINDOW_CHUNKS],
    window_next: usize,
    chunks: u64,
}

impl AudioEnergy {
    /// Adds one chunk of samples (full scale ±1.0) at `sample_rate`.
    pub fn add(&mut self, samples: &[f32], sample_rate: u32) {
        let rate = f64::from(sample_rate);
        let energy = samples
            .iter()
            .map(|&s| {
                let s = f64::from(s).clamp(-1.0, 1.0);
                s * s
            })
            .sum::<f64>()
            / rate;
        let duration = samples.len() as f64 / rate;
        self.total_energy += energy;
        self.total_duration += duration;
        self.window[self.window_next] = (energy, duration);
        self.window_next = (self.window_next + 1) % LEVEL_WINDOW_CHUNKS;
        self.chunks += 1;
    }

    /// RMS level over the last chunks; `None` before the first chunk.
    pub fn level(&self) -> Option<f64> {
        if self.chunks == 0 {
            return None;
        }
        let (energy, duration) = self
            .window
            .iter()
            .fold((0.0, 0.0), |(e, d), &(ce, cd)| (e + ce, d + cd));
        Some(if duration > 0.0 {
            (energy / duration).sqrt().min(1.0)
        } else {
            0.0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_square_wave_is_level_one_and_half_scale_is_half() {
        let mut e = AudioEnergy::default();
        assert_eq!(e.level(), None);
        let square: Vec<f32> = (0..960)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        e.add(&square, 48_000);
        assert!((e.level().unwrap() - 1.0).abs() < 1e-12);
        // 0.02 s of samples with square 1: energy 0.02.
        assert!((e.total_energy - 0.02).abs() < 1e-12);
        // Five chunks of 0.5 push the full-scale chunk out of the window.
        let half = vec![0.5f32; 960];
        for _ in 0..5 {
            e.add(&half, 48_000);
        }
        assert!((e.level().unwrap() - 0.5).abs() < 1e-12);
        assert!((e.total_energy - (0.02 + 5.0 * 0.25 * 0.02)).abs() < 1e-12);
        assert!((e.total_duration - 0.12).abs() < 1e-12);
    }
}
