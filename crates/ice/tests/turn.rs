//! Relay candidates through a real TURN server (coturn on loopback, started by
//! `scripts/turn-test.sh`, which sets RTCSCOPE_TURN). Ignored in the plain test run because
//! it needs that server.
#![cfg(feature = "tokio-driver")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rtcscope_ice::driver::{DriverEvent, UdpDriver};
use rtcscope_ice::{
    CandidateType, IceConfig, IceEvent, IceTransportState, RemoteCandidate, ReportOptions,
    TurnServer,
};
use rtcscope_stats::{EpochClock, RTCStatsReport};
use serde_json::Value;

fn signal(event: &IceEvent, other: &mut UdpDriver) {
    let now = Instant::now();
    match event {
        IceEvent::LocalCandidate(c) => {
            let parsed = RemoteCandidate::parse_sdp(&c.to_sdp_attribute()).unwrap();
            other.agent().add_remote_candidate(now, parsed).unwrap();
        }
        IceEvent::GatheringComplete => other.agent().set_remote_end_of_candidates(now),
        _ => {}
    }
}

fn connected(d: &mut UdpDriver) -> bool {
    matches!(
        d.agent().state(),
        IceTransportState::Connected | IceTransportState::Completed
    )
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs coturn: run scripts/turn-test.sh"]
async fn agents_connect_through_coturn_relay() {
    let server = std::env::var("RTCSCOPE_TURN").expect("RTCSCOPE_TURN=host:port of coturn");
    let url = format!("turn:{server}?transport=udp");
    let any = ["127.0.0.1:0".parse().unwrap()];
    let mut config_a = IceConfig::new(vec![], true, [0; 32]);
    config_a.turn_servers.push(TurnServer {
        url: url.clone(),
        address: server.parse().unwrap(),
        username: "rtcscope".to_string(),
        password: "turn-secret".to_string(),
    });
    config_a.relay_only = true;
    let mut a = UdpDriver::bind(&any, config_a).await.unwrap();
    let mut b = UdpDriver::bind(&any, IceConfig::new(vec![], false, [0; 32]))
        .await
        .unwrap();
    let now = Instant::now();
    let (ua, pa) = {
        let (u, p) = a.agent().local_credentials();
        (u.to_string(), p.to_string())
    };
    let (ub, pb) = {
        let (u, p) = b.agent().local_credentials();
        (u.to_string(), p.to_string())
    };
    a.agent().set_remote_credentials(now, &ub, &pb).unwrap();
    b.agent().set_remote_credentials(now, &ua, &pa).unwrap();

    let mut got_a = 0;
    let mut got_b = 0;
    let run = async {
        let mut sent = false;
        loop {
            tokio::select! {
                ev = a.next() => match ev.unwrap() {
                    DriverEvent::Ice(ev) => signal(&ev, &mut b),
                    DriverEvent::Data { .. } => { assert_eq!(a.received(), b"pong"); got_a += 1; }
                },
                ev = b.next() => match ev.unwrap() {
                    DriverEvent::Ice(ev) => signal(&ev, &mut a),
                    DriverEvent::Data { .. } => {
                        assert_eq!(b.received(), b"ping");
                        got_b += 1;
                        b.send_data(b"pong").unwrap();
                    }
                },
            }
            if !sent && connected(&mut a) && connected(&mut b) {
                tokio::time::sleep(Duration::from_millis(100)).await;
                for _ in 0..3 {
                    a.send_data(b"ping").unwrap();
                }
                sent = true;
            }
            if got_a == 3 && got_b == 3 {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(15), run)
        .await
        .expect("connect through TURN");

    let snapshot = a.agent().stats();
    let selected = snapshot.pairs.iter().find(|p| p.selected).unwrap();
    let local = snapshot
        .local_candidates
        .iter()
        .find(|c| c.stats_id == selected.local_candidate_stats_id)
        .unwrap();
    assert_eq!(local.candidate.kind, CandidateType::Relay);
    assert!((49160..=49200).contains(&local.candidate.address.port()));
    assert!(
        snapshot
            .local_candidates
            .iter()
            .all(|c| c.candidate.kind == CandidateType::Relay)
    );
    let server_stats = &snapshot.ice_servers[0];
    assert_eq!(server_stats.url, url);
    // Allocate twice (401 challenge, then authenticated) and one ChannelBind, all answered.
    assert_eq!(server_stats.total_requests_sent, 3);
    assert_eq!(server_stats.total_responses_received, 3);

    let clock = EpochClock::system();
    let mut report = RTCStatsReport::new();
    snapshot.write_report(
        &clock,
        Instant::now(),
        &ReportOptions::default(),
        &mut report,
    );
    let json = Value::Object(report.to_json_object());
    let c = &json[&local.stats_id];
    assert_eq!(c["candidateType"], "relay");
    assert_eq!(c["url"], Value::from(url.clone()));
    assert_eq!(c["relayProtocol"], "udp");
    let p = &json[&selected.stats_id];
    assert_eq!(p["packetsSent"], 3);
    assert_eq!(p["packetsReceived"], 3);
}
