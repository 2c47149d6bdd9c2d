//! A tokio UDP driver: owns real sockets and the wall clock around the sans-IO agent.
//!
//! `next()` is cancel-safe, so several drivers can be polled from one `tokio::select!`.

use std::io;
use std::net::SocketAddr;
use std::task::Poll;
use std::time::Instant;

use tokio::io::ReadBuf;
use tokio::net::UdpSocket;

use crate::stun::TransactionId;
use crate::{Framing, IceAgent, IceConfig, IceEvent, PairId, Received, frame_datagram};

/// Largest UDP payload we accept.
const RECEIVE_BUFFER: usize = 65_536;

/// What `next()` produced.
#[derive(Debug, Clone, PartialEq)]
pub enum DriverEvent {
    Ice(IceEvent),
    /// Application data arrived on `pair`; the bytes are in `received()` until the next
    /// call to `next()`.
    Data {
        pair: PairId,
        len: usize,
    },
}

pub struct UdpDriver {
    agent: IceAgent,
    sockets: Vec<(SocketAddr, UdpSocket)>,
    buffer: Box<[u8]>,
    received_len: usize,
    /// Reused for framing relayed data (ChannelData / Send indication).
    send_buffer: Box<[u8]>,
    indications_sent: u64,
    pending: Option<crate::Transmit>,
}

impl UdpDriver {
    /// Binds one socket per address (port 0 picks a free port); the bound addresses become
    /// the agent's host candidates. When `config.seed` is all zero it is taken from the OS.
    pub async fn bind(addresses: &[SocketAddr], mut config: IceConfig) -> io::Result<UdpDriver> {
        let mut sockets = Vec::with_capacity(addresses.len());
        for address in addresses {
            let socket = UdpSocket::bind(address).await?;
            sockets.push((socket.local_addr()?, socket));
        }
        config.local_addresses = sockets.iter().map(|(a, _)| *a).collect();
        if config.seed == [0; 32] {
            getrandom::fill(&mut config.seed).map_err(|e| io::Error::other(e.to_string()))?;
        }
        Ok(UdpDriver {
            agent: IceAgent::new(config, Instant::now()),
            sockets,
            buffer: vec![0u8; RECEIVE_BUFFER].into_boxed_slice(),
            received_len: 0,
            send_buffer: vec![0u8; RECEIVE_BUFFER + 64].into_boxed_slice(),
            indications_sent: 0,
            pending: None,
        })
    }

    pub fn agent(&mut self) -> &mut IceAgent {
        &mut self.agent
    }

    pub fn local_addresses(&self) -> Vec<SocketAddr> {
        self.sockets.iter().map(|(a, _)| *a).collect()
    }

    /// The payload of the last `DriverEvent::Data`.
    pub fn received(&self) -> &[u8] {
        &self.buffer[..self.received_len]
    }

    /// Sends application data on the selected pair; a socket error is counted as
    /// packetsDiscardedOnSend and returned.
    pub fn send_data(&mut self, data: &[u8]) -> io::Result<()> {
        let route = self
            .agent
            .send_data(Instant::now(), data)
            .map_err(|e| io::Error::new(io::ErrorKind::NotConnected, e))?;
        let datagram: &[u8] = match route.framing {
            Framing::None => data,
            framing => {
                // Send indications need a transaction id; uniqueness is all that matters.
                self.indications_sent += 1;
                let mut id = TransactionId::default();
                id.0[4..].copy_from_slice(&self.indications_sent.to_be_bytes());
                let len = frame_datagram(framing, id, data, &mut self.send_buffer)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                &self.send_buffer[..len]
            }
        };
        let socket = self
            .sockets
            .iter()
            .find(|(a, _)| *a == route.source)
            .map(|(_, s)| s);
        let result = match socket {
            Some(socket) => socket.try_send_to(datagram, route.destination).map(|_| ()),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no socket for route",
            )),
        };
        if result.is_err() {
            self.agent.report_send_failure(route.pair, data.len());
        }
        result
    }

    /// Sends the agent's queued STUN datagrams, awaiting writability (a socket that was
    /// just bound is not known writable until the reactor has polled it once). The datagram
    /// being sent stays in `pending` until the send completed, so cancelling `next()` here
    /// loses nothing: the next call sends it.
    async fn flush(&mut self) {
        loop {
            if self.pending.is_none() {
                self.pending = self.agent.poll_transmit();
            }
            let Some(t) = &self.pending else {
                return;
            };
            if let Some((_, socket)) = self.sockets.iter().find(|(a, _)| *a == t.source) {
                // A failed STUN send is like a lost packet: retransmission covers it.
                let _ = socket.send_to(t.contents(), t.destination).await;
            }
            self.pending = None;
        }
    }

    /// Runs the agent until it has an event or application data for the caller.
    pub async fn next(&mut self) -> io::Result<DriverEvent> {
        loop {
            self.flush().await;
            if let Some(event) = self.agent.poll_event() {
                return Ok(DriverEvent::Ice(event));
            }
            let deadline = self.agent.poll_timeout();
            let sockets = &self.sockets;
            let buffer = &mut self.buffer;
            let receive = std::future::poll_fn(|cx| {
                for (local, socket) in sockets.iter() {
                    let mut read = ReadBuf::new(buffer);
                    match socket.poll_recv_from(cx, &mut read) {
                        Poll::Ready(Ok(from)) => {
                            return Poll::Ready(Ok((*local, from, read.filled().len())));
                        }
                        // ICMP errors (e.g. port unreachable) surface here on some systems;
                        // they say nothing the agent needs, so keep waiting.
                        Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::ConnectionReset => {
                            cx.waker().wake_by_ref();
                            return Poll::Pending;
                        }
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => {}
                    }
                }
                Poll::Pending
            });
            let sleep = async {
                match deadline {
                    Some(t) => tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                received = receive => {
                    let (local, from, len) = received?;
                    let now = Instant::now();
                    match self.agent.handle_receive(now, from, local, &self.buffer[..len]) {
                        Received::Data { pair, start, len } => {
                            // Move the payload to the front so `received()` is one slice.
                            self.buffer.copy_within(start..start + len, 0);
                            self.received_len = len;
                            self.flush().await;
                            return Ok(DriverEvent::Data { pair, len });
                        }
                        Received::Stun | Received::Discarded(_) => {}
                    }
                }
                () = sleep => {
                    self.agent.handle_timeout(Instant::now());
                }
            }
        }
    }
}
