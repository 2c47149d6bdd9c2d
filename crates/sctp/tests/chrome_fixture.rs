//! The Chrome 156 loopback fixture's data channel: the offerer (DTLS server, so
//! stream id 1) opened "chat" and sent 10 messages of 7 bytes; the answerer
//! received them. We replay that and compare our JSON objects with Chrome's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::Pair;
use rtcscope_sctp::DataChannelInit;
use rtcscope_stats::RTCStats;
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/chrome-156-loopback-getstats.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn chrome_object(fixture: &Value, side: &str, ty: &str) -> Value {
    fixture[side]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == ty)
        .unwrap()
        .clone()
}

fn ours_as_json(stats: impl Into<RTCStats>) -> Value {
    serde_json::from_str(&rtcscope_stats::json::to_js_json(&stats.into())).unwrap()
}

#[test]
fn data_channel_and_peer_connection_objects_match_chrome() {
    let fixture = fixture();
    let mut pair = Pair::lossless(1);
    pair.connect();
    // B is the DTLS server like Chrome's offerer here: the first id is 1.
    let id = pair
        .b
        .create_data_channel(DataChannelInit::new("chat"))
        .unwrap();
    assert!(pair.run_until(Duration::from_secs(2), |p| Pair::opened(&p.events_a, id)));
    for i in 0..10 {
        pair.b.send_text(id, &format!("hello {i}")).unwrap();
    }
    assert!(pair.run_until(
        Duration::from_secs(2),
        |p| Pair::messages(&p.events_a, id).len() == 10
    ));

    for (side, transport) in [("offerer", &pair.b), ("answerer", &pair.a)] {
        let chrome_dc = chrome_object(&fixture, side, "data-channel");
        let timestamp = chrome_dc["timestamp"].as_f64().unwrap();
        let mut ours = transport.data_channel_stats(timestamp);
        assert_eq!(ours.len(), 1);
        // Stats ids are ours to choose; everything else must be Chrome's.
        ours[0].id = chrome_dc["id"].as_str().unwrap().to_owned();
        assert_eq!(
            ours_as_json(ours.remove(0)),
            chrome_dc,
            "{side} data-channel"
        );

        let chrome_pc = chrome_object(&fixture, side, "peer-connection");
        let pc = transport.peer_connection_counts().to_stats(
            chrome_pc["id"].as_str().unwrap(),
            chrome_pc["timestamp"].as_f64().unwrap(),
        );
        assert_eq!(ours_as_json(pc), chrome_pc, "{side} peer-connection");
    }
}
