//! Send history: what the sender remembers about each packet it gave a
//! transport-wide sequence number, so feedback can be matched to it.

/// Packets remembered: a power of two, so a slot is `ext_seq & MASK`.
pub(crate) const HISTORY_LEN: usize = 8192;
const HISTORY_MASK: i64 = HISTORY_LEN as i64 - 1;

#[derive(Debug, Clone, Copy)]
pub(crate) struct SentPacket {
    /// Extended sequence number stored here; the slot is valid only for it.
    pub ext_seq: i64,
    /// Send time in µs since the sender's epoch.
    pub send_us: i64,
    pub size: u32,
    /// Already reported received by a feedback (later reports are duplicates).
    pub acked: bool,
    /// Already reported lost by a feedback (counted in the loss fraction once).
    pub reported_lost: bool,
    /// Probe cluster the packet belonged to, 0 for none.
    pub probe_cluster: u32,
}

/// Ring of the last [`HISTORY_LEN`] packets sent.
#[derive(Debug)]
pub(crate) struct SendHistory {
    ring: Vec<SentPacket>,
    /// Extended sequence number the next packet gets.
    next_ext: i64,
}

impl SendHistory {
    pub fn new() -> Self {
        Self {
            ring: vec![
                SentPacket {
                    ext_seq: -1,
                    send_us: 0,
                    size: 0,
                    acked: false,
                    reported_lost: false,
                    probe_cluster: 0,
                };
                HISTORY_LEN
            ],
            next_ext: 0,
        }
    }

    /// Assigns the next sequence number to a packet sent at `send_us`.
    #[inline]
    pub fn on_sent(&mut self, send_us: i64, size: u32, probe_cluster: u32) -> u16 {
        let ext = self.next_ext;
        self.next_ext += 1;
        self.ring[(ext & HISTORY_MASK) as usize] = SentPacket {
            ext_seq: ext,
            send_us,
            size,
            acked: false,
            reported_lost: false,
            probe_cluster,
        };
        ext as u16
    }

    /// The extended value of a 16-bit sequence number from feedback: the
    /// most recent one sent (or to be sent) with that value.
    #[inline]
    pub fn extend(&self, seq: u16) -> Option<i64> {
        let last = self.next_ext - 1;
        if last < 0 {
            return None;
        }
        let back = i64::from((last as u16).wrapping_sub(seq));
        let ext = last - back;
        (ext >= 0).then_some(ext)
    }

    /// The remembered packet a 16-bit sequence number from feedback refers
    /// to: the most recent one sent with that value, if still in the ring.
    #[inline]
    pub fn lookup(&mut self, seq: u16) -> Option<&mut SentPacket> {
        let ext = self.extend(seq)?;
        let slot = &mut self.ring[(ext & HISTORY_MASK) as usize];
        (slot.ext_seq == ext).then_some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_recent_packets_and_refuses_unsent_or_forgotten_ones() {
        let mut h = SendHistory::new();
        assert!(h.lookup(0).is_none(), "nothing sent yet");
        for i in 0..(HISTORY_LEN as i64 + 10) {
            let seq = h.on_sent(i * 1000, 100 + i as u32, 0);
            assert_eq!(seq, i as u16);
        }
        // Newest packet: ext 8201.
        let newest = h.lookup(8201).expect("newest");
        assert_eq!((newest.ext_seq, newest.send_us), (8201, 8_201_000));
        // Oldest still remembered: 8201 - 8191 = 10.
        assert_eq!(h.lookup(10).map(|p| p.size), Some(110));
        // Overwritten by the ring.
        assert!(h.lookup(9).is_none());
        // Never sent (one ahead of the newest).
        assert!(h.lookup(8202).is_none());
    }
}
