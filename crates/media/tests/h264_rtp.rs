//! RFC 6184 packetizer and depacketizer, alone and end to end with the codec.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_media::h264::{
    FrameOutcome, H264Decoder, H264Depacketizer, H264Encoder, H264EncoderConfig, H264Packetizer,
    IncompleteFrame, IncompleteReason,
};
use rtcscope_media::source::TestPatternSource;
use rtcscope_media::source::video::read_frame_counter;

/// One RTP packet as the tests see it.
#[derive(Debug, Clone)]
struct Packet {
    sequence: u16,
    timestamp: u32,
    marker: bool,
    payload: Vec<u8>,
}

fn packetize(
    packetizer: &mut H264Packetizer,
    encoder: &H264Encoder,
    seq: &mut u16,
    timestamp: u32,
) -> Vec<Packet> {
    let mut packets = Vec::new();
    packetizer.packetize(encoder.nal_units(), |payload, marker| {
        packets.push(Packet {
            sequence: *seq,
            timestamp,
            marker,
            payload: payload.to_vec(),
        });
        *seq = seq.wrapping_add(1);
    });
    packets
}

fn complete(outcome: Option<FrameOutcome<'_>>) -> Option<Vec<u8>> {
    match outcome {
        Some(FrameOutcome::Complete(frame)) => Some(frame.annex_b.to_vec()),
        _ => None,
    }
}

#[test]
fn single_stap_a_and_fu_a_reassemble_to_annex_b() {
    let sps = [0x67, 0x42, 0xc0, 0x1f];
    let pps = [0x68, 0xce, 0x3c, 0x80];
    let mut idr = vec![0x65];
    idr.extend((0..3000u32).map(|i| (i % 251) as u8 + 1));
    let mut packetizer = H264Packetizer::new(1200);
    let mut payloads = Vec::new();
    packetizer.packetize([&sps[..], &pps[..], &idr[..]], |p, m| {
        payloads.push((p.to_vec(), m))
    });
    // STAP-A(SPS, PPS) then 3 FU-A fragments of the 3001-byte IDR.
    assert_eq!(payloads.len(), 4);
    assert_eq!(payloads[0].0[0] & 0x1f, 24);
    let mut depacketizer = H264Depacketizer::default();
    let mut result = None;
    for (i, (payload, marker)) in payloads.iter().enumerate() {
        let outcome = depacketizer.push(100 + i as u16, 9000, *marker, payload);
        assert_eq!(outcome.abandoned, None);
        if let Some(FrameOutcome::Complete(frame)) = outcome.finished {
            assert!(frame.keyframe);
            assert_eq!(frame.packets, 4);
            assert_eq!(frame.rtp_timestamp, 9000);
            result = Some(frame.annex_b.to_vec());
        }
    }
    let mut expected = vec![0, 0, 0, 1];
    expected.extend_from_slice(&sps);
    expected.extend_from_slice(&[0, 0, 0, 1]);
    expected.extend_from_slice(&pps);
    expected.extend_from_slice(&[0, 0, 0, 1]);
    expected.extend_from_slice(&idr);
    assert_eq!(result.unwrap(), expected);
}

#[test]
fn a_dropped_fu_a_fragment_makes_the_frame_incomplete() {
    let mut nal = vec![0x41];
    nal.extend(std::iter::repeat_n(7u8, 3000));
    let mut packetizer = H264Packetizer::new(1200);
    let mut payloads = Vec::new();
    packetizer.packetize([&nal[..]], |p, m| payloads.push((p.to_vec(), m)));
    assert_eq!(payloads.len(), 3);

    // Middle fragment lost: the sequence gap gives it away.
    let mut depacketizer = H264Depacketizer::default();
    assert_eq!(
        depacketizer.push(1, 0, false, &payloads[0].0).finished,
        None
    );
    let outcome = depacketizer.push(3, 0, true, &payloads[2].0);
    assert_eq!(
        outcome.finished,
        Some(FrameOutcome::Incomplete(IncompleteFrame {
            rtp_timestamp: 0,
            reason: IncompleteReason::SequenceGap,
            packets: 2
        }))
    );

    // First fragment lost with no sequence history to compare against: the FU-A itself
    // shows its start is missing.
    let mut depacketizer = H264Depacketizer::default();
    depacketizer.push(2, 0, false, &payloads[1].0);
    let outcome = depacketizer.push(3, 0, true, &payloads[2].0);
    assert!(matches!(
        outcome.finished,
        Some(FrameOutcome::Incomplete(IncompleteFrame {
            reason: IncompleteReason::MissingFragmentStart,
            ..
        }))
    ));

    // Last fragment (with the marker) lost: the next frame's timestamp abandons this one.
    let mut depacketizer = H264Depacketizer::default();
    depacketizer.push(1, 0, false, &payloads[0].0);
    depacketizer.push(2, 0, false, &payloads[1].0);
    let outcome = depacketizer.push(3, 3000, true, &[0x41, 1, 2]);
    assert_eq!(
        outcome.abandoned,
        Some(IncompleteFrame {
            rtp_timestamp: 0,
            reason: IncompleteReason::MissingFragmentEnd,
            packets: 2
        })
    );
    // The new frame itself arrived whole.
    assert_eq!(
        complete(outcome.finished),
        Some(vec![0, 0, 0, 1, 0x41, 1, 2])
    );
}

#[test]
fn a_lost_marker_packet_of_single_nal_units_is_a_missing_marker() {
    let mut depacketizer = H264Depacketizer::default();
    assert_eq!(depacketizer.push(10, 0, false, &[0x41, 1]).finished, None);
    let outcome = depacketizer.push(11, 3000, false, &[0x41, 2]);
    assert_eq!(
        outcome.abandoned,
        Some(IncompleteFrame {
            rtp_timestamp: 0,
            reason: IncompleteReason::MissingMarker,
            packets: 1
        })
    );
    // A whole frame lost between two complete ones shows as a gap in the next frame.
    let outcome = depacketizer.push(12, 3000, true, &[0x41, 3]);
    assert_eq!(
        complete(outcome.finished),
        Some(vec![0, 0, 0, 1, 0x41, 2, 0, 0, 0, 1, 0x41, 3])
    );
    let outcome = depacketizer.push(14, 9000, true, &[0x41, 4]);
    assert!(matches!(
        outcome.finished,
        Some(FrameOutcome::Incomplete(IncompleteFrame {
            reason: IncompleteReason::SequenceGap,
            ..
        }))
    ));
    // Sequence numbers wrap.
    let mut depacketizer = H264Depacketizer::default();
    depacketizer.push(65_535, 0, true, &[0x41, 1]);
    assert!(complete(depacketizer.push(0, 3000, true, &[0x41, 2]).finished).is_some());
}

#[test]
fn duplicates_malformed_and_oversized_payloads_are_counted_not_decoded() {
    let mut depacketizer = H264Depacketizer::new(64);
    depacketizer.push(1, 0, false, &[0x41, 1]);
    assert_eq!(
        depacketizer.push(1, 0, false, &[0x41, 1]),
        Default::default()
    );
    assert_eq!(depacketizer.counters().duplicate_packets, 1);
    // A packet older than the newest is late: counted, and the frame in progress survives.
    assert_eq!(
        depacketizer.push(0, 0, false, &[0x41, 0]),
        Default::default()
    );
    assert_eq!(depacketizer.counters().late_packets, 1);
    // STAP-A whose size field points past the end.
    let outcome = depacketizer.push(2, 0, true, &[0x78, 0, 9, 0x67, 1]);
    assert!(matches!(
        outcome.finished,
        Some(FrameOutcome::Incomplete(IncompleteFrame {
            reason: IncompleteReason::Malformed,
            ..
        }))
    ));
    assert_eq!(depacketizer.counters().malformed_payloads, 1);
    let big = vec![0x41; 100];
    let outcome = depacketizer.push(3, 3000, true, &big);
    assert!(matches!(
        outcome.finished,
        Some(FrameOutcome::Incomplete(IncompleteFrame {
            reason: IncompleteReason::TooLarge,
            ..
        }))
    ));
    // Types 0 and 30/31 are ignored, STAP-B and FU-B are errors in mode 1.
    depacketizer.push(4, 6000, false, &[0x1e, 1]);
    assert_eq!(depacketizer.counters().ignored_payloads, 1);
    let outcome = depacketizer.push(5, 6000, true, &[0x19, 0, 1, 0x41]);
    assert!(matches!(
        outcome.finished,
        Some(FrameOutcome::Incomplete(_))
    ));
}

#[test]
fn hostile_payloads_never_panic_and_memory_stays_capped() {
    let mut depacketizer = H264Depacketizer::new(10_000);
    let mut seed = 0x0123_4567_89ab_cdefu64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut completes = 0;
    for i in 0..20_000u32 {
        let r = next();
        let len = (r % 1400) as usize;
        let mut payload: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Bias towards the interesting types so the FU-A and STAP-A paths are exercised.
        if let Some(first) = payload.first_mut() {
            *first = *first & 0x60 | [24u8, 28, 1, 5, 7][(r >> 20) as usize % 5];
        }
        let seq = if r & 0x100 == 0 {
            i as u16
        } else {
            (r >> 32) as u16
        };
        let ts = (i / 5) * 3000;
        if let Some(FrameOutcome::Complete(frame)) =
            depacketizer.push(seq, ts, r & 0x7 == 0, &payload).finished
        {
            assert!(frame.annex_b.len() <= 10_000);
            completes += 1;
        }
    }
    assert!(depacketizer.counters().malformed_payloads > 0);
    assert!(completes > 0, "some random frames are well-formed");
}

/// The acceptance test of this layer: pattern → encoder → RTP payloads (MTU 1200) →
/// depacketizer → decoder, and every decoded frame shows the counter that was encoded.
#[test]
fn end_to_end_every_decoded_frame_is_the_encoded_frame() {
    const FRAMES: u64 = 45;
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let mut packetizer = H264Packetizer::new(1200);
    let mut depacketizer = H264Depacketizer::default();
    let mut decoder = H264Decoder::new().unwrap();
    let mut seq = 65_500u16; // crosses the wrap
    let mut multi_packet_frames = 0;
    for n in 0..FRAMES {
        let (number, frame) = source.next_frame();
        let timestamp = source.rtp_timestamp(number);
        let info = encoder.encode(&frame).unwrap();
        let packets = packetize(&mut packetizer, &encoder, &mut seq, timestamp);
        assert!(packets.iter().all(|p| p.payload.len() <= 1200));
        assert_eq!(packets.iter().filter(|p| p.marker).count(), 1);
        assert!(packets.last().unwrap().marker);
        let mut decoded = 0;
        for p in &packets {
            let outcome = depacketizer.push(p.sequence, p.timestamp, p.marker, &p.payload);
            assert_eq!(outcome.abandoned, None);
            match outcome.finished {
                None => {}
                Some(FrameOutcome::Complete(unit)) => {
                    assert_eq!(unit.keyframe, info.keyframe);
                    assert_eq!(unit.packets as usize, packets.len());
                    multi_packet_frames += usize::from(unit.packets > 1);
                    let (dinfo, picture) = decoder.decode(unit.annex_b).unwrap().unwrap();
                    assert_eq!((dinfo.width, dinfo.height), (640, 480));
                    assert_eq!((picture.width(), picture.height()), (640, 480));
                    assert_eq!(read_frame_counter(picture), Some(n), "frame {n}");
                    decoded += 1;
                }
                Some(FrameOutcome::Incomplete(f)) => panic!("lossless path lost {f:?}"),
            }
        }
        assert_eq!(decoded, 1);
    }
    assert!(
        multi_packet_frames > 0,
        "1 Mbit/s frames need FU-A at MTU 1200"
    );
}

/// Lose one FU-A fragment: the frame is reported incomplete and not decoded; a keyframe
/// request (what the receiver's PLI triggers) brings back correct pictures.
#[test]
fn loss_is_detected_and_a_keyframe_request_recovers() {
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    // A small payload size so a P frame spans several FU-A fragments.
    let mut packetizer = H264Packetizer::new(500);
    let mut depacketizer = H264Depacketizer::default();
    let mut decoder = H264Decoder::new().unwrap();
    let mut seq = 0u16;
    let mut incomplete = Vec::new();
    let mut shown = Vec::new();
    let mut waiting_for_keyframe = false;
    for n in 0..20u64 {
        let (number, frame) = source.next_frame();
        let timestamp = source.rtp_timestamp(number);
        if n == 12 {
            encoder.request_keyframe(); // the PLI sent at n == 10 arrives
        }
        encoder.encode(&frame).unwrap();
        let mut packets = packetize(&mut packetizer, &encoder, &mut seq, timestamp);
        if n == 10 {
            assert!(
                packets.len() >= 3,
                "need a fragmented frame, got {}",
                packets.len()
            );
            // Drop a middle FU-A fragment.
            let fu = packets
                .iter()
                .position(|p| p.payload[0] & 0x1f == 28 && p.payload[1] & 0xc0 == 0)
                .unwrap();
            packets.remove(fu);
        }
        for p in &packets {
            let outcome = depacketizer.push(p.sequence, p.timestamp, p.marker, &p.payload);
            match outcome.finished {
                Some(FrameOutcome::Complete(unit)) => {
                    if waiting_for_keyframe && !unit.keyframe {
                        continue; // a P frame referencing the lost one would decode wrong
                    }
                    waiting_for_keyframe = false;
                    let (_, picture) = decoder.decode(unit.annex_b).unwrap().unwrap();
                    shown.push(read_frame_counter(picture).unwrap());
                }
                Some(FrameOutcome::Incomplete(f)) => {
                    incomplete.push((n, f.reason));
                    waiting_for_keyframe = true;
                }
                None => {}
            }
        }
    }
    assert_eq!(incomplete, vec![(10, IncompleteReason::SequenceGap)]);
    let expected: Vec<u64> = (0..10).chain(12..20).collect();
    assert_eq!(shown, expected);
}

/// 5% random packet loss, no retransmission: every frame is either reported incomplete or
/// decoded, and every decoded frame shows exactly the counter that was encoded. The receiver
/// stops feeding P frames after a loss and "sends a PLI" that reaches the encoder three
/// frames later. (Retransmission, which would recover most of these, comes with the jitter
/// buffer.)
#[test]
fn under_random_loss_every_decoded_frame_is_the_right_frame() {
    const FRAMES: u64 = 90;
    const PLI_DELAY_FRAMES: u64 = 3;
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig::default()).unwrap();
    let mut packetizer = H264Packetizer::new(1200);
    let mut depacketizer = H264Depacketizer::default();
    let mut decoder = H264Decoder::new().unwrap();
    let mut seed = 0x1234_5678u64;
    let mut lose = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % 100 < 5
    };
    let (mut seq, mut lost_packets, mut decoded, mut incomplete) = (0u16, 0, 0u64, 0u64);
    let mut pli_due: Option<u64> = None;
    let mut waiting_for_keyframe = false;
    for n in 0..FRAMES {
        if pli_due == Some(n) {
            encoder.request_keyframe();
            pli_due = None;
        }
        let (number, frame) = source.next_frame();
        encoder.encode(&frame).unwrap();
        let packets = packetize(
            &mut packetizer,
            &encoder,
            &mut seq,
            source.rtp_timestamp(number),
        );
        for p in packets {
            if lose() {
                lost_packets += 1;
                continue;
            }
            let outcome = depacketizer.push(p.sequence, p.timestamp, p.marker, &p.payload);
            let mut lost_frame = outcome.abandoned.is_some();
            match outcome.finished {
                Some(FrameOutcome::Complete(unit)) if !waiting_for_keyframe || unit.keyframe => {
                    waiting_for_keyframe = false;
                    let (_, picture) = decoder.decode(unit.annex_b).unwrap().unwrap();
                    let frame_number = u64::from(unit.rtp_timestamp / 3000);
                    assert_eq!(read_frame_counter(picture), Some(frame_number));
                    decoded += 1;
                }
                Some(FrameOutcome::Incomplete(_)) => lost_frame = true,
                // Complete P frames while waiting for a keyframe, or nothing finished yet.
                _ => {}
            }
            if lost_frame {
                incomplete += 1;
                waiting_for_keyframe = true;
                // Another PLI unless one is on its way (a lost IDR needs a new request).
                pli_due.get_or_insert(n + PLI_DELAY_FRAMES);
            }
        }
    }
    eprintln!(
        "lost {lost_packets} packets: {incomplete} incomplete frames, {decoded} decoded of {FRAMES}"
    );
    assert!(lost_packets > 0 && incomplete > 0);
    assert!(
        decoded > FRAMES / 3,
        "recovery by keyframe works: {decoded}"
    );
}
