//! Two agents on the simulated network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{A_ADDR, B_ADDR, Sim, addr, config};
use rtcscope_ice::stun::Class;
use rtcscope_ice::{IceEvent, IceRole, IceTransportState, NominationMode, PairState, Received};
use rtcscope_netsim::{LinkConfig, Side};

fn delay(ms: u64) -> LinkConfig {
    LinkConfig {
        delay: Duration::from_millis(ms),
        ..LinkConfig::default()
    }
}

#[test]
fn two_agents_walk_the_states_in_rfc_order() {
    let mut sim = Sim::new(config(A_ADDR, true, 1), config(B_ADDR, false, 2), delay(10));
    assert_eq!(sim.a.state(), IceTransportState::New);
    assert!(sim.run_until(Duration::from_secs(5), |s| {
        s.a.state() == IceTransportState::Completed && s.b.state() == IceTransportState::Completed
    }));
    use IceTransportState::*;
    assert_eq!(
        Sim::states(&sim.events_a),
        vec![Checking, Connected, Completed]
    );
    assert_eq!(
        Sim::states(&sim.events_b),
        vec![Checking, Connected, Completed]
    );

    let a = sim.a.stats();
    let b = sim.b.stats();
    assert_eq!(a.pairs.len(), 1);
    assert_eq!(b.pairs.len(), 1);
    let pa = &a.pairs[0];
    assert_eq!(pa.state, PairState::Succeeded);
    assert!(pa.nominated && pa.selected);
    assert_eq!(a.transport.role, IceRole::Controlling);
    assert_eq!(b.transport.role, IceRole::Controlled);
    assert_eq!(a.transport.selected_candidate_pair_changes, 1);
    assert_eq!(
        a.transport.selected_candidate_pair_stats_id.as_deref(),
        Some(pa.stats_id.as_str())
    );
    assert_eq!(
        pa.stats_id,
        format!(
            "CP{}_{}",
            &pa.local_candidate_stats_id[1..],
            &pa.remote_candidate_stats_id[1..]
        )
    );
    // Regular nomination: the controlling side sent exactly one check with USE-CANDIDATE.
    let nominations = sim
        .wire
        .iter()
        .filter(|r| {
            r.sender == Side::A
                && r.stun
                    .is_some_and(|(c, _, uc, _)| c == Class::Request && uc)
        })
        .count();
    assert_eq!(nominations, 1);
}

#[test]
fn pair_counters_match_checks_seen_on_the_wire() {
    let mut sim = Sim::new(config(A_ADDR, true, 3), config(B_ADDR, false, 4), delay(5));
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    // Application data both ways.
    for i in 0..10u8 {
        let payload = [0x80, i, 1, 2, 3, 4, 5, 6, 7, 8];
        let route = sim.a.send_data(sim.now, &payload).unwrap();
        sim.put_on_wire(Side::A, route.source, route.destination, payload.to_vec());
    }
    for _ in 0..4 {
        let payload = [23u8; 100];
        let route = sim.b.send_data(sim.now, &payload).unwrap();
        sim.put_on_wire(Side::B, route.source, route.destination, payload.to_vec());
    }
    // Long enough for a few consent checks (every 4-6 s).
    sim.run_for(Duration::from_secs(21));

    let (a_addr, b_addr) = (addr(A_ADDR), addr(B_ADDR));
    let pa = sim.a.stats().pairs[0].clone();
    let c = &pa.counters;
    assert_eq!(
        c.requests_sent,
        sim.count_stun(Side::A, a_addr, b_addr, Class::Request, true)
    );
    assert_eq!(
        c.requests_sent + c.retransmissions_sent,
        sim.count_stun(Side::A, a_addr, b_addr, Class::Request, false)
    );
    assert_eq!(
        c.responses_sent,
        sim.count_stun(Side::A, a_addr, b_addr, Class::SuccessResponse, false)
    );
    assert_eq!(
        c.requests_received,
        sim.count_stun_delivered(b_addr, a_addr, Class::Request)
    );
    assert_eq!(
        c.responses_received,
        sim.count_stun_delivered(b_addr, a_addr, Class::SuccessResponse)
    );
    // Consent checks: between 21/6 and 21/4 of them, and counted separately.
    assert!(
        (3..=5).contains(&c.consent_requests_sent),
        "{}",
        c.consent_requests_sent
    );
    assert!(c.consent_requests_sent < c.requests_sent);
    let stun_bytes_on_wire: u64 = sim
        .wire
        .iter()
        .filter(|r| r.sender == Side::A && r.stun.is_some())
        .map(|r| r.len as u64)
        .sum();
    assert_eq!(c.stun_bytes_sent, stun_bytes_on_wire);
    assert_eq!(c.data_packets_sent, 10);
    assert_eq!(c.data_bytes_sent, 100);
    assert_eq!(c.data_packets_received, 4);
    assert_eq!(c.data_bytes_received, 400);
    assert_eq!(sim.data_b.len(), 10);
    assert!(
        sim.data_b
            .iter()
            .all(|r| *r == Received::Data(sim.b.stats().pairs[0].id))
    );
    // 5 ms each way: every RTT is 10 ms.
    assert_eq!(c.current_round_trip_time, Some(Duration::from_millis(10)));
    assert_eq!(
        c.total_round_trip_time,
        Duration::from_millis(10) * c.responses_received as u32
    );
}

#[test]
fn thirty_ms_one_way_delay_gives_60ms_current_rtt() {
    let mut sim = Sim::new(config(A_ADDR, true, 5), config(B_ADDR, false, 6), delay(30));
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    sim.run_for(Duration::from_secs(12));
    for stats in [sim.a.stats(), sim.b.stats()] {
        let p = &stats.pairs[0];
        let rtt = p.counters.current_round_trip_time.unwrap().as_secs_f64();
        assert!((rtt - 0.060).abs() <= 0.002, "rtt {rtt}");
        let n = p.counters.responses_received;
        assert!(n >= 2);
        let avg = p.counters.total_round_trip_time.as_secs_f64() / n as f64;
        assert!((avg - 0.060).abs() <= 0.002, "avg {avg}");
    }
}

#[test]
fn consent_loss_gives_disconnected_then_failed_on_the_rfc_timers() {
    let mut sim = Sim::new(config(A_ADDR, true, 7), config(B_ADDR, false, 8), delay(10));
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    sim.run_for(Duration::from_secs(7));
    sim.blackhole = true;
    let cut = sim.now;
    assert!(sim.run_until(Duration::from_secs(60), |s| s.a.state()
        == IceTransportState::Failed));
    // Last success response delivered to A before the cut.
    let (a_addr, b_addr) = (addr(A_ADDR), addr(B_ADDR));
    let last_response = sim
        .wire
        .iter()
        .filter(|r| r.from == b_addr && r.to == a_addr)
        .filter(|r| r.stun.is_some_and(|(c, ..)| c == Class::SuccessResponse))
        .filter_map(|r| r.delivered_at)
        .filter(|t| *t <= cut)
        .max()
        .unwrap();
    let at = |state| {
        sim.events_a
            .iter()
            .find(|(_, e)| *e == IceEvent::StateChanged(state))
            .map(|(t, _)| *t)
            .unwrap()
    };
    assert_eq!(
        at(IceTransportState::Disconnected) - last_response,
        Duration::from_secs(10)
    );
    assert_eq!(
        at(IceTransportState::Failed) - last_response,
        Duration::from_secs(30)
    );
    let states = Sim::states(&sim.events_a);
    assert_eq!(
        &states[states.len() - 2..],
        &[IceTransportState::Disconnected, IceTransportState::Failed]
    );
    assert!(sim.a.send_data(sim.now, b"x").is_err());
    assert_eq!(sim.a.stats().pairs[0].state, PairState::Failed);
}

#[test]
fn disconnected_recovers_when_consent_returns() {
    let mut sim = Sim::new(
        config(A_ADDR, true, 9),
        config(B_ADDR, false, 10),
        delay(10),
    );
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    sim.blackhole = true;
    assert!(sim.run_until(Duration::from_secs(20), |s| s.a.state()
        == IceTransportState::Disconnected));
    sim.blackhole = false;
    assert!(sim.run_until(Duration::from_secs(15), |s| s.both_connected()));
}

fn role_conflict(a_controlling: bool, b_controlling: bool) {
    let mut sim = Sim::new(
        config(A_ADDR, a_controlling, 11),
        config(B_ADDR, b_controlling, 12),
        delay(10),
    );
    assert!(sim.run_until(Duration::from_secs(10), |s| s.both_connected()));
    assert_ne!(sim.a.role(), sim.b.role());
    // The larger tie-breaker ends up controlling (RFC 8445 §7.3.1.1).
    let a_wins = sim.a.tie_breaker() >= sim.b.tie_breaker();
    assert_eq!(sim.a.role() == IceRole::Controlling, a_wins);
    let conflicts = sim
        .wire
        .iter()
        .filter(|r| r.stun.is_some_and(|(_, _, _, code)| code == Some(487)))
        .count();
    let role_events = sim
        .events_a
        .iter()
        .chain(sim.events_b.iter())
        .filter(|(_, e)| matches!(e, IceEvent::RoleChanged(_)))
        .count();
    assert_eq!(role_events, 1);
    // Either a 487 was sent, or the receiver of a conflicting request switched itself.
    assert!(conflicts <= 1);
}

#[test]
fn role_conflict_both_controlling_resolves() {
    role_conflict(true, true);
}

#[test]
fn role_conflict_both_controlled_resolves() {
    role_conflict(false, false);
}

#[test]
fn aggressive_nomination_connects_and_marks_every_check() {
    let mut a = config(A_ADDR, true, 13);
    a.nomination = NominationMode::Aggressive;
    let mut sim = Sim::new(a, config(B_ADDR, false, 14), delay(10));
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    let checks: Vec<bool> = sim
        .wire
        .iter()
        .filter(|r| r.sender == Side::A)
        .filter_map(|r| r.stun)
        .filter(|(c, ..)| *c == Class::Request)
        .map(|(_, _, uc, _)| uc)
        .collect();
    assert!(!checks.is_empty());
    assert!(checks.iter().all(|uc| *uc));
    assert!(sim.b.stats().pairs[0].nominated);
}
