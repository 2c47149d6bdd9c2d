//! Two bundled transports over rtcscope-netsim: connection, media and data
//! both ways, stats against what the simulated link did.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use rtcscope_dtls::{DtlsFailure, LocalCertificate};
use rtcscope_ice::IceTransportState;
use rtcscope_netsim::Side;
use rtcscope_peer::stats::{
    inbound_rtp_id, outbound_rtp_id, remote_inbound_rtp_id, remote_outbound_rtp_id,
};
use rtcscope_peer::{BundleTransport, MediaSendError};
use rtcscope_sctp::{DataChannelInit, DataChannelMessage};
use rtcscope_stats::{
    MediaKind, RTCCertificateStats, RTCCodecStats, RTCDataChannelStats, RTCIceCandidatePairStats,
    RTCInboundRtpStreamStats, RTCOutboundRtpStreamStats, RTCRemoteInboundRtpStreamStats,
    RTCRemoteOutboundRtpStreamStats, RTCStatsReport, RTCTransportStats,
};

const PACKETS: u32 = 500;

/// Sends packet `i` of both streams of one side.
fn send_media(t: &mut BundleTransport, now: std::time::Instant, audio: u32, video: u32, i: u32) {
    t.send_rtp(now, audio, &payload(audio, i, audio_len(i)), i * 960, false)
        .unwrap();
    t.send_rtp(
        now,
        video,
        &payload(video, i, video_len(i)),
        i * 3000,
        i % 5 == 4,
    )
    .unwrap();
}

fn outbound(r: &RTCStatsReport, kind: MediaKind, ssrc: u32) -> &RTCOutboundRtpStreamStats {
    r.get_as(&outbound_rtp_id(kind, ssrc))
        .unwrap_or_else(|| panic!("no outbound-rtp {ssrc}"))
}

fn inbound(r: &RTCStatsReport, kind: MediaKind, ssrc: u32) -> &RTCInboundRtpStreamStats {
    r.get_as(&inbound_rtp_id(kind, ssrc))
        .unwrap_or_else(|| panic!("no inbound-rtp {ssrc}"))
}

fn selected_pair(r: &RTCStatsReport) -> &RTCIceCandidatePairStats {
    let t: &RTCTransportStats = r.get_as("T01").unwrap();
    r.get_as(t.selected_candidate_pair_id.as_deref().unwrap())
        .unwrap()
}

#[test]
fn connects_exchanges_media_and_data_both_ways_with_exact_stats() {
    let mut sim = Sim::new(lossy_link(0.0, Duration::from_millis(10)), true);
    sim.verified_stats();
    sim.connect(Duration::from_secs(5));
    assert!(sim.seen_a.dtls_connected && sim.seen_b.dtls_connected);
    println!(
        "connected after {:?} (simulated)",
        sim.now.duration_since(sim.start)
    );

    let now = sim.now;
    let chat = sim
        .a
        .create_data_channel(now, DataChannelInit::new("chat"))
        .unwrap();
    sim.run_for(Duration::from_millis(200));
    assert_eq!(sim.seen_b.open_channels, vec![(chat, "chat".to_string())]);
    assert_eq!(sim.seen_a.open_channels, vec![(chat, "chat".to_string())]);
    sim.verified_stats();

    let mut sent_a_to_b = Vec::new();
    let mut sent_b_to_a = Vec::new();
    for i in 0..PACKETS {
        let now = sim.now;
        send_media(&mut sim.a, now, A_AUDIO, A_VIDEO, i);
        send_media(&mut sim.b, now, B_AUDIO, B_VIDEO, i);
        if i % 50 == 0 {
            let text = format!("a->b {i}");
            sim.a.send_text(now, chat, &text).unwrap();
            sent_a_to_b.push(DataChannelMessage::Text(text));
            let bin = vec![i as u8; 10 + i as usize];
            sim.b.send_binary(now, chat, &bin).unwrap();
            sent_b_to_a.push(DataChannelMessage::Binary(bin));
        }
        sim.run_for(Duration::from_millis(20));
        if i % 100 == 99 {
            sim.verified_stats();
        }
    }
    sim.run_for(Duration::from_secs(2));
    let (ra, rb) = sim.verified_stats();

    // Every packet arrived in order with its header fields and payload intact.
    for (seen, audio, video) in [
        (&sim.seen_b, A_AUDIO, A_VIDEO),
        (&sim.seen_a, B_AUDIO, B_VIDEO),
    ] {
        for (ssrc, pt, len, step) in [
            (audio, OPUS, audio_len as fn(u32) -> usize, 960),
            (video, H264, video_len as fn(u32) -> usize, 3000),
        ] {
            let got: Vec<_> = seen.rtp.iter().filter(|r| r.ssrc == ssrc).collect();
            assert_eq!(got.len(), PACKETS as usize, "ssrc {ssrc}");
            for (i, r) in got.iter().enumerate() {
                let i = i as u32;
                assert_eq!(r.payload_type, pt);
                assert_eq!(r.timestamp, i * step);
                assert_eq!(r.payload, payload(ssrc, i, len(i)));
                assert_eq!(
                    r.sequence_number,
                    got[0].sequence_number.wrapping_add(i as u16)
                );
                assert_eq!(r.marker, ssrc == video && i % 5 == 4);
            }
        }
    }

    // packetsSent on one side = packetsReceived on the other; bytes likewise.
    for (tx, rx, kind, ssrc, len) in [
        (
            &ra,
            &rb,
            MediaKind::Audio,
            A_AUDIO,
            audio_len as fn(u32) -> usize,
        ),
        (
            &ra,
            &rb,
            MediaKind::Video,
            A_VIDEO,
            video_len as fn(u32) -> usize,
        ),
        (
            &rb,
            &ra,
            MediaKind::Audio,
            B_AUDIO,
            audio_len as fn(u32) -> usize,
        ),
        (
            &rb,
            &ra,
            MediaKind::Video,
            B_VIDEO,
            video_len as fn(u32) -> usize,
        ),
    ] {
        let payload_bytes: u64 = (0..PACKETS).map(|i| len(i) as u64).sum();
        let out = outbound(tx, kind, ssrc);
        let inb = inbound(rx, kind, ssrc);
        assert_eq!(out.packets_sent, Some(u64::from(PACKETS)));
        assert_eq!(inb.packets_received, Some(u64::from(PACKETS)));
        assert_eq!(out.bytes_sent, Some(payload_bytes));
        assert_eq!(inb.bytes_received, Some(payload_bytes));
        assert_eq!(out.header_bytes_sent, Some(12 * u64::from(PACKETS)));
        assert_eq!(inb.header_bytes_received, Some(12 * u64::from(PACKETS)));
        assert_eq!(inb.packets_lost, Some(0));
        assert_eq!(
            out.mid.as_deref(),
            Some(if kind == MediaKind::Audio { "0" } else { "1" })
        );
        // References: codec objects of the right direction, remote objects paired.
        let pt = if kind == MediaKind::Audio { OPUS } else { H264 };
        assert_eq!(
            out.codec_id.as_deref(),
            Some(codec_id_of(false, pt).as_str())
        );
        assert_eq!(
            inb.codec_id.as_deref(),
            Some(codec_id_of(true, pt).as_str())
        );
        let codec: &RTCCodecStats = rx.get_as(&codec_id_of(true, pt)).unwrap();
        assert_eq!(codec.payload_type, u32::from(pt));
        assert_eq!(
            out.remote_id.as_deref(),
            Some(remote_inbound_rtp_id(kind, ssrc).as_str())
        );
        let ri: &RTCRemoteInboundRtpStreamStats =
            tx.get_as(&remote_inbound_rtp_id(kind, ssrc)).unwrap();
        assert_eq!(ri.packets_lost, Some(0));
        assert_eq!(
            inb.remote_id.as_deref(),
            Some(remote_outbound_rtp_id(kind, ssrc).as_str())
        );
        let ro: &RTCRemoteOutboundRtpStreamStats =
            rx.get_as(&remote_outbound_rtp_id(kind, ssrc)).unwrap();
        assert_eq!(ro.packets_sent, Some(u64::from(PACKETS)));
    }
    // The RTX codec is negotiated but no stream used it: no object.
    assert!(!ra.has(&codec_id_of(false, RTX)) && !ra.has(&codec_id_of(true, RTX)));

    // Data channel messages, both ways, in order, and their stats.
    let got_b: Vec<_> = sim.seen_b.messages.iter().map(|(_, m)| m.clone()).collect();
    let got_a: Vec<_> = sim.seen_a.messages.iter().map(|(_, m)| m.clone()).collect();
    assert_eq!(got_b, sent_a_to_b);
    assert_eq!(got_a, sent_b_to_a);
    let dc_a = ra.all::<RTCDataChannelStats>().next().unwrap();
    let dc_b = rb.all::<RTCDataChannelStats>().next().unwrap();
    assert_eq!(dc_a.messages_sent, Some(sent_a_to_b.len() as u32));
    assert_eq!(dc_b.messages_received, Some(sent_a_to_b.len() as u32));
    assert_eq!(dc_a.messages_received, Some(sent_b_to_a.len() as u32));

    // Transport facts.
    for r in [&ra, &rb] {
        let t: &RTCTransportStats = r.get_as("T01").unwrap();
        assert_eq!(t.dtls_state.as_str(), "connected");
        assert!(t.srtp_cipher.is_some() && t.tls_version.is_some());
        assert!(t.remote_certificate_id.is_some());
        assert!(selected_pair(r).nominated == Some(true));
        assert_eq!(t.selected_candidate_pair_changes, Some(1));
        assert_eq!(r.all::<RTCCertificateStats>().count(), 2);
    }
    for seen in [&sim.seen_a, &sim.seen_b] {
        assert_eq!(
            seen.ice_states[..2],
            [IceTransportState::Checking, IceTransportState::Connected]
        );
    }
    // Transport and selected-pair counters = what went over the wire (STUN excluded).
    for (r, side) in [(&ra, 0), (&rb, 1)] {
        let t: &RTCTransportStats = r.get_as("T01").unwrap();
        let (sent, sent_bytes) = sim.data_sent[side];
        let (received, received_bytes) = sim.data_delivered[side];
        assert_eq!(t.packets_sent, Some(sent));
        assert_eq!(t.bytes_sent, Some(sent_bytes));
        assert_eq!(t.packets_received, Some(received));
        assert_eq!(t.bytes_received, Some(received_bytes));
        let pair = selected_pair(r);
        assert_eq!(pair.packets_sent, Some(sent));
        assert_eq!(pair.bytes_received, Some(received_bytes));
        println!(
            "side {side}: {sent} datagrams / {sent_bytes} bytes sent, {received} / {received_bytes} received"
        );
    }
    assert_members_match_chrome(&ra);
    assert_eq!(sim.a.counters().unknown_discarded, 0);
    assert_eq!(sim.b.counters().srtp_rejected, 0);
    println!("{} reports per side verified", sim.reports);
}

/// What RFC 3550 A.3 must report for one stream, from the link's record:
/// numbering starts at the first two consecutive arrivals (A.1 probation),
/// losses count up to the highest arrival.
fn expected_loss(wire: &[WireRtp], sender: Side, ssrc: u32) -> (i64, u64) {
    let fates: Vec<bool> = wire
        .iter()
        .filter(|w| w.sender == sender && w.ssrc == ssrc)
        .map(|w| w.dropped)
        .collect();
    let base = (0..fates.len() - 1)
        .find(|&k| !fates[k] && !fates[k + 1])
        .unwrap();
    let last = fates.iter().rposition(|d| !d).unwrap();
    let window = &fates[base..=last];
    let lost = window.iter().filter(|d| **d).count() as i64;
    let received = window.iter().filter(|d| !**d).count() as u64;
    (lost, received)
}

#[test]
fn packets_lost_equals_what_the_link_dropped_at_5_percent() {
    let mut sim = Sim::new(lossy_link(0.05, Duration::from_millis(20)), true);
    sim.connect(Duration::from_secs(30));
    let now = sim.now;
    let chat = sim
        .a
        .create_data_channel(now, DataChannelInit::new("lossy"))
        .unwrap();
    let mut sent = Vec::new();
    for i in 0..PACKETS {
        let now = sim.now;
        send_media(&mut sim.a, now, A_AUDIO, A_VIDEO, i);
        send_media(&mut sim.b, now, B_AUDIO, B_VIDEO, i);
        // Reliable, ordered messages survive the loss (SCTP retransmits).
        if i % 25 == 0 && sim.seen_a.open_channels.len() == 1 {
            let text = format!("message {i}");
            sim.a.send_text(now, chat, &text).unwrap();
            sent.push(DataChannelMessage::Text(text));
        }
        sim.run_for(Duration::from_millis(20));
        if i % 100 == 0 {
            sim.verified_stats();
        }
    }
    sim.run_for(Duration::from_secs(5));
    let got: Vec<_> = sim.seen_b.messages.iter().map(|(_, m)| m.clone()).collect();
    assert!(sent.len() >= 15, "{}", sent.len());
    assert_eq!(got, sent);
    let (ra, rb) = sim.verified_stats();
    for (sender, tx, rx, kind, ssrc) in [
        (Side::A, &ra, &rb, MediaKind::Audio, A_AUDIO),
        (Side::A, &ra, &rb, MediaKind::Video, A_VIDEO),
        (Side::B, &rb, &ra, MediaKind::Audio, B_AUDIO),
        (Side::B, &rb, &ra, MediaKind::Video, B_VIDEO),
    ] {
        let (lost, received) = expected_loss(&sim.wire_rtp, sender, ssrc);
        let inb = inbound(rx, kind, ssrc);
        println!(
            "{ssrc:#x}: link dropped {lost} of {} counted, inbound packetsLost {:?}",
            lost as u64 + received,
            inb.packets_lost
        );
        assert!(lost >= 10, "5% of 500 should drop some: {lost}");
        assert_eq!(inb.packets_lost, Some(lost));
        assert_eq!(inb.packets_received, Some(received));
        // The receiver's last RR (5 s after the media ended) tells the sender the same.
        let ri: &RTCRemoteInboundRtpStreamStats =
            tx.get_as(&remote_inbound_rtp_id(kind, ssrc)).unwrap();
        assert_eq!(ri.packets_lost, Some(lost));
    }
}

#[test]
fn round_trip_times_match_twice_the_one_way_delay() {
    let mut sim = Sim::new(lossy_link(0.0, Duration::from_millis(40)), false);
    sim.connect(Duration::from_secs(5));
    for i in 0..400 {
        let now = sim.now;
        send_media(&mut sim.a, now, A_AUDIO, A_VIDEO, i);
        send_media(&mut sim.b, now, B_AUDIO, B_VIDEO, i);
        sim.run_for(Duration::from_millis(20));
    }
    let (ra, rb) = sim.verified_stats();
    for r in [&ra, &rb] {
        let rtt = selected_pair(r).current_round_trip_time.unwrap();
        println!("candidate-pair currentRoundTripTime {rtt}");
        assert!((rtt - 0.080).abs() < 0.002, "{rtt}");
    }
    for (r, kind, ssrc) in [
        (&ra, MediaKind::Audio, A_AUDIO),
        (&ra, MediaKind::Video, A_VIDEO),
        (&rb, MediaKind::Audio, B_AUDIO),
    ] {
        let ri: &RTCRemoteInboundRtpStreamStats =
            r.get_as(&remote_inbound_rtp_id(kind, ssrc)).unwrap();
        let rtt = ri.round_trip_time.unwrap();
        println!("remote-inbound-rtp {ssrc:#x} roundTripTime {rtt}");
        assert!((rtt - 0.080).abs() < 0.002, "{rtt}");
        assert!(ri.round_trip_time_measurements.unwrap() >= 3);
    }
    // XR RRTR/DLRR gives the receiver its RTT too.
    let ro: &RTCRemoteOutboundRtpStreamStats = rb
        .get_as(&remote_outbound_rtp_id(MediaKind::Audio, A_AUDIO))
        .unwrap();
    let rtt = ro.round_trip_time.unwrap();
    println!("remote-outbound-rtp roundTripTime {rtt}");
    assert!((rtt - 0.080).abs() < 0.002, "{rtt}");
}

#[test]
fn wrong_remote_fingerprint_fails_dtls_and_delivers_no_rtp() {
    let (a, mut b) = configs(addr(A_ADDR), addr(B_ADDR), true);
    b.remote_fingerprint = Some(LocalCertificate::generate().unwrap().fingerprint());
    let mut sim = Sim::with_configs(a, b, lossy_link(0.0, Duration::from_millis(10)));
    for i in 0..250 {
        let now = sim.now;
        for (t, audio) in [(&mut sim.a, A_AUDIO), (&mut sim.b, B_AUDIO)] {
            match t.send_rtp(now, audio, &payload(audio, i, 100), i * 960, false) {
                Ok(_) | Err(MediaSendError::NotConnected) => {}
                Err(e) => panic!("{e}"),
            }
        }
        sim.run_for(Duration::from_millis(20));
    }
    assert!(
        matches!(
            sim.seen_b.dtls_failed,
            Some(DtlsFailure::FingerprintMismatch { .. })
        ),
        "{:?}",
        sim.seen_b.dtls_failed
    );
    assert!(!sim.b.is_media_ready());
    assert!(sim.seen_b.rtp.is_empty());
    assert!(sim.seen_a.rtp.is_empty());
    let (_, rb) = sim.verified_stats();
    let t: &RTCTransportStats = rb.get_as("T01").unwrap();
    assert_eq!(t.dtls_state.as_str(), "failed");
    assert!(t.remote_certificate_id.is_none() && t.srtp_cipher.is_none());
    assert_eq!(rb.all::<RTCInboundRtpStreamStats>().count(), 0);
}

#[test]
fn garbage_datagrams_are_counted_and_discarded() {
    let mut sim = Sim::new(lossy_link(0.0, Duration::from_millis(5)), false);
    sim.connect(Duration::from_secs(5));
    let (from, to) = (addr(A_ADDR), addr(B_ADDR));
    let now = sim.now;
    // Outside every RFC 7983 range we serve, and empty.
    let unknown: [&[u8]; 8] = [
        &[],
        &[4, 1, 2, 3],
        &[16, 0, 0, 0, 0],
        &[80; 40],
        &[127; 20],
        &[192, 1, 2],
        &[255; 100],
        &[0x80],
    ];
    for d in unknown {
        sim.b.handle_receive(now, from, to, d);
    }
    // SRTP and SRTCP that fail authentication.
    let mut fake_rtp = vec![0x80, OPUS, 0, 1, 0, 0, 0, 0];
    fake_rtp.extend_from_slice(&A_AUDIO.to_be_bytes());
    fake_rtp.extend_from_slice(&[0x5A; 60]);
    sim.b.handle_receive(now, from, to, &fake_rtp);
    let mut fake_rtcp = vec![0x80, 200, 0, 6];
    fake_rtcp.extend_from_slice(&A_AUDIO.to_be_bytes());
    fake_rtcp.extend_from_slice(&[0xA5; 40]);
    sim.b.handle_receive(now, from, to, &fake_rtcp);
    // DTLS-looking records that are no valid record of this association.
    let dtls_garbage: [&[u8]; 3] = [
        &[23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4],
        &[22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        &[63; 30],
    ];
    for d in dtls_garbage {
        sim.b.handle_receive(now, from, to, d);
    }
    // Media-looking data from an address that is no candidate.
    sim.b.handle_receive(now, addr("10.9.9.9:9"), to, &fake_rtp);

    let c = sim.b.counters();
    assert_eq!(c.unknown_discarded, unknown.len() as u64);
    assert_eq!(c.srtp_rejected, 1);
    assert_eq!(c.srtcp_rejected, 1);
    assert_eq!(c.not_from_a_pair, 1);
    assert!(sim.seen_b.rtp.is_empty());

    // The connection is unharmed.
    for i in 0..50 {
        let now = sim.now;
        sim.a
            .send_rtp(now, A_AUDIO, &payload(A_AUDIO, i, 100), i * 960, false)
            .unwrap();
        sim.run_for(Duration::from_millis(20));
    }
    assert_eq!(sim.seen_b.rtp.len(), 50);
    assert!(
        sim.seen_b.dtls_failed.is_none(),
        "{:?}",
        sim.seen_b.dtls_failed
    );
    let (_, rb) = sim.verified_stats();
    let t: &RTCTransportStats = rb.get_as("T01").unwrap();
    assert_eq!(t.dtls_state.as_str(), "connected");
    assert_eq!(
        inbound(&rb, MediaKind::Audio, A_AUDIO).packets_received,
        Some(50)
    );
}

/// Objects of these types carry exactly the members Chrome 156 reports for
/// them in the loopback fixture (the RTP types also carry media-layer
/// members this crate cannot produce, so they are not compared here).
fn assert_members_match_chrome(report: &RTCStatsReport) {
    use std::collections::{BTreeMap, BTreeSet};
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/chrome-156-loopback-getstats.json"
    ))
    .unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    fn collect(v: &serde_json::Value, out: &mut BTreeMap<String, BTreeSet<String>>) {
        match v {
            serde_json::Value::Object(m)
                if m.contains_key("type") && m.contains_key("timestamp") =>
            {
                let ty = m["type"].as_str().unwrap().to_string();
                out.entry(ty).or_default().extend(m.keys().cloned());
            }
            serde_json::Value::Object(m) => m.values().for_each(|x| collect(x, out)),
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    let mut chrome = BTreeMap::new();
    collect(&fixture, &mut chrome);
    let mut ours = BTreeMap::new();
    collect(&serde_json::to_value(report).unwrap(), &mut ours);
    for ty in [
        "transport",
        "codec",
        "certificate",
        "data-channel",
        "peer-connection",
    ] {
        assert_eq!(ours.get(ty), chrome.get(ty), "members of {ty}");
    }
}

#[test]
fn reordering_jitter_and_loss_keep_every_report_valid() {
    let mut link = lossy_link(0.02, Duration::from_millis(30));
    link.jitter = Duration::from_millis(25);
    link.duplicate = 0.01;
    let mut sim = Sim::new(link, true);
    sim.connect(Duration::from_secs(30));
    for i in 0..300 {
        let now = sim.now;
        send_media(&mut sim.a, now, A_AUDIO, A_VIDEO, i);
        send_media(&mut sim.b, now, B_AUDIO, B_VIDEO, i);
        sim.run_for(Duration::from_millis(20));
        if i % 5 == 0 {
            sim.verified_stats();
        }
    }
    sim.run_for(Duration::from_secs(2));
    let (_, rb) = sim.verified_stats();
    let inb = inbound(&rb, MediaKind::Audio, A_AUDIO);
    let delivered = sim.seen_b.rtp.iter().filter(|r| r.ssrc == A_AUDIO).count() as u64;
    println!(
        "{} reports; audio received {:?} (events {delivered}), lost {:?}, jitter {:?}",
        sim.reports, inb.packets_received, inb.packets_lost, inb.jitter
    );
    assert!(inb.jitter.unwrap() > 0.001);
    // Link duplicates die in the SRTP replay window; each packet counts once.
    assert_eq!(inb.packets_received, Some(delivered));
}
