//! The peer connection's per-packet paths allocate nothing in steady state:
//! synthetic media out (handle_timeout → send_rtp → poll_transmit) and media
//! in (handle_receive → event pump).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtcscope_netsim::Side;
use rtcscope_peer::demux::{DatagramKind, classify};
use rtcscope_peer::{MediaStreamTrack, PeerConnectionEvent, RTCConfiguration, RTCPeerConnection};
use rtcscope_stats::{EpochClock, MediaKind};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

type Wire = VecDeque<(SocketAddr, SocketAddr, Vec<u8>)>;

fn pc(addr: &str, seed: u64, clock: EpochClock) -> RTCPeerConnection {
    RTCPeerConnection::new(
        RTCConfiguration::new(vec![addr.parse().unwrap()], seed),
        clock,
    )
    .unwrap()
}

fn exchange_events(now: Instant, a: &mut RTCPeerConnection, b: &mut RTCPeerConnection) {
    while let Some(e) = a.poll_event() {
        if let PeerConnectionEvent::IceCandidate(Some(c)) = e {
            b.add_ice_candidate(now, &c).unwrap();
        }
    }
    while let Some(e) = b.poll_event() {
        if let PeerConnectionEvent::IceCandidate(Some(c)) = e {
            a.add_ice_candidate(now, &c).unwrap();
        }
    }
}

fn collect(pc: &mut RTCPeerConnection, wire: &mut Wire) {
    while let Some(t) = pc.poll_transmit() {
        wire.push_back((t.source, t.destination, t.contents.to_vec()));
    }
}

#[test]
fn media_paths_do_not_allocate() {
    let clock = EpochClock::new(Instant::now(), 1_800_000_000_000.0);
    let mut now = clock.anchor();
    let mut a = pc("10.0.0.1:5000", 1, clock);
    let mut b = pc("10.0.0.2:6000", 2, clock);
    let video = a
        .add_track(MediaStreamTrack {
            id: "v".into(),
            kind: MediaKind::Video,
        })
        .unwrap();
    let audio = a
        .add_track(MediaStreamTrack {
            id: "a".into(),
            kind: MediaKind::Audio,
        })
        .unwrap();
    a.start_synthetic_media(video).unwrap();
    a.start_synthetic_media(audio).unwrap();
    a.create_data_channel(now, rtcscope_sctp::DataChannelInit::new("x"))
        .unwrap();
    let offer = a.create_offer(now).unwrap();
    a.set_local_description(now, &offer).unwrap();
    b.set_remote_description(now, &offer).unwrap();
    let answer = b.create_answer(now).unwrap();
    b.set_local_description(now, &answer).unwrap();
    a.set_remote_description(now, &answer).unwrap();

    // Connect and warm up for 2 s of simulated time over a 5 ms netsim path.
    let mut path: rtcscope_netsim::Path<(SocketAddr, SocketAddr, Vec<u8>)> =
        rtcscope_netsim::Path::symmetric(
            rtcscope_netsim::LinkConfig {
                delay: Duration::from_millis(5),
                ..Default::default()
            },
            1,
        )
        .unwrap();
    let (mut to_b, mut to_a): (Wire, Wire) = (VecDeque::new(), VecDeque::new());
    let end = now + Duration::from_secs(2);
    while now < end {
        exchange_events(now, &mut a, &mut b);
        collect(&mut a, &mut to_b);
        collect(&mut b, &mut to_a);
        for (side, q) in [(Side::A, &mut to_b), (Side::B, &mut to_a)] {
            while let Some(d) = q.pop_front() {
                let len = d.2.len();
                path.link_from(side).send(now, d, len);
            }
        }
        while let Some((side, (f, t, d))) = path.poll_receive(now) {
            match side {
                Side::A => a.handle_receive(now, f, t, &d),
                Side::B => b.handle_receive(now, f, t, &d),
            }
        }
        exchange_events(now, &mut a, &mut b);
        collect(&mut a, &mut to_b);
        collect(&mut b, &mut to_a);
        if !to_a.is_empty() || !to_b.is_empty() {
            continue;
        }
        let next = [a.poll_timeout(), b.poll_timeout(), path.next_delivery()]
            .into_iter()
            .flatten()
            .min()
            .unwrap()
            .max(now);
        now = next;
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    assert!(
        b.counters().0 > 50,
        "media flows: {:?} {:?} {:?} {:?} {:?}",
        b.counters(),
        a.connection_state(),
        a.ice_connection_state(),
        b.connection_state(),
        a.transport().map(|t| (
            t.is_media_ready(),
            t.counters(),
            t.dtls().map(|d| d.state())
        ))
    );

    // Send path: steps where only a synthetic source is due.
    let mut scratch = vec![0u8; 2048];
    let mut send_allocs = 0;
    let mut measured = 0;
    for _ in 0..300 {
        let next = a.poll_timeout().unwrap();
        let transport_due = a.transport().unwrap().poll_timeout().unwrap();
        let quiet = next < transport_due;
        now = next;
        let region = Region::new(GLOBAL);
        a.handle_timeout(now);
        let mut sent = 0;
        while let Some(t) = a.poll_transmit() {
            let len = t.contents.len();
            scratch[..len].copy_from_slice(t.contents);
            sent += 1;
        }
        let change = region.change();
        if quiet && sent > 0 {
            send_allocs += change.allocations + change.reallocations;
            measured += 1;
        }
        b.handle_timeout(now);
        collect(&mut b, &mut to_a);
        while let Some((f, t, d)) = to_a.pop_front() {
            a.handle_receive(now, f, t, &d);
        }
    }
    assert!(measured > 100, "{measured} quiet steps");
    assert_eq!(send_allocs, 0, "allocations on the send path");

    // Receive path: fresh SRTP packets from A into B.
    let mut fresh: Wire = VecDeque::new();
    for _ in 0..100 {
        now = a.poll_timeout().unwrap();
        a.handle_timeout(now);
        collect(&mut a, &mut fresh);
    }
    let rtp: Vec<_> = fresh
        .into_iter()
        .filter(|d| classify(&d.2) == DatagramKind::Rtp)
        .collect();
    assert!(rtp.len() > 100);
    let before = b.counters().0;
    let region = Region::new(GLOBAL);
    for (f, t, d) in &rtp {
        b.handle_receive(now, *f, *t, d);
        while b.poll_event().is_some() {}
    }
    let change = region.change();
    assert_eq!(b.counters().0 - before, rtp.len() as u64);
    assert_eq!(change.allocations + change.reallocations, 0, "{change:?}");
}
