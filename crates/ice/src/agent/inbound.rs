//! Receive path: demultiplexing, request handling (RFC 8445 §7.3) and response handling
//! (§7.2.5). Anything that fails validation is counted and dropped, never answered.

use std::net::SocketAddr;
use std::time::Instant;

use super::relay::Unwrapped;
use super::{DiscardReason, IceAgent, Received, TxKind};
use crate::candidate::{Candidate, CandidateId, CandidateType, candidate_priority};
use crate::pair::{PairId, PairState};
use crate::stun::{self, Class, METHOD_BINDING, StunMessage};

impl IceAgent {
    /// Feeds one received datagram. `from` is the peer's address, `to` the local socket
    /// address it arrived on.
    pub fn handle_receive(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        datagram: &[u8],
    ) -> Received {
        if self.closed {
            return Received::Discarded(DiscardReason::UnknownSource);
        }
        if self.is_turn_server(from, to) {
            match self.unwrap_relayed(from, to, datagram) {
                // A peer's datagram relayed to us: handle it as received on the relayed
                // address (one level only: relayed traffic is never unwrapped again).
                Unwrapped::Relayed {
                    peer,
                    relayed,
                    payload,
                } => {
                    if self.is_turn_server(peer, relayed) {
                        return self.discard(DiscardReason::UnknownSource);
                    }
                    let offset = payload.as_ptr() as usize - datagram.as_ptr() as usize;
                    return match self.handle_receive(now, peer, relayed, payload) {
                        Received::Data { pair, start, len } => Received::Data {
                            pair,
                            start: start + offset,
                            len,
                        },
                        other => other,
                    };
                }
                Unwrapped::Malformed => {
                    return self.discard(DiscardReason::Malformed(stun::StunError::NotStun));
                }
                Unwrapped::NotRelayed => {}
            }
        }
        if !stun::looks_like_stun(datagram) {
            return self.receive_data(now, from, to, datagram.len());
        }
        let msg = match StunMessage::parse(datagram) {
            Ok(msg) => msg,
            Err(e) => {
                self.discards.malformed += 1;
                return Received::Discarded(DiscardReason::Malformed(e));
            }
        };
        if msg.method != METHOD_BINDING && !self.is_turn_server(from, to) {
            self.discards.unsupported_method += 1;
            return Received::Discarded(DiscardReason::UnsupportedMethod);
        }
        let outcome = match msg.class {
            Class::Request => self.handle_request(now, from, to, &msg),
            Class::SuccessResponse | Class::ErrorResponse => {
                self.handle_response(now, from, to, &msg)
            }
            Class::Indication => match self.pair_by_addresses(to, from, true) {
                // Binding indications are keepalives (RFC 8445 §11): count, nothing else.
                Some(pair) => {
                    self.count_stun_received(pair, datagram.len(), now);
                    Received::Stun
                }
                None => {
                    self.discards.unknown_source += 1;
                    Received::Discarded(DiscardReason::UnknownSource)
                }
            },
        };
        self.update_state(now);
        outcome
    }

    fn receive_data(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        len: usize,
    ) -> Received {
        let Some(pair_id) = self.pair_by_addresses(to, from, false) else {
            self.discards.unknown_source += 1;
            return Received::Discarded(DiscardReason::UnknownSource);
        };
        if let Some(pair) = self.pair_mut(pair_id) {
            pair.counters.data_packets_received += 1;
            pair.counters.data_bytes_received += len as u64;
            pair.counters.last_data_received = Some(now);
        }
        self.transport_counters.packets_received += 1;
        self.transport_counters.bytes_received += len as u64;
        Received::Data {
            pair: pair_id,
            start: 0,
            len,
        }
    }

    fn count_stun_received(&mut self, pair: PairId, len: usize, now: Instant) {
        if let Some(p) = self.pair_mut(pair) {
            p.counters.stun_packets_received += 1;
            p.counters.stun_bytes_received += len as u64;
            p.counters.last_stun_received = Some(now);
        }
    }

    fn discard(&mut self, reason: DiscardReason) -> Received {
        match reason {
            DiscardReason::Malformed(_) => self.discards.malformed += 1,
            DiscardReason::UnsupportedMethod => self.discards.unsupported_method += 1,
            DiscardReason::MissingAttributes => self.discards.missing_attributes += 1,
            DiscardReason::WrongUsername => self.discards.wrong_username += 1,
            DiscardReason::BadIntegrity => self.discards.bad_integrity += 1,
            DiscardReason::UnknownTransaction => self.discards.unknown_transaction += 1,
            DiscardReason::UnknownSource => self.discards.unknown_source += 1,
            DiscardReason::UnknownLocalAddress => self.discards.unknown_local_address += 1,
            DiscardReason::OverCapacity => self.discards.over_capacity += 1,
        }
        Received::Discarded(reason)
    }

    /// USERNAME must be "<our ufrag>:<their ufrag>" (their part checked once known).
    fn username_matches(&self, username: &[u8]) -> bool {
        let local = self.local_credentials.ufrag.as_bytes();
        if username.len() <= local.len() || &username[..local.len()] != local {
            return false;
        }
        if username[local.len()] != b':' {
            return false;
        }
        match &self.remote_credentials {
            Some(remote) => &username[local.len() + 1..] == remote.ufrag.as_bytes(),
            None => true,
        }
    }

    fn handle_request(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        msg: &StunMessage<'_>,
    ) -> Received {
        let (Some(username), true, true, Some(priority)) = (
            msg.username,
            msg.has_integrity(),
            msg.has_fingerprint,
            msg.priority,
        ) else {
            return self.discard(DiscardReason::MissingAttributes);
        };
        if !self.username_matches(username) {
            return self.discard(DiscardReason::WrongUsername);
        }
        if !msg.verify_integrity(self.local_credentials.pwd.as_bytes()) {
            return self.discard(DiscardReason::BadIntegrity);
        }
        let Some(local_id) = self
            .local_candidates
            .iter()
            .filter(|c| {
                matches!(c.kind, CandidateType::Host | CandidateType::Relay) && c.base == to
            })
            .max_by_key(|c| c.generation)
            .map(|c| c.id)
        else {
            return self.discard(DiscardReason::UnknownLocalAddress);
        };

        // Role conflict (RFC 8445 §7.3.1.1).
        let mut conflict_reply = false;
        if self.controlling
            && let Some(theirs) = msg.ice_controlling
        {
            if self.tie_breaker >= theirs {
                conflict_reply = true;
            } else {
                self.switch_role(false);
            }
        } else if !self.controlling
            && let Some(theirs) = msg.ice_controlled
        {
            if self.tie_breaker >= theirs {
                self.switch_role(true);
            } else {
                conflict_reply = true;
            }
        }

        // Learn a peer-reflexive remote candidate (RFC 8445 §7.3.1.3) and find the pair.
        let remote_id = match self.remote_candidate_for(from, priority) {
            Some(id) => Some(id),
            None => {
                self.discards.over_capacity += 1;
                None
            }
        };
        let pair = remote_id.and_then(|r| self.add_pair(now, local_id, r));
        if let Some(pair) = pair {
            self.count_stun_received(pair, msg.raw().len(), now);
            if let Some(p) = self.pair_mut(pair) {
                p.counters.requests_received += 1;
            }
        }
        if conflict_reply {
            self.send_role_conflict(now, msg.transaction_id, to, from, pair);
            return Received::Stun;
        }
        self.send_success_response(now, msg.transaction_id, to, from, pair);

        let Some(pair) = pair else {
            return Received::Stun;
        };
        // Triggered check, and nomination on the controlled side (§7.3.1.4, §7.3.1.5).
        let (state, controlling) = (self.pair(pair).map(|p| p.state), self.controlling);
        if !controlling && msg.use_candidate {
            if let Some(p) = self.pair_mut(pair) {
                if p.state == PairState::Succeeded {
                    p.nominated = true;
                } else {
                    p.nominate_on_success = true;
                }
            }
            self.update_selected(now);
        }
        match state {
            Some(PairState::Succeeded) => {}
            Some(PairState::InProgress) => {
                // Our own check is under way; RFC 8445 lets it run rather than start a
                // second transaction.
            }
            _ => self.trigger_check(now, pair),
        }
        Received::Stun
    }

    /// The remote candidate with this address, or a new peer-reflexive one (capped).
    fn remote_candidate_for(&mut self, address: SocketAddr, priority: u32) -> Option<CandidateId> {
        let remote_generation = self.remote_generation;
        if let Some(c) = self
            .remote_candidates
            .iter()
            .find(|c| c.address == address && c.generation == remote_generation)
        {
            return Some(c.id);
        }
        if self.remote_candidates.len() >= self.config.max_remote_candidates {
            return None;
        }
        let id = CandidateId(self.allocate_id());
        let ufrag = self
            .remote_credentials
            .as_ref()
            .map(|c| c.ufrag.clone())
            .unwrap_or_default();
        self.remote_candidates.push(Candidate {
            id,
            kind: CandidateType::PeerReflexive,
            address,
            base: address,
            related_address: None,
            priority,
            // RFC 8445 §7.3.1.3: any value unique to this candidate.
            foundation: format!("prflx{}", id.0),
            component: crate::candidate::COMPONENT_RTP,
            username_fragment: ufrag,
            url: None,
            generation: remote_generation,
        });
        Some(id)
    }

    fn handle_response(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        msg: &StunMessage<'_>,
    ) -> Received {
        let Some(index) = self
            .transactions
            .iter()
            .position(|t| t.id == msg.transaction_id)
        else {
            return self.discard(DiscardReason::UnknownTransaction);
        };
        let kind = self.transactions[index].kind;
        let last_sent = self.transactions[index].last_sent;
        match kind {
            TxKind::ServerBinding { server, base } => {
                let Some(mapped) = msg
                    .xor_mapped_address
                    .filter(|_| msg.class == Class::SuccessResponse)
                else {
                    self.transactions.remove(index);
                    self.check_gathering_complete();
                    return Received::Stun;
                };
                self.transactions.remove(index);
                self.on_server_response(
                    now,
                    server,
                    base,
                    mapped,
                    now.saturating_duration_since(last_sent),
                );
                self.check_gathering_complete();
                Received::Stun
            }
            TxKind::Turn {
                allocation,
                request,
            } => {
                self.transactions.remove(index);
                let rtt = now.saturating_duration_since(last_sent);
                self.on_turn_response(now, allocation, request, msg, rtt);
                Received::Stun
            }
            TxKind::Check { pair, .. } | TxKind::Consent { pair } => {
                let authentic = self
                    .remote_credentials
                    .as_ref()
                    .is_some_and(|c| msg.verify_integrity(c.pwd.as_bytes()));
                if !authentic {
                    return self.discard(DiscardReason::BadIntegrity);
                }
                self.transactions.remove(index);
                self.count_stun_received(pair, msg.raw().len(), now);
                let rtt = now.saturating_duration_since(last_sent);
                let Some(p) = self.pair(pair) else {
                    return Received::Stun;
                };
                // Non-symmetric addresses fail the check (RFC 8445 §7.2.5.2.1).
                if p.remote_address != from || p.local_base != to {
                    if let Some(p) = self.pair_mut(pair) {
                        p.state = PairState::Failed;
                        // A failed nomination lets regular nomination pick another pair.
                        p.nominate_requested = false;
                    }
                    return Received::Stun;
                }
                if let Some(p) = self.pair_mut(pair) {
                    p.counters.responses_received += 1;
                }
                if msg.class == Class::ErrorResponse {
                    return self.on_error_response(now, pair, kind, msg);
                }
                if let Some(p) = self.pair_mut(pair) {
                    p.counters.total_round_trip_time += rtt;
                    p.counters.current_round_trip_time = Some(rtt);
                    p.counters.round_trip_time_measurements += 1;
                }
                if let Some(mapped) = msg.xor_mapped_address {
                    self.learn_local_prflx(pair, mapped);
                }
                if self.selected == Some(pair) {
                    self.last_consent = Some(now);
                }
                if let TxKind::Check { use_candidate, .. } = kind {
                    self.on_check_success(now, pair, use_candidate);
                }
                Received::Stun
            }
        }
    }

    fn on_error_response(
        &mut self,
        now: Instant,
        pair: PairId,
        kind: TxKind,
        msg: &StunMessage<'_>,
    ) -> Received {
        let code = msg.error_code.map(|e| e.code);
        match (kind, code) {
            (TxKind::Check { controlling, .. }, Some(stun::ERROR_ROLE_CONFLICT)) => {
                // RFC 8445 §7.2.5.1: switch role (if we still hold the one we sent) and
                // retry the check.
                if self.controlling == controlling {
                    self.switch_role(!controlling);
                }
                if let Some(p) = self.pair_mut(pair) {
                    p.state = PairState::Waiting;
                }
                self.trigger_check(now, pair);
            }
            (TxKind::Check { .. }, _) => {
                if let Some(p) = self.pair_mut(pair) {
                    p.state = PairState::Failed;
                    // A failed nomination lets regular nomination pick another pair.
                    p.nominate_requested = false;
                }
            }
            (_, _) => {}
        }
        Received::Stun
    }

    /// A mapped address that is not one of our candidates is a local peer-reflexive
    /// candidate (RFC 8445 §7.2.5.3.1); its base is the pair's base, so the pair itself
    /// stays the valid pair.
    fn learn_local_prflx(&mut self, pair: PairId, mapped: std::net::SocketAddr) {
        if self.local_candidates.iter().any(|c| c.address == mapped) {
            return;
        }
        let Some(p) = self.pair(pair) else {
            return;
        };
        let (base, local_priority) = (p.local_base, p.local_priority);
        if self.local_candidates.len() >= self.config.max_remote_candidates {
            return;
        }
        let local_preference = ((local_priority >> 8) & 0xFFFF) as u16;
        let id = CandidateId(self.allocate_id());
        let ufrag = self.local_credentials.ufrag.clone();
        self.local_candidates.push(Candidate {
            id,
            kind: CandidateType::PeerReflexive,
            address: mapped,
            base,
            related_address: Some(base),
            priority: candidate_priority(CandidateType::PeerReflexive, local_preference, 1),
            foundation: crate::candidate::compute_foundation(
                CandidateType::PeerReflexive,
                base.ip(),
                None,
            ),
            component: crate::candidate::COMPONENT_RTP,
            username_fragment: ufrag,
            url: None,
            generation: self.generation,
        });
    }

    /// A STUN server told us our mapped address: a server-reflexive candidate, unless it
    /// equals the base (no NAT) or is already known (RFC 8445 §5.1.3 redundancy).
    fn on_server_response(
        &mut self,
        _now: Instant,
        server: usize,
        base: SocketAddr,
        mapped: SocketAddr,
        rtt: std::time::Duration,
    ) {
        let Some(server_state) = self.servers.get_mut(server) else {
            return;
        };
        server_state.stats.total_responses_received += 1;
        server_state.stats.total_round_trip_time += rtt;
        let url = server_state.url.clone();
        if mapped == base || self.local_candidates.iter().any(|c| c.address == mapped) {
            return;
        }
        let Some(host) = self
            .local_candidates
            .iter()
            .find(|c| c.kind == CandidateType::Host && c.base == base)
        else {
            return;
        };
        let local_preference = ((host.priority >> 8) & 0xFFFF) as u16;
        let id = CandidateId(self.allocate_id());
        let candidate = Candidate {
            id,
            kind: CandidateType::ServerReflexive,
            address: mapped,
            base,
            related_address: Some(base),
            priority: candidate_priority(CandidateType::ServerReflexive, local_preference, 1),
            foundation: crate::candidate::compute_foundation(
                CandidateType::ServerReflexive,
                base.ip(),
                Some(&url),
            ),
            component: crate::candidate::COMPONENT_RTP,
            username_fragment: self.local_credentials.ufrag.clone(),
            url: Some(url),
            generation: self.generation,
        };
        self.local_candidates.push(candidate.clone());
        self.events
            .push_back(super::IceEvent::LocalCandidate(candidate));
    }
}
