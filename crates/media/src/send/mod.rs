//! The send pipeline: raw frames and samples in, RTP payloads with sequence numbers,
//! timestamps and marker bits out, plus the outbound-rtp and media-source statistics.
//! Sans-IO: every call takes the time it happens at; RTP headers, RTX framing (RFC 4588
//! OSN and SSRC), SRTP and pacing belong to the transport.

pub mod audio;
pub mod frame_rate;
pub mod quality;
pub mod rtx_history;
pub mod video;
pub mod video_stats;

pub use audio::{AudioSendStats, AudioSender, AudioSenderConfig, AudioSourceStats};
pub use quality::QualityLimitationTracker;
pub use rtx_history::{RtxHistory, RtxHistoryCounters};
pub use video::{SentVideoFrame, VideoSender, VideoSenderConfig};
pub use video_stats::{VideoSendStats, VideoSourceStats};

/// One RTP packet's worth of what the transport needs to build it: the payload and the
/// header fields the media layer decides. Borrowed: valid only during the callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutgoingPacket<'a> {
    pub sequence_number: u16,
    pub timestamp: u32,
    pub marker: bool,
    pub payload: &'a [u8],
}

/// RTP timestamp `elapsed` after the one of `base`, at `clock_rate` Hz, rounded to the
/// nearest tick (so 1/30 s at 90 kHz is exactly 3000 although 1/30 s is not a whole number
/// of nanoseconds), wrapping like RTP.
pub fn rtp_timestamp(base: u32, elapsed: std::time::Duration, clock_rate: u32) -> u32 {
    let ticks = (elapsed.as_nanos() * u128::from(clock_rate) + 500_000_000) / 1_000_000_000;
    base.wrapping_add(ticks as u32)
}
