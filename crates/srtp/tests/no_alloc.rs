//! The per-packet path allocates nothing: once a stream exists, protect and
//! unprotect of SRTP and SRTCP (including drops) make no heap allocation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rtcscope_srtp::{SrtpError, SrtpProfile};

#[test]
fn the_counter_sees_allocations() {
    let info = allocation_counter::measure(|| {
        std::hint::black_box(vec![1u8; 10]);
    });
    assert_eq!(info.count_total, 1);
}

#[test]
fn steady_state_packets_do_not_allocate() {
    for profile in SrtpProfile::ALL {
        let mut tx = master_context(profile);
        let mut rx = master_context(profile);
        let ssrc = 0xabcd_0001;
        let mut rtp = [0u8; 200 + 16];
        // Start close to the SEQ wrap so a short run crosses it.
        rtp[..12].copy_from_slice(&rtp_packet(65_000, ssrc, &[])[..12]);
        let mut rtcp = [0u8; 100 + 20];
        rtcp[..100].copy_from_slice(&rtcp_packet(ssrc, &[5; 92]));
        // First packets create the stream state (one map insertion each).
        let n = tx.protect_rtp(&mut rtp, 200).unwrap();
        rx.unprotect_rtp(&mut rtp, n).unwrap();
        let n = tx.protect_rtcp(&mut rtcp, 100).unwrap();
        rx.unprotect_rtcp(&mut rtcp, n).unwrap();

        let info = allocation_counter::measure(|| {
            for seq in 65_001..=67_000u32 {
                // `as u16` wraps the SEQ on purpose.
                rtp[2..4].copy_from_slice(&(seq as u16).to_be_bytes());
                let n = tx.protect_rtp(&mut rtp, 200).unwrap();
                if seq % 100 == 0 {
                    // A replay and a forgery on the way: dropped, no allocation.
                    let mut copy = rtp;
                    rx.unprotect_rtp(&mut copy, n).unwrap();
                    assert_eq!(
                        rx.unprotect_rtp(&mut rtp, n),
                        Err(SrtpError::Replayed {
                            index: u64::from(seq)
                        })
                    );
                    continue;
                }
                rx.unprotect_rtp(&mut rtp, n).unwrap();
            }
            for _ in 0..100 {
                let n = tx.protect_rtcp(&mut rtcp, 100).unwrap();
                rx.unprotect_rtcp(&mut rtcp, n).unwrap();
            }
        });
        assert_eq!(info.count_total, 0, "{profile}: {info:?}");
        // The run crossed the SEQ wrap: index 67,000 is ROC 1, SEQ 1,464.
        assert_eq!(rx.rtp_received_index(ssrc), Some(67_000));
        assert_eq!(rx.stats().rtp_packets_unprotected, 2_001);
        assert_eq!(rx.stats().replays_dropped, 20);
    }
}
