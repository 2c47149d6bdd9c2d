//! Known-answer tests: RFC 3711 Appendix B, RFC 7714 §16/§17, and packets
//! computed independently by tests/reference/make_vectors.py (pyca
//! cryptography, straight from the RFC formulas).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rtcscope_srtp::{SessionKeys, SrtpError, SrtpProfile, derive_session_key};

const CM: SrtpProfile = SrtpProfile::Aes128CmHmacSha1_80;
const GCM: SrtpProfile = SrtpProfile::AeadAes128Gcm;
const GCM256: SrtpProfile = SrtpProfile::AeadAes256Gcm;

/// RFC 3711 B.2: the AES-CM keystream for session key 2B7E1516..., session
/// salt F0F1...FD, SSRC 0, ROC 0, SEQ 0. Encrypting zeros yields the
/// keystream, so the payload after protect is the keystream itself.
#[test]
fn rfc3711_b2_aes_cm_keystream() {
    let mut ctx = context_from_session_key(
        CM,
        &hex("2B7E151628AED2A6ABF7158809CF4F3C"),
        &hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"),
        &[0u8; 20],
    );
    // Up to counter block FF01, the last the RFC lists.
    let blocks = 0xFF02;
    let packet = rtp_packet(0, 0, &vec![0u8; blocks * 16]);
    let mut packet = packet;
    packet[4..8].fill(0);
    let srtp = protect_rtp(&mut ctx, &packet);
    let keystream = &srtp[12..12 + blocks * 16];
    let block = |n: usize| &keystream[n * 16..n * 16 + 16];
    assert_eq!(block(0x0000), hex("E03EAD0935C95E80E166B16DD92B4EB4"));
    assert_eq!(block(0x0001), hex("D23513162B02D0F72A43A2FE4A5F97AB"));
    assert_eq!(block(0x0002), hex("41E95B3BB0A2E8DD477901E4FCA894C0"));
    assert_eq!(block(0xFEFF), hex("EC8CDF7398607CB0F2D21675EA9EA1E4"));
    assert_eq!(block(0xFF00), hex("362B7C3C6773516318A077D7FC5073AE"));
    assert_eq!(block(0xFF01), hex("6A2CC3787889374FBEB4C81B17BA6C44"));
}

/// RFC 3711 B.3: key derivation from master key E1F97A0D... and master salt
/// 0EC675AD... at index 0, KDR 0.
#[test]
fn rfc3711_b3_key_derivation() {
    let keys = SessionKeys::derive(CM, &hex(MASTER_KEY), &hex(MASTER_SALT_CM)).unwrap();
    assert_eq!(
        keys.rtp.cipher_key[..16].to_vec(),
        hex("C61E7A93744F39EE10734AFE3FF7A087")
    );
    assert_eq!(keys.rtp.salt.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
    // The RFC lists a longer keystream; HMAC-SHA1 takes its first 160 bits.
    assert_eq!(
        keys.rtp.auth_key.to_vec(),
        hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")
    );
    // RTCP keys use labels 3..5 and so must differ from the RTP ones.
    assert_ne!(keys.rtcp.cipher_key, keys.rtp.cipher_key);
    assert_ne!(keys.rtcp.salt, keys.rtp.salt);
    assert_ne!(keys.rtcp.auth_key, keys.rtp.auth_key);
}

/// RFC 6188 §7.2: AES_256_CM_PRF key derivation (labels 0, 2, 1).
#[test]
fn rfc6188_aes_256_cm_prf_key_derivation() {
    let master_key = hex("f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6");
    let master_salt = hex("3b04803de51ee7c96423ab5b78d2");
    let mut cipher_key = [0u8; 32];
    let mut salt = [0u8; 14];
    let mut auth_key = [0u8; 20];
    derive_session_key(&master_key, &master_salt, 0, &mut cipher_key).unwrap();
    derive_session_key(&master_key, &master_salt, 2, &mut salt).unwrap();
    derive_session_key(&master_key, &master_salt, 1, &mut auth_key).unwrap();
    assert_eq!(
        cipher_key.to_vec(),
        hex("5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4")
    );
    assert_eq!(salt.to_vec(), hex("fa31791685ca444a9e07c6c64e93"));
    assert_eq!(
        auth_key.to_vec(),
        hex("fd9c32d39ed5fbb5a9dc96b30818454d1313dc05")
    );
    assert_eq!(
        derive_session_key(&master_key[..24], &master_salt, 0, &mut cipher_key),
        Err(SrtpError::InvalidKeyLength {
            expected: 16,
            actual: 24
        })
    );
}

#[test]
fn gcm_key_derivation_uses_salt_times_2_16() {
    // RFC 7714 §11 with errata 4938: the 96-bit salt is multiplied by 2^16.
    // Expected values from make_vectors.py.
    let keys = SessionKeys::derive(GCM, &hex(MASTER_KEY), &hex(MASTER_SALT_GCM)).unwrap();
    assert_eq!(
        keys.rtp.cipher_key[..16].to_vec(),
        hex("238c882f36f000301573e69383502d9d")
    );
    assert_eq!(
        keys.rtp.salt[..12].to_vec(),
        hex("f2fee04070fc3f65d706e2e4")
    );
    assert_eq!(keys.rtp.salt[12..], [0, 0]);
    assert_eq!(keys.rtp.auth_key, [0; 20]);
    // A 128-bit key leaves the upper half of the key field zero.
    assert_eq!(keys.rtp.cipher_key[16..], [0; 16]);

    let keys = SessionKeys::derive(GCM256, &hex(MASTER_KEY_256), &hex(MASTER_SALT_GCM)).unwrap();
    assert_eq!(
        keys.rtp.cipher_key.to_vec(),
        hex("5f75ace1867afaa1edbae863ac0823289a7b9b22ba9760d0a1542fa6f9b0ba58")
    );
    assert_eq!(
        keys.rtp.salt[..12].to_vec(),
        hex("982aa9e5891b1fb51880eb08")
    );
}

#[test]
fn wrong_key_and_salt_lengths_are_typed_errors() {
    assert_eq!(
        SessionKeys::derive(CM, &[0; 15], &[0; 14]),
        Err(SrtpError::InvalidKeyLength {
            expected: 16,
            actual: 15
        })
    );
    assert_eq!(
        SessionKeys::derive(GCM, &[0; 16], &[0; 14]),
        Err(SrtpError::InvalidKeyLength {
            expected: 12,
            actual: 14
        })
    );
}

const RFC7714_KEY: &str = "000102030405060708090a0b0c0d0e0f";
const RFC7714_SALT: &str = "517569642070726f2071756f";
const RFC7714_KEY_256: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn rfc7714_rtp() -> Vec<u8> {
    let mut p = hex("8040f17b 8041f8d3 5501a0b2");
    p.extend_from_slice(b"Gallia est omnis divisa in partes tres");
    p
}

fn rfc7714_rtcp() -> Vec<u8> {
    hex(
        "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
         deadbeef deadbeef deadbeef deadbeef deadbeef",
    )
}

/// RFC 7714 §16.1: AEAD_AES_128_GCM SRTP, SSRC 0x5501a0b2, SEQ 0xf17b, ROC 0.
#[test]
fn rfc7714_16_1_srtp_gcm() {
    let expected = hex("8040f17b 8041f8d3 5501a0b2
         f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b
         36de3adf 8833
         899d7f27 beb16a91 52cf765e e4390cce");
    let mut tx = context_from_session_key(GCM, &hex(RFC7714_KEY), &hex(RFC7714_SALT), &[]);
    assert_eq!(protect_rtp(&mut tx, &rfc7714_rtp()), expected);
    let mut rx = context_from_session_key(GCM, &hex(RFC7714_KEY), &hex(RFC7714_SALT), &[]);
    assert_eq!(unprotect_rtp(&mut rx, &expected).unwrap(), rfc7714_rtp());
}

/// RFC 7714 §17.1: AEAD_AES_128_GCM SRTCP, sender SSRC "Mars", SRTCP index
/// 0x5d4, E = 1.
#[test]
fn rfc7714_17_1_srtcp_gcm() {
    let expected = hex("81c8000d 4d617273
         63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda
         4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade
         800005d4");
    let mut rx = context_from_session_key(GCM, &hex(RFC7714_KEY), &hex(RFC7714_SALT), &[]);
    assert_eq!(unprotect_rtcp(&mut rx, &expected).unwrap(), rfc7714_rtcp());
    // Our sender numbers SRTCP from 0; the same packet at index 0x5d4 comes
    // out once 0x5d4 packets went before it.
    let mut tx = context_from_session_key(GCM, &hex(RFC7714_KEY), &hex(RFC7714_SALT), &[]);
    for _ in 0..0x5d4 {
        protect_rtcp(&mut tx, &rfc7714_rtcp());
    }
    assert_eq!(protect_rtcp(&mut tx, &rfc7714_rtcp()), expected);
}

/// RFC 7714 §17 SRTCP with E = 0: the whole packet and index word are AAD.
#[test]
fn rfc7714_srtcp_gcm_unencrypted() {
    let mut srtcp = rfc7714_rtcp();
    srtcp.extend_from_slice(&hex("841dd968 3dd78ec9 2ae58790 125f62b3 000005d4"));
    let mut rx = context_from_session_key(GCM, &hex(RFC7714_KEY), &hex(RFC7714_SALT), &[]);
    assert_eq!(unprotect_rtcp(&mut rx, &srtcp).unwrap(), rfc7714_rtcp());

    // A flipped payload bit fails, and the buffer is given back untouched.
    let mut forged = srtcp.clone();
    forged[20] ^= 1;
    let mut rx = context_from_session_key(GCM, &hex(RFC7714_KEY), &hex(RFC7714_SALT), &[]);
    let mut buf = forged.clone();
    assert_eq!(
        rx.unprotect_rtcp(&mut buf, forged.len()),
        Err(SrtpError::AuthenticationFailed)
    );
    assert_eq!(buf, forged);
    assert_eq!(rx.stats().auth_failures, 1);
}

/// RFC 7714 §16.2: AEAD_AES_256_GCM SRTP, same packet as §16.1.
#[test]
fn rfc7714_16_2_srtp_gcm_256() {
    let expected = hex("8040f17b 8041f8d3 5501a0b2
         32b1de78 a822fe12 ef9f78fa 332e33aa b1801238 9a58e2f3 b50b2a02 76ffae0f
         1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13");
    let mut tx = context_from_session_key(GCM256, &hex(RFC7714_KEY_256), &hex(RFC7714_SALT), &[]);
    assert_eq!(protect_rtp(&mut tx, &rfc7714_rtp()), expected);
    let mut rx = context_from_session_key(GCM256, &hex(RFC7714_KEY_256), &hex(RFC7714_SALT), &[]);
    assert_eq!(unprotect_rtp(&mut rx, &expected).unwrap(), rfc7714_rtp());
}

/// RFC 7714 §17.2: AEAD_AES_256_GCM SRTCP, index 0x5d4, E = 1; and the
/// same packet unencrypted (E = 0).
#[test]
fn rfc7714_17_2_srtcp_gcm_256() {
    let expected = hex("81c8000d 4d617273
         d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50 a2eaa5c1 110555be
         8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be
         800005d4");
    let mut rx = context_from_session_key(GCM256, &hex(RFC7714_KEY_256), &hex(RFC7714_SALT), &[]);
    assert_eq!(unprotect_rtcp(&mut rx, &expected).unwrap(), rfc7714_rtcp());
    let mut unencrypted = rfc7714_rtcp();
    unencrypted.extend_from_slice(&hex("91db4afb feee5a97 8fab4393 ed2615fe 000005d4"));
    let mut rx = context_from_session_key(GCM256, &hex(RFC7714_KEY_256), &hex(RFC7714_SALT), &[]);
    assert_eq!(
        unprotect_rtcp(&mut rx, &unencrypted).unwrap(),
        rfc7714_rtcp()
    );
}

/// RTP with a CSRC and a header extension (cleartext), SEQ 0x1234.
fn rich_rtp() -> Vec<u8> {
    let mut p = hex("91601234 00000bb8 decafbad 11111111 bede0001 10ff0000");
    p.extend((0u8..40).collect::<Vec<_>>());
    p
}

const CM_RTP_ROC0: &str = "9160123400000bb8decafbad11111111bede000110ff00002be24cc2ae635d52aedad9b8666cb96e5c6f9eb63d039ad594e832386eab185b98187bae26713f9373b1b6bfdcb974ba559b";
const CM_RTP_ROC1: &str = "9160123400000bb8decafbad11111111bede000110ff00004bc2793e37859c2c1b74b0dab75b523cd4f0aa7c00090614eec4b8546aafd4d93c10f7a44a1a97bb73529782986f514ad998";
const GCM_RTP_ROC0: &str = "9160123400000bb8decafbad11111111bede000110ff0000a6e83c225d85c623fbb43f1db5f87a47931062d6466cf563c51842a10aa3ef46771b548e091a04eafe0d9f4004f669ad8bff68e8af86dc3b";
const GCM_RTP_ROC1: &str = "9160123400000bb8decafbad11111111bede000110ff00003b9a40f05b4a1dfbdfea979c83e47be839b58711536e266fea9af6ac8a9fb6b2b45e21c56c97ef096ff0455e8e5ddf6739f893681f6ca28d";

/// Protect output with derived keys matches the reference at ROC 0 and,
/// after one sequence wrap, at ROC 1 (the ROC enters the HMAC for AES-CM
/// and the IV for both).
fn derived_rtp_vectors(profile: SrtpProfile, roc0: &str, roc1: &str) {
    let packet = rich_rtp();
    let mut tx = master_context(profile);
    assert_eq!(protect_rtp(&mut tx, &packet), hex(roc0));
    // Walk the sender through a wrap in steps under half the SEQ space.
    for seq in [0x5234u16, 0x9234, 0xd234, 0xffff, 0x0000, 0x1000] {
        protect_rtp(&mut tx, &rtp_packet(seq, 0xdecafbad, b"x"));
    }
    assert_eq!(tx.rtp_sent_index(0xdecafbad), Some(0x0001_1000));
    assert_eq!(protect_rtp(&mut tx, &packet), hex(roc1));

    let mut rx = master_context(profile);
    assert_eq!(unprotect_rtp(&mut rx, &hex(roc0)).unwrap(), packet);
    // ROC 1 packet arrives after the receiver has seen the wrap.
    let mut rx = master_context(profile);
    let mut tx2 = master_context(profile);
    for seq in [0xfff0u16, 0x0005] {
        let srtp = protect_rtp(&mut tx2, &rtp_packet(seq, 0xdecafbad, b"y"));
        unprotect_rtp(&mut rx, &srtp).unwrap();
    }
    assert_eq!(rx.rtp_received_index(0xdecafbad), Some(0x0001_0005));
    assert_eq!(unprotect_rtp(&mut rx, &hex(roc1)).unwrap(), packet);
}

const GCM256_RTP_ROC0: &str = "9160123400000bb8decafbad11111111bede000110ff0000d0db05ebcd846d2c039462b8530fdd2c58a4548b501620cc9f04863be074f18d1f46068afb82707875dcd6410d1a13838bf0820c1556b97f";
const GCM256_RTP_ROC1: &str = "9160123400000bb8decafbad11111111bede000110ff0000435d75eac745592cf10f619fb460cc8036b80fd759f8c46f6b5dc01eef7825623ed5ba23e232767beb4e2de43a2c3c5ea8c54da36328c28d";

#[test]
fn gcm_256_srtp_matches_reference() {
    derived_rtp_vectors(GCM256, GCM256_RTP_ROC0, GCM256_RTP_ROC1);
}

#[test]
fn gcm_256_srtcp_matches_reference() {
    let expected = hex(
        "80c80006decafbad21f1bf9b30a1e2416ca5bcec0414770ee3135d11208082588754517656aa9998752b540680000000",
    );
    let mut tx = master_context(GCM256);
    assert_eq!(protect_rtcp(&mut tx, &sender_report()), expected);
    let mut rx = master_context(GCM256);
    assert_eq!(unprotect_rtcp(&mut rx, &expected).unwrap(), sender_report());
}

#[test]
fn aes_cm_srtp_matches_reference() {
    derived_rtp_vectors(CM, CM_RTP_ROC0, CM_RTP_ROC1);
}

#[test]
fn gcm_srtp_matches_reference() {
    derived_rtp_vectors(GCM, GCM_RTP_ROC0, GCM_RTP_ROC1);
}

fn sender_report() -> Vec<u8> {
    let mut p = hex("80c80006 decafbad");
    p.extend((0u8..20).collect::<Vec<_>>());
    p
}

#[test]
fn aes_cm_srtcp_matches_reference() {
    let mut tx = master_context(CM);
    assert_eq!(
        protect_rtcp(&mut tx, &sender_report()),
        hex("80c80006decafbad84ca9619f4195dfa654ad370707f8cbefdfcadbf80000000dd78d40ecad9e0cf83f8")
    );
    assert_eq!(
        protect_rtcp(&mut tx, &sender_report()),
        hex("80c80006decafbad321c39a809bf86644ee8284b4a34c993c051413980000001332b274c96a493857574")
    );
    let mut rx = master_context(CM);
    let unencrypted =
        hex("80c80006decafbad000102030405060708090a0b0c0d0e0f1011121300000007135e272e204c0b2e73b5");
    assert_eq!(
        unprotect_rtcp(&mut rx, &unencrypted).unwrap(),
        sender_report()
    );
}

#[test]
fn gcm_srtcp_matches_reference() {
    let mut tx = master_context(GCM);
    let first = protect_rtcp(&mut tx, &sender_report());
    assert_eq!(
        first,
        hex(
            "80c80006decafbade040246cbcadad01e35af98df8d7116bd19c32220e464ab046dc35b278db29490699248180000000"
        )
    );
    let mut rx = master_context(GCM);
    assert_eq!(unprotect_rtcp(&mut rx, &first).unwrap(), sender_report());
    let unencrypted = hex(
        "80c80006decafbad000102030405060708090a0b0c0d0e0f101112135fa9b93c134b59f8b281c346dc36d4d200000007",
    );
    assert_eq!(
        unprotect_rtcp(&mut rx, &unencrypted).unwrap(),
        sender_report()
    );
}
