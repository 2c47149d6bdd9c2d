//! Transport-wide sequence numbers: the RTP header extension value and
//! unwrapping the 16-bit wire value into a monotonic 64-bit one.

/// URI of the transport-wide sequence number RTP header extension
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
pub const TRANSPORT_CC_URI: &str =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

/// The 2-byte extension value carrying `seq` (network order).
#[inline]
pub fn encode_transport_seq(seq: u16) -> [u8; 2] {
    seq.to_be_bytes()
}

/// The sequence number in an extension value; `None` unless exactly 2 bytes.
#[inline]
pub fn decode_transport_seq(value: &[u8]) -> Option<u16> {
    let bytes: [u8; 2] = value.try_into().ok()?;
    Some(u16::from_be_bytes(bytes))
}

/// Unwraps 16-bit sequence numbers relative to the previous one: the
/// result is the 64-bit value nearest to the last result.
#[derive(Debug, Clone, Copy, Default)]
pub struct SeqUnwrapper {
    last: Option<i64>,
}

impl SeqUnwrapper {
    /// Extended value of `seq`.
    #[inline]
    pub fn unwrap(&mut self, seq: u16) -> i64 {
        let ext = match self.last {
            None => i64::from(seq),
            Some(last) => {
                // The signed 16-bit difference picks the nearest candidate.
                let diff = seq.wrapping_sub(last as u16) as i16;
                last + i64::from(diff)
            }
        };
        self.last = Some(ext);
        ext
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwraps_across_the_16_bit_boundary_and_backwards() {
        let mut u = SeqUnwrapper::default();
        assert_eq!(u.unwrap(65534), 65534);
        assert_eq!(u.unwrap(65535), 65535);
        assert_eq!(u.unwrap(0), 65536);
        assert_eq!(u.unwrap(3), 65539);
        // A reordered older packet maps behind, not 65536 ahead.
        assert_eq!(u.unwrap(65535), 65535);
        assert_eq!(u.unwrap(1), 65537);
    }

    #[test]
    fn extension_value_is_two_bytes_big_endian() {
        assert_eq!(encode_transport_seq(0x1234), [0x12, 0x34]);
        assert_eq!(decode_transport_seq(&[0xAB, 0xCD]), Some(0xABCD));
        assert_eq!(decode_transport_seq(&[1]), None);
        assert_eq!(decode_transport_seq(&[1, 2, 3]), None);
    }
}
