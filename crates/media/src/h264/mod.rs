//! H.264: the openh264 encoder and decoder, and the RFC 6184 RTP payload format.

mod bits;
pub mod decoder;
pub mod encoder;
pub mod nal;
pub mod slice_qp;

pub use decoder::{DecodedFrameInfo, H264DecodeError, H264Decoder};
pub use encoder::{EncodedFrameInfo, H264EncodeError, H264Encoder, H264EncoderConfig};

/// encoderImplementation / decoderImplementation value, as Chrome reports for this library.
pub const IMPLEMENTATION_NAME: &str = "OpenH264";
