//! The steady-state media path (send_rtp → poll_transmit → handle_receive →
//! poll_event) allocates nothing once buffers are pooled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::alloc::System;
use std::time::Duration;

use common::*;
use rtcscope_peer::BundleEvent;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn media_path_does_not_allocate() {
    let mut sim = Sim::new(lossy_link(0.0, Duration::ZERO), false);
    sim.connect(Duration::from_secs(5));
    let payload = payload(A_AUDIO, 0, 160);
    let mut wire = vec![0u8; 2048];
    let mut delivered = 0;
    let round = |sim: &mut Sim, i: u32, wire: &mut [u8]| {
        let now = sim.now;
        sim.a
            .send_rtp(now, A_AUDIO, &payload, i * 960, false)
            .unwrap();
        let t = sim.a.poll_transmit().unwrap();
        let (from, to, len) = (t.source, t.destination, t.contents.len());
        wire[..len].copy_from_slice(t.contents);
        sim.b.handle_receive(now, from, to, &wire[..len]);
        let mut got = 0;
        while let Some(event) = sim.b.poll_event() {
            if let BundleEvent::Rtp(r) = event {
                assert_eq!(r.payload.len(), 160);
                got += 1;
            }
        }
        got
    };
    // Warm up: pools fill, the stream passes probation.
    for i in 0..20 {
        delivered += round(&mut sim, i, &mut wire);
    }
    let region = Region::new(GLOBAL);
    for i in 20..220 {
        delivered += round(&mut sim, i, &mut wire);
    }
    let stats = region.change();
    assert_eq!(delivered, 220);
    println!("{stats:?}");
    assert_eq!(stats.allocations, 0, "{stats:?}");
    assert_eq!(stats.reallocations, 0, "{stats:?}");
}
