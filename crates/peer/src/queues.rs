//! Outgoing datagrams and pending events, in pooled buffers so the
//! steady-state packet path reuses memory instead of allocating.

use std::collections::VecDeque;
use std::net::SocketAddr;

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
}

impl Outbox {
    pub fn push_copy(&mut self, destination: SocketAddr, source: SocketAddr, data: &[u8]) {
        let buf = self.pool.take_copy(data);
        self.push(destination, source, buf);
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
