//! Transport-wide congestion control on the bundle: the transport-cc header
//! extension (negotiated id) on every outgoing RTP/RTX packet, arrivals of
//! the peer's packets recorded and reported as RTCP transport feedback, the
//! peer's feedback fed to the send-side estimator (`rtcscope-bwe`), whose
//! target is candidate-pair `availableOutgoingBitrate` and the encoders' budget.

use std::time::{Duration, Instant};

use rtcscope_bwe::{
    BweConfig, SendSideBwe, TwccReceiver, TwccReceiverConfig, decode_transport_seq,
};
use rtcscope_rtp::rtp::RtpPacket;

use crate::transport::BundleTransport;

/// Bytes the one-byte extension block adds: 4 (profile + length) + 1 (id/len) + 2
/// (sequence number) + 1 (padding to 32 bits).
pub(crate) const TRANSPORT_CC_EXTENSION_LEN: usize = 8;
/// Largest transport feedback we build.
const MAX_FEEDBACK_LEN: usize = 1200;

pub(crate) struct CongestionControl {
    /// The negotiated extmap id of transport-cc (one-byte form: 1..=14).
    pub ext_id: u8,
    pub bwe: SendSideBwe,
    pub twcc: TwccReceiver,
}

impl CongestionControl {
    fn new(now: Instant, ext_id: u8, sender_ssrc: u32, config: BweConfig) -> Self {
        Self {
            ext_id,
            bwe: SendSideBwe::new(now, config),
            twcc: TwccReceiver::new(
                now,
                TwccReceiverConfig {
                    sender_ssrc,
                    ..TwccReceiverConfig::default()
                },
            ),
        }
    }
}

impl BundleTransport {
    /// The negotiated transport-cc extension id (`None`: not negotiated, or an id the
    /// one-byte form cannot carry). The estimator starts with the first id and keeps its
    /// state across renegotiations.
    pub fn set_transport_cc(
        &mut self,
        now: Instant,
        ext_id: Option<u16>,
        sender_ssrc: u32,
        config: BweConfig,
    ) {
        let id = ext_id
            .and_then(|id| u8::try_from(id).ok())
            .filter(|id| (1..=14).contains(id));
        match (id, self.cc.as_mut()) {
            (Some(id), Some(cc)) => cc.ext_id = id,
            (Some(id), None) => {
                self.cc = Some(Box::new(CongestionControl::new(
                    now,
                    id,
                    sender_ssrc,
                    config,
                )))
            }
            (None, _) => self.cc = None,
        }
    }

    /// The estimator's target (availableOutgoingBitrate), when transport-cc is on.
    pub fn target_bitrate_bps(&self) -> Option<u64> {
        self.cc.as_ref().map(|cc| cc.bwe.target_bitrate_bps())
    }

    /// Round-trip time the estimator measured from its feedback.
    pub fn bwe_round_trip_time(&self) -> Option<Duration> {
        self.cc.as_ref().and_then(|cc| cc.bwe.rtt())
    }

    /// The send-side estimator, when transport-cc is on.
    pub fn bandwidth_estimator(&self) -> Option<&SendSideBwe> {
        self.cc.as_ref().map(|cc| &cc.bwe)
    }

    /// A received plaintext RTP packet: its transport-wide sequence number, if any.
    pub(crate) fn cc_on_rtp(&mut self, now: Instant, plain: &[u8]) {
        let Some(cc) = self.cc.as_mut() else {
            return;
        };
        let Ok(packet) = RtpPacket::parse(plain) else {
            return;
        };
        if let Some(seq) = packet.extension(cc.ext_id).and_then(decode_transport_seq) {
            cc.twcc.on_packet(now, seq);
        }
    }

    pub(crate) fn cc_poll_timeout(&self) -> Option<Instant> {
        self.cc.as_ref().and_then(|cc| cc.twcc.poll_timeout())
    }

    /// Transport feedback due at `now` goes out over SRTCP.
    pub(crate) fn send_due_cc_feedback(&mut self, now: Instant) {
        if self.srtp.is_none() {
            return;
        }
        loop {
            let Some(cc) = self.cc.as_mut() else {
                return;
            };
            if cc.twcc.poll_timeout().is_none_or(|t| t > now) {
                return;
            }
            let mut buf = self.outbox.pool.take();
            buf.resize(MAX_FEEDBACK_LEN + 64, 0);
            match cc.twcc.poll_feedback(now, &mut buf[..MAX_FEEDBACK_LEN]) {
                Ok(Some(len)) => self.protect_and_send_rtcp(now, buf, len),
                Ok(None) => {
                    self.outbox.pool.give(buf);
                    return;
                }
                Err(_) => {
                    self.counters.send_failures += 1;
                    self.outbox.pool.give(buf);
                    return;
                }
            }
        }
    }
}
