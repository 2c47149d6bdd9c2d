//! STUN message encoding into a caller-provided buffer.

use std::net::{IpAddr, SocketAddr};

use hmac::{KeyInit, Mac};

use super::{
    Class, FINGERPRINT_XOR, HEADER_LEN, HMAC_SHA1_LEN, MAGIC_COOKIE, StunError, TransactionId,
    attr, message_type, padded,
};

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

/// Writes one STUN message; the header length is kept current after every attribute.
pub struct MessageWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    transaction_id: TransactionId,
    padding_byte: u8,
}

impl<'b> MessageWriter<'b> {
    /// Starts a message with its 20-byte header.
    pub fn new(
        buf: &'b mut [u8],
        class: Class,
        method: u16,
        transaction_id: TransactionId,
    ) -> Result<MessageWriter<'b>, StunError> {
        if buf.len() < HEADER_LEN {
            return Err(StunError::BufferTooSmall);
        }
        buf[0..2].copy_from_slice(&message_type(class, method).to_be_bytes());
        buf[2..4].copy_from_slice(&0u16.to_be_bytes());
        buf[4..8].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        buf[8..20].copy_from_slice(&transaction_id.0);
        Ok(MessageWriter {
            buf,
            len: HEADER_LEN,
            transaction_id,
            padding_byte: 0,
        })
    }

    /// Byte used to pad attribute values (RFC 8489 says any value; RFC 5769 uses 0x20).
    pub fn with_padding_byte(mut self, padding_byte: u8) -> Self {
        self.padding_byte = padding_byte;
        self
    }

    fn set_length(&mut self, body_len: usize) -> Result<(), StunError> {
        let body = u16::try_from(body_len).map_err(|_| StunError::ValueTooLong)?;
        self.buf[2..4].copy_from_slice(&body.to_be_bytes());
        Ok(())
    }

    /// Appends a raw attribute (type, value, padding).
    pub fn attribute(&mut self, attr_type: u16, value: &[u8]) -> Result<(), StunError> {
        let value_len = u16::try_from(value.len()).map_err(|_| StunError::ValueTooLong)?;
        let total = 4 + padded(value.len());
        if self.len + total > self.buf.len() {
            return Err(StunError::BufferTooSmall);
        }
        let start = self.len;
        self.buf[start..start + 2].copy_from_slice(&attr_type.to_be_bytes());
        self.buf[start + 2..start + 4].copy_from_slice(&value_len.to_be_bytes());
        self.buf[start + 4..start + 4 + value.len()].copy_from_slice(value);
        for b in &mut self.buf[start + 4 + value.len()..start + total] {
            *b = self.padding_byte;
        }
        self.len += total;
        self.set_length(self.len - HEADER_LEN)
    }

    /// USERNAME written as two parts joined by ':' (ICE "remote:local"), without a
    /// temporary string.
    pub fn username_parts(&mut self, first: &[u8], second: &[u8]) -> Result<(), StunError> {
        let value_len = first.len() + 1 + second.len();
        if value_len > 513 {
            return Err(StunError::ValueTooLong);
        }
        let total = 4 + padded(value_len);
        if self.len + total > self.buf.len() {
            return Err(StunError::BufferTooSmall);
        }
        let start = self.len;
        let mut value_len_be = [0u8; 2];
        value_len_be.copy_from_slice(&(value_len as u16).to_be_bytes());
        self.buf[start..start + 2].copy_from_slice(&attr::USERNAME.to_be_bytes());
        self.buf[start + 2..start + 4].copy_from_slice(&value_len_be);
        let v = start + 4;
        self.buf[v..v + first.len()].copy_from_slice(first);
        self.buf[v + first.len()] = b':';
        self.buf[v + first.len() + 1..v + value_len].copy_from_slice(second);
        for b in &mut self.buf[v + value_len..start + total] {
            *b = self.padding_byte;
        }
        self.len += total;
        self.set_length(self.len - HEADER_LEN)
    }

    pub fn priority(&mut self, priority: u32) -> Result<(), StunError> {
        self.attribute(attr::PRIORITY, &priority.to_be_bytes())
    }

    pub fn use_candidate(&mut self) -> Result<(), StunError> {
        self.attribute(attr::USE_CANDIDATE, &[])
    }

    pub fn ice_controlling(&mut self, tie_breaker: u64) -> Result<(), StunError> {
        self.attribute(attr::ICE_CONTROLLING, &tie_breaker.to_be_bytes())
    }

    pub fn ice_controlled(&mut self, tie_breaker: u64) -> Result<(), StunError> {
        self.attribute(attr::ICE_CONTROLLED, &tie_breaker.to_be_bytes())
    }

    pub fn software(&mut self, software: &[u8]) -> Result<(), StunError> {
        self.attribute(attr::SOFTWARE, software)
    }

    /// ERROR-CODE with class/number split per RFC 8489 §14.8.
    pub fn error_code(&mut self, code: u16, reason: &[u8]) -> Result<(), StunError> {
        if !(300..700).contains(&code) || reason.len() > 763 {
            return Err(StunError::ValueTooLong);
        }
        let mut value = [0u8; 4 + 763];
        value[2] = (code / 100) as u8;
        value[3] = (code % 100) as u8;
        value[4..4 + reason.len()].copy_from_slice(reason);
        self.attribute(attr::ERROR_CODE, &value[..4 + reason.len()])
    }

    /// XOR-MAPPED-ADDRESS for IPv4 or IPv6.
    pub fn xor_mapped_address(&mut self, address: SocketAddr) -> Result<(), StunError> {
        self.xor_address(attr::XOR_MAPPED_ADDRESS, address)
    }

    /// Any XOR-encoded address attribute (XOR-MAPPED/-PEER/-RELAYED-ADDRESS).
    pub fn xor_address(&mut self, attr_type: u16, address: SocketAddr) -> Result<(), StunError> {
        let cookie = MAGIC_COOKIE.to_be_bytes();
        let port = address.port() ^ (MAGIC_COOKIE >> 16) as u16;
        let mut value = [0u8; 20];
        value[2..4].copy_from_slice(&port.to_be_bytes());
        match address.ip() {
            IpAddr::V4(ip) => {
                value[1] = 0x01;
                for (i, b) in ip.octets().iter().enumerate() {
                    value[4 + i] = b ^ cookie[i];
                }
                self.attribute(attr_type, &value[..8])
            }
            IpAddr::V6(ip) => {
                value[1] = 0x02;
                let mut mask = [0u8; 16];
                mask[..4].copy_from_slice(&cookie);
                mask[4..].copy_from_slice(&self.transaction_id.0);
                for (i, b) in ip.octets().iter().enumerate() {
                    value[4 + i] = b ^ mask[i];
                }
                self.attribute(attr_type, &value)
            }
        }
    }

    /// MESSAGE-INTEGRITY (HMAC-SHA1 keyed with `key`) over everything written so far.
    pub fn message_integrity(&mut self, key: &[u8]) -> Result<(), StunError> {
        let total = 4 + HMAC_SHA1_LEN;
        if self.len + total > self.buf.len() {
            return Err(StunError::BufferTooSmall);
        }
        // The length field must already include the MESSAGE-INTEGRITY attribute.
        self.set_length(self.len + total - HEADER_LEN)?;
        let mut mac = HmacSha1::new_from_slice(key).map_err(|_| StunError::ValueTooLong)?;
        mac.update(&self.buf[..self.len]);
        let digest = mac.finalize().into_bytes();
        let start = self.len;
        self.buf[start..start + 2].copy_from_slice(&attr::MESSAGE_INTEGRITY.to_be_bytes());
        self.buf[start + 2..start + 4].copy_from_slice(&(HMAC_SHA1_LEN as u16).to_be_bytes());
        self.buf[start + 4..start + total].copy_from_slice(&digest);
        self.len += total;
        Ok(())
    }

    /// FINGERPRINT (CRC-32 ^ 0x5354554E); must be the last attribute. Returns the final
    /// message length.
    pub fn fingerprint(mut self) -> Result<usize, StunError> {
        if self.len + 8 > self.buf.len() {
            return Err(StunError::BufferTooSmall);
        }
        self.set_length(self.len + 8 - HEADER_LEN)?;
        let crc = crc32fast::hash(&self.buf[..self.len]) ^ FINGERPRINT_XOR;
        let start = self.len;
        self.buf[start..start + 2].copy_from_slice(&attr::FINGERPRINT.to_be_bytes());
        self.buf[start + 2..start + 4].copy_from_slice(&4u16.to_be_bytes());
        self.buf[start + 4..start + 8].copy_from_slice(&crc.to_be_bytes());
        self.len += 8;
        Ok(self.len)
    }

    /// Finishes without FINGERPRINT. Returns the message length.
    pub fn finish(self) -> usize {
        self.len
    }
}
