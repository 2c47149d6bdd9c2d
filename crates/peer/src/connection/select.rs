//! getStats() per webrtc-pc §8.5 (the stats selection algorithm): no
//! selector = everything; a sender = its outbound-rtp and everything
//! reachable from it through `*Id` members; a receiver likewise from its
//! inbound-rtp; a track = its single sender or receiver. Reports are cached
//! for at most 50 ms, and API calls that change what exists invalidate the
//! cache (setLocal/RemoteDescription, addIceCandidate, a new local
//! candidate, stop, close), as Chrome does.

use std::time::{Duration, Instant};

use rtcscope_sctp::PeerConnectionCounts;
use rtcscope_stats::{RTCInboundRtpStreamStats, RTCOutboundRtpStreamStats, RTCStatsReport};

use super::{
    PeerConnectionError as Error, RTCPeerConnection, RtpReceiver, RtpSender, StatsSelector,
};
use crate::stats::PEER_CONNECTION_ID;

/// Longest a report may be reused (Chrome's cache lifetime).
pub const STATS_CACHE_LIFETIME: Duration = Duration::from_millis(50);

impl RTCPeerConnection {
    /// Every object, sampled together at `now` (or the cached report when
    /// younger than [`STATS_CACHE_LIFETIME`] and nothing invalidated it).
    fn full_report(&mut self, now: Instant) -> RTCStatsReport {
        if let Some((at, report)) = &self.stats_cache
            && now.saturating_duration_since(*at) < STATS_CACHE_LIFETIME
            && *at <= now
        {
            return report.clone();
        }
        let mut report = match &self.transport {
            Some(t) => t.stats(now, &self.clock),
            None => {
                let mut r = RTCStatsReport::new();
                r.insert(
                    PeerConnectionCounts::default()
                        .to_stats(PEER_CONNECTION_ID, self.clock.unix_ms(now)),
                );
                r
            }
        };
        self.fill_media_report(&mut report, now);
        if self.config.obsolete_stats {
            self.add_obsolete_stats(&mut report, self.clock.unix_ms(now));
        }
        self.stats_cache = Some((now, report.clone()));
        report
    }

    /// `getStats(selector)`.
    pub fn get_stats(
        &mut self,
        now: Instant,
        selector: Option<&StatsSelector>,
    ) -> Result<RTCStatsReport, Error> {
        let selector = match selector {
            None => return Ok(self.full_report(now)),
            Some(StatsSelector::Track(id)) => self.resolve_track(id)?,
            Some(other) => other.clone(),
        };
        let report = self.full_report(now);
        let root = match selector {
            StatsSelector::Sender(s) => self.outbound_id(&report, s)?,
            StatsSelector::Receiver(r) => self.inbound_id(&report, r)?,
            StatsSelector::Track(_) => None,
        };
        Ok(match root {
            Some(id) => report.reachable_from([id.as_str()]),
            // Not negotiated yet, or no packet yet: an empty report.
            None => RTCStatsReport::new(),
        })
    }

    /// `RTCRtpSender.getStats()`.
    pub fn sender_stats(
        &mut self,
        now: Instant,
        sender: RtpSender,
    ) -> Result<RTCStatsReport, Error> {
        self.get_stats(now, Some(&StatsSelector::Sender(sender)))
    }

    /// `RTCRtpReceiver.getStats()`.
    pub fn receiver_stats(
        &mut self,
        now: Instant,
        receiver: RtpReceiver,
    ) -> Result<RTCStatsReport, Error> {
        self.get_stats(now, Some(&StatsSelector::Receiver(receiver)))
    }

    /// A track must have exactly one sender or receiver (webrtc-pc: else
    /// InvalidAccessError).
    fn resolve_track(&self, track_id: &str) -> Result<StatsSelector, Error> {
        let mut found = Vec::new();
        for (i, t) in self.transceivers.iter().enumerate() {
            if t.stopped {
                continue;
            }
            if t.sender_track.as_ref().is_some_and(|s| s.id == track_id) {
                found.push(StatsSelector::Sender(RtpSender(super::TransceiverId(i))));
            }
            if t.receiver_track.id == track_id {
                found.push(StatsSelector::Receiver(RtpReceiver(super::TransceiverId(
                    i,
                ))));
            }
        }
        match found.len() {
            1 => found.pop().ok_or(Error::InvalidAccess("track")),
            0 => Err(Error::InvalidAccess("no sender or receiver has this track")),
            _ => Err(Error::InvalidAccess(
                "several senders or receivers have this track",
            )),
        }
    }

    fn outbound_id(
        &self,
        report: &RTCStatsReport,
        sender: RtpSender,
    ) -> Result<Option<String>, Error> {
        let t = self
            .transceivers
            .get(sender.0.0)
            .ok_or(Error::UnknownHandle)?;
        if t.stopped || !t.configured || t.sender_track.is_none() {
            return Ok(None);
        }
        Ok(report
            .all::<RTCOutboundRtpStreamStats>()
            .find(|o| o.ssrc == t.ssrc)
            .map(|o| o.id.clone()))
    }

    fn inbound_id(
        &self,
        report: &RTCStatsReport,
        receiver: RtpReceiver,
    ) -> Result<Option<String>, Error> {
        let t = self
            .transceivers
            .get(receiver.0.0)
            .ok_or(Error::UnknownHandle)?;
        if t.stopped || !t.configured {
            return Ok(None);
        }
        Ok(report
            .all::<RTCInboundRtpStreamStats>()
            .find(|i| i.track_identifier == t.receiver_track.id)
            .map(|i| i.id.clone()))
    }
}

impl RtpSender {
    /// `RTCRtpSender.getStats()`.
    pub fn get_stats(
        self,
        pc: &mut RTCPeerConnection,
        now: Instant,
    ) -> Result<RTCStatsReport, Error> {
        pc.sender_stats(now, self)
    }
}

impl RtpReceiver {
    /// `RTCRtpReceiver.getStats()`.
    pub fn get_stats(
        self,
        pc: &mut RTCPeerConnection,
        now: Instant,
    ) -> Result<RTCStatsReport, Error> {
        pc.receiver_stats(now, self)
    }
}
