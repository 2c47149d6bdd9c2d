//! The `rtcscope simulate` scenario: one video sender and one receiver
//! through a `rtcscope-netsim` path impaired alike in both directions, run
//! on simulated time, ending with each side's final stats report.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use rtcscope_netsim::{ConfigError, LinkConfig, LinkCounters, LossModel, Path, SendVerdict, Side};
use rtcscope_rtp::rtp::is_rtcp;
use rtcscope_rtp::{BuildError, RtpBuilder, RtpPacket};
use rtcscope_stats::{
    EpochClock, MediaKind, RTCCodecStats, RTCDtlsTransportState, RTCStatsReport, RTCTransportStats,
};

use crate::clock::NtpClock;
use crate::receiver::ReceiveConfig;
use crate::sender::SendConfig;
use crate::session::{Session, SessionConfig};
use crate::snapshot::{self, StreamIds};

/// RTP clock rate of the simulated stream (video).
pub const CLOCK_RATE: u32 = 90_000;
/// Payload bytes per packet.
pub const PAYLOAD_BYTES: usize = 1000;
/// Payload type of the simulated codec.
pub const PAYLOAD_TYPE: u8 = 96;
/// Wall-clock time of the simulation start: 2026-01-01T00:00:00Z, fixed so
/// that a seed reproduces the reports byte for byte.
pub const START_UNIX_SECS: u64 = 1_767_225_600;
/// The receiver's wall clock runs this far ahead of the sender's:
/// unsynchronized clocks must not affect any RTT.
pub const RECEIVER_CLOCK_OFFSET: Duration = Duration::from_millis(3_250);
/// Largest packet count a run accepts (bounds memory and time).
pub const MAX_PACKETS: u64 = 10_000_000;

/// Scenario parameters (`rtcscope simulate` flags).
#[derive(Debug, Clone, PartialEq)]
pub struct SimulateConfig {
    /// RTP packets to send (`--packets`).
    pub packets: u64,
    /// Packets per second (`--rate`, default 100).
    pub rate_pps: u32,
    /// Random loss in percent, each direction (`--loss`).
    pub loss_percent: f64,
    /// One-way delay, each direction (`--delay`).
    pub delay: Duration,
    /// Uniform extra delay in [0, jitter] per packet (`--jitter`).
    pub jitter: Duration,
    /// Seed of every random choice (`--seed`).
    pub seed: u64,
    /// Fixed minimum RTCP interval.
    pub rtcp_min_interval: Duration,
    /// Also take both reports every this often (like a page polling
    /// getStats()) into [`SimulateOutcome::timeline`]; `None` = final only.
    pub snapshot_interval: Option<Duration>,
}

impl Default for SimulateConfig {
    fn default() -> Self {
        Self {
            packets: 1000,
            rate_pps: 100,
            loss_percent: 0.0,
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            seed: 1,
            rtcp_min_interval: Duration::from_secs(1),
            snapshot_interval: None,
        }
    }
}

/// Why a scenario could not run.
#[derive(Debug, Clone, PartialEq)]
pub enum SimulateError {
    /// Rate 0, too many packets, a loss outside 0..=100 %, or an RTCP
    /// minimum or snapshot interval below 10 ms.
    InvalidConfig(&'static str),
    /// The link rejected its configuration.
    Link(ConfigError),
    /// A packet could not be built (a bug, reported rather than panicking).
    Build(BuildError),
}

impl std::fmt::Display for SimulateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimulateError::InvalidConfig(why) => write!(f, "invalid scenario: {why}"),
            SimulateError::Link(e) => write!(f, "invalid link: {e}"),
            SimulateError::Build(e) => write!(f, "packet build failed: {e}"),
        }
    }
}

impl std::error::Error for SimulateError {}

impl From<BuildError> for SimulateError {
    fn from(e: BuildError) -> Self {
        SimulateError::Build(e)
    }
}

/// Result of a run.
#[derive(Debug, Clone)]
pub struct SimulateOutcome {
    /// The configuration that ran.
    pub config: SimulateConfig,
    /// Sender's final report: outbound-rtp, remote-inbound-rtp (once an RR
    /// arrived), and the transport and codec they reference.
    pub sender: RTCStatsReport,
    /// Receiver's final report: inbound-rtp, remote-outbound-rtp (once an
    /// SR arrived), and the transport and codec they reference.
    pub receiver: RTCStatsReport,
    /// Counters of the sender -> receiver link (media and sender RTCP).
    pub forward_link: LinkCounters,
    /// Counters of the receiver -> sender link (receiver RTCP).
    pub backward_link: LinkCounters,
    /// Indices (0-based send order) of the media packets the forward link
    /// dropped.
    pub media_dropped: Vec<u64>,
    /// Index of the last media packet that reached the receiver.
    pub last_media_delivered: Option<u64>,
    /// Every RR-based RTT sample the sender took, in order.
    pub sender_rtt_samples: Vec<Duration>,
    /// Every DLRR-based RTT sample the receiver took, in order.
    pub receiver_rtt_samples: Vec<Duration>,
    /// Simulated time from the first packet to the final snapshot.
    pub simulated: Duration,
    /// (sender, receiver) reports every `snapshot_interval`, oldest first.
    pub timeline: Vec<(RTCStatsReport, RTCStatsReport)>,
}

impl SimulateOutcome {
    /// `{"sender": REPORT, "receiver": REPORT}`, each an id-keyed object.
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("sender".into(), self.sender.to_json_object().into());
        map.insert("receiver".into(), self.receiver.to_json_object().into());
        serde_json::Value::Object(map)
    }
}

/// Sender's and receiver's SSRCs and the ids of their stats objects.
const SENDER_SSRC: u32 = 0x1A2B_3C4D;
const RECEIVER_SSRC: u32 = 0x5E6F_7081;

fn ids_for(ssrc: u32) -> [String; 6] {
    [
        format!("OT01V{ssrc}"),
        format!("RIV{ssrc}"),
        format!("IT01V{ssrc}"),
        format!("ROV{ssrc}"),
        format!("COT01_{PAYLOAD_TYPE}"),
        format!("CIT01_{PAYLOAD_TYPE}"),
    ]
}
const TRANSPORT_ID: &str = "T01";

/// Bytes each endpoint put on / took off the wire (transport stats).
#[derive(Debug, Default, Clone, Copy)]
struct WireCounters {
    packets_sent: u64,
    bytes_sent: u64,
    packets_received: u64,
    bytes_received: u64,
}

/// Runs the scenario. 30,000 packets take a fraction of a second.
pub fn run(config: &SimulateConfig) -> Result<SimulateOutcome, SimulateError> {
    if config.rate_pps == 0 {
        return Err(SimulateError::InvalidConfig(
            "rate must be at least 1 packet/s",
        ));
    }
    if config.packets > MAX_PACKETS {
        return Err(SimulateError::InvalidConfig("at most 10,000,000 packets"));
    }
    if config
        .snapshot_interval
        .is_some_and(|i| i < Duration::from_millis(10))
    {
        return Err(SimulateError::InvalidConfig(
            "snapshot interval below 10 ms",
        ));
    }
    if config.rtcp_min_interval < Duration::from_millis(10) {
        return Err(SimulateError::InvalidConfig(
            "RTCP minimum interval below 10 ms",
        ));
    }
    if !(0.0..=100.0).contains(&config.loss_percent) {
        return Err(SimulateError::InvalidConfig(
            "loss must be within 0..=100 %",
        ));
    }
    let link = LinkConfig {
        loss: if config.loss_percent > 0.0 {
            LossModel::Bernoulli {
                p: config.loss_percent / 100.0,
            }
        } else {
            LossModel::None
        },
        delay: config.delay,
        jitter: config.jitter,
        ..Default::default()
    };
    let mut path: Path<Vec<u8>> =
        Path::symmetric(link, config.seed).map_err(SimulateError::Link)?;

    let t0 = Instant::now();
    let start = Duration::from_secs(START_UNIX_SECS);
    let sender_clock = NtpClock::from_unix(t0, start);
    let receiver_clock = NtpClock::from_unix(t0, start + RECEIVER_CLOCK_OFFSET);
    let sender_epoch = EpochClock::new(t0, start.as_secs_f64() * 1000.0);
    let receiver_epoch =
        EpochClock::new(t0, (start + RECEIVER_CLOCK_OFFSET).as_secs_f64() * 1000.0);
    // Session bandwidth: the media rate (1000-byte payloads + headers).
    let media_bps = u64::from(config.rate_pps) * (PAYLOAD_BYTES as u64 + 12) * 8;

    let mut sender = Session::new(
        SessionConfig {
            rtcp_ssrc: SENDER_SSRC,
            cname: "sender@rtcscope".into(),
            rrtr: true,
            rtcp_min_interval: config.rtcp_min_interval,
            session_bandwidth_bps: media_bps,
            seed: config.seed.wrapping_add(1),
        },
        sender_clock,
    );
    sender.set_send_stream(SendConfig {
        ssrc: SENDER_SSRC,
        clock_rate: CLOCK_RATE,
        kind: MediaKind::Video,
        rtx_ssrc: None,
    });
    let mut receiver = Session::new(
        SessionConfig {
            rtcp_ssrc: RECEIVER_SSRC,
            cname: "receiver@rtcscope".into(),
            rrtr: true,
            rtcp_min_interval: config.rtcp_min_interval,
            session_bandwidth_bps: media_bps,
            seed: config.seed.wrapping_add(2),
        },
        receiver_clock,
    );
    receiver.add_receive_stream(ReceiveConfig {
        ssrc: SENDER_SSRC,
        clock_rate: CLOCK_RATE,
        kind: MediaKind::Video,
        rtx_ssrc: None,
        fec_ssrc: None,
    });

    // Seed-derived initial sequence number and timestamp, as RTP wants
    // random ones; long runs therefore cross the 16-bit sequence wrap.
    let mut init = rtcscope_netsim::SimRng::new(config.seed ^ 0x5EED);
    let seq0 = init.next_u64() as u16;
    let ts0 = init.next_u64() as u32;

    let interval_ns = 1_000_000_000 / u64::from(config.rate_pps);
    let send_time = |i: u64| t0 + Duration::from_nanos(i * interval_ns);
    let media_end = send_time(config.packets);
    // After the last packet: time for it to arrive and for a few RTCP
    // rounds to carry the final counts both ways.
    let tail = (config.delay + config.jitter) * 2 + config.rtcp_min_interval * 4;
    let end = media_end + tail;

    let payload = [0u8; PAYLOAD_BYTES];
    let mut out = [0u8; 1500];
    let mut rtcp_buf = [0u8; 1500];
    let mut next_packet = 0u64;
    let mut media_dropped = Vec::new();
    let mut last_media_delivered: Option<u64> = None;
    let mut sender_rtt = Vec::new();
    let mut receiver_rtt = Vec::new();
    let mut sender_wire = WireCounters::default();
    let mut receiver_wire = WireCounters::default();
    let mut now = t0;
    let reporter = Reporter {
        sender_epoch,
        receiver_epoch,
    };
    let mut timeline = Vec::new();
    let mut next_snapshot = config.snapshot_interval.map(|i| t0 + i);

    loop {
        // 1. Deliveries due now.
        while let Some((side, datagram)) = path.poll_receive(now) {
            match side {
                Side::B => {
                    receiver_wire.packets_received += 1;
                    receiver_wire.bytes_received += datagram.len() as u64;
                    if is_rtcp(&datagram) {
                        // Malformed RTCP is counted by the session.
                        let _ = receiver.handle_rtcp(now, &datagram);
                        if let Some(r) = receiver
                            .receive_streams()
                            .first()
                            .and_then(|s| s.remote_sender())
                            && r.round_trip_time_measurements > receiver_rtt.len() as u64
                        {
                            receiver_rtt.extend(r.round_trip_time);
                        }
                    } else {
                        if let Ok(p) = RtpPacket::parse(&datagram) {
                            let index = u64::from(p.sequence_number().wrapping_sub(seq0));
                            // Index modulo 2^16 -> the latest packet with it.
                            let base = next_packet.saturating_sub(1) & !0xFFFF;
                            let mut full = base | index;
                            if full >= next_packet {
                                full = full.saturating_sub(1 << 16);
                            }
                            last_media_delivered =
                                Some(last_media_delivered.map_or(full, |l| l.max(full)));
                        }
                        let _ = receiver.handle_rtp(now, &datagram);
                    }
                }
                Side::A => {
                    sender_wire.packets_received += 1;
                    sender_wire.bytes_received += datagram.len() as u64;
                    let _ = sender.handle_rtcp(now, &datagram);
                    if let Some(r) = sender.send_stream().and_then(|s| s.remote_receiver())
                        && r.round_trip_time_measurements > sender_rtt.len() as u64
                    {
                        sender_rtt.extend(r.round_trip_time);
                    }
                }
            }
        }
        if now >= end {
            break;
        }
        if let (Some(at), Some(every)) = (next_snapshot, config.snapshot_interval)
            && at <= now
        {
            timeline.push(reporter.reports(&sender, &receiver, &sender_wire, &receiver_wire, now));
            next_snapshot = Some(at + every);
        }
        // 2. Media packets due now.
        while next_packet < config.packets && send_time(next_packet) <= now {
            let i = next_packet;
            let builder = RtpBuilder {
                marker: true,
                payload_type: PAYLOAD_TYPE,
                sequence_number: seq0.wrapping_add(i as u16),
                timestamp: ts0.wrapping_add(
                    (u128::from(i) * u128::from(CLOCK_RATE) / u128::from(config.rate_pps)) as u32,
                ),
                ssrc: SENDER_SSRC,
                payload: &payload,
                ..Default::default()
            };
            let len = builder.write(&mut out)?;
            let bytes = &out[..len];
            if let Ok(p) = RtpPacket::parse(bytes) {
                sender.on_rtp_sent(now, now, &p);
            }
            sender_wire.packets_sent += 1;
            sender_wire.bytes_sent += len as u64;
            if let SendVerdict::DroppedLoss | SendVerdict::DroppedQueue =
                path.link_from(Side::A).send(now, bytes.to_vec(), len)
            {
                media_dropped.push(i);
            }
            next_packet += 1;
        }
        // 3. RTCP due now.
        if let Some(len) = sender.poll_rtcp(now, &mut rtcp_buf)? {
            sender_wire.packets_sent += 1;
            sender_wire.bytes_sent += len as u64;
            path.link_from(Side::A)
                .send(now, rtcp_buf[..len].to_vec(), len);
        }
        if let Some(len) = receiver.poll_rtcp(now, &mut rtcp_buf)? {
            receiver_wire.packets_sent += 1;
            receiver_wire.bytes_sent += len as u64;
            path.link_from(Side::B)
                .send(now, rtcp_buf[..len].to_vec(), len);
        }
        // 4. Advance to the next event.
        let mut next = end;
        if next_packet < config.packets {
            next = next.min(send_time(next_packet));
        }
        if let Some(t) = path.next_delivery() {
            next = next.min(t);
        }
        next = next
            .min(sender.next_rtcp_at(now))
            .min(receiver.next_rtcp_at(now));
        now = next.max(now);
    }

    let (sender_report, receiver_report) =
        reporter.reports(&sender, &receiver, &sender_wire, &receiver_wire, now);

    Ok(SimulateOutcome {
        config: config.clone(),
        sender: sender_report,
        receiver: receiver_report,
        forward_link: path.a_to_b.counters(),
        backward_link: path.b_to_a.counters(),
        media_dropped,
        last_media_delivered,
        sender_rtt_samples: sender_rtt,
        receiver_rtt_samples: receiver_rtt,
        simulated: now - t0,
        timeline,
    })
}

/// Builds both sides' reports from the sessions' state.
struct Reporter {
    sender_epoch: EpochClock,
    receiver_epoch: EpochClock,
}

impl Reporter {
    fn reports(
        &self,
        sender: &Session,
        receiver: &Session,
        sender_wire: &WireCounters,
        receiver_wire: &WireCounters,
        now: Instant,
    ) -> (RTCStatsReport, RTCStatsReport) {
        let [out_id, ri_id, in_id, ro_id, cot_id, cit_id] = ids_for(SENDER_SSRC);
        let sender_epoch = &self.sender_epoch;
        let receiver_epoch = &self.receiver_epoch;
        let mut sender_report = RTCStatsReport::new();
        if let Some(stream) = sender.send_stream() {
            let ids = StreamIds {
                id: &out_id,
                transport_id: TRANSPORT_ID,
                codec_id: &cot_id,
                pair_id: &ri_id,
            };
            if let Some(o) = snapshot::outbound_rtp(stream, &ids, Some("0"), sender_epoch, now) {
                sender_report.insert(o);
            }
            let remote_ids = StreamIds {
                id: &ri_id,
                pair_id: &out_id,
                ..ids
            };
            if let Some(r) = snapshot::remote_inbound_rtp(stream, &remote_ids, sender_epoch) {
                sender_report.insert(r);
            }
        }
        sender_report.insert(transport(sender_wire, sender_epoch.unix_ms(now)));
        sender_report.insert(codec(&cot_id, sender_epoch.unix_ms(now)));

        let mut receiver_report = RTCStatsReport::new();
        if let Some(stream) = receiver.receive_streams().first() {
            let ids = StreamIds {
                id: &in_id,
                transport_id: TRANSPORT_ID,
                codec_id: &cit_id,
                pair_id: &ro_id,
            };
            let track = "rtcscope-simulated-video";
            if let Some(i) =
                snapshot::inbound_rtp(stream, &ids, track, Some("0"), receiver_epoch, now)
            {
                receiver_report.insert(i);
            }
            let remote_ids = StreamIds {
                id: &ro_id,
                pair_id: &in_id,
                ..ids
            };
            if let Some(r) = snapshot::remote_outbound_rtp(stream, &remote_ids, receiver_epoch) {
                receiver_report.insert(r);
            }
        }
        receiver_report.insert(transport(receiver_wire, receiver_epoch.unix_ms(now)));
        receiver_report.insert(codec(&cit_id, receiver_epoch.unix_ms(now)));
        (sender_report, receiver_report)
    }
}

/// The simulated transport. No ICE/DTLS runs in the simulation; it stands
/// for an established connection, hence `dtlsState: "connected"`.
fn transport(wire: &WireCounters, timestamp: f64) -> RTCTransportStats {
    RTCTransportStats {
        id: TRANSPORT_ID.into(),
        timestamp,
        packets_sent: Some(wire.packets_sent),
        bytes_sent: Some(wire.bytes_sent),
        packets_received: Some(wire.packets_received),
        bytes_received: Some(wire.bytes_received),
        dtls_state: RTCDtlsTransportState::Connected,
        ..Default::default()
    }
}

fn codec(id: &str, timestamp: f64) -> RTCCodecStats {
    RTCCodecStats {
        id: id.into(),
        timestamp,
        mime_type: "video/VP8".into(),
        payload_type: u32::from(PAYLOAD_TYPE),
        clock_rate: Some(CLOCK_RATE),
        transport_id: TRANSPORT_ID.into(),
        ..Default::default()
    }
}

/// A readable summary of a run.
pub fn summary(outcome: &SimulateOutcome) -> String {
    use rtcscope_stats::{
        RTCInboundRtpStreamStats, RTCOutboundRtpStreamStats, RTCRemoteInboundRtpStreamStats,
        RTCRemoteOutboundRtpStreamStats,
    };
    let c = &outcome.config;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "simulated {} packets at {} pkt/s, loss {}%, delay {} ms, jitter {} ms, seed {} ({:.3} s simulated)",
        c.packets,
        c.rate_pps,
        c.loss_percent,
        c.delay.as_secs_f64() * 1e3,
        c.jitter.as_secs_f64() * 1e3,
        c.seed,
        outcome.simulated.as_secs_f64()
    );
    let opt = |v: Option<f64>, scale: f64, unit: &str| match v {
        Some(v) => format!("{:.3} {unit}", v * scale),
        None => "-".to_string(),
    };
    let _ = writeln!(s, "sender:");
    if let Some(o) = outcome.sender.all::<RTCOutboundRtpStreamStats>().next() {
        let _ = writeln!(
            s,
            "  outbound-rtp  ssrc {}: packetsSent {}, bytesSent {}, headerBytesSent {}",
            o.ssrc,
            o.packets_sent.unwrap_or(0),
            o.bytes_sent.unwrap_or(0),
            o.header_bytes_sent.unwrap_or(0)
        );
    }
    match outcome
        .sender
        .all::<RTCRemoteInboundRtpStreamStats>()
        .next()
    {
        Some(r) => {
            let _ = writeln!(
                s,
                "  remote-inbound-rtp: packetsReceived {}, packetsLost {}, fractionLost {:.4}, jitter {}, roundTripTime {}, mean RTT {} over {} samples",
                r.packets_received.unwrap_or(0),
                r.packets_lost.unwrap_or(0),
                r.fraction_lost.unwrap_or(0.0),
                opt(r.jitter, 1e3, "ms"),
                opt(r.round_trip_time, 1e3, "ms"),
                opt(
                    mean(r.total_round_trip_time, r.round_trip_time_measurements),
                    1e3,
                    "ms"
                ),
                r.round_trip_time_measurements.unwrap_or(0)
            );
        }
        None => {
            let _ = writeln!(s, "  remote-inbound-rtp: none (no RR arrived)");
        }
    }
    let _ = writeln!(s, "receiver:");
    if let Some(i) = outcome.receiver.all::<RTCInboundRtpStreamStats>().next() {
        let _ = writeln!(
            s,
            "  inbound-rtp   ssrc {}: packetsReceived {}, packetsLost {}, jitter {}, bytesReceived {}, headerBytesReceived {}",
            i.ssrc,
            i.packets_received.unwrap_or(0),
            i.packets_lost.unwrap_or(0),
            opt(i.jitter, 1e3, "ms"),
            i.bytes_received.unwrap_or(0),
            i.header_bytes_received.unwrap_or(0)
        );
    }
    match outcome
        .receiver
        .all::<RTCRemoteOutboundRtpStreamStats>()
        .next()
    {
        Some(r) => {
            let _ = writeln!(
                s,
                "  remote-outbound-rtp: packetsSent {}, bytesSent {}, reportsSent {}, roundTripTime {}, mean RTT {} over {} samples",
                r.packets_sent.unwrap_or(0),
                r.bytes_sent.unwrap_or(0),
                r.reports_sent.unwrap_or(0),
                opt(r.round_trip_time, 1e3, "ms"),
                opt(
                    mean(r.total_round_trip_time, r.round_trip_time_measurements),
                    1e3,
                    "ms"
                ),
                r.round_trip_time_measurements.unwrap_or(0)
            );
        }
        None => {
            let _ = writeln!(s, "  remote-outbound-rtp: none (no SR arrived)");
        }
    }
    let f = &outcome.forward_link;
    let b = &outcome.backward_link;
    let _ = writeln!(
        s,
        "network: sender->receiver offered {}, lost {}, delivered {}; receiver->sender offered {}, lost {}, delivered {}",
        f.offered, f.dropped_loss, f.delivered, b.offered, b.dropped_loss, b.delivered
    );
    s
}

fn mean(total: Option<f64>, count: Option<u64>) -> Option<f64> {
    match (total, count) {
        (Some(t), Some(n)) if n > 0 => Some(t / n as f64),
        _ => None,
    }
}
