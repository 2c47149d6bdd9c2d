//! Random and hostile packet sequences: no panic, bounded state, and the
//! counters stay consistent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rtcscope_netsim::SimRng;
use rtcscope_rtp::{RtpBuilder, RtpPacket};
use rtcscope_rtp_stream::{
    NtpClock, ReceiveConfig, ReceiveOutcome, ReceiveStream, Session, SessionConfig,
};
use rtcscope_stats::MediaKind;

#[test]
fn random_sequence_numbers_keep_counters_consistent() {
    for seed in 0..20u64 {
        let mut rng = SimRng::new(seed);
        let mut s = ReceiveStream::new(ReceiveConfig {
            ssrc: 1,
            clock_rate: 48_000,
            kind: MediaKind::Audio,
            rtx_ssrc: Some(2),
            fec_ssrc: Some(3),
        });
        let t0 = Instant::now();
        let mut buf = [0u8; 64];
        let mut fed = 0u64;
        let mut seq = rng.next_u64() as u16;
        for i in 0..20_000u64 {
            // Mostly in order, with random jumps of every size, RTX and FEC
            // packets with random (also too short) payloads.
            seq = match rng.below_inclusive(9) {
                0 => rng.next_u64() as u16,
                1 => seq.wrapping_sub(rng.below_inclusive(200) as u16),
                _ => seq.wrapping_add(1 + rng.below_inclusive(3) as u16),
            };
            let ssrc = 1 + rng.below_inclusive(2) as u32;
            let payload_len = rng.below_inclusive(30) as usize;
            let payload = [0x5Au8; 30];
            let len = RtpBuilder {
                ssrc,
                sequence_number: seq,
                timestamp: rng.next_u64() as u32,
                payload: &payload[..payload_len],
                ..Default::default()
            }
            .write(&mut buf)
            .unwrap();
            let at = t0 + Duration::from_micros(i * 1000 + rng.below_inclusive(5000));
            let outcome = s.on_rtp(at, &RtpPacket::parse(&buf[..len]).unwrap());
            assert_ne!(outcome, ReceiveOutcome::ForeignSsrc);
            fed += 1;
            let c = s.counters();
            // Every packet fed is counted, held in probation or rejected.
            assert_eq!(
                c.packets_received + c.packets_invalid + s.packets_in_probation(),
                fed,
                "seed {seed} packet {i}"
            );
            assert!(c.retransmitted_packets_received <= c.packets_received);
            assert!(c.fec_packets_received <= c.packets_received);
            assert!(s.jitter_seconds().is_finite() && s.jitter_seconds() >= 0.0);
        }
        let _ = s.report_block(t0 + Duration::from_secs(100));
    }
}

#[test]
fn random_bytes_never_panic_the_session() {
    let t0 = Instant::now();
    let mut session = Session::new(
        SessionConfig {
            rtcp_ssrc: 9,
            cname: "x".into(),
            rrtr: true,
            rtcp_min_interval: Duration::from_secs(1),
            session_bandwidth_bps: 1_000_000,
            seed: 3,
        },
        NtpClock::new(t0, rtcscope_rtp::NtpTime::from_parts(1, 0)),
    );
    session.add_receive_stream(ReceiveConfig {
        ssrc: 1,
        clock_rate: 90_000,
        kind: MediaKind::Video,
        rtx_ssrc: None,
        fec_ssrc: None,
    });
    let mut rng = SimRng::new(77);
    let mut buf = [0u8; 200];
    for i in 0..50_000u64 {
        let len = rng.below_inclusive(199) as usize;
        for b in &mut buf[..len] {
            *b = rng.next_u64() as u8;
        }
        // Version 2 half the time so the parsers get past the first check.
        if len > 0 && i % 2 == 0 {
            buf[0] = (buf[0] & 0x3F) | 0x80;
        }
        let now = t0 + Duration::from_millis(i);
        let _ = session.handle_rtp(now, &buf[..len]);
        let _ = session.handle_rtcp(now, &buf[..len]);
    }
    let mut out = [0u8; 1500];
    assert!(
        session
            .build_rtcp(t0 + Duration::from_secs(60), &mut out)
            .is_ok()
    );
    assert_eq!(session.receive_streams().len(), 1);
}
