//! H.264 decoder: openh264 fed complete access units (Annex B), handing out I420 frames.

use std::time::{Duration, Instant};

use openh264::OpenH264API;
use openh264::decoder::{Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource;

use super::nal::{nal_type, nal_unit_type, split_annex_b};
use super::slice_qp::SliceQpParser;
use crate::frame::I420Frame;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum H264DecodeError {
    /// openh264 could not be created.
    Init(String),
    /// openh264 rejected the access unit (corrupt or missing references); ask for a keyframe.
    Corrupt(String),
    /// The decoder returned planes that do not fit the size it claimed.
    BadPicture,
}

impl std::fmt::Display for H264DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Init(msg) => write!(f, "openh264 decoder init: {msg}"),
            Self::Corrupt(msg) => write!(f, "openh264 rejected the access unit: {msg}"),
            Self::BadPicture => write!(f, "decoded picture planes do not match its size"),
        }
    }
}

impl std::error::Error for H264DecodeError {}

/// Facts about one decoded frame, for inbound-rtp statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodedFrameInfo {
    pub width: usize,
    pub height: usize,
    /// The access unit held an IDR slice (keyFramesDecoded).
    pub keyframe: bool,
    /// QP of the first slice, from its header (qpSum).
    pub qp: Option<u8>,
    /// Wall-clock time spent inside openh264 (totalDecodeTime).
    pub decode_time: Duration,
}

pub struct H264Decoder {
    decoder: Decoder,
    picture: I420Frame,
    qp_parser: SliceQpParser,
}

impl std::fmt::Debug for H264Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H264Decoder").finish_non_exhaustive()
    }
}

impl H264Decoder {
    pub fn new() -> Result<Self, H264DecodeError> {
        // Flush after every access unit: WebRTC has no B-frames, so every complete access
        // unit is a picture to show now.
        let config = DecoderConfig::new().flush_after_decode(Flush::Flush);
        let decoder = Decoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| H264DecodeError::Init(e.to_string()))?;
        Ok(Self {
            decoder,
            picture: I420Frame::new(2, 2),
            qp_parser: SliceQpParser::default(),
        })
    }

    /// Decodes one complete access unit in Annex B form. `Ok(None)` means the unit held no
    /// picture (parameter sets only). The returned frame is valid until the next call.
    pub fn decode(
        &mut self,
        access_unit: &[u8],
    ) -> Result<Option<(DecodedFrameInfo, &I420Frame)>, H264DecodeError> {
        let mut keyframe = false;
        let mut qp = None;
        for nal in split_annex_b(access_unit) {
            let Some(&header) = nal.first() else { continue };
            keyframe |= nal_unit_type(header) == nal_type::IDR_SLICE;
            let parsed = self.qp_parser.observe(nal);
            if qp.is_none() {
                qp = parsed;
            }
        }
        let started = Instant::now();
        let decoded = self
            .decoder
            .decode(access_unit)
            .map_err(|e| H264DecodeError::Corrupt(e.to_string()))?;
        let decode_time = started.elapsed();
        let Some(yuv) = decoded else { return Ok(None) };
        let (width, height) = yuv.dimensions();
        self.picture
            .copy_from_strided(width, height, (yuv.y(), yuv.u(), yuv.v()), yuv.strides())
            .ok_or(H264DecodeError::BadPicture)?;
        let info = DecodedFrameInfo {
            width,
            height,
            keyframe,
            qp,
            decode_time,
        };
        Ok(Some((info, &self.picture)))
    }
}
