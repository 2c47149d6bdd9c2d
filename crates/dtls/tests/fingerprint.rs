#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Expect, Pair, config, lossless};
use rtcscope_dtls::{DtlsFailure, DtlsState, DtlsVersion, Sha256Fingerprint};

fn forged() -> Sha256Fingerprint {
    Sha256Fingerprint::of_der(b"not the peer's certificate")
}

#[test]
fn forged_fingerprint_at_server_is_refused_dtls12() {
    let mut pair = Pair::new(
        config(DtlsVersion::Dtls12, 1),
        config(DtlsVersion::Dtls12, 2),
        lossless(),
        1,
        Expect::ForgedAtServer(forged()),
    );
    // The client, never getting the server's Finished, gives up after dimpl's retries.
    assert!(pair.run_until(Duration::from_secs(120), |p| {
        p.server.observed.failure.is_some() && p.client.observed.failure.is_some()
    }));
    let expected_failure = DtlsFailure::FingerprintMismatch {
        expected: forged(),
        actual: pair.client.certificate.fingerprint(),
    };
    assert_eq!(pair.server.observed.failure, Some(expected_failure.clone()));
    assert_eq!(pair.server.transport.failure(), Some(&expected_failure));
    let message = expected_failure.to_string();
    assert!(message.contains("fingerprint mismatch"), "{message}");
    assert!(message.contains(&forged().to_hex()), "{message}");
    assert_eq!(pair.server.transport.state(), DtlsState::Failed);
    assert!(!pair.server.observed.connected);
    assert!(!pair.client.observed.connected);
    assert!(matches!(
        pair.client.observed.failure,
        Some(DtlsFailure::HandshakeTimeout(_))
    ));
    assert!(pair.server.transport.srtp_keying_material().is_none());
    assert!(pair.server.observed.received.is_empty());
}

#[test]
fn forged_fingerprint_at_server_is_refused_dtls13_and_no_data_flows() {
    let mut pair = Pair::new(
        config(DtlsVersion::Dtls13, 3),
        config(DtlsVersion::Dtls13, 4),
        lossless(),
        3,
        Expect::ForgedAtServer(forged()),
    );
    // In DTLS 1.3 the client finishes before the server checks its certificate.
    assert!(pair.run_until(Duration::from_secs(5), |p| {
        p.server.observed.failure.is_some() && p.client.observed.connected
    }));
    assert!(matches!(
        pair.server.observed.failure,
        Some(DtlsFailure::FingerprintMismatch { .. })
    ));
    // Whatever the client now sends never reaches the server's application.
    let ignored_before = pair.server.transport.counters().datagrams_ignored;
    for i in 0..5u8 {
        pair.client.transport.send(&[i; 100]).unwrap();
    }
    pair.run_until(Duration::from_secs(2), |_| false);
    assert!(pair.server.observed.received.is_empty());
    assert!(pair.server.transport.counters().datagrams_ignored > ignored_before);
    assert!(!pair.server.observed.connected);
    assert_eq!(pair.server.transport.poll_timeout(), None);
}

#[test]
fn forged_fingerprint_at_client_is_refused() {
    for version in [DtlsVersion::Dtls12, DtlsVersion::Dtls13] {
        let mut pair = Pair::new(
            config(version, 5),
            config(version, 6),
            lossless(),
            5,
            Expect::ForgedAtClient(forged()),
        );
        assert!(pair.run_until(Duration::from_secs(120), |p| {
            p.client.observed.failure.is_some() && p.server.observed.failure.is_some()
        }));
        assert_eq!(
            pair.client.observed.failure,
            Some(DtlsFailure::FingerprintMismatch {
                expected: forged(),
                actual: pair.server.certificate.fingerprint(),
            }),
            "{version:?}"
        );
        // The client stopped before its Finished: the server never connects.
        assert!(!pair.server.observed.connected, "{version:?}");
        assert!(
            matches!(
                pair.server.observed.failure,
                Some(DtlsFailure::HandshakeTimeout(_))
            ),
            "{version:?}: {:?}",
            pair.server.observed.failure
        );
        assert!(!pair.client.observed.connected, "{version:?}");
    }
}

#[test]
fn fingerprint_learned_late_holds_the_connection_until_checked() {
    let mut pair = Pair::new(
        config(DtlsVersion::Dtls12, 7),
        config(DtlsVersion::Dtls12, 8),
        lossless(),
        7,
        Expect::LateAtServer,
    );
    assert!(pair.run_until(Duration::from_secs(5), |p| p.client.observed.connected));
    pair.run_until(Duration::from_millis(200), |_| false);
    // Handshake done, but the server has nothing to check the certificate against yet.
    assert_eq!(pair.server.transport.state(), DtlsState::Connecting);
    assert!(!pair.server.observed.connected);
    assert!(pair.server.transport.srtp_keying_material().is_none());

    pair.server
        .transport
        .set_remote_fingerprint(pair.client.certificate.fingerprint());
    assert!(pair.run_until(Duration::from_secs(1), |p| p.server.observed.connected));
    assert_eq!(pair.server.transport.state(), DtlsState::Connected);
    pair.client.transport.send(b"now it flows").unwrap();
    assert!(pair.run_until(Duration::from_secs(1), |p| {
        !p.server.observed.received.is_empty()
    }));
    assert_eq!(
        pair.server.observed.received,
        vec![b"now it flows".to_vec()]
    );
}

#[test]
fn fingerprint_learned_late_and_wrong_fails() {
    let mut pair = Pair::new(
        config(DtlsVersion::Dtls12, 9),
        config(DtlsVersion::Dtls12, 10),
        lossless(),
        9,
        Expect::LateAtServer,
    );
    assert!(pair.run_until(Duration::from_secs(5), |p| p.client.observed.connected));
    pair.server.transport.set_remote_fingerprint(forged());
    assert!(pair.run_until(Duration::from_secs(1), |p| {
        p.server.observed.failure.is_some()
    }));
    assert_eq!(pair.server.transport.state(), DtlsState::Failed);
    assert!(!pair.server.observed.connected);
}
