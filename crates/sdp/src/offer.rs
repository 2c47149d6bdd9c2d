//! JSEP createOffer (RFC 8829 section 5.2.1) for our fixed capability set.

use crate::h264::ProfileLevelId;
use crate::local::{LocalConfig, LocalTrack, MediaCapabilities, OfferedSection};
use crate::model::{
    Codec, MediaKind, MediaSection, Msid, MsidSemantic, Protocol, SctpParameters, SdpType,
    SessionDescription, Setup, SsrcDescription,
};

/// The Opus codec as Chrome signals it.
pub(crate) fn opus(payload_type: u8, caps: &MediaCapabilities) -> Codec {
    let mut codec = Codec::new(payload_type, "opus", 48_000, Some(2));
    codec.set_fmtp("minptime", "10");
    codec.set_fmtp("useinbandfec", "1");
    codec.feedback = caps.audio_feedback.clone();
    codec
}

/// H.264 packetization-mode=1 with the given profile-level-id.
pub(crate) fn h264(payload_type: u8, profile: ProfileLevelId, caps: &MediaCapabilities) -> Codec {
    let mut codec = Codec::new(payload_type, "H264", 90_000, None);
    codec.set_fmtp("level-asymmetry-allowed", "1");
    codec.set_fmtp("packetization-mode", "1");
    codec.set_fmtp("profile-level-id", &profile.to_hex());
    codec.feedback = caps.video_feedback.clone();
    codec
}

pub(crate) fn rtx(payload_type: u8, apt: u8) -> Codec {
    let mut codec = Codec::new(payload_type, "rtx", 90_000, None);
    codec.set_fmtp("apt", &apt.to_string());
    codec
}

/// Adds msid and the ssrc lines (with the FID group when RTX is in use).
pub(crate) fn attach_track(section: &mut MediaSection, track: &LocalTrack, with_rtx: bool) {
    let msid = Msid {
        stream_id: track.stream_id.clone(),
        track_id: Some(track.track_id.clone()),
    };
    section.msid = Some(msid.clone());
    let mut ssrcs = vec![track.ssrc];
    if let (true, Some(rtx_ssrc)) = (with_rtx, track.rtx_ssrc) {
        section.fid_groups.push((track.ssrc, rtx_ssrc));
        ssrcs.push(rtx_ssrc);
    }
    for ssrc in ssrcs {
        section.ssrcs.push(SsrcDescription {
            ssrc,
            cname: Some(track.cname.clone()),
            msid: Some(msid.clone()),
        });
    }
}

/// An offer with one section per `config.sections`, all in one BUNDLE group,
/// `a=setup:actpass`, trickle ICE, rtcp-mux and rtcp-rsize.
pub fn create_offer(config: &LocalConfig) -> SessionDescription {
    let mut offer = SessionDescription::rollback();
    offer.sdp_type = SdpType::Offer;
    offer.session_id = config.session_id;
    offer.session_version = config.session_version;
    let mut stream_ids: Vec<String> = Vec::new();
    for wanted in &config.sections {
        let section = offer_section(config, wanted);
        if let Some(msid) = &section.msid
            && !stream_ids.contains(&msid.stream_id)
        {
            stream_ids.push(msid.stream_id.clone());
        }
        offer.bundle.push(section.mid.clone());
        offer.media.push(section);
    }
    offer.msid_semantic = Some(MsidSemantic {
        semantic: "WMS".to_string(),
        stream_ids,
    });
    offer
}

fn offer_section(config: &LocalConfig, wanted: &OfferedSection) -> MediaSection {
    let caps = &config.media;
    let protocol = match wanted.kind {
        MediaKind::Application => Protocol::UdpDtlsSctp,
        _ => Protocol::UdpTlsRtpSavpf,
    };
    let mut section = MediaSection::new(wanted.kind.clone(), &wanted.mid, protocol);
    section.ice = Some(config.ice.clone());
    section.ice_trickle = true;
    section.fingerprint = Some(config.fingerprint.clone());
    section.setup = Some(Setup::Actpass);
    match wanted.kind {
        MediaKind::Audio => {
            section.codecs.push(opus(caps.opus_payload_type, caps));
            section.extmaps = caps.audio_extensions.clone();
        }
        MediaKind::Video => {
            let profile = ProfileLevelId {
                level_idc: caps.h264_level_idc,
                ..ProfileLevelId::CONSTRAINED_BASELINE_3_1
            };
            section
                .codecs
                .push(h264(caps.h264_payload_type, profile, caps));
            section
                .codecs
                .push(rtx(caps.h264_rtx_payload_type, caps.h264_payload_type));
            section.extmaps = caps.video_extensions.clone();
        }
        MediaKind::Application => {
            section.sctp = Some(SctpParameters {
                port: caps.sctp_port,
                max_message_size: Some(caps.max_message_size),
            });
            return section;
        }
        MediaKind::Other(_) => {
            section.port = 0;
            return section;
        }
    }
    section.direction = wanted.direction;
    section.rtcp_mux = true;
    section.rtcp_rsize = true;
    if let (true, Some(track)) = (wanted.direction.sends(), &wanted.track) {
        attach_track(&mut section, track, wanted.kind == MediaKind::Video);
    }
    section
}
