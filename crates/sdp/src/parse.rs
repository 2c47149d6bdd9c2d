//! Text -> [`SessionDescription`]: caps checked on the raw text, webrtc-sdp
//! parses, then its tree is converted and validated.
//!
//! Two attributes are taken from the raw lines instead of webrtc-sdp's tree,
//! because its model loses information we must keep:
//! - `a=fmtp`: webrtc-sdp folds the parameters into a struct with defaults
//!   (an absent profile-level-id reads as 42000a, `packetization-mode=0`
//!   disappears, order is lost), while `RTCCodecStats.sdpFmtpLine` and our
//!   answers need the parameters as written. webrtc-sdp still validates them.
//! - `a=rtcp-fb`: webrtc-sdp only knows ack/ccm/nack/trr-int/goog-remb/
//!   transport-cc and drops others with a warning, among them `rrtr`
//!   (RFC 3611 receiver reference time) that remote-outbound RTT depends on.

use std::collections::HashSet;

use webrtc_sdp::attribute_type::{
    SdpAttribute, SdpAttributeDirection, SdpAttributeFingerprintHashType,
    SdpAttributeGroupSemantic, SdpAttributeSetup, SdpSsrcGroupSemantic,
};
use webrtc_sdp::error::SdpParserError;
use webrtc_sdp::media_type::{SdpFormatList, SdpMedia, SdpMediaValue, SdpProtocolValue};

use crate::candidate::Candidate;
use crate::error::SdpError;
use crate::limits;
use crate::model::{
    Codec, Direction, Extmap, Fingerprint, FmtpParameter, HashAlgorithm, IceCredentials, MediaKind,
    MediaSection, Msid, MsidSemantic, Protocol, RtcpFeedback, SctpParameters, SdpType,
    SessionDescription, Setup, SsrcDescription,
};

/// Attribute lines taken from the raw text (see the module comment).
#[derive(Default)]
struct RawSection {
    fmtp: Vec<(usize, String)>,
    rtcp_fb: Vec<String>,
}

/// Checks the caps on the raw text and collects the raw fmtp/rtcp-fb lines per section.
fn prescan(text: &str) -> Result<Vec<RawSection>, SdpError> {
    if text.len() > limits::MAX_SDP_BYTES {
        return Err(SdpError::TooLong {
            what: "description",
            limit: limits::MAX_SDP_BYTES,
        });
    }
    if !text.trim_start().starts_with("v=") {
        return Err(SdpError::NotSdp);
    }
    let mut sections: Vec<RawSection> = Vec::new();
    // Same numbering as webrtc-sdp: str::lines().enumerate().
    for (number, line) in text.lines().enumerate() {
        if number >= limits::MAX_LINES {
            return Err(SdpError::TooMany {
                what: "lines",
                limit: limits::MAX_LINES,
            });
        }
        if line.len() > limits::MAX_LINE_LEN {
            return Err(SdpError::TooLong {
                what: "line",
                limit: limits::MAX_LINE_LEN,
            });
        }
        let line = line.trim();
        let Some((kind, value)) = line.split_once('=') else {
            continue;
        };
        match kind.trim() {
            "m" | "M" => {
                if sections.len() >= limits::MAX_MEDIA_SECTIONS {
                    return Err(SdpError::TooMany {
                        what: "media sections",
                        limit: limits::MAX_MEDIA_SECTIONS,
                    });
                }
                sections.push(RawSection::default());
            }
            "a" | "A" => {
                let Some(section) = sections.last_mut() else {
                    continue;
                };
                let Some((name, value)) = value.split_once(':') else {
                    continue;
                };
                if name.eq_ignore_ascii_case("fmtp") {
                    section.fmtp.push((number, value.trim().to_string()));
                } else if name.eq_ignore_ascii_case("rtcp-fb") {
                    section.rtcp_fb.push(value.trim().to_string());
                }
            }
            _ => {}
        }
    }
    Ok(sections)
}

fn syntax_error(e: &SdpParserError) -> SdpError {
    let (line, message) = match e {
        SdpParserError::Line {
            error, line_number, ..
        }
        | SdpParserError::Unsupported {
            error, line_number, ..
        } => (*line_number, error.to_string()),
        SdpParserError::Sequence {
            message,
            line_number,
        } => (*line_number, message.clone()),
    };
    SdpError::Syntax { line, message }
}

pub(crate) fn parse(sdp_type: SdpType, text: &str) -> Result<SessionDescription, SdpError> {
    if sdp_type == SdpType::Rollback {
        return Ok(SessionDescription::rollback());
    }
    let raw = prescan(text)?;
    let session = webrtc_sdp::parse_sdp(text, false).map_err(|e| syntax_error(&e))?;
    // fmtp lines webrtc-sdp refused as unsupported are not trusted either.
    let mut refused_lines = HashSet::new();
    for warning in &session.warnings {
        if let SdpParserError::Unsupported {
            line, line_number, ..
        } = warning
        {
            // A dropped m= line would shift every later section against our
            // raw lines, and its mid could not even be rejected: refuse.
            if line.trim_start().starts_with("m=") {
                return Err(syntax_error(warning));
            }
            refused_lines.insert(*line_number);
        }
    }

    let mut description = SessionDescription::rollback();
    description.sdp_type = sdp_type;
    description.session_id = session.origin.session_id;
    description.session_version = session.origin.session_version;
    let mut ufrag = None;
    let mut pwd = None;
    for attribute in &session.attribute {
        match attribute {
            SdpAttribute::IceUfrag(u) => ufrag = Some(u.clone()),
            SdpAttribute::IcePwd(p) => pwd = Some(p.clone()),
            SdpAttribute::IceOptions(options) => {
                description.ice_trickle |= options.iter().any(|o| o == "trickle")
            }
            SdpAttribute::IceLite => description.ice_lite = true,
            SdpAttribute::Fingerprint(fp) => {
                description.fingerprint = Some(fingerprint(fp.hash_algorithm, &fp.fingerprint))
            }
            SdpAttribute::Setup(s) => description.setup = Some(setup(s)),
            SdpAttribute::Group(group)
                if matches!(group.semantics, SdpAttributeGroupSemantic::Bundle) =>
            {
                if !description.bundle.is_empty() {
                    return Err(invalid("more than one BUNDLE group", ""));
                }
                check_list(&group.tags, "BUNDLE group")?;
                description.bundle = group.tags.clone();
            }
            SdpAttribute::MsidSemantic(ms) => {
                check_list(&ms.msids, "msid-semantic")?;
                description.msid_semantic = Some(MsidSemantic {
                    semantic: ms.semantic.clone(),
                    stream_ids: ms.msids.clone(),
                })
            }
            SdpAttribute::ExtmapAllowMixed => description.extmap_allow_mixed = true,
            _ => {}
        }
    }
    description.ice = credentials(ufrag, pwd, "")?;

    for (index, media) in session.media.iter().enumerate() {
        let raw_section = raw.get(index);
        let section = convert_media(index, media, raw_section, &refused_lines)?;
        description.media.push(section);
    }
    validate(&description)?;
    Ok(description)
}

fn invalid(what: &'static str, mid: &str) -> SdpError {
    SdpError::InvalidValue {
        what,
        mid: mid.to_string(),
    }
}

fn check_list(items: &[String], what: &'static str) -> Result<(), SdpError> {
    if items.len() > limits::MAX_GROUP_ENTRIES {
        return Err(SdpError::TooMany {
            what,
            limit: limits::MAX_GROUP_ENTRIES,
        });
    }
    if items.iter().any(|i| i.len() > limits::MAX_IDENTIFIER_LEN) {
        return Err(SdpError::TooLong {
            what,
            limit: limits::MAX_IDENTIFIER_LEN,
        });
    }
    Ok(())
}

fn fingerprint(algorithm: SdpAttributeFingerprintHashType, bytes: &[u8]) -> Fingerprint {
    Fingerprint {
        algorithm: match algorithm {
            SdpAttributeFingerprintHashType::Sha1 => HashAlgorithm::Sha1,
            SdpAttributeFingerprintHashType::Sha224 => HashAlgorithm::Sha224,
            SdpAttributeFingerprintHashType::Sha256 => HashAlgorithm::Sha256,
            SdpAttributeFingerprintHashType::Sha384 => HashAlgorithm::Sha384,
            SdpAttributeFingerprintHashType::Sha512 => HashAlgorithm::Sha512,
        },
        bytes: bytes.to_vec(),
    }
}

fn setup(s: &SdpAttributeSetup) -> Setup {
    match s {
        SdpAttributeSetup::Active => Setup::Active,
        SdpAttributeSetup::Actpass => Setup::Actpass,
        SdpAttributeSetup::Holdconn => Setup::Holdconn,
        SdpAttributeSetup::Passive => Setup::Passive,
    }
}

fn direction(d: &SdpAttributeDirection) -> Direction {
    match d {
        SdpAttributeDirection::Recvonly => Direction::RecvOnly,
        SdpAttributeDirection::Sendonly => Direction::SendOnly,
        SdpAttributeDirection::Sendrecv => Direction::SendRecv,
    }
}

/// RFC 8839: ice-ufrag is 4 to 256 ice-chars, ice-pwd 22 to 256.
fn credentials(
    ufrag: Option<String>,
    pwd: Option<String>,
    mid: &str,
) -> Result<Option<IceCredentials>, SdpError> {
    match (ufrag, pwd) {
        (Some(ufrag), Some(pwd)) => {
            let ice_chars = |s: &str| {
                s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
            };
            if !(4..=limits::MAX_ICE_CREDENTIAL_LEN).contains(&ufrag.len()) || !ice_chars(&ufrag) {
                return Err(invalid("ice-ufrag", mid));
            }
            if !(22..=limits::MAX_ICE_CREDENTIAL_LEN).contains(&pwd.len()) || !ice_chars(&pwd) {
                return Err(invalid("ice-pwd", mid));
            }
            Ok(Some(IceCredentials { ufrag, pwd }))
        }
        (None, None) => Ok(None),
        _ => Err(SdpError::MissingIceCredentials {
            mid: mid.to_string(),
        }),
    }
}

fn convert_media(
    index: usize,
    media: &SdpMedia,
    raw: Option<&RawSection>,
    refused_lines: &HashSet<usize>,
) -> Result<MediaSection, SdpError> {
    let kind = match media.get_type() {
        SdpMediaValue::Audio => MediaKind::Audio,
        SdpMediaValue::Video => MediaKind::Video,
        SdpMediaValue::Application => MediaKind::Application,
        SdpMediaValue::Unknown(name) => MediaKind::Other(name.clone()),
    };
    let protocol = match media.get_proto() {
        SdpProtocolValue::UdpTlsRtpSavpf => Protocol::UdpTlsRtpSavpf,
        SdpProtocolValue::UdpDtlsSctp => Protocol::UdpDtlsSctp,
        other => Protocol::Other(other.to_string()),
    };
    let attributes = media.get_attributes();
    let mid = attributes
        .iter()
        .find_map(|a| match a {
            SdpAttribute::Mid(m) => Some(m.clone()),
            _ => None,
        })
        .ok_or(SdpError::MissingMid { section: index })?;
    if mid.is_empty() || mid.len() > limits::MAX_IDENTIFIER_LEN {
        return Err(SdpError::TooLong {
            what: "mid",
            limit: limits::MAX_IDENTIFIER_LEN,
        });
    }
    let mut section = MediaSection::new(kind, &mid, protocol);
    section.port = u16::try_from(media.get_port()).map_err(|_| invalid("port", &mid))?;

    let mut ufrag = None;
    let mut pwd = None;
    let mut sctp_port = None;
    let mut max_message_size = None;
    let mut rtpmaps = Vec::new();
    for attribute in attributes {
        match attribute {
            SdpAttribute::IceUfrag(u) => ufrag = Some(u.clone()),
            SdpAttribute::IcePwd(p) => pwd = Some(p.clone()),
            SdpAttribute::IceOptions(options) => {
                section.ice_trickle |= options.iter().any(|o| o == "trickle")
            }
            SdpAttribute::Fingerprint(fp) => {
                section.fingerprint = Some(fingerprint(fp.hash_algorithm, &fp.fingerprint))
            }
            SdpAttribute::Setup(s) => section.setup = Some(setup(s)),
            SdpAttribute::Sendrecv => section.direction = Direction::SendRecv,
            SdpAttribute::Sendonly => section.direction = Direction::SendOnly,
            SdpAttribute::Recvonly => section.direction = Direction::RecvOnly,
            SdpAttribute::Inactive => section.direction = Direction::Inactive,
            SdpAttribute::RtcpMux => section.rtcp_mux = true,
            SdpAttribute::RtcpRsize => section.rtcp_rsize = true,
            SdpAttribute::BundleOnly => section.bundle_only = true,
            SdpAttribute::EndOfCandidates => section.end_of_candidates = true,
            SdpAttribute::Candidate(c) => {
                if section.candidates.len() >= limits::MAX_CANDIDATES_PER_SECTION {
                    return Err(SdpError::TooMany {
                        what: "candidates",
                        limit: limits::MAX_CANDIDATES_PER_SECTION,
                    });
                }
                section.candidates.push(Candidate::from_sdp(c)?);
            }
            SdpAttribute::Extmap(e) => {
                if section.extmaps.len() >= limits::MAX_EXTMAPS_PER_SECTION {
                    return Err(SdpError::TooMany {
                        what: "extmaps",
                        limit: limits::MAX_EXTMAPS_PER_SECTION,
                    });
                }
                // RFC 8285: ids 1-14 (one-byte) and up to 255 (two-byte); 0 and 15 are reserved.
                if e.id == 0 || e.id == 15 || e.id > 255 || e.url.len() > limits::MAX_LINE_LEN {
                    return Err(invalid("extmap id", &mid));
                }
                if section.extmaps.iter().any(|x| x.id == e.id) {
                    return Err(invalid("duplicate extmap id", &mid));
                }
                section.extmaps.push(Extmap {
                    id: e.id,
                    uri: e.url.clone(),
                    direction: e.direction.as_ref().map(direction),
                });
            }
            SdpAttribute::Msid(m) => {
                if m.id.len() > limits::MAX_IDENTIFIER_LEN
                    || m.appdata
                        .as_ref()
                        .is_some_and(|a| a.len() > limits::MAX_IDENTIFIER_LEN)
                {
                    return Err(SdpError::TooLong {
                        what: "msid",
                        limit: limits::MAX_IDENTIFIER_LEN,
                    });
                }
                section.msid = Some(Msid {
                    stream_id: m.id.clone(),
                    track_id: m.appdata.clone(),
                });
            }
            SdpAttribute::Ssrc(s) => add_ssrc_line(&mut section, s)?,
            SdpAttribute::SsrcGroup(semantic, ssrcs) => {
                if matches!(semantic, SdpSsrcGroupSemantic::FlowIdentification) {
                    if section.fid_groups.len() >= limits::MAX_SSRC_GROUPS_PER_SECTION {
                        return Err(SdpError::TooMany {
                            what: "ssrc-groups",
                            limit: limits::MAX_SSRC_GROUPS_PER_SECTION,
                        });
                    }
                    match ssrcs.as_slice() {
                        [media_ssrc, rtx_ssrc] => {
                            section.fid_groups.push((media_ssrc.id, rtx_ssrc.id))
                        }
                        _ => return Err(invalid("ssrc-group FID (needs two ssrcs)", &mid)),
                    }
                }
            }
            SdpAttribute::SctpPort(p) => {
                sctp_port = Some(u16::try_from(*p).map_err(|_| invalid("sctp-port", &mid))?)
            }
            SdpAttribute::MaxMessageSize(size) => max_message_size = Some(*size),
            SdpAttribute::Rtpmap(r) => rtpmaps.push(r),
            _ => {}
        }
    }
    section.ice = credentials(ufrag, pwd, &mid)?;
    if let Some(port) = sctp_port {
        section.sctp = Some(SctpParameters {
            port,
            max_message_size,
        });
    }

    // Codecs in m-line order.
    if let SdpFormatList::Integers(formats) = media.get_formats() {
        if formats.len() > limits::MAX_CODECS_PER_SECTION {
            return Err(SdpError::TooMany {
                what: "codecs",
                limit: limits::MAX_CODECS_PER_SECTION,
            });
        }
        let mut seen = HashSet::new();
        for r in &rtpmaps {
            if !seen.insert(r.payload_type) {
                return Err(SdpError::DuplicatePayloadType {
                    mid: mid.clone(),
                    payload_type: r.payload_type,
                });
            }
        }
        for &format in formats {
            let payload_type = u8::try_from(format)
                .ok()
                .filter(|pt| *pt <= 127)
                .ok_or_else(|| invalid("payload type", &mid))?;
            // Payload types without a=rtpmap (static ones) are not ours to use.
            let Some(r) = rtpmaps.iter().find(|r| r.payload_type == payload_type) else {
                continue;
            };
            if section.codec(payload_type).is_some() {
                return Err(SdpError::DuplicatePayloadType {
                    mid: mid.clone(),
                    payload_type,
                });
            }
            if r.codec_name.len() > limits::MAX_IDENTIFIER_LEN {
                return Err(invalid("codec name", &mid));
            }
            let channels = match r.channels {
                Some(c) => Some(u16::try_from(c).map_err(|_| invalid("channels", &mid))?),
                None => None,
            };
            section.codecs.push(Codec::new(
                payload_type,
                &r.codec_name,
                r.frequency,
                channels,
            ));
        }
    }

    if let Some(raw) = raw {
        apply_raw_fmtp(&mut section, raw, refused_lines)?;
        apply_raw_feedback(&mut section, raw)?;
    }
    Ok(section)
}

fn add_ssrc_line(
    section: &mut MediaSection,
    line: &webrtc_sdp::attribute_type::SdpAttributeSsrc,
) -> Result<(), SdpError> {
    let index = match section.ssrcs.iter().position(|s| s.ssrc == line.id) {
        Some(i) => i,
        None => {
            if section.ssrcs.len() >= limits::MAX_SSRCS_PER_SECTION {
                return Err(SdpError::TooMany {
                    what: "ssrcs",
                    limit: limits::MAX_SSRCS_PER_SECTION,
                });
            }
            section.ssrcs.push(SsrcDescription {
                ssrc: line.id,
                cname: None,
                msid: None,
            });
            section.ssrcs.len() - 1
        }
    };
    let Some(value) = &line.value else {
        return Ok(());
    };
    if value.len() > 2 * limits::MAX_IDENTIFIER_LEN + 1 {
        return Err(SdpError::TooLong {
            what: "ssrc attribute",
            limit: 2 * limits::MAX_IDENTIFIER_LEN + 1,
        });
    }
    let entry = &mut section.ssrcs[index];
    match line.attribute.as_deref() {
        Some("cname") => entry.cname = Some(value.clone()),
        Some("msid") => {
            let mut parts = value.split_whitespace();
            if let Some(stream_id) = parts.next() {
                entry.msid = Some(Msid {
                    stream_id: stream_id.to_string(),
                    track_id: parts.next().map(str::to_string),
                });
            }
        }
        _ => {}
    }
    Ok(())
}

fn apply_raw_fmtp(
    section: &mut MediaSection,
    raw: &RawSection,
    refused_lines: &HashSet<usize>,
) -> Result<(), SdpError> {
    for (line_number, value) in &raw.fmtp {
        if refused_lines.contains(line_number) {
            continue;
        }
        let Some((pt, parameters)) = value.split_once(' ') else {
            continue;
        };
        let Ok(payload_type) = pt.parse::<u8>() else {
            continue;
        };
        let mid = section.mid.clone();
        let Some(codec) = section
            .codecs
            .iter_mut()
            .find(|c| c.payload_type == payload_type)
        else {
            continue;
        };
        let mut list = Vec::new();
        for token in parameters.trim().split(';').map(str::trim) {
            if token.is_empty() {
                continue;
            }
            if list.len() >= limits::MAX_FMTP_PARAMETERS {
                return Err(SdpError::TooMany {
                    what: "fmtp parameters",
                    limit: limits::MAX_FMTP_PARAMETERS,
                });
            }
            list.push(match token.split_once('=') {
                Some((name, value)) => FmtpParameter {
                    name: name.trim().to_string(),
                    value: Some(value.trim().to_string()),
                },
                None => FmtpParameter {
                    name: token.to_string(),
                    value: None,
                },
            });
        }
        codec.fmtp = list;
        if codec.is_named("rtx") && codec.rtx_apt().is_none() {
            return Err(invalid("rtx apt", &mid));
        }
    }
    Ok(())
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn apply_raw_feedback(section: &mut MediaSection, raw: &RawSection) -> Result<(), SdpError> {
    for value in &raw.rtcp_fb {
        let mut tokens = value.split_whitespace();
        let (Some(pt), Some(kind)) = (tokens.next(), tokens.next()) else {
            return Err(invalid("rtcp-fb", &section.mid));
        };
        let param = tokens.next();
        if !is_token(kind) || param.is_some_and(|p| !is_token(p)) {
            return Err(invalid("rtcp-fb", &section.mid));
        }
        let feedback = RtcpFeedback::new(kind, param);
        let wildcard = pt == "*";
        let payload_type = if wildcard {
            None
        } else {
            Some(
                pt.parse::<u8>()
                    .map_err(|_| invalid("rtcp-fb payload type", &section.mid))?,
            )
        };
        for codec in section
            .codecs
            .iter_mut()
            .filter(|c| wildcard || Some(c.payload_type) == payload_type)
        {
            if codec.feedback.contains(&feedback) {
                continue;
            }
            if codec.feedback.len() >= limits::MAX_FEEDBACK_PER_CODEC {
                return Err(SdpError::TooMany {
                    what: "rtcp-fb per codec",
                    limit: limits::MAX_FEEDBACK_PER_CODEC,
                });
            }
            codec.feedback.push(feedback.clone());
        }
    }
    Ok(())
}

/// Rules that span sections: mids, BUNDLE, transport attributes present.
fn validate(description: &SessionDescription) -> Result<(), SdpError> {
    let mut mids = HashSet::new();
    for section in &description.media {
        if !mids.insert(section.mid.as_str()) {
            return Err(SdpError::DuplicateMid(section.mid.clone()));
        }
    }
    let mut bundled = HashSet::new();
    for mid in &description.bundle {
        if !mids.contains(mid.as_str()) {
            return Err(SdpError::BundleUnknownMid(mid.clone()));
        }
        if !bundled.insert(mid.as_str()) {
            return Err(invalid("BUNDLE group lists a mid twice", mid));
        }
    }
    for section in &description.media {
        // Rejected and bundle-only sections carry no transport of their own.
        if section.port == 0 {
            continue;
        }
        let mid = || section.mid.clone();
        if description.ice_for(section).is_none() {
            return Err(SdpError::MissingIceCredentials { mid: mid() });
        }
        if description.fingerprint_for(section).is_none() {
            return Err(SdpError::MissingFingerprint { mid: mid() });
        }
        if description.setup_for(section).is_none() {
            return Err(SdpError::MissingSetup { mid: mid() });
        }
    }
    Ok(())
}
