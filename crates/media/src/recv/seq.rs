//! RTP sequence numbers extended to 64 bits, so ordering and distances need no wrap logic.

/// Turns 16-bit sequence numbers into a monotonic 64-bit space (RFC 3550 A.1 style): each
/// number is placed at the extended value closest to the highest one seen so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct SequenceUnwrapper {
    highest: Option<u64>,
}

/// Where the extended space starts, so early reordering can go below the first number
/// without underflow.
const ORIGIN: u64 = 1 << 32;

impl SequenceUnwrapper {
    /// Extended value of `sequence`; the highest seen moves forward only.
    pub fn unwrap(&mut self, sequence: u16) -> u64 {
        let extended = self.peek(sequence);
        if self.highest.is_none_or(|h| extended > h) {
            self.highest = Some(extended);
        }
        extended
    }

    /// Extended value of `sequence` without recording it.
    pub fn peek(&self, sequence: u16) -> u64 {
        match self.highest {
            None => ORIGIN + u64::from(sequence),
            Some(highest) => {
                // Signed 16-bit distance from the highest: within half the space either way.
                let delta = i64::from(sequence.wrapping_sub(highest as u16) as i16);
                highest.saturating_add_signed(delta)
            }
        }
    }

    /// Forgets the history (after a resynchronisation).
    pub fn reset(&mut self) {
        self.highest = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_forward_and_places_reordered_numbers_behind() {
        let mut u = SequenceUnwrapper::default();
        let a = u.unwrap(65534);
        assert_eq!(u.unwrap(65535), a + 1);
        assert_eq!(u.unwrap(1), a + 3);
        // 0 arrives late: behind 1, after 65535.
        assert_eq!(u.unwrap(0), a + 2);
        assert_eq!(u.unwrap(2), a + 4);
        // Half a space back is behind, not ahead.
        assert_eq!(u.peek(2u16.wrapping_sub(0x7fff)), a + 4 - 0x7fff);
    }
}
