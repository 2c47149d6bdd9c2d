//! RFC 8285 header extension elements (one-byte and two-byte forms).

use crate::error::RtpError;

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
    #[inline]
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

/// Next element at `pos`: `Ok(None)` at the end. Padding bytes (id 0) are
/// skipped; in the one-byte form ID 15 ends processing (RFC 8285 §4.2).
#[inline(always)]
fn next_element(form: Form, data: &[u8], mut pos: usize) -> Result<Option<Element<'_>>, RtpError> {
    match form {
        Form::Other => Ok(None),
        Form::OneByte => {
            while let Some(&b) = data.get(pos) {
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
                let start = pos + 1;
                let end = start + usize::from(b & 0x0F) + 1;
                let value = data
                    .get(start..end)
                    .ok_or(RtpError::ExtensionElementOverrun { id })?;
                return Ok(Some(Element {
                    id,
                    value,
                    next: end,
                }));
            }
            Ok(None)
        }
        Form::TwoByte => {
            while let Some(&id) = data.get(pos) {
                if id == 0 {
                    pos += 1;
                    continue;
                }
                let len = data
                    .get(pos + 1)
                    .ok_or(RtpError::ExtensionElementOverrun { id })?;
                let start = pos + 2;
                let end = start + usize::from(*len);
                let value = data
                    .get(start..end)
                    .ok_or(RtpError::ExtensionElementOverrun { id })?;
                return Ok(Some(Element {
                    id,
                    value,
                    next: end,
                }));
            }
            Ok(None)
        }
    }
}

/// Walks every element once; used by the parser so that iteration over a
/// parsed packet cannot fail.
#[inline]
pub(crate) fn validate(form: Form, data: &[u8]) -> Result<(), RtpError> {
    let mut pos = 0;
    while let Some(element) = next_element(form, data, pos)? {
        pos = element.next;
    }
    Ok(())
}

/// Value of the first element with `id` (a plain loop: this is on the
/// per-packet path, e.g. for the transport-wide sequence number).
#[inline]
pub(crate) fn find(form: Form, data: &[u8], id: u8) -> Option<&[u8]> {
    let mut pos = 0;
    while let Ok(Some(element)) = next_element(form, data, pos) {
        if element.id == id {
            return Some(element.value);
        }
        pos = element.next;
    }
    None
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

    #[inline]
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
