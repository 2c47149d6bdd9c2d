//! Negotiated SDP → transport configuration: DTLS role and remote
//! fingerprint, remote ICE credentials and candidates, codecs (RTX per the
//! negotiated `apt`), our SSRCs for senders, the peer's for receivers, SCTP.

use std::time::Instant;

use rtcscope_dtls::{DtlsRole, Sha256Fingerprint};
use rtcscope_ice::RemoteCandidate;
use rtcscope_sctp::SctpConfig;
use rtcscope_sdp::{HashAlgorithm, NegotiatedMedia, SessionDescription, negotiated_transport};

use super::{PeerConnectionError as Error, PeerConnectionEvent, RTCPeerConnection, RtpReceiver};
use crate::config::{CodecConfig, LocalStreamConfig, RemoteStreamConfig};

fn codec_config(media: &NegotiatedMedia) -> Vec<CodecConfig> {
    media
        .codecs
        .iter()
        .map(|c| CodecConfig {
            payload_type: c.payload_type,
            mime_type: format!("{}/{}", media.kind.as_str(), c.name),
            clock_rate: c.clock_rate,
            channels: c.channels.map(u32::from),
            sdp_fmtp_line: c.sdp_fmtp_line(),
        })
        .collect()
}

/// Media payload types of a section (RTX excluded), in preference order.
fn media_payload_types(media: &NegotiatedMedia) -> Vec<u8> {
    media
        .codecs
        .iter()
        .filter(|c| c.rtx_apt().is_none() && !c.is_named("red") && !c.is_named("ulpfec"))
        .map(|c| c.payload_type)
        .collect()
}

impl RTCPeerConnection {
    /// Applies an offer/answer pair. Everything that can fail is checked
    /// before the transport changes.
    pub(crate) fn apply_negotiation(
        &mut self,
        now: Instant,
        local: &SessionDescription,
        remote: &SessionDescription,
    ) -> Result<(), Error> {
        let negotiated = negotiated_transport(local, remote).map_err(Error::Negotiation)?;
        if negotiated.remote_fingerprint.algorithm != HashAlgorithm::Sha256 {
            return Err(Error::InvalidState(
                "only sha-256 fingerprints are supported",
            ));
        }
        let fingerprint = Sha256Fingerprint::parse_hex(&negotiated.remote_fingerprint.hex())
            .map_err(|_| Error::InvalidState("malformed remote fingerprint"))?;
        let role = match negotiated.dtls_role {
            rtcscope_sdp::DtlsRole::Client => DtlsRole::Client,
            rtcscope_sdp::DtlsRole::Server => DtlsRole::Server,
        };
        let candidates: Vec<RemoteCandidate> = negotiated
            .remote_candidates
            .iter()
            .filter_map(|c| RemoteCandidate::parse_sdp(&c.to_string()).ok())
            .collect();

        // New m-sections → stream configurations.
        let mut codecs = Vec::new();
        let mut locals = Vec::new();
        let mut remotes = Vec::new();
        let mut newly_configured = Vec::new();
        let mut directions = Vec::new();
        for media in &negotiated.media {
            let Some(index) = self
                .transceivers
                .iter()
                .position(|t| t.mid.as_deref() == Some(media.mid.as_str()))
            else {
                continue;
            };
            directions.push((index, media.direction));
            let t = &self.transceivers[index];
            if t.configured || t.stopped {
                continue;
            }
            let media_pts = media_payload_types(media);
            let Some(&first_pt) = media_pts.first() else {
                continue;
            };
            for c in codec_config(media) {
                if !codecs
                    .iter()
                    .any(|k: &CodecConfig| k.payload_type == c.payload_type)
                {
                    codecs.push(c);
                }
            }
            let has_rtx = media.rtx.iter().any(|(_, apt)| *apt == first_pt);
            if media.direction.sends() && t.sender_track.is_some() {
                locals.push(LocalStreamConfig {
                    ssrc: t.ssrc,
                    rtx_ssrc: if has_rtx { t.rtx_ssrc } else { None },
                    payload_type: first_pt,
                    kind: t.kind,
                    mid: media.mid.clone(),
                });
            }
            if media.direction.receives() {
                for remote_ssrc in &media.remote_ssrcs {
                    remotes.push(RemoteStreamConfig {
                        ssrc: remote_ssrc.ssrc,
                        rtx_ssrc: remote_ssrc.rtx_ssrc,
                        payload_types: media_pts.clone(),
                        kind: t.kind,
                        mid: media.mid.clone(),
                        track_identifier: t.receiver_track.id.clone(),
                    });
                }
            }
            newly_configured.push(index);
        }
        // Sections not negotiated (rejected by the answer, or stopped) go:
        // their transceivers are stopped (JSEP §5.10).
        let gone: Vec<usize> = self
            .transceivers
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                (t.configured || (t.mid.is_some() && !t.stopped))
                    && !negotiated
                        .media
                        .iter()
                        .any(|m| Some(m.mid.as_str()) == t.mid.as_deref())
            })
            .map(|(i, _)| i)
            .collect();
        let sctp = negotiated.sctp.as_ref().map(|s| SctpConfig {
            remote_max_message_size: u32::try_from(s.remote_max_message_size).unwrap_or(u32::MAX),
            ..SctpConfig::default()
        });

        let ice_changed = self.current_remote.is_none() || self.remote_ice_changed(remote);
        // Transport feedback goes from one of our SSRCs (as Chrome's does).
        let feedback_ssrc = self.transceivers.first().map_or(1, |t| t.ssrc);
        let bwe_config = self.bwe_config;
        let transport = self
            .transport
            .as_mut()
            .ok_or(Error::InvalidState("no transport"))?;
        let first_negotiation = self.current_remote.is_none();
        // Only DTLS/SCTP and streams can be refused: do them first.
        if first_negotiation || (sctp.is_some() && !self.data_negotiated) {
            transport
                .set_negotiated_dtls(role, sctp.clone())
                .map_err(Error::Transport)?;
        }
        transport
            .add_streams(&codecs, &locals, &remotes)
            .map_err(Error::Transport)?;
        // Bundled m-sections share one transport-wide sequence: the first
        // section's negotiated transport-cc id is the one we use.
        let transport_cc = negotiated.media.iter().find_map(|m| {
            m.extensions
                .iter()
                .find(|(_, uri)| uri == rtcscope_sdp::extensions::TRANSPORT_WIDE_CC)
                .map(|(id, _)| *id)
        });
        if transport_cc.is_some() || transport.target_bitrate_bps().is_some() {
            transport.set_transport_cc(now, transport_cc, feedback_ssrc, bwe_config);
        }
        let remote_ice = &negotiated.remote_ice;
        if ice_changed {
            // Credentials were validated by the SDP parser; a refusal here
            // would be an ICE-layer limit, reported but not fatal.
            let _ = transport.set_remote_ice_credentials(now, &remote_ice.ufrag, &remote_ice.pwd);
        }
        for c in candidates {
            let _ = transport.add_remote_candidate(now, c);
        }
        if negotiated.remote_end_of_candidates {
            transport.set_remote_end_of_candidates(now);
        }
        if first_negotiation {
            transport.set_remote_fingerprint(now, fingerprint);
        }
        for index in gone {
            if let (true, Some(mid)) = (
                self.transceivers[index].configured,
                self.transceivers[index].mid.clone(),
            ) {
                transport.remove_mid(now, &mid);
            }
            self.transceivers[index].configured = false;
            self.transceivers[index].stopped = true;
            self.transceivers[index].source = None;
            self.transceivers[index].pipeline = None;
            // Its receivers (and any decoder thread) go with the m-section.
            let remote = &self.transceivers[index].remote_ssrcs;
            self.remote_streams.retain(|s| !remote.contains(&s.ssrc));
        }
        for index in newly_configured {
            self.transceivers[index].configured = true;
        }
        for (index, direction) in directions {
            self.transceivers[index].current_direction = Some(direction);
        }
        if negotiated.sctp.is_some() {
            self.data_negotiated = true;
        }
        self.open_pending_channels(now);
        self.pump(now);
        Ok(())
    }

    /// Channels created before SCTP was negotiated (the DTLS role picks
    /// even or odd stream ids) are created on the transport now.
    pub(crate) fn open_pending_channels(&mut self, now: Instant) {
        if !self.data_negotiated {
            return;
        }
        let Some(transport) = self.transport.as_mut() else {
            return;
        };
        for entry in &mut self.channels {
            if entry.stream_id.is_some() {
                continue;
            }
            if let Some(init) = entry.init.take() {
                match transport.create_data_channel(now, init) {
                    Ok(id) => entry.stream_id = Some(id),
                    Err(_) => entry.open = false,
                }
            }
        }
    }

    /// `ontrack` for every receiver whose remote side sends, once.
    pub(crate) fn fire_track_events(&mut self) {
        let Some(remote) = self
            .pending_remote
            .as_ref()
            .or(self.current_remote.as_ref())
        else {
            return;
        };
        let mut fire = Vec::new();
        for (index, t) in self.transceivers.iter().enumerate() {
            if t.track_fired || t.stopped {
                continue;
            }
            let Some(mid) = t.mid.as_deref() else {
                continue;
            };
            let sends = remote
                .section(mid)
                .is_some_and(|s| !s.is_rejected() && s.direction.sends());
            if sends {
                fire.push(index);
            }
        }
        for index in fire {
            let t = &mut self.transceivers[index];
            t.track_fired = true;
            let event = PeerConnectionEvent::Track {
                receiver: RtpReceiver(super::TransceiverId(index)),
                track: t.receiver_track.clone(),
                mid: t.mid.clone().unwrap_or_default(),
            };
            self.emit(event);
        }
    }
}
