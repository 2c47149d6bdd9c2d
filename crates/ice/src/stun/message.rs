//! Zero-copy STUN message parsing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hmac::{KeyInit, Mac};

use super::{
    Class, FINGERPRINT_XOR, HEADER_LEN, HMAC_SHA1_LEN, MAGIC_COOKIE, StunError, TransactionId,
    attr, padded, split_message_type,
};

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

/// ERROR-CODE attribute: numeric code and UTF-8 reason phrase bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ErrorCodeAttr<'a> {
    pub code: u16,
    pub reason: &'a [u8],
}

/// A parsed STUN message borrowing the datagram it came from.
///
/// Only the attributes ICE uses are decoded; unknown attributes are skipped (the first
/// comprehension-required one is remembered so a server may answer 420 if it wants).
#[derive(Clone, Debug)]
pub struct StunMessage<'a> {
    raw: &'a [u8],
    pub class: Class,
    pub method: u16,
    pub transaction_id: TransactionId,
    pub username: Option<&'a [u8]>,
    pub xor_mapped_address: Option<SocketAddr>,
    pub priority: Option<u32>,
    pub use_candidate: bool,
    pub ice_controlling: Option<u64>,
    pub ice_controlled: Option<u64>,
    pub error_code: Option<ErrorCodeAttr<'a>>,
    pub software: Option<&'a [u8]>,
    pub xor_relayed_address: Option<SocketAddr>,
    pub xor_peer_address: Option<SocketAddr>,
    pub data: Option<&'a [u8]>,
    pub lifetime: Option<u32>,
    pub realm: Option<&'a [u8]>,
    pub nonce: Option<&'a [u8]>,
    pub channel_number: Option<u16>,
    /// Offset of the MESSAGE-INTEGRITY attribute header within `raw`.
    integrity_offset: Option<usize>,
    pub has_fingerprint: bool,
    pub unknown_comprehension_required: Option<u16>,
}

impl<'a> StunMessage<'a> {
    /// Parses and validates framing, attribute lengths and (when present) FINGERPRINT.
    pub fn parse(raw: &'a [u8]) -> Result<StunMessage<'a>, StunError> {
        if raw.len() < HEADER_LEN {
            return Err(StunError::TooShort { len: raw.len() });
        }
        if raw[0] & 0xC0 != 0 || raw[4..8] != MAGIC_COOKIE.to_be_bytes() {
            return Err(StunError::NotStun);
        }
        let declared = usize::from(u16::from_be_bytes([raw[2], raw[3]]));
        if declared % 4 != 0 {
            return Err(StunError::UnalignedLength { declared });
        }
        if declared != raw.len() - HEADER_LEN {
            return Err(StunError::LengthMismatch {
                declared,
                actual: raw.len() - HEADER_LEN,
            });
        }
        let (class, method) = split_message_type(u16::from_be_bytes([raw[0], raw[1]]));
        let mut transaction_id = TransactionId::default();
        transaction_id.0.copy_from_slice(&raw[8..20]);

        let mut msg = StunMessage {
            raw,
            class,
            method,
            transaction_id,
            username: None,
            xor_mapped_address: None,
            priority: None,
            use_candidate: false,
            ice_controlling: None,
            ice_controlled: None,
            error_code: None,
            software: None,
            xor_relayed_address: None,
            xor_peer_address: None,
            data: None,
            lifetime: None,
            realm: None,
            nonce: None,
            channel_number: None,
            integrity_offset: None,
            has_fingerprint: false,
            unknown_comprehension_required: None,
        };

        let mut offset = HEADER_LEN;
        while offset < raw.len() {
            if raw.len() - offset < 4 {
                return Err(StunError::AttributeOverrun { attr_type: 0 });
            }
            let attr_type = u16::from_be_bytes([raw[offset], raw[offset + 1]]);
            let len = usize::from(u16::from_be_bytes([raw[offset + 2], raw[offset + 3]]));
            let value_start = offset + 4;
            let value_end = value_start + len;
            if value_end > raw.len() {
                return Err(StunError::AttributeOverrun { attr_type });
            }
            let value = &raw[value_start..value_end];
            let next = value_start + padded(len);

            if msg.has_fingerprint {
                return Err(StunError::FingerprintNotLast);
            }
            if attr_type == attr::FINGERPRINT {
                msg.check_fingerprint(offset, value)?;
            } else if msg.integrity_offset.is_some() {
                // RFC 8489 §14.5: everything after MESSAGE-INTEGRITY except FINGERPRINT
                // is ignored.
            } else {
                msg.decode_attribute(offset, attr_type, value)?;
            }
            offset = next.min(raw.len());
        }
        Ok(msg)
    }

    fn decode_attribute(
        &mut self,
        offset: usize,
        attr_type: u16,
        value: &'a [u8],
    ) -> Result<(), StunError> {
        let bad_len = StunError::BadAttributeLength {
            attr_type,
            len: value.len(),
        };
        match attr_type {
            attr::USERNAME => {
                if value.len() > 513 {
                    return Err(bad_len);
                }
                self.username = Some(value);
            }
            attr::MESSAGE_INTEGRITY => {
                if value.len() != HMAC_SHA1_LEN {
                    return Err(bad_len);
                }
                self.integrity_offset = Some(offset);
            }
            attr::XOR_MAPPED_ADDRESS => {
                self.xor_mapped_address =
                    Some(decode_xor_address(value, &self.transaction_id, attr_type)?);
            }
            attr::PRIORITY => {
                let bytes: [u8; 4] = value.try_into().map_err(|_| bad_len)?;
                self.priority = Some(u32::from_be_bytes(bytes));
            }
            attr::USE_CANDIDATE => {
                if !value.is_empty() {
                    return Err(bad_len);
                }
                self.use_candidate = true;
            }
            attr::ICE_CONTROLLING => {
                let bytes: [u8; 8] = value.try_into().map_err(|_| bad_len)?;
                self.ice_controlling = Some(u64::from_be_bytes(bytes));
            }
            attr::ICE_CONTROLLED => {
                let bytes: [u8; 8] = value.try_into().map_err(|_| bad_len)?;
                self.ice_controlled = Some(u64::from_be_bytes(bytes));
            }
            attr::ERROR_CODE => {
                if value.len() < 4 || value.len() > 4 + 763 {
                    return Err(bad_len);
                }
                let class = u16::from(value[2] & 0x07);
                let number = u16::from(value[3]);
                if !(3..=6).contains(&class) || number > 99 {
                    return Err(bad_len);
                }
                self.error_code = Some(ErrorCodeAttr {
                    code: class * 100 + number,
                    reason: &value[4..],
                });
            }
            attr::XOR_RELAYED_ADDRESS => {
                self.xor_relayed_address =
                    Some(decode_xor_address(value, &self.transaction_id, attr_type)?);
            }
            attr::XOR_PEER_ADDRESS => {
                self.xor_peer_address =
                    Some(decode_xor_address(value, &self.transaction_id, attr_type)?);
            }
            attr::DATA => self.data = Some(value),
            attr::LIFETIME => {
                let bytes: [u8; 4] = value.try_into().map_err(|_| bad_len)?;
                self.lifetime = Some(u32::from_be_bytes(bytes));
            }
            attr::REALM => {
                if value.len() > 763 {
                    return Err(bad_len);
                }
                self.realm = Some(value);
            }
            attr::NONCE => {
                if value.len() > 763 {
                    return Err(bad_len);
                }
                self.nonce = Some(value);
            }
            attr::CHANNEL_NUMBER => {
                if value.len() != 4 {
                    return Err(bad_len);
                }
                self.channel_number = Some(u16::from_be_bytes([value[0], value[1]]));
            }
            attr::SOFTWARE => {
                if value.len() > 763 {
                    return Err(bad_len);
                }
                self.software = Some(value);
            }
            other => {
                if other < 0x8000 && self.unknown_comprehension_required.is_none() {
                    self.unknown_comprehension_required = Some(other);
                }
            }
        }
        Ok(())
    }

    fn check_fingerprint(&mut self, offset: usize, value: &[u8]) -> Result<(), StunError> {
        let bytes: [u8; 4] = value
            .try_into()
            .map_err(|_| StunError::BadAttributeLength {
                attr_type: attr::FINGERPRINT,
                len: value.len(),
            })?;
        if offset + 8 != self.raw.len() {
            return Err(StunError::FingerprintNotLast);
        }
        let expected = crc32fast::hash(&self.raw[..offset]) ^ FINGERPRINT_XOR;
        if u32::from_be_bytes(bytes) != expected {
            return Err(StunError::FingerprintMismatch);
        }
        self.has_fingerprint = true;
        Ok(())
    }

    /// True when a MESSAGE-INTEGRITY attribute is present.
    pub fn has_integrity(&self) -> bool {
        self.integrity_offset.is_some()
    }

    /// Checks MESSAGE-INTEGRITY (HMAC-SHA1) with `key` (the ICE password for short-term
    /// credentials). False when the attribute is missing or does not match.
    pub fn verify_integrity(&self, key: &[u8]) -> bool {
        let Some(offset) = self.integrity_offset else {
            return false;
        };
        let Ok(mut mac) = HmacSha1::new_from_slice(key) else {
            return false;
        };
        // The HMAC covers the header with its length field set as if MESSAGE-INTEGRITY were
        // the last attribute (RFC 8489 §14.5).
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&self.raw[..HEADER_LEN]);
        let covered_len = offset + 4 + HMAC_SHA1_LEN - HEADER_LEN;
        let Ok(covered_len) = u16::try_from(covered_len) else {
            return false;
        };
        header[2..4].copy_from_slice(&covered_len.to_be_bytes());
        mac.update(&header);
        mac.update(&self.raw[HEADER_LEN..offset]);
        let value = &self.raw[offset + 4..offset + 4 + HMAC_SHA1_LEN];
        mac.verify_slice(value).is_ok()
    }

    /// The datagram this message was parsed from.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
}

fn decode_xor_address(
    value: &[u8],
    transaction_id: &TransactionId,
    attr_type: u16,
) -> Result<SocketAddr, StunError> {
    if value.len() < 4 {
        return Err(StunError::BadAttributeLength {
            attr_type,
            len: value.len(),
        });
    }
    let family = value[1];
    let cookie = MAGIC_COOKIE.to_be_bytes();
    let port = u16::from_be_bytes([value[2], value[3]]) ^ (MAGIC_COOKIE >> 16) as u16;
    match family {
        0x01 => {
            let bytes: [u8; 4] =
                value[4..]
                    .try_into()
                    .map_err(|_| StunError::BadAttributeLength {
                        attr_type,
                        len: value.len(),
                    })?;
            let mut ip = [0u8; 4];
            for (i, b) in ip.iter_mut().enumerate() {
                *b = bytes[i] ^ cookie[i];
            }
            Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port))
        }
        0x02 => {
            let bytes: [u8; 16] =
                value[4..]
                    .try_into()
                    .map_err(|_| StunError::BadAttributeLength {
                        attr_type,
                        len: value.len(),
                    })?;
            let mut mask = [0u8; 16];
            mask[..4].copy_from_slice(&cookie);
            mask[4..].copy_from_slice(&transaction_id.0);
            let mut ip = [0u8; 16];
            for (i, b) in ip.iter_mut().enumerate() {
                *b = bytes[i] ^ mask[i];
            }
            Ok(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(ip)), port))
        }
        family => Err(StunError::BadAddressFamily { family }),
    }
}
