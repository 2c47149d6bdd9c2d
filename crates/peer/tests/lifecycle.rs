//! Feedback, unsignaled SSRCs and close, over rtcscope-netsim.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use rtcscope_peer::stats::{inbound_rtp_id, outbound_rtp_id, remote_inbound_rtp_id};
use rtcscope_peer::{Feedback, LocalStreamConfig, MediaSendError, ReceivedFeedback};
use rtcscope_stats::{
    InboundRtpMedia, MediaKind, OutboundRtpMedia, RTCInboundRtpStreamStats,
    RTCOutboundRtpStreamStats, RTCTransportStats,
};

#[test]
fn pli_and_nack_are_sent_and_counted_on_both_sides() {
    let mut sim = Sim::new(lossy_link(0.0, Duration::from_millis(10)), false);
    sim.connect(Duration::from_secs(5));
    for i in 0..20 {
        let now = sim.now;
        sim.a
            .send_rtp(now, A_VIDEO, &payload(A_VIDEO, i, 500), i * 3000, true)
            .unwrap();
        sim.run_for(Duration::from_millis(33));
    }
    let now = sim.now;
    sim.b.send_feedback(now, A_VIDEO, Feedback::Pli).unwrap();
    sim.b.send_feedback(now, A_VIDEO, Feedback::Pli).unwrap();
    sim.b
        .send_feedback(now, A_VIDEO, Feedback::Nack(&[3, 4, 9]))
        .unwrap();
    sim.b
        .send_feedback(now, A_VIDEO, Feedback::Fir { sequence_number: 7 })
        .unwrap();
    assert_eq!(
        sim.b.send_feedback(now, 0xDEAD, Feedback::Pli),
        Err(MediaSendError::UnknownSsrc(0xDEAD))
    );
    sim.run_for(Duration::from_millis(100));
    // The media layer hears what to do: two key frames, three retransmissions.
    let key = ReceivedFeedback::KeyframeRequest {
        ssrc: A_VIDEO,
        full_intra: false,
    };
    assert_eq!(
        sim.seen_a.feedback,
        vec![
            key.clone(),
            key,
            ReceivedFeedback::Nack {
                ssrc: A_VIDEO,
                lost: vec![3, 4, 9]
            },
            ReceivedFeedback::KeyframeRequest {
                ssrc: A_VIDEO,
                full_intra: true,
            }
        ]
    );
    assert!(sim.seen_b.feedback.is_empty());
    let (ra, rb) = sim.verified_stats();
    let out: &RTCOutboundRtpStreamStats = ra
        .get_as(&outbound_rtp_id(MediaKind::Video, A_VIDEO))
        .unwrap();
    let inb: &RTCInboundRtpStreamStats = rb
        .get_as(&inbound_rtp_id(MediaKind::Video, A_VIDEO))
        .unwrap();
    assert_eq!(out.nack_count, Some(1));
    assert_eq!(inb.nack_count, Some(1));
    let OutboundRtpMedia::Video(v) = &out.media else {
        panic!("video")
    };
    assert_eq!(v.pli_count, Some(2));
    assert_eq!(v.fir_count, Some(1));
    let InboundRtpMedia::Video(v) = &inb.media else {
        panic!("video")
    };
    assert_eq!(v.pli_count, Some(2));
    assert_eq!(v.fir_count, Some(1));
}

#[test]
fn unsignaled_ssrcs_are_accepted_up_to_the_cap_and_counted_beyond() {
    const EXTRA_1: u32 = 0x0A00_0010;
    const EXTRA_2: u32 = 0x0A00_0011;
    let (mut a, mut b) = configs(addr(A_ADDR), addr(B_ADDR), false);
    for (ssrc, mid) in [(EXTRA_1, "2"), (EXTRA_2, "3")] {
        a.local_streams.push(LocalStreamConfig {
            ssrc,
            rtx_ssrc: None,
            payload_type: OPUS,
            kind: MediaKind::Audio,
            mid: mid.into(),
        });
    }
    b.max_unsignaled_ssrcs = 1;
    let mut sim = Sim::with_configs(a, b, lossy_link(0.0, Duration::from_millis(10)));
    sim.connect(Duration::from_secs(5));
    const N: u32 = 120;
    for i in 0..N {
        let now = sim.now;
        for ssrc in [EXTRA_1, EXTRA_2] {
            sim.a
                .send_rtp(now, ssrc, &payload(ssrc, i, 100), i * 960, false)
                .unwrap();
        }
        sim.run_for(Duration::from_millis(20));
    }
    sim.run_for(Duration::from_secs(2));
    let (ra, rb) = sim.verified_stats();
    let counters = sim.b.media_counters();
    assert_eq!(counters.unsignaled_ssrcs_accepted, 1);
    assert_eq!(counters.rtp_unknown_ssrc_dropped, u64::from(N));
    let got: Vec<_> = sim.seen_b.rtp.iter().map(|r| r.ssrc).collect();
    assert_eq!(got, vec![EXTRA_1; N as usize]);
    let inb: &RTCInboundRtpStreamStats = rb
        .get_as(&inbound_rtp_id(MediaKind::Audio, EXTRA_1))
        .unwrap();
    assert_eq!(inb.packets_received, Some(u64::from(N)));
    assert_eq!(inb.track_identifier, format!("unsignaled-{EXTRA_1}"));
    assert!(!rb.has(&inbound_rtp_id(MediaKind::Audio, EXTRA_2)));
    // B reports on the stream it accepted, so A learns the remote view of it.
    assert!(ra.has(&remote_inbound_rtp_id(MediaKind::Audio, EXTRA_1)));
    assert!(!ra.has(&remote_inbound_rtp_id(MediaKind::Audio, EXTRA_2)));
}

#[test]
fn close_sends_close_notify_and_stops_everything() {
    let mut sim = Sim::new(lossy_link(0.0, Duration::from_millis(10)), true);
    sim.connect(Duration::from_secs(5));
    sim.verified_stats();
    let now = sim.now;
    sim.a.close(now);
    sim.run_for(Duration::from_millis(100));
    assert!(sim.seen_b.dtls_closed);
    assert!(sim.a.is_closed() && sim.a.poll_timeout().is_none());
    assert_eq!(
        sim.a.send_rtp(sim.now, A_AUDIO, &[1, 2, 3], 0, false),
        Err(MediaSendError::NotConnected)
    );
    let (ra, rb) = sim.verified_stats();
    for r in [&ra, &rb] {
        let t: &RTCTransportStats = r.get_as("T01").unwrap();
        assert_eq!(t.dtls_state.as_str(), "closed");
    }
    let t: &RTCTransportStats = ra.get_as("T01").unwrap();
    assert_eq!(t.ice_state.map(|s| s.as_str()), Some("closed"));
}

#[test]
fn nack_driven_rtx_restores_lost_packets_and_is_counted() {
    use std::collections::{BTreeMap, BTreeSet};
    let mut sim = Sim::new(lossy_link(0.05, Duration::from_millis(20)), false);
    sim.connect(Duration::from_secs(30));
    const N: u32 = 300;
    // What the media layer keeps: sequence number -> packet index.
    let mut history: BTreeMap<u16, u32> = BTreeMap::new();
    let mut nacked: BTreeSet<u16> = BTreeSet::new();
    let (mut nacks_sent, mut rtx_sent, mut feedback_seen) = (0u32, 0u64, 0usize);
    let ts = |i: u32| i * 3000;
    for step in 0..N + 100 {
        let now = sim.now;
        if step < N {
            let seq = sim
                .a
                .send_rtp(now, A_VIDEO, &payload(A_VIDEO, step, 400), ts(step), false)
                .unwrap();
            history.insert(seq, step);
        }
        // B asks for every gap below the highest sequence number it saw, once.
        if step % 5 == 4 {
            let got: BTreeSet<u16> = sim
                .seen_b
                .rtp
                .iter()
                .filter(|r| r.ssrc == A_VIDEO)
                .map(|r| r.sequence_number)
                .collect();
            if let (Some(&lo), Some(&hi)) = (got.first(), got.last()) {
                let missing: Vec<u16> = (lo..hi)
                    .filter(|s| !got.contains(s) && !nacked.contains(s))
                    .collect();
                if !missing.is_empty() {
                    sim.b
                        .send_feedback(now, A_VIDEO, Feedback::Nack(&missing))
                        .unwrap();
                    nacks_sent += 1;
                    nacked.extend(missing);
                }
            }
        }
        // A answers NACKs from its history.
        let requests: Vec<_> = sim.seen_a.feedback[feedback_seen..].to_vec();
        feedback_seen = sim.seen_a.feedback.len();
        for f in requests {
            if let ReceivedFeedback::Nack { ssrc, lost } = f {
                assert_eq!(ssrc, A_VIDEO);
                for seq in lost {
                    let i = history[&seq];
                    sim.a
                        .send_rtx(now, A_VIDEO, seq, &payload(A_VIDEO, i, 400), ts(i), false)
                        .unwrap();
                    rtx_sent += 1;
                }
            }
        }
        sim.run_for(Duration::from_millis(20));
    }
    sim.run_for(Duration::from_secs(2));
    let (ra, rb) = sim.verified_stats();

    // Every delivered packet, original or restored, is the original.
    let mut distinct = BTreeSet::new();
    for r in sim.seen_b.rtp.iter().filter(|r| r.ssrc == A_VIDEO) {
        let i = history[&r.sequence_number];
        assert_eq!(r.payload_type, H264);
        assert_eq!(r.timestamp, ts(i));
        assert_eq!(r.payload, payload(A_VIDEO, i, 400));
        assert!(
            distinct.insert(r.sequence_number),
            "duplicate {}",
            r.sequence_number
        );
    }
    let rtx_on_wire = |dropped: bool| {
        sim.wire_rtp
            .iter()
            .filter(|w| w.ssrc == A_VIDEO_RTX && w.dropped == dropped)
            .count() as u64
    };
    let restored = rtx_on_wire(false);
    println!(
        "{nacks_sent} NACKs, {rtx_sent} RTX sent, {restored} restored, {} lost again",
        rtx_on_wire(true)
    );
    assert!(rtx_sent >= 5 && restored > 0);
    assert_eq!(rtx_on_wire(false) + rtx_on_wire(true), rtx_sent);

    let out: &RTCOutboundRtpStreamStats = ra
        .get_as(&outbound_rtp_id(MediaKind::Video, A_VIDEO))
        .unwrap();
    let inb: &RTCInboundRtpStreamStats = rb
        .get_as(&inbound_rtp_id(MediaKind::Video, A_VIDEO))
        .unwrap();
    assert_eq!(out.retransmitted_packets_sent, Some(rtx_sent));
    assert_eq!(out.packets_sent, Some(u64::from(N) + rtx_sent));
    assert_eq!(out.rtx_ssrc, Some(A_VIDEO_RTX));
    assert_eq!(inb.retransmitted_packets_received, Some(restored));
    assert_eq!(inb.nack_count, Some(nacks_sent));
    assert_eq!(out.nack_count, Some(feedback_seen as u32));
    // Restored packets count as received: lost = window - distinct arrivals.
    let (first, last) = (*distinct.first().unwrap(), *distinct.last().unwrap());
    let window = u64::from(last.wrapping_sub(first)) + 1;
    assert_eq!(inb.packets_received, Some(distinct.len() as u64));
    assert_eq!(
        inb.packets_lost,
        Some((window - distinct.len() as u64) as i64)
    );
}

#[test]
fn late_candidates_and_late_fingerprint_still_connect() {
    let (a, mut b) = configs(addr(A_ADDR), addr(B_ADDR), true);
    let a_fingerprint = a.certificate.fingerprint();
    b.remote_fingerprint = None;
    let start = std::time::Instant::now();
    let clock = rtcscope_stats::EpochClock::new(start, 1_800_000_000_000.0);
    let mut ta = rtcscope_peer::BundleTransport::new(a, start, &clock).unwrap();
    let mut tb = rtcscope_peer::BundleTransport::new(b, start, &clock).unwrap();
    // Credentials now, candidates trickled 300 ms later.
    let creds = |t: &rtcscope_peer::BundleTransport| {
        let (u, p) = t.local_ice_credentials();
        (u.to_string(), p.to_string())
    };
    let ((ua, pa), (ub, pb)) = (creds(&ta), creds(&tb));
    ta.set_remote_ice_credentials(start, &ub, &pb).unwrap();
    tb.set_remote_ice_credentials(start, &ua, &pa).unwrap();
    let (cand_a, cand_b) = (remote_candidates(&ta), remote_candidates(&tb));
    let mut sim = Sim::from_transports(ta, tb, clock, lossy_link(0.0, Duration::from_millis(10)));
    sim.run_for(Duration::from_millis(300));
    assert!(!sim.a.is_media_ready() && sim.a.dtls().is_none());
    let now = sim.now;
    for c in cand_b {
        sim.a.add_remote_candidate(now, c).unwrap();
    }
    for c in cand_a {
        sim.b.add_remote_candidate(now, c).unwrap();
    }
    sim.a.set_remote_end_of_candidates(now);
    sim.b.set_remote_end_of_candidates(now);
    // ICE connects and the handshake runs, but B cannot trust A yet.
    sim.run_for(Duration::from_secs(1));
    assert!(sim.b.dtls().is_some());
    assert!(!sim.b.is_media_ready() && !sim.seen_b.dtls_connected);
    sim.verified_stats();
    let now = sim.now;
    sim.b.set_remote_fingerprint(now, a_fingerprint);
    sim.connect(Duration::from_secs(5));
    assert!(sim.seen_b.dtls_connected && sim.seen_a.dtls_connected);
    let now = sim.now;
    sim.a
        .send_rtp(now, A_AUDIO, &payload(A_AUDIO, 0, 50), 0, false)
        .unwrap();
    sim.a
        .send_rtp(now, A_AUDIO, &payload(A_AUDIO, 1, 50), 960, false)
        .unwrap();
    sim.run_for(Duration::from_millis(100));
    assert_eq!(sim.seen_b.rtp.len(), 2);
    sim.verified_stats();
}

#[test]
fn renegotiation_keeps_ids_and_a_stopped_transceiver_disappears_for_good() {
    use std::collections::BTreeSet;
    let (mut a, mut b) = configs(addr(A_ADDR), addr(B_ADDR), false);
    let take_video = |c: &mut rtcscope_peer::BundleConfig| {
        let local = c.local_streams.iter().position(|s| s.mid == "1").unwrap();
        let remote = c.remote_streams.iter().position(|s| s.mid == "1").unwrap();
        (
            c.local_streams.remove(local),
            c.remote_streams.remove(remote),
        )
    };
    let (a_video, a_remote_video) = take_video(&mut a);
    let (b_video, b_remote_video) = take_video(&mut b);
    let mut sim = Sim::with_configs(a, b, lossy_link(0.0, Duration::from_millis(10)));
    let (ra, _) = sim.verified_stats();
    // outbound-rtp exists as soon as the sender is configured.
    let out: &RTCOutboundRtpStreamStats = ra
        .get_as(&outbound_rtp_id(MediaKind::Audio, A_AUDIO))
        .unwrap();
    assert_eq!(out.packets_sent, Some(0));
    sim.connect(Duration::from_secs(5));
    let mut i = 0;
    let mut run = |sim: &mut Sim, video: bool, n: u32| {
        for _ in 0..n {
            let now = sim.now;
            sim.a
                .send_rtp(now, A_AUDIO, &payload(A_AUDIO, i, 100), i * 960, false)
                .unwrap();
            if video {
                sim.a
                    .send_rtp(now, A_VIDEO, &payload(A_VIDEO, i, 300), i * 3000, false)
                    .unwrap();
            }
            i += 1;
            sim.run_for(Duration::from_millis(20));
        }
        sim.run_for(Duration::from_millis(1500));
        sim.verified_stats()
    };
    let (ra, rb) = run(&mut sim, false, 50);
    let audio_ids: BTreeSet<String> = ra
        .keys()
        .chain(rb.keys())
        .filter(|k| k.contains(&A_AUDIO.to_string()))
        .map(str::to_string)
        .collect();
    assert_eq!(audio_ids.len(), 4, "{audio_ids:?}"); // OT01A, RIA, IT01A, ROA

    // Add the video transceiver on both sides.
    let now = sim.now;
    assert_eq!(
        sim.a.add_streams(
            &[],
            std::slice::from_ref(&a_video),
            std::slice::from_ref(&a_remote_video)
        ),
        Ok(())
    );
    sim.b
        .add_streams(
            &[],
            std::slice::from_ref(&b_video),
            std::slice::from_ref(&b_remote_video),
        )
        .unwrap();
    // A second m-section with the same mid is refused and changes nothing.
    assert_eq!(
        sim.a.add_streams(&[], std::slice::from_ref(&a_video), &[]),
        Err(rtcscope_peer::ConfigError::MidExists("1".into()))
    );
    let (ra, rb) = run(&mut sim, true, 50);
    for id in &audio_ids {
        assert!(ra.has(id) || rb.has(id), "{id} kept");
    }
    let out: &RTCOutboundRtpStreamStats = ra
        .get_as(&outbound_rtp_id(MediaKind::Audio, A_AUDIO))
        .unwrap();
    assert_eq!(out.packets_sent, Some(100));
    let video_in = inbound_rtp_id(MediaKind::Video, A_VIDEO);
    let inb: &RTCInboundRtpStreamStats = rb.get_as(&video_in).unwrap();
    assert_eq!(inb.packets_received, Some(50));
    assert_eq!(inb.mid.as_deref(), Some("1"));

    // Stop it: its objects disappear (the sequence verifier checks they stay gone).
    assert!(sim.a.remove_mid(now, "1") && sim.b.remove_mid(now, "1"));
    assert!(!sim.a.remove_mid(now, "1"));
    let (ra, rb) = run(&mut sim, false, 10);
    assert!(!rb.has(&video_in) && !ra.has(&outbound_rtp_id(MediaKind::Video, A_VIDEO)));
    assert!(
        ra.keys()
            .chain(rb.keys())
            .all(|k| !k.contains(&A_VIDEO.to_string()))
    );

    // The same SSRCs in a new transceiver are new objects with new ids.
    let mut again = a_video;
    again.mid = "2".into();
    let mut again_remote = a_remote_video;
    again_remote.mid = "2".into();
    let mut b_again = b_video;
    b_again.mid = "2".into();
    let mut b_again_remote = b_remote_video;
    b_again_remote.mid = "2".into();
    sim.a.add_streams(&[], &[again], &[again_remote]).unwrap();
    sim.b
        .add_streams(&[], &[b_again], &[b_again_remote])
        .unwrap();
    let (ra, rb) = run(&mut sim, true, 30);
    let new_in = format!("{video_in}_1");
    let inb: &RTCInboundRtpStreamStats = rb.get_as(&new_in).unwrap();
    assert_eq!(inb.packets_received, Some(30));
    assert_eq!(inb.mid.as_deref(), Some("2"));
    let out: &RTCOutboundRtpStreamStats = ra
        .get_as(&format!("{}_1", outbound_rtp_id(MediaKind::Video, A_VIDEO)))
        .unwrap();
    assert_eq!(out.packets_sent, Some(30));
    assert!(!rb.has(&video_in));
}
