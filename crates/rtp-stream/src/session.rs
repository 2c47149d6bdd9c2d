//! One endpoint's RTP session: an optional send stream, receive streams,
//! and the RTCP that ties them together (SR/RR report blocks, SDES CNAME,
//! XR RRTR/DLRR, feedback counting). Sans-IO: bytes and `Instant`s in,
//! bytes out.

use std::time::{Duration, Instant};

use rtcscope_rtp::ntp::duration_to_compact;
use rtcscope_rtp::rtcp::{
    CompoundBuilder, DlrrItem, ReceiverReportBuilder, ReportBlock, RtcpPacket, SdesBuilder,
    SdesChunkSpec, SdesItem, SenderReportBuilder, XrBlock, XrBuilder, parse_compound, sdes_type,
};
use rtcscope_rtp::{BuildError, RtcpError, RtpError, RtpPacket};

use crate::clock::NtpClock;
use crate::interval::RtcpTimer;
use crate::receiver::{ReceiveConfig, ReceiveOutcome, ReceiveStream};
use crate::sender::{SendConfig, SendStream};

/// Report blocks per RR/SR (the 5-bit count field).
const MAX_REPORT_BLOCKS: usize = 31;
/// Receive streams per session (caps state keyed by configuration).
pub const MAX_RECEIVE_STREAMS: usize = 31;
/// Remote RRTRs remembered for DLRR answers (state keyed by remote input).
const MAX_PENDING_RRTR: usize = 16;
/// A remote RRTR is answered for this long (well below the 18 h range of
/// the compact NTP fields).
const RRTR_MAX_AGE: Duration = Duration::from_secs(60);
/// Our latest RRTRs, to validate DLRR echoes.
const RRTR_HISTORY: usize = 8;

/// Session parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// SSRC we send RTCP as (the send stream's SSRC when sending).
    pub rtcp_ssrc: u32,
    /// Our CNAME (SDES).
    pub cname: String,
    /// Send XR RRTR while receiving and answer RRTRs with DLRR (RFC 3611),
    /// as with `a=rtcp-fb:* rrtr`.
    pub rrtr: bool,
    /// Fixed minimum RTCP interval (RFC 3550 §6.2 uses 5 s; ~1 s here).
    pub rtcp_min_interval: Duration,
    /// Session bandwidth in bit/s; RTCP gets 5%.
    pub session_bandwidth_bps: u64,
    /// Seed of the RTCP interval randomization.
    pub seed: u64,
}

/// Session-level counters of input that no stream took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionCounters {
    /// RTP packets that failed to parse.
    pub rtp_malformed: u64,
    /// RTP packets for an SSRC no stream is configured for.
    pub rtp_unknown_ssrc: u64,
    /// Compound RTCP packets received.
    pub rtcp_received: u64,
    /// Compounds with a malformed packet (processing stopped there).
    pub rtcp_malformed: u64,
    /// Compound RTCP packets we built.
    pub rtcp_sent: u64,
}

/// One endpoint's RTP/RTCP session.
#[derive(Debug, Clone)]
pub struct Session {
    config: SessionConfig,
    clock: NtpClock,
    send: Option<SendStream>,
    recv: Vec<ReceiveStream>,
    timer: RtcpTimer,
    sent_rrtr: [u32; RRTR_HISTORY],
    sent_rrtr_next: usize,
    /// (remote SSRC, compact NTP of its RRTR, arrival) awaiting our DLRR.
    pending_rrtr: Vec<(u32, u32, Instant)>,
    counters: SessionCounters,
}

impl Session {
    /// A session whose wall clock is `clock`.
    pub fn new(config: SessionConfig, clock: NtpClock) -> Self {
        let timer = RtcpTimer::new(
            config.rtcp_min_interval,
            config.session_bandwidth_bps,
            config.seed,
        );
        Self {
            config,
            clock,
            send: None,
            recv: Vec::new(),
            timer,
            sent_rrtr: [0; RRTR_HISTORY],
            sent_rrtr_next: 0,
            pending_rrtr: Vec::with_capacity(MAX_PENDING_RRTR),
            counters: SessionCounters::default(),
        }
    }

    /// Configures the stream we send.
    pub fn set_send_stream(&mut self, config: SendConfig) {
        self.send = Some(SendStream::new(config));
    }

    /// Adds a stream to receive; false when the session is full.
    pub fn add_receive_stream(&mut self, config: ReceiveConfig) -> bool {
        if self.recv.len() >= MAX_RECEIVE_STREAMS {
            return false;
        }
        self.recv.push(ReceiveStream::new(config));
        true
    }

    /// The send stream.
    pub fn send_stream(&self) -> Option<&SendStream> {
        self.send.as_ref()
    }

    /// Mutable send stream (feedback counters, etc.).
    pub fn send_stream_mut(&mut self) -> Option<&mut SendStream> {
        self.send.as_mut()
    }

    /// The receive streams.
    pub fn receive_streams(&self) -> &[ReceiveStream] {
        &self.recv
    }

    /// Mutable receive streams.
    pub fn receive_streams_mut(&mut self) -> &mut [ReceiveStream] {
        &mut self.recv
    }

    /// The endpoint's wall clock.
    pub fn clock(&self) -> &NtpClock {
        &self.clock
    }

    /// Session counters.
    pub fn counters(&self) -> &SessionCounters {
        &self.counters
    }

    /// Accounts an RTP packet we send, leaving at `now`, handed over at
    /// `handed_at`.
    pub fn on_rtp_sent(&mut self, now: Instant, handed_at: Instant, packet: &RtpPacket<'_>) {
        if let Some(send) = self.send.as_mut() {
            send.on_rtp_sent(now, handed_at, packet);
        }
    }

    /// Accounts a received RTP datagram.
    pub fn handle_rtp(
        &mut self,
        now: Instant,
        datagram: &[u8],
    ) -> Result<ReceiveOutcome, RtpError> {
        let packet = match RtpPacket::parse(datagram) {
            Ok(p) => p,
            Err(e) => {
                self.counters.rtp_malformed += 1;
                return Err(e);
            }
        };
        for stream in &mut self.recv {
            let outcome = stream.on_rtp(now, &packet);
            if outcome != ReceiveOutcome::ForeignSsrc {
                return Ok(outcome);
            }
        }
        self.counters.rtp_unknown_ssrc += 1;
        Ok(ReceiveOutcome::ForeignSsrc)
    }

    fn receive_stream_for(&mut self, ssrc: u32) -> Option<&mut ReceiveStream> {
        self.recv.iter_mut().find(|s| s.config().ssrc == ssrc)
    }

    fn on_report_blocks(&mut self, now: Instant, blocks: impl Iterator<Item = ReportBlock>) {
        let arrival = self.clock.compact_at(now);
        let Some(send) = self.send.as_mut() else {
            return;
        };
        for block in blocks {
            if block.ssrc == send.config().ssrc {
                send.on_report_block(now, arrival, &block);
            }
        }
    }

    /// Consumes a received compound RTCP datagram. Packets before a
    /// malformed one are applied; the error is returned.
    pub fn handle_rtcp(&mut self, now: Instant, datagram: &[u8]) -> Result<(), RtcpError> {
        self.counters.rtcp_received += 1;
        for item in parse_compound(datagram) {
            let packet = match item {
                Ok(p) => p,
                Err(e) => {
                    self.counters.rtcp_malformed += 1;
                    return Err(e);
                }
            };
            self.apply(now, packet);
        }
        Ok(())
    }

    fn apply(&mut self, now: Instant, packet: RtcpPacket<'_>) {
        let send_ssrc = self.send.as_ref().map(|s| s.config().ssrc);
        match packet {
            RtcpPacket::SenderReport(sr) => {
                if let Some(stream) = self.receive_stream_for(sr.ssrc()) {
                    stream.on_sender_report(now, &sr);
                }
                self.on_report_blocks(now, sr.report_blocks());
            }
            RtcpPacket::ReceiverReport(rr) => self.on_report_blocks(now, rr.report_blocks()),
            RtcpPacket::Xr(xr) => {
                let arrival = self.clock.compact_at(now);
                for block in xr.blocks() {
                    match block {
                        XrBlock::Rrtr(ntp) => self.remember_rrtr(xr.ssrc(), ntp.compact(), now),
                        XrBlock::Dlrr(items) => {
                            let ours = self.config.rtcp_ssrc;
                            let sent = self.sent_rrtr;
                            for item in items {
                                let known = item.last_rr != 0 && sent.contains(&item.last_rr);
                                if item.ssrc != ours || !known {
                                    continue;
                                }
                                if let Some(stream) = self.receive_stream_for(xr.ssrc()) {
                                    stream.on_dlrr(arrival, item.last_rr, item.delay_since_last_rr);
                                }
                            }
                        }
                        XrBlock::Unknown { .. } => {}
                    }
                }
            }
            RtcpPacket::Nack(nack) if Some(nack.media_ssrc()) == send_ssrc => {
                if let Some(s) = self.send.as_mut() {
                    s.on_nack_received();
                }
            }
            RtcpPacket::Pli(pli) if Some(pli.media_ssrc) == send_ssrc => {
                if let Some(s) = self.send.as_mut() {
                    s.on_pli_received();
                }
            }
            // RFC 5104: the media SSRC field of a FIR is unused; its
            // entries name the target SSRCs.
            RtcpPacket::Fir(fir) if fir.entries().any(|e| Some(e.ssrc) == send_ssrc) => {
                if let Some(s) = self.send.as_mut() {
                    s.on_fir_received();
                }
            }
            _ => {}
        }
    }

    fn remember_rrtr(&mut self, ssrc: u32, compact: u32, now: Instant) {
        if let Some(slot) = self.pending_rrtr.iter_mut().find(|(s, _, _)| *s == ssrc) {
            *slot = (ssrc, compact, now);
        } else if self.pending_rrtr.len() < MAX_PENDING_RRTR {
            self.pending_rrtr.push((ssrc, compact, now));
        }
        // Beyond the cap, further reporters get no DLRR (bounded state).
    }

    fn members_and_senders(&self) -> (u32, u32, bool) {
        let we_sent = self.send.as_ref().is_some_and(SendStream::has_sent);
        let remote_senders = self.recv.iter().filter(|s| s.has_received()).count() as u32;
        let members = 1 + self.recv.len().max(1) as u32;
        (members, remote_senders + u32::from(we_sent), we_sent)
    }

    /// When our next compound RTCP is due.
    pub fn next_rtcp_at(&mut self, now: Instant) -> Instant {
        let (m, s, w) = self.members_and_senders();
        self.timer.next_at(now, m, s, w)
    }

    /// Builds our compound RTCP into `out` if one is due at `now`.
    pub fn poll_rtcp(&mut self, now: Instant, out: &mut [u8]) -> Result<Option<usize>, BuildError> {
        let (m, s, w) = self.members_and_senders();
        if !self.timer.is_due(now, m, s, w) {
            return Ok(None);
        }
        let len = self.build_rtcp(now, out)?;
        self.timer.on_sent(now, len, m, s, w);
        Ok(Some(len))
    }

    /// Builds a compound RTCP now, regardless of the timer: SR (when we
    /// have sent media) or RR with a report block per valid receive
    /// stream, SDES CNAME, and XR with RRTR (when receiving and enabled)
    /// and DLRR answers to pending RRTRs.
    pub fn build_rtcp(&mut self, now: Instant, out: &mut [u8]) -> Result<usize, BuildError> {
        let mut blocks = [ReportBlock::default(); MAX_REPORT_BLOCKS];
        let mut n_blocks = 0;
        for stream in &mut self.recv {
            if n_blocks == MAX_REPORT_BLOCKS {
                break;
            }
            if let Some(b) = stream.report_block(now) {
                blocks[n_blocks] = b;
                n_blocks += 1;
            }
        }
        let blocks = &blocks[..n_blocks];
        let clock = self.clock;
        let mut compound = CompoundBuilder::new(out);
        let info = self.send.as_mut().and_then(|s| s.sender_info(now, &clock));
        match info {
            Some(info) => compound.push(&SenderReportBuilder {
                ssrc: self.config.rtcp_ssrc,
                ntp_time: info.ntp_time,
                rtp_timestamp: info.rtp_timestamp,
                packet_count: info.packet_count,
                octet_count: info.octet_count,
                report_blocks: blocks,
            })?,
            None => compound.push(&ReceiverReportBuilder {
                ssrc: self.config.rtcp_ssrc,
                report_blocks: blocks,
            })?,
        };
        let cname = [SdesItem {
            kind: sdes_type::CNAME,
            value: self.config.cname.as_bytes(),
        }];
        let chunks = [SdesChunkSpec {
            ssrc: self.config.rtcp_ssrc,
            items: &cname,
        }];
        compound.push(&SdesBuilder { chunks: &chunks })?;

        let rrtr = if self.config.rrtr && !blocks.is_empty() {
            let ntp = clock.ntp_at(now);
            self.sent_rrtr[self.sent_rrtr_next] = ntp.compact();
            self.sent_rrtr_next = (self.sent_rrtr_next + 1) % RRTR_HISTORY;
            Some(ntp)
        } else {
            None
        };
        let mut dlrr = [DlrrItem::default(); MAX_PENDING_RRTR];
        let mut n_dlrr = 0;
        if self.config.rrtr {
            // Every compound answers the latest RRTR of each reporter (like
            // LSR/DLSR in report blocks, each answer is a valid RTT sample),
            // so every SR carries a DLRR and remote-outbound-rtp keeps its
            // roundTripTime; libwebrtc answers each RRTR once only. RRTRs
            // older than RRTR_MAX_AGE are forgotten.
            self.pending_rrtr
                .retain(|(_, _, at)| now.saturating_duration_since(*at) <= RRTR_MAX_AGE);
            for &(ssrc, last_rr, at) in &self.pending_rrtr {
                dlrr[n_dlrr] = DlrrItem {
                    ssrc,
                    last_rr,
                    delay_since_last_rr: duration_to_compact(now.saturating_duration_since(at)),
                };
                n_dlrr += 1;
            }
        }
        if rrtr.is_some() || n_dlrr > 0 {
            compound.push(&XrBuilder {
                ssrc: self.config.rtcp_ssrc,
                rrtr,
                dlrr: &dlrr[..n_dlrr],
            })?;
        }
        self.counters.rtcp_sent += 1;
        Ok(compound.finish())
    }
}
