//! Stream behaviour: ROC across SEQ wraps (with reordering), replay and
//! forgery handling, window boundaries, the SSRC cap, SRTCP round trips and
//! malformed input. Every test runs for every profile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rtcscope_srtp::{SrtpConfig, SrtpContext, SrtpError, SrtpProfile};

const SSRC: u32 = 0x1122_3344;

/// Where the E flag / SRTCP index word sits: before the HMAC tag for
/// AES-CM (RFC 3711 §3.4), after the GCM tag (RFC 7714 §9).
fn srtcp_index_word_at(p: SrtpProfile, srtcp_len: usize) -> usize {
    if p.is_aead() {
        srtcp_len - 4
    } else {
        srtcp_len - 14
    }
}

/// Runs `test` for every profile.
fn for_each_profile(test: impl Fn(SrtpProfile)) {
    for profile in SrtpProfile::ALL {
        test(profile);
    }
}

/// A payload that differs per SEQ, so a decrypt with the wrong index or a
/// mixed-up packet cannot pass unnoticed.
fn payload(seq: u16) -> Vec<u8> {
    (0..48)
        .map(|i| (seq as u8).wrapping_add(i).wrapping_mul(31))
        .collect()
}

fn sent(tx: &mut SrtpContext, seq: u16) -> Vec<u8> {
    protect_rtp(tx, &rtp_packet(seq, SSRC, &payload(seq)))
}

#[test]
fn sender_roc_increments_on_wrap() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        for seq in [65534u16, 65535] {
            sent(&mut tx, seq);
        }
        assert_eq!(tx.rtp_sent_index(SSRC), Some(0xffff));
        sent(&mut tx, 0);
        assert_eq!(tx.rtp_sent_index(SSRC), Some(0x1_0000));
        let late = sent(&mut tx, 65535);
        // A resend of a pre-wrap SEQ keeps ROC 0: same bytes as a fresh
        // sender produces for it.
        let mut fresh = master_context(p);
        assert_eq!(late, sent(&mut fresh, 65535));
        sent(&mut tx, 1);
        assert_eq!(tx.rtp_sent_index(SSRC), Some(0x1_0001));
        // A second wrap.
        for seq in [0x4000u16, 0x8000, 0xc000, 0xffff, 0x0003] {
            sent(&mut tx, seq);
        }
        assert_eq!(tx.rtp_sent_index(SSRC), Some(0x2_0003));
        assert_eq!(tx.stats().rtp_packets_protected, 10);
    });
}

#[test]
fn receiver_follows_wrap_in_order() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        let mut rx = master_context(p);
        let seqs: Vec<u16> = (65530..=65535).chain(0..=5).collect();
        for &seq in &seqs {
            let srtp = sent(&mut tx, seq);
            assert_eq!(
                unprotect_rtp(&mut rx, &srtp).unwrap(),
                rtp_packet(seq, SSRC, &payload(seq))
            );
        }
        assert_eq!(rx.rtp_received_index(SSRC), Some(0x1_0005));
        assert_eq!(rx.stats().rtp_packets_unprotected, 12);
    });
}

#[test]
fn receiver_guesses_index_with_reordering_around_wrap() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        let mut rx = master_context(p);
        let seqs = [65532u16, 65533, 65534, 65535, 0, 1, 2, 3];
        let packets: Vec<(u16, Vec<u8>)> = seqs.iter().map(|&s| (s, sent(&mut tx, s))).collect();
        // Delivery order: the first packet, then post-wrap packets before
        // the pre-wrap ones they overtook.
        let order = [0usize, 4, 3, 6, 1, 5, 2, 7];
        let expected_highest = [
            0xfffc, 0x1_0000, 0x1_0000, 0x1_0002, 0x1_0002, 0x1_0002, 0x1_0002, 0x1_0003,
        ];
        for (&i, &highest) in order.iter().zip(&expected_highest) {
            let (seq, srtp) = &packets[i];
            let plain =
                unprotect_rtp(&mut rx, srtp).unwrap_or_else(|e| panic!("{p} seq {seq}: {e}"));
            assert_eq!(plain, rtp_packet(*seq, SSRC, &payload(*seq)));
            assert_eq!(
                rx.rtp_received_index(SSRC),
                Some(highest),
                "{p} after seq {seq}"
            );
        }
        // Every one of them again is a replay, on either side of the wrap.
        for (seq, srtp) in &packets {
            let index = if *seq >= 65532 {
                u64::from(*seq)
            } else {
                0x1_0000 + u64::from(*seq)
            };
            assert_eq!(
                unprotect_rtp(&mut rx, srtp),
                Err(SrtpError::Replayed { index })
            );
        }
        assert_eq!(rx.stats().replays_dropped, 8);
        assert_eq!(rx.stats().rtp_packets_unprotected, 8);
    });
}

#[test]
fn receiver_survives_a_loss_burst_across_the_wrap() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        let mut rx = master_context(p);
        let first = sent(&mut tx, 65000);
        unprotect_rtp(&mut rx, &first).unwrap();
        // 65001..=65535 and 0..=99 lost: a jump of 636, well under 2^15.
        let after = sent(&mut tx, 100);
        assert_eq!(
            unprotect_rtp(&mut rx, &after).unwrap(),
            rtp_packet(100, SSRC, &payload(100))
        );
        assert_eq!(rx.rtp_received_index(SSRC), Some(0x1_0064));
        // A pre-wrap straggler 636 behind is outside the 128-entry window.
        let straggler = sent(&mut tx, 65001);
        assert_eq!(
            unprotect_rtp(&mut rx, &straggler),
            Err(SrtpError::TooOld { index: 65001 })
        );
        assert_eq!(rx.stats().too_old_dropped, 1);
    });
}

#[test]
fn replayed_packet_is_dropped_and_counted() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        let mut rx = master_context(p);
        let srtp = sent(&mut tx, 7);
        unprotect_rtp(&mut rx, &srtp).unwrap();
        let mut buf = srtp.clone();
        assert_eq!(
            rx.unprotect_rtp(&mut buf, srtp.len()),
            Err(SrtpError::Replayed { index: 7 })
        );
        // Refused before any decryption: the buffer is unchanged.
        assert_eq!(buf, srtp);
        let stats = rx.stats();
        assert_eq!(
            (
                stats.rtp_packets_unprotected,
                stats.replays_dropped,
                stats.auth_failures
            ),
            (1, 1, 0)
        );
    });
}

#[test]
fn any_flipped_bit_fails_and_leaves_no_trace() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        let srtp = sent(&mut tx, 500);
        let mut rx = master_context(p);
        let mut malformed = 0;
        for at in 0..srtp.len() {
            let mut forged = srtp.clone();
            forged[at] ^= 0x01;
            let mut buf = forged.clone();
            match rx.unprotect_rtp(&mut buf, forged.len()) {
                Err(SrtpError::AuthenticationFailed) => {}
                // A header bit may instead make the header unparsable.
                Err(SrtpError::Malformed) => malformed += 1,
                other => panic!("{p}: flip at {at} gave {other:?}"),
            }
            assert_eq!(
                buf, forged,
                "{p}: failed unprotect must not touch the buffer"
            );
        }
        assert!(malformed <= 1, "{p}: {malformed} malformed");
        assert_eq!(
            rx.stats().auth_failures + rx.stats().malformed_dropped,
            srtp.len() as u64
        );
        // No forgery created state; the genuine packet still goes through.
        assert_eq!(rx.stream_count(), 0);
        assert_eq!(
            unprotect_rtp(&mut rx, &srtp).unwrap(),
            rtp_packet(500, SSRC, &payload(500))
        );
    });
}

#[test]
fn forged_packets_do_not_move_the_replay_window() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        let mut rx = master_context(p);
        unprotect_rtp(&mut rx, &sent(&mut tx, 1000)).unwrap();
        // A forgery far ahead, with a broken tag.
        let mut forged = sent(&mut master_context(p), 1000 + 5000);
        let last = forged.len() - 1;
        forged[last] ^= 0x80;
        assert_eq!(
            unprotect_rtp(&mut rx, &forged),
            Err(SrtpError::AuthenticationFailed)
        );
        assert_eq!(rx.rtp_received_index(SSRC), Some(1000));
        // Had the window moved to 6000, packet 1001 would now be too old.
        for seq in 1001..1010 {
            unprotect_rtp(&mut rx, &sent(&mut tx, seq)).unwrap();
        }
        // A wrong key authenticates nothing.
        let mut other = SrtpContext::new(
            p,
            &vec![7; p.master_key_len()],
            &vec![9; p.master_salt_len()],
        )
        .unwrap();
        let foreign = sent(&mut other, 1010);
        assert_eq!(
            unprotect_rtp(&mut rx, &foreign),
            Err(SrtpError::AuthenticationFailed)
        );
        assert_eq!(rx.stats().auth_failures, 2);
        assert_eq!(rx.rtp_received_index(SSRC), Some(1009));
    });
}

#[test]
fn replay_window_boundaries() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        let packets: Vec<Vec<u8>> = (0..=400u16).map(|s| sent(&mut tx, s)).collect();
        let mut rx = master_context(p);
        unprotect_rtp(&mut rx, &packets[200]).unwrap();
        unprotect_rtp(&mut rx, &packets[400]).unwrap();
        // 127 behind the highest (400) is the oldest slot still open.
        unprotect_rtp(&mut rx, &packets[273]).unwrap();
        assert_eq!(
            unprotect_rtp(&mut rx, &packets[273]),
            Err(SrtpError::Replayed { index: 273 })
        );
        assert_eq!(
            unprotect_rtp(&mut rx, &packets[272]),
            Err(SrtpError::TooOld { index: 272 })
        );
        assert_eq!(
            unprotect_rtp(&mut rx, &packets[200]),
            Err(SrtpError::TooOld { index: 200 })
        );
        // Unseen slots inside the window still open.
        unprotect_rtp(&mut rx, &packets[399]).unwrap();
        unprotect_rtp(&mut rx, &packets[300]).unwrap();
        // Highest 401 pushes 273 out of the window; 274 (127 behind) is open.
        let next = sent(&mut tx, 401);
        unprotect_rtp(&mut rx, &next).unwrap();
        assert_eq!(
            unprotect_rtp(&mut rx, &packets[273]),
            Err(SrtpError::TooOld { index: 273 })
        );
        assert_eq!(unprotect_rtp(&mut rx, &packets[274]).map(|_| ()), Ok(()));
        let s = rx.stats();
        assert_eq!(
            (
                s.rtp_packets_unprotected,
                s.replays_dropped,
                s.too_old_dropped
            ),
            (7, 1, 3)
        );
    });
}

#[test]
fn stream_cap_refuses_new_ssrcs_and_forgeries_take_no_slot() {
    for_each_profile(|p| {
        let config = SrtpConfig { max_streams: 4 };
        let mut tx = master_context(p);
        let mut rx = master_context_with(p, config);
        // A flood of unauthenticated SSRCs uses no slots.
        for ssrc in 0..1000u32 {
            let mut forged = rtp_packet(1, ssrc, &[0; 40]);
            forged.extend_from_slice(&[0; 16][..p.rtp_tag_len()]);
            assert_eq!(
                unprotect_rtp(&mut rx, &forged),
                Err(SrtpError::AuthenticationFailed)
            );
        }
        assert_eq!(rx.stream_count(), 0);
        for ssrc in 1..=4u32 {
            unprotect_rtp(
                &mut rx,
                &protect_rtp(&mut tx, &rtp_packet(1, ssrc, b"hello")),
            )
            .unwrap();
        }
        assert_eq!(rx.stream_count(), 4);
        let fifth = protect_rtp(&mut tx, &rtp_packet(1, 5, b"hello"));
        assert_eq!(
            unprotect_rtp(&mut rx, &fifth),
            Err(SrtpError::TooManyStreams { limit: 4 })
        );
        assert_eq!(rx.stats().stream_limit_dropped, 1);
        // Known SSRCs keep working; SRTCP of a new SSRC is capped too.
        unprotect_rtp(&mut rx, &protect_rtp(&mut tx, &rtp_packet(2, 4, b"hello"))).unwrap();
        let rtcp = protect_rtcp(&mut tx, &rtcp_packet(5, &[]));
        assert_eq!(
            unprotect_rtcp(&mut rx, &rtcp),
            Err(SrtpError::TooManyStreams { limit: 4 })
        );
        // Removing a stream frees its slot.
        assert!(rx.remove_stream(1));
        unprotect_rtp(&mut rx, &fifth).unwrap();
        assert_eq!(rx.stream_count(), 4);
        // The sending side is capped the same way.
        let mut small_tx = master_context_with(p, SrtpConfig { max_streams: 1 });
        protect_rtp(&mut small_tx, &rtp_packet(1, 1, b"x"));
        let mut buf = rtp_packet(1, 2, b"x");
        let len = buf.len();
        buf.resize(len + 16, 0);
        assert_eq!(
            small_tx.protect_rtp(&mut buf, len),
            Err(SrtpError::TooManyStreams { limit: 1 })
        );
    });
}

#[test]
fn srtcp_round_trip_with_index_and_replay_window() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        let mut rx = master_context(p);
        let reports: Vec<Vec<u8>> = (0..5u8).map(|i| rtcp_packet(SSRC, &[i; 24])).collect();
        let protected: Vec<Vec<u8>> = reports.iter().map(|r| protect_rtcp(&mut tx, r)).collect();
        for (i, srtcp) in protected.iter().enumerate() {
            assert_eq!(srtcp.len(), reports[i].len() + p.rtcp_overhead());
            // E flag set and the index counting from 0.
            let word_at = srtcp_index_word_at(p, srtcp.len());
            assert_eq!(
                srtcp[word_at..word_at + 4],
                (0x8000_0000u32 | i as u32).to_be_bytes()
            );
            // Header in the clear, the rest not.
            assert_eq!(srtcp[..8], reports[i][..8]);
            assert_ne!(srtcp[8..reports[i].len()], reports[i][8..]);
        }
        // Out of order delivery, then replays.
        for i in [0usize, 2, 1, 4, 3] {
            assert_eq!(unprotect_rtcp(&mut rx, &protected[i]).unwrap(), reports[i]);
        }
        assert_eq!(
            unprotect_rtcp(&mut rx, &protected[2]),
            Err(SrtpError::Replayed { index: 2 })
        );
        let mut tampered = protect_rtcp(&mut tx, &reports[0]);
        tampered[10] ^= 0x40;
        let mut buf = tampered.clone();
        assert_eq!(
            rx.unprotect_rtcp(&mut buf, tampered.len()),
            Err(SrtpError::AuthenticationFailed)
        );
        assert_eq!(buf, tampered);
        let s = rx.stats();
        assert_eq!(
            (
                s.rtcp_packets_unprotected,
                s.replays_dropped,
                s.auth_failures
            ),
            (5, 1, 1)
        );
        assert_eq!(tx.stats().rtcp_packets_protected, 6);
        // SRTCP and SRTP windows are separate: SRTP index 2 is still fresh.
        let rtp = protect_rtp(&mut tx, &rtp_packet(2, SSRC, b"media"));
        unprotect_rtp(&mut rx, &rtp).unwrap();
    });
}

#[test]
fn srtcp_index_cannot_be_changed_by_an_attacker() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        let mut rx = master_context(p);
        let srtcp = protect_rtcp(&mut tx, &rtcp_packet(SSRC, &[1; 8]));
        // Replaying with a bumped index to dodge the window fails the tag.
        let word_at = srtcp_index_word_at(p, srtcp.len());
        let mut bumped = srtcp.clone();
        bumped[word_at + 3] ^= 0x01;
        assert_eq!(
            unprotect_rtcp(&mut rx, &bumped),
            Err(SrtpError::AuthenticationFailed)
        );
        // Clearing E to have the ciphertext taken as plaintext fails too.
        let mut cleared = srtcp.clone();
        cleared[word_at] &= 0x7f;
        assert_eq!(
            unprotect_rtcp(&mut rx, &cleared),
            Err(SrtpError::AuthenticationFailed)
        );
        assert_eq!(rx.stats().auth_failures, 2);
        // Neither forgery opened the window: the genuine packet passes once.
        assert_eq!(
            unprotect_rtcp(&mut rx, &srtcp).unwrap(),
            rtcp_packet(SSRC, &[1; 8])
        );
        assert_eq!(
            unprotect_rtcp(&mut rx, &bumped),
            Err(SrtpError::AuthenticationFailed)
        );
        assert_eq!(
            unprotect_rtcp(&mut rx, &srtcp),
            Err(SrtpError::Replayed { index: 0 })
        );
    });
}

#[test]
fn malformed_and_short_input_is_refused_without_panic() {
    for_each_profile(|p| {
        let mut rx = master_context(p);
        let cases: [&[u8]; 5] = [
            &[],
            &[0x80; 11],
            // Version 1 RTP with room for a tag.
            &[0x40; 40],
            // CC = 15 claims 60 CSRC octets that are not there.
            &[
                0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0,
            ],
            // Extension bit with an extension length running off the end.
            &[
                0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0,
            ],
        ];
        let mut rtcp_malformed = 0;
        for case in cases {
            assert_eq!(
                unprotect_rtp(&mut rx, case),
                Err(SrtpError::Malformed),
                "{p}: {case:02x?}"
            );
            if case.len() < 8 + p.rtcp_overhead() || case[0] >> 6 != 2 {
                assert_eq!(
                    unprotect_rtcp(&mut rx, case),
                    Err(SrtpError::Malformed),
                    "{p}: {case:02x?}"
                );
                rtcp_malformed += 1;
            }
        }
        // Empty, 11 octets, and version 1 are malformed RTCP for both.
        assert_eq!(rtcp_malformed, 3);
        let mut buf = [0x80u8; 20];
        assert_eq!(
            rx.unprotect_rtp(&mut buf, 21),
            Err(SrtpError::LengthOutOfBounds {
                len: 21,
                buffer: 20
            })
        );
        assert_eq!(rx.stats().malformed_dropped, 5 + 3 + 1);
        // No tail room for the tag.
        let packet = rtp_packet(1, SSRC, b"abc");
        let mut exact = packet.clone();
        assert_eq!(
            rx.protect_rtp(&mut exact, packet.len()),
            Err(SrtpError::BufferTooSmall {
                needed: packet.len() + p.rtp_tag_len(),
                available: packet.len()
            })
        );
        assert_eq!(exact, packet);
        let report = rtcp_packet(SSRC, &[]);
        let mut exact = report.clone();
        exact.resize(report.len() + p.rtcp_overhead() - 1, 0);
        assert!(matches!(
            rx.protect_rtcp(&mut exact, report.len()),
            Err(SrtpError::BufferTooSmall { .. })
        ));
    });
}

#[test]
fn empty_payload_and_header_only_packets_round_trip() {
    for_each_profile(|p| {
        let mut tx = master_context(p);
        let mut rx = master_context(p);
        let packet = rtp_packet(9, SSRC, &[]);
        let srtp = protect_rtp(&mut tx, &packet);
        assert_eq!(srtp.len(), 12 + p.rtp_tag_len());
        assert_eq!(unprotect_rtp(&mut rx, &srtp).unwrap(), packet);
        let report = rtcp_packet(SSRC, &[]);
        let srtcp = protect_rtcp(&mut tx, &report);
        assert_eq!(unprotect_rtcp(&mut rx, &srtcp).unwrap(), report);
    });
}
