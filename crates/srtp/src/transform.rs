//! The per-packet cryptographic transforms: AES-CM + HMAC-SHA1-80
//! (RFC 3711 §4) and AEAD AES-128/256-GCM (RFC 7714 §7-§9). Everything here
//! works in place on the caller's buffer and allocates nothing.

use aes::Aes128;
use aes::cipher::{KeyInit, StreamCipher};
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::{AeadInOut, Aes128Gcm, Aes256Gcm, Nonce, Tag};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::kdf::{SessionKeySet, SessionKeys, aes_ctr};
use crate::profile::SrtpProfile;

/// HMAC-SHA1 tag truncated to 80 bits (RFC 3711 §4.2.1).
const CM_TAG_LEN: usize = 10;
/// AES-GCM tag (RFC 7714 §7: 16 octets for AEAD_AES_128/256_GCM).
const GCM_TAG_LEN: usize = 16;
/// The E flag in the SRTCP index word.
pub(crate) const SRTCP_E_FLAG: u32 = 0x8000_0000;

/// The tag did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AuthFailure;

/// Keys of one of SRTP / SRTCP, ready for per-packet use.
#[derive(Clone)]
enum DirectionKeys {
    AesCm {
        cipher: Aes128,
        salt: [u8; 14],
        /// Keyed HMAC state, cloned per packet so the key is hashed once.
        mac: Hmac<Sha1>,
    },
    Gcm {
        aead: GcmCipher,
        salt: [u8; 12],
    },
}

/// AES-GCM keyed with the session key of either size.
#[derive(Clone)]
enum GcmCipher {
    Aes128(Aes128Gcm),
    Aes256(Aes256Gcm),
}

/// SRTP and SRTCP keys of one context.
#[derive(Clone)]
pub(crate) struct Transform {
    rtp: DirectionKeys,
    rtcp: DirectionKeys,
}

impl Transform {
    pub(crate) fn new(profile: SrtpProfile, keys: &SessionKeys) -> Transform {
        Transform {
            rtp: DirectionKeys::new(profile, &keys.rtp),
            rtcp: DirectionKeys::new(profile, &keys.rtcp),
        }
    }

    /// Encrypts `buf[header_len..len]`, appends the tag at `len`. The caller
    /// has checked that `buf` has room for the tag. `None` only for a payload
    /// too large for AES-GCM.
    pub(crate) fn protect_rtp(
        &self,
        buf: &mut [u8],
        header_len: usize,
        len: usize,
        ssrc: u32,
        index: u64,
    ) -> Option<usize> {
        match &self.rtp {
            DirectionKeys::AesCm { cipher, salt, mac } => {
                aes_cm_apply(cipher, salt, ssrc, index, &mut buf[header_len..len]);
                let tag = rtp_hmac(mac, &buf[..len], roc_of(index));
                buf[len..len + CM_TAG_LEN].copy_from_slice(&tag[..CM_TAG_LEN]);
                Some(len + CM_TAG_LEN)
            }
            DirectionKeys::Gcm { aead, salt } => {
                let nonce = gcm_rtp_nonce(salt, ssrc, index);
                let (aad, rest) = buf.split_at_mut(header_len);
                let (payload, tail) = rest.split_at_mut(len - header_len);
                let tag = gcm_seal(aead, &nonce, aad, payload)?;
                tail[..GCM_TAG_LEN].copy_from_slice(&tag);
                Some(len + GCM_TAG_LEN)
            }
        }
    }

    /// Verifies the tag at the end of `buf[..len]` and decrypts the payload
    /// in place; returns the plaintext length. On failure `buf` is left as
    /// it was. The caller has checked `len >= header_len + tag length`.
    pub(crate) fn unprotect_rtp(
        &self,
        buf: &mut [u8],
        header_len: usize,
        len: usize,
        ssrc: u32,
        index: u64,
    ) -> Result<usize, AuthFailure> {
        match &self.rtp {
            DirectionKeys::AesCm { cipher, salt, mac } => {
                let body_len = len - CM_TAG_LEN;
                let mut m = mac.clone();
                m.update(&buf[..body_len]);
                m.update(&roc_of(index).to_be_bytes());
                m.verify_truncated_left(&buf[body_len..len])
                    .map_err(|_| AuthFailure)?;
                aes_cm_apply(cipher, salt, ssrc, index, &mut buf[header_len..body_len]);
                Ok(body_len)
            }
            DirectionKeys::Gcm { aead, salt } => {
                let body_len = len - GCM_TAG_LEN;
                let nonce = gcm_rtp_nonce(salt, ssrc, index);
                let (aad, rest) = buf.split_at_mut(header_len);
                let (payload, tag) = rest.split_at_mut(body_len - header_len);
                gcm_open(aead, &nonce, aad, payload, &tag[..GCM_TAG_LEN])?;
                Ok(body_len)
            }
        }
    }

    /// Encrypts `buf[8..len]`, appends E flag + `index` and the tag
    /// (AES-CM: index word then tag; AES-GCM: tag then index word).
    pub(crate) fn protect_rtcp(
        &self,
        buf: &mut [u8],
        len: usize,
        ssrc: u32,
        index: u32,
    ) -> Option<usize> {
        let word = (SRTCP_E_FLAG | index).to_be_bytes();
        match &self.rtcp {
            DirectionKeys::AesCm { cipher, salt, mac } => {
                aes_cm_apply(
                    cipher,
                    salt,
                    ssrc,
                    u64::from(index),
                    &mut buf[RTCP_CLEAR..len],
                );
                buf[len..len + 4].copy_from_slice(&word);
                let mut m = mac.clone();
                m.update(&buf[..len + 4]);
                let tag = m.finalize().into_bytes();
                buf[len + 4..len + 4 + CM_TAG_LEN].copy_from_slice(&tag[..CM_TAG_LEN]);
                Some(len + 4 + CM_TAG_LEN)
            }
            DirectionKeys::Gcm { aead, salt } => {
                let nonce = gcm_rtcp_nonce(salt, ssrc, index);
                let aad = rtcp_gcm_aad(&buf[..RTCP_CLEAR], word);
                let (payload, tail) = buf[RTCP_CLEAR..].split_at_mut(len - RTCP_CLEAR);
                let tag = gcm_seal(aead, &nonce, &aad, payload)?;
                tail[..GCM_TAG_LEN].copy_from_slice(&tag);
                tail[GCM_TAG_LEN..GCM_TAG_LEN + 4].copy_from_slice(&word);
                Some(len + GCM_TAG_LEN + 4)
            }
        }
    }

    /// Reads the SRTCP index word of `buf[..len]` (the caller has checked
    /// the length): `(encrypted, index)`.
    pub(crate) fn rtcp_index_word(&self, buf: &[u8], len: usize) -> (bool, u32) {
        let at = match &self.rtcp {
            DirectionKeys::AesCm { .. } => len - CM_TAG_LEN - 4,
            DirectionKeys::Gcm { .. } => len - 4,
        };
        let word = u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]);
        (word & SRTCP_E_FLAG != 0, word & !SRTCP_E_FLAG)
    }

    /// Verifies and (when the E flag is set) decrypts an SRTCP packet in
    /// place; returns the RTCP length. On failure `buf` is left as it was.
    pub(crate) fn unprotect_rtcp(
        &self,
        buf: &mut [u8],
        len: usize,
        ssrc: u32,
    ) -> Result<usize, AuthFailure> {
        let (encrypted, index) = self.rtcp_index_word(buf, len);
        match &self.rtcp {
            DirectionKeys::AesCm { cipher, salt, mac } => {
                let authenticated_len = len - CM_TAG_LEN;
                let rtcp_len = authenticated_len - 4;
                let mut m = mac.clone();
                m.update(&buf[..authenticated_len]);
                m.verify_truncated_left(&buf[authenticated_len..len])
                    .map_err(|_| AuthFailure)?;
                if encrypted {
                    aes_cm_apply(
                        cipher,
                        salt,
                        ssrc,
                        u64::from(index),
                        &mut buf[RTCP_CLEAR..rtcp_len],
                    );
                }
                Ok(rtcp_len)
            }
            DirectionKeys::Gcm { aead, salt } => {
                let rtcp_len = len - 4 - GCM_TAG_LEN;
                let nonce = gcm_rtcp_nonce(salt, ssrc, index);
                let word = (if encrypted { SRTCP_E_FLAG } else { 0 } | index).to_be_bytes();
                if encrypted {
                    let aad = rtcp_gcm_aad(&buf[..RTCP_CLEAR], word);
                    let (payload, tag) = buf[RTCP_CLEAR..].split_at_mut(rtcp_len - RTCP_CLEAR);
                    gcm_open(aead, &nonce, &aad, payload, &tag[..GCM_TAG_LEN])?;
                } else {
                    // RFC 7714 §9: with E = 0 the whole RTCP packet and the
                    // index word are AAD and the ciphertext is empty. The tag
                    // sits between them, so move it aside to make the AAD one
                    // contiguous run, and put it back if verification fails.
                    let mut tag = [0u8; GCM_TAG_LEN];
                    tag.copy_from_slice(&buf[rtcp_len..rtcp_len + GCM_TAG_LEN]);
                    buf[rtcp_len..rtcp_len + 4].copy_from_slice(&word);
                    let verified = gcm_open(aead, &nonce, &buf[..rtcp_len + 4], &mut [], &tag);
                    if verified.is_err() {
                        buf[rtcp_len..rtcp_len + GCM_TAG_LEN].copy_from_slice(&tag);
                    }
                    verified?;
                }
                Ok(rtcp_len)
            }
        }
    }
}

/// Octets of RTCP header SRTCP leaves unencrypted.
const RTCP_CLEAR: usize = crate::header::RTCP_HEADER_LEN;

impl DirectionKeys {
    fn new(profile: SrtpProfile, keys: &SessionKeySet) -> DirectionKeys {
        match profile {
            SrtpProfile::Aes128CmHmacSha1_80 => DirectionKeys::AesCm {
                cipher: {
                    let mut key = [0u8; 16];
                    key.copy_from_slice(&keys.cipher_key[..16]);
                    Aes128::new(&key.into())
                },
                salt: keys.salt,
                mac: hmac_sha1(&keys.auth_key),
            },
            SrtpProfile::AeadAes128Gcm | SrtpProfile::AeadAes256Gcm => {
                let mut salt = [0u8; 12];
                salt.copy_from_slice(&keys.salt[..12]);
                let aead = if profile == SrtpProfile::AeadAes256Gcm {
                    GcmCipher::Aes256(Aes256Gcm::new(&keys.cipher_key.into()))
                } else {
                    let mut key = [0u8; 16];
                    key.copy_from_slice(&keys.cipher_key[..16]);
                    GcmCipher::Aes128(Aes128Gcm::new(&key.into()))
                };
                DirectionKeys::Gcm { aead, salt }
            }
        }
    }
}

/// HMAC-SHA1 keyed with the 160-bit session auth key. HMAC pads a key
/// shorter than the 64-octet block with zeros (RFC 2104 §2), so passing the
/// padded block is the same MAC and needs no fallible length check.
fn hmac_sha1(auth_key: &[u8; 20]) -> Hmac<Sha1> {
    let mut block = [0u8; 64];
    block[..auth_key.len()].copy_from_slice(auth_key);
    <Hmac<Sha1> as KeyInit>::new(&block.into())
}

fn roc_of(index: u64) -> u32 {
    // The index is at most 48 bits, so the ROC fits in 32.
    (index >> 16) as u32
}

/// XORs the AES-CM keystream for (SSRC, index) into `data`. IV =
/// (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16) (RFC 3711 §4.1.1).
fn aes_cm_apply(cipher: &Aes128, salt: &[u8; 14], ssrc: u32, index: u64, data: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(salt);
    for (iv_byte, b) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
        *iv_byte ^= b;
    }
    // The 48-bit index occupies octets 8..14.
    for (iv_byte, b) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
        *iv_byte ^= b;
    }
    aes_ctr(cipher, iv).apply_keystream(data);
}

/// HMAC-SHA1 over the authenticated portion followed by the ROC (RFC 3711 §4.2).
fn rtp_hmac(mac: &Hmac<Sha1>, authenticated: &[u8], roc: u32) -> [u8; 20] {
    let mut m = mac.clone();
    m.update(authenticated);
    m.update(&roc.to_be_bytes());
    m.finalize().into_bytes().into()
}

/// RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt.
fn gcm_rtp_nonce(salt: &[u8; 12], ssrc: u32, index: u64) -> [u8; 12] {
    let mut iv = [0u8; 12];
    iv[2..6].copy_from_slice(&ssrc.to_be_bytes());
    iv[6..12].copy_from_slice(&index.to_be_bytes()[2..]);
    xor_in_place(&mut iv, salt);
    iv
}

/// RFC 7714 §9.1: IV = (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt.
fn gcm_rtcp_nonce(salt: &[u8; 12], ssrc: u32, index: u32) -> [u8; 12] {
    let mut iv = [0u8; 12];
    iv[2..6].copy_from_slice(&ssrc.to_be_bytes());
    iv[8..12].copy_from_slice(&(index & !SRTCP_E_FLAG).to_be_bytes());
    xor_in_place(&mut iv, salt);
    iv
}

/// RFC 7714 §9.2: AAD = the 8-octet RTCP header || E flag || SRTCP index.
fn rtcp_gcm_aad(header: &[u8], word: [u8; 4]) -> [u8; 12] {
    let mut aad = [0u8; 12];
    aad[..RTCP_CLEAR].copy_from_slice(header);
    aad[RTCP_CLEAR..].copy_from_slice(&word);
    aad
}

fn xor_in_place(dst: &mut [u8; 12], src: &[u8; 12]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d ^= s;
    }
}

/// `None` only when aes-gcm refuses the input (plaintext beyond 2^36 octets).
fn gcm_seal(
    aead: &GcmCipher,
    nonce: &[u8; 12],
    aad: &[u8],
    payload: &mut [u8],
) -> Option<[u8; GCM_TAG_LEN]> {
    let nonce = Nonce::from(*nonce);
    let payload = InOutBuf::from(payload);
    let tag = match aead {
        GcmCipher::Aes128(gcm) => gcm.encrypt_inout_detached(&nonce, aad, payload),
        GcmCipher::Aes256(gcm) => gcm.encrypt_inout_detached(&nonce, aad, payload),
    };
    tag.ok().map(Into::into)
}

fn gcm_open(
    aead: &GcmCipher,
    nonce: &[u8; 12],
    aad: &[u8],
    payload: &mut [u8],
    tag: &[u8],
) -> Result<(), AuthFailure> {
    let nonce = Nonce::from(*nonce);
    let tag = Tag::try_from(tag).map_err(|_| AuthFailure)?;
    let payload = InOutBuf::from(payload);
    match aead {
        GcmCipher::Aes128(gcm) => gcm.decrypt_inout_detached(&nonce, aad, payload, &tag),
        GcmCipher::Aes256(gcm) => gcm.decrypt_inout_detached(&nonce, aad, payload, &tag),
    }
    .map_err(|_| AuthFailure)
}
