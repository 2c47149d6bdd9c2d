//! Audio send pipeline: 20 ms frames of 48 kHz mono samples → Opus → RTP payloads with
//! 48 kHz timestamps (RFC 7587 §4.1), with the media-source (audio) statistics measured on
//! the samples the source handed in.
//!
//! The sample count is the clock here: every frame advances the RTP timestamp by 960, as a
//! capture device delivering 20 ms buffers does, so no `Instant` is needed.

use rtcscope_stats::{
    MediaSourceAudio, MediaSourceMedia, OutboundRtpAudio, OutboundRtpMedia,
    RTCOutboundRtpStreamStats,
};

use super::OutgoingPacket;
use crate::opus::codec::FRAME_SAMPLES;
use crate::opus::{OpusAudioEncoder, OpusEncoderConfig, OpusError, RTP_CLOCK_RATE};

/// Frames audioLevel is averaged over: 10 × 20 ms = 200 ms, a "short interval" that
/// follows syllables (Chrome's level tracker also spans about 10 audio frames).
pub const LEVEL_WINDOW_FRAMES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AudioSenderConfig {
    pub opus: OpusEncoderConfig,
    pub initial_sequence_number: u16,
    pub initial_timestamp: u32,
}

/// media-source (audio) members.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioSourceStats {
    /// RMS level over the last [`LEVEL_WINDOW_FRAMES`] frames, linear 0..1 (1 = 0 dBov),
    /// computed from the same energies as totalAudioEnergy; `None` before the first frame.
    pub audio_level: Option<f64>,
    pub total_audio_energy: f64,
    /// Seconds of audio the source produced.
    pub total_samples_duration: f64,
}

impl AudioSourceStats {
    pub fn fill(&self, audio: &mut MediaSourceAudio) {
        audio.audio_level = self.audio_level;
        audio.total_audio_energy = Some(self.total_audio_energy);
        audio.total_samples_duration = Some(self.total_samples_duration);
    }

    /// The media part of an RTCMediaSourceStats (kind "audio").
    pub fn media(&self) -> MediaSourceMedia {
        let mut audio = MediaSourceAudio::default();
        self.fill(&mut audio);
        MediaSourceMedia::Audio(audio)
    }
}

/// outbound-rtp (audio) members this pipeline owns. The spec defines no audio-only
/// outbound-rtp member; these are the shared ones the encoder decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioSendStats {
    pub target_bitrate_bps: u32,
    pub nack_count: u32,
    /// Opus frames encoded and sent (not a spec member for audio).
    pub frames_sent: u64,
}

impl AudioSendStats {
    /// Writes `targetBitrate`, `active`, `nackCount` and marks the object audio.
    pub fn fill_outbound(&self, outbound: &mut RTCOutboundRtpStreamStats) {
        outbound.media = OutboundRtpMedia::Audio(OutboundRtpAudio::default());
        outbound.target_bitrate = Some(f64::from(self.target_bitrate_bps));
        outbound.active = Some(true);
        outbound.nack_count = Some(self.nack_count);
    }
}

pub struct AudioSender {
    encoder: OpusAudioEncoder,
    next_sequence_number: u16,
    next_timestamp: u32,
    frames_sent: u64,
    nack_count: u32,
    total_energy: f64,
    /// Frames the source handed in (each [`FRAME_SAMPLES`] samples).
    source_frames: u64,
    /// Energies of the last frames, a ring indexed by frame count.
    recent_energies: [f64; LEVEL_WINDOW_FRAMES],
}

impl std::fmt::Debug for AudioSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioSender")
            .field("encoder", &self.encoder)
            .field("frames_sent", &self.frames_sent)
            .finish_non_exhaustive()
    }
}

impl AudioSender {
    pub fn new(config: AudioSenderConfig) -> Result<Self, OpusError> {
        Ok(Self {
            encoder: OpusAudioEncoder::new(config.opus)?,
            next_sequence_number: config.initial_sequence_number,
            next_timestamp: config.initial_timestamp,
            frames_sent: 0,
            nack_count: 0,
            total_energy: 0.0,
            source_frames: 0,
            recent_energies: [0.0; LEVEL_WINDOW_FRAMES],
        })
    }

    /// Takes effect from the next frame (Opus changes rate without a reset).
    pub fn set_target_bitrate(&mut self, bps: u32) {
        self.encoder.set_target_bitrate(bps);
    }

    /// Expected loss from receiver reports, steering Opus in-band FEC.
    pub fn set_packet_loss_percent(&mut self, percent: u8) {
        self.encoder.set_packet_loss_percent(percent);
    }

    /// A generic NACK arrived for this stream. Audio is not retransmitted (Opus FEC and
    /// concealment cover loss, as in libwebrtc); the NACK is only counted.
    pub fn on_nack(&mut self) {
        self.nack_count = self.nack_count.saturating_add(1);
    }

    /// Measures and encodes one 20 ms frame and hands its RTP packet to `emit`. The marker
    /// bit is set on the first packet only (start of the talkspurt, RFC 3551 §4.1; there is
    /// no DTX, so no later talkspurts). Samples outside [-1, 1] count as full scale.
    pub fn send_frame<F>(&mut self, frame: &[f32; FRAME_SAMPLES], emit: F) -> Result<(), OpusError>
    where
        F: FnOnce(OutgoingPacket<'_>),
    {
        let energy = frame
            .iter()
            .map(|&s| {
                let s = f64::from(s).clamp(-1.0, 1.0);
                s * s
            })
            .sum::<f64>()
            / f64::from(RTP_CLOCK_RATE);
        // The media-source statistics describe the source, so the frame counts even if the
        // encoder then refuses it.
        let ring_index = (self.source_frames % LEVEL_WINDOW_FRAMES as u64) as usize;
        self.recent_energies[ring_index] = energy;
        self.total_energy += energy;
        self.source_frames += 1;
        let payload = self.encoder.encode(frame)?;
        emit(OutgoingPacket {
            sequence_number: self.next_sequence_number,
            timestamp: self.next_timestamp,
            marker: self.frames_sent == 0,
            payload,
        });
        self.frames_sent += 1;
        self.next_sequence_number = self.next_sequence_number.wrapping_add(1);
        self.next_timestamp = self.next_timestamp.wrapping_add(FRAME_SAMPLES as u32);
        Ok(())
    }

    pub fn stats(&self) -> AudioSendStats {
        AudioSendStats {
            target_bitrate_bps: self.encoder.target_bitrate(),
            nack_count: self.nack_count,
            frames_sent: self.frames_sent,
        }
    }

    pub fn source_stats(&self) -> AudioSourceStats {
        let window_frames = self.source_frames.min(LEVEL_WINDOW_FRAMES as u64);
        let audio_level = (window_frames > 0).then(|| {
            let window_seconds =
                window_frames as f64 * FRAME_SAMPLES as f64 / f64::from(RTP_CLOCK_RATE);
            let energy: f64 = self.recent_energies[..window_frames as usize].iter().sum();
            (energy / window_seconds).sqrt().min(1.0)
        });
        AudioSourceStats {
            audio_level,
            total_audio_energy: self.total_energy,
            total_samples_duration: (self.source_frames * FRAME_SAMPLES as u64) as f64
                / f64::from(RTP_CLOCK_RATE),
        }
    }
}
