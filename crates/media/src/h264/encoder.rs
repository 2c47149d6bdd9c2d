//! H.264 encoder: openh264 behind an interface shaped by what WebRTC needs — a target bitrate
//! the bandwidth estimator can move, keyframes on PLI/FIR, and per-frame facts for the
//! outbound-rtp statistics.

use std::ops::Range;
use std::time::{Duration, Instant};

use openh264::OpenH264API;
use openh264::encoder::{
    BitRate, Encoder, EncoderConfig, FrameRate, FrameType, IntraFramePeriod, RateControlMode,
    UsageType,
};

use super::nal::{nal_type, nal_unit_type};
use super::slice_qp::SliceQpParser;
use crate::frame::I420Frame;

/// Lowest target the encoder is given; below this openh264 produces mush or refuses.
pub const MIN_BITRATE_BPS: u32 = 30_000;
/// Highest target accepted.
pub const MAX_BITRATE_BPS: u32 = 20_000_000;
/// A new target is applied only when it differs from the applied one by at least this
/// fraction (see [`H264Encoder::set_target_bitrate`] for why changes are not free).
pub const BITRATE_HYSTERESIS: f64 = 0.15;

#[derive(Debug, Clone, PartialEq)]
pub struct H264EncoderConfig {
    pub target_bitrate_bps: u32,
    pub max_frame_rate: f32,
    /// Frames between periodic IDRs; libwebrtc's default is 3000.
    pub keyframe_interval_frames: u32,
    /// Let the rate control skip frames to hold the bitrate (libwebrtc enables this for
    /// cameras). Off by default so every input frame yields an output frame.
    pub allow_frame_skipping: bool,
}

impl Default for H264EncoderConfig {
    fn default() -> Self {
        Self {
            target_bitrate_bps: 1_000_000,
            max_frame_rate: 30.0,
            keyframe_interval_frames: 3000,
            allow_frame_skipping: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum H264EncodeError {
    /// openh264 refused to create or run the encoder.
    Codec(String),
}

impl std::fmt::Display for H264EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Codec(msg) => write!(f, "openh264 encoder: {msg}"),
        }
    }
}

impl std::error::Error for H264EncodeError {}

/// What one call to [`H264Encoder::encode`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedFrameInfo {
    /// Bytes of all NAL units of the frame, without Annex B start codes.
    pub size_bytes: usize,
    /// An IDR picture: decodable without earlier frames (keyFramesEncoded).
    pub keyframe: bool,
    /// The rate control dropped the frame: no NAL units were produced.
    pub skipped: bool,
    /// QP of the frame's first slice, read back from the slice header because openh264 does
    /// not report it (`None` for skipped frames or if the header cannot be parsed).
    pub qp: Option<u8>,
    /// Wall-clock time spent inside openh264 for this frame (totalEncodeTime).
    pub encode_time: Duration,
    /// Target bitrate the frame was encoded against, bits per second.
    pub target_bitrate_bps: u32,
    pub width: usize,
    pub height: usize,
}

pub struct H264Encoder {
    encoder: Encoder,
    config: H264EncoderConfig,
    /// Target the running openh264 instance was created with.
    applied_bitrate_bps: u32,
    /// Latest target asked for.
    requested_bitrate_bps: u32,
    keyframe_requested: bool,
    /// The last frame's NAL units, concatenated without start codes.
    nal_bytes: Vec<u8>,
    nal_ranges: Vec<Range<usize>>,
    qp_parser: SliceQpParser,
    reconfigurations: u64,
}

impl std::fmt::Debug for H264Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H264Encoder")
            .field("config", &self.config)
            .field("applied_bitrate_bps", &self.applied_bitrate_bps)
            .finish_non_exhaustive()
    }
}

impl H264Encoder {
    pub fn new(config: H264EncoderConfig) -> Result<Self, H264EncodeError> {
        let bitrate = config
            .target_bitrate_bps
            .clamp(MIN_BITRATE_BPS, MAX_BITRATE_BPS);
        Ok(Self {
            encoder: build_encoder(&config, bitrate)?,
            applied_bitrate_bps: bitrate,
            requested_bitrate_bps: bitrate,
            config,
            keyframe_requested: false,
            nal_bytes: Vec::new(),
            nal_ranges: Vec::new(),
            qp_parser: SliceQpParser::default(),
            reconfigurations: 0,
        })
    }

    /// Asks for a new target bitrate, applied at the next frame.
    ///
    /// The `openh264` crate exposes no safe way to change the bitrate of a running encoder
    /// (only `SetOption` through its unsafe raw API, and this workspace forbids unsafe code),
    /// so a change rebuilds the encoder, whose next frame is then an IDR. To keep that rare,
    /// targets within [`BITRATE_HYSTERESIS`] of the applied one are only recorded.
    pub fn set_target_bitrate(&mut self, bps: u32) {
        self.requested_bitrate_bps = bps.clamp(MIN_BITRATE_BPS, MAX_BITRATE_BPS);
    }

    /// Target the encoder is currently running at (targetBitrate).
    pub fn target_bitrate(&self) -> u32 {
        self.applied_bitrate_bps
    }

    /// How many times a bitrate change rebuilt the encoder.
    pub fn reconfigurations(&self) -> u64 {
        self.reconfigurations
    }

    /// The next frame will be an IDR (PLI / FIR).
    pub fn request_keyframe(&mut self) {
        self.keyframe_requested = true;
    }

    /// Encodes one frame. Its NAL units are then available from
    /// [`nal_units`](Self::nal_units) until the next call.
    pub fn encode(&mut self, frame: &I420Frame) -> Result<EncodedFrameInfo, H264EncodeError> {
        self.apply_pending_bitrate()?;
        if self.keyframe_requested {
            self.encoder.force_intra_frame();
            self.keyframe_requested = false;
        }
        self.nal_bytes.clear();
        self.nal_ranges.clear();
        let started = Instant::now();
        let bitstream = self
            .encoder
            .encode(frame)
            .map_err(|e| H264EncodeError::Codec(e.to_string()))?;
        let encode_time = started.elapsed();
        let frame_type = bitstream.frame_type();
        for layer_index in 0..bitstream.num_layers() {
            let Some(layer) = bitstream.layer(layer_index) else {
                continue;
            };
            for nal_index in 0..layer.nal_count() {
                let Some(nal) = layer.nal_unit(nal_index) else {
                    continue;
                };
                let nal = strip_start_code(nal);
                if nal.is_empty() {
                    continue;
                }
                let start = self.nal_bytes.len();
                self.nal_bytes.extend_from_slice(nal);
                self.nal_ranges.push(start..self.nal_bytes.len());
            }
        }
        let mut qp = None;
        for range in &self.nal_ranges {
            let nal = &self.nal_bytes[range.clone()];
            let parsed = self.qp_parser.observe(nal);
            if qp.is_none() {
                qp = parsed;
            }
        }
        let keyframe = self.nal_units().any(|nal| {
            nal.first()
                .is_some_and(|&h| nal_unit_type(h) == nal_type::IDR_SLICE)
        });
        Ok(EncodedFrameInfo {
            size_bytes: self.nal_bytes.len(),
            keyframe,
            skipped: self.nal_ranges.is_empty() || frame_type == FrameType::Skip,
            qp,
            encode_time,
            target_bitrate_bps: self.applied_bitrate_bps,
            width: frame.width(),
            height: frame.height(),
        })
    }

    /// NAL units of the last encoded frame, in decoding order, without start codes.
    pub fn nal_units(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.nal_ranges.iter().map(|r| &self.nal_bytes[r.clone()])
    }

    /// The last encoded frame as an Annex B byte stream (what the decoder takes).
    pub fn write_annex_b(&self, out: &mut Vec<u8>) {
        for nal in self.nal_units() {
            out.extend_from_slice(&super::nal::START_CODE);
            out.extend_from_slice(nal);
        }
    }

    fn apply_pending_bitrate(&mut self) -> Result<(), H264EncodeError> {
        let applied = f64::from(self.applied_bitrate_bps);
        let change = (f64::from(self.requested_bitrate_bps) - applied).abs() / applied;
        if change >= BITRATE_HYSTERESIS {
            self.encoder = build_encoder(&self.config, self.requested_bitrate_bps)?;
            self.applied_bitrate_bps = self.requested_bitrate_bps;
            self.reconfigurations += 1;
        }
        Ok(())
    }
}

fn build_encoder(config: &H264EncoderConfig, bitrate_bps: u32) -> Result<Encoder, H264EncodeError> {
    let encoder_config = EncoderConfig::new()
        .bitrate(BitRate::from_bps(bitrate_bps))
        .max_frame_rate(FrameRate::from_hz(config.max_frame_rate))
        .rate_control_mode(RateControlMode::Bitrate)
        .usage_type(UsageType::CameraVideoRealTime)
        .skip_frames(config.allow_frame_skipping)
        .intra_frame_period(IntraFramePeriod::from_num_frames(
            config.keyframe_interval_frames,
        ));
    Encoder::with_api_config(OpenH264API::from_source(), encoder_config)
        .map_err(|e| H264EncodeError::Codec(e.to_string()))
}

/// openh264 returns each NAL unit with its Annex B start code in front.
fn strip_start_code(nal: &[u8]) -> &[u8] {
    nal.strip_prefix(&[0, 0, 0, 1])
        .or_else(|| nal.strip_prefix(&[0, 0, 1]))
        .unwrap_or(nal)
}
