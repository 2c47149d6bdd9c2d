#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Expect, Pair, config, lossless};
use rtcscope_dtls::{DtlsState, DtlsVersion};
use rtcscope_netsim::SimRng;

/// Random datagrams, some shaped like DTLS handshake/application records so
/// they get past the first header checks. No alert records (content type 21):
/// an unauthenticated epoch-0 fatal alert may legitimately end a handshake.
fn garbage(rng: &mut SimRng, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let len = rng.below_inclusive(300) as usize;
            let mut d: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            if i % 2 == 0 && d.len() >= 13 {
                d[0] = if i % 4 == 0 { 22 } else { 23 };
                d[1] = 0xFE;
                d[2] = 0xFD;
                let body = (d.len() - 13) as u16;
                d[11..13].copy_from_slice(&body.to_be_bytes());
            } else if let Some(first) = d.first_mut()
                && *first == 21
            {
                *first = 0xFF;
            }
            d
        })
        .collect()
}

#[test]
fn garbage_before_and_after_the_handshake_is_discarded() {
    for version in [DtlsVersion::Dtls12, DtlsVersion::Dtls13] {
        let mut rng = SimRng::new(77);
        let mut pair = Pair::new(
            config(version, 1),
            config(version, 2),
            lossless(),
            1,
            Expect::Real,
        );
        let now = pair.now;
        for d in garbage(&mut rng, 200) {
            pair.server.transport.handle_receive(now, &d);
            pair.client.transport.handle_receive(now, &d);
        }
        assert!(pair.handshake(Duration::from_secs(10)), "{version:?}");

        let now = pair.now;
        for d in garbage(&mut rng, 200) {
            pair.server.transport.handle_receive(now, &d);
        }
        assert_eq!(pair.server.transport.state(), DtlsState::Connected);
        pair.run_until(Duration::from_millis(100), |_| false);
        assert!(pair.server.observed.received.is_empty(), "{version:?}");
        assert!(pair.server.observed.failure.is_none(), "{version:?}");

        pair.client.transport.send(b"still works").unwrap();
        assert!(pair.run_until(Duration::from_secs(1), |p| {
            !p.server.observed.received.is_empty()
        }));
        assert_eq!(pair.server.observed.received, vec![b"still works".to_vec()]);
    }
}
