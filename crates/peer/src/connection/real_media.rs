//! Real media on the connection: senders backed by encoders
//! ([`crate::pipeline`]), the peer's streams decoded, feedback both ways,
//! and the media statistics filled into every report.

use std::time::Instant;

use rtcscope_stats::{MediaKind, RTCStats, RTCStatsReport};

use super::{PeerConnectionError, RTCPeerConnection, RtpReceiver, RtpSender};
use crate::events::ReceivedRtp;
use crate::feedback::Feedback;
use crate::feedback::ReceivedFeedback;
use crate::pipeline::offload::OffloadFactory;
use crate::pipeline::{
    DecodedFrameCheck, MAX_REMOTE_STREAMS, PacedSender, RealMediaConfig, RemoteStream,
    SendPipeline, SendPipelineCounters, fill_media_stats,
};

/// Video target floor when the estimate is below what audio takes.
const MIN_VIDEO_BITRATE_BPS: u64 = 30_000;

impl RTCPeerConnection {
    /// Backs the sender with real media: the test pattern through H.264 (video) or the
    /// speech-like signal through Opus (audio). It starts once media can flow; a
    /// synthetic source on the same sender is replaced.
    pub fn start_real_media(
        &mut self,
        sender: RtpSender,
        config: RealMediaConfig,
    ) -> Result<(), PeerConnectionError> {
        let t = self
            .transceivers
            .get_mut(sender.0.0)
            .ok_or(PeerConnectionError::UnknownHandle)?;
        if t.sender_track.is_none() || t.stopped {
            return Err(PeerConnectionError::InvalidState("sender has no track"));
        }
        if t.pipeline.is_none() {
            t.source = None;
            let offloaded = match (t.kind, self.offload.as_mut()) {
                (MediaKind::Video, Some(factory)) => factory.video_sender(t.ssrc, config),
                _ => None,
            };
            t.pipeline = Some(match (t.kind, offloaded) {
                (_, Some(handle)) => SendPipeline::offloaded(handle),
                (MediaKind::Video, None) => SendPipeline::video(config),
                (MediaKind::Audio, None) => SendPipeline::audio(config),
            });
        }
        Ok(())
    }

    /// Settings of the bandwidth estimator (start, min and max rate); takes effect when
    /// transport-cc is first negotiated.
    pub fn set_bandwidth_estimator_config(&mut self, config: rtcscope_bwe::BweConfig) {
        self.bwe_config = config;
    }

    /// Runs video encoders and decoders created from now on through `factory` (e.g. on
    /// their own threads) instead of inline.
    pub fn set_offload_factory(&mut self, factory: Box<dyn OffloadFactory>) {
        self.offload = Some(factory);
    }

    /// An offloaded video sender's packet (`encoder_sequence`: its own numbering) goes out
    /// on local stream `ssrc`.
    pub fn send_offloaded_rtp(&mut self, now: Instant, ssrc: u32, packet: OffloadedPacket<'_>) {
        let (Some(transport), Some(o)) = (
            self.transport.as_mut(),
            offloaded(&mut self.transceivers, ssrc),
        ) else {
            return;
        };
        if let Some(paced) = self.paced.as_mut() {
            // Released by the pacer's timer (`handle_timeout`).
            paced.enqueue(
                now,
                ssrc,
                packet.encoder_sequence,
                packet.timestamp,
                packet.marker,
                packet.payload,
            );
            return;
        }
        match transport.send_rtp(now, ssrc, packet.payload, packet.timestamp, packet.marker) {
            Ok(seq) => o.seq_offset = seq.wrapping_sub(packet.encoder_sequence),
            Err(_) => o.counters.send_failures += 1,
        }
    }

    /// An offloaded video sender's answer to a NACK: packet `encoder_sequence` again, on
    /// the RTX stream.
    pub fn send_offloaded_rtx(&mut self, now: Instant, ssrc: u32, packet: OffloadedPacket<'_>) {
        let (Some(transport), Some(o)) = (
            self.transport.as_mut(),
            offloaded(&mut self.transceivers, ssrc),
        ) else {
            return;
        };
        let original = packet.encoder_sequence.wrapping_add(o.seq_offset);
        match transport.send_rtx(
            now,
            ssrc,
            original,
            packet.payload,
            packet.timestamp,
            packet.marker,
        ) {
            Ok(_) => o.counters.rtx_sent += 1,
            Err(_) => o.counters.send_failures += 1,
        }
    }

    /// An offloaded video receiver's request about remote stream `remote_ssrc`.
    pub fn send_offloaded_feedback(
        &mut self,
        now: Instant,
        remote_ssrc: u32,
        feedback: Feedback<'_>,
    ) {
        if let Some(transport) = self.transport.as_mut() {
            // A refused request is repeated by the receiver's own timers.
            let _ = transport.send_feedback(now, remote_ssrc, feedback);
        }
    }

    /// Stops the sender's capture (statistics and RTX history stay).
    pub fn pause_real_media(&mut self, sender: RtpSender) -> Result<(), PeerConnectionError> {
        let t = self
            .transceivers
            .get_mut(sender.0.0)
            .ok_or(PeerConnectionError::UnknownHandle)?;
        if let Some(p) = t.pipeline.as_mut() {
            p.pause();
        }
        Ok(())
    }

    /// Decode the peer's H.264 / Opus streams (jitter buffers, NACK/PLI, playout) and
    /// report their media members. Off by default: synthetic payloads do not decode.
    pub fn enable_media_receive(&mut self) {
        self.receive_media = true;
    }

    /// The glue counters of a real-media sender.
    pub fn real_media_counters(&self, sender: RtpSender) -> Option<SendPipelineCounters> {
        Some(
            self.transceivers
                .get(sender.0.0)?
                .pipeline
                .as_ref()?
                .counters(),
        )
    }

    /// What the video receiver read from the counters drawn into the decoded pictures.
    pub fn decoded_frame_check(&self, receiver: RtpReceiver) -> Option<DecodedFrameCheck> {
        let t = self.transceivers.get(receiver.0.0)?;
        self.remote_streams
            .iter()
            .filter(|s| t.remote_ssrcs.contains(&s.ssrc))
            .find_map(RemoteStream::decoded_frame_check)
    }

    /// Encoders due, receivers' timers and their feedback.
    pub(crate) fn run_pipelines(&mut self, now: Instant) {
        let Some(transport) = self.transport.as_mut() else {
            return;
        };
        if !transport.is_media_ready() {
            return;
        }
        // The estimator's budget: audio keeps its rate, video gets the rest (split
        // evenly), never below a floor the encoder can still work with.
        let target = transport.target_bitrate_bps();
        let rtt = transport.bwe_round_trip_time();
        let (audio_bps, video_count) = self
            .transceivers
            .iter()
            .filter_map(|t| t.pipeline.as_ref())
            .fold((0u64, 0u64), |(audio, video), p| {
                match p.audio_bitrate_bps() {
                    Some(bps) => (audio + u64::from(bps), video),
                    None => (audio, video + 1),
                }
            });
        // The pacer exists once the estimator does (transport-cc negotiated) and there
        // is video to pace.
        if let Some(target) = target.filter(|_| video_count > 0) {
            self.paced
                .get_or_insert_with(|| PacedSender::new(target))
                .set_target_bitrate(target);
        }
        let video_bps = target.map(|target| {
            let share = target.saturating_sub(audio_bps) / video_count.max(1);
            u32::try_from(share.max(MIN_VIDEO_BITRATE_BPS)).unwrap_or(u32::MAX)
        });
        for t in &mut self.transceivers {
            let (true, false, Some(pipeline)) = (t.configured, t.stopped, t.pipeline.as_mut())
            else {
                continue;
            };
            if let (Some(bps), None) = (video_bps, pipeline.audio_bitrate_bps()) {
                pipeline.set_target_bitrate(bps);
            }
            if let Some(rtt) = rtt {
                pipeline.set_round_trip_time(rtt);
            }
            pipeline.start(now);
            if pipeline.next_due().is_some_and(|due| due <= now) {
                pipeline.produce(now, t.ssrc, transport, self.paced.as_mut());
            }
        }
        if let Some(paced) = self.paced.as_mut() {
            let transceivers = &mut self.transceivers;
            paced.release(now, transport, |released| {
                if let Some(p) = transceivers
                    .iter_mut()
                    .filter(|t| t.ssrc == released.ssrc)
                    .find_map(|t| t.pipeline.as_mut())
                {
                    p.on_released(released.encoder_sequence, released.sequence);
                }
            });
        }
        for stream in &mut self.remote_streams {
            if let Some(rtt) = rtt {
                stream.set_rtt(rtt);
            }
            stream.handle_timeout(now, transport);
        }
    }

    /// Feedback about our streams: keyframe requests to the encoder, NACKs answered
    /// from the RTX history.
    pub(crate) fn on_media_feedback(&mut self, now: Instant, feedback: ReceivedFeedback) {
        let Some(transport) = self.transport.as_mut() else {
            return;
        };
        let ssrc = match &feedback {
            ReceivedFeedback::KeyframeRequest { ssrc, .. }
            | ReceivedFeedback::Nack { ssrc, .. } => *ssrc,
        };
        let Some(pipeline) = self
            .transceivers
            .iter_mut()
            .filter(|t| t.ssrc == ssrc && !t.stopped)
            .find_map(|t| t.pipeline.as_mut())
        else {
            return;
        };
        match feedback {
            ReceivedFeedback::KeyframeRequest { full_intra, .. } => {
                pipeline.on_keyframe_request(full_intra);
            }
            ReceivedFeedback::Nack { lost, .. } => pipeline.on_nack(now, ssrc, &lost, transport),
        }
    }

    /// Adds the media statistics to a report the transport built.
    pub(crate) fn fill_media_report(&self, report: &mut RTCStatsReport, now: Instant) {
        let senders = self.transceivers.iter().filter_map(|t| {
            let pipeline = t.pipeline.as_ref()?;
            Some((t.ssrc, t.sender_track.as_ref()?.id.as_str(), pipeline))
        });
        fill_media_stats(
            report,
            now,
            self.clock.unix_ms(now),
            senders,
            &self.remote_streams,
        );
        // totalPacketSendDelay: what the pacer held each paced stream's packets.
        if let Some(paced) = self.paced.as_ref() {
            for t in self.transceivers.iter().filter(|t| t.pipeline.is_some()) {
                let Some(delay) = paced.total_send_delay(t.ssrc) else {
                    continue;
                };
                let id = report.values().find_map(|s| match s {
                    RTCStats::OutboundRtp(o) if o.ssrc == t.ssrc => Some(o.id.clone()),
                    _ => None,
                });
                if let Some(RTCStats::OutboundRtp(o)) = id.and_then(|id| report.get_mut(&id)) {
                    o.total_packet_send_delay = Some(delay);
                }
            }
        }
        // availableOutgoingBitrate on the selected pair, from the estimator.
        let Some(target) = self.transport.as_ref().and_then(|t| t.target_bitrate_bps()) else {
            return;
        };
        let pair_id = report.values().find_map(|s| match s {
            RTCStats::Transport(t) => t.selected_candidate_pair_id.clone(),
            _ => None,
        });
        if let Some(RTCStats::CandidatePair(pair)) = pair_id.and_then(|id| report.get_mut(&id)) {
            pair.available_outgoing_bitrate = Some(target as f64);
        }
    }
}

/// One packet from an offloaded video sender.
#[derive(Debug, Clone, Copy)]
pub struct OffloadedPacket<'a> {
    pub encoder_sequence: u16,
    pub timestamp: u32,
    pub marker: bool,
    pub payload: &'a [u8],
}

fn offloaded(
    transceivers: &mut [super::Transceiver],
    ssrc: u32,
) -> Option<&mut crate::pipeline::send_offloaded::OffloadedVideoSend> {
    transceivers
        .iter_mut()
        .filter(|t| t.ssrc == ssrc && !t.stopped)
        .find_map(|t| t.pipeline.as_mut()?.offloaded_mut())
}

/// Hands one received RTP packet to its stream's pipeline, creating it for an SSRC the
/// peer signalled on one of our m-sections (capped).
pub(crate) fn route_rtp(
    streams: &mut Vec<RemoteStream>,
    transceivers: &[super::Transceiver],
    offload: Option<&mut Box<dyn OffloadFactory>>,
    now: Instant,
    rtp: &ReceivedRtp<'_>,
) {
    if let Some(stream) = streams.iter_mut().find(|s| s.ssrc == rtp.ssrc) {
        stream.on_rtp(now, rtp);
        return;
    }
    if streams.len() >= MAX_REMOTE_STREAMS {
        return;
    }
    let Some(kind) = transceivers
        .iter()
        .find(|t| !t.stopped && t.remote_ssrcs.contains(&rtp.ssrc))
        .map(|t| t.kind)
    else {
        return;
    };
    let offloaded = match (kind, offload) {
        (MediaKind::Video, Some(factory)) => factory.video_receiver(rtp.ssrc),
        _ => None,
    };
    if let Some(handle) = offloaded {
        let mut stream = RemoteStream::offloaded(rtp.ssrc, handle);
        stream.on_rtp(now, rtp);
        streams.push(stream);
    } else if let Some(mut stream) = RemoteStream::new(rtp.ssrc, kind) {
        stream.on_rtp(now, rtp);
        streams.push(stream);
    }
}
