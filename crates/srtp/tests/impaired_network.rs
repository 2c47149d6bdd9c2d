//! A stream crossing a SEQ wrap through a lossy, reordering, duplicating
//! network: every verdict of the receiver is checked against a plain model
//! of RFC 3711 replay protection (a set of accepted indices and the highest
//! one), not against the bitmask the crate uses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use common::*;
use rtcscope_srtp::{REPLAY_WINDOW_SIZE, SrtpError, SrtpProfile};

/// xorshift64*: deterministic, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SSRC: u32 = 0x0bad_cafe;
const FIRST_INDEX: u64 = 63_500;
const PACKETS: u64 = 4_000;

#[test]
fn receiver_verdicts_match_the_replay_model() {
    for profile in SrtpProfile::ALL {
        run(profile, 0x9e37_79b9_7f4a_7c15);
    }
}

fn run(profile: SrtpProfile, seed: u64) {
    let mut rng = Rng(seed);
    let mut tx = master_context(profile);
    let mut rx = master_context(profile);

    // Send: each packet gets a delivery time = send slot + jitter; 4% are
    // lost, 6% also arrive a second time later, 2% are delayed far enough
    // (up to 400 slots) to fall behind the 128-entry window.
    let mut deliveries: Vec<(u64, u64, Vec<u8>)> = Vec::new();
    for index in FIRST_INDEX..FIRST_INDEX + PACKETS {
        let seq = (index & 0xffff) as u16;
        let srtp = protect_rtp(&mut tx, &rtp_packet(seq, SSRC, &index.to_be_bytes()));
        let roll = rng.below(100);
        if roll < 4 {
            continue;
        }
        let jitter = if roll < 6 {
            100 + rng.below(300)
        } else {
            rng.below(20)
        };
        deliveries.push((index * 10 + jitter * 10 + 1, index, srtp.clone()));
        if roll >= 94 {
            deliveries.push((index * 10 + rng.below(60) * 10 + 2, index, srtp));
        }
    }
    // The first packet is delivered first so the receiver's ROC 0 start
    // holds (RFC 3711 §3.3.1 assumes it sees the stream's beginning).
    deliveries.sort_by_key(|&(at, index, _)| (index != FIRST_INDEX, at));
    assert_eq!(deliveries[0].1, FIRST_INDEX);

    let mut accepted: HashSet<u64> = HashSet::new();
    let mut highest = 0u64;
    let (mut expect_ok, mut expect_replayed, mut expect_too_old) = (0u64, 0u64, 0u64);
    for (_, index, srtp) in &deliveries {
        let index = *index;
        let verdict = unprotect_rtp(&mut rx, srtp);
        // RFC 3711 §3.3.2: left of the window is "too old" whether or not
        // it was seen; inside it, a seen index is a replay.
        if !accepted.is_empty() && highest >= index + REPLAY_WINDOW_SIZE {
            assert_eq!(
                verdict,
                Err(SrtpError::TooOld { index }),
                "{profile} index {index}"
            );
            expect_too_old += 1;
        } else if accepted.contains(&index) {
            assert_eq!(
                verdict,
                Err(SrtpError::Replayed { index }),
                "{profile} index {index}"
            );
            expect_replayed += 1;
        } else {
            let plain = verdict.unwrap_or_else(|e| panic!("{profile} index {index}: {e}"));
            // The payload carries the index the sender used: the receiver
            // guessed the same ROC.
            assert_eq!(plain[12..], index.to_be_bytes());
            accepted.insert(index);
            highest = highest.max(index);
            expect_ok += 1;
        }
    }
    let stats = rx.stats();
    assert_eq!(stats.rtp_packets_unprotected, expect_ok);
    assert_eq!(stats.replays_dropped, expect_replayed);
    assert_eq!(stats.too_old_dropped, expect_too_old);
    assert_eq!(stats.auth_failures, 0);
    // The run crossed the wrap and every impairment actually happened.
    assert_eq!(rx.rtp_received_index(SSRC), Some(highest));
    assert!(highest > 0x1_0000 + 1_000, "{profile}: highest {highest}");
    assert!(
        expect_replayed > 100 && expect_too_old > 10,
        "{profile}: {stats:?}"
    );
    assert!(expect_ok > 3_700, "{profile}: {stats:?}");
}
