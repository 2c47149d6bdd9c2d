//! [`SessionDescription`] -> SDP text in libwebrtc's layout.
//!
//! We do not print through webrtc-sdp's `Display`: it writes fmtp parameters
//! in its own order with defaults folded in (`profile-level-id` first, while
//! libwebrtc sorts them by name), cannot express `a=rtcp-fb:<pt> rrtr`,
//! writes `a=msid-semantic:WMS *` where Chrome writes `a=msid-semantic: WMS`,
//! and upper-cases the candidate transport. Chrome accepts all of those, but
//! `sdpFmtpLine` in codec stats must match what was negotiated byte for byte,
//! so we write exactly what the model holds, in Chrome's attribute order.

use std::fmt::Write as _;

use crate::model::{MediaKind, MediaSection, SessionDescription};

/// Appends one `\r\n`-terminated line; writing to a String cannot fail.
macro_rules! line {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
        $out.push_str("\r\n");
    }};
}

pub(crate) fn write(description: &SessionDescription) -> String {
    let mut out = String::with_capacity(2048);
    if description.sdp_type == crate::SdpType::Rollback {
        return out;
    }
    line!(out, "v=0");
    line!(
        out,
        "o=- {} {} IN IP4 127.0.0.1",
        description.session_id,
        description.session_version
    );
    line!(out, "s=-");
    line!(out, "t=0 0");
    if !description.bundle.is_empty() {
        line!(out, "a=group:BUNDLE {}", description.bundle.join(" "));
    }
    if description.extmap_allow_mixed {
        line!(out, "a=extmap-allow-mixed");
    }
    if let Some(ms) = &description.msid_semantic {
        let mut text = format!("a=msid-semantic: {}", ms.semantic);
        for id in &ms.stream_ids {
            text.push(' ');
            text.push_str(id);
        }
        line!(out, "{text}");
    }
    if description.ice_lite {
        line!(out, "a=ice-lite");
    }
    if let Some(ice) = &description.ice {
        line!(out, "a=ice-ufrag:{}", ice.ufrag);
        line!(out, "a=ice-pwd:{}", ice.pwd);
    }
    if description.ice_trickle {
        line!(out, "a=ice-options:trickle");
    }
    if let Some(fp) = &description.fingerprint {
        line!(out, "a=fingerprint:{fp}");
    }
    if let Some(setup) = description.setup {
        line!(out, "a=setup:{}", setup.as_str());
    }
    for section in &description.media {
        write_section(&mut out, section);
    }
    out
}

fn write_section(out: &mut String, section: &MediaSection) {
    let formats = match &section.kind {
        MediaKind::Audio | MediaKind::Video if !section.codecs.is_empty() => section
            .codecs
            .iter()
            .map(|c| c.payload_type.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        MediaKind::Application => "webrtc-datachannel".to_string(),
        // A rejected section still needs one format token (RFC 4566).
        _ => "0".to_string(),
    };
    line!(
        out,
        "m={} {} {} {}",
        section.kind.as_str(),
        section.port,
        section.protocol.as_str(),
        formats
    );
    line!(out, "c=IN IP4 0.0.0.0");
    let rtp = section.kind.is_rtp();
    if rtp && !section.is_rejected() {
        line!(out, "a=rtcp:9 IN IP4 0.0.0.0");
    }
    for candidate in &section.candidates {
        line!(out, "a={candidate}");
    }
    if section.end_of_candidates {
        line!(out, "a=end-of-candidates");
    }
    if let Some(ice) = &section.ice {
        line!(out, "a=ice-ufrag:{}", ice.ufrag);
        line!(out, "a=ice-pwd:{}", ice.pwd);
    }
    if section.ice_trickle {
        line!(out, "a=ice-options:trickle");
    }
    if let Some(fp) = &section.fingerprint {
        line!(out, "a=fingerprint:{fp}");
    }
    if let Some(setup) = section.setup {
        line!(out, "a=setup:{}", setup.as_str());
    }
    line!(out, "a=mid:{}", section.mid);
    if section.bundle_only {
        line!(out, "a=bundle-only");
    }
    for extmap in &section.extmaps {
        match extmap.direction {
            Some(d) => line!(out, "a=extmap:{}/{} {}", extmap.id, d.as_str(), extmap.uri),
            None => line!(out, "a=extmap:{} {}", extmap.id, extmap.uri),
        }
    }
    if rtp {
        line!(out, "a={}", section.direction.as_str());
    }
    if let Some(msid) = &section.msid {
        line!(out, "a=msid:{msid}");
    }
    if section.rtcp_mux {
        line!(out, "a=rtcp-mux");
    }
    if section.rtcp_rsize {
        line!(out, "a=rtcp-rsize");
    }
    for codec in &section.codecs {
        match codec.channels {
            Some(channels) => line!(
                out,
                "a=rtpmap:{} {}/{}/{}",
                codec.payload_type,
                codec.name,
                codec.clock_rate,
                channels
            ),
            None => line!(
                out,
                "a=rtpmap:{} {}/{}",
                codec.payload_type,
                codec.name,
                codec.clock_rate
            ),
        }
        for feedback in &codec.feedback {
            line!(out, "a=rtcp-fb:{} {}", codec.payload_type, feedback);
        }
        if !codec.fmtp.is_empty() {
            line!(out, "a=fmtp:{} {}", codec.payload_type, codec.fmtp_line());
        }
    }
    for (media_ssrc, rtx_ssrc) in &section.fid_groups {
        line!(out, "a=ssrc-group:FID {media_ssrc} {rtx_ssrc}");
    }
    for ssrc in &section.ssrcs {
        if let Some(cname) = &ssrc.cname {
            line!(out, "a=ssrc:{} cname:{}", ssrc.ssrc, cname);
        }
        if let Some(msid) = &ssrc.msid {
            line!(out, "a=ssrc:{} msid:{}", ssrc.ssrc, msid);
        }
    }
    if let Some(sctp) = &section.sctp {
        line!(out, "a=sctp-port:{}", sctp.port);
        if let Some(size) = sctp.max_message_size {
            line!(out, "a=max-message-size:{size}");
        }
    }
}
