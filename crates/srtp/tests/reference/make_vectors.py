#!/usr/bin/env python3
"""Independent expectations for the rtcscope-srtp tests.

Computes SRTP/SRTCP outputs with pyca/cryptography (AES-ECB, AES-CTR,
HMAC-SHA1, AES-GCM) straight from the RFC 3711 / RFC 7714 formulas, so the
Rust tests compare against a second implementation, not against themselves.
It also re-checks the RFC 3711 Appendix B and RFC 7714 section 16/17 values
the tests carry, as typed from the RFC text.

Run: python3 crates/srtp/tests/reference/make_vectors.py
"""
import hmac, hashlib
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

h = bytes.fromhex
def hx(b): return b.hex()

def aes_ecb(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()

def aes_ctr(key, iv, data):
    e = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return e.update(data) + e.finalize()

def kdf(master_key, master_salt, label, n):
    salt14 = master_salt + bytes(14 - len(master_salt))   # RFC 7714 errata 4938
    key_id = bytes([label]) + bytes(6)
    x = bytes(a ^ b for a, b in zip(salt14, bytes(7) + key_id))
    return aes_ctr(master_key, x + b"\0\0", bytes(n))

def session(master_key, master_salt, gcm):
    salt_len = 12 if gcm else 14
    n = len(master_key)
    return {
        "rtp": (kdf(master_key, master_salt, 0, n), kdf(master_key, master_salt, 2, salt_len), kdf(master_key, master_salt, 1, 20)),
        "rtcp": (kdf(master_key, master_salt, 3, n), kdf(master_key, master_salt, 5, salt_len), kdf(master_key, master_salt, 4, 20)),
    }

def rtp_header_len(p):
    cc = p[0] & 0x0f
    n = 12 + 4 * cc
    if p[0] & 0x10:
        n += 4 + 4 * int.from_bytes(p[n + 2:n + 4], "big")
    return n

def cm_iv(salt, ssrc, index):
    v = int.from_bytes(salt, "big") << 16
    v ^= ssrc << 64
    v ^= index << 16
    return v.to_bytes(16, "big")

def srtp_cm(keys, pkt, roc):
    k, s, a = keys
    hl = rtp_header_len(pkt)
    seq = int.from_bytes(pkt[2:4], "big"); ssrc = int.from_bytes(pkt[8:12], "big")
    index = (roc << 16) | seq
    out = pkt[:hl] + aes_ctr(k, cm_iv(s, ssrc, index), pkt[hl:])
    tag = hmac.new(a, out + roc.to_bytes(4, "big"), hashlib.sha1).digest()[:10]
    return out + tag

def srtcp_cm(keys, pkt, index, encrypt=True):
    k, s, a = keys
    ssrc = int.from_bytes(pkt[4:8], "big")
    body = aes_ctr(k, cm_iv(s, ssrc, index), pkt[8:]) if encrypt else pkt[8:]
    out = pkt[:8] + body + ((0x80000000 if encrypt else 0) | index).to_bytes(4, "big")
    return out + hmac.new(a, out, hashlib.sha1).digest()[:10]

def gcm_rtp_iv(salt, ssrc, roc, seq):
    iv = bytes(2) + ssrc.to_bytes(4, "big") + roc.to_bytes(4, "big") + seq.to_bytes(2, "big")
    return bytes(a ^ b for a, b in zip(iv, salt))

def srtp_gcm(keys, pkt, roc):
    k, s, _ = keys
    hl = rtp_header_len(pkt)
    seq = int.from_bytes(pkt[2:4], "big"); ssrc = int.from_bytes(pkt[8:12], "big")
    return pkt[:hl] + AESGCM(k).encrypt(gcm_rtp_iv(s, ssrc, roc, seq), pkt[hl:], pkt[:hl])

def srtcp_gcm(keys, pkt, index, encrypt=True):
    k, s, _ = keys
    ssrc = int.from_bytes(pkt[4:8], "big")
    iv = bytes(2) + ssrc.to_bytes(4, "big") + bytes(2) + index.to_bytes(4, "big")
    iv = bytes(a ^ b for a, b in zip(iv, s))
    word = ((0x80000000 if encrypt else 0) | index).to_bytes(4, "big")
    if encrypt:
        return pkt[:8] + AESGCM(k).encrypt(iv, pkt[8:], pkt[:8] + word) + word
    return pkt + AESGCM(k).encrypt(iv, b"", pkt + word) + word

# --- RFC 3711 B.2: AES-CM keystream -------------------------------------
key = h("2B7E151628AED2A6ABF7158809CF4F3C")
for ctr in (0x0000, 0x0001, 0x0002, 0xFEFF, 0xFF00, 0xFF01):
    block = h("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000")[:14] + ctr.to_bytes(2, "big")
    print("B.2", f"{ctr:04X}", hx(aes_ecb(key, block)).upper())

# --- RFC 3711 B.3: key derivation ---------------------------------------
mk, ms = h("E1F97A0D3E018BE0D64FA32C06DE4139"), h("0EC675AD498AFEEBB6960B3AABE6")
print("B.3 cipher key", hx(kdf(mk, ms, 0, 16)).upper())
print("B.3 cipher salt", hx(kdf(mk, ms, 2, 14)).upper())
print("B.3 auth key", hx(kdf(mk, ms, 1, 20)).upper())

# --- RFC 6188 7.2: AES_256_CM_PRF key derivation ------------------------
mk = h("f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6")
ms = h("3b04803de51ee7c96423ab5b78d2")
print("6188 cipher key", hx(kdf(mk, ms, 0, 32)))
print("6188 cipher salt", hx(kdf(mk, ms, 2, 14)))
print("6188 auth key", hx(kdf(mk, ms, 1, 20)))

# --- RFC 7714 16.1 / 17.1 (session keys given directly) ------------------
gk, gs = h("000102030405060708090a0b0c0d0e0f"), h("517569642070726f2071756f")
rtp = h("8040f17b8041f8d35501a0b2") + b"Gallia est omnis divisa in partes tres"
print("7714 16.1 srtp", hx(srtp_gcm((gk, gs, None), rtp, 0)))
rtcp = h("81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61") + h("deadbeef") * 5
print("7714 17.1 srtcp", hx(srtcp_gcm((gk, gs, None), rtcp, 0x5d4)))
print("7714 17.x srtcp E=0", hx(srtcp_gcm((gk, gs, None), rtcp, 0x5d4, encrypt=False)))
gk256 = h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
print("7714 16.2 srtp", hx(srtp_gcm((gk256, gs, None), rtp, 0)))
print("7714 17.2 srtcp", hx(srtcp_gcm((gk256, gs, None), rtcp, 0x5d4)))
print("7714 17.x srtcp 256 E=0", hx(srtcp_gcm((gk256, gs, None), rtcp, 0x5d4, encrypt=False)))

# --- Our own vectors, keys derived from a master key --------------------
mk = h("E1F97A0D3E018BE0D64FA32C06DE4139")
ms14 = h("0EC675AD498AFEEBB6960B3AABE6")
ms12 = ms14[:12]
cm = session(mk, ms14, gcm=False)
gc = session(mk, ms12, gcm=True)
print("gcm kdf rtp key/salt", hx(gc["rtp"][0]), hx(gc["rtp"][1]))
# RTP, one CSRC and a 1-word header extension, SEQ 0x1234, SSRC 0xdecafbad.
pkt = h("91 60 1234 00000bb8 decafbad 11111111 bede0001 10ff0000".replace(" ", "")) + bytes(range(40))
print("cm rtp roc0", hx(srtp_cm(cm["rtp"], pkt, 0)))
print("cm rtp roc1", hx(srtp_cm(cm["rtp"], pkt, 1)))
print("gcm rtp roc0", hx(srtp_gcm(gc["rtp"], pkt, 0)))
print("gcm rtp roc1", hx(srtp_gcm(gc["rtp"], pkt, 1)))
# Sender report, SSRC 0xdecafbad.
sr = h("80c80006decafbad") + bytes(range(20))
print("cm rtcp idx0", hx(srtcp_cm(cm["rtcp"], sr, 0)))
print("cm rtcp idx1", hx(srtcp_cm(cm["rtcp"], sr, 1)))
print("cm rtcp E=0 idx7", hx(srtcp_cm(cm["rtcp"], sr, 7, encrypt=False)))
print("gcm rtcp idx0", hx(srtcp_gcm(gc["rtcp"], sr, 0)))
print("gcm rtcp E=0 idx7", hx(srtcp_gcm(gc["rtcp"], sr, 7, encrypt=False)))

# --- AES-256-GCM with keys derived from a 256-bit master key -------------
mk256 = mk + h("0102030405060708090a0b0c0d0e0f10")
g256 = session(mk256, ms12, gcm=True)
print("gcm256 kdf rtp key/salt", hx(g256["rtp"][0]), hx(g256["rtp"][1]))
print("gcm256 rtp roc0", hx(srtp_gcm(g256["rtp"], pkt, 0)))
print("gcm256 rtp roc1", hx(srtp_gcm(g256["rtp"], pkt, 1)))
print("gcm256 rtcp idx0", hx(srtcp_gcm(g256["rtcp"], sr, 0)))
