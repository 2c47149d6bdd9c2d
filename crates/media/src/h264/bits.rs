//! Bit reader over a NAL unit payload (RBSP) that drops emulation-prevention bytes on the fly,
//! with the Exp-Golomb codes of ITU-T H.264 §9.1. Every read is bounds-checked.

pub struct RbspReader<'a> {
    data: &'a [u8],
    /// Next byte of `data` to load.
    pos: usize,
    /// Zero bytes just loaded, to spot `00 00 03`.
    zeros: u8,
    current: u8,
    /// Bits of `current` not yet consumed.
    bits_left: u8,
}

impl<'a> RbspReader<'a> {
    /// `data` is the NAL unit after its header byte.
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            zeros: 0,
            current: 0,
            bits_left: 0,
        }
    }

    fn load(&mut self) -> Option<()> {
        let mut byte = *self.data.get(self.pos)?;
        self.pos += 1;
        if self.zeros >= 2 && byte == 3 {
            // Emulation prevention byte: not part of the RBSP.
            byte = *self.data.get(self.pos)?;
            self.pos += 1;
            self.zeros = 0;
        }
        self.zeros = if byte == 0 {
            self.zeros.saturating_add(1)
        } else {
            0
        };
        self.current = byte;
        self.bits_left = 8;
        Some(())
    }

    pub fn bit(&mut self) -> Option<bool> {
        if self.bits_left == 0 {
            self.load()?;
        }
        self.bits_left -= 1;
        Some(self.current >> self.bits_left & 1 == 1)
    }

    /// `count` ≤ 32 bits, most significant first.
    pub fn bits(&mut self, count: u32) -> Option<u32> {
        if count > 32 {
            return None;
        }
        let mut value = 0u64;
        for _ in 0..count {
            value = value << 1 | u64::from(self.bit()?);
        }
        u32::try_from(value).ok()
    }

    pub fn skip(&mut self, count: u32) -> Option<()> {
        for _ in 0..count {
            self.bit()?;
        }
        Some(())
    }

    /// ue(v). Codes longer than 32 bits are refused.
    pub fn ue(&mut self) -> Option<u32> {
        let mut leading_zeros = 0u32;
        while !self.bit()? {
            leading_zeros += 1;
            if leading_zeros > 31 {
                return None;
            }
        }
        let suffix = u64::from(self.bits(leading_zeros)?);
        u32::try_from((1u64 << leading_zeros) - 1 + suffix).ok()
    }

    /// se(v).
    pub fn se(&mut self) -> Option<i32> {
        let code = i64::from(self.ue()?);
        let magnitude = (code + 1) / 2;
        i32::try_from(if code % 2 == 1 { magnitude } else { -magnitude }).ok()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Writes RBSP bits; test-only, so readers are checked against an independent encoder.
    #[derive(Default)]
    pub struct BitWriter {
        pub bytes: Vec<u8>,
        bit_count: usize,
    }

    impl BitWriter {
        pub fn bit(&mut self, bit: bool) {
            if self.bit_count.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if bit {
                let last = self.bytes.len() - 1;
                self.bytes[last] |= 0x80 >> (self.bit_count % 8);
            }
            self.bit_count += 1;
        }
        pub fn bits(&mut self, value: u32, count: u32) {
            for i in (0..count).rev() {
                self.bit(value >> i & 1 == 1);
            }
        }
        pub fn ue(&mut self, value: u32) {
            let code = u64::from(value) + 1;
            let len = 64 - code.leading_zeros();
            self.bits(0, len - 1);
            for i in (0..len).rev() {
                self.bit(code >> i & 1 == 1);
            }
        }
        pub fn se(&mut self, value: i32) {
            let code = if value > 0 { 2 * value - 1 } else { -2 * value };
            self.ue(code as u32);
        }
        /// rbsp_trailing_bits, then emulation prevention as an encoder would insert it.
        pub fn finish(mut self) -> Vec<u8> {
            self.bit(true);
            let mut out = Vec::new();
            let mut zeros = 0;
            for byte in self.bytes {
                if zeros >= 2 && byte <= 3 {
                    out.push(3);
                    zeros = 0;
                }
                zeros = if byte == 0 { zeros + 1 } else { 0 };
                out.push(byte);
            }
            out
        }
    }

    #[test]
    fn exp_golomb_table_9_2() {
        // ue: 1 -> 0, 010 -> 1, 011 -> 2, 00100 -> 3; se: 1 -> 0, 010 -> 1, 011 -> -1.
        let mut r = RbspReader::new(&[0b1010_0110, 0b0100_0000]);
        assert_eq!(r.ue(), Some(0));
        assert_eq!(r.ue(), Some(1));
        assert_eq!(r.ue(), Some(2));
        assert_eq!(r.ue(), Some(3));
        let mut r = RbspReader::new(&[0b1010_0110]);
        assert_eq!(r.se(), Some(0));
        assert_eq!(r.se(), Some(1));
        assert_eq!(r.se(), Some(-1));
    }

    #[test]
    fn emulation_prevention_bytes_are_skipped() {
        let mut r = RbspReader::new(&[0, 0, 3, 1, 0xff]);
        assert_eq!(r.bits(24), Some(1));
        assert_eq!(r.bits(8), Some(0xff));
        assert_eq!(r.bit(), None);
    }

    #[test]
    fn writer_and_reader_agree_and_overlong_codes_fail() {
        let mut w = BitWriter::default();
        for v in [0u32, 1, 7, 255, 65_535, u32::MAX - 1] {
            w.ue(v);
        }
        w.se(-300);
        let bytes = w.finish();
        let mut r = RbspReader::new(&bytes);
        for v in [0u32, 1, 7, 255, 65_535, u32::MAX - 1] {
            assert_eq!(r.ue(), Some(v));
        }
        assert_eq!(r.se(), Some(-300));
        assert_eq!(RbspReader::new(&[0; 8]).ue(), None);
        assert_eq!(RbspReader::new(&[]).bit(), None);
    }
}
