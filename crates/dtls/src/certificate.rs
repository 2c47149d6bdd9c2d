//! The per-peer-connection self-signed ECDSA P-256 certificate.

use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePrivateKey as _;
use rcgen::{CertificateParams, DistinguishedName, DnType, PKCS_ECDSA_P256_SHA256};

use crate::fingerprint::Sha256Fingerprint;

/// Why a certificate could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateError {
    /// The operating system gave no randomness.
    Randomness,
    /// rcgen or the key encoder refused (message from the library).
    Build(String),
}

impl std::fmt::Display for CertificateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Randomness => write!(f, "no randomness from the operating system"),
            Self::Build(m) => write!(f, "certificate generation failed: {m}"),
        }
    }
}

impl std::error::Error for CertificateError {}

/// Adapts a p256 signing key to rcgen's signer trait, so rcgen needs no
/// crypto backend of its own (ring/aws-lc) and we stay pure Rust.
struct P256Signer {
    key: SigningKey,
    /// Uncompressed SEC1 public point, as SubjectPublicKeyInfo carries it.
    public_point: Vec<u8>,
}

impl rcgen::PublicKeyData for P256Signer {
    fn der_bytes(&self) -> &[u8] {
        &self.public_point
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for P256Signer {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let signature: Signature = self.key.sign(msg);
        Ok(signature.to_der().as_bytes().to_vec())
    }
}

/// Our certificate and key for one peer connection.
#[derive(Clone)]
pub struct LocalCertificate {
    der: Vec<u8>,
    private_key_pkcs8: Vec<u8>,
    fingerprint: Sha256Fingerprint,
}

impl std::fmt::Debug for LocalCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCertificate")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl LocalCertificate {
    /// A fresh self-signed ECDSA P-256 / SHA-256 certificate with subject
    /// CN=WebRTC (as Chrome's) and a random 64-bit positive serial (Firefox
    /// rejects certificates that reuse a serial across peers).
    pub fn generate() -> Result<Self, CertificateError> {
        let key = random_signing_key()?;
        let public_point = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let private_key_pkcs8 = key
            .to_pkcs8_der()
            .map_err(|e| CertificateError::Build(e.to_string()))?
            .as_bytes()
            .to_vec();
        let signer = P256Signer { key, public_point };

        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "WebRTC");
        params.distinguished_name = name;
        let mut serial = [0u8; 8];
        getrandom::fill(&mut serial).map_err(|_| CertificateError::Randomness)?;
        serial[0] &= 0x7F; // keep the DER INTEGER positive
        params.serial_number = Some(serial.to_vec().into());

        let cert = params
            .self_signed(&signer)
            .map_err(|e| CertificateError::Build(e.to_string()))?;
        let der = cert.der().to_vec();
        let fingerprint = Sha256Fingerprint::of_der(&der);
        Ok(Self {
            der,
            private_key_pkcs8,
            fingerprint,
        })
    }

    /// The certificate, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// SHA-256 fingerprint of the DER.
    pub fn fingerprint(&self) -> Sha256Fingerprint {
        self.fingerprint
    }

    /// Base64 (standard alphabet, padded) of the DER: `base64Certificate`.
    pub fn base64_der(&self) -> String {
        base64_der(&self.der)
    }

    /// Certificate and PKCS#8 private key as dimpl takes them (for driving
    /// dimpl directly, or persisting the certificate).
    pub fn to_dimpl(&self) -> dimpl::DtlsCertificate {
        dimpl::DtlsCertificate {
            certificate: self.der.clone(),
            private_key: self.private_key_pkcs8.clone(),
        }
    }
}

/// Base64 of a DER certificate, as `base64Certificate` shows it.
pub fn base64_der(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

fn random_signing_key() -> Result<SigningKey, CertificateError> {
    // A uniformly random 32-byte string is a valid scalar unless it is zero or
    // >= the group order (probability ~2^-32); retry a few times in that case.
    for _ in 0..8 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| CertificateError::Randomness)?;
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return Ok(key);
        }
    }
    Err(CertificateError::Randomness)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificate_is_p256_with_matching_fingerprint() {
        let cert = LocalCertificate::generate().unwrap();
        assert_eq!(cert.fingerprint(), Sha256Fingerprint::of_der(cert.der()));
        // DER SEQUENCE, and the ecdsa-with-SHA256 (1.2.840.10045.4.3.2) and
        // prime256v1 (1.2.840.10045.3.1.7) OIDs are present.
        assert_eq!(cert.der()[0], 0x30);
        let contains = |needle: &[u8]| cert.der().windows(needle.len()).any(|w| w == needle);
        assert!(contains(&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]));
        assert!(contains(&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]));
        assert!(contains(b"WebRTC"));
        // Each generation yields a new key.
        let other = LocalCertificate::generate().unwrap();
        assert_ne!(cert.fingerprint(), other.fingerprint());
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64_der(b"foob"), "Zm9vYg==");
        assert_eq!(base64_der(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64_der(b"foobar"), "Zm9vYmFy");
    }
}
