//! Deterministic random source for the sans-IO agent.
//!
//! The agent has no access to the OS, so the caller hands it a 32-byte seed (the tokio
//! driver takes it from the OS; tests use fixed seeds for reproducibility). Output is
//! HMAC-SHA1(seed, counter): a PRF in counter mode, unpredictable to anyone who does not
//! know the seed, which is what transaction ids, tie-breakers and credentials need.

use hmac::{KeyInit, Mac};

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

pub(crate) struct Rng {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 20],
    used: usize,
}

impl Rng {
    pub(crate) fn new(seed: [u8; 32]) -> Rng {
        Rng {
            seed,
            counter: 0,
            block: [0; 20],
            used: 20,
        }
    }

    fn refill(&mut self) {
        // HMAC accepts keys of any length, so this cannot fail; fall back to a plain
        // counter block rather than panicking if it ever did.
        match HmacSha1::new_from_slice(&self.seed) {
            Ok(mut mac) => {
                mac.update(&self.counter.to_be_bytes());
                self.block.copy_from_slice(&mac.finalize().into_bytes());
            }
            Err(_) => {
                self.block = [0; 20];
                self.block[..8].copy_from_slice(&self.counter.to_be_bytes());
            }
        }
        self.counter = self.counter.wrapping_add(1);
        self.used = 0;
    }

    pub(crate) fn fill(&mut self, out: &mut [u8]) {
        for b in out {
            if self.used == self.block.len() {
                self.refill();
            }
            *b = self.block[self.used];
            self.used += 1;
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        u64::from_be_bytes(b)
    }

    /// Uniform-ish value in `0..bound` (bound > 0); the modulo bias is negligible for the
    /// small bounds used here.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        self.next_u64() % bound
    }

    /// A string of `len` ICE characters (RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/").
    pub(crate) fn ice_string(&mut self, len: usize) -> String {
        const ICE_CHARS: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        (0..len)
            .map(|_| char::from(ICE_CHARS[self.below(ICE_CHARS.len() as u64) as usize]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_different_seed_different_stream() {
        let mut a = Rng::new([1; 32]);
        let mut b = Rng::new([1; 32]);
        let mut c = Rng::new([2; 32]);
        let (x, y, z) = (a.next_u64(), b.next_u64(), c.next_u64());
        assert_eq!(x, y);
        assert_ne!(x, z);
        let s = a.ice_string(24);
        assert_eq!(s.len(), 24);
        assert!(
            s.bytes()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == b'+' || ch == b'/')
        );
    }
}
