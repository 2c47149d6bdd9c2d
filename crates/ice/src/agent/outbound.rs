//! Building outgoing STUN messages and queueing them as transmits.

use std::net::SocketAddr;
use std::time::Instant;

use super::{IceAgent, Transaction, TxKind};
use crate::candidate::{CandidateType, candidate_priority};
use crate::pair::PairId;
use crate::stun::{Class, METHOD_BINDING, MessageWriter, StunError, TransactionId};

/// Largest STUN message the agent writes: header, USERNAME of two 256-char ufrags, PRIORITY,
/// ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY and FINGERPRINT fit.
pub const MAX_STUN_MESSAGE: usize = 640;
/// Capacity of a `Transmit`: a STUN message plus the Send-indication wrapping of a relay.
pub const MAX_TRANSMIT: usize = MAX_STUN_MESSAGE + 64;

/// One datagram for the driver to send. The bytes live inline so queueing a STUN
/// message does not allocate.
#[derive(Clone)]
pub struct Transmit {
    pub source: SocketAddr,
    pub destination: SocketAddr,
    len: usize,
    buf: [u8; MAX_TRANSMIT],
}

impl Transmit {
    pub fn contents(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Debug for Transmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transmit")
            .field("source", &self.source)
            .field("destination", &self.destination)
            .field("len", &self.len)
            .finish()
    }
}

impl IceAgent {
    pub(crate) fn new_transaction_id(&mut self) -> TransactionId {
        let mut id = TransactionId::default();
        self.rng.fill(&mut id.0);
        id
    }

    pub(crate) fn queue_transmit(
        &mut self,
        source: SocketAddr,
        destination: SocketAddr,
        bytes: &[u8],
    ) {
        if bytes.len() > MAX_STUN_MESSAGE {
            return;
        }
        let mut buf = [0u8; MAX_TRANSMIT];
        // From a relayed address: frame for the TURN server and send from the base.
        let (source, destination, len) = match self.relay_route(source, destination) {
            Some((base, server, framing)) => {
                let id = self.new_transaction_id();
                match super::relay::frame_datagram(framing, id, bytes, &mut buf) {
                    Ok(len) => (base, server, len),
                    Err(_) => return,
                }
            }
            None => {
                buf[..bytes.len()].copy_from_slice(bytes);
                (source, destination, bytes.len())
            }
        };
        self.transmits.push_back(Transmit {
            source,
            destination,
            len,
            buf,
        });
    }

    /// Counts a STUN datagram sent on a pair.
    pub(crate) fn count_stun_sent(&mut self, pair: PairId, len: usize, now: Instant) {
        if let Some(p) = self.pair_mut(pair) {
            p.counters.stun_packets_sent += 1;
            p.counters.stun_bytes_sent += len as u64;
            p.counters.last_stun_sent = Some(now);
        }
    }

    /// Priority a peer-reflexive candidate learned from this check would get
    /// (RFC 8445 §7.1.1): type preference 110, the local candidate's local preference.
    fn prflx_priority(&self, local_priority: u32) -> u32 {
        let local_preference = ((local_priority >> 8) & 0xFFFF) as u16;
        let component = 256 - (local_priority & 0xFF);
        candidate_priority(
            CandidateType::PeerReflexive,
            local_preference,
            component as u16,
        )
    }

    /// Starts a connectivity check (or consent check) on `pair`: a new transaction.
    pub(crate) fn send_check(&mut self, now: Instant, pair_id: PairId, consent: bool) {
        if self.remote_credentials.is_none() {
            return;
        }
        let Some(pair) = self.pair(pair_id) else {
            return;
        };
        let (source, destination) = (pair.local_base, pair.remote_address);
        let priority = self.prflx_priority(pair.local_priority);
        let use_candidate = !consent
            && self.controlling
            && (self.config.nomination == crate::NominationMode::Aggressive
                || pair.nominate_requested);
        let id = self.new_transaction_id();
        let mut buf = [0u8; MAX_STUN_MESSAGE];
        let Some(remote) = self.remote_credentials.as_ref() else {
            return;
        };
        let written = self.write_request(
            &mut buf,
            id,
            &remote.ufrag,
            &remote.pwd,
            priority,
            use_candidate,
        );
        let Ok(len) = written else {
            return;
        };
        let kind = if consent {
            TxKind::Consent { pair: pair_id }
        } else {
            TxKind::Check {
                pair: pair_id,
                use_candidate,
                controlling: self.controlling,
            }
        };
        let deadline = if consent {
            // Consent requests are not retransmitted (RFC 7675 §5.1); an unanswered one
            // is forgotten when the next is due.
            now + self.config.consent_timeout
        } else {
            now + self.config.initial_rto
        };
        self.queue_transmit(source, destination, &buf[..len]);
        self.count_stun_sent(pair_id, len, now);
        if let Some(p) = self.pair_mut(pair_id) {
            p.counters.requests_sent += 1;
            if consent {
                p.counters.consent_requests_sent += 1;
            } else {
                p.state = crate::PairState::InProgress;
            }
        }
        self.push_transaction(Transaction {
            id,
            kind,
            source,
            destination,
            last_sent: now,
            transmits: 1,
            deadline,
            message: buf,
            len,
        });
    }

    /// Bounded transaction table: the oldest consent transaction goes first when full.
    pub(crate) fn push_transaction(&mut self, tx: Transaction) {
        let cap = self.config.max_pairs * 2 + self.servers.len() * 4 + 8;
        if self.transactions.len() >= cap
            && let Some(pos) = self
                .transactions
                .iter()
                .position(|t| matches!(t.kind, TxKind::Consent { .. }))
        {
            self.transactions.remove(pos);
        }
        if self.transactions.len() < cap {
            self.transactions.push(tx);
        }
    }

    fn write_request(
        &self,
        buf: &mut [u8],
        id: TransactionId,
        remote_ufrag: &str,
        remote_pwd: &str,
        priority: u32,
        use_candidate: bool,
    ) -> Result<usize, StunError> {
        let mut w = MessageWriter::new(buf, Class::Request, METHOD_BINDING, id)?;
        w.username_parts(
            remote_ufrag.as_bytes(),
            self.local_credentials.ufrag.as_bytes(),
        )?;
        w.priority(priority)?;
        if self.controlling {
            w.ice_controlling(self.tie_breaker)?;
        } else {
            w.ice_controlled(self.tie_breaker)?;
        }
        if use_candidate {
            w.use_candidate()?;
        }
        w.message_integrity(remote_pwd.as_bytes())?;
        w.fingerprint()
    }

    /// Success response to an authenticated Binding request.
    pub(crate) fn send_success_response(
        &mut self,
        now: Instant,
        id: TransactionId,
        local: SocketAddr,
        remote: SocketAddr,
        pair: Option<PairId>,
    ) {
        let mut buf = [0u8; MAX_STUN_MESSAGE];
        let written = (|| {
            let mut w = MessageWriter::new(&mut buf, Class::SuccessResponse, METHOD_BINDING, id)?;
            w.xor_mapped_address(remote)?;
            w.message_integrity(self.local_credentials.pwd.as_bytes())?;
            w.fingerprint()
        })();
        if let Ok(len) = written {
            self.queue_transmit(local, remote, &buf[..len]);
            if let Some(pair) = pair {
                self.count_stun_sent(pair, len, now);
                if let Some(p) = self.pair_mut(pair) {
                    p.counters.responses_sent += 1;
                }
            }
        }
    }

    /// 487 Role Conflict (RFC 8445 §7.3.1.1).
    pub(crate) fn send_role_conflict(
        &mut self,
        now: Instant,
        id: TransactionId,
        local: SocketAddr,
        remote: SocketAddr,
        pair: Option<PairId>,
    ) {
        let mut buf = [0u8; MAX_STUN_MESSAGE];
        let written = (|| {
            let mut w = MessageWriter::new(&mut buf, Class::ErrorResponse, METHOD_BINDING, id)?;
            w.error_code(crate::stun::ERROR_ROLE_CONFLICT, b"Role Conflict")?;
            w.message_integrity(self.local_credentials.pwd.as_bytes())?;
            w.fingerprint()
        })();
        if let Ok(len) = written {
            self.queue_transmit(local, remote, &buf[..len]);
            if let Some(pair) = pair {
                self.count_stun_sent(pair, len, now);
                if let Some(p) = self.pair_mut(pair) {
                    p.counters.responses_sent += 1;
                }
            }
        }
    }

    /// Binding request to a STUN server from `base` (no credentials).
    pub(crate) fn start_server_binding(&mut self, now: Instant, server: usize, base: SocketAddr) {
        let Some(destination) = self.servers.get(server).map(|s| s.address) else {
            return;
        };
        let id = self.new_transaction_id();
        let mut buf = [0u8; MAX_STUN_MESSAGE];
        let written = (|| {
            let w = MessageWriter::new(&mut buf, Class::Request, METHOD_BINDING, id)?;
            w.fingerprint()
        })();
        let Ok(len) = written else {
            return;
        };
        self.queue_transmit(base, destination, &buf[..len]);
        if let Some(s) = self.servers.get_mut(server) {
            s.stats.total_requests_sent += 1;
            if s.stats.port == 0 {
                s.stats.port = base.port();
            }
        }
        self.push_transaction(Transaction {
            id,
            kind: TxKind::ServerBinding { server, base },
            source: base,
            destination,
            last_sent: now,
            transmits: 1,
            deadline: now + self.config.initial_rto,
            message: buf,
            len,
        });
    }
}
