//! What the transport needs from a negotiated (local, remote) pair.

use crate::candidate::Candidate;
use crate::error::NegotiationError;
use crate::model::{
    Codec, Direction, Fingerprint, IceCredentials, MediaKind, MediaSection, Msid, SdpType,
    SessionDescription, Setup,
};

/// Our DTLS role (RFC 5763): `a=setup:active` is the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsRole {
    Client,
    Server,
}

/// A remote media SSRC with its RTX partner from `a=ssrc-group:FID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSsrc {
    pub ssrc: u32,
    pub rtx_ssrc: Option<u32>,
    pub cname: Option<String>,
    pub msid: Option<Msid>,
}

/// One negotiated RTP section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedMedia {
    pub mid: String,
    pub kind: MediaKind,
    /// From our point of view.
    pub direction: Direction,
    /// The answer's codecs (payload types are the same on both sides), RTX included.
    pub codecs: Vec<Codec>,
    /// (rtx payload type, media payload type).
    pub rtx: Vec<(u8, u8)>,
    /// (extension id, uri) as the answer kept them.
    pub extensions: Vec<(u16, String)>,
    pub remote_ssrcs: Vec<RemoteSsrc>,
}

impl NegotiatedMedia {
    pub fn codec(&self, payload_type: u8) -> Option<&Codec> {
        self.codecs.iter().find(|c| c.payload_type == payload_type)
    }

    /// RTCCodecStats.mimeType, e.g. `video/H264`, `audio/opus`.
    pub fn mime_type(&self, payload_type: u8) -> Option<String> {
        let codec = self.codec(payload_type)?;
        Some(format!("{}/{}", self.kind.as_str(), codec.name))
    }

    pub fn extension_id(&self, uri: &str) -> Option<u16> {
        self.extensions
            .iter()
            .find(|(_, u)| u == uri)
            .map(|(id, _)| *id)
    }
}

/// The negotiated data channel transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedSctp {
    pub mid: String,
    pub local_port: u16,
    pub remote_port: u16,
    /// The largest message the remote accepts (what we may send); 0 = no limit.
    pub remote_max_message_size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedTransport {
    pub dtls_role: DtlsRole,
    /// Mid of the section whose transport carries everything (BUNDLE tag).
    pub transport_mid: String,
    pub remote_ice: IceCredentials,
    pub remote_candidates: Vec<Candidate>,
    pub remote_end_of_candidates: bool,
    pub remote_fingerprint: Fingerprint,
    pub media: Vec<NegotiatedMedia>,
    pub sctp: Option<NegotiatedSctp>,
}

/// Everything the transport needs once `local` and `remote` form an offer
/// and its answer (either side may be the offerer).
pub fn negotiated_transport(
    local: &SessionDescription,
    remote: &SessionDescription,
) -> Result<NegotiatedTransport, NegotiationError> {
    let is_answer =
        |d: &SessionDescription| matches!(d.sdp_type, SdpType::Answer | SdpType::Pranswer);
    let (offer, answer, local_is_offer) = match (local.sdp_type, remote.sdp_type) {
        (SdpType::Offer, _) if is_answer(remote) => (local, remote, true),
        (_, SdpType::Offer) if is_answer(local) => (remote, local, false),
        _ => return Err(NegotiationError::NotAnOfferAnswerPair),
    };
    if offer.media.len() != answer.media.len() {
        return Err(NegotiationError::MidMismatch { mid: String::new() });
    }
    for (o, a) in offer.media.iter().zip(&answer.media) {
        if o.mid != a.mid {
            return Err(NegotiationError::MidMismatch { mid: a.mid.clone() });
        }
    }

    // The transport lives on the BUNDLE tag, else on the first accepted section.
    let transport_index = answer
        .bundle
        .first()
        .and_then(|mid| answer.media.iter().position(|s| &s.mid == mid))
        .or_else(|| answer.media.iter().position(|s| !s.is_rejected()))
        .ok_or(NegotiationError::MissingTransportParameters)?;
    let local_section = &local.media[transport_index];
    let remote_section = &remote.media[transport_index];
    let dtls_role = dtls_role(local, local_section, remote, remote_section)?;
    let remote_ice = remote
        .ice_for(remote_section)
        .cloned()
        .ok_or(NegotiationError::MissingTransportParameters)?;
    let remote_fingerprint = remote
        .fingerprint_for(remote_section)
        .cloned()
        .ok_or(NegotiationError::MissingTransportParameters)?;

    let mut media = Vec::new();
    let mut sctp = None;
    for (index, answered) in answer.media.iter().enumerate() {
        if answered.is_rejected() {
            continue;
        }
        let local_section = &local.media[index];
        let remote_section = &remote.media[index];
        match answered.kind {
            MediaKind::Audio | MediaKind::Video => {
                // The answer's direction is the answerer's; the offerer sees it reversed.
                let direction = if local_is_offer {
                    answered.direction.reversed()
                } else {
                    answered.direction
                };
                media.push(NegotiatedMedia {
                    mid: answered.mid.clone(),
                    kind: answered.kind.clone(),
                    direction,
                    codecs: answered.codecs.clone(),
                    rtx: answered.rtx_map(),
                    extensions: answered
                        .extmaps
                        .iter()
                        .map(|e| (e.id, e.uri.clone()))
                        .collect(),
                    remote_ssrcs: remote_ssrcs(remote_section),
                });
            }
            MediaKind::Application => {
                if let (Some(l), Some(r)) = (local_section.sctp, remote_section.sctp) {
                    sctp = Some(NegotiatedSctp {
                        mid: answered.mid.clone(),
                        local_port: l.port,
                        remote_port: r.port,
                        remote_max_message_size: r.effective_max_message_size(),
                    });
                }
            }
            MediaKind::Other(_) => {}
        }
    }
    Ok(NegotiatedTransport {
        dtls_role,
        transport_mid: answer.media[transport_index].mid.clone(),
        remote_ice,
        remote_candidates: remote_section.candidates.clone(),
        remote_end_of_candidates: remote_section.end_of_candidates,
        remote_fingerprint,
        media,
        sctp,
    })
}

fn dtls_role(
    local: &SessionDescription,
    local_section: &MediaSection,
    remote: &SessionDescription,
    remote_section: &MediaSection,
) -> Result<DtlsRole, NegotiationError> {
    let mismatch = || NegotiationError::IncompatibleSetup {
        mid: local_section.mid.clone(),
    };
    match (
        local.setup_for(local_section),
        remote.setup_for(remote_section),
    ) {
        (Some(Setup::Active), Some(Setup::Passive | Setup::Actpass)) => Ok(DtlsRole::Client),
        (Some(Setup::Passive), Some(Setup::Active | Setup::Actpass)) => Ok(DtlsRole::Server),
        (Some(Setup::Actpass), Some(Setup::Active)) => Ok(DtlsRole::Server),
        (Some(Setup::Actpass), Some(Setup::Passive)) => Ok(DtlsRole::Client),
        _ => Err(mismatch()),
    }
}

/// Media SSRCs of a remote section, each with its FID (RTX) partner.
fn remote_ssrcs(section: &MediaSection) -> Vec<RemoteSsrc> {
    let is_rtx = |ssrc: u32| section.fid_groups.iter().any(|(_, rtx)| *rtx == ssrc);
    section
        .ssrcs
        .iter()
        .filter(|s| !is_rtx(s.ssrc))
        .map(|s| RemoteSsrc {
            ssrc: s.ssrc,
            rtx_ssrc: section
                .fid_groups
                .iter()
                .find(|(media, _)| *media == s.ssrc)
                .map(|(_, rtx)| *rtx),
            cname: s.cname.clone(),
            msid: s.msid.clone().or_else(|| section.msid.clone()),
        })
        .collect()
}
