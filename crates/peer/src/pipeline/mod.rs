//! Real media in the peer connection: senders backed by the media crate's
//! sources and encoders, receivers feeding its jitter buffers and decoders,
//! and their statistics filled into the report the connection builds.
//!
//! Everything runs on the connection's explicit clock inside
//! `handle_timeout` / `handle_receive` (deterministic under simulated time).

pub mod offload;
mod paced;
mod recv;
mod send;
mod stats;

pub(crate) use paced::PacedSender;
pub use recv::DecodedFrameCheck;
pub(crate) use recv::RemoteStream;
#[cfg(feature = "tokio-driver")]
pub(crate) use recv::record_counter;
pub(crate) use send::SendPipeline;
pub(crate) mod send_offloaded {
    pub(crate) use super::send::OffloadedVideoSend;
}
pub use send::SendPipelineCounters;
pub use send::video_sender_config;
pub(crate) use stats::fill_media_stats;

/// Remote streams one connection decodes at most (the peer's SSRCs create them).
pub(crate) const MAX_REMOTE_STREAMS: usize = 16;

/// What a real-media sender produces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RealMediaConfig {
    /// Test pattern size (clamped up to what the drawn counter needs: 324×108).
    pub width: usize,
    pub height: usize,
    pub fps: u32,
    /// Video target until the bandwidth estimator says otherwise.
    pub initial_video_bitrate_bps: u32,
    pub audio_bitrate_bps: u32,
    /// Bits per pixel per frame the encoder needs: a target below
    /// width × height × fps × this is a bandwidth limitation (media crate default 0.04).
    pub min_bits_per_pixel: f64,
}

impl Default for RealMediaConfig {
    /// 640×480 at 30 fps, 1 Mbit/s video, 32 kbit/s Opus (what the demo sends).
    fn default() -> Self {
        Self {
            width: 640,
            height: 480,
            fps: 30,
            initial_video_bitrate_bps: 1_000_000,
            audio_bitrate_bps: 32_000,
            min_bits_per_pixel: 0.04,
        }
    }
}
