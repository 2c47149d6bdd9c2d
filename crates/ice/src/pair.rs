//! Candidate pairs and their checklist state (RFC 8445 §6.1.2).

use std::net::SocketAddr;
use std::time::Instant;

use crate::candidate::CandidateId;
use crate::stats::PairCounters;

/// Opaque handle of a pair, unique over the agent's lifetime.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct PairId(pub u64);

/// RFC 8445 §6.1.2.6 pair states (the W3C RTCStatsIceCandidatePairState values).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PairState {
    Frozen,
    Waiting,
    InProgress,
    Succeeded,
    Failed,
}

impl PairState {
    pub fn as_str(self) -> &'static str {
        match self {
            PairState::Frozen => "frozen",
            PairState::Waiting => "waiting",
            PairState::InProgress => "in-progress",
            PairState::Succeeded => "succeeded",
            PairState::Failed => "failed",
        }
    }
}

/// RFC 8445 §6.1.2.3 pair priority: G is the controlling agent's candidate priority, D the
/// controlled agent's.
pub fn pair_priority(controlling_priority: u32, controlled_priority: u32) -> u64 {
    let g = u64::from(controlling_priority);
    let d = u64::from(controlled_priority);
    (g.min(d) << 32) + 2 * g.max(d) + u64::from(g > d)
}

#[derive(Clone, Debug)]
pub(crate) struct Pair {
    pub(crate) id: PairId,
    pub(crate) local: CandidateId,
    pub(crate) remote: CandidateId,
    /// Socket address packets of this pair leave from (the local candidate's base).
    pub(crate) local_base: SocketAddr,
    pub(crate) remote_address: SocketAddr,
    pub(crate) local_priority: u32,
    pub(crate) remote_priority: u32,
    /// "<local foundation>:<remote foundation>".
    pub(crate) foundation: String,
    pub(crate) priority: u64,
    pub(crate) state: PairState,
    pub(crate) nominated: bool,
    /// Controlled side: USE-CANDIDATE arrived before our own check succeeded.
    pub(crate) nominate_on_success: bool,
    /// Controlling side, regular nomination: the next check carries USE-CANDIDATE.
    pub(crate) nominate_requested: bool,
    pub(crate) succeeded_at: Option<Instant>,
    /// Local ICE generation of the pair's local candidate (bumped by `restart`).
    pub(crate) generation: u32,
    pub(crate) counters: PairCounters,
}

impl Pair {
    pub(crate) fn recompute_priority(&mut self, controlling: bool) {
        self.priority = if controlling {
            pair_priority(self.local_priority, self.remote_priority)
        } else {
            pair_priority(self.remote_priority, self.local_priority)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_priority_formula() {
        // Chrome fixture: both host candidates 2122194687 (controlling = controlled):
        // 2^32 * p + 2 * p + 0 = 9114756780654345726 (JSON shows 9114756780654345000 after
        // double rounding).
        let p = 2_122_194_687u32;
        assert_eq!(pair_priority(p, p), 9_114_756_780_654_345_726);
        assert_eq!(pair_priority(p, p) as f64, 9_114_756_780_654_345_000.0);
        // G > D adds one.
        assert_eq!(pair_priority(10, 5), (5u64 << 32) + 20 + 1);
        assert_eq!(pair_priority(5, 10), (5u64 << 32) + 20);
    }
}
