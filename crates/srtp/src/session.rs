//! The pair of contexts one DTLS-SRTP endpoint needs.

use crate::context::{SrtpConfig, SrtpContext};
use crate::error::SrtpError;
use crate::keying::DtlsSrtpKeys;
use crate::profile::SrtpProfile;

/// Outbound and inbound SRTP state of one DTLS-SRTP association: `local`
/// protects what this endpoint sends, `remote` unprotects what the peer
/// sends (RFC 5764 §4.2: each side writes with its own role's keys).
#[derive(Debug)]
pub struct SrtpSession {
    pub local: SrtpContext,
    pub remote: SrtpContext,
}

impl SrtpSession {
    /// Builds both contexts from the exported "EXTRACTOR-dtls_srtp" keying
    /// material of `profile`, given this endpoint's DTLS role.
    pub fn from_dtls_keying_material(
        profile: SrtpProfile,
        material: &[u8],
        is_dtls_client: bool,
        config: SrtpConfig,
    ) -> Result<SrtpSession, SrtpError> {
        let keys = DtlsSrtpKeys::split(profile, material)?;
        let (local_key, local_salt) = keys.local(is_dtls_client);
        let (remote_key, remote_salt) = keys.remote(is_dtls_client);
        Ok(SrtpSession {
            local: SrtpContext::with_config(profile, local_key, local_salt, config)?,
            remote: SrtpContext::with_config(profile, remote_key, remote_salt, config)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_and_server_sessions_interoperate_both_ways() {
        for profile in SrtpProfile::ALL {
            let material: Vec<u8> = (0..profile.keying_material_len())
                .map(|i| (i * 7) as u8)
                .collect();
            let config = SrtpConfig::default();
            let mut client =
                SrtpSession::from_dtls_keying_material(profile, &material, true, config).unwrap();
            let mut server =
                SrtpSession::from_dtls_keying_material(profile, &material, false, config).unwrap();
            let mut packet = [0u8; 64];
            packet[..12].copy_from_slice(&[0x80, 111, 0, 1, 0, 0, 0, 1, 0, 0, 0, 5]);
            packet[12..20].copy_from_slice(b"opusdata");

            let mut buf = packet;
            let n = client.local.protect_rtp(&mut buf, 20).unwrap();
            assert_eq!(server.remote.unprotect_rtp(&mut buf, n), Ok(20));
            assert_eq!(buf[..20], packet[..20]);

            let mut buf = packet;
            let n = server.local.protect_rtp(&mut buf, 20).unwrap();
            // The client's own outbound keys cannot read the server's packets.
            let mut wrong = buf;
            let mut same_role =
                SrtpSession::from_dtls_keying_material(profile, &material, false, config).unwrap();
            assert_eq!(
                same_role.remote.unprotect_rtp(&mut wrong, n),
                Err(SrtpError::AuthenticationFailed)
            );
            assert_eq!(client.remote.unprotect_rtp(&mut buf, n), Ok(20));
            assert_eq!(buf[..20], packet[..20]);
        }
    }

    #[test]
    fn wrong_material_length_is_refused() {
        let err = SrtpSession::from_dtls_keying_material(
            SrtpProfile::AeadAes256Gcm,
            &[0; 56],
            true,
            SrtpConfig::default(),
        )
        .map(|_| ());
        assert_eq!(
            err,
            Err(SrtpError::InvalidKeyingMaterialLength {
                expected: 88,
                actual: 56
            })
        );
    }
}
