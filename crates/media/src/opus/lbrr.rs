//! Does an Opus packet carry in-band FEC (SILK LBRR data) for the packet before it?
//!
//! A receiver that lost packet N decodes it from packet N+1's LBRR data only when
//! N+1 has some; otherwise the decoder falls back to loss concealment, and those
//! samples must count as concealed. The answer is in the first range-coded
//! symbols of the SILK layer (RFC 6716 §4.2.3: the VAD flags of each SILK frame,
//! then the LBRR flag, per channel), read here with the RFC 6716 §4.1 range decoder.

/// The first Opus frame of `packet` (RFC 6716 §3.2), where a next packet's FEC for
/// the previous one lives. `None` when the packet is malformed or of a framing we
/// do not pick apart (code 3); callers then assume no FEC.
fn first_frame(packet: &[u8]) -> Option<&[u8]> {
    let toc = *packet.first()?;
    match toc & 0x3 {
        // One frame, or two of equal size: the first starts after the TOC.
        0 | 1 => packet.get(1..),
        // Two frames, the first's length coded in one or two bytes.
        2 => {
            let b0 = usize::from(*packet.get(1)?);
            let (len, start): (usize, usize) = if b0 < 252 {
                (b0, 2)
            } else {
                (b0 + 4 * usize::from(*packet.get(2)?), 3)
            };
            packet.get(start..start.checked_add(len)?)
        }
        _ => None,
    }
}

/// The RFC 6716 §4.1 range decoder, just far enough to read single bits.
struct RangeDecoder<'a> {
    data: &'a [u8],
    pos: usize,
    rng: u32,
    val: u32,
    rem: u32,
}

impl<'a> RangeDecoder<'a> {
    fn new(data: &'a [u8]) -> Self {
        let mut d = RangeDecoder {
            data,
            pos: 0,
            rng: 128,
            val: 0,
            rem: 0,
        };
        d.rem = d.read_byte();
        d.val = 127 - (d.rem >> 1);
        d.normalize();
        d
    }

    fn read_byte(&mut self) -> u32 {
        // Past the end the decoder reads zeros (RFC 6716 §4.1.1).
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        u32::from(b)
    }

    fn normalize(&mut self) {
        while self.rng <= 1 << 23 {
            self.rng <<= 8;
            let previous = self.rem;
            self.rem = self.read_byte();
            let sym = ((previous << 8) | self.rem) >> 1;
            self.val = ((self.val << 8) + (255 & !sym)) & ((1 << 31) - 1);
        }
    }

    /// A symbol of probability 1/2: `ec_dec_bit_logp(1)`.
    fn bit(&mut self) -> bool {
        let s = self.rng >> 1;
        let one = self.val < s;
        if one {
            self.rng = s;
        } else {
            self.val -= s;
            self.rng -= s;
        }
        self.normalize();
        one
    }
}

/// True when `packet` carries LBRR (in-band FEC) data: SILK-only or hybrid mode
/// with the LBRR flag of a channel set. CELT-only packets never carry it.
pub fn carries_lbrr(packet: &[u8]) -> bool {
    let Some(&toc) = packet.first() else {
        return false;
    };
    let config = toc >> 3;
    let silk_frames = match config {
        // SILK-only: 10, 20, 40, 60 ms → 1, 1, 2, 3 SILK frames.
        0..=11 => match config % 4 {
            2 => 2,
            3 => 3,
            _ => 1,
        },
        // Hybrid: 10 or 20 ms, one SILK frame.
        12..=15 => 1,
        _ => return false,
    };
    let channels = if toc & 0x4 != 0 { 2 } else { 1 };
    let Some(frame) = first_frame(packet).filter(|f| !f.is_empty()) else {
        return false;
    };
    let mut dec = RangeDecoder::new(frame);
    let mut lbrr = false;
    for _ in 0..channels {
        for _ in 0..silk_frames {
            dec.bit(); // VAD flag of that SILK frame
        }
        lbrr |= dec.bit();
    }
    lbrr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn celt_only_and_malformed_packets_carry_none() {
        assert!(!carries_lbrr(&[]));
        assert!(!carries_lbrr(&[16 << 3, 0xff, 0xff])); // CELT-only config 16
        assert!(!carries_lbrr(&[(1 << 3) | 3, 1, 2, 3])); // code 3: not picked apart
        assert!(!carries_lbrr(&[(1 << 3) | 2, 252])); // truncated length
        assert!(!carries_lbrr(&[1 << 3])); // SILK TOC with no frame
    }

    #[test]
    fn the_first_bits_are_read_as_the_range_decoder_defines_them() {
        // Worked by hand: bytes 0xFF normalize to rng = 2^31, val = 0, and a symbol
        // of probability 1/2 is 1 when val < rng/2: VAD 1, then LBRR 1.
        assert!(carries_lbrr(&[1 << 3, 0xff, 0xff, 0xff]));
        // Bytes 0x00 normalize to val = 2^31 - 1 ≥ rng/2: VAD 0, then LBRR 0.
        assert!(!carries_lbrr(&[1 << 3, 0x00, 0x00, 0x00]));
    }
}
