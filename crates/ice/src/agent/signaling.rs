//! What the signalling channel feeds in: remote credentials and (trickled) candidates,
//! end-of-candidates, and ICE restarts (RFC 8445 §9, RFC 8838).

use std::time::Instant;

use super::{Credentials, IceAgent, RemoteError, TxKind};
use crate::candidate::{COMPONENT_RTP, Candidate, CandidateId, CandidateType, RemoteCandidate};

impl IceAgent {
    /// The peer's ufrag and password (from its SDP). A different ufrag than before means the
    /// peer restarted ICE: its old candidates are dropped.
    pub fn set_remote_credentials(
        &mut self,
        now: Instant,
        ufrag: &str,
        pwd: &str,
    ) -> Result<(), RemoteError> {
        if self.closed {
            return Err(RemoteError::Closed);
        }
        let ice_chars = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        };
        if !(4..=256).contains(&ufrag.len())
            || !(22..=256).contains(&pwd.len())
            || !ice_chars(ufrag)
            || !ice_chars(pwd)
        {
            return Err(RemoteError::BadCredentials);
        }
        if let Some(old) = &self.remote_credentials {
            if old.ufrag == ufrag && old.pwd == pwd {
                return Ok(());
            }
            // Remote ICE restart: forget the old generation's candidates except those the
            // selected pair still uses.
            self.drop_remote_generation();
        }
        // A new remote generation starts when the peer changes credentials, or (already
        // counted by `restart`) when we restarted.
        if self.remote_credentials.is_some() {
            self.remote_generation += 1;
        }
        self.remote_credentials = Some(Credentials {
            ufrag: ufrag.to_string(),
            pwd: pwd.to_string(),
        });
        self.remote_end_of_candidates = false;
        self.schedule_pacing(now);
        self.update_state(now);
        Ok(())
    }

    /// Adds a trickled or signalled remote candidate; returns its id.
    pub fn add_remote_candidate(
        &mut self,
        now: Instant,
        candidate: RemoteCandidate,
    ) -> Result<CandidateId, RemoteError> {
        if self.closed {
            return Err(RemoteError::Closed);
        }
        if candidate.component != COMPONENT_RTP {
            return Err(RemoteError::UnsupportedComponent);
        }
        if let (Some(ufrag), Some(creds)) = (&candidate.username_fragment, &self.remote_credentials)
            && *ufrag != creds.ufrag
        {
            return Err(RemoteError::WrongGeneration);
        }
        let remote_generation = self.remote_generation;
        if let Some(existing) = self
            .remote_candidates
            .iter_mut()
            .find(|c| c.address == candidate.address && c.generation == remote_generation)
        {
            // A signalled candidate replaces what we learned as peer-reflexive
            // (RFC 8445 §7.3.1.3); the id stays.
            if existing.kind == CandidateType::PeerReflexive {
                existing.kind = candidate.kind;
                existing.foundation = candidate.foundation.clone();
                existing.related_address = candidate.related_address;
            }
            return Ok(existing.id);
        }
        if self.remote_candidates.len() >= self.config.max_remote_candidates {
            self.discards.over_capacity += 1;
            return Err(RemoteError::TooManyCandidates);
        }
        let id = CandidateId(self.allocate_id());
        let ufrag = self
            .remote_credentials
            .as_ref()
            .map(|c| c.ufrag.clone())
            .or(candidate.username_fragment.clone())
            .unwrap_or_default();
        self.remote_candidates.push(Candidate {
            id,
            kind: candidate.kind,
            address: candidate.address,
            base: candidate.address,
            related_address: candidate.related_address,
            priority: candidate.priority,
            foundation: candidate.foundation,
            component: candidate.component,
            username_fragment: ufrag,
            url: None,
            generation: remote_generation,
        });
        self.pair_new_remote(now, id);
        self.schedule_pacing(now);
        self.update_state(now);
        Ok(id)
    }

    /// The peer signalled end-of-candidates (RFC 8838 §8.2).
    pub fn set_remote_end_of_candidates(&mut self, now: Instant) {
        self.remote_end_of_candidates = true;
        self.update_state(now);
    }

    /// ICE restart (RFC 8445 §9): new local credentials and candidates; pairs of the old
    /// generation go except the selected one, which carries data until a new pair is
    /// selected. Ids are never reused.
    pub fn restart(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.generation += 1;
        self.local_credentials = Credentials {
            ufrag: self.rng.ice_string(8),
            pwd: self.rng.ice_string(24),
        };
        let keep = self
            .selected
            .and_then(|id| self.pair(id))
            .map(|p| (p.id, p.local, p.remote));
        self.pairs.retain(|p| Some(p.id) == keep.map(|k| k.0));
        self.local_candidates
            .retain(|c| Some(c.id) == keep.map(|k| k.1));
        self.remote_candidates
            .retain(|c| Some(c.id) == keep.map(|k| k.2));
        self.transactions.retain(
            |t| matches!(t.kind, TxKind::Consent { pair } if Some(pair) == keep.map(|k| k.0)),
        );
        self.triggered.clear();
        self.remote_credentials = None;
        // Both sides change credentials on a restart: whatever the peer trickles from now
        // on belongs to its next generation.
        self.remote_generation += 1;
        self.remote_end_of_candidates = false;
        self.gathering_complete = false;
        self.first_valid_at = None;
        self.gather(now);
        self.update_state(now);
    }

    pub(crate) fn drop_remote_generation(&mut self) {
        let keep = self
            .selected
            .and_then(|id| self.pair(id))
            .map(|p| (p.id, p.remote));
        self.pairs.retain(|p| Some(p.id) == keep.map(|k| k.0));
        self.remote_candidates
            .retain(|c| Some(c.id) == keep.map(|k| k.1));
        self.transactions.retain(|t| match t.kind {
            TxKind::Check { pair, .. } | TxKind::Consent { pair } => {
                Some(pair) == keep.map(|k| k.0)
            }
            TxKind::ServerBinding { .. } | TxKind::Turn { .. } => true,
        });
        self.triggered.clear();
    }
}
