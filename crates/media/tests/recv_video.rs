//! The video receive pipeline over the simulated network with the real codec: jitter
//! buffer, NACK answered by a retransmitting sender stub, keyframe requests, statistics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rtcscope_media::h264::{H264Encoder, H264EncoderConfig, H264Packetizer};
use rtcscope_media::recv::{
    KeyframeRequestKind, NackConfig, VideoFeedback, VideoJitterBuffer, VideoJitterBufferConfig,
    VideoPacket, VideoReceiver,
};
use rtcscope_media::source::TestPatternSource;
use rtcscope_media::source::video::read_frame_counter;
use rtcscope_netsim::{Link, LinkConfig, LossModel};
use rtcscope_stats::{
    InboundRtpMedia, RTCInboundRtpStreamStats, RTCStatsReport, verify::verify_report,
};

const FPS: u32 = 30;
/// Small payloads so that most frames span several packets.
const MAX_PAYLOAD: usize = 400;

#[derive(Debug, Clone)]
struct Packet {
    sequence: u16,
    timestamp: u32,
    marker: bool,
    payload: Vec<u8>,
    retransmission: bool,
}

#[derive(Debug, Clone)]
enum Feedback {
    Nack(Vec<u16>),
    KeyframeRequest,
}

/// Sender stub: encoder + packetizer, every packet kept for retransmission.
struct Sender {
    source: TestPatternSource,
    encoder: H264Encoder,
    packetizer: H264Packetizer,
    sequence: u16,
    sent: HashMap<u16, Packet>,
    retransmissions: u64,
    keyframe_requests: u64,
    /// Frame numbers whose packets the test withholds entirely.
    withhold: Vec<u64>,
}

impl Sender {
    fn new() -> Self {
        Self {
            source: TestPatternSource::new(160, 120, FPS),
            encoder: H264Encoder::new(H264EncoderConfig {
                target_bitrate_bps: 300_000,
                ..H264EncoderConfig::default()
            })
            .unwrap(),
            packetizer: H264Packetizer::new(MAX_PAYLOAD),
            sequence: 1000,
            sent: HashMap::new(),
            retransmissions: 0,
            keyframe_requests: 0,
            withhold: Vec::new(),
        }
    }

    fn send_frame(&mut self, now: Instant, link: &mut Link<Packet>) -> (u64, bool) {
        let (number, frame) = self.source.next_frame();
        let info = self.encoder.encode(&frame).unwrap();
        let timestamp = self.source.rtp_timestamp(number);
        let mut packets = Vec::new();
        let sequence = &mut self.sequence;
        self.packetizer
            .packetize(self.encoder.nal_units(), |payload, marker| {
                packets.push(Packet {
                    sequence: *sequence,
                    timestamp,
                    marker,
                    payload: payload.to_vec(),
                    retransmission: false,
                });
                *sequence = sequence.wrapping_add(1);
            });
        let withheld = self.withhold.contains(&number);
        for packet in packets {
            if !withheld {
                self.sent.insert(packet.sequence, packet.clone());
                let size = packet.payload.len() + 12;
                link.send(now, packet, size);
            }
        }
        (number, info.keyframe)
    }

    fn on_feedback(&mut self, now: Instant, feedback: Feedback, link: &mut Link<Packet>) {
        match feedback {
            Feedback::Nack(sequences) => {
                for sequence in sequences {
                    if let Some(packet) = self.sent.get(&sequence) {
                        let mut packet = packet.clone();
                        packet.retransmission = true;
                        self.retransmissions += 1;
                        let size = packet.payload.len() + 14;
                        link.send(now, packet, size);
                    }
                }
            }
            Feedback::KeyframeRequest => {
                self.keyframe_requests += 1;
                self.encoder.request_keyframe();
            }
        }
    }
}

#[derive(Debug, Default)]
struct Outcome {
    frames_sent: u64,
    /// (frame number from the RTP timestamp, counter read from the picture).
    decoded: Vec<(u64, Option<u64>)>,
    first_decoded_keyframe: Option<bool>,
    retransmissions: u64,
    retransmissions_received: u64,
    keyframe_requests_seen_by_sender: u64,
    end: Option<Instant>,
}

fn link(loss: f64, jitter_ms: u64) -> LinkConfig {
    LinkConfig {
        loss: if loss > 0.0 {
            LossModel::Bernoulli { p: loss }
        } else {
            LossModel::None
        },
        delay: Duration::from_millis(20),
        jitter: Duration::from_millis(jitter_ms),
        ..LinkConfig::default()
    }
}

/// Runs `frames` frames through the pipeline in 1 ms steps, then 1 s more to drain.
fn run(
    receiver: &mut VideoReceiver,
    frames: u64,
    forward: LinkConfig,
    seed: u64,
    withhold: &[u64],
) -> Outcome {
    let t0 = Instant::now();
    let mut sender = Sender::new();
    sender.withhold = withhold.to_vec();
    let mut media: Link<Packet> = Link::new(forward, seed).unwrap();
    let mut feedback_link: Link<Feedback> = Link::new(link(0.0, 0), seed + 1).unwrap();
    receiver.set_rtt(Duration::from_millis(40));
    let mut outcome = Outcome::default();
    let frame_interval = Duration::from_nanos(1_000_000_000 / u64::from(FPS));
    let end = t0 + frame_interval * frames as u32 + Duration::from_secs(1);
    let mut now = t0;
    while now < end {
        if outcome.frames_sent < frames && now >= t0 + frame_interval * outcome.frames_sent as u32 {
            sender.send_frame(now, &mut media);
            outcome.frames_sent += 1;
        }
        while let Some(packet) = media.poll_receive(now) {
            outcome.retransmissions_received += u64::from(packet.retransmission);
            let decoded = &mut outcome.decoded;
            let first = &mut outcome.first_decoded_keyframe;
            receiver.insert_packet(
                now,
                VideoPacket {
                    sequence: packet.sequence,
                    timestamp: packet.timestamp,
                    marker: packet.marker,
                    payload: &packet.payload,
                },
                |frame, picture| {
                    first.get_or_insert(frame.info.keyframe);
                    decoded.push((
                        u64::from(frame.rtp_timestamp) / 3000,
                        read_frame_counter(picture),
                    ));
                },
            );
        }
        let decoded = &mut outcome.decoded;
        let first = &mut outcome.first_decoded_keyframe;
        receiver.handle_timeout(now, |frame, picture| {
            first.get_or_insert(frame.info.keyframe);
            decoded.push((
                u64::from(frame.rtp_timestamp) / 3000,
                read_frame_counter(picture),
            ));
        });
        while let Some(fb) = receiver.poll_feedback(now) {
            let fb = match fb {
                VideoFeedback::Nack(seqs) => Feedback::Nack(seqs.to_vec()),
                VideoFeedback::Pli | VideoFeedback::Fir { .. } => Feedback::KeyframeRequest,
            };
            feedback_link.send(now, fb, 40);
        }
        while let Some(fb) = feedback_link.poll_receive(now) {
            sender.on_feedback(now, fb, &mut media);
        }
        now += Duration::from_millis(1);
    }
    outcome.retransmissions = sender.retransmissions;
    outcome.keyframe_requests_seen_by_sender = sender.keyframe_requests;
    outcome.end = Some(now);
    outcome
}

fn inbound(receiver: &VideoReceiver, now: Instant) -> RTCInboundRtpStreamStats {
    let mut stats = RTCInboundRtpStreamStats {
        id: "IT01V1".into(),
        timestamp: 1_795_469_422_892.43,
        ssrc: 1,
        track_identifier: "video-track".into(),
        media: InboundRtpMedia::Video(Default::default()),
        ..Default::default()
    };
    receiver.fill_inbound(now, &mut stats);
    stats
}

#[test]
fn without_loss_every_frame_is_decoded_in_order_and_is_the_frame_encoded() {
    let mut receiver = VideoReceiver::new(VideoJitterBufferConfig::default()).unwrap();
    // 8 ms of jitter on 33 ms frames: packets of a frame reorder among themselves.
    let outcome = run(&mut receiver, 45, link(0.0, 8), 7, &[]);
    let end = outcome.end.unwrap();
    assert_eq!(outcome.decoded.len(), 45);
    for (i, (number, counter)) in outcome.decoded.iter().enumerate() {
        assert_eq!(*number, i as u64, "decode order");
        assert_eq!(
            *counter,
            Some(*number),
            "frame {number} shows another counter"
        );
    }
    assert_eq!(outcome.first_decoded_keyframe, Some(true));
    let counters = receiver.buffer_counters();
    assert_eq!(counters.frames_received, 45);
    assert_eq!(counters.frames_dropped, 0);
    assert_eq!(counters.frames_incomplete, 0);
    assert_eq!(counters.pli_sent, 0);
    assert_eq!(counters.late_packets, 0);
    assert_eq!(
        counters.duplicate_packets, outcome.retransmissions,
        "every retransmission answered a spurious NACK"
    );
    let stats = inbound(&receiver, end - Duration::from_millis(999));
    let video = stats.media.video().unwrap();
    assert_eq!(video.frames_decoded, Some(45));
    assert_eq!(video.frames_received, Some(45));
    assert_eq!(video.key_frames_decoded, Some(1));
    assert_eq!(video.frames_dropped, Some(0));
    assert_eq!(video.freeze_count, Some(0));
    assert_eq!(video.pause_count, Some(0));
    // The pattern's minimum size (the counter box needs it), not the 160×120 asked for.
    assert_eq!(
        (video.frame_width, video.frame_height),
        (Some(468), Some(132))
    );
    // Reordering made NACKs and their answers come in after the originals: duplicates,
    // not discards.
    assert_eq!(stats.packets_discarded, Some(0));
    assert_eq!(video.decoder_implementation.as_deref(), Some("OpenH264"));
    // 45 frames over 1.467 s: the 1 s window ending 1 ms after the last decode holds 30.
    let fps = video.frames_per_second.unwrap();
    assert!((29.0..=31.0).contains(&fps), "fps {fps}");
    // The 44 inter-frame delays sum to last minus first decode time. Frame 0 leaves when
    // the 30 ms startup hold after its first packet ends (20 ms + j0 + 30 ms), frame 44
    // when its last packet lands (1466.7 ms + 20 ms + j44), j in [0, 8] ms:
    // 1436.7 ms ± 8 ms.
    let ifd = video.total_inter_frame_delay.unwrap();
    assert!(
        (1.4286..=1.4448).contains(&ifd),
        "totalInterFrameDelay {ifd}"
    );
    assert!(video.qp_sum.unwrap() > 45 * 10, "qpSum {:?}", video.qp_sum);
    assert!(video.frames_assembled_from_multiple_packets.unwrap() >= 1);
    assert_eq!(stats.jitter_buffer_emitted_count, Some(45));
    // Assembly and buffer waits are bounded by the 8 ms jitter, per frame.
    assert!(video.total_assembly_time.unwrap() <= 45.0 * 0.008 + 1e-9);
    assert!(stats.jitter_buffer_delay.unwrap() <= 45.0 * 0.008 + 1e-9);
    assert!(stats.total_processing_delay.unwrap() >= stats.jitter_buffer_delay.unwrap());
    let mut report = RTCStatsReport::new();
    report.insert(stats);
    let verdict = verify_report(&report);
    assert!(verdict.passes(false), "{:#?}", verdict.violations);
    // With --strict only the members the RTP layer owns are missing.
    let missing: Vec<&str> = verdict
        .violations
        .iter()
        .filter_map(|v| v.member.as_deref())
        .collect();
    eprintln!("missing (RTP layer's): {missing:?}");
    for member in &missing {
        assert!(RTP_LAYER_MEMBERS.contains(member), "{member} is missing");
    }
}

/// Mandatory inbound-rtp members that the RTP/transport layer fills, not this pipeline.
const RTP_LAYER_MEMBERS: [&str; 7] = [
    "transportId",
    "codecId",
    "packetsReceived",
    "packetsLost",
    "jitter",
    "remoteId",
    "bytesReceived",
];

#[test]
fn a_reorder_delay_above_the_jitter_avoids_spurious_nacks() {
    // Same 8 ms jitter, no loss: with NACKs held back 10 ms no reordered packet is asked
    // for, and every frame still arrives.
    let config = VideoJitterBufferConfig {
        nack: NackConfig {
            reorder_delay: Duration::from_millis(10),
            ..NackConfig::default()
        },
        ..VideoJitterBufferConfig::default()
    };
    let mut receiver = VideoReceiver::new(config).unwrap();
    let outcome = run(&mut receiver, 30, link(0.0, 8), 7, &[]);
    assert_eq!(receiver.buffer().nacks_sent(), 0);
    assert_eq!(outcome.retransmissions, 0);
    assert_eq!(outcome.decoded.len(), 30);
    // Without the delay the same run NACKs reordered packets.
    let mut receiver = VideoReceiver::new(VideoJitterBufferConfig::default()).unwrap();
    run(&mut receiver, 30, link(0.0, 8), 7, &[]);
    assert!(receiver.buffer().nacks_sent() > 0);
}

#[test]
fn five_percent_loss_is_recovered_by_nack() {
    let mut receiver = VideoReceiver::new(VideoJitterBufferConfig::default()).unwrap();
    let outcome = run(&mut receiver, 90, link(0.05, 0), 11, &[]);
    let stats = inbound(&receiver, outcome.end.unwrap());
    let video = stats.media.video().unwrap();
    let decoded = video.frames_decoded.unwrap();
    assert!(decoded >= 81, "only {decoded} of 90 frames decoded");
    for (number, counter) in &outcome.decoded {
        assert_eq!(*counter, Some(*number));
    }
    assert!(stats.nack_count.unwrap() > 0);
    assert!(outcome.retransmissions > 0 && outcome.retransmissions_received > 0);
    let counters = receiver.buffer_counters();
    eprintln!(
        "5% loss: decoded {decoded}/90, NACKs {:?}, retransmitted {}, incomplete {}, freezes {:?}, PLIs {:?}",
        stats.nack_count,
        outcome.retransmissions,
        counters.frames_incomplete,
        video.freeze_count,
        video.pli_count
    );
    assert_eq!(
        counters.frames_received,
        u64::from(decoded) + counters.frames_dropped
    );
    if counters.frames_incomplete > 0 {
        // A frame that could not be recovered waited its 500 ms deadline: a freeze.
        assert!(video.freeze_count.unwrap() > 0);
        assert!(video.pli_count.unwrap() > 0);
    }
}

#[test]
fn without_nack_loss_freezes_and_keyframe_requests_recover() {
    let config = VideoJitterBufferConfig {
        nack: NackConfig {
            enabled: false,
            ..NackConfig::default()
        },
        ..VideoJitterBufferConfig::default()
    };
    let mut receiver = VideoReceiver::new(config).unwrap();
    let outcome = run(&mut receiver, 90, link(0.05, 0), 11, &[]);
    let stats = inbound(&receiver, outcome.end.unwrap());
    let video = stats.media.video().unwrap();
    let counters = receiver.buffer_counters();
    eprintln!(
        "5% loss without NACK: decoded {:?}/90, incomplete {}, freezes {:?} ({:?} s), PLIs {:?}",
        video.frames_decoded,
        counters.frames_incomplete,
        video.freeze_count,
        video.total_freezes_duration,
        video.pli_count
    );
    assert_eq!(stats.nack_count, Some(0));
    assert_eq!(outcome.retransmissions, 0);
    assert!(counters.frames_incomplete > 0);
    assert!(video.freeze_count.unwrap() > 0, "{video:?}");
    assert!(video.total_freezes_duration.unwrap() >= 0.5);
    assert!(video.pli_count.unwrap() > 0);
    assert!(video.key_frames_decoded.unwrap() >= 2);
    for (number, counter) in &outcome.decoded {
        assert_eq!(*counter, Some(*number));
    }
}

#[test]
fn a_lost_keyframe_leads_to_a_pli_and_decoding_resumes_at_the_new_keyframe() {
    let mut receiver = VideoReceiver::new(VideoJitterBufferConfig::default()).unwrap();
    let outcome = run(&mut receiver, 30, link(0.0, 0), 3, &[0]);
    let counters = receiver.buffer_counters();
    assert!(counters.pli_sent >= 1);
    assert!(outcome.keyframe_requests_seen_by_sender >= 1);
    assert_eq!(outcome.first_decoded_keyframe, Some(true));
    // Frames from 1 until the IDR answering the PLI (sent at 20 ms one way, frame 1
    // arriving at 53 ms, the answer encoded into frame 3) are dropped.
    assert!(counters.frames_dropped >= 1);
    let first = outcome.decoded.first().unwrap().0;
    assert!((2..=4).contains(&first), "first decoded frame {first}");
    assert_eq!(outcome.decoded.len() as u64, 30 - first);
    for (number, counter) in &outcome.decoded {
        assert_eq!(*counter, Some(*number));
    }
}

#[test]
fn fir_is_sent_instead_of_pli_when_configured() {
    let config = VideoJitterBufferConfig {
        keyframe_request: KeyframeRequestKind::Fir,
        ..VideoJitterBufferConfig::default()
    };
    let mut receiver = VideoReceiver::new(config).unwrap();
    let outcome = run(&mut receiver, 10, link(0.0, 0), 3, &[0]);
    let stats = inbound(&receiver, outcome.end.unwrap());
    let video = stats.media.video().unwrap();
    assert!(video.fir_count.unwrap() >= 1);
    assert_eq!(video.pli_count, Some(0));
}

#[test]
fn hostile_packets_stay_bounded_and_never_panic() {
    let config = VideoJitterBufferConfig {
        max_packets: 64,
        ..VideoJitterBufferConfig::default()
    };
    let mut buffer = VideoJitterBuffer::new(config);
    let t0 = Instant::now();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut payload = [0u8; 5000];
    let mut frames = 0;
    for i in 0..20_000u32 {
        let r = next();
        let len = (r % 5000) as usize;
        for b in payload.iter_mut().take(len.min(64)) {
            *b = next() as u8;
        }
        let now = t0 + Duration::from_millis(u64::from(i));
        buffer.insert(
            now,
            VideoPacket {
                sequence: (r >> 16) as u16,
                timestamp: (r >> 32) as u32 % 8,
                marker: r & 1 == 1,
                payload: &payload[..len],
            },
            |_| {
                frames += 1;
                true
            },
        );
        while buffer.poll_feedback(now).is_some() {}
        assert!(buffer.buffered_packets() <= 64);
        assert!(buffer.nack_tracker().missing_count() <= NackConfig::default().max_missing);
    }
    let counters = buffer.counters();
    assert!(counters.oversized_packets > 0);
    assert!(counters.late_packets + counters.resyncs > 0);
    assert_eq!(counters.packets_received, 20_000);
}
