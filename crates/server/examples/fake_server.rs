//! The HTTP side over a fake backend whose stats change every second: one WHIP
//! and one WHEP connection with made-up but plausible numbers. For looking at
//! the dashboard without media: `cargo run -p rtcscope-server --example
//! fake_server -- 127.0.0.1:8080`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_server::{
    BoxFuture, ConnectionInfo, Direction, Selector, ServeOptions, SessionBackend, SessionError,
    SessionId,
};
use rtcscope_stats::RTCStatsReport;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

struct ChangingStats {
    started: Instant,
    sessions: Mutex<Vec<ConnectionInfo>>,
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

impl ChangingStats {
    fn report(&self, direction: Direction) -> RTCStatsReport {
        let t = self.started.elapsed().as_secs_f64() + 1.0;
        let ts = now_ms();
        // Rate 1.2 Mbit/s ± 0.4 Mbit/s (period ~31 s), integrated in closed form.
        let bytes = ((1.2e6 * t + 2.0e6 * (1.0 - (t / 5.0).cos())) / 8.0).floor();
        let packets = (bytes / 1100.0).floor();
        let lost = (packets * (0.01 + 0.01 * (t / 7.0).sin().powi(2))).floor();
        let jitter = 0.004 + 0.002 * (t / 4.0).sin();
        let rtt = 0.040 + 0.015 * (t / 6.0).sin();
        let frames = (t * 30.0) as u64;
        // Counters are integers in the stats model.
        let (fraction_lost, nacks) = (lost / packets.max(1.0), (lost / 2.0) as u64);
        let (bytes, packets, lost) = (bytes as u64, packets as u64, lost as u64);
        let common = json!([
            {"id": "T01", "timestamp": ts, "type": "transport", "dtlsState": "connected",
             "selectedCandidatePairId": "CP01", "bytesSent": bytes, "bytesReceived": bytes},
            {"id": "CP01", "timestamp": ts, "type": "candidate-pair", "transportId": "T01",
             "localCandidateId": "IL", "remoteCandidateId": "IR", "state": "succeeded",
             "nominated": true, "currentRoundTripTime": rtt,
             "availableOutgoingBitrate": 2_500_000}
        ]);
        let streams = match direction {
            Direction::Whip => json!([
                {"id": "IT01V1234", "timestamp": ts, "type": "inbound-rtp", "ssrc": 1234,
                 "kind": "video", "transportId": "T01", "mid": "1",
                 "trackIdentifier": "camera", "packetsReceived": packets - lost,
                 "bytesReceived": bytes, "packetsLost": lost, "jitter": jitter,
                 "framesDecoded": frames, "framesReceived": frames, "keyFramesDecoded": 1,
                 "frameWidth": 640, "frameHeight": 480, "framesPerSecond": 30,
                 "nackCount": nacks, "pliCount": 0},
                {"id": "ROV1234", "timestamp": ts, "type": "remote-outbound-rtp",
                 "ssrc": 1234, "kind": "video", "transportId": "T01",
                 "localId": "IT01V1234", "packetsSent": packets, "bytesSent": bytes,
                 "roundTripTime": rtt}
            ]),
            Direction::Whep => json!([
                {"id": "OT01V5678", "timestamp": ts, "type": "outbound-rtp", "ssrc": 5678,
                 "kind": "video", "transportId": "T01", "mid": "0",
                 "packetsSent": packets, "bytesSent": bytes, "framesEncoded": frames,
                 "framesSent": frames, "frameWidth": 640, "frameHeight": 480},
                {"id": "RIV5678", "timestamp": ts, "type": "remote-inbound-rtp",
                 "ssrc": 5678, "kind": "video", "transportId": "T01",
                 "localId": "OT01V5678", "packetsLost": lost, "jitter": jitter,
                 "roundTripTime": rtt, "fractionLost": fraction_lost}
            ]),
        };
        let mut all = common.as_array().unwrap().clone();
        all.extend(streams.as_array().unwrap().iter().cloned());
        RTCStatsReport::from_json_value(&serde_json::Value::Array(all)).unwrap()
    }
}

/// Logs what arrived (to check a browser's offer gets here) and refuses it.
fn refuse(endpoint: &str, offer: &str) -> SessionError {
    let media: Vec<&str> = offer.lines().filter(|l| l.starts_with("m=")).collect();
    eprintln!("{endpoint} offer: {} bytes, {media:?}", offer.len());
    SessionError::Internal("the fake backend has no media".into())
}

impl SessionBackend for ChangingStats {
    fn publish(&self, offer: String) -> BoxFuture<'_, Result<(SessionId, String), SessionError>> {
        Box::pin(async move { Err(refuse("WHIP", &offer)) })
    }
    fn play(&self, offer: String) -> BoxFuture<'_, Result<(SessionId, String), SessionError>> {
        Box::pin(async move { Err(refuse("WHEP", &offer)) })
    }
    fn delete(&self, id: SessionId) -> BoxFuture<'_, Result<(), SessionError>> {
        Box::pin(async move {
            self.sessions.lock().unwrap().retain(|c| c.id != id);
            Ok(())
        })
    }
    fn list(&self) -> Vec<ConnectionInfo> {
        self.sessions.lock().unwrap().clone()
    }
    fn stats(
        &self,
        id: SessionId,
        _: Option<Selector>,
    ) -> BoxFuture<'_, Result<RTCStatsReport, SessionError>> {
        let direction = self
            .list()
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| c.direction);
        Box::pin(async move {
            direction
                .map(|d| self.report(d))
                .ok_or(SessionError::NotFound)
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let created_ms = now_ms();
    let session = |id: &str, direction| ConnectionInfo {
        id: SessionId(id.into()),
        direction,
        state: "connected".into(),
        created_ms,
    };
    let backend = Arc::new(ChangingStats {
        started: Instant::now(),
        sessions: Mutex::new(vec![
            session("a1b2c3", Direction::Whip),
            session("d4e5f6", Direction::Whep),
        ]),
    });
    let listener = tokio::net::TcpListener::bind(&address).await?;
    eprintln!("fake backend on http://{address}/");
    rtcscope_server::serve(listener, backend, ServeOptions::default()).await
}
