//! H.264 `profile-level-id` (RFC 6184 section 8.1): which offered H.264
//! formats our constrained-baseline encoder/decoder can use.

/// The profiles of RFC 6184 table 5 that libwebrtc distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H264Profile {
    ConstrainedBaseline,
    Baseline,
    Main,
    ConstrainedHigh,
    High,
    Other,
}

/// The three bytes of `profile-level-id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileLevelId {
    pub profile_idc: u8,
    pub profile_iop: u8,
    pub level_idc: u8,
}

impl ProfileLevelId {
    /// Constrained Baseline level 3.1, what Chrome writes as `42e01f`.
    pub const CONSTRAINED_BASELINE_3_1: ProfileLevelId = ProfileLevelId {
        profile_idc: 0x42,
        profile_iop: 0xe0,
        level_idc: 0x1f,
    };

    /// Six hex digits, either case.
    pub fn parse(text: &str) -> Option<ProfileLevelId> {
        if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let value = u32::from_str_radix(text, 16).ok()?;
        let [_, profile_idc, profile_iop, level_idc] = value.to_be_bytes();
        Some(ProfileLevelId {
            profile_idc,
            profile_iop,
            level_idc,
        })
    }

    /// Lowercase, as libwebrtc writes it.
    pub fn to_hex(self) -> String {
        format!(
            "{:02x}{:02x}{:02x}",
            self.profile_idc, self.profile_iop, self.level_idc
        )
    }

    /// RFC 6184 table 5 (the bit patterns libwebrtc's h264_profile_level_id uses).
    pub fn profile(self) -> H264Profile {
        let iop = self.profile_iop;
        // Reserved low four bits must be zero for every profile below.
        let low_zero = iop & 0x0f == 0;
        match self.profile_idc {
            0x42 if low_zero && iop & 0x40 != 0 => H264Profile::ConstrainedBaseline,
            0x42 if low_zero => H264Profile::Baseline,
            0x4d if low_zero && iop & 0x80 != 0 => H264Profile::ConstrainedBaseline,
            0x4d if low_zero => H264Profile::Main,
            0x58 if low_zero && iop & 0xc0 == 0xc0 => H264Profile::ConstrainedBaseline,
            0x58 if low_zero && iop & 0xc0 == 0x80 => H264Profile::Baseline,
            0x64 if iop == 0x00 => H264Profile::High,
            0x64 if iop == 0x0c => H264Profile::ConstrainedHigh,
            _ => H264Profile::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_of_rfc_6184_table_5() {
        // (profile-level-id, profile) worked out by hand from the table's bit patterns.
        let table = [
            ("42e01f", H264Profile::ConstrainedBaseline), // iop 1110 0000: x1xx0000
            ("42c01f", H264Profile::ConstrainedBaseline), // iop 1100 0000
            ("42401f", H264Profile::ConstrainedBaseline), // iop 0100 0000
            ("42001f", H264Profile::Baseline),            // iop 0000 0000: x0xx0000
            ("42801f", H264Profile::Baseline),            // iop 1000 0000
            ("4d801f", H264Profile::ConstrainedBaseline), // main with constraint_set0
            ("4d001f", H264Profile::Main),
            ("58c01f", H264Profile::ConstrainedBaseline), // extended 11xx0000
            ("58801f", H264Profile::Baseline),            // extended 10xx0000
            ("640c1f", H264Profile::ConstrainedHigh),
            ("64001f", H264Profile::High),
            ("42e11f", H264Profile::Other), // reserved low bits set
            ("f4001f", H264Profile::Other),
        ];
        for (hex, profile) in table {
            assert_eq!(
                ProfileLevelId::parse(hex).unwrap().profile(),
                profile,
                "{hex}"
            );
        }
    }

    #[test]
    fn parse_and_print() {
        let id = ProfileLevelId::parse("42E01F").unwrap();
        assert_eq!(id, ProfileLevelId::CONSTRAINED_BASELINE_3_1);
        assert_eq!(id.to_hex(), "42e01f");
        assert_eq!(id.level_idc, 31);
        for bad in ["", "42e01", "42e01f0", "42g01f", "+2e01f"] {
            assert_eq!(ProfileLevelId::parse(bad), None, "{bad}");
        }
    }
}
