//! DTLS-SRTP keying material (RFC 5764 §4.2), split and oriented by our role.

use dimpl::SrtpProfile;

use crate::role::DtlsRole;

/// SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2).
pub const SRTP_AES128_CM_HMAC_SHA1_80: u16 = 0x0001;
/// SRTP_AEAD_AES_128_GCM (RFC 7714 §14.2).
pub const SRTP_AEAD_AES_128_GCM: u16 = 0x0007;
/// SRTP_AEAD_AES_256_GCM (RFC 7714 §14.2).
pub const SRTP_AEAD_AES_256_GCM: u16 = 0x0008;

/// Profile id, name and master key/salt lengths of an SRTP protection profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrtpProfileInfo {
    /// IANA DTLS-SRTP protection profile id.
    pub id: u16,
    /// Name as `srtpCipher` shows it (Chrome/BoringSSL: the IANA name).
    pub name: &'static str,
    /// Master key length in bytes.
    pub key_len: usize,
    /// Master salt length in bytes.
    pub salt_len: usize,
}

impl SrtpProfileInfo {
    /// Facts for a profile id, if it is one we can key.
    pub fn from_id(id: u16) -> Option<Self> {
        let (name, key_len, salt_len) = match id {
            SRTP_AES128_CM_HMAC_SHA1_80 => ("SRTP_AES128_CM_HMAC_SHA1_80", 16, 14),
            SRTP_AEAD_AES_128_GCM => ("SRTP_AEAD_AES_128_GCM", 16, 12),
            SRTP_AEAD_AES_256_GCM => ("SRTP_AEAD_AES_256_GCM", 32, 12),
            _ => return None,
        };
        Some(Self {
            id,
            name,
            key_len,
            salt_len,
        })
    }

    /// The profile dimpl negotiated.
    pub fn from_dimpl(profile: SrtpProfile) -> Option<Self> {
        Self::from_id(match profile {
            SrtpProfile::AES128_CM_SHA1_80 => SRTP_AES128_CM_HMAC_SHA1_80,
            SrtpProfile::AEAD_AES_128_GCM => SRTP_AEAD_AES_128_GCM,
            SrtpProfile::AEAD_AES_256_GCM => SRTP_AEAD_AES_256_GCM,
            _ => return None,
        })
    }
}

/// SRTP master keys and salts for both directions, seen from our side:
/// `local_*` protect what we send, `remote_*` what we receive.
#[derive(Clone, PartialEq, Eq)]
pub struct SrtpKeyingMaterial {
    /// Negotiated DTLS-SRTP protection profile id (0x0001, 0x0007, 0x0008).
    pub profile_id: u16,
    /// Master key for packets we send.
    pub local_key: Vec<u8>,
    /// Master salt for packets we send.
    pub local_salt: Vec<u8>,
    /// Master key for packets we receive.
    pub remote_key: Vec<u8>,
    /// Master salt for packets we receive.
    pub remote_salt: Vec<u8>,
}

impl std::fmt::Debug for SrtpKeyingMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("SrtpKeyingMaterial")
            .field("profile_id", &format_args!("{:#06x}", self.profile_id))
            .finish_non_exhaustive()
    }
}

/// The exporter output was not the length the profile needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyingLengthError {
    /// 2 * (key_len + salt_len) for the profile.
    pub expected: usize,
    /// What we got.
    pub actual: usize,
}

impl SrtpKeyingMaterial {
    /// Split the EXTRACTOR-dtls_srtp output (RFC 5764 §4.2):
    /// client_write_SRTP_master_key | server_write_SRTP_master_key |
    /// client_write_SRTP_master_salt | server_write_SRTP_master_salt,
    /// then orient it: the client sends with the client keys.
    pub fn split(
        profile: SrtpProfileInfo,
        exported: &[u8],
        role: DtlsRole,
    ) -> Result<Self, KeyingLengthError> {
        let (k, s) = (profile.key_len, profile.salt_len);
        let expected = 2 * (k + s);
        if exported.len() != expected {
            return Err(KeyingLengthError {
                expected,
                actual: exported.len(),
            });
        }
        let (client_key, rest) = exported.split_at(k);
        let (server_key, rest) = rest.split_at(k);
        let (client_salt, server_salt) = rest.split_at(s);
        let (local_key, local_salt, remote_key, remote_salt) = match role {
            DtlsRole::Client => (client_key, client_salt, server_key, server_salt),
            DtlsRole::Server => (server_key, server_salt, client_key, client_salt),
        };
        Ok(Self {
            profile_id: profile.id,
            local_key: local_key.to_vec(),
            local_salt: local_salt.to_vec(),
            remote_key: remote_key.to_vec(),
            remote_salt: remote_salt.to_vec(),
        })
    }

    /// Profile name for `srtpCipher`.
    pub fn srtp_cipher_name(&self) -> Option<&'static str> {
        SrtpProfileInfo::from_id(self.profile_id).map(|p| p.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_follows_rfc5764_layout_for_sha1_80() {
        // Bytes numbered 0..60 make each slice's position visible.
        let exported: Vec<u8> = (0..60).collect();
        let profile = SrtpProfileInfo::from_id(SRTP_AES128_CM_HMAC_SHA1_80).unwrap();
        let client = SrtpKeyingMaterial::split(profile, &exported, DtlsRole::Client).unwrap();
        assert_eq!(client.local_key, (0..16).collect::<Vec<u8>>());
        assert_eq!(client.remote_key, (16..32).collect::<Vec<u8>>());
        assert_eq!(client.local_salt, (32..46).collect::<Vec<u8>>());
        assert_eq!(client.remote_salt, (46..60).collect::<Vec<u8>>());
        let server = SrtpKeyingMaterial::split(profile, &exported, DtlsRole::Server).unwrap();
        assert_eq!(server.local_key, client.remote_key);
        assert_eq!(server.local_salt, client.remote_salt);
        assert_eq!(server.remote_key, client.local_key);
        assert_eq!(server.remote_salt, client.local_salt);
        assert_eq!(
            client.srtp_cipher_name(),
            Some("SRTP_AES128_CM_HMAC_SHA1_80")
        );
    }

    #[test]
    fn split_gcm_lengths_and_wrong_length() {
        let p128 = SrtpProfileInfo::from_id(SRTP_AEAD_AES_128_GCM).unwrap();
        let exported: Vec<u8> = (0..56).collect();
        let km = SrtpKeyingMaterial::split(p128, &exported, DtlsRole::Server).unwrap();
        assert_eq!(km.local_key, (16..32).collect::<Vec<u8>>());
        assert_eq!(km.local_salt, (44..56).collect::<Vec<u8>>());
        assert_eq!(
            SrtpKeyingMaterial::split(p128, &exported[..55], DtlsRole::Server),
            Err(KeyingLengthError {
                expected: 56,
                actual: 55
            })
        );
        let p256 = SrtpProfileInfo::from_id(SRTP_AEAD_AES_256_GCM).unwrap();
        assert_eq!((p256.key_len, p256.salt_len), (32, 12));
        assert_eq!(SrtpProfileInfo::from_id(0x0002), None);
    }
}
