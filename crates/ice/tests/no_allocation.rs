//! After warm-up, the per-packet paths (application data both ways, consent checks and
//! their responses) allocate nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;
use std::time::{Duration, Instant};

use rtcscope_ice::{IceAgent, IceConfig, IceEvent, IceTransportState, RemoteCandidate};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Delivers every queued transmit of `from` to `to` (zero delay).
fn shuttle(now: Instant, from: &mut IceAgent, to: &mut IceAgent) {
    while let Some(t) = from.poll_transmit() {
        to.handle_receive(now, t.source, t.destination, t.contents());
    }
}

fn signal(now: Instant, from: &mut IceAgent, to: &mut IceAgent) {
    while let Some(ev) = from.poll_event() {
        match ev {
            IceEvent::LocalCandidate(c) => {
                let c = RemoteCandidate::parse_sdp(&c.to_sdp_attribute()).unwrap();
                to.add_remote_candidate(now, c).unwrap();
            }
            IceEvent::GatheringComplete => to.set_remote_end_of_candidates(now),
            _ => {}
        }
    }
}

#[test]
fn data_and_consent_paths_do_not_allocate() {
    let start = Instant::now();
    let mut now = start;
    let mut a = IceAgent::new(
        IceConfig::new(vec!["10.0.0.1:5000".parse().unwrap()], true, [1; 32]),
        now,
    );
    let mut b = IceAgent::new(
        IceConfig::new(vec!["10.0.0.2:6000".parse().unwrap()], false, [2; 32]),
        now,
    );
    let (ua, pa) = a.local_credentials();
    let (ua, pa) = (ua.to_string(), pa.to_string());
    let (ub, pb) = b.local_credentials();
    let (ub, pb) = (ub.to_string(), pb.to_string());
    a.set_remote_credentials(now, &ub, &pb).unwrap();
    b.set_remote_credentials(now, &ua, &pa).unwrap();
    for _ in 0..200 {
        signal(now, &mut a, &mut b);
        signal(now, &mut b, &mut a);
        shuttle(now, &mut a, &mut b);
        shuttle(now, &mut b, &mut a);
        if a.state() == IceTransportState::Completed && b.state() == IceTransportState::Completed {
            break;
        }
        now = [a.poll_timeout(), b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .unwrap();
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    assert_eq!(a.state(), IceTransportState::Completed);

    let payload = [0x80u8; 1200];
    let one_round = |now: Instant, a: &mut IceAgent, b: &mut IceAgent| {
        for _ in 0..100 {
            let r = a.send_data(now, &payload).unwrap();
            b.handle_receive(now, r.source, r.destination, &payload);
            let r = b.send_data(now, &payload).unwrap();
            a.handle_receive(now, r.source, r.destination, &payload);
        }
        // Let a consent check run (every 4-6 s) and be answered.
        let next = a.poll_timeout().unwrap();
        a.handle_timeout(next);
        b.handle_timeout(next);
        shuttle(next, a, b);
        shuttle(next, b, a);
        next
    };
    // Warm-up: queues and tables reach their working size.
    for _ in 0..5 {
        now = one_round(now, &mut a, &mut b);
    }
    let consent_before = a.stats().pairs[0].counters.consent_requests_sent;

    // The counter is process-wide, so the test harness's own threads can show up in a
    // region. The agents are deterministic (fixed seeds), so an allocation of ours would
    // appear in every measured region: one clean region out of three proves there is none.
    let mut changes = Vec::new();
    for _ in 0..3 {
        let region = Region::new(GLOBAL);
        for _ in 0..5 {
            now = one_round(now, &mut a, &mut b);
        }
        let change = region.change();
        changes.push((change.allocations, change.reallocations));
        if change.allocations == 0 && change.reallocations == 0 {
            break;
        }
    }
    assert_eq!(changes.last(), Some(&(0, 0)), "{changes:?}");

    let after = a.stats().pairs[0].counters.clone();
    assert!(
        after.consent_requests_sent > consent_before,
        "consent checks ran in the region"
    );
    assert!(after.data_packets_sent >= 1000);
    assert_eq!(a.state(), IceTransportState::Completed);
    assert!(now - start > Duration::from_secs(20));
}
