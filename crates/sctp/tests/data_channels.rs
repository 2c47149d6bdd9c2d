//! Two endpoints in memory over rtcscope-netsim on simulated time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Pair, link, pseudo_random_bytes};
use rtcscope_netsim::Side;
use rtcscope_sctp::{
    DataChannelError, DataChannelInit, DataChannelMessage, DataChannelState, Reliability,
    SctpConfig, SctpEvent,
};

#[test]
fn dcep_open_and_ack_on_the_wire_match_hand_built_bytes() {
    let mut pair = Pair::lossless(10);
    pair.sniff = true;
    pair.connect();
    let mut init = DataChannelInit::new("chat");
    init.protocol = "p".into();
    init.ordered = false;
    init.reliability = Reliability::MaxPacketLifeTime(1500);
    let id = pair.a.create_data_channel(init).unwrap();
    assert_eq!(id, 0, "DTLS client opens even ids, first is 0");
    assert!(pair.run_until(Duration::from_secs(5), |p| Pair::opened(&p.events_b, 0)));
    pair.run_for(Duration::from_millis(200));

    let dcep: Vec<_> = pair.wire.iter().filter(|d| d.ppid == 50).collect();
    assert_eq!(dcep.len(), 2, "one OPEN and one ACK: {dcep:?}");
    #[rustfmt::skip]
    let expected_open = [
        0x03,                   // DATA_CHANNEL_OPEN
        0x82,                   // PARTIAL_RELIABLE_TIMED_UNORDERED
        0x01, 0x00,             // priority 256
        0x00, 0x00, 0x05, 0xDC, // 1500 ms
        0x00, 0x04,             // label length
        0x00, 0x01,             // protocol length
        b'c', b'h', b'a', b't', b'p',
    ];
    assert_eq!(dcep[0].from, Side::A);
    assert_eq!(dcep[0].stream_id, 0);
    assert_eq!(dcep[0].user_data, expected_open);
    // B,E set and U clear: one unfragmented, ordered message.
    assert_eq!(dcep[0].flags & 0x07, 0x03);
    assert_eq!(dcep[1].from, Side::B);
    assert_eq!(dcep[1].stream_id, 0);
    assert_eq!(dcep[1].user_data, [0x02]);
    assert_eq!(dcep[1].flags & 0x07, 0x03);

    let remote = pair.b.channel(0).unwrap();
    assert_eq!(remote.label, "chat");
    assert_eq!(remote.protocol, "p");
    assert!(remote.remote_initiated);
    assert!(!remote.channel_type.ordered);
    assert_eq!(
        remote.channel_type.reliability,
        Reliability::MaxPacketLifeTime(1500)
    );
    assert!(pair.events_b.iter().any(|(_, e)| *e
        == SctpEvent::ChannelOpen {
            id: 0,
            label: "chat".into(),
            protocol: "p".into(),
            remote_initiated: true
        }));
}

#[test]
fn stream_ids_follow_dtls_role_parity() {
    let mut pair = Pair::lossless(5);
    pair.connect();
    let a_ids: Vec<u16> = (0..3)
        .map(|i| {
            pair.a
                .create_data_channel(DataChannelInit::new(format!("a{i}")))
        })
        .collect::<Result<_, _>>()
        .unwrap();
    let b_ids: Vec<u16> = (0..2)
        .map(|i| {
            pair.b
                .create_data_channel(DataChannelInit::new(format!("b{i}")))
        })
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(a_ids, [0, 2, 4]);
    assert_eq!(b_ids, [1, 3]);
    assert!(pair.run_until(Duration::from_secs(5), |p| {
        [0, 2, 4].iter().all(|id| p.b.channel(*id).is_some())
            && [1, 3].iter().all(|id| p.a.channel(*id).is_some())
    }));
    assert_eq!(pair.b.channel(4).unwrap().label, "a2");
    assert_eq!(pair.a.channel(3).unwrap().label, "b1");
    assert_eq!(pair.a.peer_connection_counts().data_channels_opened, 5);
    assert_eq!(pair.b.peer_connection_counts().data_channels_opened, 5);
}

#[test]
fn channel_created_before_connect_opens_when_association_is_up() {
    let mut pair = Pair::lossless(5);
    let id = pair
        .b
        .create_data_channel(DataChannelInit::new("early"))
        .unwrap();
    assert_eq!(id, 1);
    assert_eq!(pair.b.channel_state(1), Some(DataChannelState::Connecting));
    assert_eq!(
        pair.b.send_text(1, "too soon"),
        Err(DataChannelError::NotOpen(1))
    );
    assert!(pair.run_until(Duration::from_secs(10), |p| Pair::opened(&p.events_a, 1)));
    assert_eq!(pair.b.channel_state(1), Some(DataChannelState::Open));
}

/// Send one message per millisecond over a link with 40 ms of jitter, so packets
/// overtake each other: the ordered channel must restore the order, the unordered
/// one delivers in arrival order.
#[test]
fn ordered_keeps_order_and_unordered_does_not_wait() {
    let mut pair = Pair::new(
        SctpConfig::default(),
        SctpConfig::default(),
        link(0.0, 20, 40),
        7,
    );
    pair.connect();
    let ordered = pair
        .a
        .create_data_channel(DataChannelInit::new("o"))
        .unwrap();
    let mut init = DataChannelInit::new("u");
    init.ordered = false;
    let unordered = pair.a.create_data_channel(init).unwrap();
    // Let the DCEP ACKs arrive so the unordered channel may go unordered.
    pair.run_for(Duration::from_millis(500));
    const N: u32 = 200;
    for i in 0..N {
        pair.a.send_text(ordered, &i.to_string()).unwrap();
        pair.a.send_text(unordered, &i.to_string()).unwrap();
        pair.run_for(Duration::from_millis(1));
    }
    assert!(pair.run_until(Duration::from_secs(30), |p| {
        Pair::messages(&p.events_b, unordered).len() == N as usize
            && Pair::messages(&p.events_b, ordered).len() == N as usize
    }));
    let numbers = |id| -> Vec<u32> {
        Pair::messages(&pair.events_b, id)
            .into_iter()
            .map(|(_, m)| match m {
                DataChannelMessage::Text(t) => t.parse().unwrap(),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    };
    let sent: Vec<u32> = (0..N).collect();
    assert_eq!(numbers(ordered), sent);
    let got_unordered = numbers(unordered);
    assert_ne!(
        got_unordered, sent,
        "jitter must reorder the unordered channel"
    );
    let mut sorted = got_unordered.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, sent, "every unordered message exactly once");
}

#[test]
fn one_megabyte_reliable_through_five_percent_loss_arrives_intact() {
    let mut pair = Pair::new(
        SctpConfig::default(),
        SctpConfig::default(),
        link(0.05, 20, 0),
        0x5C7F,
    );
    pair.connect();
    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("bulk"))
        .unwrap();
    assert!(pair.run_until(Duration::from_secs(30), |p| Pair::opened(&p.events_b, id)));

    const MESSAGE: usize = 64 * 1024;
    const COUNT: usize = 16;
    let data = pseudo_random_bytes(42, MESSAGE * COUNT);
    assert_eq!(data.len(), 1_048_576);
    for chunk in data.chunks(MESSAGE) {
        pair.a.send_binary(id, chunk).unwrap();
    }
    let sent_at = pair.now;
    let arrived = pair.run_until(Duration::from_secs(600), |p| {
        Pair::messages(&p.events_b, id).len() == COUNT
    });
    let took = pair.now - sent_at;
    assert!(arrived, "1 MB did not arrive in 600 s of simulated time");

    let mut received = Vec::with_capacity(data.len());
    for (_, m) in Pair::messages(&pair.events_b, id) {
        match m {
            DataChannelMessage::Binary(b) => received.extend_from_slice(&b),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(received == data, "received bytes differ from sent bytes");

    let lost = pair.path.a_to_b.counters().dropped_loss + pair.path.b_to_a.counters().dropped_loss;
    assert!(
        lost > 20,
        "the path must really have lost packets, lost {lost}"
    );
    let offered = pair.path.a_to_b.counters().offered + pair.path.b_to_a.counters().offered;
    eprintln!("1 MiB: {took:?} simulated, {lost}/{offered} packets lost");

    let sender = pair.a.channel(id).unwrap().counters;
    let receiver = pair.b.channel(id).unwrap().counters;
    assert_eq!(sender.messages_sent, COUNT as u64);
    assert_eq!(sender.bytes_sent, 1_048_576);
    assert_eq!(receiver.messages_received, sender.messages_sent);
    assert_eq!(receiver.bytes_received, sender.bytes_sent);
    assert_eq!(sender.messages_received, 0);
    assert_eq!(receiver.messages_sent, 0);

    // Wire-derived SCTP stats: RTT is 40 ms plus at most the peer's delayed-SACK wait.
    pair.run_for(Duration::from_secs(2));
    let sctp = pair.a.sctp_transport_snapshot();
    let srtt = sctp.smoothed_rtt.unwrap();
    assert!(
        srtt >= Duration::from_millis(40) && srtt <= Duration::from_millis(400),
        "srtt {srtt:?}"
    );
    assert!(sctp.rtt_samples > 5);
    eprintln!("sctp-transport: {sctp:?}");
    assert_eq!(sctp.unacked_data_chunks, Some(0));
    assert_eq!(sctp.peer_receiver_window, Some(1024 * 1024));
    assert_eq!(sctp.mtu, 1228);
}

#[test]
fn max_retransmits_zero_loses_messages_but_never_blocks() {
    partially_reliable_loses_but_never_blocks(Reliability::MaxRetransmits(0));
}

#[test]
fn max_packet_lifetime_loses_messages_but_never_blocks() {
    partially_reliable_loses_but_never_blocks(Reliability::MaxPacketLifeTime(100));
}

fn partially_reliable_loses_but_never_blocks(reliability: Reliability) {
    let mut pair = Pair::lossless(20);
    pair.connect();
    let mut init = DataChannelInit::new("lossy");
    init.reliability = reliability;
    // Ordered: a lost message may not hold back later ones forever (FORWARD-TSN).
    let id = pair.a.create_data_channel(init).unwrap();
    assert!(pair.run_until(Duration::from_secs(5), |p| Pair::opened(&p.events_b, id)));
    pair.run_for(Duration::from_millis(200));

    pair.swap_path(link(0.25, 20, 0), 99);
    const N: usize = 100;
    for i in 0..N {
        pair.a.send_text(id, &format!("m{i}")).unwrap();
        pair.run_for(Duration::from_millis(10));
    }
    pair.run_for(Duration::from_secs(10));
    let lossy_received = Pair::messages(&pair.events_b, id).len();
    eprintln!("{reliability:?}: {lossy_received}/{N} arrived through 25% loss");
    assert!(
        lossy_received < N,
        "25% loss with no retransmission must lose messages"
    );
    assert!(lossy_received > N / 2, "but most arrive: {lossy_received}");

    // On a clean path a new message arrives within one trip: nothing waits for the lost ones.
    pair.swap_path(link(0.0, 20, 0), 3);
    let sent_at = pair.now;
    pair.a.send_text(id, "marker").unwrap();
    assert!(pair.run_until(Duration::from_secs(1), |p| {
        Pair::messages(&p.events_b, id)
            .iter()
            .any(|(_, m)| *m == DataChannelMessage::Text("marker".into()))
    }));
    let (arrived_at, _) = *Pair::messages(&pair.events_b, id).last().unwrap();
    assert!(arrived_at - sent_at <= Duration::from_millis(25));

    // Delivered ones are in order and the counters agree with the events.
    let got: Vec<usize> = Pair::messages(&pair.events_b, id)
        .iter()
        .filter_map(|(_, m)| match m {
            DataChannelMessage::Text(t) if t != "marker" => {
                t.strip_prefix('m').map(|n| n.parse().unwrap())
            }
            _ => None,
        })
        .collect();
    assert!(got.windows(2).all(|w| w[0] < w[1]));
    let sender = pair.a.channel(id).unwrap().counters;
    let receiver = pair.b.channel(id).unwrap().counters;
    assert_eq!(sender.messages_sent, N as u64 + 1);
    assert_eq!(receiver.messages_received, lossy_received as u64 + 1);
    // Nothing stays queued behind the abandoned messages once the marker is acked.
    pair.run_for(Duration::from_secs(1));
    assert_eq!(pair.a.buffered_amount(id), Some(0));
}

#[test]
fn negotiated_channel_opens_without_dcep() {
    let mut pair = Pair::lossless(5);
    pair.sniff = true;
    let mut init = DataChannelInit::new("neg");
    init.negotiated_id = Some(7);
    let a_id = pair.a.create_data_channel(init.clone()).unwrap();
    let b_id = pair.b.create_data_channel(init).unwrap();
    assert_eq!((a_id, b_id), (7, 7));
    pair.connect();
    pair.flush();
    assert!(Pair::opened(&pair.events_a, 7) && Pair::opened(&pair.events_b, 7));
    pair.a.send_text(7, "from a").unwrap();
    pair.b.send_binary(7, &[1, 2, 3]).unwrap();
    assert!(pair.run_until(Duration::from_secs(2), |p| {
        !Pair::messages(&p.events_a, 7).is_empty() && !Pair::messages(&p.events_b, 7).is_empty()
    }));
    assert_eq!(
        Pair::messages(&pair.events_b, 7)[0].1,
        DataChannelMessage::Text("from a".into())
    );
    assert_eq!(
        Pair::messages(&pair.events_a, 7)[0].1,
        DataChannelMessage::Binary(vec![1, 2, 3])
    );
    assert!(
        pair.wire.iter().all(|d| d.ppid != 50),
        "no DCEP on the wire"
    );
    assert!(!pair.a.channel(7).unwrap().remote_initiated);
    assert!(pair.a.channel(7).unwrap().negotiated);
    assert_eq!(
        pair.a.create_data_channel({
            let mut i = DataChannelInit::new("dup");
            i.negotiated_id = Some(7);
            i
        }),
        Err(DataChannelError::IdInUse(7))
    );
}

#[test]
fn close_reaches_closed_on_both_sides_and_is_counted() {
    let mut pair = Pair::lossless(10);
    pair.connect();
    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("bye"))
        .unwrap();
    assert!(pair.run_until(Duration::from_secs(2), |p| Pair::opened(&p.events_b, id)));
    pair.a.send_text(id, "last words").unwrap();
    pair.a.close_channel(id).unwrap();
    assert_eq!(pair.a.channel_state(id), Some(DataChannelState::Closing));
    assert_eq!(
        pair.a.send_text(id, "late"),
        Err(DataChannelError::NotOpen(id))
    );
    assert!(pair.run_until(Duration::from_secs(10), |p| {
        Pair::closed(&p.events_a, id) && Pair::closed(&p.events_b, id)
    }));
    // The message sent before close still arrived, before the close.
    assert_eq!(
        Pair::messages(&pair.events_b, id),
        vec![(
            Pair::messages(&pair.events_b, id)[0].0,
            DataChannelMessage::Text("last words".into())
        )]
    );
    for t in [&pair.a, &pair.b] {
        assert_eq!(t.channel_state(id), None);
        let record = t.data_channels().find(|r| r.stream_id == id).unwrap();
        assert_eq!(record.state, DataChannelState::Closed);
        let counts = t.peer_connection_counts();
        assert_eq!(counts.data_channels_opened, 1);
        assert_eq!(counts.data_channels_closed, 1);
    }
    let closed_record = pair.a.data_channels().next().unwrap();
    assert_eq!(closed_record.counters.messages_sent, 1);
    assert_eq!(closed_record.counters.bytes_sent, 10);

    // The id can be used again by a new channel with fresh counters and a new stats id.
    let again = pair
        .a
        .create_data_channel(DataChannelInit::new("again"))
        .unwrap();
    assert_eq!(again, id);
    assert!(pair.run_until(Duration::from_secs(2), |p| {
        p.b.channel(id).is_some_and(|c| c.label == "again")
    }));
    let stats_ids: Vec<&str> = pair
        .a
        .data_channels()
        .map(|r| r.stats_id.as_str())
        .collect();
    assert_eq!(stats_ids, ["D2", "D1"]);
}

#[test]
fn oversized_message_is_refused_and_counted() {
    let config_a = SctpConfig {
        remote_max_message_size: 1000,
        ..SctpConfig::default()
    };
    let config_b = SctpConfig {
        local_max_message_size: 1000,
        ..SctpConfig::default()
    };
    let mut pair = Pair::new(config_a, config_b, link(0.0, 5, 0), 1);
    pair.connect();
    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("big"))
        .unwrap();
    assert!(pair.run_until(Duration::from_secs(2), |p| Pair::opened(&p.events_b, id)));
    assert_eq!(
        pair.a.send_binary(id, &[7; 1001]),
        Err(DataChannelError::MessageTooLarge {
            size: 1001,
            max: 1000
        })
    );
    assert_eq!(pair.a.discards().oversized_sends_refused, 1);
    assert_eq!(pair.a.channel(id).unwrap().counters.messages_sent, 0);
    pair.a.send_binary(id, &[7; 1000]).unwrap();
    assert!(pair.run_until(
        Duration::from_secs(2),
        |p| Pair::messages(&p.events_b, id).len() == 1
    ));
    assert_eq!(pair.b.channel(id).unwrap().counters.bytes_received, 1000);
    assert_eq!(pair.a.discards().oversized_sends_refused, 1);
}

#[test]
fn empty_and_text_messages_use_rfc_8831_ppids_and_count_payload_bytes() {
    let mut pair = Pair::lossless(5);
    pair.sniff = true;
    pair.connect();
    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("t"))
        .unwrap();
    assert!(pair.run_until(Duration::from_secs(2), |p| Pair::opened(&p.events_b, id)));
    pair.a.send_text(id, "").unwrap();
    pair.a.send_binary(id, &[]).unwrap();
    pair.a.send_text(id, "héllo").unwrap();
    pair.a.send_binary(id, b"\x00\xff").unwrap();
    assert!(pair.run_until(
        Duration::from_secs(2),
        |p| Pair::messages(&p.events_b, id).len() == 4
    ));
    let got: Vec<DataChannelMessage> = Pair::messages(&pair.events_b, id)
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    assert_eq!(
        got,
        [
            DataChannelMessage::Text(String::new()),
            DataChannelMessage::Binary(Vec::new()),
            DataChannelMessage::Text("héllo".into()),
            DataChannelMessage::Binary(vec![0, 255]),
        ]
    );
    let user: Vec<(u32, Vec<u8>)> = pair
        .wire
        .iter()
        .filter(|d| d.from == Side::A && d.ppid != 50)
        .map(|d| (d.ppid, d.user_data.clone()))
        .collect();
    assert_eq!(
        user,
        [
            (56, vec![0]),
            (57, vec![0]),
            (51, "héllo".as_bytes().to_vec()),
            (53, vec![0, 255]),
        ]
    );
    let c = pair.b.channel(id).unwrap().counters;
    assert_eq!(c.messages_received, 4);
    assert_eq!(c.bytes_received, 6 + 2, "empty messages count zero bytes");
    assert_eq!(pair.a.channel(id).unwrap().counters.bytes_sent, 8);
}

#[test]
fn garbage_packets_are_counted_not_fatal() {
    let mut pair = Pair::lossless(5);
    pair.connect();
    let now = pair.now;
    for len in [0usize, 3, 12, 13, 100, 1500] {
        let junk = pseudo_random_bytes(len as u64 + 1, len);
        pair.b.handle_receive(now, &junk);
    }
    assert_eq!(pair.b.discards().packets_not_accepted, 6);
    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("still"))
        .unwrap();
    pair.a.send_text(id, "alive").ok();
    assert!(pair.run_until(Duration::from_secs(2), |p| Pair::opened(&p.events_b, id)));
}

/// A peer ignoring our max-message-size cannot make us buffer more: sctp-proto
/// refuses the reassembly and ends the association, which closes every channel.
#[test]
fn incoming_message_over_our_max_message_size_ends_the_association() {
    let config_a = SctpConfig {
        remote_max_message_size: 0, // A believes there is no limit
        ..SctpConfig::default()
    };
    let config_b = SctpConfig {
        local_max_message_size: 1000,
        ..SctpConfig::default()
    };
    let mut pair = Pair::new(config_a, config_b, link(0.0, 5, 0), 1);
    pair.connect();
    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("big"))
        .unwrap();
    assert!(pair.run_until(Duration::from_secs(2), |p| Pair::opened(&p.events_b, id)));
    pair.a.send_binary(id, &[1; 5000]).unwrap();
    assert!(pair.run_until(Duration::from_secs(2), |p| {
        p.events_b
            .iter()
            .any(|(_, e)| matches!(e, SctpEvent::AssociationLost { .. }))
    }));
    assert!(Pair::messages(&pair.events_b, id).is_empty());
    assert!(Pair::closed(&pair.events_b, id));
    assert_eq!(pair.b.peer_connection_counts().data_channels_closed, 1);
}

/// sctp-proto unwraps its server config when an INIT for an unknown association
/// reaches an endpoint; our DTLS client must refuse such an INIT, not panic.
#[test]
fn stray_init_at_the_dtls_client_is_refused_not_fatal() {
    use rtcscope_sctp::{DtlsRole, SctpTransport};
    let now = std::time::Instant::now();
    let mut initiator = SctpTransport::new(DtlsRole::Client, SctpConfig::default()).unwrap();
    let init = initiator
        .poll_transmit(now)
        .expect("the DTLS client sends INIT");
    assert_eq!(init[12], 1, "first chunk is INIT");
    let mut other_client = SctpTransport::new(DtlsRole::Client, SctpConfig::default()).unwrap();
    other_client.handle_receive(now, &init);
    assert_eq!(other_client.discards().packets_not_accepted, 1);
    // A DTLS server accepts the first INIT and refuses a second association.
    let mut server = SctpTransport::new(DtlsRole::Server, SctpConfig::default()).unwrap();
    server.handle_receive(now, &init);
    assert_eq!(server.discards().packets_not_accepted, 0);
    let mut second = SctpTransport::new(DtlsRole::Client, SctpConfig::default()).unwrap();
    let second_init = second.poll_transmit(now).unwrap();
    server.handle_receive(now, &second_init);
    assert_eq!(server.discards().packets_not_accepted, 1);
}

#[test]
fn peer_initiated_close_and_close_before_open() {
    let mut pair = Pair::lossless(10);
    // Closed while still connecting: closed, but never counted as opened or closed.
    let early = pair
        .a
        .create_data_channel(DataChannelInit::new("never"))
        .unwrap();
    pair.a.close_channel(early).unwrap();
    pair.flush();
    assert!(Pair::closed(&pair.events_a, early));
    pair.connect();
    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("x"))
        .unwrap();
    assert!(pair.run_until(Duration::from_secs(2), |p| Pair::opened(&p.events_b, id)));
    // The side that did not open the channel closes it.
    pair.b.close_channel(id).unwrap();
    assert!(pair.run_until(Duration::from_secs(10), |p| {
        Pair::closed(&p.events_a, id) && Pair::closed(&p.events_b, id)
    }));
    assert_eq!(
        pair.a.send_text(id, "gone"),
        Err(DataChannelError::UnknownChannel(id))
    );
    for t in [&pair.a, &pair.b] {
        let counts = t.peer_connection_counts();
        assert_eq!(
            (counts.data_channels_opened, counts.data_channels_closed),
            (1, 1)
        );
    }
    let states: Vec<_> = pair
        .a
        .data_channels()
        .map(|r| (r.label.as_str(), r.state))
        .collect();
    assert_eq!(
        states,
        [
            ("never", DataChannelState::Closed),
            ("x", DataChannelState::Closed)
        ]
    );
}

/// An application that does not poll its events must not make us buffer without
/// bound: past the event budget we stop reading, SCTP's window closes and the
/// sender waits; once events are taken everything arrives intact.
#[test]
fn slow_application_applies_backpressure_instead_of_buffering() {
    let budget = 128 * 1024;
    let sctp_buffer = 256 * 1024;
    let config_b = SctpConfig {
        max_pending_event_bytes: budget,
        receive_buffer_bytes: sctp_buffer as u32,
        ..SctpConfig::default()
    };
    let mut pair = Pair::new(SctpConfig::default(), config_b, link(0.0, 10, 0), 5);
    pair.connect();
    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("flood"))
        .unwrap();
    assert!(pair.run_until(Duration::from_secs(2), |p| Pair::opened(&p.events_b, id)));
    pair.hold_events_b = true;
    const MESSAGE: usize = 64 * 1024;
    let data = pseudo_random_bytes(9, 1024 * 1024);
    for chunk in data.chunks(MESSAGE) {
        pair.a.send_binary(id, chunk).unwrap();
    }
    pair.run_for(Duration::from_secs(5));
    let pending = pair.b.pending_event_bytes();
    assert!(pending >= budget, "budget filled: {pending}");
    assert!(
        pending < budget + MESSAGE + 64,
        "one message past the budget at most: {pending}"
    );
    // Held back exactly: SCTP's receive buffer (256 KiB = 4 messages) plus the
    // event budget (128 KiB = 2 messages with overhead) left the sender.
    let in_flight = pair.a.buffered_amount(id).unwrap();
    assert_eq!(in_flight, data.len() - sctp_buffer - budget);

    pair.hold_events_b = false;
    assert!(pair.run_until(Duration::from_secs(60), |p| {
        Pair::messages(&p.events_b, id).len() == data.len() / MESSAGE
    }));
    let received: Vec<u8> = Pair::messages(&pair.events_b, id)
        .into_iter()
        .flat_map(|(_, m)| match m {
            DataChannelMessage::Binary(b) => b,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert!(received == data);
    assert_eq!(pair.b.pending_event_bytes(), 0);
}

#[test]
fn different_sctp_ports_from_sdp() {
    let config_a = SctpConfig {
        sctp_port: 5000,
        remote_sctp_port: 5001,
        ..SctpConfig::default()
    };
    let config_b = SctpConfig {
        sctp_port: 5001,
        remote_sctp_port: 5000,
        ..SctpConfig::default()
    };
    let mut pair = Pair::new(config_a, config_b, link(0.0, 5, 0), 1);
    let init = pair.a.poll_transmit(pair.now).unwrap();
    assert_eq!(u16::from_be_bytes([init[0], init[1]]), 5000, "source port");
    assert_eq!(
        u16::from_be_bytes([init[2], init[3]]),
        5001,
        "destination port"
    );
    pair.b.handle_receive(pair.now, &init);
    pair.connect();
    let id = pair
        .a
        .create_data_channel(DataChannelInit::new("ports"))
        .unwrap();
    pair.a.send_text(id, "ok").unwrap();
    assert!(pair.run_until(
        Duration::from_secs(2),
        |p| Pair::messages(&p.events_b, id).len() == 1
    ));
}

#[test]
fn peer_connection_close_closes_every_channel_on_both_sides() {
    let mut pair = Pair::lossless(10);
    pair.connect();
    let ids: Vec<u16> = ["one", "two", "three"]
        .into_iter()
        .map(|l| pair.a.create_data_channel(DataChannelInit::new(l)).unwrap())
        .collect();
    assert!(pair.run_until(Duration::from_secs(2), |p| {
        ids.iter().all(|id| Pair::opened(&p.events_b, *id))
    }));
    pair.a.close();
    assert!(
        pair.a
            .data_channels()
            .all(|r| r.state == DataChannelState::Closed)
    );
    assert!(pair.run_until(Duration::from_secs(10), |p| {
        p.events_b
            .iter()
            .any(|(_, e)| matches!(e, SctpEvent::AssociationLost { .. }))
    }));
    for t in [&pair.a, &pair.b] {
        let counts = t.peer_connection_counts();
        assert_eq!(
            (counts.data_channels_opened, counts.data_channels_closed),
            (3, 3)
        );
        assert!(
            t.data_channels()
                .all(|r| r.state == DataChannelState::Closed)
        );
    }
    assert_eq!(
        pair.a.send_text(ids[0], "after close"),
        Err(DataChannelError::UnknownChannel(ids[0]))
    );
}
