//! Seeded random "smoke fuzz": ~100k random and mutated packets through
//! every parser, asserting no panic and the parsers' invariants; plus
//! randomized build → parse round trips. Runs on stable in well under a
//! second (release) / a few seconds (debug).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rtcscope_rtp::NtpTime;
use rtcscope_rtp::rtcp::{
    AppBuilder, ByeBuilder, CompoundBuilder, DlrrItem, FirBuilder, FirEntry, NackBuilder, Pli,
    ReceiverReportBuilder, RembBuilder, ReportBlock, RtcpBuild, RtcpPacket, SdesBuilder,
    SdesChunkSpec, SdesItem, SenderReportBuilder, TransportCcBuilder, XrBlock, XrBuilder,
    parse_compound, sdes_type,
};
use rtcscope_rtp::rtp::{ExtensionElement, Extensions, RtpBuilder, RtpPacket};

/// SplitMix64: tiny, seedable, good enough to drive mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Consumes every accessor and iterator of an RTP parse result.
fn exercise_rtp(buf: &[u8]) -> bool {
    let Ok(p) = RtpPacket::parse(buf) else {
        return false;
    };
    assert_eq!(
        p.header_len() + p.payload().len() + p.padding_len(),
        buf.len()
    );
    assert_eq!(p.csrcs().count(), usize::from(p.csrc_count()));
    let mut ext_bytes = 0;
    for (id, value) in p.extensions() {
        assert!(id != 0);
        ext_bytes += value.len();
    }
    assert!(ext_bytes <= p.extension_data().len());
    let _ = (
        p.marker(),
        p.payload_type(),
        p.sequence_number(),
        p.timestamp(),
        p.ssrc(),
    );
    true
}

/// Consumes a compound completely; returns how many packets parsed.
fn exercise_rtcp(buf: &[u8], seen: &mut [usize; 12]) -> usize {
    let mut ok = 0;
    let mut steps = 0;
    for item in parse_compound(buf) {
        steps += 1;
        assert!(steps <= buf.len() / 4 + 1, "iterator must terminate");
        let Ok(packet) = item else { continue };
        ok += 1;
        seen[variant_index(&packet)] += 1;
        match packet {
            RtcpPacket::SenderReport(sr) => {
                let _ = (sr.ssrc(), sr.ntp_time(), sr.octet_count());
                assert!(sr.report_blocks().count() <= 31);
            }
            RtcpPacket::ReceiverReport(rr) => {
                assert!(rr.report_blocks().count() <= 31);
            }
            RtcpPacket::Sdes(s) => {
                for chunk in s.chunks() {
                    let _ = chunk.cname();
                    for item in chunk.items() {
                        assert!(item.kind != sdes_type::END);
                    }
                }
            }
            RtcpPacket::Bye(b) => {
                let _ = (b.ssrcs().count(), b.reason());
            }
            RtcpPacket::App(a) => {
                let _ = (a.subtype(), a.name(), a.data());
            }
            RtcpPacket::Nack(n) => {
                assert!(n.lost_sequence_numbers().count() <= 17 * n.pairs().count());
            }
            RtcpPacket::Pli(_) => {}
            RtcpPacket::Fir(f) => {
                let _ = f.entries().count();
            }
            RtcpPacket::Remb(r) => {
                let _ = (r.bitrate_bps(), r.ssrcs().count());
            }
            RtcpPacket::TransportCc(t) => {
                assert_eq!(t.packets().count(), usize::from(t.packet_status_count()));
            }
            RtcpPacket::Xr(x) => {
                for block in x.blocks() {
                    if let XrBlock::Dlrr(items) = block {
                        let _ = items.count();
                    }
                }
            }
            RtcpPacket::Unknown(u) => {
                let _ = u.body.len();
            }
        }
    }
    ok
}

fn variant_index(p: &RtcpPacket<'_>) -> usize {
    match p {
        RtcpPacket::SenderReport(_) => 0,
        RtcpPacket::ReceiverReport(_) => 1,
        RtcpPacket::Sdes(_) => 2,
        RtcpPacket::Bye(_) => 3,
        RtcpPacket::App(_) => 4,
        RtcpPacket::Nack(_) => 5,
        RtcpPacket::Pli(_) => 6,
        RtcpPacket::Fir(_) => 7,
        RtcpPacket::Remb(_) => 8,
        RtcpPacket::TransportCc(_) => 9,
        RtcpPacket::Xr(_) => 10,
        RtcpPacket::Unknown(_) => 11,
    }
}

fn seed_rtp() -> Vec<Vec<u8>> {
    let one = [
        ExtensionElement { id: 1, value: &[1] },
        ExtensionElement {
            id: 14,
            value: &[2; 16],
        },
    ];
    let two = [ExtensionElement {
        id: 200,
        value: &[3; 40],
    }];
    let builders = [
        RtpBuilder {
            payload: &[0; 20],
            ..Default::default()
        },
        RtpBuilder {
            csrcs: &[1, 2, 3],
            extensions: Extensions::OneByte(&one),
            payload: &[7; 30],
            padding_len: 4,
            ..Default::default()
        },
        RtpBuilder {
            extensions: Extensions::TwoByte {
                appbits: 0,
                elements: &two,
            },
            payload: &[7; 5],
            padding_len: 1,
            ..Default::default()
        },
    ];
    builders
        .iter()
        .map(|b| {
            let mut out = vec![0; b.encoded_len().unwrap()];
            b.write(&mut out).unwrap();
            out
        })
        .collect()
}

fn seed_rtcp() -> Vec<Vec<u8>> {
    let blocks = [ReportBlock {
        ssrc: 1,
        fraction_lost: 3,
        cumulative_lost: -5,
        extended_highest_seq: 70_000,
        jitter: 12,
        last_sr: 0x1234_5678,
        delay_since_last_sr: 65_536,
    }; 2];
    let cname = [SdesItem {
        kind: sdes_type::CNAME,
        value: b"user@host",
    }];
    let chunks = [SdesChunkSpec {
        ssrc: 9,
        items: &cname,
    }];
    let statuses: Vec<Option<i32>> = (0..40)
        .map(|i| match i % 5 {
            0 => None,
            1 => Some(-40),
            _ => Some(i),
        })
        .collect();
    let dlrr = [DlrrItem {
        ssrc: 3,
        last_rr: 4,
        delay_since_last_rr: 5,
    }];
    let mut seeds = Vec::new();
    let mut push = |b: &dyn Fn(&mut CompoundBuilder<'_>)| {
        let mut buf = [0u8; 1500];
        let mut c = CompoundBuilder::new(&mut buf);
        b(&mut c);
        let n = c.finish();
        seeds.push(buf[..n].to_vec());
    };
    push(&|c| {
        c.push(&SenderReportBuilder {
            ssrc: 1,
            ntp_time: NtpTime(0x1122_3344_5566_7788),
            report_blocks: &blocks,
            ..Default::default()
        })
        .unwrap()
        .push(&SdesBuilder { chunks: &chunks })
        .unwrap()
        .push(&ByeBuilder {
            ssrcs: &[1],
            reason: Some(b"done"),
        })
        .unwrap();
    });
    push(&|c| {
        c.push(&ReceiverReportBuilder {
            ssrc: 2,
            report_blocks: &blocks,
        })
        .unwrap()
        .push(&XrBuilder {
            ssrc: 2,
            rrtr: Some(NtpTime(5)),
            dlrr: &dlrr,
        })
        .unwrap()
        .push(&AppBuilder {
            subtype: 1,
            ssrc: 2,
            name: *b"abcd",
            data: &[1, 2, 3, 4],
        })
        .unwrap();
    });
    push(&|c| {
        c.push(&NackBuilder {
            sender_ssrc: 1,
            media_ssrc: 2,
            lost: &[1, 2, 5, 40],
        })
        .unwrap()
        .push(&Pli {
            sender_ssrc: 1,
            media_ssrc: 2,
        })
        .unwrap()
        .push(&FirBuilder {
            sender_ssrc: 1,
            entries: &[FirEntry { ssrc: 2, seq_nr: 1 }],
        })
        .unwrap()
        .push(&RembBuilder {
            sender_ssrc: 1,
            bitrate_bps: 1_000_000,
            ssrcs: &[2, 3],
        })
        .unwrap()
        .push(&TransportCcBuilder {
            sender_ssrc: 1,
            media_ssrc: 2,
            base_sequence: 65_530,
            reference_time: 77,
            fb_pkt_count: 1,
            packets: &statuses,
        })
        .unwrap();
    });
    seeds
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut buf = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            // Flip a byte anywhere.
            0 | 1 if !buf.is_empty() => {
                let i = rng.below(buf.len());
                buf[i] = rng.byte();
            }
            // Corrupt a likely length / count field: the low byte of a
            // 32-bit word's second half, or a first byte's count bits.
            2 if buf.len() >= 4 => {
                let word = rng.below(buf.len() / 4) * 4;
                buf[word + 3] = rng.byte();
            }
            3 if !buf.is_empty() => {
                let i = rng.below(buf.len());
                buf[i] ^= 0x1F;
            }
            // Truncate or extend.
            4 => buf.truncate(rng.below(buf.len() + 1)),
            _ => {
                for _ in 0..rng.below(8) {
                    buf.push(rng.byte());
                }
            }
        }
    }
    buf
}

#[test]
fn hundred_thousand_random_and_mutated_packets_never_panic() {
    let mut rng = Rng(0x5EED_0001);
    let rtp_seeds = seed_rtp();
    let rtcp_seeds = seed_rtcp();
    // Seeds themselves are valid.
    for s in &rtp_seeds {
        assert!(exercise_rtp(s));
    }
    let mut seen = [0usize; 12];
    let seed_packets: usize = rtcp_seeds.iter().map(|s| exercise_rtcp(s, &mut seen)).sum();
    assert_eq!(seed_packets, 11);
    assert_eq!(seen, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    seen = [0; 12];

    let (mut rtp_ok, mut rtcp_ok) = (0, 0);
    for i in 0..100_000 {
        let input = match i % 4 {
            0 => {
                let len = rng.below(96);
                (0..len).map(|_| rng.byte()).collect()
            }
            1 => {
                let s = &rtp_seeds[rng.below(rtp_seeds.len())];
                mutate(&mut rng, s)
            }
            _ => {
                let s = &rtcp_seeds[rng.below(rtcp_seeds.len())];
                mutate(&mut rng, s)
            }
        };
        rtp_ok += usize::from(exercise_rtp(&input));
        rtcp_ok += exercise_rtcp(&input, &mut seen);
    }
    eprintln!("smoke fuzz: {rtp_ok} RTP and {rtcp_ok} RTCP packets parsed OK out of 100000 inputs");
    // The mutations must keep exploring valid packets, not just garbage.
    eprintln!(
        "smoke fuzz: RTCP packets parsed OK per type (SR RR SDES BYE APP NACK PLI FIR REMB TWCC XR Unknown): {seen:?}"
    );
    assert!(rtp_ok > 20_000, "rtp_ok {rtp_ok}");
    assert!(rtcp_ok > 80_000, "rtcp_ok {rtcp_ok}");
    // Every parser saw many valid (mutated) packets, not only rejects.
    assert!(seen.iter().all(|&n| n >= 500), "{seen:?}");
}

#[test]
fn random_rtp_build_parse_round_trips() {
    let mut rng = Rng(42);
    let mut out = [0u8; 2048];
    for _ in 0..5_000 {
        let csrcs: Vec<u32> = (0..rng.below(16)).map(|_| rng.next() as u32).collect();
        let values: Vec<Vec<u8>> = (0..rng.below(6))
            .map(|_| (0..1 + rng.below(16)).map(|_| rng.byte()).collect())
            .collect();
        let two_byte = rng.below(2) == 1;
        let elements: Vec<ExtensionElement<'_>> = values
            .iter()
            .enumerate()
            .map(|(i, v)| ExtensionElement {
                id: if two_byte {
                    1 + rng.byte() % 255
                } else {
                    1 + (i as u8)
                },
                value: v,
            })
            .collect();
        let payload: Vec<u8> = (0..rng.below(200)).map(|_| rng.byte()).collect();
        let b = RtpBuilder {
            marker: rng.below(2) == 1,
            payload_type: rng.byte() & 0x7F,
            sequence_number: rng.next() as u16,
            timestamp: rng.next() as u32,
            ssrc: rng.next() as u32,
            csrcs: &csrcs,
            extensions: match (elements.is_empty(), two_byte) {
                (true, _) => Extensions::None,
                (false, false) => Extensions::OneByte(&elements),
                (false, true) => Extensions::TwoByte {
                    appbits: rng.byte() & 0xF,
                    elements: &elements,
                },
            },
            payload: &payload,
            padding_len: if rng.below(3) == 0 { rng.byte() } else { 0 },
        };
        let n = b.write(&mut out).unwrap();
        assert_eq!(n, b.encoded_len().unwrap());
        let p = RtpPacket::parse(&out[..n]).unwrap();
        assert_eq!(p.marker(), b.marker);
        assert_eq!(p.payload_type(), b.payload_type);
        assert_eq!(p.sequence_number(), b.sequence_number);
        assert_eq!(p.timestamp(), b.timestamp);
        assert_eq!(p.ssrc(), b.ssrc);
        assert_eq!(p.csrcs().collect::<Vec<_>>(), csrcs);
        let parsed: Vec<_> = p.extensions().collect();
        let expected: Vec<_> = elements.iter().map(|e| (e.id, e.value)).collect();
        assert_eq!(parsed, expected);
        assert_eq!(p.payload(), payload);
        assert_eq!(p.padding_len(), usize::from(b.padding_len));
    }
}

#[test]
fn random_twcc_and_nack_round_trips() {
    let mut rng = Rng(7);
    let mut out = vec![0u8; 4096];
    for _ in 0..2_000 {
        let n = rng.below(400);
        let loss_pct = rng.below(100);
        let statuses: Vec<Option<i32>> = (0..n)
            .map(|_| {
                if rng.below(100) < loss_pct {
                    None
                } else if rng.below(10) == 0 {
                    Some(i32::from(rng.next() as i16))
                } else {
                    Some(rng.below(256) as i32)
                }
            })
            .collect();
        let base = rng.next() as u16;
        let b = TransportCcBuilder {
            sender_ssrc: 1,
            media_ssrc: 2,
            base_sequence: base,
            reference_time: (rng.next() as u32) & 0xFF_FFFF,
            fb_pkt_count: rng.byte(),
            packets: &statuses,
        };
        let len = b.write(&mut out).unwrap();
        let Some(Ok(RtcpPacket::TransportCc(fb))) = parse_compound(&out[..len]).next() else {
            panic!("TWCC did not parse")
        };
        assert_eq!(fb.reference_time(), b.reference_time);
        let parsed: Vec<_> = fb.packets().collect();
        let expected: Vec<_> = statuses
            .iter()
            .enumerate()
            .map(|(i, &d)| (base.wrapping_add(i as u16), d))
            .collect();
        assert_eq!(parsed, expected);

        // NACK: increasing lost sequence numbers starting anywhere.
        let mut seq = rng.next() as u16;
        let lost: Vec<u16> = (0..rng.below(60))
            .map(|_| {
                seq = seq.wrapping_add(1 + rng.below(20) as u16);
                seq
            })
            .collect();
        let nb = NackBuilder {
            sender_ssrc: 1,
            media_ssrc: 2,
            lost: &lost,
        };
        let len = nb.write(&mut out).unwrap();
        let Some(Ok(RtcpPacket::Nack(nack))) = parse_compound(&out[..len]).next() else {
            panic!("NACK did not parse")
        };
        assert_eq!(nack.lost_sequence_numbers().collect::<Vec<_>>(), lost);
    }
}
