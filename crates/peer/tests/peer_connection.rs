//! Two `RTCPeerConnection`s driven by the tokio driver over real UDP on
//! 127.0.0.1 (no impairment): offer/answer with trickle, every report of
//! both peers through the verifier and the sequence checks, the stats
//! selection algorithm against an independent closure over `*Id` members,
//! renegotiation keeping ids, and a stopped transceiver's objects going for good.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rtcscope_peer::pc_driver::{AsyncRtpSender, CallError, PeerConnectionHandle, spawn};
use rtcscope_peer::{
    MediaStreamTrack, PeerConnectionError, PeerConnectionEvent, RTCConfiguration,
    RTCPeerConnection, RTCPeerConnectionState, RtpReceiver, StatsSelector,
};
use rtcscope_sctp::DataChannelInit;
use rtcscope_stats::verify::{SequenceVerifier, verify_report};
use rtcscope_stats::{EpochClock, MediaKind, RTCOutboundRtpStreamStats, RTCStatsReport};
use serde_json::Value;
use tokio::net::UdpSocket;

#[derive(Default)]
struct Seen {
    states: Vec<RTCPeerConnectionState>,
    tracks: Vec<(RtpReceiver, MediaStreamTrack, String)>,
}

struct Peer {
    pc: PeerConnectionHandle,
    seen: Arc<Mutex<Seen>>,
    verifier: SequenceVerifier,
    /// Every id any report of this peer ever had.
    ids_ever: BTreeSet<String>,
}

async fn peer(seed: u64) -> (Peer, tokio::sync::mpsc::Receiver<PeerConnectionEvent>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = socket.local_addr().unwrap();
    let pc = RTCPeerConnection::new(
        RTCConfiguration::new(vec![local], seed),
        EpochClock::system(),
    )
    .unwrap();
    let (pc, events, _task) = spawn(socket, pc).unwrap();
    (
        Peer {
            pc,
            seen: Arc::default(),
            verifier: SequenceVerifier::new(),
            ids_ever: BTreeSet::new(),
        },
        events,
    )
}

/// Forwards `from`'s trickled candidates to `to` and records the rest.
fn forward(
    mut events: tokio::sync::mpsc::Receiver<PeerConnectionEvent>,
    to: PeerConnectionHandle,
    seen: Arc<Mutex<Seen>>,
) {
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            match e {
                PeerConnectionEvent::IceCandidate(Some(c)) => {
                    // The signalling channel holds candidates that overtake
                    // the offer until the other side has it.
                    for _ in 0..200 {
                        match to.add_ice_candidate(c.clone()).await {
                            Err(CallError::Refused(PeerConnectionError::InvalidState(_))) => {
                                tokio::time::sleep(Duration::from_millis(5)).await;
                            }
                            other => {
                                other.unwrap();
                                break;
                            }
                        }
                    }
                }
                PeerConnectionEvent::ConnectionStateChange(s) => {
                    seen.lock().unwrap().states.push(s)
                }
                PeerConnectionEvent::Track {
                    receiver,
                    track,
                    mid,
                } => seen.lock().unwrap().tracks.push((receiver, track, mid)),
                _ => {}
            }
        }
    });
}

async fn negotiate(offerer: &Peer, answerer: &Peer) {
    let offer = offerer.pc.create_offer().await.unwrap();
    offerer
        .pc
        .set_local_description(offer.clone())
        .await
        .unwrap();
    answerer.pc.set_remote_description(offer).await.unwrap();
    let answer = answerer.pc.create_answer().await.unwrap();
    answerer
        .pc
        .set_local_description(answer.clone())
        .await
        .unwrap();
    offerer.pc.set_remote_description(answer).await.unwrap();
}

impl Peer {
    /// getStats(), checked alone and against this peer's previous report.
    async fn checked_stats(&mut self) -> RTCStatsReport {
        let report = self.pc.get_stats(None).await.unwrap();
        let v = verify_report(&report);
        assert_eq!(v.errors(), 0, "{v:#?}");
        let v = self.verifier.push(&serde_json::to_value(&report).unwrap());
        assert_eq!(v.errors(), 0, "sequence: {v:#?}");
        self.ids_ever.extend(report.keys().map(str::to_string));
        // One report, one sample: every local object has the report's
        // timestamp (remote-* carry the time their RTCP arrived, as Chrome).
        let stamps: BTreeSet<(u64, &str)> = report
            .values()
            .filter(|s| !s.stats_type().as_str().starts_with("remote-"))
            .map(|s| (s.timestamp().to_bits(), s.stats_type().as_str()))
            .collect();
        let distinct: BTreeSet<u64> = stamps.iter().map(|s| s.0).collect();
        assert_eq!(distinct.len(), 1, "{stamps:?}");
        report
    }
}

fn outbound_id(report: &RTCStatsReport, kind: MediaKind, nth: usize) -> Option<String> {
    report
        .all::<RTCOutboundRtpStreamStats>()
        .filter(|o| o.kind() == kind)
        .nth(nth)
        .map(|o| o.id.clone())
}

/// The closure of `root` over every string member named `*Id` (computed on
/// the JSON, independently of `RTCStatsReport::reachable_from`).
fn closure(report: &RTCStatsReport, root: &str) -> BTreeSet<String> {
    let json: HashMap<String, Value> =
        serde_json::from_value(Value::Object(report.to_json_object())).unwrap();
    let mut out = BTreeSet::new();
    let mut todo = vec![root.to_string()];
    while let Some(id) = todo.pop() {
        let Some(Value::Object(obj)) = json.get(&id) else {
            continue;
        };
        if !out.insert(id) {
            continue;
        }
        for (name, value) in obj {
            if name.ends_with("Id")
                && name != "id"
                && let Value::String(target) = value
            {
                todo.push(target.clone());
            }
        }
    }
    out
}

fn keys(report: &RTCStatsReport) -> BTreeSet<String> {
    report.keys().map(str::to_string).collect()
}

async fn run_for(d: Duration) {
    tokio::time::sleep(d).await;
}

async fn connected_pair() -> (Peer, Peer, AsyncRtpSender, AsyncRtpSender) {
    let (offerer, offerer_events) = peer(11).await;
    let (answerer, answerer_events) = peer(12).await;
    forward(offerer_events, answerer.pc.clone(), offerer.seen.clone());
    forward(answerer_events, offerer.pc.clone(), answerer.seen.clone());
    let video = offerer
        .pc
        .add_track(MediaStreamTrack {
            id: "cam".into(),
            kind: MediaKind::Video,
        })
        .await
        .unwrap();
    let audio = offerer
        .pc
        .add_track(MediaStreamTrack {
            id: "mic".into(),
            kind: MediaKind::Audio,
        })
        .await
        .unwrap();
    video.start_synthetic_media().await.unwrap();
    audio.start_synthetic_media().await.unwrap();
    offerer
        .pc
        .create_data_channel(DataChannelInit::new("chat"))
        .await
        .unwrap();
    negotiate(&offerer, &answerer).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let done = [&offerer, &answerer].iter().all(|p| {
            p.seen.lock().unwrap().states.last() == Some(&RTCPeerConnectionState::Connected)
        });
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "not connected over loopback");
        run_for(Duration::from_millis(20)).await;
    }
    (offerer, answerer, video, audio)
}

#[tokio::test]
async fn reports_verify_and_selectors_return_the_reachable_objects() {
    let (mut offerer, mut answerer, video, audio) = connected_pair().await;
    for _ in 0..3 {
        run_for(Duration::from_millis(400)).await;
        offerer.checked_stats().await;
        answerer.checked_stats().await;
    }
    assert_eq!(
        offerer.seen.lock().unwrap().states,
        [
            RTCPeerConnectionState::Connecting,
            RTCPeerConnectionState::Connected
        ]
    );
    let tracks = answerer.seen.lock().unwrap().tracks.clone();
    assert_eq!(tracks.len(), 2, "ontrack for video and audio");

    // One sample: the full report and the selections at the same instant.
    let sender = video.sender;
    let (full, by_sender, by_track) = offerer
        .pc
        .call(move |pc, now| {
            (
                pc.get_stats(now, None).unwrap(),
                sender.get_stats(pc, now).unwrap(),
                pc.get_stats(now, Some(&StatsSelector::Track("cam".into())))
                    .unwrap(),
            )
        })
        .await
        .unwrap();
    let root = outbound_id(&full, MediaKind::Video, 0).unwrap();
    let expected = closure(&full, &root);
    assert_eq!(keys(&by_sender), expected);
    assert_eq!(keys(&by_track), expected);
    // outbound-rtp → codec, transport → pair → candidates, certificates,
    // and remote-inbound-rtp; never the audio stream, data channel or "P".
    let types: BTreeSet<&str> = by_sender
        .values()
        .map(|s| s.stats_type().as_str())
        .collect();
    for t in [
        "outbound-rtp",
        "remote-inbound-rtp",
        "codec",
        "transport",
        "candidate-pair",
        "local-candidate",
        "remote-candidate",
        "certificate",
    ] {
        assert!(types.contains(t), "{t} missing from {types:?}");
    }
    assert!(!by_sender.has("P"));
    assert!(!by_sender.has(&outbound_id(&full, MediaKind::Audio, 0).unwrap()));
    assert_eq!(
        by_sender
            .of_type(rtcscope_stats::RTCStatsType::OutboundRtp)
            .count(),
        1
    );
    assert!(by_sender.len() < full.len());

    // A receiver: from its inbound-rtp.
    let (receiver, track, _) = tracks
        .iter()
        .find(|(_, t, _)| t.kind == MediaKind::Audio)
        .cloned()
        .unwrap();
    let track_id = track.id.clone();
    let (full_b, by_receiver, by_track_b, unknown) = answerer
        .pc
        .call(move |pc, now| {
            (
                pc.get_stats(now, None).unwrap(),
                pc.receiver_stats(now, receiver).unwrap(),
                pc.get_stats(now, Some(&StatsSelector::Track(track_id)))
                    .unwrap(),
                pc.get_stats(now, Some(&StatsSelector::Track("nope".into()))),
            )
        })
        .await
        .unwrap();
    let inbound = by_receiver
        .all::<rtcscope_stats::RTCInboundRtpStreamStats>()
        .next()
        .unwrap();
    assert_eq!(inbound.track_identifier, track.id);
    assert_eq!(keys(&by_receiver), closure(&full_b, &inbound.id));
    assert_eq!(keys(&by_track_b), keys(&by_receiver));
    let receiver_types: Vec<&str> = by_receiver
        .values()
        .map(|s| s.stats_type().as_str())
        .collect();
    assert_eq!(
        receiver_types
            .iter()
            .filter(|t| **t == "inbound-rtp")
            .count(),
        1
    );
    for t in ["codec", "transport", "candidate-pair"] {
        assert!(
            receiver_types.contains(&t),
            "{t} missing: {receiver_types:?}"
        );
    }
    assert!(!receiver_types.contains(&"outbound-rtp") && !receiver_types.contains(&"data-channel"));
    assert!(matches!(
        unknown,
        Err(PeerConnectionError::InvalidAccess(_))
    ));

    // Exact accounting of the synthetic sources: pause, let the 50 ms cache
    // expire, compare.
    offerer
        .pc
        .call(move |pc, _| pc.pause_synthetic_media(audio.sender).unwrap())
        .await
        .unwrap();
    run_for(Duration::from_millis(80)).await;
    let counters = offerer
        .pc
        .call(move |pc, _| pc.synthetic_counters(audio.sender).unwrap())
        .await
        .unwrap();
    assert!(counters.packets_sent > 50, "{counters:?}");
    let report = offerer.pc.get_stats(None).await.unwrap();
    let out: &RTCOutboundRtpStreamStats = report
        .get_as(&outbound_id(&report, MediaKind::Audio, 0).unwrap())
        .unwrap();
    assert_eq!(out.packets_sent, Some(counters.packets_sent));
    assert_eq!(out.bytes_sent, Some(counters.payload_bytes_sent));
}

#[tokio::test]
async fn renegotiation_keeps_ids_and_a_stopped_transceiver_is_gone_for_good() {
    let (mut offerer, mut answerer, _video, audio) = connected_pair().await;
    run_for(Duration::from_millis(500)).await;
    let before_a = offerer.checked_stats().await;
    let before_b = answerer.checked_stats().await;

    // Add a second video track and renegotiate.
    let screen = offerer
        .pc
        .add_track(MediaStreamTrack {
            id: "screen".into(),
            kind: MediaKind::Video,
        })
        .await
        .unwrap();
    screen.start_synthetic_media().await.unwrap();
    negotiate(&offerer, &answerer).await;
    run_for(Duration::from_millis(600)).await;
    let after_a = offerer.checked_stats().await;
    let after_b = answerer.checked_stats().await;
    for (before, after) in [(&before_a, &after_a), (&before_b, &after_b)] {
        let missing: Vec<_> = keys(before).difference(&keys(after)).cloned().collect();
        assert!(missing.is_empty(), "ids lost by renegotiation: {missing:?}");
    }
    assert_eq!(after_a.all::<RTCOutboundRtpStreamStats>().count(), 3);
    let screen_stats = screen.get_stats().await.unwrap();
    assert!(
        screen_stats
            .all::<RTCOutboundRtpStreamStats>()
            .next()
            .unwrap()
            .packets_sent
            .unwrap()
            > 0
    );
    assert_eq!(answerer.seen.lock().unwrap().tracks.len(), 3);

    // Stop the audio transceiver: its objects leave the offerer's report at
    // once, the answerer's after renegotiation, and never come back.
    let audio_out = outbound_id(&after_a, MediaKind::Audio, 0).unwrap();
    let audio_ssrc = &audio_out[5..];
    let audio_ids_a: Vec<String> = keys(&after_a)
        .into_iter()
        .filter(|id| id.ends_with(audio_ssrc) && id.contains('A'))
        .collect();
    assert!(audio_ids_a.len() >= 2, "{audio_ids_a:?}");
    let audio_ids_b: Vec<String> = keys(&after_b)
        .into_iter()
        .filter(|id| id.ends_with(audio_ssrc))
        .collect();
    assert!(!audio_ids_b.is_empty());
    offerer
        .pc
        .call(move |pc, now| pc.stop_transceiver(now, audio.sender.0).unwrap())
        .await
        .unwrap();
    let stopped_a = offerer.checked_stats().await;
    for id in &audio_ids_a {
        assert!(!stopped_a.has(id), "{id} still there after stop");
    }
    assert!(audio.get_stats().await.unwrap().is_empty());
    negotiate(&offerer, &answerer).await;
    for _ in 0..3 {
        run_for(Duration::from_millis(300)).await;
        let a = offerer.checked_stats().await;
        let b = answerer.checked_stats().await;
        for id in &audio_ids_a {
            assert!(!a.has(id), "{id} came back on the offerer");
        }
        for id in &audio_ids_b {
            assert!(!b.has(id), "{id} remains on the answerer");
        }
        // The video streams keep flowing under their ids.
        assert_eq!(a.all::<RTCOutboundRtpStreamStats>().count(), 2);
    }
}

#[tokio::test]
async fn get_stats_in_a_tight_loop_does_not_hold_up_media() {
    let (offerer, _answerer, _video, audio) = connected_pair().await;
    let sent = |pc: &PeerConnectionHandle| {
        let pc = pc.clone();
        async move {
            pc.call(move |pc, _| pc.synthetic_counters(audio.sender).unwrap().packets_sent)
                .await
                .unwrap()
        }
    };
    let before = sent(&offerer.pc).await;
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < Duration::from_secs(1) {
        let report = offerer.pc.get_stats(None).await.unwrap();
        assert!(!report.is_empty());
        calls += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let during = sent(&offerer.pc).await - before;
    // 50 packets/s kept up while the application polled getStats nonstop.
    let expected = 50.0 * elapsed;
    assert!(
        during as f64 >= 0.9 * expected - 2.0,
        "{during} audio packets in {elapsed:.2} s with {calls} getStats calls"
    );
    assert!(calls > 20, "{calls} calls");
}
