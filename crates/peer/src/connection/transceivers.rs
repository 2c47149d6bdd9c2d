//! Transceivers, senders and receivers: addTrack, addTransceiver, stop,
//! the handles' accessors, and synthetic media attached to a sender.

use std::time::Instant;

use rtcscope_sdp::Direction;
use rtcscope_stats::MediaKind;

use super::{
    MAX_TRANSCEIVERS, MediaStreamTrack, PeerConnectionError, RTCPeerConnection, RtpReceiver,
    RtpSender, Transceiver, TransceiverId, next_random,
};
use crate::synthetic::{SyntheticCounters, SyntheticSource};

impl RTCPeerConnection {
    fn fresh_ssrc(&mut self) -> u32 {
        loop {
            let s = next_random(&mut self.rng) as u32;
            let used = self
                .transceivers
                .iter()
                .any(|t| t.ssrc == s || t.rtx_ssrc == Some(s) || t.remote_ssrcs.contains(&s));
            if s != 0 && !used {
                return s;
            }
        }
    }

    pub(crate) fn new_transceiver(
        &mut self,
        kind: MediaKind,
        direction: Direction,
        track: Option<MediaStreamTrack>,
    ) -> Result<TransceiverId, PeerConnectionError> {
        if self.closed {
            return Err(PeerConnectionError::Closed);
        }
        if self.transceivers.len() >= MAX_TRANSCEIVERS {
            return Err(PeerConnectionError::InvalidState("too many transceivers"));
        }
        let ssrc = self.fresh_ssrc();
        let rtx_ssrc = match kind {
            MediaKind::Video => {
                // Reserve it before drawing the next one.
                let rtx = loop {
                    let s = self.fresh_ssrc();
                    if s != ssrc {
                        break s;
                    }
                };
                Some(rtx)
            }
            MediaKind::Audio => None,
        };
        let receiver_id = format!("{:016x}", next_random(&mut self.rng));
        self.transceivers.push(Transceiver {
            kind,
            mid: None,
            direction,
            current_direction: None,
            sender_track: track,
            ssrc,
            rtx_ssrc,
            receiver_track: MediaStreamTrack {
                id: receiver_id,
                kind,
            },
            remote_ssrcs: Vec::new(),
            configured: false,
            stopped: false,
            track_fired: false,
            source: None,
            pipeline: None,
            created_by_remote: false,
        });
        Ok(TransceiverId(self.transceivers.len() - 1))
    }

    /// `addTrack`: a sendrecv transceiver sending `track`.
    pub fn add_track(&mut self, track: MediaStreamTrack) -> Result<RtpSender, PeerConnectionError> {
        let duplicate = self
            .transceivers
            .iter()
            .any(|t| !t.stopped && t.sender_track.as_ref().is_some_and(|s| s.id == track.id));
        if duplicate {
            return Err(PeerConnectionError::InvalidAccess(
                "track already has a sender",
            ));
        }
        let kind = track.kind;
        self.new_transceiver(kind, Direction::SendRecv, Some(track))
            .map(RtpSender)
    }

    /// `addTransceiver(kind, {direction})` without a track.
    pub fn add_transceiver(
        &mut self,
        kind: MediaKind,
        direction: Direction,
    ) -> Result<TransceiverId, PeerConnectionError> {
        self.new_transceiver(kind, direction, None)
    }

    /// `transceiver.stop()`: its m-section is rejected at the next
    /// negotiation and its stats objects disappear now, for good.
    pub fn stop_transceiver(
        &mut self,
        now: Instant,
        id: TransceiverId,
    ) -> Result<(), PeerConnectionError> {
        let t = self
            .transceivers
            .get_mut(id.0)
            .ok_or(PeerConnectionError::UnknownHandle)?;
        if t.stopped {
            return Ok(());
        }
        t.stopped = true;
        t.direction = Direction::Inactive;
        t.source = None;
        t.pipeline = None;
        // Its receivers (and any decoder thread) go with it.
        let remote = &t.remote_ssrcs;
        self.remote_streams.retain(|s| !remote.contains(&s.ssrc));
        if let (true, Some(mid), Some(transport)) =
            (t.configured, t.mid.clone(), self.transport.as_mut())
        {
            transport.remove_mid(now, &mid);
            t.configured = false;
        }
        self.stats_cache = None;
        Ok(())
    }

    pub fn senders(&self) -> Vec<RtpSender> {
        (0..self.transceivers.len())
            .map(|i| RtpSender(TransceiverId(i)))
            .collect()
    }

    pub fn receivers(&self) -> Vec<RtpReceiver> {
        (0..self.transceivers.len())
            .map(|i| RtpReceiver(TransceiverId(i)))
            .collect()
    }

    pub fn transceiver_mid(&self, id: TransceiverId) -> Option<&str> {
        self.transceivers.get(id.0)?.mid.as_deref()
    }

    /// The track a receiver delivers (its id is inbound-rtp `trackIdentifier`).
    pub fn receiver_track(&self, receiver: RtpReceiver) -> Option<&MediaStreamTrack> {
        self.transceivers
            .get(receiver.0.0)
            .map(|t| &t.receiver_track)
    }

    /// The sender's SSRC (and RTX SSRC) as signalled.
    pub fn sender_ssrcs(&self, sender: RtpSender) -> Option<(u32, Option<u32>)> {
        self.transceivers
            .get(sender.0.0)
            .map(|t| (t.ssrc, t.rtx_ssrc))
    }

    /// Attaches a synthetic source of the sender's kind (see
    /// [`crate::synthetic`]); it starts once media can flow.
    pub fn start_synthetic_media(&mut self, sender: RtpSender) -> Result<(), PeerConnectionError> {
        let seed = next_random(&mut self.rng);
        let t = self
            .transceivers
            .get_mut(sender.0.0)
            .ok_or(PeerConnectionError::UnknownHandle)?;
        if t.sender_track.is_none() || t.stopped {
            return Err(PeerConnectionError::InvalidState("sender has no track"));
        }
        if t.source.is_none() {
            t.source = Some(SyntheticSource::new(t.kind, seed));
        }
        Ok(())
    }

    /// Pauses the sender's synthetic source (its counters stay readable).
    pub fn pause_synthetic_media(&mut self, sender: RtpSender) -> Result<(), PeerConnectionError> {
        let t = self
            .transceivers
            .get_mut(sender.0.0)
            .ok_or(PeerConnectionError::UnknownHandle)?;
        if let Some(source) = t.source.as_mut() {
            source.pause();
        }
        Ok(())
    }

    /// What the sender's synthetic source handed to the transport.
    pub fn synthetic_counters(&self, sender: RtpSender) -> Option<SyntheticCounters> {
        self.transceivers
            .get(sender.0.0)?
            .source
            .as_ref()
            .map(|s| s.counters)
    }
}
