//! Bounds-checked big-endian readers and a write cursor.
//!
//! Every read goes through `slice::get`, so a logic error can at worst yield
//! a zero value, never a panic. Parsers validate lengths up front, so the
//! fallback values are never observed on validated views.

use crate::error::BuildError;

#[inline]
pub(crate) fn u8_at(buf: &[u8], off: usize) -> u8 {
    buf.get(off).copied().unwrap_or(0)
}

#[inline]
pub(crate) fn u16_at(buf: &[u8], off: usize) -> u16 {
    match buf.get(off..off.wrapping_add(2)) {
        Some(&[a, b]) => u16::from_be_bytes([a, b]),
        _ => 0,
    }
}

#[inline]
pub(crate) fn u24_at(buf: &[u8], off: usize) -> u32 {
    match buf.get(off..off.wrapping_add(3)) {
        Some(&[a, b, c]) => u32::from_be_bytes([0, a, b, c]),
        _ => 0,
    }
}

#[inline]
pub(crate) fn u32_at(buf: &[u8], off: usize) -> u32 {
    match buf.get(off..off.wrapping_add(4)) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => 0,
    }
}

#[inline]
pub(crate) fn u64_at(buf: &[u8], off: usize) -> u64 {
    (u64::from(u32_at(buf, off)) << 32) | u64::from(u32_at(buf, off.wrapping_add(4)))
}

/// Sequential writer over a caller-provided buffer. Callers check the total
/// size once (`ensure`) before writing, but every write is still checked so
/// that a size-computation bug becomes an error rather than a panic.
pub(crate) struct Cursor<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> Cursor<'b> {
    #[inline]
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    /// Fails unless `needed` bytes fit in the buffer.
    #[inline]
    pub(crate) fn ensure(&self, needed: usize) -> Result<(), BuildError> {
        if self.buf.len() < needed {
            Err(BuildError::BufferTooSmall {
                needed,
                available: self.buf.len(),
            })
        } else {
            Ok(())
        }
    }

    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) fn bytes(&mut self, data: &[u8]) -> Result<(), BuildError> {
        let end = self
            .pos
            .checked_add(data.len())
            .ok_or(BuildError::TooLarge)?;
        let available = self.buf.len();
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(BuildError::BufferTooSmall {
                needed: end,
                available,
            })?;
        dst.copy_from_slice(data);
        self.pos = end;
        Ok(())
    }

    #[inline]
    pub(crate) fn u8(&mut self, v: u8) -> Result<(), BuildError> {
        self.bytes(&[v])
    }

    #[inline]
    pub(crate) fn u16(&mut self, v: u16) -> Result<(), BuildError> {
        self.bytes(&v.to_be_bytes())
    }

    #[inline]
    pub(crate) fn u24(&mut self, v: u32) -> Result<(), BuildError> {
        let b = v.to_be_bytes();
        self.bytes(&[b[1], b[2], b[3]])
    }

    #[inline]
    pub(crate) fn u32(&mut self, v: u32) -> Result<(), BuildError> {
        self.bytes(&v.to_be_bytes())
    }

    #[inline]
    pub(crate) fn u64(&mut self, v: u64) -> Result<(), BuildError> {
        self.bytes(&v.to_be_bytes())
    }

    #[inline]
    pub(crate) fn zeros(&mut self, n: usize) -> Result<(), BuildError> {
        for _ in 0..n {
            self.u8(0)?;
        }
        Ok(())
    }
}
