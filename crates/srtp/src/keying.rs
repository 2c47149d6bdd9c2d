//! Splitting DTLS-SRTP exported keying material (RFC 5764 §4.2).

use crate::error::SrtpError;
use crate::profile::SrtpProfile;

/// The four parts of the "EXTRACTOR-dtls_srtp" output, in wire order:
/// client key, server key, client salt, server salt.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DtlsSrtpKeys<'a> {
    pub client_write_key: &'a [u8],
    pub server_write_key: &'a [u8],
    pub client_write_salt: &'a [u8],
    pub server_write_salt: &'a [u8],
}

impl core::fmt::Debug for DtlsSrtpKeys<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DtlsSrtpKeys { .. }")
    }
}

impl<'a> DtlsSrtpKeys<'a> {
    /// Splits `material` of exactly `profile.keying_material_len()` octets.
    pub fn split(profile: SrtpProfile, material: &'a [u8]) -> Result<Self, SrtpError> {
        if material.len() != profile.keying_material_len() {
            return Err(SrtpError::InvalidKeyingMaterialLength {
                expected: profile.keying_material_len(),
                actual: material.len(),
            });
        }
        let (client_write_key, rest) = material.split_at(profile.master_key_len());
        let (server_write_key, rest) = rest.split_at(profile.master_key_len());
        let (client_write_salt, server_write_salt) = rest.split_at(profile.master_salt_len());
        Ok(DtlsSrtpKeys {
            client_write_key,
            server_write_key,
            client_write_salt,
            server_write_salt,
        })
    }

    /// The (key, salt) this endpoint protects outgoing packets with: the
    /// DTLS client writes with the client keys.
    pub fn local(&self, is_dtls_client: bool) -> (&'a [u8], &'a [u8]) {
        if is_dtls_client {
            (self.client_write_key, self.client_write_salt)
        } else {
            (self.server_write_key, self.server_write_salt)
        }
    }

    /// The (key, salt) incoming packets from the peer are protected with.
    pub fn remote(&self, is_dtls_client: bool) -> (&'a [u8], &'a [u8]) {
        self.local(!is_dtls_client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_in_rfc5764_order() {
        let material: Vec<u8> = (0u8..60).collect();
        let keys = DtlsSrtpKeys::split(SrtpProfile::Aes128CmHmacSha1_80, &material).unwrap();
        assert_eq!(keys.client_write_key, &material[0..16]);
        assert_eq!(keys.server_write_key, &material[16..32]);
        assert_eq!(keys.client_write_salt, &material[32..46]);
        assert_eq!(keys.server_write_salt, &material[46..60]);
        assert_eq!(keys.local(true), (&material[0..16], &material[32..46]));
        assert_eq!(keys.remote(true), (&material[16..32], &material[46..60]));

        let gcm = DtlsSrtpKeys::split(SrtpProfile::AeadAes128Gcm, &material[..56]).unwrap();
        assert_eq!(gcm.client_write_salt, &material[32..44]);
        assert_eq!(gcm.server_write_salt, &material[44..56]);
        let material_256: Vec<u8> = (0u8..88).collect();
        let gcm256 = DtlsSrtpKeys::split(SrtpProfile::AeadAes256Gcm, &material_256).unwrap();
        assert_eq!(gcm256.server_write_key, &material_256[32..64]);
        assert_eq!(gcm256.client_write_salt, &material_256[64..76]);
        assert_eq!(gcm256.server_write_salt, &material_256[76..88]);
        assert_eq!(
            DtlsSrtpKeys::split(SrtpProfile::AeadAes128Gcm, &material).map(|_| ()),
            Err(SrtpError::InvalidKeyingMaterialLength {
                expected: 56,
                actual: 60
            })
        );
    }
}
