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
