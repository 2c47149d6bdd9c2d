//! SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2) and their
//! transform parameters.

/// An SRTP protection profile this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SrtpProfile {
    /// SRTP_AES128_CM_HMAC_SHA1_80 (RFC 3711, RFC 5764): AES-128 counter mode,
    /// HMAC-SHA1 authentication truncated to 80 bits for SRTP and SRTCP.
    Aes128CmHmacSha1_80,
    /// SRTP_AEAD_AES_128_GCM (RFC 7714): AES-128-GCM with a 16-octet tag.
    AeadAes128Gcm,
    /// SRTP_AEAD_AES_256_GCM (RFC 7714): AES-256-GCM with a 16-octet tag,
    /// keys derived with the AES_256_CM_PRF (RFC 6188). dimpl, as DTLS
    /// server, prefers it whenever the client offers it (Chrome does).
    AeadAes256Gcm,
}

impl SrtpProfile {
    /// Every profile, in the order we prefer to offer them in DTLS-SRTP.
    pub const ALL: [SrtpProfile; 3] = [
        SrtpProfile::AeadAes256Gcm,
        SrtpProfile::AeadAes128Gcm,
        SrtpProfile::Aes128CmHmacSha1_80,
    ];

    /// The DTLS-SRTP protection profile identifier (IANA "DTLS-SRTP
    /// Protection Profiles" registry).
    pub const fn id(self) -> u16 {
        match self {
            SrtpProfile::Aes128CmHmacSha1_80 => 0x0001,
            SrtpProfile::AeadAes128Gcm => 0x0007,
            SrtpProfile::AeadAes256Gcm => 0x0008,
        }
    }

    /// The profile for a DTLS-SRTP identifier, or `None` for one this crate
    /// does not implement.
    pub const fn from_id(id: u16) -> Option<SrtpProfile> {
        match id {
            0x0001 => Some(SrtpProfile::Aes128CmHmacSha1_80),
            0x0007 => Some(SrtpProfile::AeadAes128Gcm),
            0x0008 => Some(SrtpProfile::AeadAes256Gcm),
            _ => None,
        }
    }

    /// The IANA registry name, as the W3C stats `srtpCipher` member wants it.
    pub const fn iana_name(self) -> &'static str {
        match self {
            SrtpProfile::Aes128CmHmacSha1_80 => "SRTP_AES128_CM_HMAC_SHA1_80",
            SrtpProfile::AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM",
            SrtpProfile::AeadAes256Gcm => "SRTP_AEAD_AES_256_GCM",
        }
    }

    /// The profile for an IANA registry name.
    pub fn from_iana_name(name: &str) -> Option<SrtpProfile> {
        Self::ALL.into_iter().find(|p| p.iana_name() == name)
    }

    /// Master (and session) encryption key length in octets.
    pub const fn master_key_len(self) -> usize {
        match self {
            SrtpProfile::Aes128CmHmacSha1_80 | SrtpProfile::AeadAes128Gcm => 16,
            SrtpProfile::AeadAes256Gcm => 32,
        }
    }

    /// Whether this is an AEAD (AES-GCM) profile, with no separate
    /// authentication key.
    pub const fn is_aead(self) -> bool {
        !matches!(self, SrtpProfile::Aes128CmHmacSha1_80)
    }

    /// Master (and session) salt length in octets: 112 bits for AES-CM,
    /// 96 bits for AES-GCM (RFC 7714 §12).
    pub const fn master_salt_len(self) -> usize {
        match self {
            SrtpProfile::Aes128CmHmacSha1_80 => 14,
            SrtpProfile::AeadAes128Gcm | SrtpProfile::AeadAes256Gcm => 12,
        }
    }

    /// Octets appended to an SRTP packet: the authentication tag.
    pub const fn rtp_tag_len(self) -> usize {
        match self {
            SrtpProfile::Aes128CmHmacSha1_80 => 10,
            SrtpProfile::AeadAes128Gcm | SrtpProfile::AeadAes256Gcm => 16,
        }
    }

    /// Octets appended to an SRTCP packet: tag plus the 4-octet E flag and
    /// SRTCP index word.
    pub const fn rtcp_overhead(self) -> usize {
        self.rtp_tag_len() + SRTCP_INDEX_LEN
    }

    /// Length of the DTLS-SRTP exported keying material (RFC 5764 §4.2):
    /// two master keys followed by two master salts.
    pub const fn keying_material_len(self) -> usize {
        2 * (self.master_key_len() + self.master_salt_len())
    }
}

impl core::fmt::Display for SrtpProfile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.iana_name())
    }
}

/// Length of the SRTCP trailer word carrying the E flag and 31-bit index.
pub(crate) const SRTCP_INDEX_LEN: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_round_trip() {
        assert_eq!(
            SrtpProfile::from_id(0x0001),
            Some(SrtpProfile::Aes128CmHmacSha1_80)
        );
        assert_eq!(
            SrtpProfile::from_id(0x0007),
            Some(SrtpProfile::AeadAes128Gcm)
        );
        assert_eq!(
            SrtpProfile::from_id(0x0008),
            Some(SrtpProfile::AeadAes256Gcm)
        );
        assert_eq!(SrtpProfile::from_id(0x0002), None);
        assert_eq!(SrtpProfile::from_id(0x0009), None);
        assert_eq!(SrtpProfile::ALL.len(), 3);
        for p in SrtpProfile::ALL {
            assert_eq!(SrtpProfile::from_id(p.id()), Some(p));
            assert_eq!(SrtpProfile::from_iana_name(p.iana_name()), Some(p));
        }
        assert_eq!(
            SrtpProfile::AeadAes128Gcm.iana_name(),
            "SRTP_AEAD_AES_128_GCM"
        );
        assert_eq!(
            SrtpProfile::Aes128CmHmacSha1_80.to_string(),
            "SRTP_AES128_CM_HMAC_SHA1_80"
        );
    }

    #[test]
    fn keying_material_lengths_match_rfc_5764_and_7714() {
        // RFC 5764 §4.2: 2 * (128-bit key + 112-bit salt) = 60 octets.
        assert_eq!(SrtpProfile::Aes128CmHmacSha1_80.keying_material_len(), 60);
        // RFC 7714 §12: 2 * (128-bit key + 96-bit salt) = 56 octets.
        assert_eq!(SrtpProfile::AeadAes128Gcm.keying_material_len(), 56);
        // RFC 7714 §14.2: 2 * (256-bit key + 96-bit salt) = 88 octets.
        assert_eq!(SrtpProfile::AeadAes256Gcm.keying_material_len(), 88);
        assert_eq!(
            SrtpProfile::AeadAes256Gcm.iana_name(),
            "SRTP_AEAD_AES_256_GCM"
        );
        assert_eq!(SrtpProfile::Aes128CmHmacSha1_80.rtcp_overhead(), 14);
        assert_eq!(SrtpProfile::AeadAes128Gcm.rtcp_overhead(), 20);
    }
}
