//! Two agents on a simulated network (rtcscope-netsim), with a wire log so tests can count
//! what was actually exchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtcscope_ice::stun::{Class, StunMessage, TransactionId};
use rtcscope_ice::{
    IceAgent, IceConfig, IceEvent, IceTransportState, NominationMode, Received, RemoteCandidate,
};
use rtcscope_netsim::{LinkConfig, Path, Side};

pub mod turn_emu;

#[derive(Clone, Debug)]
pub struct Datagram {
    pub from: SocketAddr,
    pub to: SocketAddr,
    pub bytes: Vec<u8>,
}

/// One datagram as it left an agent.
#[derive(Clone, Debug)]
pub struct WireRecord {
    pub at: Instant,
    pub sender: Side,
    pub from: SocketAddr,
    pub to: SocketAddr,
    pub len: usize,
    /// (class, transaction id, has USE-CANDIDATE, error code) when STUN.
    pub stun: Option<(Class, TransactionId, bool, Option<u16>)>,
    pub delivered_at: Option<Instant>,
}

pub struct Sim {
    pub now: Instant,
    pub start: Instant,
    pub a: IceAgent,
    pub b: IceAgent,
    pub path: Path<Datagram>,
    pub wire: Vec<WireRecord>,
    /// When true every datagram is dropped before it reaches the link.
    pub blackhole: bool,
    /// Signal candidates/credentials automatically (trickle through a perfect channel).
    pub auto_signal: bool,
    pub events_a: Vec<(Instant, IceEvent)>,
    pub events_b: Vec<(Instant, IceEvent)>,
    /// Application data delivered: (receiver, pair reported by the agent, len).
    pub data_a: Vec<Received>,
    pub data_b: Vec<Received>,
    /// STUN-server emulation: datagrams to this address get a Binding success response
    /// with `stun_server_mapped` as XOR-MAPPED-ADDRESS.
    pub stun_server: Option<(SocketAddr, SocketAddr)>,
    /// Emulated TURN server next to the link (see `turn_emu.rs`).
    pub turn: Option<turn_emu::TurnEmu>,
    /// A's socket addresses (relay-only agents have no host candidates to look at).
    pub a_addresses: Vec<SocketAddr>,
}

pub fn other(side: Side) -> Side {
    match side {
        Side::A => Side::B,
        Side::B => Side::A,
    }
}

pub const A_ADDR: &str = "10.0.0.1:5000";
pub const B_ADDR: &str = "10.0.0.2:6000";

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub fn config(local: &str, controlling: bool, seed: u8) -> IceConfig {
    let mut c = IceConfig::new(vec![addr(local)], controlling, [seed; 32]);
    c.nomination = NominationMode::Regular;
    c
}

impl Sim {
    pub fn new(a: IceConfig, b: IceConfig, link: LinkConfig) -> Sim {
        let start = Instant::now();
        let a_addresses = a.local_addresses.clone();
        let a = IceAgent::new(a, start);
        let b = IceAgent::new(b, start);
        let mut sim = Sim {
            now: start,
            start,
            a,
            b,
            path: Path::symmetric(link, 7).unwrap(),
            wire: Vec::new(),
            blackhole: false,
            auto_signal: true,
            events_a: Vec::new(),
            events_b: Vec::new(),
            data_a: Vec::new(),
            data_b: Vec::new(),
            stun_server: None,
            turn: None,
            a_addresses,
        };
        sim.exchange_credentials();
        sim
    }

    pub fn exchange_credentials(&mut self) {
        let (ua, pa) = self.a.local_credentials();
        let (ua, pa) = (ua.to_string(), pa.to_string());
        let (ub, pb) = self.b.local_credentials();
        let (ub, pb) = (ub.to_string(), pb.to_string());
        self.a.set_remote_credentials(self.now, &ub, &pb).unwrap();
        self.b.set_remote_credentials(self.now, &ua, &pa).unwrap();
    }

    pub fn agent(&mut self, side: Side) -> &mut IceAgent {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }

    fn drain_agent(&mut self, side: Side) {
        while let Some(t) = self.agent(side).poll_transmit() {
            let bytes = t.contents().to_vec();
            self.put_on_wire(side, t.source, t.destination, bytes);
        }
        while let Some(ev) = self.agent(side).poll_event() {
            let now = self.now;
            if self.auto_signal {
                let other = match side {
                    Side::A => Side::B,
                    Side::B => Side::A,
                };
                match &ev {
                    IceEvent::LocalCandidate(c) => {
                        let parsed = RemoteCandidate::parse_sdp(&c.to_sdp_attribute()).unwrap();
                        let _ = self.agent(other).add_remote_candidate(now, parsed);
                    }
                    IceEvent::GatheringComplete => {
                        self.agent(other).set_remote_end_of_candidates(now)
                    }
                    _ => {}
                }
            }
            match side {
                Side::A => self.events_a.push((now, ev)),
                Side::B => self.events_b.push((now, ev)),
            }
        }
    }

    pub fn put_on_wire(&mut self, sender: Side, from: SocketAddr, to: SocketAddr, bytes: Vec<u8>) {
        let stun = StunMessage::parse(&bytes).ok().map(|m| {
            (
                m.class,
                m.transaction_id,
                m.use_candidate,
                m.error_code.map(|e| e.code),
            )
        });
        let mut record = WireRecord {
            at: self.now,
            sender,
            from,
            to,
            len: bytes.len(),
            stun,
            delivered_at: None,
        };
        if let Some((server, mapped)) = self.stun_server
            && to == server
        {
            // Emulated STUN server: answer at once through the same link back.
            let msg = StunMessage::parse(&bytes).unwrap();
            let mut buf = [0u8; 128];
            let mut w = rtcscope_ice::stun::MessageWriter::new(
                &mut buf,
                Class::SuccessResponse,
                rtcscope_ice::stun::METHOD_BINDING,
                msg.transaction_id,
            )
            .unwrap();
            w.xor_mapped_address(mapped).unwrap();
            let len = w.fingerprint().unwrap();
            self.wire.push(record);
            let reply = Datagram {
                from: server,
                to: from,
                bytes: buf[..len].to_vec(),
            };
            let back = match sender {
                Side::A => Side::B,
                Side::B => Side::A,
            };
            let _ = self.path.link_from(back).send(self.now, reply, len);
            return;
        }
        if let Some(turn) = self.turn.as_mut()
            && let Some(outputs) = turn.handle(from, to, &bytes)
        {
            // The TURN server sits right next to the sender: its answers to the client go
            // back over the reverse link, relayed datagrams onward over the sender's link.
            self.wire.push(record);
            for out in outputs {
                // The link that delivers to the side owning the destination address.
                let a_owns = self.a.local_candidates().iter().any(|c| c.base == out.to)
                    || self.a_addresses.contains(&out.to);
                let link = if a_owns { Side::B } else { Side::A };
                let len = out.bytes.len();
                let _ = self.path.link_from(link).send(
                    self.now,
                    Datagram {
                        from: out.from,
                        to: out.to,
                        bytes: out.bytes,
                    },
                    len,
                );
            }
            return;
        }
        if !self.blackhole {
            let verdict = self.path.link_from(sender).send(
                self.now,
                Datagram { from, to, bytes },
                record.len,
            );
            if let rtcscope_netsim::SendVerdict::Scheduled { deliver_at, .. } = verdict {
                record.delivered_at = Some(deliver_at);
            }
        }
        self.wire.push(record);
    }

    /// Advances simulated time to the next event and processes it.
    pub fn step(&mut self) -> bool {
        self.drain_agent(Side::A);
        self.drain_agent(Side::B);
        let next = [
            self.a.poll_timeout(),
            self.b.poll_timeout(),
            self.path.next_delivery(),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(next) = next else {
            return false;
        };
        self.now = self.now.max(next);
        while let Some((side, d)) = self.path.poll_receive(self.now) {
            let now = self.now;
            let r = self.agent(side).handle_receive(now, d.from, d.to, &d.bytes);
            if matches!(r, Received::Data { .. }) {
                match side {
                    Side::A => self.data_a.push(r),
                    Side::B => self.data_b.push(r),
                }
            }
        }
        let now = self.now;
        if self.a.poll_timeout().is_some_and(|t| t <= now) {
            self.a.handle_timeout(now);
        }
        if self.b.poll_timeout().is_some_and(|t| t <= now) {
            self.b.handle_timeout(now);
        }
        self.drain_agent(Side::A);
        self.drain_agent(Side::B);
        true
    }

    /// Runs until `done` holds or `limit` of simulated time passed; returns whether it held.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Sim) -> bool) -> bool {
        let end = self.now + limit;
        while self.now < end {
            if done(self) {
                return true;
            }
            if !self.step() {
                break;
            }
        }
        done(self)
    }

    /// Runs for exactly `d` of simulated time (processing everything due before).
    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            self.drain_agent(Side::A);
            self.drain_agent(Side::B);
            let next = [
                self.a.poll_timeout(),
                self.b.poll_timeout(),
                self.path.next_delivery(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= end => {
                    self.step();
                }
                _ => break,
            }
        }
        self.now = end;
    }

    pub fn both_connected(&self) -> bool {
        let ok = |s: IceTransportState| {
            matches!(
                s,
                IceTransportState::Connected | IceTransportState::Completed
            )
        };
        ok(self.a.state()) && ok(self.b.state())
    }

    pub fn states(events: &[(Instant, IceEvent)]) -> Vec<IceTransportState> {
        events
            .iter()
            .filter_map(|(_, e)| match e {
                IceEvent::StateChanged(s) => Some(*s),
                _ => None,
            })
            .collect()
    }

    /// Wire records sent by `sender` from `from` to `to` of STUN class `class`.
    pub fn count_stun(
        &self,
        sender: Side,
        from: SocketAddr,
        to: SocketAddr,
        class: Class,
        unique_transactions: bool,
    ) -> u64 {
        let mut seen: Vec<TransactionId> = Vec::new();
        let mut n = 0;
        for r in &self.wire {
            if r.sender != sender || r.from != from || r.to != to {
                continue;
            }
            if let Some((c, tid, _, _)) = r.stun
                && c == class
            {
                if unique_transactions {
                    if seen.contains(&tid) {
                        continue;
                    }
                    seen.push(tid);
                }
                n += 1;
            }
        }
        n
    }

    /// STUN datagrams of `class` from `from` to `to` that were delivered by now.
    pub fn count_stun_delivered(&self, from: SocketAddr, to: SocketAddr, class: Class) -> u64 {
        self.wire
            .iter()
            .filter(|r| {
                r.from == from
                    && r.to == to
                    && r.delivered_at.is_some_and(|t| t <= self.now)
                    && r.stun.is_some_and(|(c, ..)| c == class)
            })
            .count() as u64
    }
}
