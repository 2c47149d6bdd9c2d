//! The driver's codec threads: each offloaded video sender or receiver
//! (see [`crate::pipeline::offload`]) runs on its own OS thread with a
//! bounded command queue, so H.264 encoding and decoding never hold up the
//! network task. Outputs (packets, feedback) come back to the task on a
//! bounded channel; statistics are published as snapshots.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rtcscope_media::I420Frame;
use rtcscope_media::recv::{VideoFeedback, VideoJitterBufferConfig, VideoPacket, VideoReceiver};
use rtcscope_media::send::{VideoSendStats, VideoSender, VideoSourceStats};
use rtcscope_media::source::TestPatternSource;
use rtcscope_media::source::video::read_frame_counter;
use rtcscope_stats::{InboundRtpMedia, InboundRtpVideo, RTCInboundRtpStreamStats};
use tokio::sync::mpsc;

use crate::pipeline::offload::{
    OffloadFactory, VideoRecvCommand, VideoRecvOffload, VideoRecvSnapshot, VideoSendCommand,
    VideoSendOffload,
};
use crate::pipeline::{DecodedFrameCheck, RealMediaConfig, video_sender_config};

/// Commands waiting for a codec thread (a receiver gets one per packet).
const COMMAND_QUEUE: usize = 1024;
/// Outputs waiting for the network task.
pub(crate) const OUTPUT_QUEUE: usize = 2048;
/// How often a receiver publishes its statistics.
const SNAPSHOT_INTERVAL: Duration = Duration::from_millis(50);
/// A capture more than this late skips ahead instead of bursting.
const MAX_CATCH_UP: Duration = Duration::from_millis(500);

/// What a codec thread asks the network task to send.
#[derive(Debug)]
pub(crate) enum MediaOutput {
    Rtp {
        ssrc: u32,
        rtx: bool,
        encoder_sequence: u16,
        timestamp: u32,
        marker: bool,
        payload: Vec<u8>,
    },
    Nack {
        remote_ssrc: u32,
        lost: Vec<u16>,
    },
    Pli {
        remote_ssrc: u32,
    },
    Fir {
        remote_ssrc: u32,
        sequence_number: u8,
    },
}

/// Spawns codec threads for the connection whose task reads `outputs`.
pub(crate) struct ThreadOffload {
    pub outputs: mpsc::Sender<MediaOutput>,
}

struct Handle<C, S> {
    commands: SyncSender<C>,
    snapshot: Arc<Mutex<Option<S>>>,
    dropped_commands: u64,
}

impl<C, S: Clone> Handle<C, S> {
    fn send(&mut self, command: C) {
        match self.commands.try_send(command) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped_commands += 1;
            }
        }
    }

    fn latest(&self) -> Option<S> {
        self.snapshot.lock().ok().and_then(|s| s.clone())
    }
}

fn publish<S>(slot: &Mutex<Option<S>>, value: S) {
    if let Ok(mut s) = slot.lock() {
        *s = Some(value);
    }
}

impl VideoSendOffload for Handle<VideoSendCommand, (VideoSendStats, VideoSourceStats)> {
    fn command(&mut self, command: VideoSendCommand) {
        self.send(command);
    }
    fn snapshot(&self) -> Option<(VideoSendStats, VideoSourceStats)> {
        self.latest()
    }
}

impl VideoRecvOffload for Handle<VideoRecvCommand, VideoRecvSnapshot> {
    fn command(&mut self, command: VideoRecvCommand) {
        self.send(command);
    }
    fn snapshot(&self) -> Option<VideoRecvSnapshot> {
        self.latest()
    }
}

impl OffloadFactory for ThreadOffload {
    fn video_sender(
        &mut self,
        ssrc: u32,
        config: RealMediaConfig,
    ) -> Option<Box<dyn VideoSendOffload>> {
        let (commands, rx) = sync_channel(COMMAND_QUEUE);
        let snapshot = Arc::new(Mutex::new(None));
        let worker = SendWorker {
            ssrc,
            config,
            commands: rx,
            outputs: self.outputs.clone(),
            snapshot: Arc::clone(&snapshot),
        };
        std::thread::Builder::new()
            .name(format!("h264-enc-{ssrc:08x}"))
            .spawn(move || worker.run())
            .ok()?;
        Some(Box::new(Handle {
            commands,
            snapshot,
            dropped_commands: 0,
        }))
    }

    fn video_receiver(&mut self, ssrc: u32) -> Option<Box<dyn VideoRecvOffload>> {
        let (commands, rx) = sync_channel(COMMAND_QUEUE);
        let snapshot = Arc::new(Mutex::new(None));
        let receiver = VideoReceiver::new(VideoJitterBufferConfig::default()).ok()?;
        let worker = RecvWorker {
            ssrc,
            receiver,
            commands: rx,
            outputs: self.outputs.clone(),
            snapshot: Arc::clone(&snapshot),
            check: DecodedFrameCheck::default(),
        };
        std::thread::Builder::new()
            .name(format!("h264-dec-{ssrc:08x}"))
            .spawn(move || worker.run())
            .ok()?;
        Some(Box::new(Handle {
            commands,
            snapshot,
            dropped_commands: 0,
        }))
    }
}

struct SendWorker {
    ssrc: u32,
    config: RealMediaConfig,
    commands: Receiver<VideoSendCommand>,
    outputs: mpsc::Sender<MediaOutput>,
    snapshot: Arc<Mutex<Option<(VideoSendStats, VideoSourceStats)>>>,
}

impl SendWorker {
    fn run(self) {
        let c = self.config;
        let mut source = TestPatternSource::new(c.width, c.height, c.fps);
        let (_, mut frame): (u64, I420Frame) =
            TestPatternSource::new(c.width, c.height, c.fps).next_frame();
        let interval = Duration::from_nanos(1_000_000_000 / u64::from(c.fps.max(1)));
        let Ok(mut sender) = VideoSender::new(video_sender_config(&c), Instant::now()) else {
            return;
        };
        let mut next_due: Option<Instant> = None;
        loop {
            let wait = next_due.map_or(Duration::from_millis(200), |d| {
                d.saturating_duration_since(Instant::now())
            });
            match self.commands.recv_timeout(wait) {
                Ok(command) => {
                    let now = Instant::now();
                    match command {
                        VideoSendCommand::Start => {
                            next_due.get_or_insert(now);
                        }
                        VideoSendCommand::Pause => next_due = None,
                        VideoSendCommand::Nack(lost) => {
                            let outputs = &self.outputs;
                            let ssrc = self.ssrc;
                            sender.on_nack(now, lost, |p| {
                                let _ = outputs.blocking_send(MediaOutput::Rtp {
                                    ssrc,
                                    rtx: true,
                                    encoder_sequence: p.sequence_number,
                                    timestamp: p.timestamp,
                                    marker: p.marker,
                                    payload: p.payload.to_vec(),
                                });
                            });
                        }
                        VideoSendCommand::KeyframeRequest { full_intra: true } => sender.on_fir(),
                        VideoSendCommand::KeyframeRequest { full_intra: false } => sender.on_pli(),
                        VideoSendCommand::SetTargetBitrate(bps) => sender.set_target_bitrate(bps),
                        VideoSendCommand::SetRoundTripTime(rtt) => sender.set_round_trip_time(rtt),
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            let now = Instant::now();
            let Some(mut due) = next_due else {
                continue;
            };
            if now.saturating_duration_since(due) > MAX_CATCH_UP {
                due = now;
            }
            if due <= now {
                source.next_frame_into(&mut frame);
                let mut gone = false;
                let (outputs, ssrc) = (&self.outputs, self.ssrc);
                let _ = sender.send_frame(due, &frame, |p| {
                    gone |= outputs
                        .blocking_send(MediaOutput::Rtp {
                            ssrc,
                            rtx: false,
                            encoder_sequence: p.sequence_number,
                            timestamp: p.timestamp,
                            marker: p.marker,
                            payload: p.payload.to_vec(),
                        })
                        .is_err();
                });
                if gone {
                    return;
                }
                let now = Instant::now();
                publish(
                    &self.snapshot,
                    (sender.stats(now), sender.source_stats(now)),
                );
                due += interval;
                if now > due {
                    // Encoding took longer than a frame interval (a slow machine or a
                    // debug build): skip the frames already due instead of running the
                    // core flat out, as an overloaded capture pipeline drops frames. The
                    // network task and the other codec threads keep their share.
                    due = now + interval;
                }
            }
            next_due = Some(due);
        }
    }
}

struct RecvWorker {
    ssrc: u32,
    receiver: VideoReceiver,
    commands: Receiver<VideoRecvCommand>,
    outputs: mpsc::Sender<MediaOutput>,
    snapshot: Arc<Mutex<Option<VideoRecvSnapshot>>>,
    check: DecodedFrameCheck,
}

impl RecvWorker {
    fn run(mut self) {
        let mut published: Option<Instant> = None;
        loop {
            let wait = self
                .receiver
                .poll_timeout()
                .map_or(SNAPSHOT_INTERVAL, |t| {
                    t.saturating_duration_since(Instant::now())
                })
                .min(SNAPSHOT_INTERVAL);
            let command = self.commands.recv_timeout(wait);
            let now = Instant::now();
            let check = &mut self.check;
            match command {
                Ok(VideoRecvCommand::Packet {
                    sequence,
                    timestamp,
                    marker,
                    payload,
                }) => {
                    let packet = VideoPacket {
                        sequence,
                        timestamp,
                        marker,
                        payload: &payload,
                    };
                    self.receiver.insert_packet(now, packet, |_, picture| {
                        crate::pipeline::record_counter(check, read_frame_counter(picture));
                    });
                }
                Ok(VideoRecvCommand::SetRoundTripTime(rtt)) => self.receiver.set_rtt(rtt),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            if self.receiver.poll_timeout().is_some_and(|t| t <= now) {
                self.receiver.handle_timeout(now, |_, picture| {
                    crate::pipeline::record_counter(check, read_frame_counter(picture));
                });
            }
            while let Some(feedback) = self.receiver.poll_feedback(now) {
                let output = match feedback {
                    VideoFeedback::Nack(lost) => MediaOutput::Nack {
                        remote_ssrc: self.ssrc,
                        lost: lost.to_vec(),
                    },
                    VideoFeedback::Pli => MediaOutput::Pli {
                        remote_ssrc: self.ssrc,
                    },
                    VideoFeedback::Fir { sequence_number } => MediaOutput::Fir {
                        remote_ssrc: self.ssrc,
                        sequence_number,
                    },
                };
                if self.outputs.blocking_send(output).is_err() {
                    return;
                }
            }
            if published.is_none_or(|t| now.saturating_duration_since(t) >= SNAPSHOT_INTERVAL) {
                published = Some(now);
                let mut inbound = RTCInboundRtpStreamStats {
                    media: InboundRtpMedia::Video(InboundRtpVideo::default()),
                    ..Default::default()
                };
                self.receiver.fill_inbound(now, &mut inbound);
                publish(
                    &self.snapshot,
                    VideoRecvSnapshot {
                        inbound,
                        check: self.check,
                    },
                );
            }
        }
    }
}
