//! Opus (RFC 6716) through the pure-Rust `opus-pure` crate, and the RTP payload format of
//! RFC 7587. See the crate README for why `opus-pure` was chosen.

pub mod codec;
pub mod lbrr;
pub mod payload;

pub use codec::{
    OpusApplication, OpusAudioDecoder, OpusAudioEncoder, OpusEncoderConfig, OpusError,
};
pub use payload::{OpusPayloadError, RTP_CLOCK_RATE, packet_samples};

/// decoderImplementation / encoderImplementation for audio is not defined by the stats spec;
/// this names the library for logs and the demo.
pub const IMPLEMENTATION_NAME: &str = "opus-pure";
