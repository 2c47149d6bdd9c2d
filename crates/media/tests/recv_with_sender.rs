//! The receive pipeline against the crate's own send pipeline (`send::VideoSender`: RTX
//! history, keyframe on PLI) over a lossy simulated link: each side's NACK and PLI counts
//! agree, and every decoded frame is the frame that was captured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rtcscope_media::recv::{VideoFeedback, VideoJitterBufferConfig, VideoPacket, VideoReceiver};
use rtcscope_media::send::{VideoSender, VideoSenderConfig};
use rtcscope_media::source::TestPatternSource;
use rtcscope_media::source::video::read_frame_counter;
use rtcscope_netsim::{Link, LinkConfig, LossModel};

#[derive(Debug, Clone)]
struct Packet {
    sequence: u16,
    timestamp: u32,
    marker: bool,
    payload: Vec<u8>,
}

#[derive(Debug, Clone)]
enum Feedback {
    Nack(Vec<u16>),
    Pli,
}

#[test]
fn send_and_receive_pipelines_recover_loss_together() {
    const FRAMES: u32 = 60;
    let t0 = Instant::now();
    let mut source = TestPatternSource::new(160, 120, 30);
    let mut sender = VideoSender::new(
        VideoSenderConfig {
            initial_bitrate_bps: 300_000,
            max_payload_size: 400,
            initial_sequence_number: 65_500,
            ..VideoSenderConfig::default()
        },
        t0,
    )
    .unwrap();
    let rtt = Duration::from_millis(40);
    sender.set_round_trip_time(rtt);
    let mut receiver = VideoReceiver::new(VideoJitterBufferConfig::default()).unwrap();
    receiver.set_rtt(rtt);
    let forward = LinkConfig {
        loss: LossModel::Bernoulli { p: 0.05 },
        delay: Duration::from_millis(20),
        jitter: Duration::from_millis(3),
        ..LinkConfig::default()
    };
    let backward = LinkConfig {
        delay: Duration::from_millis(20),
        ..LinkConfig::default()
    };
    let mut media: Link<Packet> = Link::new(forward, 21).unwrap();
    let mut feedback: Link<Feedback> = Link::new(backward, 22).unwrap();
    let to_packet = |p: rtcscope_media::send::OutgoingPacket<'_>| Packet {
        sequence: p.sequence_number,
        timestamp: p.timestamp,
        marker: p.marker,
        payload: p.payload.to_vec(),
    };
    let mut decoded: Vec<(u32, Option<u64>)> = Vec::new();
    let mut frame = rtcscope_media::I420Frame::new(2, 2);
    let mut sent_frames = 0u32;
    let mut received_nacks = 0u32;
    let mut received_plis = 0u32;
    let frame_interval = Duration::from_nanos(1_000_000_000 / 30);
    let end = t0 + frame_interval * FRAMES + Duration::from_secs(1);
    let mut now = t0;
    while now < end {
        if sent_frames < FRAMES && now >= t0 + frame_interval * sent_frames {
            source.next_frame_into(&mut frame);
            let mut out = Vec::new();
            sender
                .send_frame(now, &frame, |p| out.push(to_packet(p)))
                .unwrap();
            for p in out {
                let size = p.payload.len() + 12;
                media.send(now, p, size);
            }
            sent_frames += 1;
        }
        while let Some(p) = media.poll_receive(now) {
            receiver.insert_packet(
                now,
                VideoPacket {
                    sequence: p.sequence,
                    timestamp: p.timestamp,
                    marker: p.marker,
                    payload: &p.payload,
                },
                |f, picture| decoded.push((f.rtp_timestamp / 3000, read_frame_counter(picture))),
            );
        }
        receiver.handle_timeout(now, |f, picture| {
            decoded.push((f.rtp_timestamp / 3000, read_frame_counter(picture)))
        });
        while let Some(fb) = receiver.poll_feedback(now) {
            let fb = match fb {
                VideoFeedback::Nack(list) => Feedback::Nack(list.to_vec()),
                VideoFeedback::Pli | VideoFeedback::Fir { .. } => Feedback::Pli,
            };
            feedback.send(now, fb, 40);
        }
        while let Some(fb) = feedback.poll_receive(now) {
            match fb {
                Feedback::Nack(list) => {
                    received_nacks += 1;
                    let mut out = Vec::new();
                    sender.on_nack(now, list, |p| out.push(to_packet(p)));
                    for p in out {
                        let size = p.payload.len() + 14;
                        media.send(now, p, size);
                    }
                }
                Feedback::Pli => {
                    received_plis += 1;
                    sender.on_pli();
                }
            }
        }
        now += Duration::from_millis(1);
    }
    let send = sender.stats(now);
    let mut video = rtcscope_stats::InboundRtpVideo::default();
    receiver.fill(now, &mut video);
    let nacks = receiver.buffer().nacks_sent();
    eprintln!(
        "5% loss, send+recv pipelines: decoded {:?}/{FRAMES}, NACKs {nacks}, retransmitted {}, PLIs {:?}, freezes {:?}",
        video.frames_decoded, send.retransmitted_packets, video.pli_count, video.freeze_count
    );
    eprintln!(
        "first decoded {:?}, buffer {:?}",
        decoded.first(),
        receiver.buffer_counters()
    );
    assert!(nacks > 0);
    assert_eq!(u64::from(send.nack_count), nacks);
    assert_eq!(u64::from(received_nacks), nacks);
    assert_eq!(send.pli_count, video.pli_count.unwrap());
    assert_eq!(received_plis, send.pli_count);
    assert!(send.retransmitted_packets > 0);
    assert!(video.frames_decoded.unwrap() >= FRAMES * 9 / 10);
    for (number, counter) in &decoded {
        assert_eq!(*counter, Some(u64::from(*number)));
    }
}
