//! Two transports over real UDP sockets on 127.0.0.1, driven by the minimal
//! tokio driver on the wall clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use rtcscope_peer::BundleEvent;
use rtcscope_peer::driver::UdpDriver;
use rtcscope_peer::stats::{inbound_rtp_id, outbound_rtp_id};
use rtcscope_sctp::{DataChannelInit, DataChannelMessage, SctpEvent};
use rtcscope_stats::verify::{SequenceVerifier, verify_report};
use rtcscope_stats::{EpochClock, MediaKind, RTCInboundRtpStreamStats, RTCOutboundRtpStreamStats};
use tokio::net::UdpSocket;

#[derive(Default)]
struct Seen {
    rtp: Vec<(u32, u16, Vec<u8>)>,
    messages: Vec<DataChannelMessage>,
    open: bool,
}

fn drain(driver: &mut UdpDriver, seen: &mut Seen) {
    while let Some(event) = driver.transport.poll_event() {
        match event {
            BundleEvent::Rtp(r) => seen
                .rtp
                .push((r.ssrc, r.sequence_number, r.payload.to_vec())),
            BundleEvent::DataChannel(SctpEvent::Message { message, .. }) => {
                seen.messages.push(message);
            }
            BundleEvent::DataChannel(SctpEvent::ChannelOpen { .. }) => seen.open = true,
            _ => {}
        }
    }
}

async fn turn(a: &mut UdpDriver, b: &mut UdpDriver, sa: &mut Seen, sb: &mut Seen) {
    let wait = Duration::from_millis(2);
    let (ra, rb) = tokio::join!(a.step(wait), b.step(wait));
    ra.unwrap();
    rb.unwrap();
    drain(a, sa);
    drain(b, sb);
}

#[tokio::test]
async fn media_and_data_over_loopback_udp() {
    let sock_a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let sock_b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (cfg_a, cfg_b) = configs(
        sock_a.local_addr().unwrap(),
        sock_b.local_addr().unwrap(),
        true,
    );
    let clock = EpochClock::system();
    let now = Instant::now();
    let mut ta = rtcscope_peer::BundleTransport::new(cfg_a, now, &clock).unwrap();
    let mut tb = rtcscope_peer::BundleTransport::new(cfg_b, now, &clock).unwrap();
    signal(now, &mut ta, &mut tb);
    let mut a = UdpDriver::new(sock_a, ta).unwrap();
    let mut b = UdpDriver::new(sock_b, tb).unwrap();
    let (mut sa, mut sb) = (Seen::default(), Seen::default());

    let deadline = Instant::now() + Duration::from_secs(10);
    while !(a.transport.is_media_ready() && b.transport.is_media_ready()) {
        assert!(Instant::now() < deadline, "no connection over loopback");
        turn(&mut a, &mut b, &mut sa, &mut sb).await;
    }
    let chat = a
        .transport
        .create_data_channel(Instant::now(), DataChannelInit::new("chat"))
        .unwrap();
    while !(sa.open && sb.open) {
        assert!(Instant::now() < deadline, "data channel did not open");
        turn(&mut a, &mut b, &mut sa, &mut sb).await;
    }

    const N: u32 = 100;
    for i in 0..N {
        let now = Instant::now();
        a.transport
            .send_rtp(
                now,
                A_AUDIO,
                &payload(A_AUDIO, i, audio_len(i)),
                i * 960,
                false,
            )
            .unwrap();
        b.transport
            .send_rtp(
                now,
                B_AUDIO,
                &payload(B_AUDIO, i, audio_len(i)),
                i * 960,
                false,
            )
            .unwrap();
        if i % 25 == 0 {
            a.transport
                .send_text(now, chat, &format!("ping {i}"))
                .unwrap();
            b.transport
                .send_text(now, chat, &format!("pong {i}"))
                .unwrap();
        }
        turn(&mut a, &mut b, &mut sa, &mut sb).await;
    }
    let settle = Instant::now() + Duration::from_millis(300);
    while Instant::now() < settle {
        turn(&mut a, &mut b, &mut sa, &mut sb).await;
    }

    for (seen, ssrc) in [(&sb, A_AUDIO), (&sa, B_AUDIO)] {
        let got: Vec<_> = seen.rtp.iter().filter(|r| r.0 == ssrc).collect();
        assert_eq!(got.len(), N as usize);
        for (i, r) in got.iter().enumerate() {
            assert_eq!(r.2, payload(ssrc, i as u32, audio_len(i as u32)));
        }
    }
    let texts = |prefix: &str| -> Vec<DataChannelMessage> {
        (0..N)
            .step_by(25)
            .map(|i| DataChannelMessage::Text(format!("{prefix} {i}")))
            .collect()
    };
    assert_eq!(sb.messages, texts("ping"));
    assert_eq!(sa.messages, texts("pong"));

    let now = Instant::now();
    let (ra, rb) = (
        a.transport.stats(now, &clock),
        b.transport.stats(now, &clock),
    );
    for r in [&ra, &rb] {
        let v = verify_report(r);
        assert_eq!(v.errors(), 0, "{v:#?}");
        let mut seq = SequenceVerifier::new();
        assert_eq!(seq.push(&serde_json::to_value(r).unwrap()).errors(), 0);
    }
    let out: &RTCOutboundRtpStreamStats = ra
        .get_as(&outbound_rtp_id(MediaKind::Audio, A_AUDIO))
        .unwrap();
    let inb: &RTCInboundRtpStreamStats = rb
        .get_as(&inbound_rtp_id(MediaKind::Audio, A_AUDIO))
        .unwrap();
    assert_eq!(out.packets_sent, Some(u64::from(N)));
    assert_eq!(inb.packets_received, Some(u64::from(N)));
    assert_eq!(inb.packets_lost, Some(0));
    assert_eq!(a.send_errors + b.send_errors, 0);
}
