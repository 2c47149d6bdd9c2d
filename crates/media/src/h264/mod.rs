//! H.264: the openh264 encoder and decoder, and the RFC 6184 RTP payload format.

mod bits;
pub mod decoder;
pub mod depacketizer;
pub mod encoder;
pub mod nal;
pub mod packetizer;
pub mod slice_qp;

pub use decoder::{DecodedFrameInfo, H264DecodeError, H264Decoder};
pub use depacketizer::{
    CompleteFrame, FrameOutcome, H264Depacketizer, IncompleteFrame, IncompleteReason, PushOutcome,
};
pub use encoder::{EncodedFrameInfo, H264EncodeError, H264Encoder, H264EncoderConfig};
pub use packetizer::H264Packetizer;

/// encoderImplementation / decoderImplementation value, as Chrome reports for this library.
pub const IMPLEMENTATION_NAME: &str = "OpenH264";

/// `profile-level-id` of what the encoder produces (profile_idc, constraint flags, level_idc
/// of its SPS at 640×480; checked by a test): Baseline with constraint_set0 and 1, i.e.
/// Constrained Baseline, level 3.0. RFC 6184 matching treats it as the same profile as
/// Chrome's `42e01f` offer; with `level-asymmetry-allowed=1` the levels need not match.
pub const PROFILE_LEVEL_ID: &str = "42c01e";
