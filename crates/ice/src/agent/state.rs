//! Consent freshness (RFC 7675) and the RTCIceTransportState machine.

use std::time::{Duration, Instant};

use super::{IceAgent, IceEvent, IceTransportState};
use crate::pair::PairState;

impl IceAgent {
    /// Next consent check 0.8–1.2 × the interval from now (RFC 7675 §5.1 randomization).
    pub(crate) fn schedule_consent(&mut self, now: Instant) {
        let base = self.config.consent_interval;
        let span_ms = (base.as_millis() as u64 * 2) / 5; // 0.4 × interval
        let offset_ms = self.rng.below(span_ms + 1);
        let delay = base.mul_f64(0.8) + Duration::from_millis(offset_ms);
        self.next_consent_check = Some(now + delay);
    }

    pub(crate) fn consent_tick(&mut self, now: Instant) {
        let Some(selected) = self.selected else {
            return;
        };
        if self.consent_expired {
            return;
        }
        if let Some(last) = self.last_consent
            && now >= last + self.config.consent_timeout
        {
            // Consent lost: stop sending (RFC 7675 §5.1), the transport has failed.
            self.consent_expired = true;
            self.next_consent_check = None;
            if let Some(p) = self.pair_mut(selected) {
                p.state = PairState::Failed;
            }
            return;
        }
        if self.next_consent_check.is_some_and(|t| t <= now) {
            self.send_check(now, selected, true);
            self.schedule_consent(now);
        }
    }

    /// Recomputes the transport state and emits an event when it changed.
    pub(crate) fn update_state(&mut self, now: Instant) {
        let new_state = self.compute_state(now);
        // "completed" is reached through "connected" (webrtc-pc state diagram), even when
        // both become true within one event.
        if new_state == IceTransportState::Completed
            && !matches!(
                self.state,
                IceTransportState::Connected | IceTransportState::Completed
            )
        {
            self.state = IceTransportState::Connected;
            self.events
                .push_back(IceEvent::StateChanged(IceTransportState::Connected));
        }
        if new_state != self.state {
            self.state = new_state;
            self.events.push_back(IceEvent::StateChanged(new_state));
        }
    }

    fn compute_state(&self, now: Instant) -> IceTransportState {
        if self.closed {
            return IceTransportState::Closed;
        }
        if self.consent_expired {
            return IceTransportState::Failed;
        }
        if self.selected.is_some() {
            let fresh = self
                .last_consent
                .is_none_or(|last| now < last + self.config.disconnected_timeout);
            if !fresh {
                return IceTransportState::Disconnected;
            }
            let checks_done = !self.pairs.iter().any(|p| {
                matches!(
                    p.state,
                    PairState::Frozen | PairState::Waiting | PairState::InProgress
                )
            });
            if checks_done && self.remote_end_of_candidates && self.gathering_complete {
                return IceTransportState::Completed;
            }
            return IceTransportState::Connected;
        }
        if self.pairs.is_empty() {
            if self.remote_end_of_candidates && self.gathering_complete {
                return IceTransportState::Failed;
            }
            return IceTransportState::New;
        }
        let all_failed = self.pairs.iter().all(|p| p.state == PairState::Failed);
        if all_failed && self.remote_end_of_candidates && self.gathering_complete {
            return IceTransportState::Failed;
        }
        if self.remote_credentials.is_none() {
            return IceTransportState::New;
        }
        IceTransportState::Checking
    }
}
