//! protect + unprotect of a 1,200-octet RTP packet (12-octet header, 1,188
//! octets of payload) per profile, in place, as a media path does it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rtcscope_srtp::{SrtpContext, SrtpProfile};

const PACKET_LEN: usize = 1200;

fn protect_unprotect(c: &mut Criterion) {
    let mut group = c.benchmark_group("srtp_protect_unprotect_1200");
    group.throughput(Throughput::Bytes(PACKET_LEN as u64));
    for profile in SrtpProfile::ALL {
        let key = vec![0x2b; profile.master_key_len()];
        let salt = vec![0xf0; profile.master_salt_len()];
        let mut tx = SrtpContext::new(profile, &key, &salt).unwrap();
        let mut rx = SrtpContext::new(profile, &key, &salt).unwrap();
        let mut packet = [0u8; PACKET_LEN];
        packet[0] = 0x80;
        packet[1] = 96;
        packet[8..12].copy_from_slice(&0x1234_5678u32.to_be_bytes());
        let mut buf = [0u8; PACKET_LEN + 16];
        let mut seq: u16 = 0;
        group.bench_function(profile.iana_name(), |b| {
            b.iter(|| {
                // A fresh SEQ each time: the receiver refuses replays.
                seq = seq.wrapping_add(1);
                buf[..PACKET_LEN].copy_from_slice(&packet);
                buf[2..4].copy_from_slice(&seq.to_be_bytes());
                let protected = tx.protect_rtp(&mut buf, PACKET_LEN).unwrap();
                let plain = rx.unprotect_rtp(&mut buf, protected).unwrap();
                black_box(plain)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, protect_unprotect);
criterion_main!(benches);
