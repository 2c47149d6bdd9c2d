//! Queues are bounded: an application that stops draining loses the
//! excess, counted, instead of growing memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use rtcscope_peer::BundleEvent;

const EVENT_CAP: u64 = 4096;
const TRANSMIT_CAP: u64 = 4096;

#[test]
fn undrained_event_queue_drops_media_and_counts_it() {
    let mut sim = Sim::new(lossy_link(0.0, Duration::ZERO), false);
    sim.connect(Duration::from_secs(5));
    let n = 5000u32;
    for i in 0..n {
        let now = sim.now;
        sim.a
            .send_rtp(now, A_AUDIO, &payload(A_AUDIO, i, 40), i * 960, false)
            .unwrap();
        let t = sim.a.poll_transmit().unwrap();
        let (from, to, bytes) = (t.source, t.destination, t.contents.to_vec());
        // B never calls poll_event.
        sim.b.handle_receive(now, from, to, &bytes);
    }
    let c = sim.b.counters();
    assert_eq!(c.rtp_received, u64::from(n));
    assert_eq!(c.rtp_events_dropped, u64::from(n) - EVENT_CAP);
    let mut delivered = 0;
    while let Some(event) = sim.b.poll_event() {
        if let BundleEvent::Rtp(r) = event {
            assert_eq!(r.payload, payload(A_AUDIO, delivered, 40));
            delivered += 1;
        }
    }
    assert_eq!(u64::from(delivered), EVENT_CAP);
    // Accounting is not affected by the application's backlog.
    let (_, rb) = sim.verified_stats();
    let inb: &rtcscope_stats::RTCInboundRtpStreamStats = rb
        .get_as(&rtcscope_peer::stats::inbound_rtp_id(
            rtcscope_stats::MediaKind::Audio,
            A_AUDIO,
        ))
        .unwrap();
    assert_eq!(inb.packets_received, Some(u64::from(n)));
}

#[test]
fn full_transmit_queue_refuses_media_before_counting_it() {
    let mut sim = Sim::new(lossy_link(0.0, Duration::ZERO), false);
    sim.connect(Duration::from_secs(5));
    let n = 5000u32;
    let now = sim.now;
    let mut refused = 0u64;
    for i in 0..n {
        match sim
            .a
            .send_rtp(now, A_AUDIO, &payload(A_AUDIO, i, 40), i * 960, false)
        {
            Ok(_) => {}
            Err(rtcscope_peer::MediaSendError::QueueFull) => refused += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(refused, u64::from(n) - TRANSMIT_CAP);
    assert_eq!(sim.a.transmit_overflow_dropped(), 0);
    let mut queued = 0;
    while sim.a.poll_transmit().is_some() {
        queued += 1;
    }
    assert_eq!(queued, TRANSMIT_CAP);
    let (ra, _) = sim.verified_stats();
    let out: &rtcscope_stats::RTCOutboundRtpStreamStats = ra
        .get_as(&rtcscope_peer::stats::outbound_rtp_id(
            rtcscope_stats::MediaKind::Audio,
            A_AUDIO,
        ))
        .unwrap();
    assert_eq!(out.packets_sent, Some(TRANSMIT_CAP));
}
