//! RFC 8285 header extension elements (one-byte and two-byte forms).

use crate::error::RtpError;
use crate::wire::u8_at;

/// "defined by profile" value of the one-byte form.
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;
/// The two-byte form is 0x100 followed by 4 "appbits": 0x1000..=0x100F.
pub const TWO_BYTE_PROFILE_PREFIX: u16 = 0x1000;
pub const TWO_BYTE_PROFILE_MASK: u16 = 0xFFF0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    OneByte,
    TwoByte,
    /// Not an RFC 8285 profile: elements are opaque.
    Other,
}

impl Form {
    pub(crate) fn of(profile: u16) -> Form {
        if profile == ONE_BYTE_PROFILE {
            Form::OneByte
        } else if profile & TWO_BYTE_PROFILE_MASK == TWO_BYTE_PROFILE_PREFIX {
            Form::TwoByte
        } else {
            Form::Other
        }
    }
}

/// One element found in the block, and where the next one may start.
struct Element<'a> {
    id: u8,
    value: &'a [u8],
    next: usize,
}

/// Next element at `pos`: `Ok(None)` at the end. Padding bytes (0) are
/// skipped; in the one-byte form ID 15 ends processing (RFC 8285 §4.2).
#[inline]
fn next_element(form: Form, data: &[u8], mut pos: usize) -> Result<Option<Element<'_>>, RtpError> {
    match form {
        Form::Other => Ok(None),
        Form::OneByte => {
            while pos < data.len() {
                let b = u8_at(data, pos);
                let id = b >> 4;
                if id == 0 {
                    // Padding; a non-zero length nibble is ignored, as
                    // libwebrtc does.
                    pos += 1;
                    continue;
                }
                if id == 15 {
                    return Ok(None);
                }
                let len = usize::from(b & 0x0F) + 1;
                let start = pos + 1;
                let value = data
                    .get(start..start + len)
                    .ok_or(RtpError::ExtensionElementOverrun { id })?;
                return Ok(Some(Element {
                    id,
                    value,
                    next: start + len,
                }));
            }
            Ok(None)
        }
        Form::TwoByte => {
            while pos < data.len() {
                let id = u8_at(data, pos);
                if id == 0 {
                    pos += 1;
                    continue;
                }
                if pos + 1 >= data.len() {
                    return Err(RtpError::ExtensionElementOverrun { id });
                }
                let len = usize::from(u8_at(data, pos + 1));
                let start = pos + 2;
                let value = data
                    .get(start..start + len)
                    .ok_or(RtpError::ExtensionElementOverrun { id })?;
                return Ok(Some(Element {
                    id,
                    value,
                    next: start + len,
                }));
            }
            Ok(None)
        }
    }
}

/// Walks every element once; used by the parser so that iteration over a
/// parsed packet cannot fail.
pub(crate) fn validate(form: Form, data: &[u8]) -> Result<(), RtpError> {
    let mut pos = 0;
    while let Some(element) = next_element(form, data, pos)? {
        pos = element.next;
    }
    Ok(())
}

/// Iterator over `(id, value)` header extension elements of a parsed packet.
/// Empty for packets without an extension or with a non-RFC 8285 profile.
#[derive(Debug, Clone)]
pub struct ExtensionIter<'a> {
    form: Form,
    data: &'a [u8],
    pos: usize,
}

impl<'a> ExtensionIter<'a> {
    pub(crate) fn new(form: Form, data: &'a [u8]) -> Self {
        ExtensionIter { form, data, pos: 0 }
    }
}

impl<'a> Iterator for ExtensionIter<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        // The block was validated at parse time; an error here is
        // unreachable but would simply end iteration.
        match next_element(self.form, self.data, self.pos) {
            Ok(Some(e)) => {
                self.pos = e.next;
                Some((e.id, e.value))
            }
            _ => {
                self.pos = self.data.len();
                None
            }
        }
    }
}
