//! The pacer between the video encoders and the transport (with
//! transport-wide CC only): a frame's packets wait in a FIFO and leave at
//! the `rtcscope-bwe` pacer's rate (target × 2.5), so a keyframe does not
//! hit the bottleneck as one burst. The transport numbers, extends (TWCC) and
//! protects each packet when it actually leaves; the time it waited is
//! outbound-rtp `totalPacketSendDelay`. Audio and retransmissions are not
//! paced (as libwebrtc gives them priority).

use std::collections::VecDeque;
use std::time::Instant;

use rtcscope_bwe::{Pacer, PacerConfig};

use crate::transport::BundleTransport;

/// Payload slots kept for reuse (no allocation per packet in steady state).
const POOL: usize = 256;
/// What the transport adds to the payload on the wire (RTP header, TWCC extension, SRTP
/// tag), for the pacer's byte count.
const WIRE_OVERHEAD: usize = 12 + 8 + 10;
/// Local streams with a send-delay sum (one per sender).
const MAX_STREAMS: usize = 64;

struct Queued {
    ssrc: u32,
    encoder_sequence: u16,
    timestamp: u32,
    marker: bool,
    payload: Vec<u8>,
}

/// One packet the pacer released and the transport took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Released {
    pub ssrc: u32,
    pub encoder_sequence: u16,
    /// The transport's sequence number, or `None` when it refused the packet.
    pub sequence: Option<u16>,
}

pub(crate) struct PacedSender {
    pacer: Pacer,
    queue: VecDeque<Queued>,
    pool: Vec<Vec<u8>>,
    /// (ssrc, seconds waited in total).
    send_delay: Vec<(u32, f64)>,
    pub refused: u64,
}

impl std::fmt::Debug for PacedSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacedSender")
            .field("queued", &self.queue.len())
            .field("refused", &self.refused)
            .finish_non_exhaustive()
    }
}

impl PacedSender {
    pub fn new(target_bps: u64) -> Self {
        let config = PacerConfig::default();
        Self {
            pacer: Pacer::new(config, target_bps),
            queue: VecDeque::with_capacity(config.max_queue_packets),
            pool: Vec::with_capacity(POOL),
            send_delay: Vec::with_capacity(MAX_STREAMS),
            refused: 0,
        }
    }

    pub fn set_target_bitrate(&mut self, target_bps: u64) {
        self.pacer.set_target_bitrate(target_bps);
    }

    /// Queues one packet of local stream `ssrc` (numbered `encoder_sequence` by its
    /// encoder). A full queue refuses it (counted).
    pub fn enqueue(
        &mut self,
        now: Instant,
        ssrc: u32,
        encoder_sequence: u16,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) {
        if self
            .pacer
            .enqueue(now, 0, payload.len() + WIRE_OVERHEAD)
            .is_err()
        {
            self.refused += 1;
            return;
        }
        let mut buf = self.pool.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(payload);
        self.queue.push_back(Queued {
            ssrc,
            encoder_sequence,
            timestamp,
            marker,
            payload: buf,
        });
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pacer.poll_timeout()
    }

    /// Sends what the pacer releases at `now`; `sent` learns each packet's fate.
    pub fn release(
        &mut self,
        now: Instant,
        transport: &mut BundleTransport,
        mut sent: impl FnMut(Released),
    ) {
        while let Some(paced) = self.pacer.poll_send(now) {
            // The pacer is FIFO like this queue: its head is our head.
            let Some(q) = self.queue.pop_front() else {
                break;
            };
            let result = transport.send_rtp(now, q.ssrc, &q.payload, q.timestamp, q.marker);
            let waited = paced.queue_time.as_secs_f64();
            if let Some((_, total)) = self.send_delay.iter_mut().find(|(s, _)| *s == q.ssrc) {
                *total += waited;
            } else if self.send_delay.len() < MAX_STREAMS {
                self.send_delay.push((q.ssrc, waited));
            }
            sent(Released {
                ssrc: q.ssrc,
                encoder_sequence: q.encoder_sequence,
                sequence: result.ok(),
            });
            if self.pool.len() < POOL {
                self.pool.push(q.payload);
            }
        }
    }

    /// outbound-rtp totalPacketSendDelay of local stream `ssrc` (seconds).
    pub fn total_send_delay(&self, ssrc: u32) -> Option<f64> {
        self.send_delay
            .iter()
            .find(|(s, _)| *s == ssrc)
            .map(|(_, d)| *d)
    }
}
