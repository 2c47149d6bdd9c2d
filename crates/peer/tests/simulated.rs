//! Two `RTCPeerConnection`s on simulated time over a netsim path (5 % loss,
//! 40 ms one-way): the stats equal what the link did, exactly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtcscope_netsim::{LinkConfig, LossModel, Path, Side};
use rtcscope_peer::demux::{DatagramKind, classify};
use rtcscope_peer::{
    DataChannelId, MediaStreamTrack, PeerConnectionEvent, RTCConfiguration, RTCPeerConnection,
    RTCPeerConnectionState, RtpSender,
};
use rtcscope_sctp::DataChannelInit;
use rtcscope_stats::verify::{SequenceVerifier, verify_report};
use rtcscope_stats::{
    EpochClock, MediaKind, RTCInboundRtpStreamStats, RTCOutboundRtpStreamStats,
    RTCRemoteInboundRtpStreamStats,
};

struct Net {
    now: Instant,
    a: RTCPeerConnection,
    b: RTCPeerConnection,
    path: Path<(SocketAddr, SocketAddr, Vec<u8>)>,
    /// (ssrc, dropped) of every SRTP packet A sent.
    wire: Vec<(u32, bool)>,
    messages_at_b: usize,
    last_message_at_b: Option<rtcscope_sctp::DataChannelMessage>,
    /// DataChannelClose events at [A, B].
    closes: [usize; 2],
}

impl Net {
    fn step_events(&mut self) {
        let now = self.now;
        while let Some(e) = self.a.poll_event() {
            match e {
                PeerConnectionEvent::IceCandidate(Some(c)) => {
                    self.b.add_ice_candidate(now, &c).unwrap();
                }
                PeerConnectionEvent::DataChannelClose { .. } => self.closes[0] += 1,
                _ => {}
            }
        }
        while let Some(e) = self.b.poll_event() {
            match e {
                PeerConnectionEvent::IceCandidate(Some(c)) => {
                    self.a.add_ice_candidate(now, &c).unwrap();
                }
                PeerConnectionEvent::DataChannelMessage { message, .. } => {
                    self.messages_at_b += 1;
                    self.last_message_at_b = Some(message);
                }
                PeerConnectionEvent::DataChannelClose { .. } => self.closes[1] += 1,
                _ => {}
            }
        }
    }

    fn flush(&mut self) {
        for side in [Side::A, Side::B] {
            let pc = match side {
                Side::A => &mut self.a,
                Side::B => &mut self.b,
            };
            while let Some(t) = pc.poll_transmit() {
                let bytes = t.contents.to_vec();
                let rtp_ssrc = (side == Side::A && classify(&bytes) == DatagramKind::Rtp)
                    .then(|| u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]));
                let len = bytes.len();
                let verdict =
                    self.path
                        .link_from(side)
                        .send(self.now, (t.source, t.destination, bytes), len);
                if let Some(ssrc) = rtp_ssrc {
                    self.wire.push((ssrc, verdict.is_dropped()));
                }
            }
        }
    }

    fn run_until(&mut self, until: Instant) {
        loop {
            self.flush();
            while let Some((side, (from, to, bytes))) = self.path.poll_receive(self.now) {
                match side {
                    Side::A => self.a.handle_receive(self.now, from, to, &bytes),
                    Side::B => self.b.handle_receive(self.now, from, to, &bytes),
                }
            }
            self.step_events();
            self.flush();
            let next = [
                self.a.poll_timeout(),
                self.b.poll_timeout(),
                self.path.next_delivery(),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(until)
            .max(self.now);
            if next > until {
                self.now = until;
                return;
            }
            self.now = next;
            self.a.handle_timeout(self.now);
            self.b.handle_timeout(self.now);
        }
    }
}

fn pc(addr: &str, seed: u64, clock: EpochClock) -> RTCPeerConnection {
    RTCPeerConnection::new(
        RTCConfiguration::new(vec![addr.parse().unwrap()], seed),
        clock,
    )
    .unwrap()
}

/// A connected pair over `link`: A offers video, audio and a data channel.
fn setup_with(
    link: LinkConfig,
    channel: bool,
) -> (Net, RtpSender, RtpSender, Option<DataChannelId>) {
    let clock = EpochClock::new(Instant::now(), 1_800_000_000_000.0);
    let t0 = clock.anchor();
    let mut a = pc("10.0.0.1:5000", 1, clock);
    let mut b = pc("10.0.0.2:6000", 2, clock);
    let video = a
        .add_track(MediaStreamTrack {
            id: "cam".into(),
            kind: MediaKind::Video,
        })
        .unwrap();
    let audio = a
        .add_track(MediaStreamTrack {
            id: "mic".into(),
            kind: MediaKind::Audio,
        })
        .unwrap();
    a.start_synthetic_media(video).unwrap();
    a.start_synthetic_media(audio).unwrap();
    let chat = channel.then(|| {
        a.create_data_channel(t0, DataChannelInit::new("chat"))
            .unwrap()
    });
    let offer = a.create_offer(t0).unwrap();
    a.set_local_description(t0, &offer).unwrap();
    b.set_remote_description(t0, &offer).unwrap();
    let answer = b.create_answer(t0).unwrap();
    b.set_local_description(t0, &answer).unwrap();
    a.set_remote_description(t0, &answer).unwrap();
    let net = Net {
        now: t0,
        a,
        b,
        path: Path::symmetric(link, 3).unwrap(),
        wire: Vec::new(),
        messages_at_b: 0,
        last_message_at_b: None,
        closes: [0, 0],
    };
    (net, video, audio, chat)
}

fn setup(link: LinkConfig) -> (Net, RtpSender, RtpSender, DataChannelId) {
    let (net, video, audio, chat) = setup_with(link, true);
    (net, video, audio, chat.unwrap())
}

#[test]
fn stats_equal_what_the_simulated_link_did() {
    let link = LinkConfig {
        loss: LossModel::Bernoulli { p: 0.05 },
        delay: Duration::from_millis(40),
        queue_bytes: 1 << 20,
        ..LinkConfig::default()
    };
    let (mut net, video, audio, chat) = setup(link);
    let t0 = net.now;
    let mut verifiers = [SequenceVerifier::new(), SequenceVerifier::new()];
    let mut sent_messages = 0;
    for tick in 1..=30 {
        let at = t0 + Duration::from_millis(200 * tick);
        net.run_until(at);
        if net.a.is_data_channel_open(chat) {
            net.a.send_text(at, chat, "hello").unwrap();
            sent_messages += 1;
        }
        if tick % 5 == 0 {
            for (i, pc) in [&mut net.a, &mut net.b].into_iter().enumerate() {
                let report = pc.get_stats(at, None).unwrap();
                let v = verify_report(&report);
                assert_eq!(v.errors(), 0, "{v:#?}");
                let v = verifiers[i].push(&serde_json::to_value(&report).unwrap());
                assert_eq!(v.errors(), 0, "{v:#?}");
            }
        }
    }
    assert_eq!(net.a.connection_state(), RTCPeerConnectionState::Connected);
    // Stop the sources and let everything in flight land (and RTCP report it).
    net.a.pause_synthetic_media(video).unwrap();
    net.a.pause_synthetic_media(audio).unwrap();
    let end = net.now + Duration::from_secs(3);
    net.run_until(end);

    let ra = net.a.get_stats(end, None).unwrap();
    let rb = net.b.get_stats(end, None).unwrap();
    for (sender, kind) in [(audio, MediaKind::Audio), (video, MediaKind::Video)] {
        let (ssrc, _) = net.a.sender_ssrcs(sender).unwrap();
        let counters = net.a.synthetic_counters(sender).unwrap();
        let out = ra
            .all::<RTCOutboundRtpStreamStats>()
            .find(|o| o.ssrc == ssrc)
            .unwrap();
        assert_eq!(out.kind(), kind);
        assert_eq!(out.packets_sent, Some(counters.packets_sent));
        assert_eq!(out.bytes_sent, Some(counters.payload_bytes_sent));
        let on_wire: Vec<bool> = net
            .wire
            .iter()
            .filter(|w| w.0 == ssrc)
            .map(|w| w.1)
            .collect();
        assert_eq!(on_wire.len() as u64, counters.packets_sent);
        let dropped = on_wire.iter().filter(|d| **d).count() as i64;
        let inbound = rb
            .all::<RTCInboundRtpStreamStats>()
            .find(|i| i.ssrc == ssrc)
            .unwrap();
        assert_eq!(
            inbound.packets_received,
            Some(counters.packets_sent - dropped as u64)
        );
        // RFC 3550 counts loss between the first and the highest packet
        // received: drops before or after are invisible to the receiver.
        let first = on_wire.iter().position(|d| !*d).unwrap();
        let last = on_wire.iter().rposition(|d| !*d).unwrap();
        let visible = on_wire[first..=last].iter().filter(|d| **d).count() as i64;
        assert_eq!(inbound.packets_lost, Some(visible));
        assert!(
            visible > 0,
            "{kind:?}: 5 % of {} packets",
            counters.packets_sent
        );
        // RTT from the answerer's receiver reports: 2 × 40 ms (RTCP's
        // 1/65536 s resolution).
        let remote: &RTCRemoteInboundRtpStreamStats =
            ra.get_as(out.remote_id.as_deref().unwrap()).unwrap();
        let rtt = remote.round_trip_time.unwrap();
        assert!((rtt - 0.080).abs() < 0.001, "{kind:?} rtt {rtt}");
        assert_eq!(remote.packets_lost, Some(visible));
    }
    assert_eq!(net.messages_at_b, sent_messages);
    assert!(sent_messages > 20);
}

#[test]
fn the_answerer_renegotiates_to_send_back_and_ids_stay() {
    let link = LinkConfig {
        delay: Duration::from_millis(10),
        ..LinkConfig::default()
    };
    let (mut net, _video, _audio, _chat) = setup(link);
    net.run_until(net.now + Duration::from_secs(1));
    let t = net.now;
    let before = net.a.get_stats(t, None).unwrap();
    let reply = net
        .b
        .add_track(MediaStreamTrack {
            id: "reply".into(),
            kind: MediaKind::Audio,
        })
        .unwrap();
    net.b.start_synthetic_media(reply).unwrap();
    let offer = net.b.create_offer(t).unwrap();
    net.b.set_local_description(t, &offer).unwrap();
    net.a.set_remote_description(t, &offer).unwrap();
    let answer = net.a.create_answer(t).unwrap();
    // A is the DTLS server and stays one: passive, not active.
    assert!(answer.sdp.contains("a=setup:passive"), "{}", answer.sdp);
    assert!(!answer.sdp.contains("a=setup:active"));
    net.a.set_local_description(t, &answer).unwrap();
    net.b.set_remote_description(t, &answer).unwrap();
    net.run_until(t + Duration::from_secs(2));
    let after = net.a.get_stats(net.now, None).unwrap();
    for id in before.keys() {
        assert!(after.has(id), "{id} lost by the answerer's renegotiation");
    }
    let (reply_ssrc, _) = net.b.sender_ssrcs(reply).unwrap();
    let inbound = after
        .all::<RTCInboundRtpStreamStats>()
        .find(|i| i.ssrc == reply_ssrc)
        .unwrap();
    let sent = net.b.synthetic_counters(reply).unwrap().packets_sent;
    // Lossless link, 10 ms: everything but the last 10 ms arrived.
    assert!(sent > 80);
    assert!(inbound.packets_received.unwrap() + 1 >= sent, "{sent} sent");
    assert_eq!(inbound.packets_lost, Some(0));
    let v = verify_report(&after);
    assert_eq!(v.errors(), 0, "{v:#?}");
}

#[test]
fn a_data_channel_added_by_renegotiation_opens_over_the_running_dtls() {
    let link = LinkConfig {
        delay: Duration::from_millis(10),
        ..LinkConfig::default()
    };
    let (mut net, _video, _audio, none) = setup_with(link, false);
    assert!(none.is_none());
    net.run_until(net.now + Duration::from_secs(1));
    let t = net.now;
    assert!(net.a.transport().unwrap().is_media_ready());
    assert!(net.a.transport().unwrap().sctp().is_none());
    let chat = net
        .a
        .create_data_channel(t, DataChannelInit::new("late"))
        .unwrap();
    let offer = net.a.create_offer(t).unwrap();
    assert!(offer.sdp.contains("m=application"));
    net.a.set_local_description(t, &offer).unwrap();
    net.b.set_remote_description(t, &offer).unwrap();
    let answer = net.b.create_answer(t).unwrap();
    net.b.set_local_description(t, &answer).unwrap();
    net.a.set_remote_description(t, &answer).unwrap();
    net.run_until(t + Duration::from_secs(1));
    assert!(net.a.is_data_channel_open(chat));
    net.a.send_text(net.now, chat, "late hello").unwrap();
    net.run_until(net.now + Duration::from_millis(200));
    assert_eq!(net.messages_at_b, 1);
    let report = net.a.get_stats(net.now, None).unwrap();
    let v = verify_report(&report);
    assert_eq!(v.errors(), 0, "{v:#?}");
    assert_eq!(
        report
            .of_type(rtcscope_stats::RTCStatsType::DataChannel)
            .count(),
        1
    );
}

#[test]
fn restart_ice_renegotiates_credentials_and_media_keeps_flowing() {
    let link = LinkConfig {
        delay: Duration::from_millis(10),
        ..LinkConfig::default()
    };
    let (mut net, _video, audio, _chat) = setup(link);
    net.run_until(net.now + Duration::from_secs(1));
    let t = net.now;
    let old_a = net
        .a
        .transport()
        .unwrap()
        .local_ice_credentials()
        .0
        .to_string();
    let old_b = net
        .b
        .transport()
        .unwrap()
        .local_ice_credentials()
        .0
        .to_string();
    net.a.restart_ice();
    let offer = net.a.create_offer(t).unwrap();
    let new_a = net
        .a
        .transport()
        .unwrap()
        .local_ice_credentials()
        .0
        .to_string();
    assert_ne!(new_a, old_a);
    assert!(offer.sdp.contains(&format!("a=ice-ufrag:{new_a}")));
    net.a.set_local_description(t, &offer).unwrap();
    net.b.set_remote_description(t, &offer).unwrap();
    let answer = net.b.create_answer(t).unwrap();
    let new_b = net
        .b
        .transport()
        .unwrap()
        .local_ice_credentials()
        .0
        .to_string();
    assert_ne!(new_b, old_b, "the answerer restarts too");
    assert!(answer.sdp.contains(&format!("a=ice-ufrag:{new_b}")));
    net.b.set_local_description(t, &answer).unwrap();
    net.a.set_remote_description(t, &answer).unwrap();
    let (ssrc, _) = net.a.sender_ssrcs(audio).unwrap();
    let received = |net: &mut Net| {
        let now = net.now;
        net.b
            .get_stats(now + Duration::from_millis(60), None)
            .unwrap()
            .all::<RTCInboundRtpStreamStats>()
            .find(|i| i.ssrc == ssrc)
            .unwrap()
            .packets_received
            .unwrap()
    };
    let before = received(&mut net);
    net.run_until(t + Duration::from_secs(3));
    let after = received(&mut net);
    assert!(
        after >= before + 140,
        "{before} → {after} audio packets over 3 s"
    );
    assert_eq!(net.a.connection_state(), RTCPeerConnectionState::Connected);
    let report = net
        .a
        .get_stats(net.now + Duration::from_millis(60), None)
        .unwrap();
    let v = verify_report(&report);
    assert_eq!(v.errors(), 0, "{v:#?}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["T01"]["iceLocalUsernameFragment"],
        serde_json::json!(new_a)
    );
}
