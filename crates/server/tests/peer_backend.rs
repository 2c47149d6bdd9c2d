//! `PeerBackend` against an rtcscope peer connection over real UDP on
//! 127.0.0.1 (publish: media in + data-channel echo; play: media out), and
//! against Chrome 156's offer text (codec refusal, hostile SDP, the cap).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use rtcscope_peer::pc_driver::{PeerConnectionHandle, spawn};
use rtcscope_peer::{
    MediaStreamTrack, PeerConnectionEvent, RTCConfiguration, RTCPeerConnection,
    RTCPeerConnectionState, RTCSessionDescription,
};
use rtcscope_sctp::{DataChannelInit, DataChannelMessage};
use rtcscope_sdp::SdpType;
use rtcscope_server::{
    PeerBackend, PeerBackendConfig, Selector, SessionBackend, SessionError, SessionId,
};
use rtcscope_stats::{EpochClock, MediaKind};
use serde_json::Value;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::Receiver;

const CHROME_OFFER: &str = include_str!("data/chrome_offer.sdp");

fn backend(max_connections: usize) -> PeerBackend {
    PeerBackend::new(PeerBackendConfig {
        udp_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        max_connections,
        real_media: None,
    })
}

async fn client(seed: u64) -> (PeerConnectionHandle, Receiver<PeerConnectionEvent>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = socket.local_addr().unwrap();
    let pc = RTCPeerConnection::new(
        RTCConfiguration::new(vec![local], seed),
        EpochClock::system(),
    )
    .unwrap();
    let (pc, events, _task) = spawn(socket, pc).unwrap();
    (pc, events)
}

/// Offer from `pc`, answered by `answer` (publish or play); returns the id.
/// The client's candidates are not signalled (as a WHIP client that does not
/// trickle): the server learns them as peer-reflexive from the checks.
async fn negotiate<F, Fut>(pc: &PeerConnectionHandle, answer: F) -> SessionId
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<(SessionId, String), SessionError>>,
{
    let offer = pc.create_offer().await.unwrap();
    pc.set_local_description(offer.clone()).await.unwrap();
    let (id, answer_sdp) = answer(offer.sdp).await.unwrap();
    assert!(
        answer_sdp.contains("a=candidate:") && answer_sdp.contains("a=end-of-candidates"),
        "the answer carries our candidates:\n{answer_sdp}"
    );
    pc.set_remote_description(RTCSessionDescription {
        sdp_type: SdpType::Answer,
        sdp: answer_sdp,
    })
    .await
    .unwrap();
    id
}

async fn wait_connected(events: &mut Receiver<PeerConnectionEvent>) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(e) = events.recv().await {
            if e == PeerConnectionEvent::ConnectionStateChange(RTCPeerConnectionState::Connected) {
                return;
            }
        }
        panic!("event stream ended before connected");
    })
    .await
    .expect("connected within 10 s");
}

fn stream<'a>(json: &'a serde_json::Map<String, Value>, ty: &str, kind: &str) -> &'a Value {
    json.values()
        .find(|s| s["type"] == ty && s["kind"] == kind)
        .unwrap_or_else(|| panic!("no {ty} {kind} in {json:#?}"))
}

/// The UDP port of the session's local candidate.
async fn server_port(backend: &PeerBackend, id: &SessionId) -> u16 {
    let report = backend
        .stats(id.clone(), None)
        .await
        .unwrap()
        .to_json_object();
    let local = report
        .values()
        .find(|s| s["type"] == "local-candidate")
        .expect("a local candidate");
    u16::try_from(local["port"].as_u64().unwrap()).unwrap()
}

#[tokio::test]
async fn publish_receives_the_clients_media_and_echoes_its_messages() {
    let backend = backend(4);
    let (pc, mut events) = client(11).await;
    let audio = pc
        .add_track(MediaStreamTrack {
            id: "mic".into(),
            kind: MediaKind::Audio,
        })
        .await
        .unwrap();
    let video = pc
        .add_track(MediaStreamTrack {
            id: "cam".into(),
            kind: MediaKind::Video,
        })
        .await
        .unwrap();
    let channel = pc
        .create_data_channel(DataChannelInit::new("chat"))
        .await
        .unwrap();
    let id = negotiate(&pc, |sdp| backend.publish(sdp)).await;
    assert_eq!(id.0, "whip1");
    wait_connected(&mut events).await;
    audio.start_synthetic_media().await.unwrap();
    video.start_synthetic_media().await.unwrap();

    // Wait for the channel, then send 20 messages; every one must come back.
    let sent: Vec<String> = (0..20)
        .map(|i| format!("message {i} {}", "y".repeat(i * 50)))
        .collect();
    let mut echoed = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut opened = false;
    while echoed.len() < sent.len() && Instant::now() < deadline {
        let event = tokio::time::timeout(Duration::from_millis(200), events.recv()).await;
        match event {
            Ok(Some(PeerConnectionEvent::DataChannelOpen { channel: c })) if c == channel => {
                opened = true;
                for text in &sent {
                    pc.send_text(channel, text.clone()).await.unwrap();
                }
            }
            Ok(Some(PeerConnectionEvent::DataChannelMessage { message, .. })) => match message {
                DataChannelMessage::Text(t) => echoed.push(t),
                DataChannelMessage::Binary(b) => panic!("binary echo of a text message: {b:?}"),
            },
            _ => {}
        }
    }
    assert!(opened, "data channel opened");
    assert_eq!(echoed, sent, "every message echoed, in order");

    // One second of media, during which others misbehave: refused offers and
    // garbage datagrams at the session's port must not disturb it.
    let port = server_port(&backend, &id).await;
    let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for i in 0..100u8 {
        let junk: Vec<u8> = (0..(i as usize * 7 % 300))
            .map(|j| (j as u8).wrapping_mul(i))
            .collect();
        stranger.send_to(&junk, ("127.0.0.1", port)).await.unwrap();
    }
    assert!(matches!(
        backend.publish("v=0 junk".into()).await,
        Err(SessionError::BadSdp(_))
    ));
    assert!(matches!(
        backend.publish(chrome_offer_keeping(&["0", "96"])).await,
        Err(SessionError::NoUsableCodec(_))
    ));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    pc.call(move |pc, _| {
        pc.pause_synthetic_media(audio.sender).unwrap();
        pc.pause_synthetic_media(video.sender).unwrap();
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ours = backend
        .stats(id.clone(), None)
        .await
        .unwrap()
        .to_json_object();
    let theirs = pc.get_stats(None).await.unwrap().to_json_object();
    for kind in ["audio", "video"] {
        let sent = stream(&theirs, "outbound-rtp", kind);
        let received = stream(&ours, "inbound-rtp", kind);
        assert_eq!(received["ssrc"], sent["ssrc"], "{kind}");
        // Loopback, nothing lost: the counts are equal.
        assert_eq!(
            received["packetsReceived"], sent["packetsSent"],
            "{kind}: {received:#} vs {sent:#}"
        );
        assert!(sent["packetsSent"].as_u64().unwrap() > 10, "{kind} flowed");
    }
    assert_eq!(
        backend
            .list()
            .iter()
            .map(|c| c.state.as_str())
            .collect::<Vec<_>>(),
        ["connected"]
    );
    // Selectors: the receiver of our video track (named by its inbound-rtp
    // trackIdentifier) selects the video inbound-rtp and what it reaches only.
    let video_track = stream(&ours, "inbound-rtp", "video")["trackIdentifier"]
        .as_str()
        .unwrap()
        .to_string();
    let selected = backend
        .stats(id.clone(), Some(Selector::Receiver(video_track)))
        .await
        .unwrap()
        .to_json_object();
    let rtp: Vec<&Value> = selected
        .values()
        .filter(|s| s["type"] == "inbound-rtp" || s["type"] == "outbound-rtp")
        .collect();
    assert_eq!(rtp.len(), 1);
    assert_eq!(rtp[0]["kind"], "video");
    assert!(selected.len() < ours.len());
    assert!(matches!(
        backend
            .stats(id.clone(), Some(Selector::Sender("cam".into())))
            .await,
        Err(SessionError::BadSelector(_))
    ));
    backend.delete(id.clone()).await.unwrap();
    assert!(backend.list().is_empty());
    assert_eq!(
        backend.delete(id.clone()).await,
        Err(SessionError::NotFound)
    );
    assert!(matches!(
        backend.stats(id, None).await,
        Err(SessionError::NotFound)
    ));
}

#[tokio::test]
async fn play_sends_audio_and_video_the_client_receives() {
    let backend = backend(4);
    let (pc, mut events) = client(12).await;
    pc.call(|pc, _| {
        pc.add_transceiver(MediaKind::Audio, rtcscope_sdp::Direction::RecvOnly)
            .unwrap();
        pc.add_transceiver(MediaKind::Video, rtcscope_sdp::Direction::RecvOnly)
            .unwrap();
    })
    .await
    .unwrap();
    let id = negotiate(&pc, |sdp| backend.play(sdp)).await;
    assert_eq!(id.0, "whep1");
    wait_connected(&mut events).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // Sampled together-ish: both counts grow at ~100 packets/s.
    let (ours, theirs) = tokio::join!(backend.stats(id.clone(), None), pc.get_stats(None));
    let (ours, theirs) = (
        ours.unwrap().to_json_object(),
        theirs.unwrap().to_json_object(),
    );
    for kind in ["audio", "video"] {
        let sent = stream(&ours, "outbound-rtp", kind)["packetsSent"]
            .as_u64()
            .unwrap();
        let received = stream(&theirs, "inbound-rtp", kind)["packetsReceived"]
            .as_u64()
            .unwrap();
        assert!(received > 20, "{kind}: {received} received");
        assert!(
            received <= sent && sent - received <= 5,
            "{kind}: we sent {sent}, the client received {received}"
        );
    }
    // Selectors by our sender track ids ("audio", "video").
    let audio = backend
        .stats(id.clone(), Some(Selector::Sender("audio".into())))
        .await
        .unwrap()
        .to_json_object();
    let outbound: Vec<&Value> = audio
        .values()
        .filter(|s| s["type"] == "outbound-rtp")
        .collect();
    assert_eq!(outbound.len(), 1);
    assert_eq!(outbound[0]["kind"], "audio");
    assert!(matches!(
        backend
            .stats(id.clone(), Some(Selector::Sender("nope".into())))
            .await,
        Err(SessionError::BadSelector(_))
    ));
    // The client closes: our side sees DTLS close and the session goes by itself.
    pc.close().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !backend.list().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        backend.list().is_empty(),
        "closed session cleaned up: {:?}",
        backend.list()
    );
}

/// Chrome's offer with only the payload types `keep` in each m-line (and
/// their attributes).
fn chrome_offer_keeping(keep: &[&str]) -> String {
    let mut out = String::new();
    for line in CHROME_OFFER.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("m=audio") || line.starts_with("m=video") {
            let mut parts: Vec<&str> = line.split(' ').collect();
            let formats: Vec<&str> = parts.split_off(3);
            parts.extend(formats.into_iter().filter(|f| keep.contains(f)));
            out.push_str(&parts.join(" "));
        } else if let Some(rest) = ["a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"]
            .iter()
            .find_map(|p| line.strip_prefix(p))
        {
            let pt = rest.split([' ', '/']).next().unwrap_or("");
            if !keep.contains(&pt) && pt != "*" {
                continue;
            }
            out.push_str(line);
        } else {
            out.push_str(line);
        }
        out.push_str("\r\n");
    }
    out
}

#[tokio::test]
async fn an_offer_without_opus_or_h264_is_refused_as_no_usable_codec() {
    let backend = backend(4);
    // PCMU audio, VP8 video (+ its RTX) and a data channel.
    let offer = chrome_offer_keeping(&["0", "96", "97"]);
    assert!(
        offer.contains("m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"),
        "{offer}"
    );
    match backend.publish(offer.clone()).await {
        Err(SessionError::NoUsableCodec(m)) => assert!(m.contains("H.264"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        backend.play(offer).await,
        Err(SessionError::NoUsableCodec(_))
    ));
    assert!(backend.list().is_empty());
    // The same offer keeping Opus and H.264 108 (42e01f) is answered, with them.
    let (_, answer) = backend
        .publish(chrome_offer_keeping(&["111", "108", "109"]))
        .await
        .unwrap();
    assert!(answer.contains("a=rtpmap:111 opus/48000/2"), "{answer}");
    assert!(answer.contains("a=rtpmap:108 H264/90000"), "{answer}");
    assert_eq!(backend.list().len(), 1);
}

#[tokio::test]
async fn hostile_offers_are_bad_sdp_and_leave_no_session() {
    let backend = backend(4);
    let no_fingerprint: String = CHROME_OFFER
        .lines()
        .filter(|l| !l.starts_with("a=fingerprint"))
        .map(|l| format!("{l}\n"))
        .collect();
    let no_ice: String = CHROME_OFFER
        .lines()
        .filter(|l| !l.starts_with("a=ice-ufrag") && !l.starts_with("a=ice-pwd"))
        .map(|l| format!("{l}\n"))
        .collect();
    let many_sections = format!(
        "{CHROME_OFFER}{}",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:x\r\n".repeat(2000)
    );
    for (name, offer) in [
        ("not SDP", "hello, world".to_string()),
        ("empty", String::new()),
        ("no fingerprint", no_fingerprint),
        ("no ICE credentials", no_ice),
        ("2000 extra m-sections", many_sections),
        (
            "NUL in a=setup",
            CHROME_OFFER.replace("a=setup:actpass", "a=setup:bogus\u{0}"),
        ),
    ] {
        match backend.publish(offer).await {
            Err(SessionError::BadSdp(m)) => assert!(!m.is_empty(), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(backend.list().is_empty());
}

#[tokio::test]
async fn the_connection_cap_refuses_beyond_max_until_one_is_deleted() {
    let backend = backend(2);
    let offer = || chrome_offer_keeping(&["111", "108", "109"]);
    let (first, _) = backend.publish(offer()).await.unwrap();
    let (second, _) = backend.play(offer()).await.unwrap();
    assert_ne!(first, second);
    assert_eq!(
        backend.publish(offer()).await,
        Err(SessionError::TooManyConnections)
    );
    backend.delete(first).await.unwrap();
    let (third, _) = backend.publish(offer()).await.unwrap();
    let mut ids: Vec<String> = backend.list().into_iter().map(|c| c.id.0).collect();
    ids.sort();
    assert_eq!(ids, [second.0, third.0]);
}

/// The routes over the real backend: 201 + Location + an answer carrying our
/// candidate; a VP8-only offer is a 400 that names the codecs; the stats of
/// the live session are an id-keyed object; DELETE then 404.
#[tokio::test]
async fn http_routes_over_the_real_backend() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use http_body_util::BodyExt;
    use std::sync::Arc;
    use tower::ServiceExt;

    let app = rtcscope_server::router(Arc::new(backend(4)), Default::default());
    let send = |request: Request<Body>| {
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let location = response
                .headers()
                .get(header::LOCATION)
                .map(|v| v.to_str().unwrap().to_string());
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, location, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    let post = |path: &str, sdp: String| {
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/sdp")
            .body(Body::from(sdp))
            .unwrap()
    };
    let (status, location, answer) =
        send(post("/whip", chrome_offer_keeping(&["111", "108", "109"]))).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(location.as_deref(), Some("/whip/whip1"));
    assert!(answer.contains(" typ host"), "{answer}");
    let (status, _, message) = send(post("/whep", chrome_offer_keeping(&["0", "96"]))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("H.264"), "{message}");
    let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();
    let (status, _, stats) = send(get("/api/connections/whip1/stats")).await;
    assert_eq!(status, StatusCode::OK);
    let stats: Value = serde_json::from_str(&stats).unwrap();
    let transport = stats["T01"].clone();
    assert_eq!(transport["type"], "transport", "{stats:#}");
    let delete = Request::delete("/whip/whip1").body(Body::empty()).unwrap();
    assert!(send(delete).await.0.is_success());
    assert_eq!(
        send(get("/api/connections/whip1/stats")).await.0,
        StatusCode::NOT_FOUND
    );
}
