//! Successive getStats()-like reports over a channel's life pass the stats
//! crate's strict verifier, alone and as a sequence (counters never decrease,
//! ids are never reused for another channel, closed channels stay).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::Pair;
use rtcscope_sctp::{DataChannelInit, SctpTransport};
use rtcscope_stats::verify::{SequenceVerifier, verify_report};
use rtcscope_stats::{EpochClock, RTCDataChannelState, RTCDataChannelStats, RTCStatsReport};
use serde_json::Value;

fn report(t: &SctpTransport, clock: &EpochClock, now: std::time::Instant) -> RTCStatsReport {
    let timestamp = clock.unix_ms(now);
    let mut report = RTCStatsReport::new();
    t.insert_data_channel_stats(&mut report, timestamp);
    report.insert(t.peer_connection_counts().to_stats("P", timestamp));
    report.insert(
        t.sctp_transport_snapshot()
            .to_stats("SCTP", None, timestamp),
    );
    report
}

#[test]
fn reports_over_a_channel_life_pass_the_strict_sequence_verifier() {
    let mut pair = Pair::lossless(10);
    let clock = EpochClock::new(pair.start, 1_795_469_422_892.0);
    let mut sequence = SequenceVerifier::new();
    let mut check = |pair: &Pair| -> RTCStatsReport {
        let r = report(&pair.a, &clock, pair.now);
        let verdict = verify_report(&r);
        assert!(verdict.passes(true), "{:?}", verdict.violations);
        let json = Value::Object(r.to_json_object());
        let verdict = sequence.push(&json);
        assert!(verdict.passes(true), "{:?}", verdict.violations);
        r
    };

    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("life"))
        .unwrap();
    let r = check(&pair);
    let dc: &RTCDataChannelStats = r.get_as("D1").unwrap();
    assert_eq!(dc.state, RTCDataChannelState::Connecting);

    pair.connect();
    assert!(pair.run_until(Duration::from_secs(2), |p| Pair::opened(&p.events_b, id)));
    for i in 0..5 {
        pair.a.send_text(id, &"x".repeat(i)).unwrap();
    }
    pair.run_for(Duration::from_millis(500));
    let r = check(&pair);
    let dc: &RTCDataChannelStats = r.get_as("D1").unwrap();
    assert_eq!(dc.state, RTCDataChannelState::Open);
    assert_eq!((dc.messages_sent, dc.bytes_sent), (Some(5), Some(10)));

    pair.a.close_channel(id).unwrap();
    let r = check(&pair);
    assert_eq!(
        r.get_as::<RTCDataChannelStats>("D1").unwrap().state,
        RTCDataChannelState::Closing
    );
    assert!(pair.run_until(Duration::from_secs(5), |p| Pair::closed(&p.events_a, id)));
    // The stream id is reused by a new channel: a new stats object, the old one stays.
    let again = pair
        .a
        .create_data_channel(DataChannelInit::new("again"))
        .unwrap();
    assert_eq!(again, id);
    pair.run_for(Duration::from_millis(500));
    let r = check(&pair);
    assert_eq!(
        r.get_as::<RTCDataChannelStats>("D1").unwrap().state,
        RTCDataChannelState::Closed
    );
    let d2: &RTCDataChannelStats = r.get_as("D2").unwrap();
    assert_eq!(d2.label.as_deref(), Some("again"));
    assert_eq!(d2.state, RTCDataChannelState::Open);
    assert_eq!(d2.messages_sent, Some(0));
}
