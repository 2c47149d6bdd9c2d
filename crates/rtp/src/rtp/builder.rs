//! Writes RTP packets into a caller-provided buffer without allocating.

use super::extension::{ONE_BYTE_PROFILE, TWO_BYTE_PROFILE_PREFIX};
use super::packet::FIXED_HEADER_LEN;
use crate::error::BuildError;
use crate::wire::Cursor;

/// One RFC 8285 extension element to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionElement<'a> {
    pub id: u8,
    pub value: &'a [u8],
}

/// Which header extension to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Extensions<'a> {
    #[default]
    None,
    /// RFC 8285 one-byte form (0xBEDE): ids 1..=14, values 1..=16 bytes.
    OneByte(&'a [ExtensionElement<'a>]),
    /// RFC 8285 two-byte form (0x1000 | appbits): ids 1..=255, values
    /// 0..=255 bytes.
    TwoByte {
        appbits: u8,
        elements: &'a [ExtensionElement<'a>],
    },
    /// Any other profile; `data` must be a multiple of 4 bytes.
    Raw { profile: u16, data: &'a [u8] },
}

/// Everything needed to write one RTP packet. Write with
/// [`RtpBuilder::write`]; the result parses back to the same fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RtpBuilder<'a> {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence_number: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    /// At most 15.
    pub csrcs: &'a [u32],
    pub extensions: Extensions<'a>,
    pub payload: &'a [u8],
    /// Padding bytes to append, count byte included (0 = no padding).
    pub padding_len: u8,
}

impl RtpBuilder<'_> {
    /// Bytes in the extension block after its 4-byte header, before
    /// rounding up to a multiple of 4.
    fn extension_body_len(&self) -> Result<usize, BuildError> {
        match self.extensions {
            Extensions::None => Ok(0),
            Extensions::OneByte(elements) => {
                let mut n = 0;
                for e in elements {
                    if !(1..=14).contains(&e.id) {
                        return Err(BuildError::InvalidField {
                            field: "extension id",
                            reason: "one-byte form allows ids 1..=14",
                        });
                    }
                    if !(1..=16).contains(&e.value.len()) {
                        return Err(BuildError::InvalidField {
                            field: "extension value",
                            reason: "one-byte form allows 1..=16 bytes",
                        });
                    }
                    n += 1 + e.value.len();
                }
                Ok(n)
            }
            Extensions::TwoByte { appbits, elements } => {
                if appbits > 0x0F {
                    return Err(BuildError::InvalidField {
                        field: "extension appbits",
                        reason: "4 bits",
                    });
                }
                let mut n = 0;
                for e in elements {
                    if e.id == 0 {
                        return Err(BuildError::InvalidField {
                            field: "extension id",
                            reason: "id 0 is padding",
                        });
                    }
                    if e.value.len() > 255 {
                        return Err(BuildError::InvalidField {
                            field: "extension value",
                            reason: "two-byte form allows 0..=255 bytes",
                        });
                    }
                    n += 2 + e.value.len();
                }
                Ok(n)
            }
            Extensions::Raw { data, .. } => {
                if !data.len().is_multiple_of(4) {
                    return Err(BuildError::InvalidField {
                        field: "extension data",
                        reason: "must be a multiple of 4 bytes",
                    });
                }
                Ok(data.len())
            }
        }
    }

    /// Header length in bytes (fixed header, CSRCs, extension).
    pub fn header_len(&self) -> Result<usize, BuildError> {
        if self.csrcs.len() > 15 {
            return Err(BuildError::InvalidField {
                field: "csrcs",
                reason: "at most 15",
            });
        }
        let ext = match self.extensions {
            Extensions::None => 0,
            _ => {
                let words = self.extension_body_len()?.div_ceil(4);
                if words > usize::from(u16::MAX) {
                    return Err(BuildError::TooLarge);
                }
                4 + 4 * words
            }
        };
        Ok(FIXED_HEADER_LEN + 4 * self.csrcs.len() + ext)
    }

    /// Total packet length in bytes.
    pub fn encoded_len(&self) -> Result<usize, BuildError> {
        Ok(self.header_len()? + self.payload.len() + usize::from(self.padding_len))
    }

    /// Writes the packet to the start of `out` and returns its length.
    pub fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        if self.payload_type > 0x7F {
            return Err(BuildError::InvalidField {
                field: "payload type",
                reason: "7 bits",
            });
        }
        let header_len = self.header_len()?;
        let total = self.encoded_len()?;
        let mut w = Cursor::new(out);
        w.ensure(total)?;
        let has_ext = !matches!(self.extensions, Extensions::None);
        // csrcs.len() ≤ 15 was checked by header_len().
        let cc = self.csrcs.len() as u8;
        w.u8(0x80 | (u8::from(self.padding_len > 0) << 5) | (u8::from(has_ext) << 4) | cc)?;
        w.u8((u8::from(self.marker) << 7) | self.payload_type)?;
        w.u16(self.sequence_number)?;
        w.u32(self.timestamp)?;
        w.u32(self.ssrc)?;
        for &csrc in self.csrcs {
            w.u32(csrc)?;
        }
        if has_ext {
            let words = (header_len - w.pos() - 4) / 4;
            let profile = match self.extensions {
                Extensions::OneByte(_) => ONE_BYTE_PROFILE,
                Extensions::TwoByte { appbits, .. } => TWO_BYTE_PROFILE_PREFIX | u16::from(appbits),
                Extensions::Raw { profile, .. } => profile,
                Extensions::None => 0,
            };
            w.u16(profile)?;
            w.u16(u16::try_from(words).map_err(|_| BuildError::TooLarge)?)?;
            match self.extensions {
                Extensions::OneByte(elements) => {
                    for e in elements {
                        // len-1 fits 4 bits: checked by extension_body_len().
                        w.u8((e.id << 4) | (e.value.len() as u8 - 1))?;
                        w.bytes(e.value)?;
                    }
                }
                Extensions::TwoByte { elements, .. } => {
                    for e in elements {
                        w.u8(e.id)?;
                        w.u8(e.value.len() as u8)?;
                        w.bytes(e.value)?;
                    }
                }
                Extensions::Raw { data, .. } => w.bytes(data)?,
                Extensions::None => {}
            }
            // Pad the extension block to a 32-bit boundary with zero bytes.
            w.zeros(header_len - w.pos())?;
        }
        w.bytes(self.payload)?;
        if self.padding_len > 0 {
            w.zeros(usize::from(self.padding_len) - 1)?;
            w.u8(self.padding_len)?;
        }
        Ok(w.pos())
    }
}
