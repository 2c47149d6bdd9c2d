//! TURN client (RFC 8656) over UDP: allocation with long-term credentials, channel
//! binding (which also installs the permission), refreshes, and the framing of relayed
//! traffic (ChannelData once bound, Send/Data indications before).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use md5::Digest;

use super::outbound::MAX_STUN_MESSAGE;
use super::{IceAgent, IceEvent, Transaction, TxKind};
use crate::candidate::{
    COMPONENT_RTP, Candidate, CandidateId, CandidateType, candidate_priority, compute_foundation,
};
use crate::stats::IceServerSnapshot;
use crate::stun::{
    Class, ERROR_STALE_NONCE, ERROR_UNAUTHENTICATED, MessageWriter, StunError, StunMessage,
    TransactionId, attr, turn_method,
};

/// Channel numbers available to a client (RFC 8656 §12).
const FIRST_CHANNEL: u16 = 0x4000;
const LAST_CHANNEL: u16 = 0x4FFF;
/// Channel bindings last 10 minutes; refresh a minute early.
const CHANNEL_REFRESH: Duration = Duration::from_secs(540);
/// Requested allocation lifetime.
const ALLOCATION_LIFETIME: u32 = 600;
/// Most channels per allocation (one per remote peer address).
const MAX_CHANNELS: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TurnRequest {
    Allocate,
    Refresh,
    ChannelBind { peer: SocketAddr, number: u16 },
}

#[derive(Clone, Debug)]
pub(crate) struct Channel {
    pub(crate) peer: SocketAddr,
    pub(crate) number: u16,
    pub(crate) bound: bool,
    pub(crate) refresh_at: Option<Instant>,
}

#[derive(Clone, Debug)]
pub(crate) struct Allocation {
    pub(crate) server: usize,
    pub(crate) base: SocketAddr,
    pub(crate) server_address: SocketAddr,
    pub(crate) realm: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) key: Option<[u8; 16]>,
    pub(crate) relayed: Option<SocketAddr>,
    pub(crate) refresh_at: Option<Instant>,
    pub(crate) failed: bool,
    pub(crate) auth_attempts: u32,
    pub(crate) channels: Vec<Channel>,
    pub(crate) stats: IceServerSnapshot,
}

/// What a datagram from a TURN server carries.
pub(crate) enum Unwrapped<'d> {
    /// A peer's datagram, as received on our relayed address.
    Relayed {
        peer: SocketAddr,
        relayed: SocketAddr,
        payload: &'d [u8],
    },
    /// ChannelData or a Data indication that does not decode.
    Malformed,
    /// Not relayed traffic (e.g. a response to one of our TURN requests).
    NotRelayed,
}

/// How application data on a pair has to be framed by the caller.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Framing {
    /// Send the payload as it is.
    None,
    /// Prefix the 4-byte ChannelData header (RFC 8656 §12.4).
    ChannelData(u16),
    /// Wrap in a TURN Send indication to `peer` (before the channel is bound).
    SendIndication { peer: SocketAddr },
}

/// Writes `payload` framed as `framing` into `out`; returns the datagram length.
pub fn frame_datagram(
    framing: Framing,
    transaction_id: TransactionId,
    payload: &[u8],
    out: &mut [u8],
) -> Result<usize, StunError> {
    match framing {
        Framing::None => {
            let dst = out
                .get_mut(..payload.len())
                .ok_or(StunError::BufferTooSmall)?;
            dst.copy_from_slice(payload);
            Ok(payload.len())
        }
        Framing::ChannelData(number) => {
            let len = u16::try_from(payload.len()).map_err(|_| StunError::ValueTooLong)?;
            let total = 4 + payload.len();
            let dst = out.get_mut(..total).ok_or(StunError::BufferTooSmall)?;
            dst[0..2].copy_from_slice(&number.to_be_bytes());
            dst[2..4].copy_from_slice(&len.to_be_bytes());
            dst[4..].copy_from_slice(payload);
            Ok(total)
        }
        Framing::SendIndication { peer } => {
            let mut w =
                MessageWriter::new(out, Class::Indication, turn_method::SEND, transaction_id)?;
            w.xor_address(attr::XOR_PEER_ADDRESS, peer)?;
            w.attribute(attr::DATA, payload)?;
            Ok(w.finish())
        }
    }
}

/// Long-term credential key: MD5(username ":" realm ":" password) (RFC 8489 §9.2.2).
fn long_term_key(username: &str, realm: &str, password: &str) -> [u8; 16] {
    let mut h = md5::Md5::new();
    h.update(username.as_bytes());
    h.update(b":");
    h.update(realm.as_bytes());
    h.update(b":");
    h.update(password.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&h.finalize());
    key
}

impl IceAgent {
    /// One allocation per (TURN server, base of the same family), each Allocate waiting for
    /// its Ta slot.
    pub(crate) fn start_allocations(&mut self) {
        let bases = self.config.local_addresses.clone();
        for server in 0..self.config.turn_servers.len() {
            let (url, server_address) = {
                let s = &self.config.turn_servers[server];
                (s.url.clone(), s.address)
            };
            for base in &bases {
                if base.is_ipv4() != server_address.is_ipv4() {
                    continue;
                }
                self.allocations.push(Allocation {
                    server,
                    base: *base,
                    server_address,
                    realm: None,
                    nonce: None,
                    key: None,
                    relayed: None,
                    refresh_at: None,
                    failed: false,
                    auth_attempts: 0,
                    channels: Vec::new(),
                    stats: IceServerSnapshot {
                        url: url.clone(),
                        port: base.port(),
                        relay_protocol: Some("udp".to_string()),
                        ..Default::default()
                    },
                });
                let index = self.allocations.len() - 1;
                self.gather_jobs
                    .push_back(super::GatherJob::Allocate { allocation: index });
            }
        }
    }

    fn write_turn_request(
        &self,
        buf: &mut [u8],
        id: TransactionId,
        index: usize,
        request: TurnRequest,
    ) -> Result<usize, StunError> {
        let allocation = &self.allocations[index];
        let method = match request {
            TurnRequest::Allocate => turn_method::ALLOCATE,
            TurnRequest::Refresh => turn_method::REFRESH,
            TurnRequest::ChannelBind { .. } => turn_method::CHANNEL_BIND,
        };
        let mut w = MessageWriter::new(buf, Class::Request, method, id)?;
        match request {
            TurnRequest::Allocate => {
                // UDP (protocol 17).
                w.attribute(attr::REQUESTED_TRANSPORT, &[17, 0, 0, 0])?;
                w.attribute(attr::LIFETIME, &ALLOCATION_LIFETIME.to_be_bytes())?;
            }
            TurnRequest::Refresh => {
                w.attribute(attr::LIFETIME, &ALLOCATION_LIFETIME.to_be_bytes())?;
            }
            TurnRequest::ChannelBind { peer, number } => {
                w.attribute(
                    attr::CHANNEL_NUMBER,
                    &[(number >> 8) as u8, number as u8, 0, 0],
                )?;
                w.xor_address(attr::XOR_PEER_ADDRESS, peer)?;
            }
        }
        if let (Some(key), Some(realm), Some(nonce)) =
            (allocation.key, &allocation.realm, &allocation.nonce)
        {
            let server = &self.config.turn_servers[allocation.server];
            w.attribute(attr::USERNAME, server.username.as_bytes())?;
            w.attribute(attr::REALM, realm.as_bytes())?;
            w.attribute(attr::NONCE, nonce.as_bytes())?;
            w.message_integrity(&key)?;
        }
        w.fingerprint()
    }

    pub(crate) fn send_turn_request(&mut self, now: Instant, index: usize, request: TurnRequest) {
        if index >= self.allocations.len() {
            return;
        }
        let id = self.new_transaction_id();
        let mut buf = [0u8; MAX_STUN_MESSAGE];
        let Ok(len) = self.write_turn_request(&mut buf, id, index, request) else {
            return;
        };
        let (base, server) = {
            let a = &mut self.allocations[index];
            a.stats.total_requests_sent += 1;
            (a.base, a.server_address)
        };
        self.queue_transmit(base, server, &buf[..len]);
        self.push_transaction(Transaction {
            id,
            kind: TxKind::Turn {
                allocation: index,
                request,
            },
            source: base,
            destination: server,
            last_sent: now,
            transmits: 1,
            deadline: now + self.config.initial_rto,
            message: buf,
            len,
        });
    }

    /// A TURN request timed out after all retransmissions.
    pub(crate) fn on_turn_timeout(&mut self, index: usize, request: TurnRequest) {
        if request == TurnRequest::Allocate
            && let Some(a) = self.allocations.get_mut(index)
        {
            a.failed = true;
        }
        self.check_gathering_complete();
    }

    pub(crate) fn on_turn_response(
        &mut self,
        now: Instant,
        index: usize,
        request: TurnRequest,
        msg: &StunMessage<'_>,
        rtt: Duration,
    ) {
        let Some(allocation) = self.allocations.get_mut(index) else {
            return;
        };
        if msg.class == Class::ErrorResponse {
            // Every answer counts (ice-server totalResponsesReceived), the 401 challenge too.
            allocation.stats.total_responses_received += 1;
            allocation.stats.total_round_trip_time += rtt;
            let code = msg.error_code.map(|e| e.code);
            let retry = matches!(code, Some(ERROR_UNAUTHENTICATED | ERROR_STALE_NONCE))
                && allocation.auth_attempts < 3;
            if retry && let (Some(realm), Some(nonce)) = (msg.realm, msg.nonce) {
                let realm = String::from_utf8_lossy(realm).into_owned();
                allocation.nonce = Some(String::from_utf8_lossy(nonce).into_owned());
                let server = &self.config.turn_servers[allocation.server];
                allocation.key = Some(long_term_key(&server.username, &realm, &server.password));
                allocation.realm = Some(realm);
                allocation.auth_attempts += 1;
                self.send_turn_request(now, index, request);
            } else if request == TurnRequest::Allocate {
                allocation.failed = true;
            }
            self.check_gathering_complete();
            return;
        }
        // Success responses must be authenticated with the long-term key.
        let authentic = allocation.key.is_some_and(|key| msg.verify_integrity(&key));
        if !authentic {
            self.discards.bad_integrity += 1;
            return;
        }
        allocation.auth_attempts = 0;
        allocation.stats.total_responses_received += 1;
        allocation.stats.total_round_trip_time += rtt;
        let lifetime = Duration::from_secs(u64::from(msg.lifetime.unwrap_or(ALLOCATION_LIFETIME)));
        match request {
            TurnRequest::Allocate => {
                let Some(relayed) = msg.xor_relayed_address else {
                    allocation.failed = true;
                    self.check_gathering_complete();
                    return;
                };
                allocation.relayed = Some(relayed);
                allocation.refresh_at = Some(now + lifetime / 2);
                let mapped = msg.xor_mapped_address;
                self.add_relay_candidate(now, index, relayed, mapped);
                self.check_gathering_complete();
            }
            TurnRequest::Refresh => {
                allocation.refresh_at = Some(now + lifetime / 2);
            }
            TurnRequest::ChannelBind { peer, .. } => {
                if let Some(c) = allocation.channels.iter_mut().find(|c| c.peer == peer) {
                    c.bound = true;
                    c.refresh_at = Some(now + CHANNEL_REFRESH);
                }
            }
        }
    }

    pub(crate) fn add_relay_candidate(
        &mut self,
        now: Instant,
        index: usize,
        relayed: SocketAddr,
        mapped: Option<SocketAddr>,
    ) {
        let Some(allocation) = self.allocations.get(index) else {
            return;
        };
        let url = self.config.turn_servers[allocation.server].url.clone();
        let base_index = self
            .config
            .local_addresses
            .iter()
            .position(|a| *a == allocation.base)
            .unwrap_or(0);
        let local_preference =
            65535u16.saturating_sub(u16::try_from(base_index).unwrap_or(u16::MAX));
        let base_ip = allocation.base.ip();
        let id = CandidateId(self.allocate_id());
        let candidate = Candidate {
            id,
            kind: CandidateType::Relay,
            address: relayed,
            // A relayed candidate is its own base (RFC 8445 §5.1.1.2).
            base: relayed,
            related_address: mapped,
            priority: candidate_priority(CandidateType::Relay, local_preference, COMPONENT_RTP),
            foundation: compute_foundation(CandidateType::Relay, base_ip, Some(&url)),
            component: COMPONENT_RTP,
            username_fragment: self.local_credentials.ufrag.clone(),
            url: Some(url),
            generation: self.generation,
        };
        self.local_candidates.push(candidate.clone());
        self.events.push_back(IceEvent::LocalCandidate(candidate));
        self.pair_new_local(now, id);
        self.schedule_pacing(now);
    }

    /// The allocation whose relayed address is `relayed`.
    pub(crate) fn allocation_for_relayed(&self, relayed: SocketAddr) -> Option<usize> {
        self.allocations
            .iter()
            .position(|a| a.relayed == Some(relayed))
    }

    /// A pair on a relay candidate needs a channel (and so a permission) to its peer.
    pub(crate) fn ensure_channel(&mut self, now: Instant, relayed: SocketAddr, peer: SocketAddr) {
        let Some(index) = self.allocation_for_relayed(relayed) else {
            return;
        };
        let allocation = &mut self.allocations[index];
        if allocation.channels.iter().any(|c| c.peer == peer) {
            return;
        }
        if allocation.channels.len() >= MAX_CHANNELS {
            return;
        }
        let number = FIRST_CHANNEL + allocation.channels.len() as u16;
        if number > LAST_CHANNEL {
            return;
        }
        allocation.channels.push(Channel {
            peer,
            number,
            bound: false,
            refresh_at: None,
        });
        self.send_turn_request(now, index, TurnRequest::ChannelBind { peer, number });
    }

    /// How data from `relayed` to `peer` must be framed, and the socket route.
    pub(crate) fn relay_route(
        &self,
        relayed: SocketAddr,
        peer: SocketAddr,
    ) -> Option<(SocketAddr, SocketAddr, Framing)> {
        let allocation = &self.allocations[self.allocation_for_relayed(relayed)?];
        let framing = match allocation
            .channels
            .iter()
            .find(|c| c.peer == peer && c.bound)
        {
            Some(c) => Framing::ChannelData(c.number),
            None => Framing::SendIndication { peer },
        };
        Some((allocation.base, allocation.server_address, framing))
    }

    /// Allocation and channel refreshes due now.
    pub(crate) fn relay_timers(&mut self, now: Instant) {
        for index in 0..self.allocations.len() {
            if self.allocations[index].refresh_at.is_some_and(|t| t <= now) {
                self.allocations[index].refresh_at = None;
                self.send_turn_request(now, index, TurnRequest::Refresh);
            }
            let due: Vec<(SocketAddr, u16)> = self.allocations[index]
                .channels
                .iter_mut()
                .filter(|c| c.refresh_at.is_some_and(|t| t <= now))
                .map(|c| {
                    c.refresh_at = None;
                    (c.peer, c.number)
                })
                .collect();
            for (peer, number) in due {
                self.send_turn_request(now, index, TurnRequest::ChannelBind { peer, number });
            }
        }
    }

    pub(crate) fn relay_deadline(&self) -> Option<Instant> {
        self.allocations
            .iter()
            .flat_map(|a| {
                a.refresh_at
                    .into_iter()
                    .chain(a.channels.iter().filter_map(|c| c.refresh_at))
            })
            .min()
    }

    /// A datagram from a TURN server: ChannelData or a Data indication carries a peer's
    /// datagram; anything else is a TURN response for the transaction table.
    pub(crate) fn unwrap_relayed<'d>(
        &self,
        from: SocketAddr,
        to: SocketAddr,
        datagram: &'d [u8],
    ) -> Unwrapped<'d> {
        let Some(allocation) = self
            .allocations
            .iter()
            .find(|a| a.server_address == from && a.base == to)
        else {
            return Unwrapped::NotRelayed;
        };
        let Some(relayed) = allocation.relayed else {
            return Unwrapped::NotRelayed;
        };
        if datagram.first().is_some_and(|b| (0x40..=0x4F).contains(b)) {
            if datagram.len() < 4 {
                return Unwrapped::Malformed;
            }
            let number = u16::from_be_bytes([datagram[0], datagram[1]]);
            let len = usize::from(u16::from_be_bytes([datagram[2], datagram[3]]));
            let (Some(payload), Some(channel)) = (
                datagram.get(4..4 + len),
                allocation.channels.iter().find(|c| c.number == number),
            ) else {
                return Unwrapped::Malformed;
            };
            return Unwrapped::Relayed {
                peer: channel.peer,
                relayed,
                payload,
            };
        }
        let Ok(msg) = StunMessage::parse(datagram) else {
            return Unwrapped::NotRelayed;
        };
        if msg.class == Class::Indication && msg.method == turn_method::DATA {
            return match (msg.xor_peer_address, msg.data) {
                (Some(peer), Some(data)) => {
                    let start = data.as_ptr() as usize - datagram.as_ptr() as usize;
                    Unwrapped::Relayed {
                        peer,
                        relayed,
                        payload: &datagram[start..start + data.len()],
                    }
                }
                _ => Unwrapped::Malformed,
            };
        }
        Unwrapped::NotRelayed
    }

    /// Is this a message from one of our TURN servers (answered through transactions)?
    pub(crate) fn is_turn_server(&self, from: SocketAddr, to: SocketAddr) -> bool {
        self.allocations
            .iter()
            .any(|a| a.server_address == from && a.base == to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_term_key_matches_rfc5769_long_term_vector() {
        // RFC 5769 §2.4: username "<U+30DE><U+30C8><U+30EA><U+30C3><U+30AF><U+30B9>",
        // password "The<U+00AD>M<U+00AA>tr<U+2168>" SASLprep'ed to "TheMatrIX", realm
        // "example.org". MD5("マトリックス:example.org:TheMatrIX").
        let key = long_term_key("マトリックス", "example.org", "TheMatrIX");
        let raw: Vec<u8> = "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382afe382b900000015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d706c652e6f72670000080014f67024656dd64a3e02b8e0712e85c9a28ca89666"
            .as_bytes()
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect();
        let msg = StunMessage::parse(&raw).unwrap();
        assert_eq!(msg.realm, Some(&b"example.org"[..]));
        assert_eq!(msg.nonce, Some(&b"f//499k954d6OL34oL9FSTvy64sA"[..]));
        assert!(msg.verify_integrity(&key));
        assert!(!msg.verify_integrity(&long_term_key("マトリックス", "example.org", "thematrix")));
    }

    #[test]
    fn channel_data_and_send_indication_framing() {
        let mut out = [0u8; 64];
        let n = frame_datagram(
            Framing::ChannelData(0x4001),
            TransactionId([0; 12]),
            b"abc",
            &mut out,
        )
        .unwrap();
        assert_eq!(&out[..n], &[0x40, 0x01, 0x00, 0x03, b'a', b'b', b'c']);
        let peer: SocketAddr = "192.0.2.1:32853".parse().unwrap();
        let n = frame_datagram(
            Framing::SendIndication { peer },
            TransactionId([1; 12]),
            b"abc",
            &mut out,
        )
        .unwrap();
        let msg = StunMessage::parse(&out[..n]).unwrap();
        assert_eq!(msg.class, Class::Indication);
        assert_eq!(msg.method, turn_method::SEND);
        assert_eq!(msg.xor_peer_address, Some(peer));
        assert_eq!(msg.data, Some(&b"abc"[..]));
    }
}
