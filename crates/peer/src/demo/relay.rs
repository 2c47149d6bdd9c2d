//! The impaired path of the demo: two relay sockets between the peers, one
//! facing each; every datagram goes through a netsim `Link` of its own
//! direction (loss, one-way delay, jitter) on the wall clock.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtcscope_netsim::{Link, LinkConfig};
use tokio::net::UdpSocket;
use tokio::sync::watch;

/// Datagrams the relay has in flight per direction before it drops (a
/// stalled peer must not grow memory without bound).
const MAX_IN_FLIGHT: usize = 4096;

/// What the relay did, per direction (offerer→answerer, answerer→offerer).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayCounters {
    pub forwarded: [u64; 2],
    pub dropped: [u64; 2],
}

/// The relay: `facing_offerer` receives what the offerer sends (the
/// offerer believes the answerer lives there), `facing_answerer` likewise.
pub struct Relay {
    pub facing_offerer: UdpSocket,
    pub facing_answerer: UdpSocket,
    pub offerer: SocketAddr,
    pub answerer: SocketAddr,
    pub to_answerer: Link<Vec<u8>>,
    pub to_offerer: Link<Vec<u8>>,
}

impl Relay {
    pub fn new(
        facing_offerer: UdpSocket,
        facing_answerer: UdpSocket,
        offerer: SocketAddr,
        answerer: SocketAddr,
        link: &LinkConfig,
        seed: u64,
    ) -> Result<Self, rtcscope_netsim::ConfigError> {
        Ok(Self {
            facing_offerer,
            facing_answerer,
            offerer,
            answerer,
            to_answerer: Link::new(link.clone(), seed)?,
            to_offerer: Link::new(link.clone(), seed ^ 0x5555_5555_5555_5555)?,
        })
    }

    /// Runs until `stop` turns true.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) -> RelayCounters {
        let mut counters = RelayCounters::default();
        let mut buf_a = vec![0u8; 65_536];
        let mut buf_b = vec![0u8; 65_536];
        loop {
            let now = Instant::now();
            while let Some(d) = self.to_answerer.poll_receive(now) {
                let _ = self.facing_answerer.send_to(&d, self.answerer).await;
            }
            while let Some(d) = self.to_offerer.poll_receive(now) {
                let _ = self.facing_offerer.send_to(&d, self.offerer).await;
            }
            let next = [
                self.to_answerer.next_delivery(),
                self.to_offerer.next_delivery(),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + Duration::from_secs(1));
            tokio::select! {
                r = self.facing_offerer.recv_from(&mut buf_a) => {
                    if let Ok((len, from)) = r && from == self.offerer {
                        let d = buf_a.get(..len).unwrap_or_default().to_vec();
                        Self::forward(&mut self.to_answerer, d, &mut counters, 0);
                    }
                }
                r = self.facing_answerer.recv_from(&mut buf_b) => {
                    if let Ok((len, from)) = r && from == self.answerer {
                        let d = buf_b.get(..len).unwrap_or_default().to_vec();
                        Self::forward(&mut self.to_offerer, d, &mut counters, 1);
                    }
                }
                () = tokio::time::sleep_until(tokio::time::Instant::from_std(next)) => {}
                _ = stop.changed() => {
                    if *stop.borrow() {
                        return counters;
                    }
                }
            }
        }
    }

    fn forward(link: &mut Link<Vec<u8>>, d: Vec<u8>, c: &mut RelayCounters, dir: usize) {
        if link.in_flight() >= MAX_IN_FLIGHT {
            c.dropped[dir] += 1;
            return;
        }
        let len = d.len();
        if link.send(Instant::now(), d, len).is_dropped() {
            c.dropped[dir] += 1;
        } else {
            c.forwarded[dir] += 1;
        }
    }
}
