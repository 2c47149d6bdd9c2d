//! The audio receive pipeline over the simulated network with the real Opus codec:
//! playout on a 20 ms clock, concealment, and the inbound-rtp / media-playout statistics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rtcscope_media::opus::{OpusAudioEncoder, OpusEncoderConfig};
use rtcscope_media::recv::{AudioPacket, AudioPlayout, AudioReceiver, AudioReceiverConfig};
use rtcscope_media::source::SpeechLikeSource;
use rtcscope_media::source::audio::FRAME_SAMPLES;
use rtcscope_netsim::{Link, LinkConfig, LossModel};
use rtcscope_stats::{
    InboundRtpMedia, RTCAudioPlayoutStats, RTCInboundRtpStreamStats, RTCStatsReport,
    verify::verify_report,
};

const DEVICE_LATENCY: Duration = Duration::from_millis(10);

#[derive(Clone)]
struct Packet {
    sequence: u16,
    timestamp: u32,
    payload: Vec<u8>,
}

struct Run {
    receiver: AudioReceiver,
    playout: AudioPlayout,
    /// Lost packets from the first delivered one on (the receiver cannot know of a
    /// packet lost before the first it sees).
    lost: Vec<u16>,
    /// Packets the receiver played or concealed: from the first delivered to the last.
    played: u16,
    /// Per sent packet: does it carry LBRR (in-band FEC) data for the one before it?
    carries_fec: Vec<bool>,
}

/// Sends `frames` 20 ms frames (frame i at i × 20 ms) over a link with 20 ms delay,
/// 5 ms jitter and `loss`; the device pulls a tick at 10 ms past every 20 ms boundary
/// until it has played the stream from the first delivered packet to the last sent.
fn run(frames: u16, loss: f64, fec: bool, seed: u64) -> Run {
    let t0 = Instant::now();
    let mut source = SpeechLikeSource::new();
    let mut encoder = OpusAudioEncoder::new(OpusEncoderConfig {
        inband_fec: fec,
        packet_loss_percent: if fec { 10 } else { 0 },
        ..OpusEncoderConfig::default()
    })
    .unwrap();
    let mut receiver = AudioReceiver::new(AudioReceiverConfig {
        use_fec: fec,
        ..AudioReceiverConfig::default()
    })
    .unwrap();
    let mut playout = AudioPlayout::new(DEVICE_LATENCY);
    let config = LinkConfig {
        loss: if loss > 0.0 {
            LossModel::Bernoulli { p: loss }
        } else {
            LossModel::None
        },
        delay: Duration::from_millis(20),
        jitter: Duration::from_millis(5),
        ..LinkConfig::default()
    };
    let mut link: Link<Packet> = Link::new(config, seed).unwrap();
    let mut lost = Vec::new();
    let mut carries_fec = Vec::new();
    let mut samples = [0.0f32; FRAME_SAMPLES];
    let mut sent = 0u16;
    let mut played = 0u16;
    let mut first_delivered: Option<u16> = None;
    let mut ms = 0u64;
    while first_delivered.is_none_or(|first| played < frames - first) {
        let now = t0 + Duration::from_millis(ms);
        if ms.is_multiple_of(20) && sent < frames {
            source.next_frame(&mut samples);
            let payload = encoder.encode(&samples).unwrap().to_vec();
            carries_fec.push(rtcscope_media::opus::lbrr::carries_lbrr(&payload));
            let packet = Packet {
                sequence: sent,
                timestamp: u32::from(sent) * 960,
                payload,
            };
            let size = packet.payload.len() + 12;
            if link.send(now, packet, size).is_dropped() {
                lost.push(sent);
            }
            sent += 1;
        }
        while let Some(packet) = link.poll_receive(now) {
            first_delivered.get_or_insert(packet.sequence);
            receiver.insert_packet(
                now,
                AudioPacket {
                    sequence: packet.sequence,
                    timestamp: packet.timestamp,
                    payload: &packet.payload,
                },
            );
        }
        if ms % 20 == 10 {
            let tick = receiver.tick(now);
            assert_eq!(tick.samples.len(), FRAME_SAMPLES);
            played += u16::from(tick.started);
            playout.on_tick(&tick);
        }
        ms += 1;
        assert!(ms < 60_000, "playout never finished");
    }
    let first = first_delivered.unwrap_or(0);
    lost.retain(|&s| s > first);
    Run {
        receiver,
        playout,
        lost,
        played,
        carries_fec,
    }
}

fn loss_runs(lost: &[u16]) -> u64 {
    lost.iter()
        .enumerate()
        .filter(|&(i, &s)| i == 0 || lost[i - 1] + 1 != s)
        .count() as u64
}

#[test]
fn without_loss_nothing_is_concealed_and_the_energy_is_the_sources() {
    let frames = 250;
    let Run {
        receiver, playout, ..
    } = run(frames, 0.0, true, 5);
    let s = receiver.stats();
    assert_eq!(s.concealed_samples, 0);
    assert_eq!(s.concealment_events, 0);
    assert_eq!(s.late_packets, 0);
    assert_eq!(s.total_samples_received, u64::from(frames) * 960);
    let expected = SpeechLikeSource::energy_of_first_frames(u64::from(frames));
    let measured = s.energy.total_energy;
    eprintln!("totalAudioEnergy {measured:.6}, source {expected:.6}");
    assert!(
        (measured - expected).abs() <= 0.05 * expected,
        "totalAudioEnergy {measured} vs {expected}"
    );
    assert!((s.energy.total_duration - 5.0).abs() < 1e-9);
    // Packet i arrives at 20 i + 20 + j ms (j in [0, 5]); playout starts at the first
    // tick 60 ms after packet 0 (90 ms), so packet i plays at 90 + 20 i: 65..70 ms each.
    let emitted = s.jitter_buffer_emitted_count as f64;
    assert_eq!(s.jitter_buffer_emitted_count, u64::from(frames) * 960);
    let average = s.jitter_buffer_delay / emitted;
    assert!(
        (0.065..=0.070).contains(&average),
        "jitterBufferDelay avg {average}"
    );
    assert!((s.jitter_buffer_target_delay / emitted - 0.060).abs() < 1e-9);
    let minimum = s.jitter_buffer_minimum_delay / emitted;
    assert!((0.020..=0.060).contains(&minimum), "minimum {minimum}");

    let mut inbound = RTCInboundRtpStreamStats {
        id: "IT01A1".into(),
        timestamp: 1_795_469_422_892.43,
        ssrc: 1,
        track_identifier: "audio-track".into(),
        media: playout_id_placeholder(),
        ..Default::default()
    };
    receiver.fill_inbound(&mut inbound);
    if let InboundRtpMedia::Audio(audio) = &mut inbound.media {
        audio.playout_id = Some("AP".into());
    }
    let audio = inbound.media.audio().unwrap();
    assert_eq!(audio.removed_samples_for_acceleration, Some(0));
    assert_eq!(audio.inserted_samples_for_deceleration, Some(0));
    let level = audio.audio_level.unwrap();
    assert!(level > 0.0 && level < 1.0);
    let mut playout_stats = RTCAudioPlayoutStats {
        id: "AP".into(),
        timestamp: 1_795_469_422_892.43,
        ..Default::default()
    };
    playout.fill(&mut playout_stats);
    assert_eq!(playout_stats.total_samples_count, Some(250 * 960));
    assert_eq!(playout_stats.synthesized_samples_events, Some(0));
    assert!((playout_stats.total_samples_duration.unwrap() - 5.0).abs() < 1e-9);
    assert!((playout_stats.total_playout_delay.unwrap() - 0.010 * 240_000.0).abs() < 1e-6);
    let mut report = RTCStatsReport::new();
    report.insert(inbound);
    report.insert(playout_stats);
    let verdict = verify_report(&report);
    assert!(verdict.passes(false), "{:#?}", verdict.violations);
    // With --strict only members the RTP layer owns are missing.
    for v in &verdict.violations {
        let member = v.member.as_deref().unwrap_or("");
        assert!(
            [
                "transportId",
                "codecId",
                "packetsReceived",
                "packetsLost",
                "jitter",
                "remoteId",
                "bytesReceived"
            ]
            .contains(&member),
            "{v}"
        );
    }
}

/// Default media for an audio inbound-rtp object.
fn playout_id_placeholder() -> InboundRtpMedia {
    InboundRtpMedia::Audio(Default::default())
}

#[test]
fn ten_percent_loss_without_fec_conceals_exactly_the_lost_packets() {
    let frames = 250;
    let Run {
        receiver,
        lost,
        played,
        ..
    } = run(frames, 0.10, false, 9);
    let s = receiver.stats();
    eprintln!(
        "10% loss: {:?} lost in {} runs; concealed {} samples in {} events, {} silent",
        lost,
        loss_runs(&lost),
        s.concealed_samples,
        s.concealment_events,
        s.silent_concealed_samples
    );
    assert!(lost.len() >= 10);
    assert_eq!(s.concealed_samples, lost.len() as u64 * 960);
    assert_eq!(s.concealment_events, loss_runs(&lost));
    assert!(s.silent_concealed_samples <= s.concealed_samples);
    assert_eq!(s.total_samples_received, u64::from(played) * 960);
    assert_eq!(
        s.jitter_buffer_emitted_count,
        (u64::from(played) - lost.len() as u64) * 960
    );
    assert_eq!(s.fec_recovered_packets, 0);
}

#[test]
fn ten_percent_loss_with_fec_recovers_a_lost_packet_when_the_next_one_is_there() {
    let frames = 250;
    let Run {
        receiver,
        lost,
        carries_fec,
        ..
    } = run(frames, 0.10, true, 9);
    assert!(lost.len() >= 10);
    let s = receiver.stats();
    // A lost packet is recovered from the next one's FEC when that one arrived and
    // carries LBRR data (active speech in SILK/hybrid mode); otherwise it is concealed.
    let recoverable = lost
        .iter()
        .filter(|&&l| l + 1 < frames && !lost.contains(&(l + 1)) && carries_fec[usize::from(l + 1)])
        .count() as u64;
    eprintln!(
        "10% loss with FEC: {} lost, {recoverable} recoverable, {} recovered, {} samples concealed",
        lost.len(),
        s.fec_recovered_packets,
        s.concealed_samples
    );
    assert!(recoverable > 0);
    assert_eq!(s.fec_recovered_packets, recoverable);
    assert_eq!(s.concealed_samples, (lost.len() as u64 - recoverable) * 960);
}

#[test]
fn hostile_audio_packets_are_counted_and_bounded() {
    let mut receiver = AudioReceiver::new(AudioReceiverConfig::default()).unwrap();
    let t0 = Instant::now();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut payload = [0u8; 5000];
    for i in 0..5_000u64 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 5000) as usize;
        payload[0] = (state >> 8) as u8;
        payload[1] = (state >> 16) as u8;
        let now = t0 + Duration::from_millis(i);
        receiver.insert_packet(
            now,
            AudioPacket {
                sequence: (state >> 24) as u16,
                timestamp: (state >> 40) as u32,
                payload: &payload[..len],
            },
        );
        if i.is_multiple_of(20) {
            let tick = receiver.tick(now);
            assert_eq!(tick.samples.len(), FRAME_SAMPLES);
        }
    }
    let s = receiver.stats();
    assert_eq!(s.packets_received, 5_000);
    assert!(s.malformed_packets > 0);
    assert!(
        s.late_packets + s.resyncs + s.far_ahead_packets > 0,
        "{s:?}"
    );
}
