//! Packet index estimation (RFC 3711 §3.3.1, Appendix A) and the sliding
//! replay window (RFC 3711 §3.3.2).

/// Packets this far behind the highest authenticated index are still
/// accepted once; older ones are rejected as too old.
pub const REPLAY_WINDOW_SIZE: u64 = 128;

/// The largest SRTP packet index: 32-bit ROC and 16-bit SEQ (RFC 3711 §3.3.1).
pub(crate) const MAX_RTP_INDEX: u64 = (1 << 48) - 1;

/// The 48-bit index of a packet with sequence number `seq`, given the
/// highest index `highest` seen so far on the stream (RFC 3711 Appendix A).
///
/// Returns `None` when the guess would need a ROC beyond 2^32 - 1.
pub fn estimate_rtp_index(highest: u64, seq: u16) -> Option<u64> {
    let roc = highest >> 16;
    let s_l = (highest & 0xffff) as u16;
    let v = if s_l < 0x8000 {
        // A SEQ far above s_l is a late packet from before the last wrap.
        // With ROC 0 there is no earlier cycle, so the packet can only
        // authenticate as ROC 0 (RFC 3711 leaves ROC - 1 < 0 undefined).
        if seq > s_l && seq - s_l > 0x8000 {
            roc.saturating_sub(1)
        } else {
            roc
        }
    } else if s_l - 0x8000 > seq {
        // SEQ far below s_l: the sequence number wrapped.
        roc + 1
    } else {
        roc
    };
    let index = (v << 16) | u64::from(seq);
    (index <= MAX_RTP_INDEX).then_some(index)
}

/// Why a packet index is refused by the replay window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayCheck {
    /// Seen before within the window.
    Replayed,
    /// Behind the window: it cannot be told apart from a replay.
    TooOld,
}

/// A 128-entry sliding window over packet indices: bit `n` of `seen` says
/// whether index `highest - n` was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayWindow {
    highest: u64,
    seen: u128,
}

impl ReplayWindow {
    /// A window whose first accepted packet has index `first`.
    pub fn new(first: u64) -> Self {
        ReplayWindow {
            highest: first,
            seen: 1,
        }
    }

    /// The highest accepted index.
    pub fn highest(&self) -> u64 {
        self.highest
    }

    /// Whether `index` may be accepted; does not change the window, so
    /// unauthenticated packets can be checked before their tag is.
    pub fn check(&self, index: u64) -> Result<(), ReplayCheck> {
        if index > self.highest {
            return Ok(());
        }
        let behind = self.highest - index;
        if behind >= REPLAY_WINDOW_SIZE {
            Err(ReplayCheck::TooOld)
        } else if self.seen & (1u128 << behind) != 0 {
            Err(ReplayCheck::Replayed)
        } else {
            Ok(())
        }
    }

    /// Records `index` as accepted. Call only after `check` passed and the
    /// packet authenticated.
    pub fn accept(&mut self, index: u64) {
        if index > self.highest {
            let ahead = index - self.highest;
            self.seen = if ahead >= REPLAY_WINDOW_SIZE {
                0
            } else {
                self.seen << ahead
            };
            self.seen |= 1;
            self.highest = index;
        } else {
            let behind = self.highest - index;
            if behind < REPLAY_WINDOW_SIZE {
                self.seen |= 1u128 << behind;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_follows_rfc3711_appendix_a() {
        // No wrap: same ROC.
        assert_eq!(estimate_rtp_index(0x0000_1000, 0x1001), Some(0x1001));
        assert_eq!(estimate_rtp_index(0x0000_1000, 0x0fff), Some(0x0fff));
        // s_l high, SEQ small: wrapped forward into ROC + 1.
        assert_eq!(estimate_rtp_index(0x0000_ffff, 0x0000), Some(0x0001_0000));
        assert_eq!(estimate_rtp_index(0x0000_fff0, 0x0005), Some(0x0001_0005));
        // s_l small (just wrapped, ROC 1), SEQ high: late packet of ROC 0.
        assert_eq!(estimate_rtp_index(0x0001_0002, 0xfffe), Some(0x0000_fffe));
        // ROC 0 and a SEQ more than half the space ahead: no ROC -1 exists.
        assert_eq!(estimate_rtp_index(0x0000_0010, 0xff00), Some(0x0000_ff00));
        // Exactly half the space is not "more than" 32768 ahead.
        assert_eq!(estimate_rtp_index(0x0003_0000, 0x8000), Some(0x0003_8000));
        assert_eq!(estimate_rtp_index(0x0003_0000, 0x8001), Some(0x0002_8001));
        // A wrap past ROC 2^32 - 1 is impossible.
        assert_eq!(estimate_rtp_index(MAX_RTP_INDEX, 0x0000), None);
        assert_eq!(
            estimate_rtp_index(MAX_RTP_INDEX, 0xfff0),
            Some(MAX_RTP_INDEX - 0xf)
        );
    }

    #[test]
    fn window_accepts_new_and_late_rejects_duplicates() {
        let mut w = ReplayWindow::new(1000);
        assert_eq!(w.check(1000), Err(ReplayCheck::Replayed));
        assert_eq!(w.check(1001), Ok(()));
        w.accept(1003);
        assert_eq!(w.highest(), 1003);
        // 1001 and 1002 are late but unseen.
        assert_eq!(w.check(1001), Ok(()));
        w.accept(1001);
        assert_eq!(w.check(1001), Err(ReplayCheck::Replayed));
        assert_eq!(w.check(1002), Ok(()));
        assert_eq!(w.check(1000), Err(ReplayCheck::Replayed));
        assert_eq!(w.check(1003), Err(ReplayCheck::Replayed));
    }

    #[test]
    fn window_boundaries_are_exactly_128() {
        let mut w = ReplayWindow::new(10_000);
        // 127 behind is the oldest slot inside the window; 128 is outside.
        assert_eq!(w.check(10_000 - 127), Ok(()));
        assert_eq!(w.check(10_000 - 128), Err(ReplayCheck::TooOld));
        w.accept(10_000 - 127);
        assert_eq!(w.check(10_000 - 127), Err(ReplayCheck::Replayed));
        // Advancing by one pushes that slot out of the window.
        w.accept(10_001);
        assert_eq!(w.check(10_000 - 127), Err(ReplayCheck::TooOld));
        assert_eq!(w.check(10_000), Err(ReplayCheck::Replayed));
        // A jump of exactly 128 clears every older bit.
        w.accept(10_001 + 128);
        assert_eq!(w.check(10_001), Err(ReplayCheck::TooOld));
        assert_eq!(w.check(10_002), Ok(()));
        // A jump beyond the window size keeps only the new packet.
        w.accept(1_000_000);
        assert_eq!(w.check(1_000_000 - 1), Ok(()));
        assert_eq!(w.check(1_000_000), Err(ReplayCheck::Replayed));
    }
}
