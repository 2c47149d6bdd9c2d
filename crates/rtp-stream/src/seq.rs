//! RFC 3550 Appendix A.1 sequence-number validation and A.3 loss
//! accounting, plus duplicate detection over a fixed window.

/// A.1 constants.
pub const MAX_DROPOUT: u16 = 3000;
/// A.1: packets this far behind the highest are "misordered", not a jump.
pub const MAX_MISORDER: u16 = 100;
/// Packets needed in sequence before a source is valid (A.1 default).
pub const MIN_SEQUENTIAL: u8 = 2;
const RTP_SEQ_MOD: u32 = 1 << 16;

/// Window of extended sequence numbers remembered to tell duplicates.
const DUP_WINDOW_BITS: u64 = 1024;
const DUP_WINDOW_WORDS: usize = (DUP_WINDOW_BITS / 64) as usize;

/// What the tracker made of one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqVerdict {
    /// Valid packet with this extended sequence number; `duplicate` when
    /// the same number was already received (still counted, as A.1 does).
    Valid {
        /// Extended sequence number (cycles << 16 | seq).
        extended: u64,
        /// A copy of an already received packet.
        duplicate: bool,
        /// Arrived after a higher sequence number (reordered or late).
        out_of_order: bool,
    },
    /// Source not yet validated: packet held in probation.
    Probation,
    /// Probation completed with this packet: the `committed` earlier
    /// probation packets plus this one are now valid.
    Validated {
        /// Extended sequence number of this packet.
        extended: u64,
        /// Earlier probation packets now counted as received.
        committed: u8,
    },
    /// A.1 "very large jump": ignored until the next packet confirms it.
    Invalid,
    /// The jump was confirmed: the source restarted its numbering at this
    /// packet (A.1 `init_seq`).
    Restarted {
        /// Extended sequence number of this packet.
        extended: u64,
    },
}

/// Per-source sequence state of RFC 3550 A.1, with the A.3 counters.
#[derive(Debug, Clone)]
pub struct SeqTracker {
    max_seq: u16,
    /// Shifted count of sequence number cycles (A.1 `cycles`).
    cycles: u64,
    base_seq: u64,
    bad_seq: u32,
    probation: u8,
    /// Packets of the current probation run.
    probation_run: u8,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    /// Packets lost in earlier numbering epochs (before a restart), so the
    /// cumulative loss never jumps back when the source restarts.
    lost_before_restart: i64,
    started: bool,
    dup_window: [u64; DUP_WINDOW_WORDS],
}

impl Default for SeqTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl SeqTracker {
    /// A tracker that has not seen a packet yet.
    pub fn new() -> Self {
        Self {
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: RTP_SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
            probation_run: 0,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            lost_before_restart: 0,
            started: false,
            dup_window: [0; DUP_WINDOW_WORDS],
        }
    }

    /// A.1 `init_seq`: numbering (re)starts at `seq`.
    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u64::from(seq);
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
        self.dup_window = [0; DUP_WINDOW_WORDS];
    }

    /// Feeds one packet's sequence number (A.1 `update_seq`).
    pub fn update(&mut self, seq: u16) -> SeqVerdict {
        if !self.started {
            self.started = true;
            self.init_seq(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
            self.probation_run = 0;
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            return self.update_in_probation(seq);
        }
        if udelta < MAX_DROPOUT {
            // In order, with a permissible gap.
            if seq < self.max_seq {
                self.cycles += u64::from(RTP_SEQ_MOD);
            }
            let delta = u64::from(udelta);
            self.max_seq = seq;
            self.received += 1;
            let extended = self.cycles | u64::from(seq);
            let duplicate = self.mark(extended, delta);
            SeqVerdict::Valid {
                extended,
                duplicate,
                out_of_order: false,
            }
        } else if u32::from(udelta) <= RTP_SEQ_MOD - u32::from(MAX_MISORDER) {
            // A very large jump.
            if u32::from(seq) == self.bad_seq {
                // Two sequential packets: the source restarted without
                // telling us. Keep the loss of the old epoch.
                self.lost_before_restart += self.lost_in_epoch();
                self.init_seq(seq);
                self.received = 1;
                let extended = u64::from(seq);
                self.mark(extended, 1);
                SeqVerdict::Restarted { extended }
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (RTP_SEQ_MOD - 1);
                SeqVerdict::Invalid
            }
        } else {
            // Duplicate or reordered packet, behind the highest.
            self.received += 1;
            let behind = u64::from(self.max_seq.wrapping_sub(seq));
            let ext_max = self.cycles | u64::from(self.max_seq);
            // Before the first cycle, a packet "behind" base 0 would be
            // negative; it then belongs to no epoch we count in.
            let extended = ext_max.saturating_sub(behind);
            let duplicate = self.mark(extended, 0);
            SeqVerdict::Valid {
                extended,
                duplicate,
                out_of_order: true,
            }
        }
    }

    fn update_in_probation(&mut self, seq: u16) -> SeqVerdict {
        if seq == self.max_seq.wrapping_add(1) {
            self.probation -= 1;
            self.probation_run += 1;
            self.max_seq = seq;
            if self.probation == 0 {
                // Unlike A.1's sample code, which drops the probation packets
                // from the count, the whole validated run is counted: those
                // packets did arrive and are part of the stream.
                let run = self.probation_run;
                let first = seq.wrapping_sub(u16::from(run) - 1);
                self.init_seq(first);
                self.max_seq = seq;
                if seq < first {
                    self.cycles += u64::from(RTP_SEQ_MOD);
                }
                self.received = u64::from(run);
                let extended = self.cycles | u64::from(seq);
                for k in 0..u64::from(run) {
                    self.mark(extended - k, 1);
                }
                return SeqVerdict::Validated {
                    extended,
                    committed: run - 1,
                };
            }
        } else {
            self.probation = MIN_SEQUENTIAL - 1;
            self.probation_run = 1;
            self.max_seq = seq;
        }
        SeqVerdict::Probation
    }

    /// Marks `extended` in the duplicate window after the highest moved
    /// up by `advance`; returns true when it was already marked.
    fn mark(&mut self, extended: u64, advance: u64) -> bool {
        let top = self.cycles | u64::from(self.max_seq);
        if advance > 0 {
            // Clear the slots the window just slid over.
            if advance >= DUP_WINDOW_BITS {
                self.dup_window = [0; DUP_WINDOW_WORDS];
            } else {
                for k in 0..advance {
                    self.clear_bit(top - k);
                }
            }
        }
        if top - extended >= DUP_WINDOW_BITS {
            // Too old to remember: cannot tell, count as new.
            return false;
        }
        let (word, bit) = slot(extended);
        let seen = self.dup_window[word] & bit != 0;
        self.dup_window[word] |= bit;
        seen
    }

    fn clear_bit(&mut self, extended: u64) {
        let (word, bit) = slot(extended);
        self.dup_window[word] &= !bit;
    }

    /// Packets in the current probation run (1 right after a run restarts).
    pub fn probation_run(&self) -> u8 {
        self.probation_run
    }

    /// True once the source passed probation.
    pub fn is_valid(&self) -> bool {
        self.started && self.probation == 0
    }

    /// Extended highest sequence number received (A.3 `extended_max`).
    pub fn extended_max(&self) -> u64 {
        self.cycles | u64::from(self.max_seq)
    }

    /// Extended sequence number of the first packet counted.
    pub fn base_seq(&self) -> u64 {
        self.base_seq
    }

    /// Packets expected in the current epoch (A.3).
    pub fn expected(&self) -> u64 {
        if !self.is_valid() {
            return 0;
        }
        self.extended_max() + 1 - self.base_seq
    }

    /// Valid packets received in the current epoch (duplicates included).
    pub fn received(&self) -> u64 {
        self.received
    }

    fn lost_in_epoch(&self) -> i64 {
        // Both are far below 2^63.
        self.expected() as i64 - self.received as i64
    }

    /// Cumulative packets lost (A.3), signed: negative when duplicates
    /// outnumber losses. Includes losses before a sequence restart.
    pub fn cumulative_lost(&self) -> i64 {
        self.lost_before_restart + self.lost_in_epoch()
    }

    /// A.3 fraction lost since the previous call, as the 8-bit fixed-point
    /// RR field; advances the interval.
    pub fn take_fraction_lost(&mut self) -> u8 {
        let expected = self.expected();
        let expected_interval = expected.saturating_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.saturating_sub(self.received_prior);
        self.received_prior = self.received;
        if expected_interval == 0 || received_interval >= expected_interval {
            return 0;
        }
        let lost_interval = expected_interval - received_interval;
        // lost_interval <= expected_interval, so the result is <= 256; a
        // 100% loss saturates to 255 (the field is 8 bits).
        u8::try_from((lost_interval << 8) / expected_interval).unwrap_or(u8::MAX)
    }
}

fn slot(extended: u64) -> (usize, u64) {
    let index = extended % DUP_WINDOW_BITS;
    ((index / 64) as usize, 1u64 << (index % 64))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds a packet that must be counted (or held in the first
    /// probation step); returns its extended number (0 in probation).
    fn valid(seq: u16, t: &mut SeqTracker) -> u64 {
        match t.update(seq) {
            SeqVerdict::Probation => 0,
            SeqVerdict::Valid { extended, .. }
            | SeqVerdict::Validated { extended, .. }
            | SeqVerdict::Restarted { extended } => extended,
            other => panic!("seq {seq}: {other:?}"),
        }
    }

    #[test]
    fn probation_then_counts_the_whole_run() {
        let mut t = SeqTracker::new();
        assert_eq!(t.update(100), SeqVerdict::Probation);
        assert!(!t.is_valid());
        assert_eq!(t.expected(), 0);
        assert_eq!(
            t.update(101),
            SeqVerdict::Validated {
                extended: 101,
                committed: 1
            }
        );
        assert_eq!(t.base_seq(), 100);
        assert_eq!(t.received(), 2);
        assert_eq!(t.expected(), 2);
        assert_eq!(t.cumulative_lost(), 0);
    }

    #[test]
    fn non_sequential_probation_restarts_the_run() {
        let mut t = SeqTracker::new();
        assert_eq!(t.update(10), SeqVerdict::Probation);
        assert_eq!(t.update(12), SeqVerdict::Probation);
        assert!(matches!(
            t.update(13),
            SeqVerdict::Validated { committed: 1, .. }
        ));
        assert_eq!(t.base_seq(), 12);
        assert_eq!(t.expected(), 2);
    }

    #[test]
    fn sequence_wrap_extends_the_sequence_number() {
        let mut t = SeqTracker::new();
        for seq in [65533u16, 65534, 65535, 0, 1, 2] {
            valid(seq, &mut t);
        }
        assert_eq!(t.extended_max(), 65536 + 2);
        assert_eq!(t.expected(), 6);
        assert_eq!(t.cumulative_lost(), 0);
        // Probation itself can straddle the wrap.
        let mut t = SeqTracker::new();
        t.update(65535);
        assert_eq!(valid(0, &mut t), 65536);
        assert_eq!(t.base_seq(), 65535);
        assert_eq!(t.expected(), 2);
    }

    #[test]
    fn reordering_across_the_wrap_keeps_the_right_cycle() {
        let mut t = SeqTracker::new();
        for seq in [65530u16, 65531, 65532, 65534, 0, 1] {
            valid(seq, &mut t);
        }
        // 65533 and 65535 are missing: 2 lost of 8 expected.
        assert_eq!(t.expected(), 8);
        assert_eq!(t.cumulative_lost(), 2);
        // 65535 arrives late, after the wrap: it belongs to cycle 0.
        assert_eq!(
            t.update(65535),
            SeqVerdict::Valid {
                extended: 65535,
                duplicate: false,
                out_of_order: true
            }
        );
        assert_eq!(t.cumulative_lost(), 1);
        assert_eq!(t.extended_max(), 65537);
    }

    #[test]
    fn duplicates_make_loss_negative() {
        let mut t = SeqTracker::new();
        for seq in 1..=5u16 {
            valid(seq, &mut t);
        }
        assert_eq!(
            t.update(5),
            SeqVerdict::Valid {
                extended: 5,
                duplicate: true,
                out_of_order: false
            }
        );
        assert_eq!(
            t.update(3),
            SeqVerdict::Valid {
                extended: 3,
                duplicate: true,
                out_of_order: true
            }
        );
        // expected 5, received 7.
        assert_eq!(t.cumulative_lost(), -2);
    }

    #[test]
    fn fraction_lost_per_interval() {
        let mut t = SeqTracker::new();
        // 0..=9 with 2 and 3 missing: expected 10, received 8.
        for seq in (0..10u16).filter(|s| *s != 2 && *s != 3) {
            valid(seq, &mut t);
        }
        // (2 << 8) / 10 = 51
        assert_eq!(t.take_fraction_lost(), 51);
        // Next interval: 10..=13 all arrive.
        for seq in 10..14u16 {
            valid(seq, &mut t);
        }
        assert_eq!(t.take_fraction_lost(), 0);
        // Interval with nothing new: 0.
        assert_eq!(t.take_fraction_lost(), 0);
        // Interval where duplicates outnumber losses: 0, not negative.
        valid(15, &mut t); // 14 lost
        valid(15, &mut t);
        valid(15, &mut t);
        assert_eq!(t.take_fraction_lost(), 0);
    }

    #[test]
    fn big_jump_needs_confirmation_then_restarts_keeping_old_loss() {
        let mut t = SeqTracker::new();
        for seq in [1u16, 2, 4] {
            valid(seq, &mut t);
        }
        assert_eq!(t.cumulative_lost(), 1);
        assert_eq!(t.update(40_000), SeqVerdict::Invalid);
        assert_eq!(t.update(40_001), SeqVerdict::Restarted { extended: 40_001 });
        assert_eq!(t.base_seq(), 40_001);
        valid(40_002, &mut t);
        assert_eq!(t.expected(), 2);
        assert_eq!(t.cumulative_lost(), 1);
    }

    #[test]
    fn misordered_packet_within_max_misorder_is_not_a_jump() {
        let mut t = SeqTracker::new();
        for seq in 1000..1200u16 {
            valid(seq, &mut t);
        }
        // 99 behind the highest: misordered (counted), not a big jump.
        assert!(matches!(
            t.update(1199 - 99),
            SeqVerdict::Valid {
                duplicate: true,
                out_of_order: true,
                ..
            }
        ));
    }
}
