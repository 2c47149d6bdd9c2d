//! Building the statistics snapshot: every pair in every state, all candidates.

use super::IceAgent;
use crate::stats::{
    CandidateSnapshot, IceStatsSnapshot, IceTransportSnapshot, PairSnapshot, candidate_stats_id,
    pair_stats_id,
};

impl IceAgent {
    /// A snapshot of all ICE statistics (allocates; called per `getStats()`, not per packet).
    pub fn stats(&self) -> IceStatsSnapshot {
        let pairs = self
            .pairs
            .iter()
            .map(|p| PairSnapshot {
                id: p.id,
                stats_id: pair_stats_id(p.local, p.remote),
                local_candidate_stats_id: candidate_stats_id(p.local),
                remote_candidate_stats_id: candidate_stats_id(p.remote),
                state: p.state,
                nominated: p.nominated,
                selected: self.selected == Some(p.id),
                priority: p.priority,
                counters: p.counters.clone(),
            })
            .collect();
        let candidates = |list: &[crate::Candidate], is_remote: bool| {
            list.iter()
                .map(|c| CandidateSnapshot {
                    stats_id: candidate_stats_id(c.id),
                    is_remote,
                    candidate: c.clone(),
                })
                .collect()
        };
        IceStatsSnapshot {
            transport_id: self.config.transport_id.clone(),
            pairs,
            local_candidates: candidates(&self.local_candidates, false),
            remote_candidates: candidates(&self.remote_candidates, true),
            ice_servers: self
                .servers
                .iter()
                .map(|s| s.stats.clone())
                .chain(self.allocations.iter().map(|a| a.stats.clone()))
                .collect(),
            transport: IceTransportSnapshot {
                role: self.role(),
                local_username_fragment: self.local_credentials.ufrag.clone(),
                state: self.state,
                selected_candidate_pair_stats_id: self
                    .selected
                    .and_then(|id| self.pair(id))
                    .map(|p| pair_stats_id(p.local, p.remote)),
                selected_candidate_pair_changes: self.selected_changes,
                counters: self.transport_counters,
            },
            discards: self.discards,
        }
    }
}
