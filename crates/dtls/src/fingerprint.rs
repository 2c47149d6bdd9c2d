//! SHA-256 certificate fingerprints as SDP (`a=fingerprint`) and Chrome print them.

use std::fmt;

use sha2::{Digest, Sha256};

/// The only fingerprint algorithm we produce and verify ("sha-256", RFC 8122 / RFC 8842).
pub const FINGERPRINT_ALGORITHM: &str = "sha-256";

/// A SHA-256 digest of a DER certificate.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Fingerprint(pub [u8; 32]);

/// Why an `a=fingerprint` value could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FingerprintParseError {
    /// The value has no "<algorithm> <hex>" shape.
    MissingHash,
    /// Only sha-256 is checked; the SDP named another hash function.
    UnsupportedAlgorithm(String),
    /// The hex part is not 32 colon-separated byte pairs.
    BadHex,
}

impl fmt::Display for FingerprintParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingHash => write!(f, "fingerprint has no '<algorithm> <hex>' form"),
            Self::UnsupportedAlgorithm(a) => {
                write!(
                    f,
                    "fingerprint algorithm {a:?} is not supported (only sha-256)"
                )
            }
            Self::BadHex => write!(f, "fingerprint hex is not 32 ':'-separated byte pairs"),
        }
    }
}

impl std::error::Error for FingerprintParseError {}

impl Sha256Fingerprint {
    /// Fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    /// Parse the value of an SDP `a=fingerprint:` attribute, e.g.
    /// `sha-256 AB:CD:...`. The algorithm token and the hex digits are
    /// compared case-insensitively (RFC 8122 §5: hex is uppercase on output
    /// but must be accepted in either case).
    pub fn parse_sdp(value: &str) -> Result<Self, FingerprintParseError> {
        let mut parts = value.split_ascii_whitespace();
        let algorithm = parts.next().ok_or(FingerprintParseError::MissingHash)?;
        let hex = parts.next().ok_or(FingerprintParseError::MissingHash)?;
        if parts.next().is_some() {
            return Err(FingerprintParseError::BadHex);
        }
        if !algorithm.eq_ignore_ascii_case(FINGERPRINT_ALGORITHM) {
            return Err(FingerprintParseError::UnsupportedAlgorithm(
                algorithm.to_ascii_lowercase(),
            ));
        }
        Self::parse_hex(hex)
    }

    /// Parse `AB:CD:...` (32 pairs, either case).
    pub fn parse_hex(hex: &str) -> Result<Self, FingerprintParseError> {
        let mut out = [0u8; 32];
        let mut count = 0usize;
        for pair in hex.split(':') {
            let slot = out.get_mut(count).ok_or(FingerprintParseError::BadHex)?;
            if pair.len() != 2 {
                return Err(FingerprintParseError::BadHex);
            }
            *slot = u8::from_str_radix(pair, 16).map_err(|_| FingerprintParseError::BadHex)?;
            count += 1;
        }
        if count != out.len() {
            return Err(FingerprintParseError::BadHex);
        }
        Ok(Self(out))
    }

    /// Uppercase hex pairs joined by ':' (what Chrome's `fingerprint` member shows).
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// The full SDP attribute value: `sha-256 AB:CD:...`.
    pub fn to_sdp_value(&self) -> String {
        format!("{FINGERPRINT_ALGORITHM} {self}")
    }

    /// Chrome's certificate stats id: `CF` followed by the fingerprint.
    pub fn certificate_stats_id(&self) -> String {
        format!("CF{self}")
    }
}

impl fmt::Display for Sha256Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sha256Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Fingerprint({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_formats_as_uppercase_pairs() {
        // FIPS 180-2 test vector: SHA-256("abc").
        let fp = Sha256Fingerprint::of_der(b"abc");
        assert_eq!(
            fp.to_hex(),
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
        );
        assert_eq!(fp.certificate_stats_id(), format!("CF{}", fp.to_hex()));
        assert!(fp.to_sdp_value().starts_with("sha-256 BA:78:"));
    }

    #[test]
    fn parse_is_case_insensitive_and_round_trips() {
        let fp = Sha256Fingerprint::of_der(b"abc");
        let lower = format!("SHA-256 {}", fp.to_hex().to_ascii_lowercase());
        assert_eq!(Sha256Fingerprint::parse_sdp(&lower), Ok(fp));
        assert_eq!(Sha256Fingerprint::parse_sdp(&fp.to_sdp_value()), Ok(fp));
    }

    #[test]
    fn parse_rejects_bad_values() {
        assert_eq!(
            Sha256Fingerprint::parse_sdp("sha-1 AB:CD"),
            Err(FingerprintParseError::UnsupportedAlgorithm("sha-1".into()))
        );
        assert_eq!(
            Sha256Fingerprint::parse_sdp("sha-256"),
            Err(FingerprintParseError::MissingHash)
        );
        // 31 pairs, 33 pairs, a 3-digit group and a non-hex digit.
        let short = vec!["AB"; 31].join(":");
        let long = vec!["AB"; 33].join(":");
        let mut odd = vec!["AB"; 32];
        odd[5] = "ABC";
        let mut nonhex = vec!["AB"; 32];
        nonhex[0] = "ZZ";
        for bad in [short, long, odd.join(":"), nonhex.join(":"), "é".into()] {
            assert_eq!(
                Sha256Fingerprint::parse_hex(&bad),
                Err(FingerprintParseError::BadHex),
                "{bad}"
            );
        }
    }
}
