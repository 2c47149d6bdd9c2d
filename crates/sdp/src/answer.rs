//! JSEP createAnswer (RFC 8829 section 5.3.1) against our capabilities.

use crate::error::{NegotiationError, SdpError};
use crate::h264::{H264Profile, ProfileLevelId};
use crate::local::{LocalCapabilities, MediaCapabilities};
use crate::model::{
    Codec, Direction, Extmap, MediaKind, MediaSection, MsidSemantic, Protocol, RtcpFeedback,
    SctpParameters, SdpType, SessionDescription, Setup,
};
use crate::offer::{attach_track, h264, opus, rtx};

/// A parsed remote description known to be an offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOffer(SessionDescription);

impl RemoteOffer {
    pub fn parse(text: &str) -> Result<RemoteOffer, SdpError> {
        SessionDescription::parse(SdpType::Offer, text).map(RemoteOffer)
    }

    pub fn description(&self) -> &SessionDescription {
        &self.0
    }
}

impl TryFrom<SessionDescription> for RemoteOffer {
    type Error = NegotiationError;

    fn try_from(description: SessionDescription) -> Result<Self, Self::Error> {
        match description.sdp_type {
            SdpType::Offer => Ok(RemoteOffer(description)),
            other => Err(NegotiationError::NotAnOffer(other)),
        }
    }
}

/// The answer: every offered section answered in order; what we cannot
/// handle is rejected with port 0. Payload types and extension ids are the
/// offerer's; directions are mirrored; `a=setup:active` answers actpass.
pub fn create_answer(
    offer: &RemoteOffer,
    local: &LocalCapabilities,
) -> Result<SessionDescription, NegotiationError> {
    let offer = &offer.0;
    let mut answer = SessionDescription::rollback();
    answer.sdp_type = SdpType::Answer;
    answer.session_id = local.session_id;
    answer.session_version = local.session_version;
    let mut audio_tracks = local.audio_tracks.iter();
    let mut video_tracks = local.video_tracks.iter();
    let mut data_answered = false;
    let mut stream_ids: Vec<String> = Vec::new();

    for offered in &offer.media {
        let mut section = if offered.is_rejected() {
            None
        } else {
            match offered.kind {
                MediaKind::Audio if local.accept_audio => {
                    answer_rtp(offered, local, &mut audio_tracks)
                }
                MediaKind::Video if local.accept_video => {
                    answer_rtp(offered, local, &mut video_tracks)
                }
                MediaKind::Application if local.accept_data_channel && !data_answered => {
                    let s = answer_data(offered, &local.media);
                    data_answered |= s.is_some();
                    s
                }
                _ => None,
            }
        };
        if let Some(accepted) = section.as_mut() {
            accepted.ice = Some(local.ice.clone());
            accepted.ice_trickle = true;
            accepted.fingerprint = Some(local.fingerprint.clone());
            accepted.setup = Some(answer_setup(offer, offered)?);
            if let Some(msid) = &accepted.msid
                && !stream_ids.contains(&msid.stream_id)
            {
                stream_ids.push(msid.stream_id.clone());
            }
        }
        answer
            .media
            .push(section.unwrap_or_else(|| rejected(offered)));
    }

    answer.bundle = offer
        .bundle
        .iter()
        .filter(|mid| answer.section(mid).is_some_and(|s| !s.is_rejected()))
        .cloned()
        .collect();
    answer.msid_semantic = Some(MsidSemantic {
        semantic: "WMS".to_string(),
        stream_ids,
    });
    Ok(answer)
}

/// RFC 5763 section 5: the answerer picks active unless the offer already did.
fn answer_setup(
    offer: &SessionDescription,
    offered: &MediaSection,
) -> Result<Setup, NegotiationError> {
    match offer.setup_for(offered) {
        Some(Setup::Actpass) | Some(Setup::Passive) => Ok(Setup::Active),
        Some(Setup::Active) => Ok(Setup::Passive),
        Some(Setup::Holdconn) | None => Err(NegotiationError::IncompatibleSetup {
            mid: offered.mid.clone(),
        }),
    }
}

/// The port-0 answer to a section we do not accept.
fn rejected(offered: &MediaSection) -> MediaSection {
    let mut section =
        MediaSection::new(offered.kind.clone(), &offered.mid, offered.protocol.clone());
    section.port = 0;
    // Only RTP sections carry a direction attribute.
    if section.kind.is_rtp() {
        section.direction = Direction::Inactive;
    }
    section
}

fn answer_data(offered: &MediaSection, caps: &MediaCapabilities) -> Option<MediaSection> {
    if offered.protocol != Protocol::UdpDtlsSctp {
        return None;
    }
    let remote = offered.sctp?;
    // RFC 8841: 0 means "no limit"; we never promise more than our own cap.
    let remote_max = match remote.effective_max_message_size() {
        0 => u64::MAX,
        size => size,
    };
    let mut section =
        MediaSection::new(MediaKind::Application, &offered.mid, Protocol::UdpDtlsSctp);
    section.sctp = Some(SctpParameters {
        port: caps.sctp_port,
        max_message_size: Some(remote_max.min(caps.max_message_size)),
    });
    Some(section)
}

fn answer_rtp<'a>(
    offered: &MediaSection,
    local: &LocalCapabilities,
    tracks: &mut impl Iterator<Item = &'a crate::local::LocalTrack>,
) -> Option<MediaSection> {
    // WebRTC requires SRTP with DTLS keys and RTP/RTCP multiplexing (RFC 8829 5.1.1).
    if offered.protocol != Protocol::UdpTlsRtpSavpf || !offered.rtcp_mux {
        return None;
    }
    let caps = &local.media;
    let (codecs, supported_extensions) = match offered.kind {
        MediaKind::Audio => (select_audio(offered, caps)?, &caps.audio_extensions),
        MediaKind::Video => (select_video(offered, caps)?, &caps.video_extensions),
        _ => return None,
    };
    let mut section =
        MediaSection::new(offered.kind.clone(), &offered.mid, offered.protocol.clone());
    section.rtcp_mux = true;
    section.rtcp_rsize = offered.rtcp_rsize;
    section.codecs = codecs;
    section.extmaps = offered
        .extmaps
        .iter()
        .filter(|e| supported_extensions.iter().any(|s| s.uri == e.uri))
        .map(|e| Extmap {
            id: e.id,
            uri: e.uri.clone(),
            direction: None,
        })
        .collect();
    // Mirror: we receive what they send, we send what they receive if we have a track.
    let track = if offered.direction.receives() {
        tracks.next()
    } else {
        None
    };
    section.direction = Direction::from_flags(track.is_some(), offered.direction.sends());
    if let Some(track) = track {
        let with_rtx = section.codecs.iter().any(|c| c.rtx_apt().is_some());
        attach_track(&mut section, track, with_rtx);
    }
    Some(section)
}

/// Offered feedback we also support, in the offer's order.
fn common_feedback(offered: &Codec, ours: &[RtcpFeedback]) -> Vec<RtcpFeedback> {
    offered
        .feedback
        .iter()
        .filter(|f| ours.contains(f))
        .cloned()
        .collect()
}

fn select_audio(offered: &MediaSection, caps: &MediaCapabilities) -> Option<Vec<Codec>> {
    let theirs = offered
        .codecs
        .iter()
        .find(|c| c.is_named("opus") && c.clock_rate == 48_000 && c.channels == Some(2))?;
    let mut codec = opus(theirs.payload_type, caps);
    codec.name = theirs.name.clone();
    codec.feedback = common_feedback(theirs, &caps.audio_feedback);
    Some(vec![codec])
}

/// The offered H.264 we can use: packetization-mode=1, constrained baseline
/// preferred over baseline, otherwise in the offerer's order; plus its RTX.
fn select_video(offered: &MediaSection, caps: &MediaCapabilities) -> Option<Vec<Codec>> {
    let candidates = offered.codecs.iter().filter_map(|c| {
        if !c.is_named("H264") || c.clock_rate != 90_000 {
            return None;
        }
        if c.fmtp_value("packetization-mode") != Some("1") {
            return None;
        }
        // RFC 6184: an absent profile-level-id means 42000a (baseline 1.0).
        let profile = match c.fmtp_value("profile-level-id") {
            Some(text) => ProfileLevelId::parse(text)?,
            None => ProfileLevelId::parse("42000a")?,
        };
        let rank = match profile.profile() {
            H264Profile::ConstrainedBaseline => 0,
            H264Profile::Baseline => 1,
            _ => return None,
        };
        Some((rank, c, profile))
    });
    let (_, theirs, their_profile) = candidates.min_by_key(|(rank, _, _)| *rank)?;
    // libwebrtc's level rule for answers: with level-asymmetry-allowed on both
    // sides each end states what it can receive, otherwise the lower level.
    let asymmetry = theirs.fmtp_value("level-asymmetry-allowed") == Some("1");
    let level_idc = if asymmetry {
        caps.h264_level_idc
    } else {
        their_profile.level_idc.min(caps.h264_level_idc)
    };
    let profile = ProfileLevelId {
        level_idc,
        ..their_profile
    };
    let mut codec = h264(theirs.payload_type, profile, caps);
    codec.name = theirs.name.clone();
    codec.feedback = common_feedback(theirs, &caps.video_feedback);
    let mut codecs = vec![codec];
    if let Some(their_rtx) = offered
        .codecs
        .iter()
        .find(|c| c.rtx_apt() == Some(theirs.payload_type))
    {
        codecs.push(rtx(their_rtx.payload_type, theirs.payload_type));
    }
    Some(codecs)
}
