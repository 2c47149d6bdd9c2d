//! Passive observation of our own SCTP packets for the `sctp-transport` statistics.
//!
//! sctp-proto keeps its smoothed RTT, congestion window and the peer's receiver
//! window private (`Association::rtt()` returns the RTO, not the SRTT). We see every
//! packet it sends and every packet it accepts, so we measure what the wire shows:
//! - SRTT by RFC 4960 §6.3.1 (one DATA chunk timed at a time, Karn's rule: a
//!   retransmitted TSN is never measured), from our DATA TSNs and the peer's SACKs;
//! - the peer's advertised receiver window (a_rwnd of the latest SACK);
//! - unacknowledged DATA chunks: highest TSN sent minus the cumulative ack, less the
//!   chunks the latest SACK reports in gap blocks.
//!
//! Parsing is read-only over the packet bytes and allocates nothing; a malformed
//! chunk ends the walk (sctp-proto has already judged the packet itself).

use std::time::{Duration, Instant};

const COMMON_HEADER_LEN: usize = 12;
const CHUNK_HEADER_LEN: usize = 4;
const CHUNK_DATA: u8 = 0;
const CHUNK_SACK: u8 = 3;
/// DATA: header(4) + TSN(4) + stream(2) + SSN(2) + PPID(4).
const DATA_MIN_LEN: usize = 16;
/// SACK: header(4) + cumulative TSN(4) + a_rwnd(4) + gap count(2) + dup count(2).
const SACK_MIN_LEN: usize = 16;

/// RFC 4960 serial-number comparison: `a` is after `b`.
fn tsn_after(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < (1 << 31)
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let bytes = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    let bytes = b.get(at..at + 2)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
}

/// Walk the chunks of one SCTP packet, calling `f(type, chunk_bytes)`.
fn for_each_chunk(packet: &[u8], mut f: impl FnMut(u8, &[u8])) {
    let mut at = COMMON_HEADER_LEN;
    while at + CHUNK_HEADER_LEN <= packet.len() {
        let chunk_type = packet[at];
        let Some(len) = be_u16(packet, at + 2).map(usize::from) else {
            return;
        };
        if len < CHUNK_HEADER_LEN || at + len > packet.len() {
            return;
        }
        f(chunk_type, &packet[at..at + len]);
        // Chunks are padded to a multiple of 4 bytes.
        at += len.next_multiple_of(4);
    }
}

#[derive(Debug, Clone, Copy)]
struct TimedTsn {
    tsn: u32,
    sent_at: Instant,
}

/// What the wire has shown so far; see the module documentation.
#[derive(Debug, Default, Clone)]
pub struct WireObserver {
    highest_tsn_sent: Option<u32>,
    cumulative_ack: Option<u32>,
    gap_acked_chunks: u32,
    peer_receiver_window: Option<u32>,
    timed: Option<TimedTsn>,
    srtt: Option<Duration>,
    rttvar: Duration,
    rtt_samples: u64,
}

impl WireObserver {
    /// Note a packet we are about to send.
    pub fn on_outgoing(&mut self, now: Instant, packet: &[u8]) {
        for_each_chunk(packet, |chunk_type, chunk| {
            if chunk_type != CHUNK_DATA || chunk.len() < DATA_MIN_LEN {
                return;
            }
            let Some(tsn) = be_u32(chunk, 4) else { return };
            let is_new = self
                .highest_tsn_sent
                .is_none_or(|highest| tsn_after(tsn, highest));
            if is_new {
                if self.highest_tsn_sent.is_none() && self.cumulative_ack.is_none() {
                    // Nothing before our first TSN can be outstanding.
                    self.cumulative_ack = Some(tsn.wrapping_sub(1));
                }
                self.highest_tsn_sent = Some(tsn);
                if self.timed.is_none() {
                    self.timed = Some(TimedTsn { tsn, sent_at: now });
                }
            } else if self.timed.is_some_and(|t| t.tsn == tsn) {
                // Karn: an ambiguous (retransmitted) TSN gives no RTT sample.
                self.timed = None;
            }
        });
    }

    /// Note a packet the association accepted from the peer.
    pub fn on_incoming(&mut self, now: Instant, packet: &[u8]) {
        for_each_chunk(packet, |chunk_type, chunk| {
            if chunk_type != CHUNK_SACK || chunk.len() < SACK_MIN_LEN {
                return;
            }
            let (Some(cum_ack), Some(a_rwnd), Some(gaps)) =
                (be_u32(chunk, 4), be_u32(chunk, 8), be_u16(chunk, 12))
            else {
                return;
            };
            // A SACK older than one already seen (reordered) says nothing new.
            if self
                .cumulative_ack
                .is_some_and(|seen| tsn_after(seen, cum_ack))
            {
                return;
            }
            self.cumulative_ack = Some(cum_ack);
            self.peer_receiver_window = Some(a_rwnd);
            let mut gap_acked: u32 = 0;
            for i in 0..usize::from(gaps) {
                let at = SACK_MIN_LEN + 4 * i;
                let (Some(start), Some(end)) = (be_u16(chunk, at), be_u16(chunk, at + 2)) else {
                    break;
                };
                gap_acked = gap_acked.saturating_add(u32::from(end.saturating_sub(start)) + 1);
            }
            self.gap_acked_chunks = gap_acked;
            if let Some(timed) = self.timed
                && !tsn_after(timed.tsn, cum_ack)
            {
                self.timed = None;
                self.add_rtt_sample(now.saturating_duration_since(timed.sent_at));
            }
        });
    }

    /// RFC 4960 §6.3.1 rules C2 and C3 (alpha 1/8, beta 1/4).
    fn add_rtt_sample(&mut self, r: Duration) {
        self.rtt_samples += 1;
        match self.srtt {
            None => {
                self.srtt = Some(r);
                self.rttvar = r / 2;
            }
            Some(srtt) => {
                let deviation = srtt.abs_diff(r);
                self.rttvar = self.rttvar * 3 / 4 + deviation / 4;
                self.srtt = Some(srtt * 7 / 8 + r / 8);
            }
        }
    }

    /// Smoothed RTT, absent before the first measurement.
    pub fn smoothed_rtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// Number of RTT samples taken.
    pub fn rtt_samples(&self) -> u64 {
        self.rtt_samples
    }

    /// The peer's receiver window from its latest SACK.
    pub fn peer_receiver_window(&self) -> Option<u32> {
        self.peer_receiver_window
    }

    /// DATA chunks sent and neither cumulatively nor gap-acknowledged.
    pub fn unacked_chunks(&self) -> Option<u32> {
        let highest = self.highest_tsn_sent?;
        let cum_ack = self.cumulative_ack?;
        if !tsn_after(highest, cum_ack) {
            return Some(0);
        }
        Some(
            highest
                .wrapping_sub(cum_ack)
                .saturating_sub(self.gap_acked_chunks),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(chunks: &[&[u8]]) -> Vec<u8> {
        let mut p = vec![0u8; COMMON_HEADER_LEN];
        for c in chunks {
            p.extend_from_slice(c);
            while !p.len().is_multiple_of(4) {
                p.push(0);
            }
        }
        p
    }

    fn data_chunk(tsn: u32, payload_len: u16) -> Vec<u8> {
        let mut c = vec![CHUNK_DATA, 0x03];
        c.extend_from_slice(&(16 + payload_len).to_be_bytes());
        c.extend_from_slice(&tsn.to_be_bytes());
        c.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 53]);
        c.resize(usize::from(16 + payload_len), 0xAB);
        c
    }

    fn sack_chunk(cum_ack: u32, a_rwnd: u32, gaps: &[(u16, u16)]) -> Vec<u8> {
        let len = u16::try_from(16 + 4 * gaps.len()).unwrap();
        let mut c = vec![CHUNK_SACK, 0];
        c.extend_from_slice(&len.to_be_bytes());
        c.extend_from_slice(&cum_ack.to_be_bytes());
        c.extend_from_slice(&a_rwnd.to_be_bytes());
        c.extend_from_slice(&u16::try_from(gaps.len()).unwrap().to_be_bytes());
        c.extend_from_slice(&0u16.to_be_bytes());
        for (s, e) in gaps {
            c.extend_from_slice(&s.to_be_bytes());
            c.extend_from_slice(&e.to_be_bytes());
        }
        c
    }

    #[test]
    fn srtt_follows_rfc_4960_from_hand_computed_samples() {
        let t0 = Instant::now();
        let mut o = WireObserver::default();
        // TSN 100 sent at 0, acked at 100 ms: first sample, SRTT = 100 ms.
        o.on_outgoing(t0, &packet(&[&data_chunk(100, 3)]));
        o.on_incoming(
            t0 + Duration::from_millis(100),
            &packet(&[&sack_chunk(100, 5000, &[])]),
        );
        assert_eq!(o.smoothed_rtt(), Some(Duration::from_millis(100)));
        // TSN 101 sent at 200, acked at 500: R = 300, SRTT = 7/8*100 + 300/8 = 125 ms.
        o.on_outgoing(
            t0 + Duration::from_millis(200),
            &packet(&[&data_chunk(101, 3)]),
        );
        o.on_incoming(
            t0 + Duration::from_millis(500),
            &packet(&[&sack_chunk(101, 4000, &[])]),
        );
        assert_eq!(o.smoothed_rtt(), Some(Duration::from_millis(125)));
        assert_eq!(o.peer_receiver_window(), Some(4000));
        assert_eq!(o.rtt_samples(), 2);
    }

    #[test]
    fn retransmitted_tsn_gives_no_sample() {
        let t0 = Instant::now();
        let mut o = WireObserver::default();
        o.on_outgoing(t0, &packet(&[&data_chunk(7, 1)]));
        o.on_outgoing(t0 + Duration::from_secs(1), &packet(&[&data_chunk(7, 1)]));
        o.on_incoming(
            t0 + Duration::from_millis(1010),
            &packet(&[&sack_chunk(7, 100, &[])]),
        );
        assert_eq!(o.smoothed_rtt(), None);
        assert_eq!(o.rtt_samples(), 0);
    }

    #[test]
    fn unacked_counts_outstanding_minus_gap_blocks() {
        let t0 = Instant::now();
        let mut o = WireObserver::default();
        assert_eq!(o.unacked_chunks(), None);
        let burst: Vec<Vec<u8>> = (0..10u32)
            .map(|i| data_chunk((u32::MAX - 2).wrapping_add(i), 4))
            .collect();
        let refs: Vec<&[u8]> = burst.iter().map(Vec::as_slice).collect();
        o.on_outgoing(t0, &packet(&refs));
        assert_eq!(o.unacked_chunks(), Some(10));
        // TSNs wrap: u32::MAX-2 ..= 6. Cum ack u32::MAX (3 chunks), gap 2..=3 -> TSNs 1,2.
        o.on_incoming(t0, &packet(&[&sack_chunk(u32::MAX, 1, &[(2, 3)])]));
        assert_eq!(o.unacked_chunks(), Some(7 - 2));
        o.on_incoming(t0, &packet(&[&sack_chunk(6, 1, &[])]));
        assert_eq!(o.unacked_chunks(), Some(0));
    }

    #[test]
    fn malformed_chunks_stop_the_walk_without_panic() {
        let t0 = Instant::now();
        let mut o = WireObserver::default();
        o.on_incoming(t0, &[]);
        o.on_incoming(t0, &[0u8; 13]);
        let mut p = packet(&[&sack_chunk(1, 1, &[])]);
        p[COMMON_HEADER_LEN + 2] = 0xFF; // length beyond packet end
        o.on_incoming(t0, &p);
        let mut p = packet(&[&sack_chunk(1, 1, &[(1, 1)])]);
        p[COMMON_HEADER_LEN + 13] = 200; // gap count beyond chunk
        o.on_incoming(t0, &p);
        assert_eq!(o.peer_receiver_window(), Some(1));
        let mut zero_len = vec![0u8; COMMON_HEADER_LEN];
        zero_len.extend_from_slice(&[CHUNK_DATA, 0, 0, 0]);
        o.on_outgoing(t0, &zero_len);
        assert_eq!(o.unacked_chunks(), None);
    }
}
