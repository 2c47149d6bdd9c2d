//! Receive side of the real media pipeline: RTP of one remote stream into the
//! media crate's `VideoReceiver` (jitter buffer, NACK/PLI/FIR, H.264 decode)
//! or `AudioReceiver` + `AudioPlayout` (Opus, 20 ms playout ticks on the
//! explicit clock).

use std::time::{Duration, Instant};

use rtcscope_media::recv::{
    AudioPacket, AudioPlayout, AudioReceiver, AudioReceiverConfig, VideoFeedback,
    VideoJitterBufferConfig, VideoPacket, VideoReceiver,
};
use rtcscope_media::source::video::read_frame_counter;
use rtcscope_stats::MediaKind;

use super::offload::{VideoRecvCommand, VideoRecvOffload};
use crate::events::ReceivedRtp;
use crate::feedback::Feedback;
use crate::transport::BundleTransport;

const PLAYOUT_TICK: Duration = Duration::from_millis(20);
/// The playout device's own buffer (totalPlayoutDelay per sample).
const DEVICE_LATENCY: Duration = Duration::from_millis(20);

/// What the receiver saw of the frame counters drawn into the pictures: proof
/// that the frames decoded are the frames that were encoded, in order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodedFrameCheck {
    pub frames: u64,
    /// Pictures whose drawn counter could be read.
    pub counters_read: u64,
    /// Read counters not greater than the previous one.
    pub counters_out_of_order: u64,
    pub first_counter: Option<u64>,
    pub last_counter: Option<u64>,
}

pub(crate) struct VideoRecvPipeline {
    pub receiver: VideoReceiver,
    pub check: DecodedFrameCheck,
    pub feedback_failures: u64,
}

pub(crate) struct AudioRecvPipeline {
    pub receiver: AudioReceiver,
    pub playout: AudioPlayout,
    pub next_tick: Option<Instant>,
}

pub(crate) enum RecvPipeline {
    Video(Box<VideoRecvPipeline>),
    Audio(Box<AudioRecvPipeline>),
    /// A video receiver running elsewhere ([`super::offload`]).
    Offloaded(Box<dyn VideoRecvOffload>),
}

/// One remote stream and its pipeline.
pub(crate) struct RemoteStream {
    pub ssrc: u32,
    pub pipeline: RecvPipeline,
}

impl std::fmt::Debug for RemoteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteStream")
            .field("ssrc", &self.ssrc)
            .finish_non_exhaustive()
    }
}

pub(crate) fn record_counter(check: &mut DecodedFrameCheck, counter: Option<u64>) {
    check.frames += 1;
    let Some(c) = counter else {
        return;
    };
    check.counters_read += 1;
    if check.last_counter.is_some_and(|last| c <= last) {
        check.counters_out_of_order += 1;
    }
    check.first_counter.get_or_insert(c);
    check.last_counter = Some(c);
}

impl RemoteStream {
    pub fn offloaded(ssrc: u32, handle: Box<dyn VideoRecvOffload>) -> Self {
        Self {
            ssrc,
            pipeline: RecvPipeline::Offloaded(handle),
        }
    }

    pub fn new(ssrc: u32, kind: MediaKind) -> Option<Self> {
        let pipeline = match kind {
            MediaKind::Video => RecvPipeline::Video(Box::new(VideoRecvPipeline {
                receiver: VideoReceiver::new(VideoJitterBufferConfig::default()).ok()?,
                check: DecodedFrameCheck::default(),
                feedback_failures: 0,
            })),
            MediaKind::Audio => RecvPipeline::Audio(Box::new(AudioRecvPipeline {
                receiver: AudioReceiver::new(AudioReceiverConfig::default()).ok()?,
                playout: AudioPlayout::new(DEVICE_LATENCY),
                next_tick: None,
            })),
        };
        Some(Self { ssrc, pipeline })
    }

    pub fn on_rtp(&mut self, now: Instant, rtp: &ReceivedRtp<'_>) {
        match &mut self.pipeline {
            RecvPipeline::Video(v) => {
                let check = &mut v.check;
                v.receiver.insert_packet(
                    now,
                    VideoPacket {
                        sequence: rtp.sequence_number,
                        timestamp: rtp.timestamp,
                        marker: rtp.marker,
                        payload: rtp.payload,
                    },
                    |_, picture| record_counter(check, read_frame_counter(picture)),
                );
            }
            RecvPipeline::Audio(a) => {
                a.receiver.insert_packet(
                    now,
                    AudioPacket {
                        sequence: rtp.sequence_number,
                        timestamp: rtp.timestamp,
                        payload: rtp.payload,
                    },
                );
                // The device starts pulling when the first packet arrives.
                a.next_tick.get_or_insert(now);
            }
            RecvPipeline::Offloaded(o) => o.command(VideoRecvCommand::Packet {
                sequence: rtp.sequence_number,
                timestamp: rtp.timestamp,
                marker: rtp.marker,
                payload: rtp.payload.to_vec(),
            }),
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.pipeline {
            RecvPipeline::Video(v) => v.receiver.poll_timeout(),
            RecvPipeline::Audio(a) => a.next_tick,
            RecvPipeline::Offloaded(_) => None,
        }
    }

    /// Timers (video give-ups, audio playout ticks) and the feedback they cause.
    pub fn handle_timeout(&mut self, now: Instant, transport: &mut BundleTransport) {
        let ssrc = self.ssrc;
        match &mut self.pipeline {
            RecvPipeline::Video(v) => {
                if v.receiver.poll_timeout().is_some_and(|t| t <= now) {
                    let check = &mut v.check;
                    v.receiver.handle_timeout(now, |_, picture| {
                        record_counter(check, read_frame_counter(picture));
                    });
                }
                while let Some(feedback) = v.receiver.poll_feedback(now) {
                    let sent = match feedback {
                        VideoFeedback::Nack(lost) => {
                            transport.send_feedback(now, ssrc, Feedback::Nack(lost))
                        }
                        VideoFeedback::Pli => transport.send_feedback(now, ssrc, Feedback::Pli),
                        VideoFeedback::Fir { sequence_number } => {
                            transport.send_feedback(now, ssrc, Feedback::Fir { sequence_number })
                        }
                    };
                    if sent.is_err() {
                        v.feedback_failures += 1;
                    }
                }
            }
            RecvPipeline::Audio(a) => {
                let Some(mut due) = a.next_tick else {
                    return;
                };
                // A stalled driver does not replay seconds of ticks.
                if now.saturating_duration_since(due) > Duration::from_millis(500) {
                    due = now;
                }
                while due <= now {
                    let tick = a.receiver.tick(due);
                    a.playout.on_tick(&tick);
                    due += PLAYOUT_TICK;
                }
                a.next_tick = Some(due);
            }
            RecvPipeline::Offloaded(_) => {}
        }
    }

    pub fn set_rtt(&mut self, rtt: Duration) {
        match &mut self.pipeline {
            RecvPipeline::Video(v) => v.receiver.set_rtt(rtt),
            RecvPipeline::Offloaded(o) => o.command(VideoRecvCommand::SetRoundTripTime(rtt)),
            RecvPipeline::Audio(_) => {}
        }
    }
}

impl RemoteStream {
    pub fn decoded_frame_check(&self) -> Option<DecodedFrameCheck> {
        match &self.pipeline {
            RecvPipeline::Video(v) => Some(v.check),
            RecvPipeline::Offloaded(o) => o.snapshot().map(|s| s.check),
            RecvPipeline::Audio(_) => None,
        }
    }
}
