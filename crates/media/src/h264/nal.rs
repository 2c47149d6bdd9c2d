//! NAL unit headers (ITU-T H.264 §7.3.1) and Annex B byte-stream splitting.

/// NAL unit types used by the payload format and the frame bookkeeping.
pub mod nal_type {
    pub const NON_IDR_SLICE: u8 = 1;
    pub const IDR_SLICE: u8 = 5;
    pub const SEI: u8 = 6;
    pub const SPS: u8 = 7;
    pub const PPS: u8 = 8;
    pub const AUD: u8 = 9;
    /// RFC 6184 aggregation packet, single-time aggregation.
    pub const STAP_A: u8 = 24;
    /// RFC 6184 fragmentation unit, non-interleaved.
    pub const FU_A: u8 = 28;
}

/// The low five bits of a NAL unit header byte.
pub fn nal_unit_type(header: u8) -> u8 {
    header & 0x1f
}

/// Annex B start code this crate writes before every NAL unit.
pub const START_CODE: [u8; 4] = [0, 0, 0, 1];

/// Splits an Annex B byte stream into NAL units (without start codes). Accepts three- and
/// four-byte start codes; bytes before the first start code are skipped.
pub fn split_annex_b(stream: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = skip_to_payload(stream);
    std::iter::from_fn(move || {
        let current = rest?;
        match find_start_code(current) {
            Some((nal_end, next_start)) => {
                rest = Some(&current[next_start..]);
                Some(trim_trailing_zeros(&current[..nal_end]))
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
    .filter(|nal| !nal.is_empty())
}

/// The stream after its first start code, or `None` if it has none.
fn skip_to_payload(stream: &[u8]) -> Option<&[u8]> {
    find_start_code(stream).map(|(_, start)| &stream[start..])
}

/// Position of the first `00 00 01` and of the byte following it.
fn find_start_code(data: &[u8]) -> Option<(usize, usize)> {
    data.windows(3)
        .position(|w| w == [0, 0, 1])
        .map(|pos| (pos, pos + 3))
}

/// A four-byte start code leaves a zero at the end of the previous NAL; trailing zeros are
/// never part of a NAL unit (its last byte holds the rbsp stop bit).
fn trim_trailing_zeros(nal: &[u8]) -> &[u8] {
    let end = nal.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    &nal[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_three_and_four_byte_start_codes() {
        let stream = [
            0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5,
        ];
        let nals: Vec<&[u8]> = split_annex_b(&stream).collect();
        assert_eq!(
            nals,
            vec![&[0x67, 1, 2][..], &[0x68, 3][..], &[0x65, 4, 5][..]]
        );
    }

    #[test]
    fn no_start_code_means_no_nal() {
        assert_eq!(split_annex_b(&[0x65, 1, 2]).count(), 0);
        assert_eq!(split_annex_b(&[]).count(), 0);
        assert_eq!(split_annex_b(&[0, 0, 1]).count(), 0);
    }

    #[test]
    fn header_type_bits() {
        assert_eq!(nal_unit_type(0x67), nal_type::SPS);
        assert_eq!(nal_unit_type(0x7c), nal_type::FU_A);
        assert_eq!(nal_unit_type(0x18), nal_type::STAP_A);
    }
}
