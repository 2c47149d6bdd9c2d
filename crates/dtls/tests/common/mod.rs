//! A two-endpoint harness that runs two DtlsTransports over a simulated path.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rtcscope_dtls::dimpl;
use rtcscope_dtls::{
    DtlsEvent, DtlsFailure, DtlsRole, DtlsTransport, DtlsTransportConfig, DtlsVersion,
    LocalCertificate, Sha256Fingerprint,
};
use rtcscope_netsim::{LinkConfig, LossModel, Path, Side};

/// What one endpoint observed through its events.
#[derive(Default, Debug)]
pub struct Observed {
    pub connected: bool,
    pub closed: bool,
    pub failure: Option<DtlsFailure>,
    pub received: Vec<Vec<u8>>,
}

pub struct Endpoint {
    pub transport: DtlsTransport,
    pub certificate: LocalCertificate,
    pub observed: Observed,
}

pub struct Pair {
    pub client: Endpoint,
    pub server: Endpoint,
    pub path: Path<Vec<u8>>,
    pub now: Instant,
    pub start: Instant,
    /// Extra deterministic loss: (sending side, index of the datagram that
    /// side sent, 0-based) -> drop it.
    pub drop_rule: fn(Side, u64) -> bool,
    pub sent: [u64; 2],
}

pub fn config(version: DtlsVersion, seed: u64) -> DtlsTransportConfig {
    let cfg = dimpl::Config::builder()
        .dangerously_set_rng_seed(seed)
        .build()
        .unwrap();
    DtlsTransportConfig {
        version,
        dimpl: std::sync::Arc::new(cfg),
    }
}

pub fn lossless() -> LinkConfig {
    LinkConfig {
        delay: Duration::from_millis(10),
        ..LinkConfig::default()
    }
}

pub fn lossy(p: f64) -> LinkConfig {
    LinkConfig {
        loss: LossModel::Bernoulli { p },
        delay: Duration::from_millis(25),
        jitter: Duration::from_millis(5),
        ..LinkConfig::default()
    }
}

/// Which fingerprint each side expects of the other.
#[derive(Clone, Copy)]
pub enum Expect {
    /// The real ones.
    Real,
    /// The server is told a forged client fingerprint.
    ForgedAtServer(Sha256Fingerprint),
    /// The client is told a forged server fingerprint.
    ForgedAtClient(Sha256Fingerprint),
    /// The server learns the client's fingerprint only later.
    LateAtServer,
}

impl Pair {
    pub fn new(
        client_cfg: DtlsTransportConfig,
        server_cfg: DtlsTransportConfig,
        link: LinkConfig,
        net_seed: u64,
        expect: Expect,
    ) -> Self {
        let start = Instant::now();
        let client_cert = LocalCertificate::generate().unwrap();
        let server_cert = LocalCertificate::generate().unwrap();
        let (client_expects, server_expects) = match expect {
            Expect::Real => (server_cert.fingerprint(), client_cert.fingerprint()),
            Expect::ForgedAtServer(f) => (server_cert.fingerprint(), f),
            Expect::ForgedAtClient(f) => (f, client_cert.fingerprint()),
            Expect::LateAtServer => (server_cert.fingerprint(), client_cert.fingerprint()),
        };
        let server_expects = match expect {
            Expect::LateAtServer => None,
            _ => Some(server_expects),
        };
        let client = DtlsTransport::new(
            client_cfg,
            &client_cert,
            DtlsRole::Client,
            Some(client_expects),
            start,
        );
        let server = DtlsTransport::new(
            server_cfg,
            &server_cert,
            DtlsRole::Server,
            server_expects,
            start,
        );
        Self {
            client: Endpoint {
                transport: client,
                certificate: client_cert,
                observed: Observed::default(),
            },
            server: Endpoint {
                transport: server,
                certificate: server_cert,
                observed: Observed::default(),
            },
            path: Path::new(link.clone(), link, net_seed).unwrap(),
            now: start,
            start,
            drop_rule: |_, _| false,
            sent: [0, 0],
        }
    }

    /// A pair from transports built elsewhere (client first).
    pub fn from_transports(
        client: DtlsTransport,
        client_cert: LocalCertificate,
        server: DtlsTransport,
        server_cert: LocalCertificate,
        link: LinkConfig,
        net_seed: u64,
    ) -> Self {
        let start = Instant::now();
        Self {
            client: Endpoint {
                transport: client,
                certificate: client_cert,
                observed: Observed::default(),
            },
            server: Endpoint {
                transport: server,
                certificate: server_cert,
                observed: Observed::default(),
            },
            path: Path::new(link.clone(), link, net_seed).unwrap(),
            now: start,
            start,
            drop_rule: |_, _| false,
            sent: [0, 0],
        }
    }

    /// Client is side A, server side B.
    fn drain(&mut self) {
        let now = self.now;
        for (side, ep) in [(Side::A, &mut self.client), (Side::B, &mut self.server)] {
            let index = &mut self.sent[side as usize];
            while let Some(datagram) = ep.transport.poll_transmit() {
                let len = datagram.len();
                let copy = datagram.to_vec();
                let drop = (self.drop_rule)(side, *index);
                *index += 1;
                if !drop {
                    self.path.link_from(side).send(now, copy, len);
                }
            }
            while let Some(event) = ep.transport.poll_event() {
                match event {
                    DtlsEvent::Connected => ep.observed.connected = true,
                    DtlsEvent::ApplicationData(d) => ep.observed.received.push(d.to_vec()),
                    DtlsEvent::Closed => ep.observed.closed = true,
                    DtlsEvent::Failed(f) => ep.observed.failure = Some(f),
                }
            }
        }
    }

    /// Run simulated time until `done` holds or `limit` of simulated time passes.
    /// Returns whether `done` held.
    pub fn run_until(&mut self, limit: Duration, done: impl Fn(&Pair) -> bool) -> bool {
        let deadline = self.now + limit;
        loop {
            self.drain();
            if done(self) {
                return true;
            }
            let next = [
                self.client.transport.poll_timeout(),
                self.server.transport.poll_timeout(),
                self.path.next_delivery(),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(next) = next else {
                return false;
            };
            if next > deadline {
                return false;
            }
            self.now = self.now.max(next);
            let now = self.now;
            while let Some((side, datagram)) = self.path.poll_receive(now) {
                let ep = match side {
                    Side::A => &mut self.client,
                    Side::B => &mut self.server,
                };
                ep.transport.handle_receive(now, &datagram);
                self.drain();
            }
            for ep in [&mut self.client, &mut self.server] {
                if ep.transport.poll_timeout().is_some_and(|t| t <= now) {
                    ep.transport.handle_timeout(now);
                }
            }
        }
    }

    pub fn both_connected(&self) -> bool {
        self.client.observed.connected && self.server.observed.connected
    }

    pub fn handshake(&mut self, limit: Duration) -> bool {
        self.run_until(limit, Pair::both_connected)
    }
}
