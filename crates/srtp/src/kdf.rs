//! Session key derivation (RFC 3711 §4.3) with the AES-CM PRF (§4.3.3),
//! key derivation rate 0.

use aes::cipher::{InnerIvInit, KeyInit, StreamCipher};
use aes::{Aes128, Aes256};

use crate::error::SrtpError;
use crate::profile::SrtpProfile;

/// AES-128 counter mode with a 128-bit big-endian counter: the AES-CM of
/// RFC 3711 §4.1.1 (an SRTP packet never reaches 2^16 blocks, so the 16-bit
/// block counter of the RFC and a full 128-bit increment agree).
type Aes128Ctr = ctr::Ctr128BE<Aes128>;

/// Largest session salt: 112 bits (AES-CM); AES-GCM uses the first 96.
pub(crate) const MAX_SALT_LEN: usize = 14;
/// HMAC-SHA1 session authentication key: 160 bits (RFC 3711 §4.3.1).
pub(crate) const AUTH_KEY_LEN: usize = 20;
/// Largest session encryption key: AES-256.
pub(crate) const MAX_CIPHER_KEY_LEN: usize = 32;

/// The key derivation labels of RFC 3711 §4.3.1 and §4.3.2.
mod label {
    pub const RTP_ENCRYPTION: u8 = 0x00;
    pub const RTP_AUTH: u8 = 0x01;
    pub const RTP_SALT: u8 = 0x02;
    pub const RTCP_ENCRYPTION: u8 = 0x03;
    pub const RTCP_AUTH: u8 = 0x04;
    pub const RTCP_SALT: u8 = 0x05;
}

/// The session keys of one direction of RTP or RTCP.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKeySet {
    /// Session encryption key k_e: the first `master_key_len()` octets of
    /// the profile (16, or 32 for AES-256-GCM); the rest are zero.
    pub cipher_key: [u8; MAX_CIPHER_KEY_LEN],
    /// Session salt k_s; for AES-GCM only the first 12 octets are used and
    /// the last two are zero.
    pub salt: [u8; MAX_SALT_LEN],
    /// Session authentication key k_a (HMAC-SHA1); all zero and unused for
    /// AES-GCM.
    pub auth_key: [u8; AUTH_KEY_LEN],
}

impl core::fmt::Debug for SessionKeySet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Key material stays out of logs.
        f.write_str("SessionKeySet { .. }")
    }
}

/// The session keys one master key and salt yield for SRTP and SRTCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKeys {
    pub rtp: SessionKeySet,
    pub rtcp: SessionKeySet,
}

impl SessionKeys {
    /// Derives the six session keys (RFC 3711 §4.3, KDR 0, packet index
    /// irrelevant). For AES-GCM the 96-bit master salt is multiplied by 2^16
    /// to form the 112-bit KDF salt (RFC 7714 §11, errata 4938), which is
    /// what placing it at the front of the 14-octet salt field does.
    pub fn derive(
        profile: SrtpProfile,
        master_key: &[u8],
        master_salt: &[u8],
    ) -> Result<SessionKeys, SrtpError> {
        if master_key.len() != profile.master_key_len() {
            return Err(SrtpError::InvalidKeyLength {
                expected: profile.master_key_len(),
                actual: master_key.len(),
            });
        }
        if master_salt.len() != profile.master_salt_len() {
            return Err(SrtpError::InvalidKeyLength {
                expected: profile.master_salt_len(),
                actual: master_salt.len(),
            });
        }
        let key_len = profile.master_key_len();
        let salt_len = profile.master_salt_len();
        let derive_set = |enc: u8, auth: u8, salt: u8| -> Result<SessionKeySet, SrtpError> {
            let mut set = SessionKeySet {
                cipher_key: [0; MAX_CIPHER_KEY_LEN],
                salt: [0; MAX_SALT_LEN],
                auth_key: [0; AUTH_KEY_LEN],
            };
            derive_session_key(master_key, master_salt, enc, &mut set.cipher_key[..key_len])?;
            derive_session_key(master_key, master_salt, salt, &mut set.salt[..salt_len])?;
            // AEAD profiles authenticate with GCM and have no k_a.
            if !profile.is_aead() {
                derive_session_key(master_key, master_salt, auth, &mut set.auth_key)?;
            }
            Ok(set)
        };
        Ok(SessionKeys {
            rtp: derive_set(label::RTP_ENCRYPTION, label::RTP_AUTH, label::RTP_SALT)?,
            rtcp: derive_set(label::RTCP_ENCRYPTION, label::RTCP_AUTH, label::RTCP_SALT)?,
        })
    }
}

/// The RFC 3711 §4.3 key derivation primitive with KDR 0: fills `out` with
/// the session key of `label` (0..=5, RFC 3711 §4.3.1-2). The PRF is
/// AES_CM_PRF for a 16-octet master key, AES_256_CM_PRF (RFC 6188 §7) for a
/// 32-octet one; `master_salt` is at most 112 bits, a shorter one (the
/// 96-bit AES-GCM salt) being multiplied by 2^16 (RFC 7714 errata 4938).
pub fn derive_session_key(
    master_key: &[u8],
    master_salt: &[u8],
    label: u8,
    out: &mut [u8],
) -> Result<(), SrtpError> {
    let prf = match master_key.len() {
        16 => Aes128::new_from_slice(master_key).map(Prf::Aes128),
        32 => Aes256::new_from_slice(master_key).map(Prf::Aes256),
        actual => {
            return Err(SrtpError::InvalidKeyLength {
                expected: 16,
                actual,
            });
        }
    }
    .map_err(|_| SrtpError::InvalidKeyLength {
        expected: 16,
        actual: master_key.len(),
    })?;
    if master_salt.len() > MAX_SALT_LEN {
        return Err(SrtpError::InvalidKeyLength {
            expected: MAX_SALT_LEN,
            actual: master_salt.len(),
        });
    }
    let mut padded_salt = [0u8; MAX_SALT_LEN];
    padded_salt[..master_salt.len()].copy_from_slice(master_salt);
    aes_cm_prf(&prf, &padded_salt, label, out);
    Ok(())
}

/// The AES-CM PRF: `out` = first `out.len()` octets of the AES-CM keystream
/// for IV = (key_id XOR master_salt) * 2^16, key_id = label || r, r = 0.
fn aes_cm_prf(prf: &Prf, master_salt: &[u8; MAX_SALT_LEN], label: u8, out: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..MAX_SALT_LEN].copy_from_slice(master_salt);
    // key_id is 56 bits right-aligned in the 112-bit salt: the label sits
    // in octet 7, the 48-bit r (0) in octets 8..14.
    iv[7] ^= label;
    out.fill(0);
    match prf {
        Prf::Aes128(aes) => aes_ctr(aes, iv).apply_keystream(out),
        Prf::Aes256(aes) => {
            let core = ctr::CtrCore::inner_iv_init(aes.clone(), &iv.into());
            ctr::Ctr128BE::<Aes256>::from_core(core).apply_keystream(out)
        }
    }
}

/// The block cipher of the key derivation PRF, keyed with the master key.
enum Prf {
    Aes128(Aes128),
    Aes256(Aes256),
}

/// AES-CM keystream generator starting at counter block `iv`, reusing the
/// already expanded AES key.
pub(crate) fn aes_ctr(cipher: &Aes128, iv: [u8; 16]) -> Aes128Ctr {
    Aes128Ctr::from_core(ctr::CtrCore::inner_iv_init(cipher.clone(), &iv.into()))
}
