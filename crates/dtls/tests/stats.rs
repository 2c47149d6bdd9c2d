#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use common::{Expect, Pair, config, lossless};
use rtcscope_dtls::dimpl::{self, crypto::Dtls13CipherSuite};
use rtcscope_dtls::{DtlsTransportConfig, DtlsVersion, Sha256Fingerprint};
use rtcscope_stats::{
    RTCCertificateStats, RTCDtlsRole, RTCDtlsTransportState, RTCStatsReport, RTCTransportStats,
};

fn dtls13_aes128(seed: u64) -> DtlsTransportConfig {
    let cfg = dimpl::Config::builder()
        .dtls13_cipher_suites(&[Dtls13CipherSuite::AES_128_GCM_SHA256])
        .dangerously_set_rng_seed(seed)
        .build()
        .unwrap();
    DtlsTransportConfig {
        version: DtlsVersion::Dtls13,
        dimpl: Arc::new(cfg),
    }
}

#[test]
fn stats_before_handshake_have_no_negotiated_members() {
    let pair = Pair::new(
        config(DtlsVersion::Dtls12, 1),
        config(DtlsVersion::Dtls12, 2),
        lossless(),
        1,
        Expect::Real,
    );
    let s = pair.server.transport.stats_snapshot();
    assert_eq!(s.dtls_state, RTCDtlsTransportState::New);
    assert_eq!(s.dtls_role, RTCDtlsRole::Server);
    assert_eq!(s.tls_version, None);
    assert_eq!(s.dtls_cipher, None);
    assert_eq!(s.srtp_cipher, None);
    assert_eq!(s.remote_certificate_id, None);
    assert_eq!(
        s.local_certificate_id,
        format!("CF{}", pair.server.certificate.fingerprint())
    );
    assert_eq!(pair.server.transport.certificate_stats(0.0).len(), 1);
}

#[test]
fn connected_transport_reports_chrome_shaped_members() {
    let mut pair = Pair::new(
        dtls13_aes128(3),
        dtls13_aes128(4),
        lossless(),
        3,
        Expect::Real,
    );
    assert!(pair.handshake(Duration::from_secs(5)));

    let mut transport = RTCTransportStats {
        id: "T01".into(),
        timestamp: 1_800_000_000_000.0,
        ..Default::default()
    };
    pair.server.transport.fill_transport_stats(&mut transport);
    assert_eq!(transport.dtls_state, RTCDtlsTransportState::Connected);
    assert_eq!(transport.dtls_role, Some(RTCDtlsRole::Server));
    assert_eq!(transport.tls_version.as_deref(), Some("FEFC"));
    assert_eq!(
        transport.dtls_cipher.as_deref(),
        Some("TLS_AES_128_GCM_SHA256")
    );
    // dimpl negotiates AEAD_AES_256_GCM between two dimpl peers.
    assert_eq!(
        transport.srtp_cipher.as_deref(),
        Some("SRTP_AEAD_AES_256_GCM")
    );
    let client_fp = Sha256Fingerprint::of_der(pair.client.certificate.der());
    assert_eq!(
        transport.remote_certificate_id,
        Some(format!("CF{client_fp}"))
    );

    let mut report = RTCStatsReport::new();
    for cert in pair.server.transport.certificate_stats(transport.timestamp) {
        report.insert(cert);
    }
    report.insert(transport.clone());
    assert_eq!(report.len(), 3);

    // The remote certificate object is exactly what the client reports as its local one.
    let remote: &RTCCertificateStats = report
        .get_as(transport.remote_certificate_id.as_deref().unwrap())
        .unwrap();
    let client_side = pair.client.transport.certificate_stats(transport.timestamp);
    assert_eq!(remote, &client_side[0]);
    assert_eq!(remote.fingerprint_algorithm, "sha-256");
    assert_eq!(remote.issuer_certificate_id, None);
    let der = base64::engine::general_purpose::STANDARD
        .decode(&remote.base64_certificate)
        .unwrap();
    assert_eq!(der, pair.client.certificate.der());
    assert_eq!(remote.fingerprint, client_fp.to_hex());

    let local: &RTCCertificateStats = report
        .get_as(transport.local_certificate_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        local.fingerprint,
        pair.server.certificate.fingerprint().to_hex()
    );

    // The project's report verifier finds no error (types, enums, references).
    let verdict = rtcscope_stats::verify::verify_report(&report);
    assert_eq!(verdict.errors(), 0, "{:?}", verdict.violations);

    // JSON as Chrome prints the transport's DTLS members.
    let json = report.to_json_array();
    let t = json.iter().find(|v| v["type"] == "transport").unwrap();
    assert_eq!(t["tlsVersion"], "FEFC");
    assert_eq!(t["dtlsRole"], "server");
    assert_eq!(t["dtlsState"], "connected");
    let c = json.iter().find(|v| v["type"] == "certificate").unwrap();
    assert!(c["id"].as_str().unwrap().starts_with("CF"));
    assert_eq!(c["fingerprintAlgorithm"], "sha-256");

    // The client sees the same negotiated version and cipher.
    let client = pair.client.transport.stats_snapshot();
    assert_eq!(client.dtls_role, RTCDtlsRole::Client);
    assert_eq!(client.tls_version.as_deref(), Some("FEFC"));
    assert_eq!(client.dtls_cipher, Some("TLS_AES_128_GCM_SHA256"));
}

#[test]
fn failed_transport_reports_no_remote_certificate() {
    let forged = Sha256Fingerprint::of_der(b"forged");
    let mut pair = Pair::new(
        config(DtlsVersion::Dtls12, 5),
        config(DtlsVersion::Dtls12, 6),
        lossless(),
        5,
        Expect::ForgedAtServer(forged),
    );
    assert!(pair.run_until(Duration::from_secs(5), |p| {
        p.server.observed.failure.is_some()
    }));
    let s = pair.server.transport.stats_snapshot();
    assert_eq!(s.dtls_state, RTCDtlsTransportState::Failed);
    assert_eq!(s.remote_certificate_id, None);
    assert_eq!(s.dtls_cipher, None);
    assert_eq!(s.tls_version, None);
    assert_eq!(pair.server.transport.certificate_stats(0.0).len(), 1);
}
