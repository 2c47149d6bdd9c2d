//! Reads the quantiser of each slice from its header (ITU-T H.264 §7.3.3), which needs the
//! fields of the active SPS and PPS that shape the header. openh264 reports no QP, and
//! libwebrtc fills qpSum for H.264 the same way, by parsing the bitstream.
//!
//! Parameter sets are kept in fixed tables indexed by their ids (32 SPS, 256 PPS, the ranges
//! the standard allows), so hostile streams cannot grow memory.

use super::bits::RbspReader;
use super::nal::{nal_type, nal_unit_type};

#[derive(Debug, Clone, Copy, Default)]
struct Sps {
    chroma_array_type: u32,
    separate_colour_plane: bool,
    log2_max_frame_num: u32,
    pic_order_cnt_type: u32,
    log2_max_poc_lsb: u32,
    delta_pic_order_always_zero: bool,
    frame_mbs_only: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Pps {
    sps_id: usize,
    entropy_coding_mode: bool,
    bottom_field_pic_order_in_frame_present: bool,
    num_ref_idx_l0_default_minus1: u32,
    num_ref_idx_l1_default_minus1: u32,
    weighted_pred: bool,
    weighted_bipred_idc: u32,
    pic_init_qp: i32,
    redundant_pic_cnt_present: bool,
}

const MAX_SPS: usize = 32;
const MAX_PPS: usize = 256;
/// H.264 allows at most 32 reference indices per list.
const MAX_REF_IDX: u32 = 32;

/// Tracks SPS/PPS and yields the QP of slices.
pub struct SliceQpParser {
    sps: [Option<Sps>; MAX_SPS],
    pps: Box<[Option<Pps>; MAX_PPS]>,
}

impl Default for SliceQpParser {
    fn default() -> Self {
        Self {
            sps: [None; MAX_SPS],
            pps: Box::new([None; MAX_PPS]),
        }
    }
}

impl SliceQpParser {
    /// Feeds one NAL unit (header byte first, no start code). Parameter sets are stored;
    /// for a slice, its QP (0..=51) is returned if its parameter sets are known and the
    /// header parses.
    pub fn observe(&mut self, nal: &[u8]) -> Option<u8> {
        let (&header, payload) = nal.split_first()?;
        let kind = nal_unit_type(header);
        let nal_ref_idc = header >> 5 & 3;
        match kind {
            nal_type::SPS => {
                if let Some((id, sps)) = parse_sps(payload) {
                    self.sps[id] = Some(sps);
                }
                None
            }
            nal_type::PPS => {
                if let Some((id, pps)) = parse_pps(payload) {
                    self.pps[id] = Some(pps);
                }
                None
            }
            nal_type::NON_IDR_SLICE | nal_type::IDR_SLICE => {
                self.slice_qp(payload, kind == nal_type::IDR_SLICE, nal_ref_idc != 0)
            }
            _ => None,
        }
    }

    fn slice_qp(&self, payload: &[u8], idr: bool, reference: bool) -> Option<u8> {
        let mut r = RbspReader::new(payload);
        r.ue()?; // first_mb_in_slice
        let slice_type = r.ue()? % 5;
        let (p, b, i, sp, si) = (
            slice_type == 0,
            slice_type == 1,
            slice_type == 2,
            slice_type == 3,
            slice_type == 4,
        );
        let pps = (*self.pps.get(usize::try_from(r.ue()?).ok()?)?)?;
        let sps = self.sps.get(pps.sps_id).copied().flatten()?;
        if sps.separate_colour_plane {
            r.skip(2)?;
        }
        r.skip(sps.log2_max_frame_num)?; // frame_num
        let mut field_pic = false;
        if !sps.frame_mbs_only {
            field_pic = r.bit()?;
            if field_pic {
                r.skip(1)?;
            }
        }
        if idr {
            r.ue()?; // idr_pic_id
        }
        if sps.pic_order_cnt_type == 0 {
            r.skip(sps.log2_max_poc_lsb)?;
            if pps.bottom_field_pic_order_in_frame_present && !field_pic {
                r.se()?;
            }
        }
        if sps.pic_order_cnt_type == 1 && !sps.delta_pic_order_always_zero {
            r.se()?;
            if pps.bottom_field_pic_order_in_frame_present && !field_pic {
                r.se()?;
            }
        }
        if pps.redundant_pic_cnt_present {
            r.ue()?;
        }
        if b {
            r.skip(1)?; // direct_spatial_mv_pred_flag
        }
        let mut refs_l0 = pps.num_ref_idx_l0_default_minus1;
        let mut refs_l1 = pps.num_ref_idx_l1_default_minus1;
        if (p || sp || b) && r.bit()? {
            refs_l0 = r.ue()?;
            if b {
                refs_l1 = r.ue()?;
            }
        }
        if refs_l0 >= MAX_REF_IDX || refs_l1 >= MAX_REF_IDX {
            return None;
        }
        if !i && !si {
            skip_ref_pic_list_modification(&mut r)?;
            if b {
                skip_ref_pic_list_modification(&mut r)?;
            }
        }
        if (pps.weighted_pred && (p || sp)) || (pps.weighted_bipred_idc == 1 && b) {
            r.ue()?; // luma_log2_weight_denom
            if sps.chroma_array_type != 0 {
                r.ue()?;
            }
            skip_weights(&mut r, refs_l0, sps.chroma_array_type != 0)?;
            if b {
                skip_weights(&mut r, refs_l1, sps.chroma_array_type != 0)?;
            }
        }
        if reference {
            if idr {
                r.skip(2)?;
            } else if r.bit()? {
                // adaptive_ref_pic_marking: each operation consumes bits, so the loop ends
                // when the data does.
                loop {
                    let op = r.ue()?;
                    match op {
                        0 => break,
                        1 | 3 | 2 | 6 | 4 => {
                            r.ue()?;
                            if op == 3 {
                                r.ue()?;
                            }
                        }
                        5 => {}
                        _ => return None,
                    }
                }
            }
        }
        if pps.entropy_coding_mode && !i && !si {
            r.ue()?; // cabac_init_idc
        }
        let qp = pps.pic_init_qp.checked_add(r.se()?)?;
        u8::try_from(qp).ok().filter(|&q| q <= 51)
    }
}

fn skip_ref_pic_list_modification(r: &mut RbspReader<'_>) -> Option<()> {
    if r.bit()? {
        loop {
            match r.ue()? {
                3 => break,
                0..=2 => {
                    r.ue()?;
                }
                _ => return None,
            }
        }
    }
    Some(())
}

fn skip_weights(r: &mut RbspReader<'_>, refs_minus1: u32, chroma: bool) -> Option<()> {
    for _ in 0..=refs_minus1 {
        if r.bit()? {
            r.se()?;
            r.se()?;
        }
        if chroma && r.bit()? {
            for _ in 0..4 {
                r.se()?;
            }
        }
    }
    Some(())
}

fn parse_sps(payload: &[u8]) -> Option<(usize, Sps)> {
    let mut r = RbspReader::new(payload);
    let profile_idc = r.bits(8)?;
    r.skip(16)?; // constraint flags, level_idc
    let id = usize::try_from(r.ue()?).ok().filter(|&id| id < MAX_SPS)?;
    let mut sps = Sps {
        chroma_array_type: 1,
        ..Sps::default()
    };
    if matches!(
        profile_idc,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    ) {
        let chroma_format_idc = r.ue()?;
        if chroma_format_idc == 3 {
            sps.separate_colour_plane = r.bit()?;
        }
        sps.chroma_array_type = if sps.separate_colour_plane {
            0
        } else {
            chroma_format_idc
        };
        r.ue()?; // bit_depth_luma_minus8
        r.ue()?; // bit_depth_chroma_minus8
        r.skip(1)?; // qpprime_y_zero_transform_bypass_flag
        if r.bit()? {
            let lists = if chroma_format_idc == 3 { 12 } else { 8 };
            for list in 0..lists {
                if r.bit()? {
                    skip_scaling_list(&mut r, if list < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    sps.log2_max_frame_num = r.ue()?.checked_add(4).filter(|&v| v <= 16)?;
    sps.pic_order_cnt_type = r.ue()?;
    match sps.pic_order_cnt_type {
        0 => sps.log2_max_poc_lsb = r.ue()?.checked_add(4).filter(|&v| v <= 16)?,
        1 => {
            sps.delta_pic_order_always_zero = r.bit()?;
            r.se()?;
            r.se()?;
            let cycle = r.ue()?;
            if cycle > 255 {
                return None;
            }
            for _ in 0..cycle {
                r.se()?;
            }
        }
        2 => {}
        _ => return None,
    }
    r.ue()?; // max_num_ref_frames
    r.skip(1)?; // gaps_in_frame_num_value_allowed_flag
    r.ue()?; // pic_width_in_mbs_minus1
    r.ue()?; // pic_height_in_map_units_minus1
    sps.frame_mbs_only = r.bit()?;
    Some((id, sps))
}

fn skip_scaling_list(r: &mut RbspReader<'_>, size: usize) -> Option<()> {
    let (mut last, mut next) = (8i32, 8i32);
    for _ in 0..size {
        if next != 0 {
            next = (last + r.se()? + 256).rem_euclid(256);
        }
        if next != 0 {
            last = next;
        }
    }
    Some(())
}

fn parse_pps(payload: &[u8]) -> Option<(usize, Pps)> {
    let mut r = RbspReader::new(payload);
    let id = usize::try_from(r.ue()?).ok().filter(|&id| id < MAX_PPS)?;
    let sps_id = usize::try_from(r.ue()?).ok().filter(|&id| id < MAX_SPS)?;
    let entropy_coding_mode = r.bit()?;
    let bottom_field_pic_order_in_frame_present = r.bit()?;
    if r.ue()? != 0 {
        // Slice groups (FMO) are a Baseline-only feature no WebRTC encoder uses.
        return None;
    }
    let pps = Pps {
        sps_id,
        entropy_coding_mode,
        bottom_field_pic_order_in_frame_present,
        num_ref_idx_l0_default_minus1: r.ue()?,
        num_ref_idx_l1_default_minus1: r.ue()?,
        weighted_pred: r.bit()?,
        weighted_bipred_idc: r.bits(2)?,
        pic_init_qp: 26 + r.se()?,
        redundant_pic_cnt_present: {
            r.se()?; // pic_init_qs_minus26
            r.se()?; // chroma_qp_index_offset
            r.skip(2)?; // deblocking_filter_control_present, constrained_intra_pred
            r.bit()?
        },
    };
    Some((id, pps))
}

#[cfg(test)]
mod tests {
    use super::super::bits::tests::BitWriter;
    use super::*;

    /// Constrained Baseline SPS 0: frame_num 4 bits... written field by field.
    fn baseline_sps() -> Vec<u8> {
        let mut w = BitWriter::default();
        w.bits(66, 8); // profile_idc Baseline
        w.bits(0xc0, 8); // constraint_set0/1
        w.bits(31, 8); // level 3.1
        w.ue(0); // sps id
        w.ue(0); // log2_max_frame_num_minus4 -> 4 bits
        w.ue(0); // poc type 0
        w.ue(2); // log2_max_poc_lsb_minus4 -> 6 bits
        w.ue(1); // max_num_ref_frames
        w.bit(false);
        w.ue(39); // 640 px
        w.ue(29); // 480 px
        w.bit(true); // frame_mbs_only
        w.bit(false); // direct_8x8_inference
        w.bit(false); // cropping
        w.bit(false); // vui
        let mut nal = vec![0x67];
        nal.extend(w.finish());
        nal
    }

    fn pps(pic_init_qp_minus26: i32) -> Vec<u8> {
        let mut w = BitWriter::default();
        w.ue(0); // pps id
        w.ue(0); // sps id
        w.bit(false); // CAVLC
        w.bit(false);
        w.ue(0); // one slice group
        w.ue(0);
        w.ue(0);
        w.bit(false); // weighted_pred
        w.bits(0, 2);
        w.se(pic_init_qp_minus26);
        w.se(0);
        w.se(0);
        w.bit(true); // deblocking_filter_control_present
        w.bit(false);
        w.bit(false); // redundant_pic_cnt_present
        let mut nal = vec![0x68];
        nal.extend(w.finish());
        nal
    }

    fn p_slice(frame_num: u32, slice_qp_delta: i32, marking_ops: &[(u32, u32)]) -> Vec<u8> {
        let mut w = BitWriter::default();
        w.ue(0); // first_mb
        w.ue(5); // P, all slices of the picture P
        w.ue(0); // pps
        w.bits(frame_num, 4);
        w.bits(frame_num * 2, 6); // poc lsb
        w.bit(true); // num_ref_idx_active_override
        w.ue(0);
        w.bit(true); // ref_pic_list_modification_flag_l0
        w.ue(0);
        w.ue(4); // abs_diff_pic_num_minus1
        w.ue(3);
        w.bit(!marking_ops.is_empty()); // adaptive_ref_pic_marking_mode_flag
        for &(op, arg) in marking_ops {
            w.ue(op);
            w.ue(arg);
        }
        if !marking_ops.is_empty() {
            w.ue(0);
        }
        w.se(slice_qp_delta);
        w.ue(0); // disable_deblocking_filter_idc (after the QP; must not matter)
        let mut nal = vec![0x61];
        nal.extend(w.finish());
        nal
    }

    fn idr_slice(slice_qp_delta: i32) -> Vec<u8> {
        let mut w = BitWriter::default();
        w.ue(0);
        w.ue(7); // I
        w.ue(0);
        w.bits(0, 4);
        w.ue(3); // idr_pic_id
        w.bits(0, 6);
        w.bits(0, 2); // no_output_of_prior_pics, long_term_reference
        w.se(slice_qp_delta);
        let mut nal = vec![0x65];
        nal.extend(w.finish());
        nal
    }

    #[test]
    fn qp_is_pic_init_qp_plus_slice_delta() {
        let mut parser = SliceQpParser::default();
        assert_eq!(parser.observe(&idr_slice(0)), None, "no parameter sets yet");
        assert_eq!(parser.observe(&baseline_sps()), None);
        assert_eq!(parser.observe(&pps(-4)), None);
        assert_eq!(parser.observe(&idr_slice(-2)), Some(20));
        assert_eq!(parser.observe(&p_slice(1, 7, &[])), Some(29));
        assert_eq!(parser.observe(&p_slice(2, -22, &[(1, 0), (2, 5)])), Some(0));
        // A new PPS with the same id replaces the old one.
        parser.observe(&pps(10));
        assert_eq!(parser.observe(&p_slice(3, 15, &[])), Some(51));
        assert_eq!(
            parser.observe(&p_slice(3, 16, &[])),
            None,
            "QP 52 is out of range"
        );
    }

    #[test]
    fn truncated_and_garbage_headers_yield_none() {
        let mut parser = SliceQpParser::default();
        parser.observe(&baseline_sps());
        parser.observe(&pps(0));
        let slice = p_slice(1, 3, &[]);
        assert_eq!(parser.observe(&slice), Some(29));
        for len in 0..slice.len() - 1 {
            let _ = parser.observe(&slice[..len]);
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            let mut nal = [0u8; 24];
            for byte in &mut nal {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *byte = seed as u8;
            }
            if let Some(qp) = parser.observe(&nal) {
                assert!(qp <= 51);
            }
        }
    }
}
