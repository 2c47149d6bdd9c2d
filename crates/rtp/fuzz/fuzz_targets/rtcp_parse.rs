//! `cargo +nightly fuzz run rtcp_parse` (from crates/rtp).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtcscope_rtp::rtcp::{RtcpPacket, XrBlock, parse_compound};

fuzz_target!(|data: &[u8]| {
    let mut steps = 0;
    for item in parse_compound(data) {
        steps += 1;
        assert!(steps <= data.len() / 4 + 1, "iterator must terminate");
        let Ok(packet) = item else { continue };
        // Walk every nested iterator: they must not panic or loop.
        match packet {
            RtcpPacket::SenderReport(sr) => {
                let _ = sr.report_blocks().count();
            }
            RtcpPacket::ReceiverReport(rr) => {
                let _ = rr.report_blocks().count();
            }
            RtcpPacket::Sdes(s) => {
                for chunk in s.chunks() {
                    let _ = chunk.items().count();
                }
            }
            RtcpPacket::Bye(b) => {
                let _ = (b.ssrcs().count(), b.reason());
            }
            RtcpPacket::App(a) => {
                let _ = a.data();
            }
            RtcpPacket::Nack(n) => {
                let _ = n.lost_sequence_numbers().count();
            }
            RtcpPacket::Pli(_) | RtcpPacket::Unknown(_) => {}
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
        }
    }
});
