//! Moving the codecs off the network task. The sans-IO core runs the video
//! pipelines inline (deterministic for simulated time); a driver that must
//! not block on encoding or decoding installs an [`OffloadFactory`] and the
//! core hands each video pipeline to it instead. The pipeline then lives
//! elsewhere (a thread): encoded packets and feedback requests come back
//! through [`crate::RTCPeerConnection::send_offloaded_rtp`] /
//! [`crate::RTCPeerConnection::send_offloaded_feedback`], statistics as
//! snapshots.

use std::time::Duration;

use rtcscope_media::send::{VideoSendStats, VideoSourceStats};
use rtcscope_stats::RTCInboundRtpStreamStats;

use super::RealMediaConfig;
use super::recv::DecodedFrameCheck;

/// Commands to an offloaded video sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoSendCommand {
    /// Begin capturing (the transport can carry media).
    Start,
    Pause,
    /// Sequence numbers are the encoder's own (the core translates).
    Nack(Vec<u16>),
    KeyframeRequest {
        full_intra: bool,
    },
    SetTargetBitrate(u32),
    SetRoundTripTime(Duration),
}

/// An offloaded video sender (the handle the core keeps).
pub trait VideoSendOffload: Send {
    /// Queues a command; a full queue drops it (counted by the implementation).
    fn command(&mut self, command: VideoSendCommand);
    /// The latest statistics the sender published, if any yet.
    fn snapshot(&self) -> Option<(VideoSendStats, VideoSourceStats)>;
}

/// Commands to an offloaded video receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoRecvCommand {
    Packet {
        sequence: u16,
        timestamp: u32,
        marker: bool,
        payload: Vec<u8>,
    },
    SetRoundTripTime(Duration),
}

/// What an offloaded video receiver publishes.
#[derive(Debug, Clone, Default)]
pub struct VideoRecvSnapshot {
    /// The members `VideoReceiver::fill_inbound` owns.
    pub inbound: RTCInboundRtpStreamStats,
    pub check: DecodedFrameCheck,
}

pub trait VideoRecvOffload: Send {
    fn command(&mut self, command: VideoRecvCommand);
    fn snapshot(&self) -> Option<VideoRecvSnapshot>;
}

/// Creates offloaded pipelines; installed by a driver.
pub trait OffloadFactory: Send {
    /// A video sender for local stream `ssrc` (`None`: run it inline).
    fn video_sender(
        &mut self,
        ssrc: u32,
        config: RealMediaConfig,
    ) -> Option<Box<dyn VideoSendOffload>>;
    /// A video receiver for remote stream `ssrc` (`None`: run it inline).
    fn video_receiver(&mut self, ssrc: u32) -> Option<Box<dyn VideoRecvOffload>>;
}

/// Copies the members an offloaded receiver owns into the report's object.
pub(crate) fn apply_recv_snapshot(
    snapshot: &RTCInboundRtpStreamStats,
    out: &mut RTCInboundRtpStreamStats,
) {
    out.nack_count = snapshot.nack_count;
    out.packets_discarded = snapshot.packets_discarded;
    out.jitter_buffer_delay = snapshot.jitter_buffer_delay;
    out.jitter_buffer_target_delay = snapshot.jitter_buffer_target_delay;
    out.jitter_buffer_minimum_delay = snapshot.jitter_buffer_minimum_delay;
    out.jitter_buffer_emitted_count = snapshot.jitter_buffer_emitted_count;
    out.total_processing_delay = snapshot.total_processing_delay;
    out.media = snapshot.media.clone();
}
