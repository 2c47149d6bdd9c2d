//! The answering side of JSEP: createAnswer, checking a remote offer
//! before anything changes, and adopting its new m-sections.

use std::time::Instant;

use rtcscope_dtls::DtlsRole;
use rtcscope_sdp::{
    Direction, Fingerprint, HashAlgorithm, IceCredentials, LocalCapabilities, MediaCapabilities,
    MediaKind as SdpKind, RemoteOffer, SdpType, SessionDescription, Setup, create_answer,
};
use rtcscope_stats::MediaKind;

use super::{
    PeerConnectionError as Error, RTCPeerConnection, RTCSessionDescription, RTCSignalingState,
    Section,
};

impl RTCPeerConnection {
    /// `createAnswer()` to the pending remote offer.
    pub fn create_answer(&mut self, _now: Instant) -> Result<RTCSessionDescription, Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        if self.signaling != RTCSignalingState::HaveRemoteOffer {
            return Err(Error::InvalidState("createAnswer without a remote offer"));
        }
        let remote = self
            .pending_remote
            .clone()
            .ok_or(Error::InvalidState("no remote offer"))?;
        let answer = self.answer_to(&remote)?;
        let sdp = answer.to_sdp();
        self.last_answer = Some(sdp.clone());
        Ok(RTCSessionDescription {
            sdp_type: SdpType::Answer,
            sdp,
        })
    }

    pub(crate) fn answer_to(
        &self,
        offer: &SessionDescription,
    ) -> Result<SessionDescription, Error> {
        let (ice, fingerprint) = self.local_ice()?;
        self.answer_with(offer, ice, fingerprint)
    }

    /// Whether we can answer `offer`, before anything (even the transport)
    /// is created: placeholder credentials when there is no transport yet.
    pub(crate) fn check_answerable(&self, offer: &SessionDescription) -> Result<(), Error> {
        let (ice, fingerprint) = self.local_ice().unwrap_or_else(|_| {
            (
                IceCredentials {
                    ufrag: "chck".to_string(),
                    pwd: "0123456789abcdefghijklmn".to_string(),
                },
                Fingerprint {
                    algorithm: HashAlgorithm::Sha256,
                    bytes: vec![0; 32],
                },
            )
        });
        let answer = self.answer_with(offer, ice, fingerprint)?;
        rtcscope_sdp::negotiated_transport(&answer, offer).map_err(Error::Negotiation)?;
        Ok(())
    }

    fn answer_with(
        &self,
        offer: &SessionDescription,
        ice: IceCredentials,
        fingerprint: Fingerprint,
    ) -> Result<SessionDescription, Error> {
        let mut audio_tracks = Vec::new();
        let mut video_tracks = Vec::new();
        for section in &offer.media {
            let Some(i) = self
                .transceivers
                .iter()
                .position(|t| t.mid.as_deref() == Some(section.mid.as_str()) && !t.stopped)
            else {
                continue;
            };
            if let Some(track) = self.local_track(i) {
                match self.transceivers[i].kind {
                    MediaKind::Audio => audio_tracks.push(track),
                    MediaKind::Video => video_tracks.push(track),
                }
            }
        }
        let remote = RemoteOffer::try_from(offer.clone()).map_err(Error::Negotiation)?;
        let mut answer = create_answer(
            &remote,
            &LocalCapabilities {
                session_id: self.session_id,
                session_version: self.session_version + 1,
                ice,
                fingerprint,
                media: MediaCapabilities::default(),
                accept_audio: true,
                accept_video: true,
                accept_data_channel: true,
                audio_tracks,
                video_tracks,
            },
        )
        .map_err(Error::Negotiation)?;
        // Renegotiation keeps the DTLS roles (RFC 8842 §5.3): a DTLS server
        // answering the peer's re-offer says passive, not active.
        let server = self
            .transport
            .as_ref()
            .is_some_and(|t| t.dtls_role() == DtlsRole::Server);
        if self.current_remote.is_some() && server {
            for section in &mut answer.media {
                if section.setup == Some(Setup::Active) {
                    section.setup = Some(Setup::Passive);
                }
            }
        }
        Ok(answer)
    }

    /// A renegotiation offer must keep the m-lines we know in their place
    /// (RFC 8829 §5.8) and stay within our transceiver cap.
    pub(crate) fn check_remote_offer(&self, offer: &SessionDescription) -> Result<(), Error> {
        for (index, section) in self.sections.iter().enumerate() {
            let mid = match *section {
                Section::Media(i) => self.transceivers[i].mid.clone(),
                Section::Data => self.data_mid.clone(),
            };
            let offered = offer.media.get(index).map(|s| s.mid.clone());
            if mid.is_some() && offered != mid {
                return Err(Error::InvalidState(
                    "remote offer reorders or drops m-lines",
                ));
            }
        }
        let new_media = offer
            .media
            .iter()
            .skip(self.sections.len())
            .filter(|s| s.kind.is_rtp())
            .count();
        if self.transceivers.len() + new_media > super::MAX_TRANSCEIVERS {
            return Err(Error::InvalidState("remote offer has too many m-sections"));
        }
        Ok(())
    }

    /// New m-sections of a remote offer get a transceiver: one of ours of
    /// the same kind not yet negotiated (addTrack before the offer arrived),
    /// else a new recvonly one.
    pub(crate) fn adopt_remote_sections(&mut self, offer: &SessionDescription) {
        for section in offer.media.iter().skip(self.sections.len()) {
            match &section.kind {
                SdpKind::Audio | SdpKind::Video => {
                    let kind = if section.kind == SdpKind::Audio {
                        MediaKind::Audio
                    } else {
                        MediaKind::Video
                    };
                    let reusable = self
                        .transceivers
                        .iter()
                        .position(|t| t.kind == kind && t.mid.is_none() && !t.stopped);
                    let index = match reusable {
                        Some(i) => i,
                        None => match self.new_transceiver(kind, Direction::RecvOnly, None) {
                            Ok(id) => {
                                self.transceivers[id.0].created_by_remote = true;
                                id.0
                            }
                            Err(_) => continue,
                        },
                    };
                    self.transceivers[index].mid = Some(section.mid.clone());
                    if section.is_rejected() {
                        self.transceivers[index].stopped = true;
                    }
                    self.sections.push(Section::Media(index));
                }
                SdpKind::Application => {
                    self.data_mid = Some(section.mid.clone());
                    self.sections.push(Section::Data);
                }
                SdpKind::Other(_) => {}
            }
        }
        // Remote SSRCs (for stats and track events) and rejected sections.
        for section in &offer.media {
            if let Some(t) = self
                .transceivers
                .iter_mut()
                .find(|t| t.mid.as_deref() == Some(section.mid.as_str()))
            {
                if section.is_rejected() {
                    t.stopped = true;
                }
                t.remote_ssrcs = section.ssrcs.iter().map(|s| s.ssrc).collect();
            }
        }
    }
}
