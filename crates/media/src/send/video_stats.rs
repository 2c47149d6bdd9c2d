//! Snapshots of the video send statistics and how they fill the stats dictionaries.

use rtcscope_stats::{
    MediaSourceMedia, MediaSourceVideo, OutboundRtpMedia, OutboundRtpVideo,
    RTCOutboundRtpStreamStats, RTCQualityLimitationReason, Record,
};

use crate::h264::IMPLEMENTATION_NAME;

/// The only scalability mode this sender runs: one spatial and one temporal layer.
pub const SCALABILITY_MODE: &str = "L1T1";

/// outbound-rtp (video) members owned by the send pipeline, sampled at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoSendStats {
    pub frames_encoded: u32,
    pub key_frames_encoded: u32,
    pub qp_sum: u64,
    /// Seconds.
    pub total_encode_time: f64,
    pub total_encoded_bytes_target: u64,
    /// Size of the last encoded frame; `None` before the first.
    pub frame_size: Option<(u32, u32)>,
    /// Frames encoded in the last second; `None` before the first encoded frame.
    pub frames_per_second: Option<f64>,
    pub frames_sent: u32,
    pub huge_frames_sent: u32,
    /// Frames the encoder's rate control dropped (not a spec member; for diagnosis).
    pub frames_skipped: u32,
    pub target_bitrate_bps: u32,
    pub quality_limitation_reason: RTCQualityLimitationReason,
    pub quality_limitation_durations: Record,
    pub quality_limitation_resolution_changes: u32,
    pub nack_count: u32,
    pub pli_count: u32,
    pub fir_count: u32,
    /// Packets and payload bytes answered from the RTX history (retransmitted*Sent once
    /// the transport has sent them).
    pub retransmitted_packets: u64,
    pub retransmitted_bytes: u64,
    /// NACKed sequence numbers no longer (or never) in the history.
    pub nacked_packets_missing: u64,
    /// NACKed packets not resent because they were resent less than an RTT ago.
    pub nacked_packets_throttled: u64,
}

impl VideoSendStats {
    /// Writes the video-only outbound-rtp members.
    pub fn fill(&self, video: &mut OutboundRtpVideo) {
        video.frames_encoded = Some(self.frames_encoded);
        video.key_frames_encoded = Some(self.key_frames_encoded);
        video.qp_sum = Some(self.qp_sum);
        video.total_encode_time = Some(self.total_encode_time);
        video.total_encoded_bytes_target = Some(self.total_encoded_bytes_target);
        video.frame_width = self.frame_size.map(|(w, _)| w);
        video.frame_height = self.frame_size.map(|(_, h)| h);
        video.frames_per_second = self.frames_per_second;
        video.frames_sent = Some(self.frames_sent);
        video.huge_frames_sent = Some(self.huge_frames_sent);
        video.quality_limitation_reason = Some(self.quality_limitation_reason);
        video.quality_limitation_durations = Some(self.quality_limitation_durations.clone());
        video.quality_limitation_resolution_changes =
            Some(self.quality_limitation_resolution_changes);
        video.encoder_implementation = Some(IMPLEMENTATION_NAME.to_string());
        video.power_efficient_encoder = Some(false);
        video.scalability_mode = Some(SCALABILITY_MODE.to_string());
        video.pli_count = Some(self.pli_count);
        video.fir_count = Some(self.fir_count);
    }

    /// Writes the members of the whole outbound-rtp object this pipeline owns: the video
    /// part, `targetBitrate`, `active` and `nackCount`. Packet and byte counters,
    /// references and ids belong to the RTP stream and the peer connection.
    pub fn fill_outbound(&self, outbound: &mut RTCOutboundRtpStreamStats) {
        let mut video = match std::mem::replace(
            &mut outbound.media,
            OutboundRtpMedia::Video(OutboundRtpVideo::default()),
        ) {
            OutboundRtpMedia::Video(video) => video,
            OutboundRtpMedia::Audio(_) => OutboundRtpVideo::default(),
        };
        self.fill(&mut video);
        outbound.media = OutboundRtpMedia::Video(video);
        outbound.target_bitrate = Some(f64::from(self.target_bitrate_bps));
        outbound.active = Some(true);
        outbound.nack_count = Some(self.nack_count);
    }
}

/// media-source (video) members: what the source fed to the encoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoSourceStats {
    /// Size of the last frame; `None` before the first.
    pub frame_size: Option<(u32, u32)>,
    pub frames: u32,
    /// Frames in the last second; `None` during the first second after the first frame.
    pub frames_per_second: Option<f64>,
}

impl VideoSourceStats {
    pub fn fill(&self, video: &mut MediaSourceVideo) {
        video.width = self.frame_size.map(|(w, _)| w);
        video.height = self.frame_size.map(|(_, h)| h);
        video.frames = Some(self.frames);
        video.frames_per_second = self.frames_per_second;
    }

    /// The media part of an RTCMediaSourceStats (kind "video").
    pub fn media(&self) -> MediaSourceMedia {
        let mut video = MediaSourceVideo::default();
        self.fill(&mut video);
        MediaSourceMedia::Video(video)
    }
}
