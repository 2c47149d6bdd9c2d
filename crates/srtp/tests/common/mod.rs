#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use rtcscope_srtp::{SessionKeySet, SessionKeys, SrtpConfig, SrtpContext, SrtpProfile};

/// Bytes from hex text; whitespace ignored.
pub fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// A context keyed directly with session keys, the same for RTP and RTCP.
pub fn context_from_session_key(
    profile: SrtpProfile,
    cipher_key: &[u8],
    salt: &[u8],
    auth_key: &[u8],
) -> SrtpContext {
    let mut set = SessionKeySet {
        cipher_key: [0; 32],
        salt: [0; 14],
        auth_key: [0; 20],
    };
    set.cipher_key[..cipher_key.len()].copy_from_slice(cipher_key);
    set.salt[..salt.len()].copy_from_slice(salt);
    set.auth_key[..auth_key.len()].copy_from_slice(auth_key);
    let keys = SessionKeys {
        rtp: set.clone(),
        rtcp: set,
    };
    SrtpContext::from_session_keys(profile, &keys, SrtpConfig::default())
}

/// Master key and salts the Python reference (tests/reference/make_vectors.py)
/// derives its session keys from: the RFC 3711 B.3 master key and salt (the
/// first 12 octets of the salt for AES-GCM).
pub const MASTER_KEY: &str = "E1F97A0D3E018BE0D64FA32C06DE4139";
/// AES-256-GCM: the same key followed by 0102..10.
pub const MASTER_KEY_256: &str = "E1F97A0D3E018BE0D64FA32C06DE41390102030405060708090a0b0c0d0e0f10";
pub const MASTER_SALT_CM: &str = "0EC675AD498AFEEBB6960B3AABE6";
pub const MASTER_SALT_GCM: &str = "0EC675AD498AFEEBB6960B3A";

/// The reference master key and salt for `profile`.
pub fn master_key_and_salt(profile: SrtpProfile) -> (Vec<u8>, Vec<u8>) {
    match profile {
        SrtpProfile::Aes128CmHmacSha1_80 => (hex(MASTER_KEY), hex(MASTER_SALT_CM)),
        SrtpProfile::AeadAes128Gcm => (hex(MASTER_KEY), hex(MASTER_SALT_GCM)),
        SrtpProfile::AeadAes256Gcm => (hex(MASTER_KEY_256), hex(MASTER_SALT_GCM)),
    }
}

pub fn master_context(profile: SrtpProfile) -> SrtpContext {
    master_context_with(profile, SrtpConfig::default())
}

pub fn master_context_with(profile: SrtpProfile, config: SrtpConfig) -> SrtpContext {
    let (key, salt) = master_key_and_salt(profile);
    SrtpContext::with_config(profile, &key, &salt, config).unwrap()
}

/// A minimal RTP packet: V=2, PT 96, the given SEQ and SSRC, `payload`.
pub fn rtp_packet(seq: u16, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&u32::from(seq).wrapping_mul(160).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// A receiver report with `extra` payload octets after the sender SSRC.
pub fn rtcp_packet(ssrc: u32, extra: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 201];
    let words = (8 + extra.len()) / 4 - 1;
    p.extend_from_slice(&(words as u16).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(extra);
    p
}

/// Protects `packet` with tail room; returns the SRTP bytes.
pub fn protect_rtp(ctx: &mut SrtpContext, packet: &[u8]) -> Vec<u8> {
    let mut buf = packet.to_vec();
    buf.resize(packet.len() + 16, 0);
    let n = ctx.protect_rtp(&mut buf, packet.len()).unwrap();
    buf.truncate(n);
    buf
}

pub fn protect_rtcp(ctx: &mut SrtpContext, packet: &[u8]) -> Vec<u8> {
    let mut buf = packet.to_vec();
    buf.resize(packet.len() + 20, 0);
    let n = ctx.protect_rtcp(&mut buf, packet.len()).unwrap();
    buf.truncate(n);
    buf
}

/// Unprotects a copy of `srtp`; returns the plaintext or the error.
pub fn unprotect_rtp(
    ctx: &mut SrtpContext,
    srtp: &[u8],
) -> Result<Vec<u8>, rtcscope_srtp::SrtpError> {
    let mut buf = srtp.to_vec();
    let n = ctx.unprotect_rtp(&mut buf, srtp.len())?;
    buf.truncate(n);
    Ok(buf)
}

pub fn unprotect_rtcp(
    ctx: &mut SrtpContext,
    srtcp: &[u8],
) -> Result<Vec<u8>, rtcscope_srtp::SrtpError> {
    let mut buf = srtcp.to_vec();
    let n = ctx.unprotect_rtcp(&mut buf, srtcp.len())?;
    buf.truncate(n);
    Ok(buf)
}
