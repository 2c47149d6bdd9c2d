//! A minimal tokio driver: one UDP socket, the wall clock, and a
//! [`BundleTransport`]. Enough for loopback tests and demos; the real driver
//! (several sockets, get_stats off the media path) belongs to the peer
//! connection crate.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

use crate::transport::BundleTransport;

/// Largest datagram we read (a full UDP payload).
const RECEIVE_BUFFER: usize = 65_536;

/// A transport bound to one socket.
pub struct UdpDriver {
    socket: UdpSocket,
    local: SocketAddr,
    /// The sans-IO transport; call its API between [`UdpDriver::step`]s.
    pub transport: BundleTransport,
    buf: Vec<u8>,
    /// Datagrams the socket refused to send.
    pub send_errors: u64,
}

impl std::fmt::Debug for UdpDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UdpDriver")
            .field("local", &self.local)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl UdpDriver {
    /// Drives `transport` on `socket` (whose address must be the transport's
    /// local candidate).
    pub fn new(socket: UdpSocket, transport: BundleTransport) -> io::Result<Self> {
        let local = socket.local_addr()?;
        Ok(Self {
            socket,
            local,
            transport,
            buf: vec![0; RECEIVE_BUFFER],
            send_errors: 0,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Sends everything the transport has queued.
    pub async fn flush(&mut self) {
        while let Some(t) = self.transport.poll_transmit() {
            if self
                .socket
                .send_to(t.contents, t.destination)
                .await
                .is_err()
            {
                // The ICE layer keeps its own counters; a socket error is
                // like a loss on the wire.
                self.send_errors += 1;
            }
        }
    }

    /// One turn: flush, wait for a datagram, the transport's next timer or
    /// `max_wait` (whichever comes first), feed it, run due timers, flush.
    pub async fn step(&mut self, max_wait: Duration) -> io::Result<()> {
        self.flush().await;
        let now = Instant::now();
        let limit = now + max_wait;
        let deadline = self
            .transport
            .poll_timeout()
            .map_or(limit, |t| t.min(limit));
        tokio::select! {
            received = self.socket.recv_from(&mut self.buf) => {
                let (len, from) = received?;
                let data = self.buf.get(..len).unwrap_or_default();
                self.transport.handle_receive(Instant::now(), from, self.local, data);
            }
            () = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)) => {}
        }
        let now = Instant::now();
        if self.transport.poll_timeout().is_some_and(|t| t <= now) {
            self.transport.handle_timeout(now);
        }
        self.flush().await;
        Ok(())
    }
}
