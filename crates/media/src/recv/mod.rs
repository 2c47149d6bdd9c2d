//! The receive pipeline: jitter buffers, NACK and keyframe requests, decoding, audio
//! playout with concealment, and the inbound-rtp / media-playout statistics they feed.
//!
//! Sans-IO like the rest of the crate: RTP payloads with their header fields and explicit
//! `Instant`s go in; decoded frames, feedback requests and statistics come out.

pub mod audio;
pub mod audio_level;
pub mod nack;
pub mod playout;
pub mod render_timing;
pub mod seq;
pub mod video;
pub mod video_buffer;

pub use audio::{AudioPacket, AudioReceiveStats, AudioReceiver, AudioReceiverConfig, PlayoutTick};
pub use audio_level::AudioEnergy;
pub use nack::{NackConfig, NackTracker};
pub use playout::AudioPlayout;
pub use render_timing::{FrameRateWindow, RenderTiming};
pub use video::{DecodedVideoFrame, VideoDecodeStats, VideoReceiver};
pub use video_buffer::{
    AssembledFrame, KeyframeRequestKind, VideoBufferCounters, VideoFeedback, VideoJitterBuffer,
    VideoJitterBufferConfig, VideoPacket,
};
