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
            .all(|r| matches!(r, Received::Data { pair, start: 0, len: 10 } if *pair == sim.b.stats().pairs[0].id))
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

#[test]
fn ice_restart_creates_new_pairs_and_never_reuses_ids() {
    let mut sim = Sim::new(
        config(A_ADDR, true, 15),
        config(B_ADDR, false, 16),
        delay(10),
    );
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    let before = sim.a.stats();
    let old_pair_ids: Vec<String> = before.pairs.iter().map(|p| p.stats_id.clone()).collect();
    let old_candidate_ids: Vec<String> = before
        .local_candidates
        .iter()
        .chain(before.remote_candidates.iter())
        .map(|c| c.stats_id.clone())
        .collect();
    let old_ufrag = before.transport.local_username_fragment.clone();

    sim.a.restart(sim.now);
    sim.b.restart(sim.now);
    sim.exchange_credentials();
    // Data keeps flowing on the old selected pair while the new checks run.
    assert!(sim.a.send_data(sim.now, b"during restart").is_ok());
    let ok = sim.run_until(Duration::from_secs(5), |s| {
        s.both_connected() && s.a.stats().transport.selected_candidate_pair_changes == 2
    });
    if !ok {
        eprintln!("{:#?}\n{:#?}", sim.a.stats(), sim.events_a);
    }
    assert!(ok);
    let after = sim.a.stats();
    assert_ne!(after.transport.local_username_fragment, old_ufrag);
    assert_eq!(
        after.pairs.len(),
        1,
        "old pair removed once the new one is selected"
    );
    for p in &after.pairs {
        assert!(
            !old_pair_ids.contains(&p.stats_id),
            "pair id {} reused",
            p.stats_id
        );
    }
    for c in after
        .local_candidates
        .iter()
        .chain(after.remote_candidates.iter())
    {
        assert!(
            !old_candidate_ids.contains(&c.stats_id),
            "candidate id {} reused: {after:#?}",
            c.stats_id
        );
    }
    assert_eq!(after.pairs[0].state, PairState::Succeeded);
    assert!(after.pairs[0].selected);
    // Same 5-tuple, fresh counters.
    assert_eq!(after.pairs[0].counters.data_packets_sent, 0);
}

#[test]
fn hostile_input_is_counted_and_never_answered() {
    use rtcscope_ice::stun::{METHOD_BINDING, MessageWriter, TransactionId};
    let mut sim = Sim::new(
        config(A_ADDR, true, 17),
        config(B_ADDR, false, 18),
        delay(10),
    );
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    while sim.a.poll_transmit().is_some() {}
    let (a_addr, b_addr) = (addr(A_ADDR), addr(B_ADDR));
    let (ua, _) = sim.a.local_credentials();
    let ua = ua.to_string();
    let (ub, _) = sim.b.local_credentials();
    let ub = ub.to_string();
    let now = sim.now;
    let request = |username: &[u8], key: &[u8]| {
        let mut buf = [0u8; 256];
        let mut w = MessageWriter::new(
            &mut buf,
            Class::Request,
            METHOD_BINDING,
            TransactionId([9; 12]),
        )
        .unwrap();
        w.attribute(0x0006, username).unwrap();
        w.priority(1).unwrap();
        w.ice_controlled(5).unwrap();
        w.message_integrity(key).unwrap();
        let len = w.fingerprint().unwrap();
        buf[..len].to_vec()
    };
    let good_user = format!("{ua}:{ub}");
    // 1. bad integrity (wrong password)
    let bad_mi = request(good_user.as_bytes(), b"not-the-password-at-all");
    // 2. wrong username
    let wrong_user = request(format!("zzzz:{ub}").as_bytes(), b"whatever");
    // 3. truncated body
    let truncated = bad_mi[..bad_mi.len() - 6].to_vec();
    // 4. response to a transaction we never sent
    let mut buf = [0u8; 64];
    let w = MessageWriter::new(
        &mut buf,
        Class::SuccessResponse,
        METHOD_BINDING,
        TransactionId([4; 12]),
    )
    .unwrap();
    let len = w.fingerprint().unwrap();
    let unknown_tx = buf[..len].to_vec();
    // 5. request without MESSAGE-INTEGRITY
    let mut buf = [0u8; 64];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::Request,
        METHOD_BINDING,
        TransactionId([5; 12]),
    )
    .unwrap();
    w.priority(1).unwrap();
    let len = w.fingerprint().unwrap();
    let no_mi = buf[..len].to_vec();
    let stranger = addr("192.0.2.99:4444");

    let before = sim.a.stats().pairs[0].counters.clone();
    let state_before = sim.a.state();
    for (from, bytes) in [
        (b_addr, &bad_mi),
        (b_addr, &wrong_user),
        (b_addr, &truncated),
        (b_addr, &unknown_tx),
        (b_addr, &no_mi),
    ] {
        assert!(matches!(
            sim.a.handle_receive(now, from, a_addr, bytes),
            Received::Discarded(_)
        ));
    }
    assert!(matches!(
        sim.a
            .handle_receive(now, stranger, a_addr, &[0x80, 0, 0, 1, 2, 3]),
        Received::Discarded(_)
    ));
    // 1000 random-ish garbage datagrams that look like STUN.
    for i in 0..1000u32 {
        let mut g = vec![0u8; 20 + (i as usize % 64)];
        g[4..8].copy_from_slice(&0x2112_A442u32.to_be_bytes());
        g[2] = (i % 7) as u8;
        g[3] = (i * 13 % 256) as u8;
        for (j, b) in g.iter_mut().enumerate().skip(20) {
            *b = (i as usize * 31 + j * 7) as u8;
        }
        let _ = sim.a.handle_receive(now, b_addr, a_addr, &g);
    }
    assert!(sim.a.poll_transmit().is_none(), "nothing is answered");
    let d = sim.a.discards();
    assert_eq!(d.bad_integrity, 1);
    assert_eq!(d.wrong_username, 1);
    assert_eq!(d.unknown_transaction, 1);
    assert_eq!(d.missing_attributes, 1);
    assert_eq!(d.unknown_source, 1);
    // The truncated request plus the garbage; one garbage datagram (all-zero type and
    // length) parses as a method-0 message and is dropped as unsupported.
    assert_eq!(d.malformed + d.unsupported_method, 1 + 1000);
    assert_eq!(d.total(), 6 + 1000);
    let after = sim.a.stats().pairs[0].counters.clone();
    assert_eq!(after.requests_received, before.requests_received);
    assert_eq!(after.responses_sent, before.responses_sent);
    assert_eq!(sim.a.state(), state_before);
}

#[test]
fn remote_candidates_and_pairs_are_capped() {
    let mut a = config(A_ADDR, true, 19);
    a.max_remote_candidates = 8;
    a.max_pairs = 5;
    let mut sim = Sim::new(a, config(B_ADDR, false, 20), delay(10));
    sim.auto_signal = false;
    let now = sim.now;
    let mut accepted = 0;
    for i in 0..50u16 {
        let c = rtcscope_ice::RemoteCandidate::parse_sdp(&format!(
            "candidate:{i} 1 udp {} 10.9.0.{} {} typ host",
            2_000_000_000u32 - u32::from(i),
            i % 250,
            7000 + i
        ))
        .unwrap();
        if sim.a.add_remote_candidate(now, c).is_ok() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 8);
    let s = sim.a.stats();
    assert_eq!(s.remote_candidates.len(), 8);
    assert_eq!(s.pairs.len(), 5);
    assert_eq!(s.discards.over_capacity, 42 + 3);
}

#[test]
fn every_pair_is_reported_in_its_checklist_state() {
    // A has two ports on one address (one foundation), B two addresses: 4 pairs, two per
    // foundation pair, so one of each starts Frozen (RFC 8445 §6.1.2.6).
    let mut a = config(A_ADDR, true, 21);
    a.local_addresses.push(addr("10.0.0.1:5001"));
    let mut b = config(B_ADDR, false, 22);
    b.local_addresses.push(addr("172.16.0.2:6001"));
    let mut sim = Sim::new(a, b, delay(10));
    // Right after the candidates arrive nothing is checked yet: all pairs exist, in
    // Waiting or Frozen, with zero counters.
    sim.step();
    let early = sim.a.stats();
    assert_eq!(early.pairs.len(), 4);
    assert!(early.pairs.iter().all(|p| matches!(
        p.state,
        PairState::Waiting | PairState::Frozen | PairState::InProgress
    )));
    assert!(early.pairs.iter().any(|p| p.state == PairState::Frozen));
    assert!(sim.run_until(Duration::from_secs(60), |s| {
        s.a.state() == IceTransportState::Completed
    }));
    let s = sim.a.stats();
    assert_eq!(s.pairs.len(), 4);
    let states: Vec<PairState> = s.pairs.iter().map(|p| p.state).collect();
    // The netsim delivers whatever address is used, so every pair succeeds; each one has its
    // own counters that agree with the wire.
    for p in &s.pairs {
        let local = s
            .local_candidates
            .iter()
            .find(|c| c.stats_id == p.local_candidate_stats_id)
            .unwrap()
            .candidate
            .address;
        let remote = s
            .remote_candidates
            .iter()
            .find(|c| c.stats_id == p.remote_candidate_stats_id)
            .unwrap()
            .candidate
            .address;
        assert_eq!(
            p.counters.requests_sent,
            sim.count_stun(Side::A, local, remote, Class::Request, true),
            "{states:?}"
        );
    }
    assert_eq!(s.pairs.iter().filter(|p| p.selected).count(), 1);
    // Highest pair priority is the selected one (regular nomination waited for it).
    let best = s.pairs.iter().max_by_key(|p| p.priority).unwrap();
    assert!(best.selected);
}

#[test]
fn server_reflexive_candidate_from_configured_stun_server() {
    let mut a = config(A_ADDR, true, 23);
    a.stun_servers.push(rtcscope_ice::StunServer {
        url: "stun:stun.example.org:3478".to_string(),
        address: addr("198.51.100.1:3478"),
    });
    let mut sim = Sim::new(a, config(B_ADDR, false, 24), delay(10));
    sim.stun_server = Some((addr("198.51.100.1:3478"), addr("203.0.113.5:40000")));
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    let s = sim.a.stats();
    let srflx = s
        .local_candidates
        .iter()
        .find(|c| c.candidate.kind == rtcscope_ice::CandidateType::ServerReflexive)
        .unwrap();
    assert_eq!(srflx.candidate.address, addr("203.0.113.5:40000"));
    assert_eq!(srflx.candidate.related_address, Some(addr(A_ADDR)));
    assert_eq!(
        srflx.candidate.url.as_deref(),
        Some("stun:stun.example.org:3478")
    );
    assert_eq!(s.ice_servers.len(), 1);
    assert_eq!(s.ice_servers[0].total_requests_sent, 1);
    assert_eq!(s.ice_servers[0].total_responses_received, 1);
    // Gathering completes after the server answered.
    let gathered = sim
        .events_a
        .iter()
        .position(|(_, e)| *e == IceEvent::GatheringComplete)
        .unwrap();
    let srflx_event = sim
        .events_a
        .iter()
        .position(|(_, e)| matches!(e, IceEvent::LocalCandidate(c) if c.kind == rtcscope_ice::CandidateType::ServerReflexive))
        .unwrap();
    assert!(srflx_event < gathered);
    // B learned it by trickle; the srflx is not paired on A (replaced by its base).
    assert_eq!(s.pairs.len(), 1);
}

#[test]
fn peer_reflexive_remote_candidate_learned_from_checks() {
    // B's candidates are never signalled: A learns B from B's checks.
    let mut sim = Sim::new(
        config(A_ADDR, true, 25),
        config(B_ADDR, false, 26),
        delay(10),
    );
    sim.auto_signal = false;
    let now = sim.now;
    let host_a = sim.a.local_candidates()[0].clone();
    sim.b
        .add_remote_candidate(
            now,
            rtcscope_ice::RemoteCandidate::parse_sdp(&host_a.to_sdp_attribute()).unwrap(),
        )
        .unwrap();
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    let s = sim.a.stats();
    assert_eq!(s.remote_candidates.len(), 1);
    assert_eq!(
        s.remote_candidates[0].candidate.kind,
        rtcscope_ice::CandidateType::PeerReflexive
    );
    assert_eq!(s.remote_candidates[0].candidate.address, addr(B_ADDR));
    // PRIORITY from B's check: prflx type preference 110.
    assert_eq!(s.remote_candidates[0].candidate.priority >> 24, 110);
}

#[test]
fn lossy_link_retransmits_and_still_connects() {
    let link = LinkConfig {
        delay: Duration::from_millis(20),
        loss: rtcscope_netsim::LossModel::Bernoulli { p: 0.3 },
        ..LinkConfig::default()
    };
    let mut sim = Sim::new(config(A_ADDR, true, 27), config(B_ADDR, false, 28), link);
    assert!(sim.run_until(Duration::from_secs(20), |s| s.both_connected()));
    let c = sim.a.stats().pairs[0].counters.clone();
    let (a_addr, b_addr) = (addr(A_ADDR), addr(B_ADDR));
    assert_eq!(
        c.requests_sent + c.retransmissions_sent,
        sim.count_stun(Side::A, a_addr, b_addr, Class::Request, false)
    );
    assert_eq!(
        c.responses_received,
        sim.count_stun_delivered(b_addr, a_addr, Class::SuccessResponse)
    );
}

#[test]
fn unreachable_peer_fails_after_rfc8489_retransmissions() {
    let mut sim = Sim::new(
        config(A_ADDR, true, 33),
        config(B_ADDR, false, 34),
        delay(10),
    );
    sim.blackhole = true;
    assert!(sim.run_until(Duration::from_secs(120), |s| s.a.state()
        == IceTransportState::Failed));
    let (a_addr, b_addr) = (addr(A_ADDR), addr(B_ADDR));
    let requests: Vec<_> = sim
        .wire
        .iter()
        .filter(|r| r.from == a_addr && r.to == b_addr)
        .filter(|r| r.stun.is_some_and(|(c, ..)| c == Class::Request))
        .collect();
    // One transaction, Rc = 7 transmissions at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s.
    assert_eq!(requests.len(), 7);
    assert!(
        requests
            .iter()
            .all(|r| r.stun.unwrap().1 == requests[0].stun.unwrap().1)
    );
    let first = requests[0].at;
    let offsets: Vec<u64> = requests
        .iter()
        .map(|r| (r.at - first).as_millis() as u64)
        .collect();
    assert_eq!(offsets, vec![0, 500, 1500, 3500, 7500, 15500, 31500]);
    // Failed Rm × RTO = 8 s after the last transmission (the peer's end-of-candidates
    // arrived, so nothing else can come).
    let failed_at = sim
        .events_a
        .iter()
        .find(|(_, e)| *e == IceEvent::StateChanged(IceTransportState::Failed))
        .unwrap()
        .0;
    assert_eq!(failed_at - first, Duration::from_millis(39_500));
    let p = &sim.a.stats().pairs[0];
    assert_eq!(p.state, PairState::Failed);
    assert_eq!(p.counters.requests_sent, 1);
    assert_eq!(p.counters.retransmissions_sent, 6);
    assert_eq!(p.counters.responses_received, 0);
    assert_eq!(p.counters.current_round_trip_time, None);
}

#[test]
fn close_stops_everything() {
    let mut sim = Sim::new(
        config(A_ADDR, true, 35),
        config(B_ADDR, false, 36),
        delay(10),
    );
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    let now = sim.now;
    sim.a.close(now);
    assert_eq!(sim.a.state(), IceTransportState::Closed);
    assert_eq!(sim.a.poll_timeout(), None);
    assert!(sim.a.send_data(now, b"x").is_err());
    assert!(sim.a.poll_transmit().is_none());
}

#[test]
fn relay_candidates_through_an_emulated_turn_server() {
    use rtcscope_ice::{CandidateType, Framing, TurnServer};
    let turn_addr = addr("198.51.100.9:3478");
    let mut a = config(A_ADDR, true, 37);
    a.turn_servers.push(TurnServer {
        url: "turn:198.51.100.9:3478?transport=udp".to_string(),
        address: turn_addr,
        username: "alice".to_string(),
        password: "relay-pass".to_string(),
    });
    a.relay_only = true;
    let mut sim = Sim::new(a, config(B_ADDR, false, 38), delay(20));
    sim.turn = Some(common::turn_emu::TurnEmu::new(
        turn_addr,
        "alice",
        "relay-pass",
    ));
    let ok = sim.run_until(Duration::from_secs(5), |s| s.both_connected());
    if !ok {
        for r in &sim.wire {
            eprintln!(
                "{:?} {} -> {} {} {:?}",
                r.sender,
                r.from,
                r.to,
                r.len,
                r.stun.map(|s| (s.0, s.3))
            );
        }
        eprintln!("{:?}\n{:?}", sim.events_a, sim.a.stats().pairs);
    }
    assert!(ok);

    let s = sim.a.stats();
    assert!(
        s.local_candidates
            .iter()
            .all(|c| c.candidate.kind == CandidateType::Relay)
    );
    let relay = &s.local_candidates[0].candidate;
    assert_eq!(relay.address, addr("198.51.100.9:50000"));
    assert_eq!(relay.related_address, Some(addr(A_ADDR)));
    assert_eq!(
        relay.url.as_deref(),
        Some("turn:198.51.100.9:3478?transport=udp")
    );
    // Allocate (401), Allocate (signed), ChannelBind: all answered.
    assert_eq!(s.ice_servers[0].total_requests_sent, 3);
    assert_eq!(s.ice_servers[0].total_responses_received, 3);
    assert_eq!(
        sim.turn.as_ref().unwrap().answered,
        vec![0x003, 0x003, 0x009]
    );
    // The relay candidate's stats name the TURN url and relay protocol.
    let clock = rtcscope_stats::EpochClock::new(sim.start, 0.0);
    let mut report = rtcscope_stats::RTCStatsReport::new();
    s.write_report(&clock, sim.now, &Default::default(), &mut report);
    let json = serde_json::Value::Object(report.to_json_object());
    let stats_id = &s.local_candidates[0].stats_id;
    assert_eq!(json[stats_id]["candidateType"], "relay");
    assert_eq!(json[stats_id]["relayProtocol"], "udp");
    assert_eq!(
        json[stats_id]["url"],
        "turn:198.51.100.9:3478?transport=udp"
    );
    assert_eq!(json[stats_id]["relatedAddress"], "10.0.0.1");
    // B sees A only at the relayed address.
    let sb = sim.b.stats();
    assert_eq!(sb.pairs.len(), 1);
    assert_eq!(
        sb.remote_candidates[0].candidate.address,
        addr("198.51.100.9:50000")
    );
    // A → TURN → B is one 20 ms link, B → relayed address → A another.
    sim.run_for(Duration::from_secs(6));
    let pa = &sim.a.stats().pairs[0];
    assert_eq!(
        pa.counters.current_round_trip_time,
        Some(Duration::from_millis(40))
    );

    // Data both ways through the channel.
    let payload = *b"\x80relayed";
    let route = sim.a.send_data(sim.now, &payload).unwrap();
    assert_eq!(route.destination, turn_addr);
    let Framing::ChannelData(number) = route.framing else {
        panic!("channel is bound: {:?}", route.framing);
    };
    let mut framed = [0u8; 64];
    let n = rtcscope_ice::frame_datagram(route.framing, Default::default(), &payload, &mut framed)
        .unwrap();
    assert_eq!(&framed[..2], &number.to_be_bytes());
    sim.put_on_wire(
        Side::A,
        route.source,
        route.destination,
        framed[..n].to_vec(),
    );
    let route_b = sim.b.send_data(sim.now, b"\x80back").unwrap();
    assert_eq!(route_b.destination, addr("198.51.100.9:50000"));
    sim.put_on_wire(
        Side::B,
        route_b.source,
        route_b.destination,
        b"\x80back".to_vec(),
    );
    sim.run_for(Duration::from_millis(100));
    assert_eq!(sim.data_b.len(), 1);
    assert_eq!(sim.data_a.len(), 1);
    // A got the ChannelData; the payload is located inside it.
    assert!(matches!(
        sim.data_a[0],
        Received::Data {
            start: 4,
            len: 5,
            ..
        }
    ));
    let pa = &sim.a.stats().pairs[0];
    assert_eq!(pa.counters.data_packets_received, 1);
    assert_eq!(pa.counters.data_bytes_received, 5);
}

#[test]
fn trickled_late_candidates_and_end_of_candidates_gate_completed() {
    let mut sim = Sim::new(
        config(A_ADDR, true, 39),
        config(B_ADDR, false, 40),
        delay(10),
    );
    sim.auto_signal = false;
    // Nothing signalled yet: both stay "new" and send nothing.
    sim.run_for(Duration::from_secs(1));
    assert_eq!(sim.a.state(), IceTransportState::New);
    assert!(sim.wire.is_empty());
    // B's candidate trickles in late; A's reaches B only through A's checks (prflx).
    let now = sim.now;
    let b_host = sim.b.local_candidates()[0].to_sdp_attribute();
    sim.a
        .add_remote_candidate(
            now,
            rtcscope_ice::RemoteCandidate::parse_sdp(&b_host).unwrap(),
        )
        .unwrap();
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    // No end-of-candidates from either side yet: connected, not completed.
    sim.run_for(Duration::from_secs(2));
    assert_eq!(sim.a.state(), IceTransportState::Connected);
    assert_eq!(sim.b.state(), IceTransportState::Connected);
    let now = sim.now;
    sim.a.set_remote_end_of_candidates(now);
    sim.b.set_remote_end_of_candidates(now);
    assert_eq!(sim.a.state(), IceTransportState::Completed);
    assert_eq!(sim.b.state(), IceTransportState::Completed);
}

#[test]
fn send_failures_move_to_discarded_counters() {
    let mut sim = Sim::new(
        config(A_ADDR, true, 41),
        config(B_ADDR, false, 42),
        delay(10),
    );
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    let now = sim.now;
    for len in [100usize, 200, 300] {
        let route = sim.a.send_data(now, &vec![0x80; len]).unwrap();
        if len == 200 {
            // The socket refused this one.
            sim.a.report_send_failure(route.pair, len);
        }
    }
    let s = sim.a.stats();
    let c = &s.pairs[0].counters;
    assert_eq!(c.data_packets_sent, 2);
    assert_eq!(c.data_bytes_sent, 400);
    assert_eq!(c.packets_discarded_on_send, 1);
    assert_eq!(c.bytes_discarded_on_send, 200);
    assert_eq!(s.transport.counters.packets_sent, 2);
    assert_eq!(s.transport.counters.bytes_sent, 400);
}

#[test]
fn random_datagrams_never_panic_and_stay_bounded() {
    use rtcscope_ice::TurnServer;
    let turn_addr = addr("198.51.100.9:3478");
    let mut a = config(A_ADDR, true, 43);
    a.turn_servers.push(TurnServer {
        url: "turn:198.51.100.9:3478?transport=udp".to_string(),
        address: turn_addr,
        username: "alice".to_string(),
        password: "relay-pass".to_string(),
    });
    let mut sim = Sim::new(a, config(B_ADDR, false, 44), delay(5));
    sim.turn = Some(common::turn_emu::TurnEmu::new(
        turn_addr,
        "alice",
        "relay-pass",
    ));
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    let (a_addr, b_addr) = (addr(A_ADDR), addr(B_ADDR));
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let now = sim.now;
    let cookie = 0x2112_A442u32.to_be_bytes();
    for i in 0..20_000u32 {
        let len = (next() % 200) as usize;
        let mut d: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        match i % 4 {
            // STUN-looking: first byte 0..3 and the cookie.
            0 if len >= 20 => {
                d[0] %= 4;
                d[4..8].copy_from_slice(&cookie);
                let body = (len - 20) as u16;
                d[2..4].copy_from_slice(&(body & !3).to_be_bytes());
            }
            // ChannelData-looking from the TURN server.
            1 if len >= 4 => d[0] = 0x40 | (d[0] & 0x0F),
            _ => {}
        }
        let from = match i % 3 {
            0 => turn_addr,
            1 => b_addr,
            _ => std::net::SocketAddr::new(
                std::net::IpAddr::V4(std::net::Ipv4Addr::from(next() as u32)),
                (next() % 65535) as u16,
            ),
        };
        let _ = sim.a.handle_receive(now, from, a_addr, &d);
    }
    while sim.a.poll_transmit().is_some() {}
    let s = sim.a.stats();
    assert!(s.remote_candidates.len() <= 64);
    assert!(s.pairs.len() <= 100);
    assert!(s.discards.total() > 10_000, "{:?}", s.discards);
    // Still working afterwards.
    assert!(sim.run_until(Duration::from_secs(12), |s| {
        s.a.stats()
            .pairs
            .iter()
            .any(|p| p.selected && p.counters.consent_requests_sent >= 1)
    }));
    assert!(sim.both_connected());
}

#[test]
fn gathering_transactions_are_paced_by_ta() {
    let mut a = config(A_ADDR, true, 45);
    a.local_addresses.push(addr("10.0.0.1:5001"));
    for (i, server) in ["198.51.100.1:3478", "198.51.100.2:3478"]
        .iter()
        .enumerate()
    {
        a.stun_servers.push(rtcscope_ice::StunServer {
            url: format!("stun:s{i}.example.org"),
            address: addr(server),
        });
    }
    let mut sim = Sim::new(a, config(B_ADDR, false, 46), delay(10));
    sim.auto_signal = false;
    sim.run_for(Duration::from_millis(400));
    let mut firsts: Vec<(std::time::Instant, rtcscope_ice::stun::TransactionId)> = Vec::new();
    for r in sim
        .wire
        .iter()
        .filter(|r| r.to.ip().to_string().starts_with("198.51.100."))
    {
        let tid = r.stun.unwrap().1;
        if !firsts.iter().any(|(_, t)| *t == tid) {
            firsts.push((r.at, tid));
        }
    }
    // 2 servers × 2 bases, one new transaction per Ta = 50 ms.
    assert_eq!(firsts.len(), 4);
    let offsets: Vec<u128> = firsts
        .iter()
        .map(|(t, _)| (*t - sim.start).as_millis())
        .collect();
    assert_eq!(offsets, vec![0, 50, 100, 150]);
}
