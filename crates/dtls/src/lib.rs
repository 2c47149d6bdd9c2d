//! DTLS for rtcscope: dimpl driven sans-IO, certificates and fingerprints,
//! SDP setup roles, SRTP keying export and the DTLS facts for getStats().

pub mod certificate;
pub mod fingerprint;
pub mod hello;
pub mod keying;
pub mod role;
pub mod stats;
pub mod transport;

pub use certificate::{CertificateError, LocalCertificate};
pub use fingerprint::{FINGERPRINT_ALGORITHM, FingerprintParseError, Sha256Fingerprint};
pub use hello::{ServerHelloInfo, cipher_suite_name, is_dtls_datagram};
pub use keying::{SrtpKeyingMaterial, SrtpProfileInfo};
pub use role::{DtlsRole, RoleError, SetupAttr};
pub use stats::{DtlsStatsSnapshot, certificate_chain_stats, certificate_stats, stats_dtls_role};
pub use transport::{
    DtlsCounters, DtlsEvent, DtlsFailure, DtlsSendError, DtlsState, DtlsTransport,
    DtlsTransportConfig, DtlsVersion, SdpDtlsError,
};

/// dimpl itself, for building a custom [`dimpl::Config`] (cipher-suite
/// filters, MTU, timers) to put in [`DtlsTransportConfig`].
pub use dimpl;
