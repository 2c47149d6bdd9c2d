//! Send-side bandwidth estimator: assigns transport-wide sequence numbers,
//! matches transport-wide feedback to what was sent and combines the
//! delay-based (trendline + AIMD) and loss-based controllers into one
//! target bitrate (candidate-pair availableOutgoingBitrate).

use std::time::{Duration, Instant};

use rtcscope_rtp::rtcp::TransportCc;
use rtcscope_rtp::{RtcpPacket, parse_compound};

use crate::acked::AckedBitrate;
use crate::aimd::AimdRateControl;
use crate::history::{HISTORY_LEN, SendHistory};
use crate::inter_arrival::InterArrival;
use crate::loss::LossController;
use crate::probe::{ProbeCluster, Prober};
use crate::receiver::micros_since;
use crate::trendline::{BandwidthUsage, Trendline};

/// Receive deltas are in 250 µs units, the reference time in 64 ms.
const DELTA_UNIT_US: i64 = 250;
const REFERENCE_UNIT_US: i64 = 64_000;
/// RTT assumed until feedback measures one.
const INITIAL_RTT_US: i64 = 100_000;

/// Settings of a [`SendSideBwe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BweConfig {
    /// Target before any feedback (libwebrtc starts at 300 kbit/s).
    pub start_bitrate_bps: u64,
    pub min_bitrate_bps: u64,
    pub max_bitrate_bps: u64,
    /// Hand out probe clusters ([`SendSideBwe::poll_probe`]): at 3× and 6×
    /// the start rate, then at twice each result the path kept up with.
    /// Needs the caller to run them through [`crate::Pacer::start_probe`]
    /// and send the padding the pacer asks for.
    pub probing: bool,
}

impl Default for BweConfig {
    fn default() -> Self {
        Self {
            start_bitrate_bps: 300_000,
            min_bitrate_bps: 30_000,
            max_bitrate_bps: 20_000_000,
            probing: false,
        }
    }
}

/// Why a feedback packet was ignored as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackError {
    /// More statuses than the send history can ever hold.
    TooManyStatuses(u16),
    /// No status referred to a packet we sent (still remembered).
    NoKnownPackets,
}

impl std::fmt::Display for FeedbackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeedbackError::TooManyStatuses(n) => {
                write!(
                    f,
                    "feedback describes {n} packets, more than the send history"
                )
            }
            FeedbackError::NoKnownPackets => f.write_str("feedback describes no packet we sent"),
        }
    }
}

impl std::error::Error for FeedbackError {}

/// What one accepted feedback said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackSummary {
    /// Newly reported received packets we sent.
    pub received: u32,
    /// Newly reported lost packets we sent.
    pub lost: u32,
    /// Statuses about sequence numbers we never sent or no longer remember.
    pub unknown: u32,
    /// Statuses repeating an earlier report.
    pub duplicates: u32,
}

/// Counters of a [`SendSideBwe`]; everything hostile feedback can cause is
/// counted here rather than acted upon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BweCounters {
    pub packets_sent: u64,
    pub feedbacks_accepted: u64,
    /// RTCP datagrams handed to [`SendSideBwe::on_rtcp`] that did not parse.
    pub rtcp_malformed: u64,
    pub feedback_too_many_statuses: u64,
    pub feedback_no_known_packets: u64,
    /// Statuses about sequence numbers never sent (or forgotten).
    pub unknown_statuses: u64,
    /// Statuses repeating an earlier report.
    pub duplicate_statuses: u64,
    /// Times the delay-gradient grouping was restarted (remote clock jumps,
    /// persistent reordering).
    pub delay_resets: u64,
    /// Probe clusters whose result was used.
    pub probe_results: u64,
}

/// A snapshot of the estimator for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BweSnapshot {
    pub target_bps: u64,
    pub delay_based_bps: u64,
    pub loss_based_bps: u64,
    pub acked_bps: Option<u64>,
    pub usage: BandwidthUsage,
    pub fraction_lost: f64,
    pub rtt: Duration,
    /// Delay gradient slope (ms/ms) and the adaptive threshold (ms).
    pub trend: f64,
    pub threshold_ms: f64,
}

/// Unwraps the 24-bit feedback reference time into µs of the remote clock.
#[derive(Debug, Default)]
struct RemoteClock {
    last: Option<(u32, i64)>,
}

impl RemoteClock {
    fn unwrap(&mut self, reference_time: u32) -> i64 {
        let units = match self.last {
            None => i64::from(reference_time),
            Some((last_raw, last_units)) => {
                // Sign-extend the 24-bit difference.
                let diff = (reference_time.wrapping_sub(last_raw) << 8) as i32 >> 8;
                // Saturating: a peer sending half-range jumps forever must
                // not overflow (the inter-arrival stage resets on jumps).
                last_units.saturating_add(i64::from(diff))
            }
        };
        self.last = Some((reference_time, units));
        units.saturating_mul(REFERENCE_UNIT_US)
    }
}

/// Send-side bandwidth estimator (GoogCC-style). Sans-IO: every call takes
/// `now`; fixed memory after construction.
#[derive(Debug)]
pub struct SendSideBwe {
    config: BweConfig,
    epoch: Instant,
    history: SendHistory,
    remote_clock: RemoteClock,
    inter_arrival: InterArrival,
    trendline: Trendline,
    aimd: AimdRateControl,
    loss: LossController,
    acked: AckedBitrate,
    prober: Prober,
    rtt_us: Option<i64>,
    /// Sequence number right after the last feedback's range.
    next_feedback_ext: Option<i64>,
    target_bps: f64,
    counters: BweCounters,
}

impl SendSideBwe {
    /// An estimator whose send clock starts at `now`.
    pub fn new(now: Instant, config: BweConfig) -> Self {
        let min = config.min_bitrate_bps as f64;
        let max = (config.max_bitrate_bps.max(config.min_bitrate_bps)) as f64;
        let start = (config.start_bitrate_bps as f64).clamp(min, max);
        Self {
            config,
            epoch: now,
            history: SendHistory::new(),
            remote_clock: RemoteClock::default(),
            inter_arrival: InterArrival::default(),
            trendline: Trendline::default(),
            aimd: AimdRateControl::new(start, min, max),
            loss: LossController::new(start, min),
            acked: AckedBitrate::new(),
            prober: Prober::new(config.probing, start, max),
            rtt_us: None,
            next_feedback_ext: None,
            target_bps: start,
            counters: BweCounters::default(),
        }
    }

    pub fn config(&self) -> BweConfig {
        self.config
    }

    /// Records a packet of `size_bytes` leaving at `now` and returns the
    /// transport-wide sequence number to put in its header extension
    /// ([`crate::encode_transport_seq`]). Every packet carrying the
    /// extension (media, RTX, padding) must go through here, in send order.
    #[inline]
    pub fn on_packet_sent(&mut self, now: Instant, size_bytes: usize) -> u16 {
        self.counters.packets_sent += 1;
        let size = u32::try_from(size_bytes).unwrap_or(u32::MAX);
        let send_us = micros_since(self.epoch, now);
        let cluster = self.prober.on_sent(send_us, size);
        self.history.on_sent(send_us, size, cluster)
    }

    /// The next probe cluster to run (only with [`BweConfig::probing`]);
    /// packets sent from now on belong to it until its bytes are sent.
    pub fn poll_probe(&mut self) -> Option<ProbeCluster> {
        self.prober.poll_probe()
    }

    /// Feeds every transport-wide feedback found in an RTCP datagram;
    /// other packet types are skipped. Returns how many feedbacks were
    /// accepted. Malformed datagrams are counted, never fatal.
    pub fn on_rtcp(&mut self, now: Instant, datagram: &[u8]) -> usize {
        let mut accepted = 0;
        for packet in parse_compound(datagram) {
            match packet {
                Ok(RtcpPacket::TransportCc(fb)) => {
                    if self.on_transport_feedback(now, &fb).is_ok() {
                        accepted += 1;
                    }
                }
                Ok(_) => {}
                Err(_) => self.counters.rtcp_malformed += 1,
            }
        }
        accepted
    }

    /// Applies one transport-wide feedback received at `now`.
    pub fn on_transport_feedback(
        &mut self,
        now: Instant,
        feedback: &TransportCc<'_>,
    ) -> Result<FeedbackSummary, FeedbackError> {
        let count = feedback.packet_status_count();
        if usize::from(count) > HISTORY_LEN {
            self.counters.feedback_too_many_statuses += 1;
            return Err(FeedbackError::TooManyStatuses(count));
        }
        let now_us = micros_since(self.epoch, now);
        let mut summary = FeedbackSummary::default();
        let mut arrival_us = self.remote_clock.unwrap(feedback.reference_time());
        let mut min_rtt_us: Option<i64> = None;
        // Does this feedback start where the previous one ended? If not
        // (a feedback was lost), the acked rate must not count the gap.
        let base_ext = self.history.extend(feedback.base_sequence());
        let mut contiguous = base_ext.is_some() && base_ext == self.next_feedback_ext;
        if let Some(base) = base_ext {
            let end = base + i64::from(count);
            // A late, reordered feedback does not move the expectation back.
            self.next_feedback_ext = Some(self.next_feedback_ext.map_or(end, |e| e.max(end)));
        }
        for (seq, delta) in feedback.packets() {
            if let Some(d) = delta {
                arrival_us = arrival_us.saturating_add(i64::from(d) * DELTA_UNIT_US);
            }
            let Some(sent) = self.history.lookup(seq) else {
                summary.unknown += 1;
                contiguous = false;
                continue;
            };
            if sent.acked || (delta.is_none() && sent.reported_lost) {
                summary.duplicates += 1;
                contiguous = false;
                continue;
            }
            if delta.is_none() {
                sent.reported_lost = true;
                summary.lost += 1;
                continue;
            }
            sent.acked = true;
            let (send_us, size, cluster) = (sent.send_us, sent.size, sent.probe_cluster);
            if cluster != 0 {
                self.prober.on_acked(cluster, arrival_us, size);
            }
            summary.received += 1;
            let rtt = now_us - send_us;
            min_rtt_us = Some(min_rtt_us.map_or(rtt, |m| m.min(rtt)));
            self.acked.on_packet(arrival_us, size, contiguous);
            contiguous = true;
            let resets = self.inter_arrival.resets;
            if let Some(d) = self.inter_arrival.on_packet(send_us, arrival_us) {
                self.trendline
                    .update(d.send_delta_us, d.arrival_delta_us, d.arrival_us);
            }
            if self.inter_arrival.resets != resets {
                // Samples from before a remote clock jump would bend the
                // regression: start the delay gradient over too.
                self.trendline = Trendline::default();
            }
        }
        self.counters.unknown_statuses += u64::from(summary.unknown);
        self.counters.duplicate_statuses += u64::from(summary.duplicates);
        self.counters.delay_resets = self.inter_arrival.resets;
        if summary.received == 0 && summary.lost == 0 {
            if summary.duplicates > 0 {
                // A repeated feedback (duplicated datagram): nothing new.
                return Ok(summary);
            }
            self.counters.feedback_no_known_packets += 1;
            return Err(FeedbackError::NoKnownPackets);
        }
        self.counters.feedbacks_accepted += 1;
        if let Some(sample) = min_rtt_us.filter(|&r| r >= 0) {
            // Includes the receiver's feedback delay; smoothed like RFC 6298.
            self.rtt_us = Some(self.rtt_us.map_or(sample, |r| (7 * r + sample) / 8));
        }
        let rtt_us = self.rtt_us.unwrap_or(INITIAL_RTT_US);
        if let Some(probed) = self.prober.evaluate() {
            self.counters.probe_results = self.prober.results;
            self.aimd.raise_to(probed);
            self.loss.raise_to(probed);
        }
        let acked = self.acked.rate_bps();
        let delay_based = self
            .aimd
            .update(now_us, self.trendline.state(), acked, rtt_us);
        let loss_based =
            self.loss
                .on_feedback(now_us, summary.lost, summary.received, delay_based, rtt_us);
        self.target_bps = delay_based.min(loss_based);
        Ok(summary)
    }

    /// The target send bitrate in bits per second: the encoder's target
    /// and candidate-pair `availableOutgoingBitrate`.
    pub fn target_bitrate_bps(&self) -> u64 {
        self.target_bps as u64
    }

    /// Bitrate the receiver acknowledged over the last 500 ms, if known.
    pub fn acked_bitrate_bps(&self) -> Option<u64> {
        self.acked.rate_bps().map(|r| r as u64)
    }

    /// Smoothed RTT measured from feedback (includes the feedback interval).
    pub fn rtt(&self) -> Option<Duration> {
        self.rtt_us
            .map(|us| Duration::from_micros(u64::try_from(us).unwrap_or(0)))
    }

    pub fn counters(&self) -> BweCounters {
        self.counters
    }

    pub fn snapshot(&self) -> BweSnapshot {
        BweSnapshot {
            target_bps: self.target_bitrate_bps(),
            delay_based_bps: self.aimd.rate_bps() as u64,
            loss_based_bps: self.loss.rate_bps() as u64,
            acked_bps: self.acked_bitrate_bps(),
            usage: self.trendline.state(),
            fraction_lost: self.loss.fraction_lost(),
            rtt: self.rtt().unwrap_or(Duration::ZERO),
            trend: self.trendline.trend(),
            threshold_ms: self.trendline.threshold_ms(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_time_unwraps_across_24_bits() {
        let mut c = RemoteClock::default();
        assert_eq!(c.unwrap(0x00FF_FFFE), 0x00FF_FFFE * REFERENCE_UNIT_US);
        assert_eq!(c.unwrap(1), (0x00FF_FFFE + 3) * REFERENCE_UNIT_US);
        assert_eq!(c.unwrap(0x00FF_FFFF), (0x00FF_FFFE + 1) * REFERENCE_UNIT_US);
    }
}
