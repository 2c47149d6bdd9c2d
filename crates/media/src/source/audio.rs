//! A 48 kHz mono speech-like signal whose energy is known in closed form.
//!
//! The signal is a voiced harmonic stack (fundamental 200 Hz, harmonics 1..=15 with
//! amplitudes 1/k, so energy up to 3 kHz like a voice) under a syllable envelope: the level
//! steps once per 20 ms frame through a 500 ms pattern of rising and falling syllables and
//! pauses. Every harmonic completes a whole number of periods in 10 ms (480 samples), so over
//! any 10 ms or 20 ms frame the sinusoids are orthogonal and
//!
//! ```text
//! sum over the frame of s[n]^2 = level^2 * A^2 * (N / 2) * sum_k 1/k^2
//! ```
//!
//! exactly (N samples, A the overall amplitude). All sines are zero at frame boundaries, so
//! the level steps cause no clicks. With totalAudioEnergy defined per sample as
//! `(sample / full_scale)^2 * (1 / sample_rate)`, the energy of a frame is that sum over 48000.

use std::f64::consts::TAU;

/// Sample rate of the signal.
pub const SAMPLE_RATE: u32 = 48_000;
/// Samples in one 20 ms frame at 48 kHz, the Opus packet duration WebRTC uses.
pub const FRAME_SAMPLES: usize = 960;
/// Fundamental frequency: 2 whole periods per 10 ms.
pub const FUNDAMENTAL_HZ: f64 = 200.0;
/// Harmonics 1..=HARMONICS are present.
pub const HARMONICS: u32 = 15;
/// Overall amplitude. The 1/k harmonic stack is a band-limited sawtooth peaking near 1.75,
/// so the loudest sample is about 0.79 of full scale.
pub const AMPLITUDE: f64 = 0.45;
/// Level of each 20 ms frame within the 500 ms syllable cycle: two syllables and pauses.
pub const LEVEL_PATTERN: [f64; 25] = [
    0.1, 0.3, 0.6, 0.9, 1.0, 0.8, 0.6, 0.4, 0.2, 0.0, 0.0, 0.0, 0.2, 0.5, 0.8, 0.6, 0.3, 0.1, 0.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
];

/// Endless speech-like source producing 20 ms frames of f32 samples in [-1, 1].
#[derive(Debug, Clone, Default)]
pub struct SpeechLikeSource {
    next_frame_index: u64,
}

impl SpeechLikeSource {
    pub fn new() -> Self {
        Self::default()
    }

    /// Index of the frame the next call to [`next_frame`](Self::next_frame) produces.
    pub fn next_frame_index(&self) -> u64 {
        self.next_frame_index
    }

    /// Envelope level of 20 ms frame `frame_index`.
    pub fn level(frame_index: u64) -> f64 {
        LEVEL_PATTERN[(frame_index % LEVEL_PATTERN.len() as u64) as usize]
    }

    /// Writes the next 20 ms frame into `out` and returns its index.
    pub fn next_frame(&mut self, out: &mut [f32; FRAME_SAMPLES]) -> u64 {
        let index = self.next_frame_index;
        let level = Self::level(index);
        for (n, sample) in out.iter_mut().enumerate() {
            *sample = (level * AMPLITUDE * harmonic_stack(n)) as f32;
        }
        self.next_frame_index += 1;
        index
    }

    /// Exact energy, in the totalAudioEnergy unit (full-scale-normalised squared sample ×
    /// seconds), of 20 ms frame `frame_index`, from the closed form rather than the samples.
    pub fn frame_energy(frame_index: u64) -> f64 {
        let level = Self::level(frame_index);
        let harmonic_power: f64 = (1..=HARMONICS).map(|k| 1.0 / f64::from(k * k)).sum();
        level * level * AMPLITUDE * AMPLITUDE * harmonic_power * (FRAME_SAMPLES as f64 / 2.0)
            / f64::from(SAMPLE_RATE)
    }

    /// Exact energy of frames `0..frames`.
    pub fn energy_of_first_frames(frames: u64) -> f64 {
        let cycle = LEVEL_PATTERN.len() as u64;
        let per_cycle: f64 = (0..cycle).map(Self::frame_energy).sum();
        (frames / cycle) as f64 * per_cycle
            + (0..frames % cycle).map(Self::frame_energy).sum::<f64>()
    }
}

/// Unit-level harmonic stack at sample `n` of a frame. Each harmonic has a whole number of
/// periods per frame, so every frame starts at phase zero.
fn harmonic_stack(n: usize) -> f64 {
    let t = n as f64 / f64::from(SAMPLE_RATE);
    (1..=HARMONICS)
        .map(|k| (TAU * FUNDAMENTAL_HZ * f64::from(k) * t).sin() / f64::from(k))
        .sum()
}

/// Energy of samples as totalAudioEnergy counts it: sum of squares over the sample rate.
pub fn measured_energy(samples: &[f32], sample_rate: u32) -> f64 {
    samples
        .iter()
        .map(|&s| f64::from(s) * f64::from(s))
        .sum::<f64>()
        / f64::from(sample_rate)
}

/// Integer PCM as sent to a network: full scale maps to ±32767, saturating.
pub fn to_i16(samples: &[f32], out: &mut [i16]) {
    for (o, &s) in out.iter_mut().zip(samples) {
        *o = (f64::from(s) * 32767.0).round().clamp(-32768.0, 32767.0) as i16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_frame_energy_matches_the_closed_form() {
        let mut source = SpeechLikeSource::new();
        let mut frame = [0.0f32; FRAME_SAMPLES];
        let mut total = 0.0;
        for _ in 0..100 {
            let index = source.next_frame(&mut frame);
            let measured = measured_energy(&frame, SAMPLE_RATE);
            let expected = SpeechLikeSource::frame_energy(index);
            total += measured;
            // Only f32 rounding separates the two: relative error well under 1e-6.
            assert!(
                (measured - expected).abs() <= 1e-6 * expected + 1e-12,
                "frame {index}: measured {measured} expected {expected}"
            );
        }
        let expected_total = SpeechLikeSource::energy_of_first_frames(100);
        assert!((total - expected_total).abs() < 1e-6 * expected_total);
    }

    #[test]
    fn loudest_frame_energy_by_hand() {
        // Level 1 (frame 4): 0.45^2 * (sum_{k=1}^{15} 1/k^2) * 480 / 48000.
        // sum_{k=1}^{15} 1/k^2 = 1.580440283...
        let expected = 0.2025 * 1.580_440_283_6 * 0.01;
        assert!((SpeechLikeSource::frame_energy(4) - expected).abs() < 1e-12);
        assert_eq!(SpeechLikeSource::frame_energy(9), 0.0);
    }

    #[test]
    fn halves_of_a_frame_carry_half_the_energy() {
        // Orthogonality also holds over 10 ms, the chunk size of WebRTC audio processing.
        let mut source = SpeechLikeSource::new();
        let mut frame = [0.0f32; FRAME_SAMPLES];
        for _ in 0..5 {
            source.next_frame(&mut frame);
        }
        let first = measured_energy(&frame[..480], SAMPLE_RATE);
        let second = measured_energy(&frame[480..], SAMPLE_RATE);
        let expected = SpeechLikeSource::frame_energy(4) / 2.0;
        assert!((first - expected).abs() < 1e-6 * expected);
        assert!((second - expected).abs() < 1e-6 * expected);
    }

    #[test]
    fn samples_stay_in_range_and_start_silent() {
        let mut source = SpeechLikeSource::new();
        let mut frame = [0.0f32; FRAME_SAMPLES];
        let mut peak = 0.0f32;
        for _ in 0..25 {
            source.next_frame(&mut frame);
            assert_eq!(frame[0], 0.0, "every frame starts at a zero crossing");
            peak = frame.iter().fold(peak, |p, s| p.max(s.abs()));
        }
        assert!(peak > 0.5 && peak < 0.9, "peak {peak}");
        let mut pcm = [0i16; 4];
        to_i16(&[1.0, -1.0, 0.5, 2.0], &mut pcm);
        assert_eq!(pcm, [32767, -32767, 16384, 32767]);
    }
}
