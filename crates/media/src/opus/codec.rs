//! Opus encoder and decoder for 48 kHz mono audio in 20 ms frames, the WebRTC default.

use opus_pure::{Application, MAX_PACKET_BYTES, OpusDecoder, OpusEncoder};

use super::payload::{MAX_PACKET_SAMPLES, OpusPayloadError, packet_samples};

/// Samples per channel in one 20 ms frame at 48 kHz.
pub const FRAME_SAMPLES: usize = 960;
const SAMPLE_RATE: i32 = 48_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpusApplication {
    /// Speech over a network (libwebrtc's choice for mono voice): SILK/hybrid, in-band FEC.
    Voip,
    /// General audio: CELT, waveform-matching.
    Audio,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusEncoderConfig {
    pub application: OpusApplication,
    pub bitrate_bps: u32,
    /// Carry a low-rate copy of the previous frame for recovery (useinbandfec=1).
    pub inband_fec: bool,
    /// Expected loss, steering how much FEC the encoder spends.
    pub packet_loss_percent: u8,
}

impl Default for OpusEncoderConfig {
    fn default() -> Self {
        // libwebrtc's defaults for mono Opus: 32 kbit/s, VoIP, FEC on.
        Self {
            application: OpusApplication::Voip,
            bitrate_bps: 32_000,
            inband_fec: true,
            packet_loss_percent: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpusError {
    Payload(OpusPayloadError),
    /// The codec rejected the call or the packet.
    Codec(String),
}

impl std::fmt::Display for OpusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Payload(e) => write!(f, "{e}"),
            Self::Codec(msg) => write!(f, "opus: {msg}"),
        }
    }
}

impl std::error::Error for OpusError {}

impl From<OpusPayloadError> for OpusError {
    fn from(e: OpusPayloadError) -> Self {
        Self::Payload(e)
    }
}

fn codec_error(e: opus_pure::Error) -> OpusError {
    OpusError::Codec(e.to_string())
}

/// Lowest and highest bitrates Opus accepts.
const BITRATE_RANGE: (u32, u32) = (6_000, 510_000);

pub struct OpusAudioEncoder {
    encoder: OpusEncoder,
    packet: Vec<u8>,
}

impl std::fmt::Debug for OpusAudioEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusAudioEncoder")
            .field("bitrate_bps", &self.encoder.bitrate_bps)
            .finish_non_exhaustive()
    }
}

impl OpusAudioEncoder {
    pub fn new(config: OpusEncoderConfig) -> Result<Self, OpusError> {
        let application = match config.application {
            OpusApplication::Voip => Application::Voip,
            OpusApplication::Audio => Application::Audio,
        };
        let mut encoder = OpusEncoder::new(SAMPLE_RATE, 1, application).map_err(codec_error)?;
        encoder.use_inband_fec = config.inband_fec;
        encoder.packet_loss_perc = i32::from(config.packet_loss_percent.min(100));
        let mut this = Self {
            encoder,
            packet: vec![0; MAX_PACKET_BYTES],
        };
        this.set_target_bitrate(config.bitrate_bps);
        Ok(this)
    }

    /// Takes effect from the next frame; Opus changes rate without a reset.
    pub fn set_target_bitrate(&mut self, bps: u32) {
        let bps = bps.clamp(BITRATE_RANGE.0, BITRATE_RANGE.1);
        self.encoder.bitrate_bps = i32::try_from(bps).unwrap_or(i32::MAX);
    }

    pub fn target_bitrate(&self) -> u32 {
        u32::try_from(self.encoder.bitrate_bps).unwrap_or(0)
    }

    /// Updates the loss the encoder plans FEC for (from RTCP receiver reports).
    pub fn set_packet_loss_percent(&mut self, percent: u8) {
        self.encoder.packet_loss_perc = i32::from(percent.min(100));
    }

    /// Encodes one 20 ms frame into an RTP payload (valid until the next call).
    pub fn encode(&mut self, frame: &[f32; FRAME_SAMPLES]) -> Result<&[u8], OpusError> {
        let len = self
            .encoder
            .encode(frame, FRAME_SAMPLES, &mut self.packet)
            .map_err(codec_error)?;
        self.packet
            .get(..len)
            .ok_or_else(|| OpusError::Codec("packet length out of range".into()))
    }
}

pub struct OpusAudioDecoder {
    decoder: OpusDecoder,
    pcm: Vec<f32>,
}

impl std::fmt::Debug for OpusAudioDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusAudioDecoder").finish_non_exhaustive()
    }
}

impl OpusAudioDecoder {
    pub fn new() -> Result<Self, OpusError> {
        Ok(Self {
            decoder: OpusDecoder::new(SAMPLE_RATE, 1).map_err(codec_error)?,
            pcm: vec![0.0; MAX_PACKET_SAMPLES],
        })
    }

    /// Decodes one RTP payload to 48 kHz mono samples (valid until the next call). The
    /// framing is checked first, so the sample count is the one the TOC promises.
    pub fn decode(&mut self, payload: &[u8]) -> Result<&[f32], OpusError> {
        let samples = packet_samples(payload)?;
        let pcm = self
            .pcm
            .get_mut(..samples)
            .ok_or(OpusPayloadError::TooLong)?;
        let decoded = self
            .decoder
            .decode(payload, samples, pcm)
            .map_err(codec_error)?;
        self.samples(decoded)
    }

    /// Packet loss concealment: synthesises `samples` (at most 120 ms) in place of a lost
    /// packet, continuing the last decoded signal (concealedSamples).
    pub fn conceal(&mut self, samples: usize) -> Result<&[f32], OpusError> {
        let samples = samples.min(MAX_PACKET_SAMPLES);
        let pcm = self
            .pcm
            .get_mut(..samples)
            .ok_or(OpusPayloadError::TooLong)?;
        let decoded = self
            .decoder
            .decode(&[], samples, pcm)
            .map_err(codec_error)?;
        self.samples(decoded)
    }

    /// Recovers a lost packet from the in-band FEC of the packet after it (`next_payload`),
    /// falling back to concealment when that packet carries none. `samples` is the lost
    /// packet's duration.
    pub fn recover_from_fec(
        &mut self,
        next_payload: &[u8],
        samples: usize,
    ) -> Result<&[f32], OpusError> {
        packet_samples(next_payload)?;
        let samples = samples.min(MAX_PACKET_SAMPLES);
        let pcm = self
            .pcm
            .get_mut(..samples)
            .ok_or(OpusPayloadError::TooLong)?;
        let decoded = self
            .decoder
            .decode_fec(next_payload, samples, pcm)
            .map_err(codec_error)?;
        self.samples(decoded)
    }

    fn samples(&self, count: usize) -> Result<&[f32], OpusError> {
        self.pcm
            .get(..count)
            .ok_or_else(|| OpusError::Codec("decoder returned too many samples".into()))
    }
}
