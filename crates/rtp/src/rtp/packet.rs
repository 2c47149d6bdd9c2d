//! Zero-copy RTP packet view.

use super::extension::{ExtensionIter, Form, find, validate};
use crate::error::RtpError;
use crate::wire::u16_at;

/// Length of the fixed RTP header (no CSRCs, no extension).
pub const FIXED_HEADER_LEN: usize = 12;

/// A validated, zero-copy view of an RTP packet. All accessors are
/// infallible: `parse` has checked every length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    buf: &'a [u8],
    header_len: usize,
    padding_len: u8,
    /// Offset of the extension block's 4-byte header, 0 when absent.
    ext_offset: usize,
    ext_form: Form,
    sequence_number: u16,
    timestamp: u32,
    ssrc: u32,
}

/// Parses and validates an RTP packet (see [`RtpPacket`]).
#[inline]
pub fn parse(buf: &[u8]) -> Result<RtpPacket<'_>, RtpError> {
    RtpPacket::parse(buf)
}

impl<'a> RtpPacket<'a> {
    /// Validates version, CSRC list, header extension (including every
    /// RFC 8285 element) and padding.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        let Some(fixed) = buf.first_chunk::<FIXED_HEADER_LEN>() else {
            return Err(RtpError::TooShort {
                available: buf.len(),
            });
        };
        let version = fixed[0] >> 6;
        if version != 2 {
            return Err(RtpError::BadVersion(version));
        }
        let csrc_count = fixed[0] & 0x0F;
        let mut header_len = FIXED_HEADER_LEN + 4 * usize::from(csrc_count);
        if header_len > buf.len() {
            return Err(RtpError::CsrcOverrun { csrc_count });
        }
        let mut ext_offset = 0;
        let mut ext_form = Form::Other;
        if fixed[0] & 0x10 != 0 {
            ext_offset = header_len;
            if header_len + 4 > buf.len() {
                return Err(RtpError::ExtensionOverrun);
            }
            let profile = u16_at(buf, header_len);
            let ext_len = 4 * usize::from(u16_at(buf, header_len + 2));
            let data_start = header_len + 4;
            let data = buf
                .get(data_start..data_start + ext_len)
                .ok_or(RtpError::ExtensionOverrun)?;
            ext_form = Form::of(profile);
            validate(ext_form, data)?;
            header_len = data_start + ext_len;
        }
        let mut padding_len = 0;
        if fixed[0] & 0x20 != 0 {
            // The last byte counts the padding, itself included.
            padding_len = buf.last().copied().unwrap_or(0);
            if padding_len == 0 || usize::from(padding_len) > buf.len() - header_len {
                return Err(RtpError::BadPadding { padding_len });
            }
        }
        Ok(RtpPacket {
            buf,
            header_len,
            padding_len,
            ext_offset,
            ext_form,
            sequence_number: u16::from_be_bytes([fixed[2], fixed[3]]),
            timestamp: u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
            ssrc: u32::from_be_bytes([fixed[8], fixed[9], fixed[10], fixed[11]]),
        })
    }

    #[inline]
    fn b0(&self) -> u8 {
        self.buf.first().copied().unwrap_or(0)
    }

    #[inline]
    fn b1(&self) -> u8 {
        self.buf.get(1).copied().unwrap_or(0)
    }

    /// Always 2 for a parsed packet.
    #[inline]
    pub fn version(&self) -> u8 {
        self.b0() >> 6
    }

    #[inline]
    pub fn has_padding(&self) -> bool {
        self.b0() & 0x20 != 0
    }

    #[inline]
    pub fn has_extension(&self) -> bool {
        self.ext_offset != 0
    }

    #[inline]
    pub fn csrc_count(&self) -> u8 {
        self.b0() & 0x0F
    }

    #[inline]
    pub fn marker(&self) -> bool {
        self.b1() & 0x80 != 0
    }

    #[inline]
    pub fn payload_type(&self) -> u8 {
        self.b1() & 0x7F
    }

    #[inline]
    pub fn sequence_number(&self) -> u16 {
        self.sequence_number
    }

    #[inline]
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    #[inline]
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    #[inline]
    pub fn csrcs(&self) -> CsrcIter<'a> {
        let end = FIXED_HEADER_LEN + 4 * usize::from(self.csrc_count());
        CsrcIter {
            data: self.buf.get(FIXED_HEADER_LEN..end).unwrap_or(&[]),
        }
    }

    /// The "defined by profile" field of the extension, if present.
    #[inline]
    pub fn extension_profile(&self) -> Option<u16> {
        self.has_extension()
            .then(|| u16_at(self.buf, self.ext_offset))
    }

    /// Raw extension block (after its 4-byte header), empty when absent.
    #[inline]
    pub fn extension_data(&self) -> &'a [u8] {
        if !self.has_extension() {
            return &[];
        }
        self.buf
            .get(self.ext_offset + 4..self.header_len)
            .unwrap_or(&[])
    }

    /// RFC 8285 elements as `(id, value)`; padding bytes are skipped.
    #[inline]
    pub fn extensions(&self) -> ExtensionIter<'a> {
        ExtensionIter::new(self.ext_form, self.extension_data())
    }

    /// The value of the first extension element with this id.
    #[inline]
    pub fn extension(&self, id: u8) -> Option<&'a [u8]> {
        find(self.ext_form, self.extension_data(), id)
    }

    /// Fixed header + CSRCs + extension, in bytes.
    #[inline]
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// Padding bytes at the end, including the count byte (0 if none).
    #[inline]
    pub fn padding_len(&self) -> usize {
        usize::from(self.padding_len)
    }

    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        let end = self.buf.len().saturating_sub(self.padding_len());
        self.buf.get(self.header_len()..end).unwrap_or(&[])
    }

    /// The whole packet as parsed.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

/// Iterator over contributing sources.
#[derive(Debug, Clone)]
pub struct CsrcIter<'a> {
    data: &'a [u8],
}

impl Iterator for CsrcIter<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let (head, rest) = self.data.split_first_chunk::<4>()?;
        self.data = rest;
        Some(u32::from_be_bytes(*head))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.data.len() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for CsrcIter<'_> {}

/// True if a datagram looks like RTCP rather than RTP when both are
/// multiplexed on one port (RFC 5761 §4: second byte 192..=223).
pub fn is_rtcp(datagram: &[u8]) -> bool {
    matches!(datagram, [b0, b1, ..] if b0 >> 6 == 2 && (192..=223).contains(b1))
}
