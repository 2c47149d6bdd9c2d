//! JSEP: createOffer/createAnswer, setLocal/RemoteDescription, addIceCandidate.
//! Every fallible step runs before anything changes, so a refused
//! description leaves the connection as it was.

use std::time::Instant;

use rtcscope_dtls::DtlsRole;
use rtcscope_ice::{IceConfig, RemoteCandidate};
use rtcscope_sdp::{
    Candidate, Direction, Fingerprint, HashAlgorithm, IceCredentials, LocalConfig, LocalTrack,
    MediaCapabilities, MediaKind as SdpKind, OfferedSection, SdpType, SessionDescription,
    create_offer,
};
use rtcscope_stats::MediaKind;

use super::{
    PeerConnectionError as Error, RTCIceCandidateInit, RTCPeerConnection, RTCSessionDescription,
    RTCSignalingState, Section, next_random,
};
use crate::config::BundleConfig;
use crate::transport::BundleTransport;

const STREAM_ID: &str = "rtcscope";

fn sdp_kind(kind: MediaKind) -> SdpKind {
    match kind {
        MediaKind::Audio => SdpKind::Audio,
        MediaKind::Video => SdpKind::Video,
    }
}

/// `AB:CD:..` → bytes (the transport's fingerprint as the SDP model wants it).
fn fingerprint_bytes(hex: &str) -> Vec<u8> {
    hex.split(':')
        .filter_map(|h| u8::from_str_radix(h, 16).ok())
        .collect()
}

impl RTCPeerConnection {
    /// Creates the transport on the first description: the offerer is ICE
    /// controlling. The DTLS role is provisional until the answer.
    fn ensure_transport(&mut self, now: Instant, controlling: bool) -> Result<(), Error> {
        if self.transport.is_some() {
            return Ok(());
        }
        let mut seed = [0u8; 32];
        for chunk in seed.chunks_mut(8) {
            chunk.copy_from_slice(&next_random(&mut self.rng).to_le_bytes());
        }
        let mut ice = IceConfig::new(self.config.local_addresses.clone(), controlling, seed);
        let (stun, turn) = super::ice_servers::ice_servers(&self.config.ice_servers)?;
        ice.stun_servers = stun;
        ice.turn_servers = turn;
        // An offerer says actpass and Chrome answers active: server until told.
        let role = if controlling {
            DtlsRole::Server
        } else {
            DtlsRole::Client
        };
        let mut config = BundleConfig::new(ice, self.certificate.clone(), role)
            .map_err(|e| Error::Certificate(e.to_string()))?;
        config.seed = next_random(&mut self.rng);
        config.rtcp.cname = format!("{:016x}", next_random(&mut self.rng));
        config.rtcp.receive_only_ssrc = (next_random(&mut self.rng) as u32) | 1;
        let transport = BundleTransport::new(config, now, &self.clock).map_err(Error::Transport)?;
        self.transport = Some(transport);
        self.pump(now);
        Ok(())
    }

    pub(crate) fn local_ice(&self) -> Result<(IceCredentials, Fingerprint), Error> {
        let t = self
            .transport
            .as_ref()
            .ok_or(Error::InvalidState("no transport"))?;
        let (ufrag, pwd) = t.local_ice_credentials();
        let fingerprint = Fingerprint {
            algorithm: HashAlgorithm::Sha256,
            bytes: fingerprint_bytes(&t.local_fingerprint().to_hex()),
        };
        Ok((
            IceCredentials {
                ufrag: ufrag.to_string(),
                pwd: pwd.to_string(),
            },
            fingerprint,
        ))
    }

    fn cname(&self) -> String {
        format!("{:016x}", self.config.seed)
    }

    pub(crate) fn local_track(&self, index: usize) -> Option<LocalTrack> {
        let t = self.transceivers.get(index)?;
        let track = t.sender_track.as_ref()?;
        Some(LocalTrack {
            stream_id: STREAM_ID.to_string(),
            track_id: track.id.clone(),
            cname: self.cname(),
            ssrc: t.ssrc,
            rtx_ssrc: t.rtx_ssrc,
        })
    }

    fn assign_mid(&mut self) -> String {
        loop {
            let mid = self.next_mid.to_string();
            self.next_mid += 1;
            let taken = self
                .transceivers
                .iter()
                .any(|t| t.mid.as_deref() == Some(&mid))
                || self.data_mid.as_deref() == Some(&mid);
            if !taken {
                return mid;
            }
        }
    }

    /// `createOffer()`: every transceiver and the data channel section, in
    /// m-line order; stopped transceivers are rejected (port 0).
    pub fn create_offer(&mut self, now: Instant) -> Result<RTCSessionDescription, Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        if self.signaling == RTCSignalingState::HaveRemoteOffer {
            return Err(Error::InvalidState("createOffer in have-remote-offer"));
        }
        self.ensure_transport(now, true)?;
        if self.ice_restart_pending && self.current_remote.is_some() {
            self.ice_restart_pending = false;
            if let Some(t) = self.transport.as_mut() {
                t.restart_ice(now);
            }
            self.pump(now);
        }
        for i in 0..self.transceivers.len() {
            if self.transceivers[i].mid.is_none() && !self.transceivers[i].stopped {
                let mid = self.assign_mid();
                self.transceivers[i].mid = Some(mid);
                self.sections.push(Section::Media(i));
            }
        }
        if self.data_wanted && self.data_mid.is_none() {
            let mid = self.assign_mid();
            self.data_mid = Some(mid);
            self.sections.push(Section::Data);
        }
        let (ice, fingerprint) = self.local_ice()?;
        let mut sections = Vec::new();
        let mut rejected = Vec::new();
        for section in &self.sections {
            match *section {
                Section::Media(i) => {
                    let t = &self.transceivers[i];
                    let Some(mid) = t.mid.clone() else { continue };
                    if t.stopped {
                        rejected.push(mid.clone());
                    }
                    sections.push(OfferedSection {
                        kind: sdp_kind(t.kind),
                        mid,
                        direction: t.direction,
                        track: self.local_track(i),
                    });
                }
                Section::Data => sections.push(OfferedSection {
                    kind: SdpKind::Application,
                    mid: self.data_mid.clone().unwrap_or_default(),
                    direction: Direction::SendRecv,
                    track: None,
                }),
            }
        }
        self.session_version += 1;
        let mut offer = create_offer(&LocalConfig {
            session_id: self.session_id,
            session_version: self.session_version,
            ice,
            fingerprint,
            sections,
            media: MediaCapabilities::default(),
        });
        for section in &mut offer.media {
            if rejected.contains(&section.mid) {
                section.port = 0;
                section.ssrcs.clear();
                section.fid_groups.clear();
                section.msid = None;
            }
        }
        offer.bundle.retain(|mid| !rejected.contains(mid));
        let sdp = offer.to_sdp();
        self.last_offer = Some(sdp.clone());
        Ok(RTCSessionDescription {
            sdp_type: SdpType::Offer,
            sdp,
        })
    }

    /// `setLocalDescription(description)`.
    pub fn set_local_description(
        &mut self,
        now: Instant,
        description: &RTCSessionDescription,
    ) -> Result<(), Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        if description.sdp_type == SdpType::Rollback {
            return self.rollback(RTCSignalingState::HaveLocalOffer);
        }
        let parsed = SessionDescription::parse(description.sdp_type, &description.sdp)
            .map_err(Error::InvalidSdp)?;
        match description.sdp_type {
            SdpType::Offer => {
                if !matches!(
                    self.signaling,
                    RTCSignalingState::Stable | RTCSignalingState::HaveLocalOffer
                ) {
                    return Err(Error::InvalidState("local offer in have-remote-offer"));
                }
                if self.last_offer.as_deref() != Some(description.sdp.as_str()) {
                    return Err(Error::InvalidState("not the offer createOffer made"));
                }
                self.pending_local = Some(parsed);
                self.set_signaling(RTCSignalingState::HaveLocalOffer);
            }
            SdpType::Answer => {
                if self.signaling != RTCSignalingState::HaveRemoteOffer {
                    return Err(Error::InvalidState("local answer without a remote offer"));
                }
                if self.last_answer.as_deref() != Some(description.sdp.as_str()) {
                    return Err(Error::InvalidState("not the answer createAnswer made"));
                }
                let remote = self
                    .pending_remote
                    .clone()
                    .ok_or(Error::InvalidState("no remote offer"))?;
                self.apply_negotiation(now, &parsed, &remote)?;
                self.current_local = Some(parsed);
                self.current_remote = Some(remote);
                self.pending_local = None;
                self.pending_remote = None;
                self.stable_sections = self.sections.len();
                self.set_signaling(RTCSignalingState::Stable);
            }
            _ => return Err(Error::InvalidState("only offers and answers are supported")),
        }
        self.release_candidates();
        self.stats_cache = None;
        Ok(())
    }

    /// `setRemoteDescription(description)`. Malformed, hostile or
    /// unanswerable SDP is refused and nothing changes.
    pub fn set_remote_description(
        &mut self,
        now: Instant,
        description: &RTCSessionDescription,
    ) -> Result<(), Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        if description.sdp_type == SdpType::Rollback {
            return self.rollback(RTCSignalingState::HaveRemoteOffer);
        }
        let parsed = SessionDescription::parse(description.sdp_type, &description.sdp)
            .map_err(Error::InvalidSdp)?;
        match description.sdp_type {
            SdpType::Offer => {
                if self.signaling != RTCSignalingState::Stable {
                    return Err(Error::InvalidState("remote offer while not stable"));
                }
                self.check_remote_offer(&parsed)?;
                self.check_answerable(&parsed)?;
                self.ensure_transport(now, false)?;
                // The peer restarts ICE (new credentials): so do we (RFC 8445 §9).
                if self.remote_ice_changed(&parsed)
                    && let Some(t) = self.transport.as_mut()
                {
                    t.restart_ice(now);
                    self.pump(now);
                }
                self.adopt_remote_sections(&parsed);
                self.pending_remote = Some(parsed);
                self.set_signaling(RTCSignalingState::HaveRemoteOffer);
            }
            SdpType::Answer => {
                if self.signaling != RTCSignalingState::HaveLocalOffer {
                    return Err(Error::InvalidState("remote answer without a local offer"));
                }
                let local = self
                    .pending_local
                    .clone()
                    .ok_or(Error::InvalidState("no local offer"))?;
                self.apply_negotiation(now, &local, &parsed)?;
                self.current_local = Some(local);
                self.current_remote = Some(parsed);
                self.pending_local = None;
                self.pending_remote = None;
                self.stable_sections = self.sections.len();
                self.set_signaling(RTCSignalingState::Stable);
            }
            _ => return Err(Error::InvalidState("only offers and answers are supported")),
        }
        self.stats_cache = None;
        self.fire_track_events();
        Ok(())
    }

    /// Whether `remote` carries other ICE credentials than the current remote
    /// description (an ICE restart); false on the first negotiation.
    pub(crate) fn remote_ice_changed(&self, remote: &SessionDescription) -> bool {
        let current = self.current_remote.as_ref().and_then(|r| {
            r.media
                .iter()
                .find(|s| !s.is_rejected())
                .and_then(|s| r.ice_for(s))
        });
        let new = remote
            .media
            .iter()
            .find(|s| !s.is_rejected())
            .and_then(|s| remote.ice_for(s));
        matches!((current, new), (Some(c), Some(n)) if c != n)
    }

    pub(crate) fn set_signaling(&mut self, state: RTCSignalingState) {
        if self.signaling != state {
            self.signaling = state;
            self.emit(super::PeerConnectionEvent::SignalingStateChange(state));
        }
    }

    /// `addIceCandidate(candidate)`; an empty candidate is end-of-candidates.
    pub fn add_ice_candidate(
        &mut self,
        now: Instant,
        candidate: &RTCIceCandidateInit,
    ) -> Result<(), Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        if self.current_remote.is_none() && self.pending_remote.is_none() {
            return Err(Error::InvalidState(
                "addIceCandidate before setRemoteDescription",
            ));
        }
        let mid_known = candidate.sdp_mid.as_deref().is_none_or(|mid| {
            self.transceivers
                .iter()
                .any(|t| t.mid.as_deref() == Some(mid))
                || self.data_mid.as_deref() == Some(mid)
        });
        if !mid_known {
            return Err(Error::InvalidCandidate("unknown sdpMid".to_string()));
        }
        let transport = self
            .transport
            .as_mut()
            .ok_or(Error::InvalidState("no transport"))?;
        if candidate.candidate.trim().is_empty() {
            transport.set_remote_end_of_candidates(now);
        } else {
            // Validate with the SDP grammar first (typed errors, length caps).
            let parsed = Candidate::parse(&candidate.candidate)
                .map_err(|e| Error::InvalidCandidate(e.to_string()))?;
            let mut remote = RemoteCandidate::parse_sdp(&parsed.to_string())
                .map_err(|e| Error::InvalidCandidate(e.to_string()))?;
            if remote.username_fragment.is_none() {
                remote.username_fragment = candidate.username_fragment.clone();
            }
            transport
                .add_remote_candidate(now, remote)
                .map_err(|e| Error::InvalidCandidate(e.to_string()))?;
        }
        self.stats_cache = None;
        self.pump(now);
        Ok(())
    }
}
