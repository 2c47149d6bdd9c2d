//! The DTLS members of the `transport` stats object and the `certificate`
//! objects, as rtcscope-stats types.

use rtcscope_stats::{RTCCertificateStats, RTCDtlsRole, RTCDtlsTransportState, RTCTransportStats};

use crate::certificate::base64_der;
use crate::fingerprint::{FINGERPRINT_ALGORITHM, Sha256Fingerprint};
use crate::role::DtlsRole;
use crate::transport::{DtlsState, DtlsTransport};

/// The DTLS facts of one transport, in stats vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtlsStatsSnapshot {
    /// `dtlsState`.
    pub dtls_state: RTCDtlsTransportState,
    /// `dtlsRole`: known from the SDP `a=setup` negotiation that created the transport.
    pub dtls_role: RTCDtlsRole,
    /// `tlsVersion` ("FEFD"/"FEFC"), once the handshake completed.
    pub tls_version: Option<String>,
    /// `dtlsCipher` (IANA name), once the handshake completed.
    pub dtls_cipher: Option<&'static str>,
    /// `srtpCipher` (IANA profile name), once the handshake completed.
    pub srtp_cipher: Option<&'static str>,
    /// `localCertificateId`: `CF<fingerprint>`.
    pub local_certificate_id: String,
    /// `remoteCertificateId`, once the remote certificate is verified.
    pub remote_certificate_id: Option<String>,
}

fn stats_state(state: DtlsState) -> RTCDtlsTransportState {
    match state {
        DtlsState::New => RTCDtlsTransportState::New,
        DtlsState::Connecting => RTCDtlsTransportState::Connecting,
        DtlsState::Connected => RTCDtlsTransportState::Connected,
        DtlsState::Closed => RTCDtlsTransportState::Closed,
        DtlsState::Failed => RTCDtlsTransportState::Failed,
    }
}

fn stats_role(role: DtlsRole) -> RTCDtlsRole {
    match role {
        DtlsRole::Client => RTCDtlsRole::Client,
        DtlsRole::Server => RTCDtlsRole::Server,
    }
}

/// `dtlsRole` for a transport whose role may not be negotiated yet
/// (no DTLS transport, or SDP not complete): "unknown".
pub fn stats_dtls_role(role: Option<DtlsRole>) -> RTCDtlsRole {
    role.map_or(RTCDtlsRole::Unknown, stats_role)
}

/// A `certificate` stats object for a DER certificate.
pub fn certificate_stats(der: &[u8], timestamp: f64) -> RTCCertificateStats {
    let fingerprint = Sha256Fingerprint::of_der(der);
    RTCCertificateStats {
        id: fingerprint.certificate_stats_id(),
        timestamp,
        base64_certificate: base64_der(der),
        fingerprint: fingerprint.to_hex(),
        fingerprint_algorithm: FINGERPRINT_ALGORITHM.to_string(),
        // Set by `certificate_chain_stats` when there is a chain.
        issuer_certificate_id: None,
        ..Default::default()
    }
}

/// `certificate` objects for a chain, leaf first, each linked to the next by
/// `issuerCertificateId` (the last, self-signed or not sent, has none).
pub fn certificate_chain_stats(chain: &[&[u8]], timestamp: f64) -> Vec<RTCCertificateStats> {
    let mut out: Vec<RTCCertificateStats> = chain
        .iter()
        .map(|der| certificate_stats(der, timestamp))
        .collect();
    for i in 1..out.len() {
        let issuer_id = out[i].id.clone();
        if let Some(subject) = out.get_mut(i - 1) {
            subject.issuer_certificate_id = Some(issuer_id);
        }
    }
    out
}

impl DtlsTransport {
    /// The DTLS facts for getStats(). Negotiated values appear only after a
    /// completed, verified handshake (Chrome omits them before).
    pub fn stats_snapshot(&self) -> DtlsStatsSnapshot {
        let negotiated = matches!(self.state(), DtlsState::Connected | DtlsState::Closed)
            && self.srtp_keying_material().is_some();
        let hello = self.server_hello().filter(|_| negotiated);
        DtlsStatsSnapshot {
            dtls_state: stats_state(self.state()),
            dtls_role: stats_role(self.role()),
            tls_version: hello.map(|h| h.tls_version_hex()),
            dtls_cipher: hello.and_then(|h| h.cipher_suite_name()),
            srtp_cipher: self.srtp_profile().filter(|_| negotiated).map(|p| p.name),
            local_certificate_id: self.local_fingerprint().certificate_stats_id(),
            remote_certificate_id: self
                .verified_remote_certificate()
                .map(|der| Sha256Fingerprint::of_der(der).certificate_stats_id()),
        }
    }

    /// Set the DTLS members of a `transport` stats object (the ICE and
    /// counter members belong to the ICE layer).
    pub fn fill_transport_stats(&self, stats: &mut RTCTransportStats) {
        let s = self.stats_snapshot();
        stats.dtls_state = s.dtls_state;
        stats.dtls_role = Some(s.dtls_role);
        stats.tls_version = s.tls_version;
        stats.dtls_cipher = s.dtls_cipher.map(str::to_string);
        stats.srtp_cipher = s.srtp_cipher.map(str::to_string);
        stats.local_certificate_id = Some(s.local_certificate_id);
        stats.remote_certificate_id = s.remote_certificate_id;
    }

    /// The `certificate` objects: ours, and the peer's once verified. dimpl
    /// hands over only the peer's leaf certificate (WebRTC peers send a single
    /// self-signed one), so `issuerCertificateId` stays absent here.
    pub fn certificate_stats(&self, timestamp: f64) -> Vec<RTCCertificateStats> {
        let mut out = vec![certificate_stats(self.local_certificate(), timestamp)];
        if let Some(der) = self.verified_remote_certificate() {
            out.push(certificate_stats(der, timestamp));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_links_each_certificate_to_its_issuer() {
        let (leaf, mid, root): (&[u8], &[u8], &[u8]) = (b"leaf", b"intermediate", b"root");
        let stats = certificate_chain_stats(&[leaf, mid, root], 5.0);
        let id = |der: &[u8]| format!("CF{}", Sha256Fingerprint::of_der(der));
        assert_eq!(stats.len(), 3);
        assert_eq!(stats[0].id, id(leaf));
        assert_eq!(stats[0].issuer_certificate_id, Some(id(mid)));
        assert_eq!(stats[1].issuer_certificate_id, Some(id(root)));
        assert_eq!(stats[2].issuer_certificate_id, None);
        assert_eq!(stats[2].base64_certificate, "cm9vdA==");
        assert_eq!(stats[2].timestamp, 5.0);
        assert!(certificate_chain_stats(&[], 0.0).is_empty());
    }

    #[test]
    fn role_unknown_until_negotiated() {
        assert_eq!(stats_dtls_role(None), RTCDtlsRole::Unknown);
        assert_eq!(stats_dtls_role(Some(DtlsRole::Client)), RTCDtlsRole::Client);
        assert_eq!(stats_dtls_role(Some(DtlsRole::Server)), RTCDtlsRole::Server);
    }
}
