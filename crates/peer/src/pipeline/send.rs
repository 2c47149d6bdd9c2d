//! Send side of the real media pipeline: the media crate's test pattern
//! through H.264 and speech-like audio through Opus, packets handed to the
//! transport at their scheduled capture time (explicit time, so simulated
//! runs are deterministic).

use std::time::{Duration, Instant};

use rtcscope_media::I420Frame;
use rtcscope_media::opus::OpusEncoderConfig;
use rtcscope_media::send::{
    AudioSender, AudioSenderConfig, OutgoingPacket, VideoSendStats, VideoSender, VideoSenderConfig,
    VideoSourceStats,
};
use rtcscope_media::source::audio::FRAME_SAMPLES;
use rtcscope_media::source::{SpeechLikeSource, TestPatternSource};

use super::RealMediaConfig;
use super::offload::{VideoSendCommand, VideoSendOffload};
use super::paced::PacedSender;
use crate::transport::BundleTransport;

/// A source more than this late (a stalled driver) skips ahead instead of bursting.
const MAX_CATCH_UP: Duration = Duration::from_millis(500);
const AUDIO_FRAME_INTERVAL: Duration = Duration::from_millis(20);
/// Room for the RTP payload: 1,200 bytes keeps the SRTP datagram under a 1,280-byte MTU
/// with the header extensions.
const MAX_VIDEO_PAYLOAD: usize = 1_150;

/// Counters of the glue between the encoders and the transport.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendPipelineCounters {
    /// Packets the transport refused (queue full, not connected).
    pub send_failures: u64,
    /// Frames the encoder refused (an encoder error; the frame is dropped).
    pub encode_errors: u64,
    /// Retransmissions handed to the transport.
    pub rtx_sent: u64,
}

pub(crate) struct VideoSendPipeline {
    config: RealMediaConfig,
    source: TestPatternSource,
    frame: I420Frame,
    /// Built at the first frame (its statistics start then).
    sender: Option<VideoSender>,
    next_at: Option<Instant>,
    interval: Duration,
    /// transport sequence number − encoder sequence number (the transport numbers the
    /// packets; the RTX history is keyed by the encoder's numbers).
    seq_offset: u16,
    paused: bool,
    pub counters: SendPipelineCounters,
}

pub(crate) struct AudioSendPipeline {
    source: SpeechLikeSource,
    samples: Box<[f32; FRAME_SAMPLES]>,
    sender: Option<AudioSender>,
    bitrate_bps: u32,
    next_at: Option<Instant>,
    paused: bool,
    pub counters: SendPipelineCounters,
}

/// A video sender running elsewhere ([`super::offload`]).
pub(crate) struct OffloadedVideoSend {
    pub handle: Box<dyn VideoSendOffload>,
    /// transport sequence number − encoder sequence number, as for inline video.
    pub seq_offset: u16,
    pub started: bool,
    pub paused: bool,
    pub last_target: Option<u32>,
    pub last_rtt: Option<Duration>,
    pub counters: SendPipelineCounters,
}

pub(crate) enum SendPipeline {
    Video(Box<VideoSendPipeline>),
    Audio(Box<AudioSendPipeline>),
    Offloaded(Box<OffloadedVideoSend>),
}

impl std::fmt::Debug for SendPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendPipeline::Video(v) => f
                .debug_struct("VideoSendPipeline")
                .field("next_at", &v.next_at)
                .field("counters", &v.counters)
                .finish_non_exhaustive(),
            SendPipeline::Audio(a) => f
                .debug_struct("AudioSendPipeline")
                .field("next_at", &a.next_at)
                .field("counters", &a.counters)
                .finish_non_exhaustive(),
            SendPipeline::Offloaded(o) => f
                .debug_struct("OffloadedVideoSend")
                .field("counters", &o.counters)
                .finish_non_exhaustive(),
        }
    }
}

impl SendPipeline {
    pub fn video(config: RealMediaConfig) -> Self {
        let source = TestPatternSource::new(config.width, config.height, config.fps);
        let (_, frame) =
            TestPatternSource::new(config.width, config.height, config.fps).next_frame();
        let interval = Duration::from_nanos(1_000_000_000 / u64::from(config.fps.max(1)));
        SendPipeline::Video(Box::new(VideoSendPipeline {
            config,
            source,
            frame,
            sender: None,
            next_at: None,
            interval,
            seq_offset: 0,
            paused: false,
            counters: SendPipelineCounters::default(),
        }))
    }

    pub fn offloaded(handle: Box<dyn VideoSendOffload>) -> Self {
        SendPipeline::Offloaded(Box::new(OffloadedVideoSend {
            handle,
            seq_offset: 0,
            started: false,
            paused: false,
            last_target: None,
            last_rtt: None,
            counters: SendPipelineCounters::default(),
        }))
    }

    pub fn audio(config: RealMediaConfig) -> Self {
        SendPipeline::Audio(Box::new(AudioSendPipeline {
            source: SpeechLikeSource::new(),
            samples: Box::new([0.0; FRAME_SAMPLES]),
            sender: None,
            bitrate_bps: config.audio_bitrate_bps,
            next_at: None,
            paused: false,
            counters: SendPipelineCounters::default(),
        }))
    }

    /// The Opus rate of an audio pipeline (`None` for video).
    pub fn audio_bitrate_bps(&self) -> Option<u32> {
        match self {
            SendPipeline::Audio(a) => Some(a.bitrate_bps),
            SendPipeline::Video(_) | SendPipeline::Offloaded(_) => None,
        }
    }

    pub fn next_due(&self) -> Option<Instant> {
        match self {
            SendPipeline::Video(v) => v.next_at,
            SendPipeline::Audio(a) => a.next_at,
            SendPipeline::Offloaded(_) => None,
        }
    }

    pub fn counters(&self) -> SendPipelineCounters {
        match self {
            SendPipeline::Video(v) => v.counters,
            SendPipeline::Audio(a) => a.counters,
            SendPipeline::Offloaded(o) => o.counters,
        }
    }

    /// The video statistics as of `now` (an offloaded sender's latest snapshot).
    pub fn video_stats(&self, now: Instant) -> Option<(VideoSendStats, VideoSourceStats)> {
        match self {
            SendPipeline::Video(v) => v
                .sender
                .as_ref()
                .map(|s| (s.stats(now), s.source_stats(now))),
            SendPipeline::Offloaded(o) => o.handle.snapshot(),
            SendPipeline::Audio(_) => None,
        }
    }

    pub fn audio_sender(&self) -> Option<&AudioSender> {
        match self {
            SendPipeline::Audio(a) => a.sender.as_ref(),
            SendPipeline::Video(_) | SendPipeline::Offloaded(_) => None,
        }
    }

    /// A packet numbered `encoder_sequence` by the encoder left as transport sequence
    /// `sequence` (`None`: refused).
    pub fn on_released(&mut self, encoder_sequence: u16, sequence: Option<u16>) {
        let (offset, counters) = match self {
            SendPipeline::Video(v) => (&mut v.seq_offset, &mut v.counters),
            SendPipeline::Offloaded(o) => (&mut o.seq_offset, &mut o.counters),
            SendPipeline::Audio(_) => return,
        };
        match sequence {
            Some(seq) => *offset = seq.wrapping_sub(encoder_sequence),
            None => counters.send_failures += 1,
        }
    }

    pub fn offloaded_mut(&mut self) -> Option<&mut OffloadedVideoSend> {
        match self {
            SendPipeline::Offloaded(o) => Some(o),
            _ => None,
        }
    }

    /// Starts producing at `now` (once the transport can carry media), unless paused.
    pub fn start(&mut self, now: Instant) {
        match self {
            SendPipeline::Video(v) if !v.paused => {
                v.next_at.get_or_insert(now);
            }
            SendPipeline::Audio(a) if !a.paused => {
                a.next_at.get_or_insert(now);
            }
            SendPipeline::Offloaded(o) if !o.paused && !o.started => {
                o.started = true;
                o.handle.command(VideoSendCommand::Start);
            }
            _ => {}
        }
    }

    /// Stops capturing for good; the encoder, its RTX history and statistics stay.
    pub fn pause(&mut self) {
        match self {
            SendPipeline::Video(v) => {
                v.paused = true;
                v.next_at = None;
            }
            SendPipeline::Audio(a) => {
                a.paused = true;
                a.next_at = None;
            }
            SendPipeline::Offloaded(o) => {
                if !o.paused {
                    o.paused = true;
                    o.handle.command(VideoSendCommand::Pause);
                }
            }
        }
    }

    /// The estimator's target for this stream.
    pub fn set_target_bitrate(&mut self, bps: u32) {
        match self {
            SendPipeline::Video(v) => {
                if let Some(s) = v.sender.as_mut() {
                    s.set_target_bitrate(bps);
                }
            }
            SendPipeline::Audio(a) => {
                if let Some(s) = a.sender.as_mut() {
                    s.set_target_bitrate(bps);
                }
            }
            SendPipeline::Offloaded(o) => {
                if o.last_target != Some(bps) {
                    o.last_target = Some(bps);
                    o.handle.command(VideoSendCommand::SetTargetBitrate(bps));
                }
            }
        }
    }

    pub fn set_round_trip_time(&mut self, rtt: Duration) {
        match self {
            SendPipeline::Video(v) => {
                if let Some(s) = v.sender.as_mut() {
                    s.set_round_trip_time(rtt);
                }
            }
            SendPipeline::Offloaded(o) => {
                // Only changes of at least 10 ms are worth a message.
                let changed = o
                    .last_rtt
                    .is_none_or(|last| last.abs_diff(rtt) >= Duration::from_millis(10));
                if changed {
                    o.last_rtt = Some(rtt);
                    o.handle.command(VideoSendCommand::SetRoundTripTime(rtt));
                }
            }
            SendPipeline::Audio(_) => {}
        }
    }

    /// Encodes and sends every frame due at `now` on local stream `ssrc` (video through
    /// `paced` when there is one).
    pub fn produce(
        &mut self,
        now: Instant,
        ssrc: u32,
        transport: &mut BundleTransport,
        paced: Option<&mut PacedSender>,
    ) {
        match self {
            SendPipeline::Video(v) => v.produce(now, ssrc, transport, paced),
            SendPipeline::Audio(a) => a.produce(now, ssrc, transport),
            // Its packets arrive through `send_offloaded_rtp`.
            SendPipeline::Offloaded(_) => {}
        }
    }

    /// PLI (`full_intra` false) or FIR from the peer.
    pub fn on_keyframe_request(&mut self, full_intra: bool) {
        match self {
            SendPipeline::Video(v) => {
                if let Some(s) = v.sender.as_mut() {
                    if full_intra {
                        s.on_fir();
                    } else {
                        s.on_pli();
                    }
                }
            }
            SendPipeline::Offloaded(o) => o
                .handle
                .command(VideoSendCommand::KeyframeRequest { full_intra }),
            SendPipeline::Audio(_) => {}
        }
    }

    /// A generic NACK naming transport sequence numbers `lost`: what the RTX history
    /// still holds goes out on the RTX stream (audio NACKs are only counted).
    pub fn on_nack(
        &mut self,
        now: Instant,
        ssrc: u32,
        lost: &[u16],
        transport: &mut BundleTransport,
    ) {
        match self {
            SendPipeline::Video(v) => {
                let offset = v.seq_offset;
                let Some(sender) = v.sender.as_mut() else {
                    return;
                };
                let counters = &mut v.counters;
                sender.on_nack(
                    now,
                    lost.iter().map(|s| s.wrapping_sub(offset)),
                    |p: OutgoingPacket<'_>| {
                        let original = p.sequence_number.wrapping_add(offset);
                        match transport.send_rtx(
                            now,
                            ssrc,
                            original,
                            p.payload,
                            p.timestamp,
                            p.marker,
                        ) {
                            Ok(_) => counters.rtx_sent += 1,
                            Err(_) => counters.send_failures += 1,
                        }
                    },
                );
            }
            SendPipeline::Audio(a) => {
                if let Some(s) = a.sender.as_mut() {
                    s.on_nack();
                }
            }
            SendPipeline::Offloaded(o) => {
                let offset = o.seq_offset;
                o.handle.command(VideoSendCommand::Nack(
                    lost.iter().map(|s| s.wrapping_sub(offset)).collect(),
                ));
            }
        }
    }
}

/// How many periods of `interval` `now` is past `due` beyond the catch-up limit.
fn skip_ahead(now: Instant, due: &mut Instant, interval: Duration) -> u64 {
    let behind = now.saturating_duration_since(*due);
    if behind <= MAX_CATCH_UP || interval.is_zero() {
        return 0;
    }
    let periods = (behind.as_nanos() / interval.as_nanos()) as u64;
    *due += interval * u32::try_from(periods).unwrap_or(u32::MAX);
    periods
}

/// The encoder settings of a real-media video sender (inline or offloaded).
pub fn video_sender_config(config: &RealMediaConfig) -> VideoSenderConfig {
    VideoSenderConfig {
        initial_bitrate_bps: config.initial_video_bitrate_bps,
        frame_rate: config.fps as f32,
        max_payload_size: MAX_VIDEO_PAYLOAD,
        // libwebrtc sends a keyframe only on request; this is the periodic fallback.
        keyframe_interval_frames: 3000,
        min_bits_per_pixel: config.min_bits_per_pixel,
        ..VideoSenderConfig::default()
    }
}

impl VideoSendPipeline {
    fn produce(
        &mut self,
        now: Instant,
        ssrc: u32,
        transport: &mut BundleTransport,
        mut paced: Option<&mut PacedSender>,
    ) {
        let Some(mut due) = self.next_at else {
            return;
        };
        skip_ahead(now, &mut due, self.interval);
        while due <= now {
            self.send_one(due, now, ssrc, transport, paced.as_deref_mut());
            due += self.interval;
        }
        self.next_at = Some(due);
    }

    fn send_one(
        &mut self,
        capture: Instant,
        now: Instant,
        ssrc: u32,
        transport: &mut BundleTransport,
        mut paced: Option<&mut PacedSender>,
    ) {
        if self.sender.is_none() {
            match VideoSender::new(video_sender_config(&self.config), capture) {
                Ok(s) => self.sender = Some(s),
                Err(_) => {
                    self.counters.encode_errors += 1;
                    return;
                }
            }
        }
        let Some(sender) = self.sender.as_mut() else {
            return;
        };
        self.source.next_frame_into(&mut self.frame);
        let (offset, counters) = (&mut self.seq_offset, &mut self.counters);
        let result = sender.send_frame(capture, &self.frame, |p| match paced.as_deref_mut() {
            // The offset is learnt when the pacer releases the packet.
            Some(paced) => paced.enqueue(
                now,
                ssrc,
                p.sequence_number,
                p.timestamp,
                p.marker,
                p.payload,
            ),
            None => match transport.send_rtp(now, ssrc, p.payload, p.timestamp, p.marker) {
                Ok(seq) => *offset = seq.wrapping_sub(p.sequence_number),
                Err(_) => counters.send_failures += 1,
            },
        });
        if result.is_err() {
            self.counters.encode_errors += 1;
        }
    }
}

impl AudioSendPipeline {
    fn produce(&mut self, now: Instant, ssrc: u32, transport: &mut BundleTransport) {
        let Some(mut due) = self.next_at else {
            return;
        };
        skip_ahead(now, &mut due, AUDIO_FRAME_INTERVAL);
        while due <= now {
            self.send_one(now, ssrc, transport);
            due += AUDIO_FRAME_INTERVAL;
        }
        self.next_at = Some(due);
    }

    fn send_one(&mut self, now: Instant, ssrc: u32, transport: &mut BundleTransport) {
        if self.sender.is_none() {
            let config = AudioSenderConfig {
                opus: OpusEncoderConfig {
                    bitrate_bps: self.bitrate_bps,
                    ..OpusEncoderConfig::default()
                },
                ..AudioSenderConfig::default()
            };
            match AudioSender::new(config) {
                Ok(s) => self.sender = Some(s),
                Err(_) => {
                    self.counters.encode_errors += 1;
                    return;
                }
            }
        }
        let Some(sender) = self.sender.as_mut() else {
            return;
        };
        self.source.next_frame(&mut self.samples);
        let counters = &mut self.counters;
        let result = sender.send_frame(&self.samples, |p| {
            if transport
                .send_rtp(now, ssrc, p.payload, p.timestamp, p.marker)
                .is_err()
            {
                counters.send_failures += 1;
            }
        });
        if result.is_err() {
            self.counters.encode_errors += 1;
        }
    }
}
