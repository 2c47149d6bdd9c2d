//! Video send pipeline: I420 frame → H.264 encoder → RFC 6184 packetizer → RTP payloads with
//! 90 kHz timestamps and marker bits, kept in an RTX history for NACKs.

use std::time::{Duration, Instant};

use rtcscope_stats::RTCQualityLimitationReason;

use super::frame_rate::FrameRateWindow;
use super::quality::QualityLimitationTracker;
use super::rtx_history::RtxHistory;
use super::video_stats::{VideoSendStats, VideoSourceStats};
use super::{OutgoingPacket, rtp_timestamp};
use crate::frame::I420Frame;
use crate::h264::H264Packetizer;
use crate::h264::encoder::{BITRATE_HYSTERESIS, MIN_BITRATE_BPS};
use crate::h264::{EncodedFrameInfo, H264EncodeError, H264Encoder, H264EncoderConfig};

/// RTP clock rate of video (RFC 6184 §8.2.1).
pub const VIDEO_CLOCK_RATE: u32 = 90_000;
/// A frame at least this many times the average frame size (target bitrate / frame rate)
/// is a huge frame (hugeFramesSent).
pub const HUGE_FRAME_FACTOR: f64 = 2.5;

#[derive(Debug, Clone, PartialEq)]
pub struct VideoSenderConfig {
    /// Target before the bandwidth estimator says anything.
    pub initial_bitrate_bps: u32,
    /// The frame rate the source runs at and the encoder plans for (average frame size).
    pub frame_rate: f32,
    /// Room for the RTP payload (MTU minus IP/UDP/RTP/SRTP/extension overhead).
    pub max_payload_size: usize,
    /// Packets kept for retransmission. libwebrtc keeps up to 600; 512 covers about a
    /// second at 4 Mbit/s of 1000-byte packets.
    pub rtx_history_packets: usize,
    pub initial_sequence_number: u16,
    pub initial_timestamp: u32,
    pub keyframe_interval_frames: u32,
    /// Bits per pixel per frame the encoder needs for an unstarved picture. A target below
    /// `width × height × frame_rate × min_bits_per_pixel` is a bandwidth limitation, and
    /// turns on the encoder's frame skipping (which makes openh264 hold the rate).
    /// 0.04 puts 640×480 at 30 fps at 369 kbit/s, between libwebrtc's recommended minimum
    /// start bitrates for 640×360 (300 kbit/s) and 960×540 (500 kbit/s).
    pub min_bits_per_pixel: f64,
}

impl Default for VideoSenderConfig {
    fn default() -> Self {
        Self {
            initial_bitrate_bps: 1_000_000,
            frame_rate: 30.0,
            max_payload_size: 1200,
            rtx_history_packets: 512,
            initial_sequence_number: 0,
            initial_timestamp: 0,
            keyframe_interval_frames: 3000,
            min_bits_per_pixel: 0.04,
        }
    }
}

/// What [`VideoSender::send_frame`] did with one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentVideoFrame {
    pub info: EncodedFrameInfo,
    pub rtp_timestamp: u32,
    /// RTP packets emitted (0 when the rate control skipped the frame).
    pub packets: usize,
    /// Sequence number of the first packet (meaningful when `packets > 0`).
    pub first_sequence_number: u16,
}

pub struct VideoSender {
    config: VideoSenderConfig,
    encoder: H264Encoder,
    /// Whether the running encoder was built with frame skipping.
    skipping: bool,
    /// Rebuilds for a skipping change, plus the rate rebuilds of encoders replaced by one
    /// (the running encoder counts its own).
    mode_rebuilds: u64,
    requested_bitrate_bps: u32,
    packetizer: H264Packetizer,
    history: RtxHistory,
    next_sequence_number: u16,
    /// Capture time of the first frame: the RTP timestamp origin.
    first_capture: Option<Instant>,
    /// A PLI/FIR is pending until a keyframe has actually been encoded (a skipped frame
    /// does not answer it).
    keyframe_pending: bool,
    last_skip: Option<Instant>,
    quality: QualityLimitationTracker,
    encoded_window: FrameRateWindow,
    source_window: FrameRateWindow,
    counters: Counters,
}

#[derive(Debug, Clone, Copy, Default)]
struct Counters {
    frames_encoded: u32,
    key_frames_encoded: u32,
    qp_sum: u64,
    total_encode_time: Duration,
    total_encoded_bytes_target: u64,
    frames_sent: u32,
    huge_frames_sent: u32,
    frames_skipped: u32,
    last_encoded_size: Option<(u32, u32)>,
    source_frames: u32,
    last_source_size: Option<(u32, u32)>,
    nack_count: u32,
    pli_count: u32,
    fir_count: u32,
}

impl std::fmt::Debug for VideoSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoSender")
            .field("config", &self.config)
            .field("encoder", &self.encoder)
            .field("skipping", &self.skipping)
            .finish_non_exhaustive()
    }
}

impl VideoSender {
    /// A sender whose statistics start at `now` (qualityLimitationDurations count from it).
    pub fn new(config: VideoSenderConfig, now: Instant) -> Result<Self, H264EncodeError> {
        let requested_bitrate_bps = config.initial_bitrate_bps;
        let encoder = H264Encoder::new(encoder_config(&config, requested_bitrate_bps, false))?;
        Ok(Self {
            packetizer: H264Packetizer::new(config.max_payload_size),
            history: RtxHistory::new(config.rtx_history_packets, config.max_payload_size),
            next_sequence_number: config.initial_sequence_number,
            encoder,
            skipping: false,
            mode_rebuilds: 0,
            requested_bitrate_bps,
            first_capture: None,
            keyframe_pending: false,
            last_skip: None,
            quality: QualityLimitationTracker::new(now),
            encoded_window: FrameRateWindow::default(),
            source_window: FrameRateWindow::default(),
            counters: Counters::default(),
            config,
        })
    }

    /// New target from the bandwidth estimator, used from the next frame. openh264 can only
    /// change rate by being rebuilt (next frame an IDR), so small changes are held back by
    /// the encoder's hysteresis (see `H264Encoder::set_target_bitrate`).
    pub fn set_target_bitrate(&mut self, bps: u32) {
        self.requested_bitrate_bps = bps;
        self.encoder.set_target_bitrate(bps);
    }

    /// Target the encoder runs at (targetBitrate).
    pub fn target_bitrate(&self) -> u32 {
        self.encoder.target_bitrate()
    }

    /// A PLI (RFC 4585 §6.3.1) arrived: the next encoded frame is an IDR.
    pub fn on_pli(&mut self) {
        self.counters.pli_count = self.counters.pli_count.saturating_add(1);
        self.keyframe_pending = true;
    }

    /// A FIR (RFC 5104 §4.3.1) arrived, already de-duplicated by its sequence number.
    pub fn on_fir(&mut self) {
        self.counters.fir_count = self.counters.fir_count.saturating_add(1);
        self.keyframe_pending = true;
    }

    /// The round-trip time from RTCP: a packet is retransmitted at most once per RTT.
    pub fn set_round_trip_time(&mut self, rtt: Duration) {
        self.history.set_min_resend_interval(rtt);
    }

    /// A generic NACK arrived at `now` naming `lost` sequence numbers: `resend` gets each
    /// packet still in the RTX history and not already resent within the last RTT, to go
    /// out as an RFC 4588 retransmission. Returns how many were handed out; the others are
    /// counted (missing or throttled).
    pub fn on_nack<F>(
        &mut self,
        now: Instant,
        lost: impl IntoIterator<Item = u16>,
        mut resend: F,
    ) -> usize
    where
        F: FnMut(OutgoingPacket<'_>),
    {
        self.counters.nack_count = self.counters.nack_count.saturating_add(1);
        let mut found = 0;
        for sequence_number in lost {
            if let Some(packet) = self.history.resend(sequence_number, now) {
                resend(packet);
                found += 1;
            }
        }
        found
    }

    /// Encodes `frame`, captured at `capture_time`, and hands each RTP packet to `emit` in
    /// sending order. A frame the rate control skips emits nothing.
    pub fn send_frame<F>(
        &mut self,
        capture_time: Instant,
        frame: &I420Frame,
        mut emit: F,
    ) -> Result<SentVideoFrame, H264EncodeError>
    where
        F: FnMut(OutgoingPacket<'_>),
    {
        let size = (frame.width() as u32, frame.height() as u32);
        self.counters.source_frames = self.counters.source_frames.saturating_add(1);
        self.counters.last_source_size = Some(size);
        self.source_window.record(capture_time);

        let needed_bps = self.needed_bitrate(frame);
        self.apply_skipping_mode(needed_bps)?;
        if self.keyframe_pending {
            self.encoder.request_keyframe();
        }
        let info = self.encoder.encode(frame)?;
        let first = *self.first_capture.get_or_insert(capture_time);
        let timestamp = rtp_timestamp(
            self.config.initial_timestamp,
            capture_time.saturating_duration_since(first),
            VIDEO_CLOCK_RATE,
        );

        if info.skipped {
            self.counters.frames_skipped = self.counters.frames_skipped.saturating_add(1);
            self.last_skip = Some(capture_time);
        } else {
            self.count_encoded(capture_time, &info, size);
        }
        let limited = f64::from(info.target_bitrate_bps) < needed_bps
            || self
                .last_skip
                .is_some_and(|t| capture_time.saturating_duration_since(t) < SKIP_MEMORY);
        let reason = if limited {
            RTCQualityLimitationReason::Bandwidth
        } else {
            RTCQualityLimitationReason::None
        };
        self.quality
            .update(capture_time, reason, frame.width(), frame.height());

        let first_sequence_number = self.next_sequence_number;
        let mut packets = 0;
        if !info.skipped {
            let (history, next_seq) = (&mut self.history, &mut self.next_sequence_number);
            packets = self
                .packetizer
                .packetize(self.encoder.nal_units(), |payload, marker| {
                    let packet = OutgoingPacket {
                        sequence_number: *next_seq,
                        timestamp,
                        marker,
                        payload,
                    };
                    history.store(packet.sequence_number, timestamp, marker, payload);
                    emit(packet);
                    *next_seq = next_seq.wrapping_add(1);
                });
            if packets > 0 {
                self.count_sent(&info);
            }
        }
        Ok(SentVideoFrame {
            info,
            rtp_timestamp: timestamp,
            packets,
            first_sequence_number,
        })
    }

    /// The outbound-rtp members this pipeline owns, as of `now`.
    pub fn stats(&self, now: Instant) -> VideoSendStats {
        let c = &self.counters;
        let history = self.history.counters();
        VideoSendStats {
            frames_encoded: c.frames_encoded,
            key_frames_encoded: c.key_frames_encoded,
            qp_sum: c.qp_sum,
            total_encode_time: c.total_encode_time.as_secs_f64(),
            total_encoded_bytes_target: c.total_encoded_bytes_target,
            frame_size: c.last_encoded_size,
            frames_per_second: c
                .last_encoded_size
                .map(|_| self.encoded_window.frames_in_last_second(now) as f64),
            frames_sent: c.frames_sent,
            huge_frames_sent: c.huge_frames_sent,
            frames_skipped: c.frames_skipped,
            target_bitrate_bps: self.encoder.target_bitrate(),
            quality_limitation_reason: self.quality.reason(),
            quality_limitation_durations: self.quality.durations_record(now),
            quality_limitation_resolution_changes: self.quality.resolution_changes(),
            nack_count: c.nack_count,
            pli_count: c.pli_count,
            fir_count: c.fir_count,
            retransmitted_packets: history.found,
            retransmitted_bytes: history.found_bytes,
            nacked_packets_missing: history.missing,
            nacked_packets_throttled: history.throttled,
        }
    }

    /// The media-source (video) members, as of `now`.
    pub fn source_stats(&self, now: Instant) -> VideoSourceStats {
        let first_second_over = self
            .source_window
            .first()
            .is_some_and(|first| now.saturating_duration_since(first) >= Duration::from_secs(1));
        VideoSourceStats {
            frame_size: self.counters.last_source_size,
            frames: self.counters.source_frames,
            frames_per_second: first_second_over
                .then(|| self.source_window.frames_in_last_second(now) as f64),
        }
    }

    /// How many times a bitrate or skipping change rebuilt the encoder (each one an IDR).
    pub fn encoder_rebuilds(&self) -> u64 {
        self.encoder.reconfigurations() + self.mode_rebuilds
    }

    /// Whether the running encoder may skip frames to hold its rate.
    pub fn frame_skipping(&self) -> bool {
        self.skipping
    }

    fn needed_bitrate(&self, frame: &I420Frame) -> f64 {
        (frame.width() * frame.height()) as f64
            * f64::from(self.config.frame_rate)
            * self.config.min_bits_per_pixel
    }

    /// Frame skipping on below the needed bitrate, off again only at least
    /// [`BITRATE_HYSTERESIS`] above it. openh264 takes this only at creation, so a change
    /// rebuilds the encoder (its next frame is an IDR, as after any rate change); the gap
    /// keeps a target wandering around the threshold from causing a stream of IDRs that a
    /// rate change alone (held back by the same hysteresis) would not.
    fn apply_skipping_mode(&mut self, needed_bps: f64) -> Result<(), H264EncodeError> {
        let target = self.requested_bitrate_bps.max(MIN_BITRATE_BPS);
        let want_skipping = if self.skipping {
            f64::from(target) < needed_bps * (1.0 + BITRATE_HYSTERESIS)
        } else {
            f64::from(target) < needed_bps
        };
        if want_skipping != self.skipping {
            let encoder = H264Encoder::new(encoder_config(&self.config, target, want_skipping))?;
            // The old encoder's own rate rebuilds go with it; keep them in the total. Before
            // the first frame nothing was encoded, so nothing is rebuilt in effect.
            let replaced_an_encoding_encoder = u64::from(self.first_capture.is_some());
            self.mode_rebuilds += self.encoder.reconfigurations() + replaced_an_encoding_encoder;
            self.encoder = encoder;
            self.skipping = want_skipping;
        }
        Ok(())
    }

    fn count_encoded(&mut self, at: Instant, info: &EncodedFrameInfo, size: (u32, u32)) {
        let average_frame_bytes = self.average_frame_bytes(info);
        let c = &mut self.counters;
        c.frames_encoded = c.frames_encoded.saturating_add(1);
        if info.keyframe {
            c.key_frames_encoded = c.key_frames_encoded.saturating_add(1);
            self.keyframe_pending = false;
        }
        // openh264's slices always carry a parsable QP; were one missing, the frame would
        // add nothing rather than a guess.
        c.qp_sum += u64::from(info.qp.unwrap_or(0));
        c.total_encode_time += info.encode_time;
        c.total_encoded_bytes_target += average_frame_bytes.round() as u64;
        c.last_encoded_size = Some(size);
        self.encoded_window.record(at);
    }

    fn count_sent(&mut self, info: &EncodedFrameInfo) {
        let huge = info.size_bytes as f64 >= HUGE_FRAME_FACTOR * self.average_frame_bytes(info);
        let c = &mut self.counters;
        c.frames_sent = c.frames_sent.saturating_add(1);
        if huge {
            c.huge_frames_sent = c.huge_frames_sent.saturating_add(1);
        }
    }

    /// Target bytes per frame: the target bitrate spread over the planned frame rate.
    fn average_frame_bytes(&self, info: &EncodedFrameInfo) -> f64 {
        f64::from(info.target_bitrate_bps) / 8.0 / f64::from(self.config.frame_rate.max(1.0))
    }
}

/// After a skipped frame the stream counts as bandwidth-limited for this long (a skip
/// lowers the frame rate over the following second, which framesPerSecond shows).
const SKIP_MEMORY: Duration = Duration::from_secs(1);

fn encoder_config(
    config: &VideoSenderConfig,
    bitrate_bps: u32,
    skipping: bool,
) -> H264EncoderConfig {
    H264EncoderConfig {
        target_bitrate_bps: bitrate_bps,
        max_frame_rate: config.frame_rate,
        keyframe_interval_frames: config.keyframe_interval_frames,
        allow_frame_skipping: skipping,
    }
}
