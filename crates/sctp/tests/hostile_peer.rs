//! A peer that speaks raw SCTP (sctp-proto directly) and sends what a well-behaved
//! WebRTC stack never would. Every case must end as a counted discard or refusal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtcscope_sctp::{
    DataChannelMessage, DataChannelState, DtlsRole, SctpConfig, SctpEvent, SctpTransport,
};
use sctp_proto::{
    Association, AssociationHandle, ClientConfig, DatagramEvent, Endpoint, EndpointConfig, Event,
    Payload, PayloadProtocolIdentifier as Ppi, StreamEvent,
};

struct RawPeer {
    endpoint: Endpoint,
    handle: AssociationHandle,
    assoc: Association,
    addr: SocketAddr,
    finished_streams: Vec<u16>,
}

impl RawPeer {
    fn connect() -> Self {
        let addr: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let mut endpoint = Endpoint::new(Arc::new(EndpointConfig::new()), None);
        let (handle, assoc) = endpoint.connect(ClientConfig::new(), addr).unwrap();
        Self {
            endpoint,
            handle,
            assoc,
            addr,
            finished_streams: Vec::new(),
        }
    }

    fn send(&mut self, stream: u16, ppi: Ppi, bytes: &[u8]) {
        if self.assoc.stream(stream).is_err() {
            self.assoc.open_stream(stream, ppi).unwrap();
        }
        self.assoc
            .stream(stream)
            .unwrap()
            .write_with_ppi(bytes, ppi)
            .unwrap();
    }
}

fn dcep_open(label: &[u8]) -> Vec<u8> {
    let mut m = vec![0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0];
    m.extend_from_slice(&u16::try_from(label.len()).unwrap().to_be_bytes());
    m.extend_from_slice(&[0, 0]);
    m.extend_from_slice(label);
    m
}

/// Exchange packets in 1 ms steps for `duration` of simulated time.
fn pump(now: &mut Instant, peer: &mut RawPeer, ours: &mut SctpTransport, duration: Duration) {
    let end = *now + duration;
    while *now < end {
        while let Some(t) = peer.assoc.poll_transmit(*now) {
            if let Payload::RawEncode(packets) = t.payload {
                for p in packets {
                    ours.handle_receive(*now, &p);
                }
            }
        }
        while let Some(p) = ours.poll_transmit(*now) {
            if let Some((_, DatagramEvent::AssociationEvent(ev))) =
                peer.endpoint.handle(*now, peer.addr, None, None, p)
            {
                peer.assoc.handle_event(ev);
            }
        }
        while let Some(ev) = peer.assoc.poll_endpoint_event() {
            peer.endpoint.handle_event(peer.handle, ev);
        }
        while let Some(ev) = peer.assoc.poll() {
            match ev {
                Event::Stream(StreamEvent::Readable { id }) => {
                    while let Ok(Some(_)) = peer.assoc.stream(id).and_then(|mut s| s.read_sctp()) {}
                }
                Event::Stream(StreamEvent::Finished { id }) => peer.finished_streams.push(id),
                Event::Stream(StreamEvent::Opened { .. }) => {
                    while peer.assoc.accept_stream().is_some() {}
                }
                _ => {}
            }
        }
        if peer.assoc.poll_timeout().is_some_and(|t| t <= *now) {
            peer.assoc.handle_timeout(*now);
        }
        if ours.poll_timeout().is_some_and(|t| t <= *now) {
            ours.handle_timeout(*now);
        }
        *now += Duration::from_millis(1);
    }
}

#[test]
fn hostile_dcep_and_payloads_are_counted_discards() {
    let mut now = Instant::now();
    let config = SctpConfig {
        max_channels: 3,
        max_remote_label_bytes: 16,
        ..SctpConfig::default()
    };
    // We are the DTLS server: our in-band ids are odd, the peer's even.
    let mut ours = SctpTransport::new(DtlsRole::Server, config).unwrap();
    let mut peer = RawPeer::connect();
    pump(&mut now, &mut peer, &mut ours, Duration::from_millis(50));
    assert!(ours.is_connected());

    peer.send(1, Ppi::Dcep, &dcep_open(b"odd")); // our parity
    peer.send(2, Ppi::Dcep, &[0x03, 0x00, 0x01]); // truncated OPEN
    peer.send(4, Ppi::Dcep, &[0x02]); // ACK nobody asked for
    peer.send(6, Ppi::Binary, b"no channel here");
    peer.send(8, Ppi::Dcep, &dcep_open(&[b'x'; 17])); // label over our cap
    peer.send(10, Ppi::Dcep, &dcep_open(b"ok")); // a real channel
    pump(&mut now, &mut peer, &mut ours, Duration::from_millis(50));
    peer.send(10, Ppi::String, &[0xC3, 0x28]); // invalid UTF-8
    peer.send(10, Ppi::from(52), b"deprecated partial string");
    peer.send(10, Ppi::Dcep, &dcep_open(b"again")); // OPEN on an open channel
    peer.send(10, Ppi::String, "fine".as_bytes());
    // Fill the channel cap (3): 10, 12, 14 open; 16 refused.
    for id in [12, 14, 16] {
        peer.send(id, Ppi::Dcep, &dcep_open(b"more"));
    }
    pump(&mut now, &mut peer, &mut ours, Duration::from_millis(500));

    let d = ours.discards();
    assert_eq!(d.open_wrong_parity, 1);
    assert_eq!(d.malformed_dcep, 1);
    assert_eq!(d.unexpected_dcep, 2, "stray ACK and repeated OPEN");
    assert_eq!(d.messages_without_open_channel, 1);
    assert_eq!(d.remote_opens_refused, 2, "long label and channel cap");
    assert_eq!(d.invalid_utf8_messages, 1);
    assert_eq!(d.unknown_ppid_messages, 1);
    let live: Vec<u16> = ours.data_channels().map(|r| r.stream_id).collect();
    assert_eq!(live, [10, 12, 14]);
    // Refused channels are refused by resetting their stream (RFC 8832 §6).
    assert!(peer.finished_streams.contains(&8));
    assert!(peer.finished_streams.contains(&16));
    let mut messages = Vec::new();
    while let Some(e) = ours.poll_event() {
        if let SctpEvent::Message { id, message } = e {
            messages.push((id, message));
        }
    }
    assert_eq!(messages, [(10, DataChannelMessage::Text("fine".into()))]);
    assert_eq!(ours.channel(10).unwrap().counters.messages_received, 1);

    // The peer shuts the association down: every channel closes and is counted.
    peer.assoc.shutdown().unwrap();
    pump(&mut now, &mut peer, &mut ours, Duration::from_millis(50));
    let mut lost = false;
    while let Some(e) = ours.poll_event() {
        lost |= matches!(e, SctpEvent::AssociationLost { .. });
    }
    assert!(lost);
    assert!(!ours.is_connected());
    assert!(
        ours.data_channels()
            .all(|r| r.state == DataChannelState::Closed)
    );
    let counts = ours.peer_connection_counts();
    assert_eq!(counts.data_channels_opened, 3);
    assert_eq!(counts.data_channels_closed, 3);
}
