//! Checklist: pair formation, unfreezing, Ta pacing, retransmissions, nomination and role
//! switches (RFC 8445 §6.1.2, §6.1.4, §7.2.5, §8.1; RFC 8838 §10 for trickled pairs).

use std::time::Instant;

use super::{IceAgent, IceEvent, IceRole, TxKind};
use crate::candidate::{CandidateId, CandidateType};
use crate::config::NominationMode;
use crate::pair::{Pair, PairId, PairState};

impl IceAgent {
    /// Pairs a new local host candidate with every remote candidate of its family.
    pub(crate) fn pair_new_local(&mut self, now: Instant, local: CandidateId) {
        // Only the current generations pair up (an ICE restart keeps the old selected
        // pair's candidates around, but they form no new pairs).
        let remote_generation = self.remote_generation;
        let remotes: Vec<CandidateId> = self
            .remote_candidates
            .iter()
            .filter(|c| c.generation == remote_generation)
            .map(|c| c.id)
            .collect();
        for remote in remotes {
            self.add_pair(now, local, remote);
        }
    }

    /// Pairs a new remote candidate with every local host candidate of its family.
    pub(crate) fn pair_new_remote(&mut self, now: Instant, remote: CandidateId) {
        let locals: Vec<CandidateId> = self
            .local_candidates
            .iter()
            .filter(|c| matches!(c.kind, CandidateType::Host | CandidateType::Relay))
            .filter(|c| c.generation == self.generation)
            .map(|c| c.id)
            .collect();
        for local in locals {
            self.add_pair(now, local, remote);
        }
    }

    /// Forms one pair unless it would be redundant (same base and remote address as an
    /// existing pair: RFC 8445 §6.1.2.4 pruning) or over the cap. Server-reflexive and
    /// peer-reflexive local candidates are never paired: they are replaced by their base.
    pub(crate) fn add_pair(
        &mut self,
        now: Instant,
        local: CandidateId,
        remote: CandidateId,
    ) -> Option<PairId> {
        let l = self.local_candidates.iter().find(|c| c.id == local)?;
        let r = self.remote_candidates.iter().find(|c| c.id == remote)?;
        if l.address.is_ipv4() != r.address.is_ipv4() {
            return None;
        }
        let generation = l.generation;
        if let Some(existing) = self.pairs.iter().find(|p| {
            p.local_base == l.base && p.remote_address == r.address && p.generation == generation
        }) {
            return Some(existing.id);
        }
        if self.pairs.len() >= self.config.max_pairs {
            self.discards.over_capacity += 1;
            return None;
        }
        let foundation = format!("{}:{}", l.foundation, r.foundation);
        let (local_base, remote_address) = (l.base, r.address);
        let (local_priority, remote_priority) = (l.priority, r.priority);
        let local_is_relay = l.kind == CandidateType::Relay;
        // RFC 8838 §10: a new pair is Waiting unless a pair of its foundation is already
        // being checked (then Frozen, unfrozen when that one completes).
        let busy = self.pairs.iter().any(|p| {
            p.foundation == foundation
                && matches!(p.state, PairState::Waiting | PairState::InProgress)
        });
        let id = PairId(self.allocate_id());
        let mut pair = Pair {
            id,
            local,
            remote,
            local_base,
            remote_address,
            local_priority,
            remote_priority,
            foundation,
            priority: 0,
            state: if busy {
                PairState::Frozen
            } else {
                PairState::Waiting
            },
            nominated: false,
            nominate_on_success: false,
            nominate_requested: false,
            succeeded_at: None,
            generation,
            counters: Default::default(),
        };
        pair.recompute_priority(self.controlling);
        let relayed = local_is_relay.then_some(local_base);
        self.pairs.push(pair);
        if let Some(relayed) = relayed {
            self.ensure_channel(now, relayed, remote_address);
        }
        Some(id)
    }

    /// Arms the Ta pacer if there is anything to check.
    pub(crate) fn schedule_pacing(&mut self, now: Instant) {
        let checks = self.remote_credentials.is_some() && self.has_check_work();
        if self.next_pacing.is_none() && (checks || !self.gather_jobs.is_empty()) {
            self.next_pacing = Some(now);
        }
    }

    fn has_check_work(&self) -> bool {
        !self.triggered.is_empty()
            || self
                .pairs
                .iter()
                .any(|p| matches!(p.state, PairState::Waiting | PairState::Frozen))
    }

    /// One Ta tick: the triggered queue first, then the best Waiting pair, else unfreeze
    /// (RFC 8445 §6.1.4.2).
    pub(crate) fn pace(&mut self, now: Instant) {
        // Gathering and checks share the pacer; triggered checks go first, then gathering.
        if self.triggered.is_empty()
            && let Some(job) = self.gather_jobs.pop_front()
        {
            match job {
                super::GatherJob::ServerBinding { server, base } => {
                    self.start_server_binding(now, server, base);
                }
                super::GatherJob::Allocate { allocation } => {
                    self.send_turn_request(now, allocation, super::relay::TurnRequest::Allocate);
                }
            }
            self.next_pacing = Some(now + self.config.ta);
            return;
        }
        if self.remote_credentials.is_none() {
            return;
        }
        let next = self.pick_next_check();
        if let Some(pair) = next {
            self.send_check(now, pair, false);
            self.next_pacing = Some(now + self.config.ta);
        } else if self.has_check_work() {
            self.next_pacing = Some(now + self.config.ta);
        }
    }

    fn pick_next_check(&mut self) -> Option<PairId> {
        while let Some(id) = self.triggered.pop_front() {
            if self
                .pair(id)
                .is_some_and(|p| p.state != PairState::Failed || p.nominate_requested)
            {
                return Some(id);
            }
        }
        if let Some(p) = self.best_in_state(PairState::Waiting) {
            return Some(p);
        }
        // Unfreeze: for each foundation without a Waiting/In-Progress pair, the highest
        // priority Frozen pair becomes Waiting.
        let mut unfrozen = false;
        let mut order: Vec<usize> = (0..self.pairs.len())
            .filter(|&i| self.pairs[i].state == PairState::Frozen)
            .collect();
        order.sort_by(|&a, &b| self.pairs[b].priority.cmp(&self.pairs[a].priority));
        for i in order {
            let foundation = &self.pairs[i].foundation;
            let busy = self.pairs.iter().any(|p| {
                &p.foundation == foundation
                    && matches!(p.state, PairState::Waiting | PairState::InProgress)
            });
            if !busy {
                self.pairs[i].state = PairState::Waiting;
                unfrozen = true;
            }
        }
        if unfrozen {
            return self.best_in_state(PairState::Waiting);
        }
        None
    }

    fn best_in_state(&self, state: PairState) -> Option<PairId> {
        self.pairs
            .iter()
            .filter(|p| p.state == state)
            .max_by_key(|p| p.priority)
            .map(|p| p.id)
    }

    /// Queues a triggered check (RFC 8445 §7.3.1.4).
    pub(crate) fn trigger_check(&mut self, now: Instant, pair: PairId) {
        if !self.triggered.contains(&pair) {
            self.triggered.push_back(pair);
        }
        if let Some(p) = self.pair_mut(pair)
            && matches!(p.state, PairState::Frozen | PairState::Failed)
        {
            p.state = PairState::Waiting;
        }
        self.schedule_pacing(now);
    }

    /// Retransmits or times out transactions whose deadline passed.
    pub(crate) fn retransmit_due(&mut self, now: Instant) {
        let mut i = 0;
        while i < self.transactions.len() {
            if self.transactions[i].deadline > now {
                i += 1;
                continue;
            }
            let tx = &self.transactions[i];
            let retransmittable = !matches!(tx.kind, TxKind::Consent { .. })
                && tx.transmits < self.config.max_request_transmits;
            if retransmittable {
                let (source, destination, len) = (tx.source, tx.destination, tx.len);
                let message = tx.message;
                let transmits = tx.transmits + 1;
                // RTO doubles per transmission; after the last one wait Rm × RTO.
                let wait = if transmits == self.config.max_request_transmits {
                    self.config.initial_rto * self.config.last_wait_multiplier
                } else {
                    self.config.initial_rto * (1u32 << transmits.saturating_sub(1).min(16))
                };
                let kind = tx.kind;
                let tx = &mut self.transactions[i];
                tx.transmits = transmits;
                tx.last_sent = now;
                tx.deadline = now + wait;
                self.queue_transmit(source, destination, &message[..len]);
                match kind {
                    TxKind::Check { pair, .. } => {
                        self.count_stun_sent(pair, len, now);
                        if let Some(p) = self.pair_mut(pair) {
                            p.counters.retransmissions_sent += 1;
                        }
                    }
                    TxKind::ServerBinding { server, .. } => {
                        if let Some(s) = self.servers.get_mut(server) {
                            s.stats.total_requests_sent += 1;
                        }
                    }
                    TxKind::Turn { allocation, .. } => {
                        if let Some(a) = self.allocations.get_mut(allocation) {
                            a.stats.total_requests_sent += 1;
                        }
                    }
                    TxKind::Consent { .. } => {}
                }
                i += 1;
            } else {
                let tx = self.transactions.remove(i);
                match tx.kind {
                    TxKind::Check { pair, .. } => {
                        let still_pending = self
                            .transactions
                            .iter()
                            .any(|t| matches!(t.kind, TxKind::Check { pair: p, .. } if p == pair));
                        if !still_pending
                            && let Some(p) = self.pair_mut(pair)
                            && p.state == PairState::InProgress
                        {
                            p.state = PairState::Failed;
                            // A failed nomination lets regular nomination pick another pair.
                            p.nominate_requested = false;
                        }
                    }
                    TxKind::ServerBinding { .. } => self.check_gathering_complete(),
                    TxKind::Turn {
                        allocation,
                        request,
                    } => self.on_turn_timeout(allocation, request),
                    TxKind::Consent { .. } => {}
                }
            }
        }
    }

    /// A check on `pair` succeeded (RFC 8445 §7.2.5.3).
    pub(crate) fn on_check_success(&mut self, now: Instant, pair_id: PairId, use_candidate: bool) {
        let controlling = self.controlling;
        let Some(pair) = self.pair_mut(pair_id) else {
            return;
        };
        pair.state = PairState::Succeeded;
        pair.succeeded_at.get_or_insert(now);
        if controlling && use_candidate {
            pair.nominated = true;
            pair.nominate_requested = false;
        }
        if !controlling && pair.nominate_on_success {
            pair.nominated = true;
        }
        // Unfreeze the pairs of this foundation; the string is moved out and back to avoid
        // a clone on every successful check.
        let foundation = std::mem::take(&mut pair.foundation);
        for p in &mut self.pairs {
            if p.foundation == foundation && p.state == PairState::Frozen {
                p.state = PairState::Waiting;
            }
        }
        if let Some(pair) = self.pair_mut(pair_id) {
            pair.foundation = foundation;
        }
        self.first_valid_at.get_or_insert(now);
        self.schedule_pacing(now);
        self.update_selected(now);
        self.maybe_nominate(now);
    }

    /// Controlling agent, regular nomination still to do?
    pub(crate) fn nomination_pending(&self) -> bool {
        // Pairs of an older generation (kept across an ICE restart) do not count.
        self.controlling
            && self.config.nomination == NominationMode::Regular
            && !self
                .pairs
                .iter()
                .any(|p| p.generation == self.generation && (p.nominated || p.nominate_requested))
    }

    /// Regular nomination (RFC 8445 §8.1.1): once the best valid pair cannot be beaten by a
    /// pair still being checked, or after `regular_nomination_delay`, send it a check with
    /// USE-CANDIDATE.
    pub(crate) fn maybe_nominate(&mut self, now: Instant) {
        if !self.nomination_pending() {
            return;
        }
        let Some(best) = self
            .pairs
            .iter()
            .filter(|p| p.state == PairState::Succeeded && p.generation == self.generation)
            .max_by_key(|p| p.priority)
        else {
            return;
        };
        let (best_id, best_priority) = (best.id, best.priority);
        let better_pending = self.pairs.iter().any(|p| {
            p.priority > best_priority
                && matches!(
                    p.state,
                    PairState::Frozen | PairState::Waiting | PairState::InProgress
                )
        });
        let waited = self
            .first_valid_at
            .is_some_and(|t| now >= t + self.config.regular_nomination_delay);
        if !better_pending || waited {
            if let Some(p) = self.pair_mut(best_id) {
                p.nominate_requested = true;
            }
            self.triggered.push_front(best_id);
            self.schedule_pacing(now);
        }
    }

    /// The selected pair is the highest-priority nominated valid pair.
    pub(crate) fn update_selected(&mut self, now: Instant) {
        let best = self
            .pairs
            .iter()
            .filter(|p| p.nominated && p.state == PairState::Succeeded)
            .max_by_key(|p| (p.generation == self.generation, p.priority))
            .map(|p| (p.id, p.local_base, p.remote_address, p.local));
        let Some((id, local, remote, local_candidate)) = best else {
            return;
        };
        if self.selected == Some(id) {
            return;
        }
        // After an ICE restart the old selected pair is only kept until a pair of the new
        // generation is selected: then it and its candidates go (webrtc-stats lifetime).
        let new_generation = self
            .local_candidates
            .iter()
            .any(|c| c.id == local_candidate && c.generation == self.generation);
        if let Some(old) = self.selected
            && new_generation
        {
            self.remove_stale_pair(old);
        }
        self.selected = Some(id);
        self.selected_changes += 1;
        self.last_consent = Some(now);
        self.consent_expired = false;
        self.schedule_consent(now);
        self.events.push_back(IceEvent::SelectedPairChanged {
            pair: id,
            local,
            remote,
        });
    }

    fn remove_stale_pair(&mut self, old: PairId) {
        let Some(pair) = self.pair(old) else {
            return;
        };
        let (local, remote) = (pair.local, pair.remote);
        let generation = self.generation;
        let old_local = self
            .local_candidates
            .iter()
            .any(|c| c.id == local && c.generation != generation);
        if !old_local {
            return;
        }
        self.pairs.retain(|p| p.id != old);
        self.transactions.retain(|t| {
            !matches!(t.kind, TxKind::Check { pair, .. } | TxKind::Consent { pair } if pair == old)
        });
        self.local_candidates.retain(|c| c.id != local);
        let remote_generation = self.remote_generation;
        if !self.pairs.iter().any(|p| p.remote == remote) {
            self.remote_candidates
                .retain(|c| c.id != remote || c.generation == remote_generation);
        }
    }

    /// Switches role after a role conflict; pair priorities depend on it.
    pub(crate) fn switch_role(&mut self, controlling: bool) {
        if self.controlling == controlling {
            return;
        }
        self.controlling = controlling;
        for p in &mut self.pairs {
            p.recompute_priority(controlling);
            p.nominate_requested = false;
        }
        self.events.push_back(IceEvent::RoleChanged(if controlling {
            IceRole::Controlling
        } else {
            IceRole::Controlled
        }));
    }
}
