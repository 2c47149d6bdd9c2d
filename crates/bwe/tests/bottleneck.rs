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
