//! RFC 6184 packetization mode 1 (non-interleaved): NAL units that fit the payload size go
//! alone (§5.6), runs of small ones are aggregated into STAP-A (§5.7.1) — this is how SPS and
//! PPS travel — and larger ones are split into FU-A fragments (§5.8) of near-equal size.
//! The marker bit goes on the last packet of the access unit (§5.1).

use super::nal::nal_type;

/// STAP-A header byte.
const STAP_A_HEADER: usize = 1;
/// Each aggregated NAL unit is preceded by its 16-bit size.
const STAP_A_SIZE_FIELD: usize = 2;
/// FU indicator and FU header.
const FU_A_HEADER: usize = 2;
const FU_START: u8 = 0x80;
const FU_END: u8 = 0x40;
/// Smallest payload size that lets FU-A make progress (two header bytes and one data byte).
pub const MIN_PAYLOAD_SIZE: usize = FU_A_HEADER + 1;

/// Splits access units into RTP payloads no larger than `max_payload_size`.
#[derive(Debug, Clone)]
pub struct H264Packetizer {
    max_payload_size: usize,
    /// Reused for STAP-A and FU-A payloads, which cannot point into the NAL unit.
    scratch: Vec<u8>,
}

impl H264Packetizer {
    /// `max_payload_size` is the room for the RTP payload (MTU minus IP, UDP, RTP, SRTP and
    /// extension overhead); it is clamped to [`MIN_PAYLOAD_SIZE`]..=65535.
    pub fn new(max_payload_size: usize) -> Self {
        // Above 65535 the STAP-A size field could not describe an aggregated unit.
        let max_payload_size = max_payload_size.clamp(MIN_PAYLOAD_SIZE, usize::from(u16::MAX));
        Self {
            max_payload_size,
            scratch: Vec::with_capacity(max_payload_size),
        }
    }

    pub fn max_payload_size(&self) -> usize {
        self.max_payload_size
    }

    /// Packetizes one access unit (NAL units without start codes, in decoding order) and
    /// calls `emit(payload, marker)` for each RTP payload in order. Single NAL unit payloads
    /// are the caller's own bytes; the others are built in a reused buffer, so nothing is
    /// allocated per packet. Empty NAL units are skipped. Returns the number of payloads.
    pub fn packetize<'a, I, F>(&mut self, nal_units: I, mut emit: F) -> usize
    where
        I: IntoIterator<Item = &'a [u8]>,
        F: FnMut(&[u8], bool),
    {
        let mut nals = nal_units
            .into_iter()
            .filter(|nal| !nal.is_empty())
            .peekable();
        let mut count = 0;
        while let Some(nal) = nals.next() {
            if nal.len() > self.max_payload_size {
                count += self.fragment(nal, nals.peek().is_none(), &mut emit);
                continue;
            }
            // Aggregate as many following small NAL units as fit alongside this one.
            let aggregated_size = STAP_A_HEADER + STAP_A_SIZE_FIELD + nal.len();
            let fits_next = |next: &&[u8], size: usize| {
                size + STAP_A_SIZE_FIELD + next.len() <= self.max_payload_size
            };
            if !nals
                .peek()
                .is_some_and(|next| fits_next(next, aggregated_size))
            {
                emit(nal, nals.peek().is_none());
                count += 1;
                continue;
            }
            self.scratch.clear();
            self.scratch.push(0);
            let mut size = aggregated_size;
            let (mut nri, mut forbidden) = (0u8, 0u8);
            let mut push = |scratch: &mut Vec<u8>, unit: &[u8]| {
                nri = nri.max(unit[0] & 0x60);
                forbidden |= unit[0] & 0x80;
                scratch.extend_from_slice(&(unit.len() as u16).to_be_bytes());
                scratch.extend_from_slice(unit);
            };
            push(&mut self.scratch, nal);
            while let Some(next) = nals.next_if(|next| fits_next(next, size)) {
                size += STAP_A_SIZE_FIELD + next.len();
                push(&mut self.scratch, next);
            }
            // F is the OR and NRI the maximum of the aggregated units (RFC 6184 §5.7.1).
            self.scratch[0] = forbidden | nri | nal_type::STAP_A;
            emit(&self.scratch, nals.peek().is_none());
            count += 1;
        }
        count
    }

    fn fragment<F: FnMut(&[u8], bool)>(
        &mut self,
        nal: &[u8],
        last_nal: bool,
        emit: &mut F,
    ) -> usize {
        let header = nal[0];
        let data = &nal[1..];
        let room = self.max_payload_size - FU_A_HEADER;
        let fragments = data.len().div_ceil(room);
        // Equal sizes (the first ones one byte larger) rather than full fragments and a
        // runt, so no packet is much smaller than the rest.
        let base = data.len() / fragments;
        let larger = data.len() % fragments;
        let mut offset = 0;
        for index in 0..fragments {
            let len = base + usize::from(index < larger);
            let mut fu_header = header & 0x1f;
            if index == 0 {
                fu_header |= FU_START;
            }
            if index + 1 == fragments {
                fu_header |= FU_END;
            }
            self.scratch.clear();
            self.scratch.push(header & 0xe0 | nal_type::FU_A);
            self.scratch.push(fu_header);
            self.scratch.extend_from_slice(&data[offset..offset + len]);
            offset += len;
            emit(&self.scratch, last_nal && index + 1 == fragments);
        }
        fragments
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(packetizer: &mut H264Packetizer, nals: &[&[u8]]) -> Vec<(Vec<u8>, bool)> {
        let mut out = Vec::new();
        let count = packetizer.packetize(nals.iter().copied(), |p, m| out.push((p.to_vec(), m)));
        assert_eq!(count, out.len());
        out
    }

    #[test]
    fn small_nal_units_are_aggregated_into_one_stap_a() {
        let sps = [0x67, 0x42, 0xc0, 0x1f];
        let pps = [0x68, 0xce, 0x3c, 0x80];
        let idr = [0x65, 1, 2, 3];
        let out = collect(&mut H264Packetizer::new(1200), &[&sps, &pps, &idr]);
        // RFC 6184 figure 7 layout: header, then size + unit for each.
        let expected = [
            0x78, 0, 4, 0x67, 0x42, 0xc0, 0x1f, 0, 4, 0x68, 0xce, 0x3c, 0x80, 0, 4, 0x65, 1, 2, 3,
        ];
        assert_eq!(out, vec![(expected.to_vec(), true)]);
    }

    #[test]
    fn a_unit_that_fits_alone_goes_as_a_single_nal_packet() {
        let small = [0x41, 9, 9];
        let big = vec![0x41; 100];
        let out = collect(&mut H264Packetizer::new(100), &[&small, &big]);
        // small + big would need 1 + 2 + 3 + 2 + 100 bytes: too many to aggregate.
        assert_eq!(out, vec![(small.to_vec(), false), (big.clone(), true)]);
    }

    #[test]
    fn large_units_are_split_into_balanced_fu_a_fragments() {
        // Header 0x65 (NRI 3, IDR) and 2500 data bytes at payload size 1200: room 1198 per
        // fragment, so 3 fragments of 834, 833, 833.
        let mut nal = vec![0x65];
        nal.extend((0..2500u32).map(|i| i as u8));
        let out = collect(&mut H264Packetizer::new(1200), &[&nal]);
        let sizes: Vec<usize> = out.iter().map(|(p, _)| p.len() - 2).collect();
        assert_eq!(sizes, vec![834, 833, 833]);
        assert_eq!(out[0].0[..2], [0x7c, 0x85]);
        assert_eq!(out[1].0[..2], [0x7c, 0x05]);
        assert_eq!(out[2].0[..2], [0x7c, 0x45]);
        let markers: Vec<bool> = out.iter().map(|(_, m)| *m).collect();
        assert_eq!(markers, vec![false, false, true]);
        let mut joined = vec![0x65];
        for (p, _) in &out {
            joined.extend_from_slice(&p[2..]);
        }
        assert_eq!(joined, nal);
        assert!(out.iter().all(|(p, _)| p.len() <= 1200));
    }

    #[test]
    fn empty_units_are_skipped_and_tiny_sizes_raised() {
        let mut packetizer = H264Packetizer::new(0);
        assert_eq!(packetizer.max_payload_size(), MIN_PAYLOAD_SIZE);
        let out = collect(&mut packetizer, &[&[], &[0x41, 1, 2]]);
        assert_eq!(out, vec![(vec![0x41, 1, 2], true)]);
        let out = collect(&mut packetizer, &[&[0x41, 1, 2, 3]]);
        assert_eq!(out.len(), 3, "one data byte per FU-A packet");
        assert_eq!(collect(&mut packetizer, &[]), vec![]);
    }
}
