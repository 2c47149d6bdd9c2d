//! The agent's statistics as rtcscope-stats objects, checked by value and by the report
//! verifier.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{A_ADDR, B_ADDR, Sim, addr, config};
use rtcscope_ice::{PairTrafficCounting, ReportOptions};
use rtcscope_netsim::{LinkConfig, Side};
use rtcscope_stats::{EpochClock, RTCStatsReport, RTCTransportStats};
use serde_json::Value;

const ANCHOR_MS: f64 = 1_795_469_400_000.0;

fn connected_sim() -> Sim {
    let mut a = config(A_ADDR, true, 31);
    a.stun_servers.push(rtcscope_ice::StunServer {
        url: "stun:stun.example.org:3478".to_string(),
        address: addr("198.51.100.1:3478"),
    });
    let link = LinkConfig {
        delay: Duration::from_millis(15),
        ..LinkConfig::default()
    };
    let mut sim = Sim::new(a, config(B_ADDR, false, 32), link);
    sim.stun_server = Some((addr("198.51.100.1:3478"), addr("203.0.113.5:40000")));
    assert!(sim.run_until(Duration::from_secs(5), |s| s.both_connected()));
    sim
}

fn report_json(sim: &Sim, options: &ReportOptions) -> (RTCStatsReport, Value) {
    let clock = EpochClock::new(sim.start, ANCHOR_MS);
    let snapshot = sim.a.stats();
    let mut report = RTCStatsReport::new();
    let mut transport = RTCTransportStats {
        id: snapshot.transport_id.clone(),
        timestamp: clock.unix_ms(sim.now),
        ..Default::default()
    };
    snapshot.fill_transport(&mut transport);
    report.insert(transport);
    snapshot.write_report(&clock, sim.now, options, &mut report);
    let json = Value::Object(report.to_json_object());
    (report, json)
}

#[test]
fn report_has_every_pair_and_candidate_and_passes_the_verifier() {
    let mut sim = connected_sim();
    let payload = [0x80u8; 50];
    let sent_at = sim.now;
    let route = sim.a.send_data(sim.now, &payload).unwrap();
    sim.put_on_wire(Side::A, route.source, route.destination, payload.to_vec());
    sim.run_for(Duration::from_secs(1));

    let options = ReportOptions {
        include_ice_servers: true,
        ..Default::default()
    };
    let (report, json) = report_json(&sim, &options);
    let verdict = rtcscope_stats::verify::verify_report(&report);
    for v in &verdict.violations {
        eprintln!("{v}");
    }
    assert_eq!(verdict.errors(), 0);

    let snapshot = sim.a.stats();
    let pair = &snapshot.pairs[0];
    let p = &json[&pair.stats_id];
    assert_eq!(p["type"], "candidate-pair");
    assert_eq!(p["state"], "succeeded");
    assert_eq!(p["nominated"], true);
    assert_eq!(p["transportId"], "T01");
    assert_eq!(
        p["localCandidateId"],
        Value::from(pair.local_candidate_stats_id.clone())
    );
    // W3C definition: payload only.
    assert_eq!(p["packetsSent"], 1);
    assert_eq!(p["bytesSent"], 50);
    assert_eq!(p["currentRoundTripTime"], 0.03);
    assert_eq!(
        p["lastPacketSentTimestamp"],
        ANCHOR_MS + (sent_at - sim.start).as_secs_f64() * 1000.0
    );
    assert_eq!(p["requestsSent"], Value::from(pair.counters.requests_sent));

    let t = &json["T01"];
    assert_eq!(t["iceRole"], "controlling");
    assert_eq!(t["iceState"], "completed");
    assert_eq!(
        t["selectedCandidatePairId"],
        Value::from(pair.stats_id.clone())
    );
    assert_eq!(t["selectedCandidatePairChanges"], 1);
    assert_eq!(
        t["iceLocalUsernameFragment"],
        Value::from(snapshot.transport.local_username_fragment.clone())
    );
    assert_eq!(t["bytesSent"], 50);

    // srflx local candidate names its STUN server; host has no url/related address.
    let srflx = snapshot
        .local_candidates
        .iter()
        .find(|c| c.candidate.kind == rtcscope_ice::CandidateType::ServerReflexive)
        .unwrap();
    let c = &json[&srflx.stats_id];
    assert_eq!(c["type"], "local-candidate");
    assert_eq!(c["candidateType"], "srflx");
    assert_eq!(c["url"], "stun:stun.example.org:3478");
    assert_eq!(c["address"], "203.0.113.5");
    assert_eq!(c["port"], 40000);
    assert_eq!(c["relatedAddress"], "10.0.0.1");
    assert_eq!(c["relatedPort"], 5000);
    assert_eq!(c["priority"], Value::from(srflx.candidate.priority));
    let host = &json[&pair.local_candidate_stats_id];
    assert_eq!(host["candidateType"], "host");
    assert!(host.get("url").is_none());
    assert!(host.get("relatedAddress").is_none());
    let remote = &json[&pair.remote_candidate_stats_id];
    assert_eq!(remote["type"], "remote-candidate");
    assert_eq!(remote["address"], "10.0.0.2");

    let server = &json["IS0"];
    assert_eq!(server["url"], "stun:stun.example.org:3478");
    assert_eq!(server["totalRequestsSent"], 1);
    assert_eq!(server["totalResponsesReceived"], 1);
    assert_eq!(server["port"], 5000);
}

#[test]
fn all_traffic_counting_includes_stun() {
    let sim = connected_sim();
    let options = ReportOptions {
        pair_traffic: PairTrafficCounting::AllTraffic,
        include_ice_servers: false,
    };
    let (_, json) = report_json(&sim, &options);
    let snapshot = sim.a.stats();
    let pair = &snapshot.pairs[0];
    let stun_bytes: u64 = sim
        .wire
        .iter()
        .filter(|r| r.sender == Side::A && r.from == addr(A_ADDR) && r.to == addr(B_ADDR))
        .map(|r| r.len as u64)
        .sum();
    assert_eq!(json[&pair.stats_id]["bytesSent"], stun_bytes);
    assert!(json.get("IS0").is_none());
}
