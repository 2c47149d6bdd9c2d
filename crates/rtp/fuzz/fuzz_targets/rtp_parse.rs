//! `cargo +nightly fuzz run rtp_parse` (from crates/rtp).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtcscope_rtp::rtp::RtpPacket;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = RtpPacket::parse(data) {
        // The three parts tile the packet exactly.
        assert_eq!(
            p.header_len() + p.payload().len() + p.padding_len(),
            data.len()
        );
        assert_eq!(p.csrcs().count(), usize::from(p.csrc_count()));
        let mut ext_bytes = 0;
        for (id, value) in p.extensions() {
            assert_ne!(id, 0);
            ext_bytes += value.len();
        }
        assert!(ext_bytes <= p.extension_data().len());
    }
});
