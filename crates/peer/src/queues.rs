//! Outgoing datagrams and pending events, in pooled buffers so the
//! steady-state packet path reuses memory instead of allocating.

use std::collections::VecDeque;
use std::net::SocketAddr;

use rtcscope_ice::stun::TransactionId;
use rtcscope_ice::{Framing, Route, frame_datagram};

/// Buffers start with room for a full-MTU datagram plus SRTP overhead.
pub(crate) const BUFFER_CAPACITY: usize = 2048;
/// Idle buffers kept for reuse (memory cap).
const MAX_POOLED: usize = 256;
/// Datagrams waiting for `poll_transmit`; beyond, the oldest media is dropped.
pub(crate) const MAX_QUEUED_TRANSMITS: usize = 4096;

/// A free list of byte buffers.
#[derive(Debug, Default)]
pub(crate) struct BufferPool {
    free: Vec<Vec<u8>>,
}

impl BufferPool {
    /// An empty buffer with at least [`BUFFER_CAPACITY`] bytes of capacity.
    pub fn take(&mut self) -> Vec<u8> {
        match self.free.pop() {
            Some(mut b) => {
                b.clear();
                b
            }
            None => Vec::with_capacity(BUFFER_CAPACITY),
        }
    }

    /// A buffer holding a copy of `data`.
    pub fn take_copy(&mut self, data: &[u8]) -> Vec<u8> {
        let mut b = self.take();
        b.extend_from_slice(data);
        b
    }

    pub fn give(&mut self, buf: Vec<u8>) {
        if self.free.len() < MAX_POOLED {
            self.free.push(buf);
        }
    }
}

/// One datagram to put on the wire.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub destination: SocketAddr,
    pub source: SocketAddr,
    pub buf: Vec<u8>,
}

/// The transmit queue.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    pub queue: VecDeque<Outgoing>,
    pub pool: BufferPool,
    /// Datagrams dropped because the application did not drain the queue.
    pub overflow_dropped: u64,
    /// Datagrams that could not be framed for a TURN relay.
    pub framing_failures: u64,
    /// Transaction ids of TURN Send indications: a seeded counter.
    pub indication_seed: u64,
    pub indications: u64,
}

/// Room for a TURN Send indication around a payload (header, XOR-PEER-ADDRESS
/// for IPv6, DATA header and padding).
const SEND_INDICATION_OVERHEAD: usize = 20 + 24 + 4 + 3;

impl Outbox {
    pub fn push_copy(&mut self, destination: SocketAddr, source: SocketAddr, data: &[u8]) {
        let buf = self.pool.take_copy(data);
        self.push(destination, source, buf);
    }

    /// No room for another datagram.
    pub fn is_full(&self) -> bool {
        self.queue.len() >= MAX_QUEUED_TRANSMITS
    }

    /// Queues `buf` on `route`, framed for a TURN relay when the route says so.
    pub fn push_routed(&mut self, route: Route, buf: Vec<u8>) {
        if route.framing == Framing::None {
            self.push(route.destination, route.source, buf);
            return;
        }
        let mut framed = self.pool.take();
        framed.resize(buf.len() + SEND_INDICATION_OVERHEAD, 0);
        self.indications += 1;
        let id = splitmix(self.indication_seed ^ self.indications).to_be_bytes();
        let mut tid = [0u8; 12];
        tid[..8].copy_from_slice(&id);
        tid[8..].copy_from_slice(&id[..4]);
        match frame_datagram(route.framing, TransactionId(tid), &buf, &mut framed) {
            Ok(len) => {
                framed.truncate(len);
                self.push(route.destination, route.source, framed);
            }
            Err(_) => {
                self.framing_failures += 1;
                self.pool.give(framed);
            }
        }
        self.pool.give(buf);
    }

    /// Queues a copy of `data` on `route`.
    pub fn push_copy_routed(&mut self, route: Route, data: &[u8]) {
        let buf = self.pool.take_copy(data);
        self.push_routed(route, buf);
    }

    pub fn push(&mut self, destination: SocketAddr, source: SocketAddr, buf: Vec<u8>) {
        if self.queue.len() >= MAX_QUEUED_TRANSMITS {
            self.overflow_dropped += 1;
            self.pool.give(buf);
            return;
        }
        self.queue.push_back(Outgoing {
            destination,
            source,
            buf,
        });
    }
}

/// splitmix64 (transaction ids need only be distinct per relay).
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtcscope_ice::PairId;
    use rtcscope_ice::stun::{Class, StunMessage};

    fn route(framing: Framing) -> Route {
        Route {
            pair: PairId(1),
            source: "10.0.0.1:5000".parse().unwrap(),
            destination: "192.0.2.9:3478".parse().unwrap(),
            framing,
        }
    }

    #[test]
    fn relayed_datagrams_are_framed_as_the_route_says() {
        let mut outbox = Outbox::default();
        let payload = [0x80u8, 111, 0, 1, 9, 9, 9];
        outbox.push_copy_routed(route(Framing::None), &payload);
        outbox.push_copy_routed(route(Framing::ChannelData(0x4001)), &payload);
        outbox.push_copy_routed(
            route(Framing::SendIndication {
                peer: "198.51.100.7:6000".parse().unwrap(),
            }),
            &payload,
        );
        let plain = outbox.queue.pop_front().unwrap();
        assert_eq!(plain.buf, payload);
        let channel = outbox.queue.pop_front().unwrap();
        assert_eq!(channel.buf[..4], [0x40, 0x01, 0, 7]);
        assert_eq!(channel.buf[4..], payload);
        assert_eq!(channel.destination, "192.0.2.9:3478".parse().unwrap());
        let indication = outbox.queue.pop_front().unwrap();
        let msg = StunMessage::parse(&indication.buf).unwrap();
        assert_eq!(msg.class, Class::Indication);
        assert_eq!(msg.method, 0x006); // TURN Send
        assert_eq!(
            msg.xor_peer_address,
            Some("198.51.100.7:6000".parse().unwrap())
        );
        assert_eq!(msg.data, Some(&payload[..]));
        assert_eq!(outbox.framing_failures, 0);
    }
}
