//! The estimator on simulated bottlenecks (netsim, simulated time).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Sim, link};

const BOTTLENECK: u64 = 300_000;

fn within(v: u64, centre: u64, tolerance: f64) -> bool {
    let c = centre as f64;
    (v as f64) >= c * (1.0 - tolerance) && (v as f64) <= c * (1.0 + tolerance)
}

fn converges_to_300k_from(start_bps: u64) {
    let mut sim = Sim::new(link(Some(BOTTLENECK), 0.0, 30_000), start_bps, 7);
    sim.run_for(Duration::from_secs(40));
    sim.print_series(&format!("300 kbit/s bottleneck, start {start_bps}"));
    let settled = sim.targets_between(20.0, 40.0);
    assert!(settled.len() >= 39);
    for (i, &t) in settled.iter().enumerate() {
        assert!(
            within(t, BOTTLENECK, 0.30),
            "sample {i} after 20 s: {t} bit/s is not within ±30 % of 300 kbit/s"
        );
    }
    println!("final {:?}", sim.snapshot());
}

#[test]
fn bottleneck_300k_from_above_converges_within_30_percent() {
    converges_to_300k_from(1_000_000);
}

#[test]
fn bottleneck_300k_from_below_converges_within_30_percent() {
    converges_to_300k_from(100_000);
}

#[test]
fn step_down_from_1_mbit_to_300k_is_followed_within_a_few_seconds() {
    let mut sim = Sim::new(link(Some(1_000_000), 0.0, 100_000), 300_000, 11);
    sim.run_for(Duration::from_secs(30));
    let before = sim.bwe.target_bitrate_bps();
    sim.change_forward(link(Some(BOTTLENECK), 0.0, 30_000), 12);
    sim.run_for(Duration::from_secs(25));
    sim.print_series("1 Mbit/s for 30 s, then 300 kbit/s");
    // Before the step the estimate had found the 1 Mbit/s link.
    let last_5s_before = sim.targets_between(25.0, 30.0);
    assert!(
        last_5s_before.iter().all(|&t| within(t, 1_000_000, 0.30)),
        "at 1 Mbit/s: {last_5s_before:?}"
    );
    assert!(before > 700_000);
    // Within 3 s after the step the target is at most 1.3 × 300 kbit/s...
    let after = sim.targets_between(33.0, 55.0);
    assert!(
        after.iter().all(|&t| t <= 390_000),
        "not followed within 3 s: {:?}",
        sim.targets_between(30.0, 34.0)
    );
    // ...and from 8 s after the step it stays within ±30 %.
    for &t in &sim.targets_between(38.0, 55.0) {
        assert!(within(t, BOTTLENECK, 0.30), "{t}");
    }
}

#[test]
fn random_5_percent_loss_on_a_fast_link_neither_runs_away_nor_collapses() {
    let start = 500_000;
    let mut lossy = Sim::new(link(None, 0.05, 0), start, 21);
    lossy.run_for(Duration::from_secs(30));
    lossy.print_series("unconstrained link, 5 % random loss");
    // Control: the same link without loss lets the estimate grow (8 %/s).
    let mut clean = Sim::new(link(None, 0.0, 0), start, 21);
    clean.run_for(Duration::from_secs(30));
    clean.print_series("unconstrained link, no loss");
    let clean_final = clean.bwe.target_bitrate_bps();
    assert!(
        clean_final > 3 * start,
        "control run only reached {clean_final}"
    );

    let targets = lossy.targets_between(0.0, 30.0);
    let max = *targets.iter().max().unwrap();
    let min = *targets.iter().min().unwrap();
    let last = lossy.bwe.target_bitrate_bps();
    println!(
        "5 % loss: min {min} max {max} final {last}; fraction {}",
        lossy.snapshot().fraction_lost
    );
    assert!(max <= 2 * start, "ran away to {max}");
    assert!(min >= start * 6 / 10, "collapsed to {min}");
    assert!(last >= start * 6 / 10 && last <= 2 * start, "{last}");
}

#[test]
fn random_20_percent_loss_drives_the_estimate_down() {
    let start = 1_000_000;
    let mut sim = Sim::new(link(None, 0.20, 0), start, 31);
    sim.run_for(Duration::from_secs(20));
    sim.print_series("unconstrained link, 20 % random loss");
    let snap = sim.snapshot();
    println!("{snap:?}");
    assert!(
        (snap.fraction_lost - 0.2).abs() < 0.08,
        "{}",
        snap.fraction_lost
    );
    // Each 10 % cut comes at most every 300 ms + RTT: far below the start
    // within 20 s, and never above it.
    assert!(snap.target_bps < start / 4, "{}", snap.target_bps);
    assert!(sim.targets_between(0.0, 20.0).iter().all(|&t| t <= start));
    // Monotone decrease after the first 100 packets: no growth at 20 % loss.
    let series = sim.targets_between(2.0, 20.0);
    assert!(series.windows(2).all(|w| w[1] <= w[0]), "{series:?}");
}

/// A TWCC feedback datagram with the given statuses.
fn twcc(base: u16, packets: &[Option<i32>]) -> Vec<u8> {
    use rtcscope_rtp::rtcp::{RtcpBuild, TransportCcBuilder};
    let b = TransportCcBuilder {
        sender_ssrc: 66,
        media_ssrc: 66,
        base_sequence: base,
        reference_time: 0x00AB_CDEF,
        fb_pkt_count: 200,
        packets,
    };
    let mut out = vec![0; b.encoded_len().unwrap()];
    b.write(&mut out).unwrap();
    out
}

#[test]
fn hostile_feedback_mixed_into_the_real_feedback_is_ignored_and_counted() {
    let mut sim = Sim::new(link(Some(BOTTLENECK), 0.0, 30_000), 1_000_000, 7);
    let garbage = vec![0x5Au8; 64];
    let huge = twcc(0, &vec![None; 65_535]);
    let mut rounds = 0u64;
    // 30 s of real feedback, each accompanied by the hostile set; then
    // 10 s more so every injected datagram is delivered.
    while sim.secs() < 30.0 {
        // Sequence numbers the sender has not used yet (10 000 ahead).
        let sent = sim.bwe.counters().packets_sent;
        let ahead = twcc((sent as u16).wrapping_add(10_000), &[Some(8); 30]);
        sim.injected = vec![garbage.clone(), huge.clone(), ahead];
        sim.run_for(Duration::from_millis(50));
        rounds += 1;
    }
    sim.run_for(Duration::from_secs(10));
    sim.print_series("300 kbit/s bottleneck with hostile feedback");
    let c = sim.bwe.counters();
    println!("{c:?}, {rounds} rounds");
    // Every feedback poll in a 50 ms round carried the set once (the
    // receiver's first poll comes 50 ms after the first packet).
    assert!(rounds >= 590);
    assert!(c.rtcp_malformed >= rounds - 2 && c.rtcp_malformed <= rounds);
    assert_eq!(c.feedback_too_many_statuses, c.rtcp_malformed);
    assert_eq!(c.feedback_no_known_packets, c.rtcp_malformed);
    assert_eq!(c.unknown_statuses, 30 * c.rtcp_malformed);
    for &t in &sim.targets_between(20.0, 40.0) {
        assert!(within(t, BOTTLENECK, 0.30), "{t}");
    }
}

#[test]
fn bottleneck_300k_with_10_ms_jitter_still_converges() {
    // Jitter reorders packets and adds delay noise the trendline must
    // smooth out rather than read as overuse.
    let mut config = link(Some(BOTTLENECK), 0.0, 30_000);
    config.jitter = Duration::from_millis(10);
    let mut sim = Sim::new(config, 1_000_000, 41);
    sim.run_for(Duration::from_secs(40));
    sim.print_series("300 kbit/s bottleneck, 0-10 ms jitter");
    for &t in &sim.targets_between(20.0, 40.0) {
        assert!(within(t, BOTTLENECK, 0.30), "{t}");
    }
}

#[test]
fn bulk_sender_paced_at_the_target_converges_to_300k() {
    // The literal "always has data" sender: a full pacer queue released at
    // exactly the target (pacing factor 1).
    let mut sim = Sim::new_bulk(link(Some(BOTTLENECK), 0.0, 30_000), 1_000_000, 51);
    sim.run_for(Duration::from_secs(40));
    sim.print_series("bulk sender, 300 kbit/s bottleneck");
    for &t in &sim.targets_between(20.0, 40.0) {
        assert!(within(t, BOTTLENECK, 0.30), "{t}");
    }
}

#[test]
fn lost_feedback_on_the_return_path_does_not_stop_convergence() {
    // 10 % of the feedback datagrams are lost: the packets they described
    // are never reported (neither received nor lost) and the estimator
    // works from the rest.
    let back = link(None, 0.10, 0);
    let mut sim = Sim::with_return_link(link(Some(BOTTLENECK), 0.0, 30_000), back, 1_000_000, 61);
    sim.run_for(Duration::from_secs(40));
    sim.print_series("300 kbit/s bottleneck, 10 % feedback loss");
    assert_eq!(
        sim.snapshot().fraction_lost,
        0.0,
        "lost feedback is not media loss"
    );
    for &t in &sim.targets_between(20.0, 40.0) {
        assert!(within(t, BOTTLENECK, 0.30), "{t}");
    }
}

fn probing(start_bps: u64) -> rtcscope_bwe::BweConfig {
    rtcscope_bwe::BweConfig {
        start_bitrate_bps: start_bps,
        probing: true,
        ..rtcscope_bwe::BweConfig::default()
    }
}

fn return_link() -> rtcscope_netsim::LinkConfig {
    link(None, 0.0, 0)
}

#[test]
fn probing_finds_a_5_mbit_link_within_seconds() {
    let mut sim = Sim::with_config(
        link(Some(5_000_000), 0.0, 100_000),
        return_link(),
        probing(300_000),
        71,
    );
    sim.run_for(Duration::from_secs(20));
    sim.print_series("5 Mbit/s link, probing from 300 kbit/s");
    println!(
        "{:?} padding {:?}",
        sim.bwe.counters(),
        sim.pacer.counters()
    );
    assert!(sim.bwe.counters().probe_results >= 3);
    assert!(sim.pacer.counters().padding_packets > 0);
    // Without probing the target would still be near 300 × 1.08^t kbit/s
    // (≈ 350 kbit/s at 2 s); with it, above 2 Mbit/s from 1 s on...
    let early = sim.targets_between(1.0, 5.0);
    assert!(early.iter().all(|&t| t >= 2_000_000), "{early:?}");
    // ...and never above the link for long: after the first overuse the
    // additive increase approaches 5 Mbit/s from below.
    for &t in &sim.targets_between(5.0, 20.0) {
        assert!((3_000_000..=5_500_000).contains(&t), "{t}");
    }
}

#[test]
fn probing_on_a_300k_bottleneck_converges_sooner() {
    let mut sim = Sim::with_config(
        link(Some(BOTTLENECK), 0.0, 30_000),
        return_link(),
        probing(100_000),
        72,
    );
    sim.run_for(Duration::from_secs(40));
    sim.print_series("300 kbit/s bottleneck, probing from 100 kbit/s");
    for &t in &sim.targets_between(5.0, 40.0) {
        assert!(within(t, BOTTLENECK, 0.30), "{t}");
    }
}
