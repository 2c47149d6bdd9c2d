//! Video receiver: jitter buffer + H.264 decoder + the inbound-rtp video statistics.

use std::time::{Duration, Instant};

use rtcscope_stats::{InboundRtpMedia, InboundRtpVideo, RTCInboundRtpStreamStats};

use super::render_timing::{FrameRateWindow, RenderTiming};
use super::video_buffer::{
    AssembledFrame, VideoBufferCounters, VideoFeedback, VideoJitterBuffer, VideoJitterBufferConfig,
    VideoPacket,
};
use crate::frame::I420Frame;
use crate::h264::{DecodedFrameInfo, H264DecodeError, H264Decoder, IMPLEMENTATION_NAME};

/// A frame the decoder produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodedVideoFrame {
    pub rtp_timestamp: u32,
    pub info: DecodedFrameInfo,
    /// When the frame left the jitter buffer (the explicit time of the call).
    pub emitted_at: Instant,
}

/// Decoder-side statistics (the buffer keeps the packet and frame counters).
#[derive(Debug, Clone, Default)]
pub struct VideoDecodeStats {
    pub frames_decoded: u64,
    pub key_frames_decoded: u64,
    pub qp_sum: u64,
    pub total_decode_time: Duration,
    pub last_size: Option<(u32, u32)>,
    pub frames_assembled_from_multiple_packets: u64,
    pub total_assembly_time: Duration,
    pub total_processing_delay: Duration,
    /// Access units the decoder accepted without giving a picture (parameter sets only).
    pub units_without_picture: u64,
    pub render: RenderTiming,
    pub frame_rate: FrameRateWindow,
}

impl VideoDecodeStats {
    /// A frame emitted at `now` was decoded. The frame counts as rendered at `now`:
    /// there is no renderer behind this pipeline.
    pub fn on_decoded(
        &mut self,
        now: Instant,
        frame: &AssembledFrame<'_>,
        info: &DecodedFrameInfo,
    ) {
        self.frames_decoded += 1;
        if info.keyframe {
            self.key_frames_decoded += 1;
        }
        if let Some(qp) = info.qp {
            self.qp_sum += u64::from(qp);
        }
        self.total_decode_time += info.decode_time;
        self.last_size = Some((
            u32::try_from(info.width).unwrap_or(u32::MAX),
            u32::try_from(info.height).unwrap_or(u32::MAX),
        ));
        if frame.packets > 1 {
            self.frames_assembled_from_multiple_packets += 1;
            self.total_assembly_time += frame
                .last_packet_arrival
                .saturating_duration_since(frame.first_packet_arrival);
        }
        // Decoding completes `decode_time` after the emit time.
        self.total_processing_delay +=
            now.saturating_duration_since(frame.first_packet_arrival) + info.decode_time;
        self.render.on_rendered(now);
        self.frame_rate.on_frame(now);
    }
}

pub struct VideoReceiver {
    buffer: VideoJitterBuffer,
    decoder: H264Decoder,
    stats: VideoDecodeStats,
}

impl std::fmt::Debug for VideoReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoReceiver")
            .field("counters", &self.buffer.counters())
            .finish_non_exhaustive()
    }
}

fn u32_sat(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl VideoReceiver {
    pub fn new(config: VideoJitterBufferConfig) -> Result<Self, H264DecodeError> {
        Ok(Self {
            buffer: VideoJitterBuffer::new(config),
            decoder: H264Decoder::new()?,
            stats: VideoDecodeStats::default(),
        })
    }

    pub fn set_rtt(&mut self, rtt: Duration) {
        self.buffer.set_rtt(rtt);
    }

    /// Takes one RTP packet; every frame it makes decodable is decoded and handed to
    /// `on_frame` (the picture is valid for the call only).
    pub fn insert_packet<F>(&mut self, now: Instant, packet: VideoPacket<'_>, on_frame: F)
    where
        F: FnMut(&DecodedVideoFrame, &I420Frame),
    {
        let Self {
            buffer,
            decoder,
            stats,
        } = self;
        buffer.insert(now, packet, decode_with(now, decoder, stats, on_frame));
    }

    /// Lets overdue packets go and decodes what that unblocks.
    pub fn handle_timeout<F>(&mut self, now: Instant, on_frame: F)
    where
        F: FnMut(&DecodedVideoFrame, &I420Frame),
    {
        let Self {
            buffer,
            decoder,
            stats,
        } = self;
        buffer.handle_timeout(now, decode_with(now, decoder, stats, on_frame));
    }

    /// Feedback to send now (NACK, PLI or FIR); call until `None`.
    pub fn poll_feedback(&mut self, now: Instant) -> Option<VideoFeedback<'_>> {
        self.buffer.poll_feedback(now)
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) and
    /// [`poll_feedback`](Self::poll_feedback) next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.buffer.poll_timeout()
    }

    pub fn buffer_counters(&self) -> VideoBufferCounters {
        self.buffer.counters()
    }

    pub fn decode_stats(&self) -> &VideoDecodeStats {
        &self.stats
    }

    pub fn buffer(&self) -> &VideoJitterBuffer {
        &self.buffer
    }

    /// Sets the video-only inbound-rtp members.
    pub fn fill(&self, now: Instant, out: &mut InboundRtpVideo) {
        let counters = self.buffer.counters();
        let s = &self.stats;
        out.frames_received = Some(u32_sat(counters.frames_received));
        out.frames_decoded = Some(u32_sat(s.frames_decoded));
        out.key_frames_decoded = Some(u32_sat(s.key_frames_decoded));
        out.frames_dropped = Some(u32_sat(counters.frames_dropped));
        out.frame_width = s.last_size.map(|(w, _)| w);
        out.frame_height = s.last_size.map(|(_, h)| h);
        out.frames_per_second = s.last_size.map(|_| s.frame_rate.frames_per_second(now));
        out.qp_sum = Some(s.qp_sum);
        out.total_decode_time = Some(s.total_decode_time.as_secs_f64());
        out.total_inter_frame_delay = Some(s.render.total_inter_frame_delay);
        out.total_squared_inter_frame_delay = Some(s.render.total_squared_inter_frame_delay);
        out.freeze_count = Some(s.render.freeze_count);
        out.total_freezes_duration = Some(s.render.total_freezes_duration);
        out.pause_count = Some(s.render.pause_count);
        out.total_pauses_duration = Some(s.render.total_pauses_duration);
        out.frames_assembled_from_multiple_packets =
            Some(u32_sat(s.frames_assembled_from_multiple_packets));
        out.total_assembly_time = Some(s.total_assembly_time.as_secs_f64());
        out.decoder_implementation = Some(IMPLEMENTATION_NAME.to_owned());
        out.power_efficient_decoder = Some(false);
        out.pli_count = Some(u32_sat(counters.pli_sent));
        out.fir_count = Some(u32_sat(counters.fir_sent));
    }

    /// Sets the inbound-rtp members this pipeline owns (jitter buffer, processing delay,
    /// nackCount, packetsDiscarded) and the video members; RTP counters, ids and the SSRC
    /// are the RTP layer's.
    pub fn fill_inbound(&self, now: Instant, out: &mut RTCInboundRtpStreamStats) {
        let counters = self.buffer.counters();
        out.nack_count = Some(u32_sat(self.buffer.nacks_sent()));
        out.packets_discarded = Some(counters.late_packets);
        out.jitter_buffer_delay = Some(counters.emitted_delay.as_secs_f64());
        // Complete frames leave at once: the buffer aims for no extra delay.
        out.jitter_buffer_target_delay = Some(0.0);
        out.jitter_buffer_minimum_delay = Some(0.0);
        out.jitter_buffer_emitted_count = Some(counters.frames_emitted);
        out.total_processing_delay = Some(self.stats.total_processing_delay.as_secs_f64());
        let mut video = match &out.media {
            InboundRtpMedia::Video(v) => v.clone(),
            InboundRtpMedia::Audio(_) => InboundRtpVideo::default(),
        };
        self.fill(now, &mut video);
        out.media = InboundRtpMedia::Video(video);
    }
}

fn decode_with<'a, F>(
    now: Instant,
    decoder: &'a mut H264Decoder,
    stats: &'a mut VideoDecodeStats,
    mut on_frame: F,
) -> impl FnMut(AssembledFrame<'_>) -> bool + 'a
where
    F: FnMut(&DecodedVideoFrame, &I420Frame) + 'a,
{
    move |frame| match decoder.decode(frame.annex_b) {
        Ok(Some((info, picture))) => {
            stats.on_decoded(now, &frame, &info);
            let decoded = DecodedVideoFrame {
                rtp_timestamp: frame.rtp_timestamp,
                info,
                emitted_at: now,
            };
            on_frame(&decoded, picture);
            true
        }
        Ok(None) => {
            stats.units_without_picture += 1;
            true
        }
        Err(_) => false,
    }
}
