//! The media members of outbound-rtp / inbound-rtp, and the media-source and
//! media-playout objects, filled through the media crate's `fill` functions
//! into the report the transport built.

use std::time::Instant;

use rtcscope_stats::{RTCAudioPlayoutStats, RTCMediaSourceStats, RTCStats, RTCStatsReport};

use super::recv::{RecvPipeline, RemoteStream};
use super::send::SendPipeline;

/// One local sender with a real pipeline: SSRC, track id, pipeline.
pub(crate) type SenderEntry<'a> = (u32, &'a str, &'a SendPipeline);

fn outbound_id(report: &RTCStatsReport, ssrc: u32) -> Option<String> {
    report.values().find_map(|s| match s {
        RTCStats::OutboundRtp(o) if o.ssrc == ssrc => Some(o.id.clone()),
        _ => None,
    })
}

fn inbound_id(report: &RTCStatsReport, ssrc: u32) -> Option<String> {
    report.values().find_map(|s| match s {
        RTCStats::InboundRtp(i) if i.ssrc == ssrc => Some(i.id.clone()),
        _ => None,
    })
}

/// Fills every media member and adds one media-source per sender
/// (`S<outbound id>`) and one media-playout per audio receiver (`AP<inbound id>`).
pub(crate) fn fill_media_stats<'a>(
    report: &mut RTCStatsReport,
    now: Instant,
    timestamp: f64,
    senders: impl IntoIterator<Item = SenderEntry<'a>>,
    receivers: &[RemoteStream],
) {
    for (ssrc, track_id, pipeline) in senders {
        let Some(id) = outbound_id(report, ssrc) else {
            continue;
        };
        let source_id = format!("S{id}");
        let media = match pipeline {
            SendPipeline::Video(_) | SendPipeline::Offloaded(_) => {
                let Some((stats, source)) = pipeline.video_stats(now) else {
                    continue;
                };
                if let Some(RTCStats::OutboundRtp(o)) = report.get_mut(&id) {
                    stats.fill_outbound(o);
                    o.media_source_id = Some(source_id.clone());
                }
                source.media()
            }
            SendPipeline::Audio(_) => {
                let Some(sender) = pipeline.audio_sender() else {
                    continue;
                };
                if let Some(RTCStats::OutboundRtp(o)) = report.get_mut(&id) {
                    sender.stats().fill_outbound(o);
                    o.media_source_id = Some(source_id.clone());
                }
                sender.source_stats().media()
            }
        };
        report.insert(RTCMediaSourceStats {
            id: source_id,
            timestamp,
            track_identifier: track_id.to_string(),
            media,
            other_members: Default::default(),
        });
    }
    for stream in receivers {
        let Some(id) = inbound_id(report, stream.ssrc) else {
            continue;
        };
        match &stream.pipeline {
            RecvPipeline::Video(v) => {
                if let Some(RTCStats::InboundRtp(i)) = report.get_mut(&id) {
                    v.receiver.fill_inbound(now, i);
                }
            }
            RecvPipeline::Offloaded(o) => {
                if let (Some(snapshot), Some(RTCStats::InboundRtp(i))) =
                    (o.snapshot(), report.get_mut(&id))
                {
                    super::offload::apply_recv_snapshot(&snapshot.inbound, i);
                }
            }
            RecvPipeline::Audio(a) => {
                let playout_id = format!("AP{id}");
                if let Some(RTCStats::InboundRtp(i)) = report.get_mut(&id) {
                    a.receiver.fill_inbound(i);
                    if let rtcscope_stats::InboundRtpMedia::Audio(audio) = &mut i.media {
                        audio.playout_id = Some(playout_id.clone());
                    }
                }
                let mut playout = RTCAudioPlayoutStats {
                    id: playout_id,
                    timestamp,
                    ..Default::default()
                };
                a.playout.fill(&mut playout);
                report.insert(playout);
            }
        }
    }
}
