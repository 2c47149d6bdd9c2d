//! HTTP-level tests of every route over a fake backend (no media).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use rtcscope_server::{
    BoxFuture, ConnectionInfo, Direction, Selector, ServeOptions, SessionBackend, SessionError,
    SessionId, router,
};
use rtcscope_stats::RTCStatsReport;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

/// Records what the handlers asked for; answers `answer:{len}` and refuses
/// with `refusal` when set.
#[derive(Default)]
struct FakeBackend {
    sessions: Mutex<Vec<ConnectionInfo>>,
    offers: Mutex<Vec<String>>,
    selectors: Mutex<Vec<Option<Selector>>>,
    refusal: Mutex<Option<SessionError>>,
}

impl FakeBackend {
    fn create(
        &self,
        direction: Direction,
        offer: String,
    ) -> Result<(SessionId, String), SessionError> {
        if let Some(e) = self.refusal.lock().unwrap().clone() {
            return Err(e);
        }
        let answer = format!("v=0\r\ns=answer to {} bytes\r\n", offer.len());
        self.offers.lock().unwrap().push(offer);
        let mut sessions = self.sessions.lock().unwrap();
        let id = SessionId(format!("s{}", sessions.len() + 1));
        sessions.push(ConnectionInfo {
            id: id.clone(),
            direction,
            state: "connected".into(),
            created_ms: 1_795_470_917_148.5,
        });
        Ok((id, answer))
    }

    fn report(id: &str) -> RTCStatsReport {
        RTCStatsReport::from_json_value(&json!([
            {"id": "T01", "timestamp": 1000.5, "type": "transport",
             "dtlsState": "connected", "selectedCandidatePairId": "CP1"},
            {"id": "CP1", "timestamp": 1000.5, "type": "candidate-pair",
             "transportId": "T01", "localCandidateId": "L", "remoteCandidateId": "R",
             "state": "succeeded", "nominated": true, "availableOutgoingBitrate": 2000000},
            {"id": format!("IT01V{}", id.len()), "timestamp": 1000.5, "type": "inbound-rtp",
             "ssrc": 42, "kind": "video", "transportId": "T01", "mid": "0",
             "trackIdentifier": "cam", "packetsReceived": 77, "bytesReceived": 9000,
             "packetsLost": 3, "jitter": 0.004, "framesDecoded": 25}
        ]))
        .unwrap()
    }
}

impl SessionBackend for FakeBackend {
    fn publish(&self, offer: String) -> BoxFuture<'_, Result<(SessionId, String), SessionError>> {
        Box::pin(async move { self.create(Direction::Whip, offer) })
    }
    fn play(&self, offer: String) -> BoxFuture<'_, Result<(SessionId, String), SessionError>> {
        Box::pin(async move { self.create(Direction::Whep, offer) })
    }
    fn delete(&self, id: SessionId) -> BoxFuture<'_, Result<(), SessionError>> {
        Box::pin(async move {
            let mut sessions = self.sessions.lock().unwrap();
            let before = sessions.len();
            sessions.retain(|c| c.id != id);
            if sessions.len() == before {
                Err(SessionError::NotFound)
            } else {
                Ok(())
            }
        })
    }
    fn list(&self) -> Vec<ConnectionInfo> {
        self.sessions.lock().unwrap().clone()
    }
    fn stats(
        &self,
        id: SessionId,
        selector: Option<Selector>,
    ) -> BoxFuture<'_, Result<RTCStatsReport, SessionError>> {
        Box::pin(async move {
            self.selectors.lock().unwrap().push(selector);
            if self.sessions.lock().unwrap().iter().any(|c| c.id == id) {
                Ok(Self::report(&id.0))
            } else {
                Err(SessionError::NotFound)
            }
        })
    }
}

fn app(backend: &Arc<FakeBackend>, options: ServeOptions) -> axum::Router {
    router(backend.clone(), options)
}

async fn send(app: &axum::Router, request: Request<Body>) -> (Response<Body>, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    (Response::from_parts(parts, Body::empty()), text)
}

fn post(path: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::post(path);
    if let Some(ct) = content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    builder.body(body.into()).unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn delete(path: &str) -> Request<Body> {
    Request::delete(path).body(Body::empty()).unwrap()
}

fn header_of(response: &Response<Body>, name: header::HeaderName) -> &str {
    response.headers().get(name).unwrap().to_str().unwrap()
}

#[tokio::test]
async fn whip_and_whep_offers_get_201_with_answer_and_location() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());

    let (response, body) = send(&app, post("/whip", Some("application/sdp"), OFFER)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "application/sdp"
    );
    assert_eq!(header_of(&response, header::LOCATION), "/whip/s1");
    assert_eq!(
        body,
        format!("v=0\r\ns=answer to {} bytes\r\n", OFFER.len())
    );

    // Parameters on the media type are fine.
    let (response, _) = send(
        &app,
        post("/whep", Some("Application/SDP; charset=utf-8"), OFFER),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header_of(&response, header::LOCATION), "/whep/s2");

    assert_eq!(
        *backend.offers.lock().unwrap(),
        vec![OFFER.to_string(), OFFER.to_string()]
    );
    let directions: Vec<Direction> = backend.list().iter().map(|c| c.direction).collect();
    assert_eq!(directions, vec![Direction::Whip, Direction::Whep]);
}

#[tokio::test]
async fn wrong_or_missing_content_type_is_415_and_never_reaches_the_backend() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/sdpx"),
        Some("application/json"),
    ] {
        let (response, body) = send(&app, post("/whip", content_type, OFFER)).await;
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert!(body.contains("application/sdp"), "{body}");
    }
    assert!(backend.offers.lock().unwrap().is_empty());
}

#[tokio::test]
async fn body_that_is_not_sdp_is_400_with_a_message() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());
    for body in [&b"hello"[..], b"", b"v=0\xff\xfe"] {
        let (response, text) =
            send(&app, post("/whep", Some("application/sdp"), body.to_vec())).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "text/plain; charset=utf-8"
        );
        assert!(text.contains("SDP") || text.contains("UTF-8"), "{text}");
    }
    assert!(backend.offers.lock().unwrap().is_empty());
}

#[tokio::test]
async fn body_over_the_limit_is_413_and_at_the_limit_is_accepted() {
    let backend = Arc::new(FakeBackend::default());
    let options = ServeOptions::default();
    assert_eq!(options.max_body_bytes, 64 * 1024);
    let app = app(&backend, options);

    let mut at_limit = OFFER.to_string();
    at_limit.push_str(&"a".repeat(64 * 1024 - OFFER.len()));
    assert_eq!(at_limit.len(), 64 * 1024);
    let (response, _) = send(
        &app,
        post("/whip", Some("application/sdp"), at_limit.clone()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    at_limit.push('a');
    let (response, _) = send(&app, post("/whip", Some("application/sdp"), at_limit)).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(backend.offers.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn backend_refusals_map_to_status_codes_with_messages() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());
    let cases = [
        (
            SessionError::BadSdp("no a=ice-ufrag".into()),
            StatusCode::BAD_REQUEST,
            "no a=ice-ufrag",
        ),
        (
            SessionError::NoUsableCodec("only VP9 offered; H.264 is supported".into()),
            StatusCode::BAD_REQUEST,
            "only VP9 offered",
        ),
        (
            SessionError::TooManyConnections,
            StatusCode::SERVICE_UNAVAILABLE,
            "too many connections",
        ),
        (
            SessionError::Internal("boom".into()),
            StatusCode::INTERNAL_SERVER_ERROR,
            "boom",
        ),
    ];
    for (refusal, status, message) in cases {
        *backend.refusal.lock().unwrap() = Some(refusal);
        for path in ["/whip", "/whep"] {
            let (response, body) = send(&app, post(path, Some("application/sdp"), OFFER)).await;
            assert_eq!(response.status(), status);
            assert!(body.contains(message), "{body}");
            assert!(response.headers().get(header::LOCATION).is_none());
        }
    }
}

#[tokio::test]
async fn max_connections_gives_503_without_asking_the_backend() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(
        &backend,
        ServeOptions {
            max_connections: 2,
            ..ServeOptions::default()
        },
    );
    for expected in ["/whip/s1", "/whep/s2"] {
        let path = &expected[..5];
        let (response, _) = send(&app, post(path, Some("application/sdp"), OFFER)).await;
        assert_eq!(header_of(&response, header::LOCATION), expected);
    }
    let (response, body) = send(&app, post("/whip", Some("application/sdp"), OFFER)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("too many connections"));
    assert_eq!(backend.offers.lock().unwrap().len(), 2);

    // Ending one frees a slot.
    let (response, _) = send(&app, delete("/whip/s1")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (response, _) = send(&app, post("/whip", Some("application/sdp"), OFFER)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn delete_ends_only_a_known_session_of_that_endpoint() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());
    send(&app, post("/whip", Some("application/sdp"), OFFER)).await;
    send(&app, post("/whep", Some("application/sdp"), OFFER)).await;

    // A WHIP session cannot be ended through /whep, nor an unknown one.
    for path in ["/whep/s1", "/whip/s2", "/whip/nope"] {
        let (response, _) = send(&app, delete(path)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(backend.list().len(), 2);

    let (response, _) = send(&app, delete("/whip/s1")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (response, _) = send(&app, delete("/whip/s1")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let ids: Vec<String> = backend.list().into_iter().map(|c| c.id.0).collect();
    assert_eq!(ids, vec!["s2"]);
}

#[tokio::test]
async fn connections_api_lists_id_direction_state_created() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());
    let (response, body) = send(&app, get("/api/connections")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "[]");

    send(&app, post("/whip", Some("application/sdp"), OFFER)).await;
    send(&app, post("/whep", Some("application/sdp"), OFFER)).await;
    let (response, body) = send(&app, get("/api/connections")).await;
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "application/json"
    );
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        list,
        json!([
            {"id": "s1", "direction": "whip", "state": "connected", "created": 1_795_470_917_148.5},
            {"id": "s2", "direction": "whep", "state": "connected", "created": 1_795_470_917_148.5},
        ])
    );
}

#[tokio::test]
async fn stats_api_returns_the_report_keyed_by_id() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());
    send(&app, post("/whip", Some("application/sdp"), OFFER)).await;

    let (response, body) = send(&app, get("/api/connections/s1/stats")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "application/json"
    );
    let report: Value = serde_json::from_str(&body).unwrap();
    let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["T01", "CP1", "IT01V2"]);
    assert_eq!(report["IT01V2"]["id"], "IT01V2");
    assert_eq!(report["IT01V2"]["type"], "inbound-rtp");
    assert_eq!(report["IT01V2"]["packetsReceived"], 77);
    assert_eq!(report["CP1"]["availableOutgoingBitrate"], 2_000_000);
    // Browser-exact number text: the timestamp keeps its fraction.
    assert!(body.contains("\"timestamp\":1000.5"), "{body}");

    let (response, _) = send(&app, get("/api/connections/s1/stats?selector=receiver:cam")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (response, _) = send(&app, get("/api/connections/s1/stats?selector=sender%3Amic")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        *backend.selectors.lock().unwrap(),
        vec![
            None,
            Some(Selector::Receiver("cam".into())),
            Some(Selector::Sender("mic".into())),
        ]
    );
}

#[tokio::test]
async fn stats_api_404s_unknown_ids_and_400s_bad_selectors() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());
    send(&app, post("/whip", Some("application/sdp"), OFFER)).await;

    let (response, body) = send(&app, get("/api/connections/zz/stats")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(body.contains("no such session"));
    for selector in ["track:cam", "sender:", "cam", "receiver"] {
        let (response, body) = send(
            &app,
            get(&format!("/api/connections/s1/stats?selector={selector}")),
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{selector}");
        assert!(body.contains("sender:TRACK or receiver:TRACK"), "{body}");
    }
    // Only the unknown-id request reached the backend; bad selectors never did.
    assert_eq!(*backend.selectors.lock().unwrap(), vec![None]);
}

/// One parsed sample line: metric name, labels in order, value.
type Sample = (String, Vec<(String, String)>, f64);

/// Checks the text against the exposition format 0.0.4 grammar: every line a
/// HELP, a TYPE or a sample; each family's HELP and TYPE once, before its
/// samples; label values properly escaped. Returns the samples.
fn parse_exposition(text: &str) -> Vec<Sample> {
    fn is_metric_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }
    let mut helped = HashSet::new();
    let mut typed = HashSet::new();
    let mut current_family = String::new();
    let mut samples = Vec::new();
    assert!(text.ends_with('\n'));
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap();
            assert!(is_metric_name(name) && !help.is_empty(), "{line}");
            assert!(helped.insert(name.to_string()), "HELP twice: {line}");
            current_family = name.to_string();
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["counter", "gauge"].contains(&kind), "{line}");
            assert_eq!(name, current_family, "TYPE after its HELP");
            assert!(typed.insert(name.to_string()), "TYPE twice: {line}");
        } else {
            let open = line.find('{').unwrap();
            let name = &line[..open];
            assert_eq!(name, current_family, "sample outside its family: {line}");
            assert!(typed.contains(name));
            // Labels: name="value" pairs, value escapes \\ \" \n only.
            let mut labels = Vec::new();
            let mut rest = &line[open + 1..];
            loop {
                let eq = rest.find("=\"").unwrap();
                let label = &rest[..eq];
                assert!(is_metric_name(label) && !label.contains(':'), "{line}");
                let mut value = String::new();
                let mut chars = rest[eq + 2..].char_indices();
                let end = loop {
                    let (i, c) = chars.next().expect("unterminated label value");
                    match c {
                        '"' => break i,
                        '\\' => match chars.next().unwrap().1 {
                            '\\' => value.push('\\'),
                            '"' => value.push('"'),
                            'n' => value.push('\n'),
                            other => panic!("bad escape \\{other} in {line}"),
                        },
                        c => value.push(c),
                    }
                };
                labels.push((label.to_string(), value));
                rest = &rest[eq + 2 + end + 1..];
                if let Some(after) = rest.strip_prefix(',') {
                    rest = after;
                } else {
                    rest = rest.strip_prefix("} ").expect("labels end with '} '");
                    break;
                }
            }
            let value = match rest {
                "NaN" => f64::NAN,
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                number => number
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("bad value: {line}")),
            };
            samples.push((name.to_string(), labels, value));
        }
    }
    assert_eq!(helped, typed);
    samples
}

#[tokio::test]
async fn metrics_text_follows_the_exposition_grammar() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());
    send(&app, post("/whip", Some("application/sdp"), OFFER)).await;
    send(&app, post("/whip", Some("application/sdp"), OFFER)).await;

    let (response, body) = send(&app, get("/metrics")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header_of(&response, header::CONTENT_TYPE).starts_with("text/plain; version=0.0.4"));
    let samples = parse_exposition(&body);
    let labels = |connection: &str| {
        vec![
            ("connection".to_string(), connection.to_string()),
            ("ssrc".to_string(), "42".to_string()),
            ("kind".to_string(), "video".to_string()),
            ("type".to_string(), "inbound-rtp".to_string()),
        ]
    };
    let expected = [
        ("rtcscope_packets_received_total", labels("s1"), 77.0),
        ("rtcscope_packets_received_total", labels("s2"), 77.0),
        ("rtcscope_bytes_received_total", labels("s1"), 9000.0),
        ("rtcscope_bytes_received_total", labels("s2"), 9000.0),
        ("rtcscope_packets_lost", labels("s1"), 3.0),
        ("rtcscope_packets_lost", labels("s2"), 3.0),
        ("rtcscope_jitter_seconds", labels("s1"), 0.004),
        ("rtcscope_jitter_seconds", labels("s2"), 0.004),
        ("rtcscope_frames_decoded_total", labels("s1"), 25.0),
        ("rtcscope_frames_decoded_total", labels("s2"), 25.0),
        (
            "rtcscope_available_outgoing_bitrate_bits_per_second",
            vec![("connection".to_string(), "s1".to_string())],
            2e6,
        ),
        (
            "rtcscope_available_outgoing_bitrate_bits_per_second",
            vec![("connection".to_string(), "s2".to_string())],
            2e6,
        ),
    ];
    let expected: Vec<Sample> = expected
        .into_iter()
        .map(|(n, l, v)| (n.to_string(), l, v))
        .collect();
    assert_eq!(samples, expected);
}

#[test]
fn exposition_checker_rejects_malformed_text() {
    for bad in [
        "# HELP a x\n# TYPE a counter\na{l=\"v\"} 1\n# HELP a x\n", // HELP twice
        "# HELP a x\n# TYPE a counter\nb{l=\"v\"} 1\n",             // sample outside its family
        "# HELP a x\n# TYPE a counter\na{l=\"v\\t\"} 1\n",          // bad escape
        "# HELP a x\n# TYPE a counter\na{l=\"v\"} one\n",           // bad value
    ] {
        assert!(
            std::panic::catch_unwind(|| parse_exposition(bad)).is_err(),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn pages_are_served_as_html() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());
    for (path, must_mention) in [
        ("/", "/api/connections"),
        ("/publish", "/whip"),
        ("/play", "/whep"),
    ] {
        let (response, body) = send(&app, get(path)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        assert!(body.starts_with("<!doctype html>"), "{path}");
        assert!(body.contains(must_mention), "{path} lacks {must_mention}");
    }
    let (response, _) = send(&app, get("/nope")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn serve_answers_over_a_real_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let backend = Arc::new(FakeBackend::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(rtcscope_server::serve(
        listener,
        backend.clone(),
        ServeOptions::default(),
    ));

    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /whip HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{OFFER}",
        OFFER.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(
        response.starts_with("HTTP/1.1 201 Created\r\n"),
        "{response}"
    );
    assert!(
        response
            .to_ascii_lowercase()
            .contains("\r\nlocation: /whip/s1\r\n"),
        "{response}"
    );
    assert_eq!(backend.list().len(), 1);
    server.abort();
}

/// Parks every offer until the test opens the gate, so offers can be in flight
/// at the same time.
struct GatedBackend {
    inner: FakeBackend,
    gate: tokio::sync::Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
}

impl SessionBackend for GatedBackend {
    fn publish(&self, offer: String) -> BoxFuture<'_, Result<(SessionId, String), SessionError>> {
        Box::pin(async move {
            self.waiting
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.gate.acquire().await.unwrap().forget();
            self.inner.create(Direction::Whip, offer)
        })
    }
    fn play(&self, offer: String) -> BoxFuture<'_, Result<(SessionId, String), SessionError>> {
        self.inner.play(offer)
    }
    fn delete(&self, id: SessionId) -> BoxFuture<'_, Result<(), SessionError>> {
        self.inner.delete(id)
    }
    fn list(&self) -> Vec<ConnectionInfo> {
        self.inner.list()
    }
    fn stats(
        &self,
        id: SessionId,
        selector: Option<Selector>,
    ) -> BoxFuture<'_, Result<RTCStatsReport, SessionError>> {
        self.inner.stats(id, selector)
    }
}

#[tokio::test]
async fn offers_in_flight_count_against_the_limit() {
    let backend = Arc::new(GatedBackend {
        inner: FakeBackend::default(),
        gate: tokio::sync::Semaphore::new(0),
        waiting: Default::default(),
    });
    let app = router(
        backend.clone(),
        ServeOptions {
            max_connections: 2,
            ..ServeOptions::default()
        },
    );
    let first = tokio::spawn(send_owned(app.clone()));
    let second = tokio::spawn(send_owned(app.clone()));
    while backend.waiting.load(std::sync::atomic::Ordering::SeqCst) < 2 {
        tokio::task::yield_now().await;
    }
    // Neither session exists yet, but both offers hold a slot.
    assert!(backend.list().is_empty());
    // Admitted, it would park at the gate: the timeout turns that into a failure.
    let third = send(&app, post("/whip", Some("application/sdp"), OFFER));
    let (response, _) = tokio::time::timeout(std::time::Duration::from_secs(5), third)
        .await
        .expect("the third offer was admitted");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);

    backend.gate.add_permits(2);
    let mut locations = vec![first.await.unwrap(), second.await.unwrap()];
    locations.sort();
    assert_eq!(locations, ["/whip/s1", "/whip/s2"]);
    assert_eq!(backend.inner.offers.lock().unwrap().len(), 2);
}

async fn send_owned(app: axum::Router) -> String {
    let (response, _) = send(&app, post("/whip", Some("application/sdp"), OFFER)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    header_of(&response, header::LOCATION).to_string()
}

#[tokio::test]
async fn trickle_patch_is_405_as_rfc_9725_asks_of_non_trickle_servers() {
    let backend = Arc::new(FakeBackend::default());
    let app = app(&backend, ServeOptions::default());
    send(&app, post("/whip", Some("application/sdp"), OFFER)).await;
    let request = Request::patch("/whip/s1")
        .header(header::CONTENT_TYPE, "application/trickle-ice-sdpfrag")
        .body(Body::from("a=end-of-candidates\r\n"))
        .unwrap();
    let (response, _) = send(&app, request).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header_of(&response, header::ALLOW), "DELETE");
}

#[tokio::test]
async fn serve_until_stops_when_told() {
    let backend = Arc::new(FakeBackend::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rtcscope_server::serve_until(
        listener,
        backend,
        ServeOptions::default(),
        async {
            let _ = stopped.await;
        },
    ));
    tokio::net::TcpStream::connect(address).await.unwrap();
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(address).await.is_err());
}
