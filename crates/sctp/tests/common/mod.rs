//! Two SCTP transports joined by a simulated network (rtcscope-netsim), on simulated time.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use rtcscope_netsim::{LinkConfig, LossModel, Path, Side};
use rtcscope_sctp::{DtlsRole, SctpConfig, SctpEvent, SctpTransport};

/// One DATA chunk seen on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireData {
    pub from: Side,
    pub stream_id: u16,
    pub ppid: u32,
    pub flags: u8,
    pub user_data: Vec<u8>,
}

/// Walk an SCTP packet's DATA chunks (our own test-side parser, RFC 4960 §3.3.1).
pub fn data_chunks(from: Side, packet: &[u8]) -> Vec<WireData> {
    let mut out = Vec::new();
    let mut at = 12;
    while at + 4 <= packet.len() {
        let chunk_type = packet[at];
        let len = usize::from(u16::from_be_bytes([packet[at + 2], packet[at + 3]]));
        if len < 4 || at + len > packet.len() {
            break;
        }
        if chunk_type == 0 {
            let c = &packet[at..at + len];
            out.push(WireData {
                from,
                flags: c[1],
                stream_id: u16::from_be_bytes([c[8], c[9]]),
                ppid: u32::from_be_bytes([c[12], c[13], c[14], c[15]]),
                user_data: c[16..].to_vec(),
            });
        }
        at += len.next_multiple_of(4);
    }
    out
}

pub struct Pair {
    pub start: Instant,
    pub now: Instant,
    /// DTLS client (even stream ids), side A of the path.
    pub a: SctpTransport,
    /// DTLS server (odd stream ids), side B of the path.
    pub b: SctpTransport,
    pub path: Path<Bytes>,
    /// Events with the simulated time they were polled.
    pub events_a: Vec<(Instant, SctpEvent)>,
    pub events_b: Vec<(Instant, SctpEvent)>,
    /// Every DATA chunk offered to the network (before loss), when `sniff` is on.
    pub sniff: bool,
    pub wire: Vec<WireData>,
    /// Leave B's events unpolled (an application that does not keep up).
    pub hold_events_b: bool,
    /// Every packet offered to the network, when `sniff` is on.
    pub packets: Vec<(Side, Bytes)>,
}

pub fn link(loss: f64, delay_ms: u64, jitter_ms: u64) -> LinkConfig {
    LinkConfig {
        loss: if loss > 0.0 {
            LossModel::Bernoulli { p: loss }
        } else {
            LossModel::None
        },
        delay: Duration::from_millis(delay_ms),
        jitter: Duration::from_millis(jitter_ms),
        ..LinkConfig::default()
    }
}

impl Pair {
    pub fn new(config_a: SctpConfig, config_b: SctpConfig, link: LinkConfig, seed: u64) -> Self {
        let start = Instant::now();
        Self {
            start,
            now: start,
            a: SctpTransport::new(DtlsRole::Client, config_a).unwrap(),
            b: SctpTransport::new(DtlsRole::Server, config_b).unwrap(),
            path: Path::symmetric(link, seed).unwrap(),
            events_a: Vec::new(),
            events_b: Vec::new(),
            sniff: false,
            wire: Vec::new(),
            hold_events_b: false,
            packets: Vec::new(),
        }
    }

    pub fn lossless(delay_ms: u64) -> Self {
        Self::new(
            SctpConfig::default(),
            SctpConfig::default(),
            link(0.0, delay_ms, 0),
            1,
        )
    }

    /// Replace the network once nothing is in flight on the old one.
    pub fn swap_path(&mut self, link: LinkConfig, seed: u64) {
        let idle = self.run_until(Duration::from_secs(5), |p| p.path.next_delivery().is_none());
        assert!(idle, "packets still in flight");
        self.path = Path::symmetric(link, seed).unwrap();
    }

    pub fn flush(&mut self) {
        while let Some(p) = self.a.poll_transmit(self.now) {
            if self.sniff {
                self.wire.extend(data_chunks(Side::A, &p));
                self.packets.push((Side::A, p.clone()));
            }
            let len = p.len();
            self.path.link_from(Side::A).send(self.now, p, len);
        }
        while let Some(p) = self.b.poll_transmit(self.now) {
            if self.sniff {
                self.wire.extend(data_chunks(Side::B, &p));
                self.packets.push((Side::B, p.clone()));
            }
            let len = p.len();
            self.path.link_from(Side::B).send(self.now, p, len);
        }
        while let Some(e) = self.a.poll_event() {
            self.events_a.push((self.now, e));
        }
        while !self.hold_events_b
            && let Some(e) = self.b.poll_event()
        {
            self.events_b.push((self.now, e));
        }
    }

    /// Deliver everything due now, fire due timers, then advance to the next
    /// arrival or timer. Returns false when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        self.flush();
        while let Some((to, packet)) = self.path.poll_receive(self.now) {
            match to {
                Side::A => self.a.handle_receive(self.now, &packet),
                Side::B => self.b.handle_receive(self.now, &packet),
            }
            self.flush();
        }
        if self.a.poll_timeout().is_some_and(|t| t <= self.now) {
            self.a.handle_timeout(self.now);
        }
        if self.b.poll_timeout().is_some_and(|t| t <= self.now) {
            self.b.handle_timeout(self.now);
        }
        self.flush();
        let next = [
            self.path.next_delivery(),
            self.a.poll_timeout(),
            self.b.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min();
        match next {
            Some(t) => {
                // A timer already due that did not re-arm later still moves time
                // forward by a millisecond, so the loop always progresses.
                self.now = t.max(self.now + Duration::from_millis(1));
                true
            }
            None => false,
        }
    }

    /// Step until `done` holds or `limit` of simulated time has passed.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Pair) -> bool) -> bool {
        let deadline = self.now + limit;
        loop {
            self.flush();
            if done(self) {
                return true;
            }
            if self.now > deadline {
                return false;
            }
            self.step();
        }
    }

    /// Run for a stretch of simulated time (timers keep firing).
    pub fn run_for(&mut self, d: Duration) {
        let deadline = self.now + d;
        while self.now < deadline {
            if !self.step() {
                self.now = deadline;
            }
        }
        self.flush();
    }

    pub fn connect(&mut self) {
        assert!(
            self.run_until(Duration::from_secs(60), |p| p.a.is_connected()
                && p.b.is_connected()),
            "association did not come up"
        );
    }

    pub fn opened(events: &[(Instant, SctpEvent)], id: u16) -> bool {
        events
            .iter()
            .any(|(_, e)| matches!(e, SctpEvent::ChannelOpen { id: i, .. } if *i == id))
    }

    pub fn closed(events: &[(Instant, SctpEvent)], id: u16) -> bool {
        events
            .iter()
            .any(|(_, e)| matches!(e, SctpEvent::ChannelClosed { id: i } if *i == id))
    }

    pub fn messages(
        events: &[(Instant, SctpEvent)],
        id: u16,
    ) -> Vec<(Instant, rtcscope_sctp::DataChannelMessage)> {
        events
            .iter()
            .filter_map(|(t, e)| match e {
                SctpEvent::Message { id: i, message } if *i == id => Some((*t, message.clone())),
                _ => None,
            })
            .collect()
    }
}

/// CRC32c (Castagnoli, reflected) as SCTP uses it (RFC 4960 Appendix B).
pub fn crc32c(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Store a valid SCTP checksum (little-endian on the wire, computed with the field zeroed).
pub fn fix_checksum(packet: &mut [u8]) {
    packet[8..12].fill(0);
    let crc = crc32c(packet);
    packet[8..12].copy_from_slice(&crc.to_le_bytes());
}

/// Deterministic bytes (xorshift64*) so transferred data is not trivially regular.
pub fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}
