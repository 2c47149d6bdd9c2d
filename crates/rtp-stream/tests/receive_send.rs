//! Hand-computed expectations for the per-stream accounting and RTCP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rtcscope_rtp::ntp::compact_to_duration;
use rtcscope_rtp::rtcp::{RtcpPacket, SenderReportBuilder, parse_compound};
use rtcscope_rtp::{CompoundBuilder, NtpTime, RtpBuilder, RtpPacket};
use rtcscope_rtp_stream::snapshot::{self, StreamIds};
use rtcscope_rtp_stream::{
    NtpClock, ReceiveConfig, ReceiveOutcome, ReceiveStream, SendConfig, SendStream, Session,
    SessionConfig,
};
use rtcscope_stats::{EpochClock, InboundRtpMedia, MediaKind};

const MEDIA: u32 = 0xAAAA_0001;
const RTX: u32 = 0xAAAA_0002;
const FEC: u32 = 0xAAAA_0003;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn config(rtx: bool, fec: bool) -> ReceiveConfig {
    ReceiveConfig {
        ssrc: MEDIA,
        clock_rate: 8000,
        kind: MediaKind::Audio,
        rtx_ssrc: rtx.then_some(RTX),
        fec_ssrc: fec.then_some(FEC),
    }
}

/// Builds an RTP packet into a fresh buffer.
fn rtp(ssrc: u32, seq: u16, ts: u32, payload: &[u8], padding: u8) -> Vec<u8> {
    let b = RtpBuilder {
        sequence_number: seq,
        timestamp: ts,
        ssrc,
        payload,
        padding_len: padding,
        payload_type: 0,
        ..Default::default()
    };
    let mut out = vec![0u8; b.encoded_len().unwrap()];
    b.write(&mut out).unwrap();
    out
}

fn feed(stream: &mut ReceiveStream, at: Instant, bytes: &[u8]) -> ReceiveOutcome {
    stream.on_rtp(at, &RtpPacket::parse(bytes).unwrap())
}

#[test]
fn sequence_and_timestamp_wrap_with_hand_computed_jitter() {
    // 8 kHz, 20 ms packets (160 units), timestamps and sequence numbers
    // both crossing their wrap. Arrival offsets (units): 0, +40, +10, +10,
    // -20 -> |D| = 40, 30, 0, 30 -> J = 2.5, 4.21875, 3.955078125,
    // 3.955078125 + (30 - 3.955078125)/16 (see jitter.rs).
    let mut s = ReceiveStream::new(config(false, false));
    let t0 = Instant::now();
    let ts0 = u32::MAX - 300; // wraps between packet 1 and 2
    let seq0 = 65534u16; // wraps between packet 1 and 2
    let offsets_units = [0i64, 40, 10, 10, -20];
    for (k, off) in offsets_units.iter().enumerate() {
        let send_units = 160 * k as i64;
        // 1 unit = 125 us at 8 kHz.
        let at = t0 + Duration::from_micros((1_000_000 + (send_units + off) * 125) as u64);
        let bytes = rtp(
            MEDIA,
            seq0.wrapping_add(k as u16),
            ts0.wrapping_add(160 * k as u32),
            &[1; 20],
            0,
        );
        feed(&mut s, at, &bytes);
    }
    let j4 = 3.955_078_125 + (30.0 - 3.955_078_125) / 16.0;
    assert!(
        (s.jitter_rtp_units() - j4).abs() < 1e-12,
        "{}",
        s.jitter_rtp_units()
    );
    assert!((s.jitter_seconds() - j4 / 8000.0).abs() < 1e-15);
    assert_eq!(s.sequence().extended_max(), 65536 + 2);
    assert_eq!(s.packets_lost(), 0);
    assert_eq!(s.counters().packets_received, 5);
    let block = s.report_block(t0 + ms(2000)).unwrap();
    assert_eq!(block.extended_highest_seq, 65538);
    assert_eq!(block.jitter, 5);
    assert_eq!(block.cumulative_lost, 0);
}

#[test]
fn reordering_fills_gaps_and_duplicates_make_loss_negative() {
    let mut s = ReceiveStream::new(config(false, false));
    let t0 = Instant::now();
    let order = [10u16, 11, 13, 12, 15, 14, 16];
    for (k, seq) in order.iter().enumerate() {
        let out = feed(
            &mut s,
            t0 + ms(20 * k as u64),
            &rtp(MEDIA, *seq, 160 * u32::from(*seq), &[0; 10], 0),
        );
        assert_ne!(out, ReceiveOutcome::Duplicate);
    }
    assert_eq!(s.packets_lost(), 0);
    // Drop 17 and 18, receive 19: 2 lost.
    feed(&mut s, t0 + ms(200), &rtp(MEDIA, 19, 3040, &[0; 10], 0));
    assert_eq!(s.packets_lost(), 2);
    // Three copies of old packets: received 11 vs expected 10 -> -1.
    for seq in [12u16, 19, 10] {
        let out = feed(
            &mut s,
            t0 + ms(210),
            &rtp(MEDIA, seq, 160 * u32::from(seq), &[0; 10], 0),
        );
        assert_eq!(out, ReceiveOutcome::Duplicate);
    }
    assert_eq!(s.packets_lost(), -1);
    assert_eq!(s.counters().packets_duplicated, 3);
    assert_eq!(s.counters().packets_received, 11);
    // The RR carries the signed value; the snapshot too.
    let block = s.report_block(t0 + ms(300)).unwrap();
    assert_eq!(block.cumulative_lost, -1);
    let epoch = EpochClock::new(t0, 1.7e12);
    let ids = StreamIds {
        id: "IT01A1",
        transport_id: "T01",
        codec_id: "CIT01_0",
        pair_id: "ROA1",
    };
    let inbound = snapshot::inbound_rtp(&s, &ids, "track", None, &epoch, t0 + ms(300)).unwrap();
    assert_eq!(inbound.packets_lost, Some(-1));
    assert_eq!(
        inbound.remote_id, None,
        "no SR yet: no remote-outbound to name"
    );
}

#[test]
fn padding_counts_as_header_bytes() {
    let mut s = ReceiveStream::new(config(false, false));
    let t0 = Instant::now();
    feed(&mut s, t0, &rtp(MEDIA, 1, 0, &[7; 100], 0));
    // 100 payload + 8 padding bytes (count byte included).
    feed(&mut s, t0 + ms(20), &rtp(MEDIA, 2, 160, &[7; 100], 8));
    let c = s.counters();
    assert_eq!(c.bytes_received, 200);
    assert_eq!(c.header_bytes_received, 12 + 12 + 8);
}

#[test]
fn rtx_recovers_the_media_packet_and_counts_as_retransmission() {
    let mut s = ReceiveStream::new(config(true, false));
    let t0 = Instant::now();
    for (k, seq) in [100u16, 101, 103].iter().enumerate() {
        feed(
            &mut s,
            t0 + ms(20 * k as u64),
            &rtp(MEDIA, *seq, 160 * u32::from(*seq), &[1; 50], 0),
        );
    }
    assert_eq!(s.packets_lost(), 1);
    s.note_nack_sent();
    let jitter_before = s.jitter_rtp_units();
    // RTX payload: OSN 102 (big-endian), then the original 50 bytes.
    let mut rtx_payload = vec![0, 102];
    rtx_payload.extend_from_slice(&[1; 50]);
    let out = feed(
        &mut s,
        t0 + ms(300),
        &rtp(RTX, 7, 160 * 102, &rtx_payload, 0),
    );
    assert_eq!(out, ReceiveOutcome::Accepted);
    assert_eq!(s.packets_lost(), 0);
    assert_eq!(
        s.jitter_rtp_units(),
        jitter_before,
        "RTX must not feed jitter"
    );
    let c = s.counters();
    assert_eq!(c.packets_received, 4);
    assert_eq!(c.bytes_received, 200);
    // 3 media headers + RTX header and OSN.
    assert_eq!(c.header_bytes_received, 3 * 12 + 12 + 2);
    assert_eq!(c.retransmitted_packets_received, 1);
    assert_eq!(c.retransmitted_bytes_received, 50);
    // A spurious second retransmission is a duplicate.
    assert_eq!(
        feed(
            &mut s,
            t0 + ms(320),
            &rtp(RTX, 8, 160 * 102, &rtx_payload, 0)
        ),
        ReceiveOutcome::Duplicate
    );
    assert_eq!(s.packets_lost(), -1);
    // Too short to hold an OSN: discarded, not counted.
    assert_eq!(
        feed(&mut s, t0 + ms(330), &rtp(RTX, 9, 0, &[5], 0)),
        ReceiveOutcome::Invalid
    );
    assert_eq!(s.counters().packets_received, 5);

    let epoch = EpochClock::new(t0, 1.7e12);
    let ids = StreamIds {
        id: "IT01A1",
        transport_id: "T01",
        codec_id: "CIT01_0",
        pair_id: "ROA1",
    };
    let inbound =
        snapshot::inbound_rtp(&s, &ids, "track", Some("0"), &epoch, t0 + ms(400)).unwrap();
    assert_eq!(inbound.rtx_ssrc, Some(RTX));
    assert_eq!(inbound.retransmitted_packets_received, Some(2));
    assert_eq!(inbound.retransmitted_bytes_received, Some(100));
    assert_eq!(inbound.nack_count, Some(1));
    assert_eq!(
        inbound.fec_packets_received, None,
        "no FEC stream configured"
    );
    assert_eq!(inbound.last_packet_received_timestamp, Some(1.7e12 + 320.0));
    assert!(matches!(inbound.media, InboundRtpMedia::Audio(_)));
}

#[test]
fn fec_stream_counts_outside_the_media_sequence() {
    let mut s = ReceiveStream::new(config(false, true));
    let t0 = Instant::now();
    feed(&mut s, t0, &rtp(MEDIA, 1, 0, &[0; 40], 0));
    feed(&mut s, t0 + ms(20), &rtp(MEDIA, 2, 160, &[0; 40], 0));
    assert_eq!(
        feed(&mut s, t0 + ms(25), &rtp(FEC, 900, 160, &[0; 30], 0)),
        ReceiveOutcome::Fec
    );
    s.note_fec_discarded(1);
    let c = s.counters();
    assert_eq!((c.packets_received, c.bytes_received), (3, 110));
    assert_eq!(
        (
            c.fec_packets_received,
            c.fec_bytes_received,
            c.fec_packets_discarded
        ),
        (1, 30, 1)
    );
    assert_eq!(
        s.packets_lost(),
        0,
        "FEC does not change the expected count"
    );
}

/// Sender and receiver exchange one SR and one RR whose LSR sits just
/// below the 16-bit seconds wrap of the compact NTP format.
#[test]
fn lsr_dlsr_round_trip_across_the_compact_ntp_wrap() {
    let t0 = Instant::now();
    let d = ms(50);
    // Sender wall clock at the SR: seconds 0x1234_FFFF, fraction 0.9375
    // (0xF000_0000) -> compact 0xFFFF_F000.
    let t_sr = t0 + ms(1000);
    let sender_clock = NtpClock::new(t_sr, NtpTime::from_parts(0x1234_FFFF, 0xF000_0000));
    // The receiver needs no wall clock for LSR/DLSR: DLSR is a duration.

    let mut sender = SendStream::new(SendConfig {
        ssrc: MEDIA,
        clock_rate: 8000,
        kind: MediaKind::Audio,
        rtx_ssrc: None,
    });
    let mut receiver = ReceiveStream::new(config(false, false));
    // Two media packets, sent at t0 and t0 + 20 ms, timestamps near the
    // 32-bit wrap.
    let ts0 = u32::MAX - 99;
    for k in 0..2u32 {
        let bytes = rtp(MEDIA, k as u16, ts0.wrapping_add(160 * k), &[0; 100], 0);
        let p = RtpPacket::parse(&bytes).unwrap();
        let at = t0 + ms(20 * u64::from(k));
        sender.on_rtp_sent(at, at, &p);
        receiver.on_rtp(at + d, &p);
    }
    // SR at t0 + 1000 ms: the RTP timestamp is the last one (ts0 + 160,
    // handed over at t0 + 20 ms) advanced by 980 ms = 7840 units, wrapped.
    let info = sender.sender_info(t_sr, &sender_clock).unwrap();
    assert_eq!(info.ntp_time.compact(), 0xFFFF_F000);
    assert_eq!(info.rtp_timestamp, ts0.wrapping_add(160 + 7840));
    assert_eq!(info.rtp_timestamp, 7900);
    assert_eq!((info.packet_count, info.octet_count), (2, 200));

    let mut buf = [0u8; 256];
    let mut c = CompoundBuilder::new(&mut buf);
    c.push(&SenderReportBuilder {
        ssrc: MEDIA,
        ntp_time: info.ntp_time,
        rtp_timestamp: info.rtp_timestamp,
        packet_count: info.packet_count,
        octet_count: info.octet_count,
        report_blocks: &[],
    })
    .unwrap();
    let len = c.finish();
    let Some(Ok(RtcpPacket::SenderReport(sr))) = parse_compound(&buf[..len]).next() else {
        panic!("SR did not parse");
    };
    receiver.on_sender_report(t_sr + d, &sr);
    let remote = receiver.remote_sender().unwrap();
    assert_eq!(
        (remote.packets_sent, remote.bytes_sent, remote.reports_sent),
        (2, 200, 1)
    );

    // The receiver holds the SR 500 ms: DLSR = 0.5 * 65536 = 32768.
    let block = receiver.report_block(t_sr + d + ms(500)).unwrap();
    assert_eq!(block.last_sr, 0xFFFF_F000);
    assert_eq!(block.delay_since_last_sr, 0x0000_8000);

    // Arrival at the sender at t_sr + 600 ms: NTP seconds 0x1235_0000,
    // fraction 0.5375 -> compact 0x0000_8999 (0.5375 * 65536 = 35225.6,
    // truncated). RTT = 0x8999 - 0xFFFF_F000 - 0x8000 (mod 2^32) = 0x1999
    // = 6553 units = 99.991 ms, i.e. 2d within one compact unit (15 us).
    let arrival = t_sr + d + ms(500) + d;
    let arrival_compact = sender_clock.compact_at(arrival);
    assert_eq!(arrival_compact, 0x0000_8999);
    sender.on_report_block(arrival, arrival_compact, &block);
    let remote = sender.remote_receiver().unwrap();
    assert_eq!(remote.round_trip_time, Some(compact_to_duration(0x1999)));
    assert!(compact_to_duration(0x1999).abs_diff(2 * d) < Duration::from_micros(16));
    assert_eq!(remote.round_trip_time_measurements, 1);
    assert_eq!(sender.remote_packets_received(), Some(2));

    // A block echoing an LSR we never sent yields no RTT.
    let mut forged = block;
    forged.last_sr = 0x1234_5678;
    sender.on_report_block(arrival, arrival_compact, &forged);
    let remote = sender.remote_receiver().unwrap();
    assert_eq!(remote.round_trip_time_measurements, 1);
    assert_eq!(remote.reports_received, 2);
}

fn session(ssrc: u32, peer: u32, clock: NtpClock) -> Session {
    let mut s = Session::new(
        SessionConfig {
            rtcp_ssrc: ssrc,
            cname: format!("cname-{ssrc}"),
            rrtr: true,
            rtcp_min_interval: Duration::from_secs(1),
            session_bandwidth_bps: 1_000_000,
            seed: u64::from(ssrc),
        },
        clock,
    );
    s.set_send_stream(SendConfig {
        ssrc,
        clock_rate: 8000,
        kind: MediaKind::Audio,
        rtx_ssrc: None,
    });
    s.add_receive_stream(ReceiveConfig {
        ssrc: peer,
        clock_rate: 8000,
        kind: MediaKind::Audio,
        rtx_ssrc: None,
        fec_ssrc: None,
    });
    s
}

#[test]
fn report_blocks_inside_sender_reports_feed_remote_inbound() {
    // Both sides send and receive, so each compound is an SR carrying a
    // report block (no RR at all).
    let t0 = Instant::now();
    let mut a = session(1, 2, NtpClock::new(t0, NtpTime::from_parts(5000, 0)));
    let mut b = session(2, 1, NtpClock::new(t0, NtpTime::from_parts(9000, 0)));
    for k in 0..10u16 {
        let at = t0 + ms(20 * u64::from(k));
        let from_a = rtp(1, k, 160 * u32::from(k), &[0; 80], 0);
        a.on_rtp_sent(at, at, &RtpPacket::parse(&from_a).unwrap());
        b.handle_rtp(at + ms(10), &from_a).unwrap();
        let from_b = rtp(2, k, 160 * u32::from(k), &[0; 80], 0);
        b.on_rtp_sent(at, at, &RtpPacket::parse(&from_b).unwrap());
        a.handle_rtp(at + ms(10), &from_b).unwrap();
    }
    let mut buf = [0u8; 1500];
    let t1 = t0 + ms(500);
    let len = a.build_rtcp(t1, &mut buf).unwrap();
    let kinds: Vec<u8> = parse_compound(&buf[..len])
        .map(|p| match p.unwrap() {
            RtcpPacket::SenderReport(sr) => {
                assert_eq!(sr.report_blocks().len(), 1);
                200
            }
            RtcpPacket::Sdes(_) => 202,
            RtcpPacket::Xr(_) => 207,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(kinds, [200, 202, 207]);
    b.handle_rtcp(t1 + ms(10), &buf[..len]).unwrap();
    // B's remote-inbound-rtp (A's view of B's stream) came from the SR's block.
    let remote = b.send_stream().unwrap().remote_receiver().unwrap();
    assert_eq!(remote.block.cumulative_lost, 0);
    assert_eq!(remote.reports_received, 1);
    assert_eq!(remote.round_trip_time, None, "B never sent an SR: LSR = 0");
    assert_eq!(b.send_stream().unwrap().remote_packets_received(), Some(10));
    // B's remote-outbound-rtp came from the same SR.
    let ro = b.receive_streams()[0].remote_sender().unwrap();
    assert_eq!((ro.packets_sent, ro.bytes_sent), (10, 800));

    // B answers 300 ms later with its own SR + block (LSR = A's SR) and a
    // DLRR for A's RRTR: A gets both RTTs = 2 x 10 ms.
    let t2 = t1 + ms(310);
    let len = b.build_rtcp(t2, &mut buf).unwrap();
    a.handle_rtcp(t2 + ms(10), &buf[..len]).unwrap();
    let rtt = a
        .send_stream()
        .unwrap()
        .remote_receiver()
        .unwrap()
        .round_trip_time
        .unwrap();
    assert!(rtt.abs_diff(ms(20)) < Duration::from_micros(31), "{rtt:?}");
    let dlrr_rtt = a.receive_streams()[0]
        .remote_sender()
        .unwrap()
        .round_trip_time
        .unwrap();
    assert!(
        dlrr_rtt.abs_diff(ms(20)) < Duration::from_micros(31),
        "{dlrr_rtt:?}"
    );
}

#[test]
fn hostile_input_is_an_error_or_a_counted_discard() {
    let t0 = Instant::now();
    let mut a = session(1, 2, NtpClock::new(t0, NtpTime::from_parts(5000, 0)));
    assert!(a.handle_rtp(t0, &[0x80, 0, 0]).is_err());
    assert!(a.handle_rtcp(t0, &[0x80, 200, 0xFF, 0xFF, 1, 2]).is_err());
    assert!(a.handle_rtcp(t0, &[0x81, 201, 0, 1, 0, 0, 0, 1]).is_err());
    // Unknown SSRC: counted, no state created.
    assert_eq!(
        a.handle_rtp(t0, &rtp(77, 1, 1, &[0; 4], 0)).unwrap(),
        ReceiveOutcome::ForeignSsrc
    );
    let c = a.counters();
    assert_eq!(
        (c.rtp_malformed, c.rtcp_malformed, c.rtp_unknown_ssrc),
        (1, 2, 1)
    );
    assert_eq!(a.receive_streams().len(), 1);
    // A flood of RRTRs from many SSRCs keeps bounded state: the DLRR of
    // the next compound holds at most 16 answers.
    for ssrc in 0..1000u32 {
        let mut buf = [0u8; 64];
        let mut c = CompoundBuilder::new(&mut buf);
        c.push(&rtcscope_rtp::rtcp::XrBuilder {
            ssrc,
            rrtr: Some(NtpTime::from_parts(ssrc, 0)),
            dlrr: &[],
        })
        .unwrap();
        let len = c.finish();
        a.handle_rtcp(t0, &buf[..len]).unwrap();
    }
    let mut buf = [0u8; 1500];
    let len = a.build_rtcp(t0 + ms(100), &mut buf).unwrap();
    let dlrr_items: usize = parse_compound(&buf[..len])
        .filter_map(|p| match p.unwrap() {
            RtcpPacket::Xr(xr) => Some(
                xr.blocks()
                    .map(|b| match b {
                        rtcscope_rtp::rtcp::XrBlock::Dlrr(items) => items.count(),
                        _ => 0,
                    })
                    .sum::<usize>(),
            ),
            _ => None,
        })
        .sum();
    assert_eq!(dlrr_items, 16);
}

#[test]
fn send_side_counts_rtx_send_delay_and_feedback() {
    let t0 = Instant::now();
    let mut a = Session::new(
        SessionConfig {
            rtcp_ssrc: MEDIA,
            cname: "a".into(),
            rrtr: false,
            rtcp_min_interval: Duration::from_secs(1),
            session_bandwidth_bps: 1_000_000,
            seed: 1,
        },
        NtpClock::new(t0, NtpTime::from_parts(100, 0)),
    );
    a.set_send_stream(SendConfig {
        ssrc: MEDIA,
        clock_rate: 90_000,
        kind: MediaKind::Video,
        rtx_ssrc: Some(RTX),
    });
    // Two media packets handed over 3 ms and 1 ms before they left, one
    // RTX retransmission (OSN + 500 original bytes) that waited 2 ms.
    let media = rtp(MEDIA, 1, 0, &[0; 500], 0);
    a.on_rtp_sent(t0 + ms(3), t0, &RtpPacket::parse(&media).unwrap());
    let media = rtp(MEDIA, 2, 3000, &[0; 500], 4);
    a.on_rtp_sent(t0 + ms(5), t0 + ms(4), &RtpPacket::parse(&media).unwrap());
    let mut rtx_payload = vec![0, 1];
    rtx_payload.extend_from_slice(&[0; 500]);
    let rtx = rtp(RTX, 77, 0, &rtx_payload, 0);
    a.on_rtp_sent(t0 + ms(10), t0 + ms(8), &RtpPacket::parse(&rtx).unwrap());
    let c = *a.send_stream().unwrap().counters();
    assert_eq!((c.packets_sent, c.bytes_sent), (3, 1500));
    assert_eq!(c.header_bytes_sent, 12 + (12 + 4) + (12 + 2));
    assert_eq!(
        (c.retransmitted_packets_sent, c.retransmitted_bytes_sent),
        (1, 500)
    );
    assert_eq!(c.total_packet_send_delay, ms(6));
    // The SR counts only the media SSRC's packets and octets.
    assert_eq!((c.media_packets_sent, c.media_octets_sent), (2, 1000));

    // Feedback from the receiver: 2 NACKs, 1 PLI, 1 FIR naming us, 1 FIR
    // and 1 PLI for someone else.
    let mut buf = [0u8; 512];
    let mut compound = CompoundBuilder::new(&mut buf);
    compound
        .push(&rtcscope_rtp::rtcp::ReceiverReportBuilder {
            ssrc: 9,
            report_blocks: &[],
        })
        .unwrap();
    for _ in 0..2 {
        compound
            .push(&rtcscope_rtp::rtcp::NackBuilder {
                sender_ssrc: 9,
                media_ssrc: MEDIA,
                lost: &[1, 2],
            })
            .unwrap();
    }
    for media_ssrc in [MEDIA, 1234] {
        compound
            .push(&rtcscope_rtp::rtcp::Pli {
                sender_ssrc: 9,
                media_ssrc,
            })
            .unwrap();
    }
    for ssrc in [MEDIA, 1234] {
        compound
            .push(&rtcscope_rtp::rtcp::FirBuilder {
                sender_ssrc: 9,
                entries: &[rtcscope_rtp::rtcp::FirEntry { ssrc, seq_nr: 1 }],
            })
            .unwrap();
    }
    let len = compound.finish();
    a.handle_rtcp(t0 + ms(20), &buf[..len]).unwrap();
    let c = *a.send_stream().unwrap().counters();
    assert_eq!((c.nack_received, c.pli_received, c.fir_received), (2, 1, 1));

    let epoch = EpochClock::new(t0, 1.7e12);
    let ids = StreamIds {
        id: "OT01V1",
        transport_id: "T01",
        codec_id: "COT01_96",
        pair_id: "RIV1",
    };
    let out =
        snapshot::outbound_rtp(a.send_stream().unwrap(), &ids, None, &epoch, t0 + ms(30)).unwrap();
    assert_eq!(out.rtx_ssrc, Some(RTX));
    assert_eq!(out.retransmitted_packets_sent, Some(1));
    assert_eq!(out.total_packet_send_delay, Some(0.006));
    assert_eq!(out.nack_count, Some(2));
    let video = out.media.video().unwrap();
    assert_eq!((video.pli_count, video.fir_count), (Some(1), Some(1)));
    // An RR without report blocks creates no remote-inbound-rtp.
    assert!(snapshot::remote_inbound_rtp(a.send_stream().unwrap(), &ids, &epoch).is_none());
    assert_eq!(out.remote_id, None);
}
