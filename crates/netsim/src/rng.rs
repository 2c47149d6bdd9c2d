//! A small deterministic PRNG: xoshiro256** seeded through splitmix64.
//!
//! Own implementation so the simulator has no dependencies and its output
//! for a given seed never changes with a dependency upgrade.

/// xoshiro256** (Blackman & Vigna), seeded with splitmix64 so that any
/// `u64` seed (including 0) gives a well-mixed, non-zero state.
#[derive(Debug, Clone)]
pub struct SimRng {
    state: [u64; 4],
}

/// One splitmix64 step: advances `x` and returns the next output.
fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SimRng {
    /// Seeds the generator; equal seeds give equal sequences.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let state = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Self { state }
    }

    /// Next 64 uniformly distributed bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p` (p <= 0 never, p >= 1 always).
    pub fn chance(&mut self, p: f64) -> bool {
        // Always draw, so the random stream does not depend on `p`.
        let draw = self.next_f64();
        draw < p
    }

    /// Uniform integer in [0, bound] (inclusive), by 128-bit multiply-shift
    /// (Lemire); the bias is below 2^-64 * bound, negligible here.
    pub fn below_inclusive(&mut self, bound: u64) -> u64 {
        let span = u128::from(bound) + 1;
        ((u128::from(self.next_u64()) * span) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_reference_vector() {
        // Reference outputs of splitmix64 seeded with 0 (from the
        // algorithm's published C code).
        let mut x = 0u64;
        assert_eq!(splitmix64(&mut x), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut x), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn next_f64_is_in_unit_interval_and_mean_is_half() {
        let mut rng = SimRng::new(7);
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let v = rng.next_f64();
            assert!((0.0..1.0).contains(&v));
            sum += v;
        }
        // sd of the mean = sqrt(1/12 / n) ~ 0.00091; 5 sigma.
        assert!((sum / n as f64 - 0.5).abs() < 0.0046);
    }

    #[test]
    fn below_inclusive_reaches_both_ends() {
        let mut rng = SimRng::new(3);
        let mut seen = [false; 4];
        for _ in 0..1000 {
            let v = rng.below_inclusive(3);
            seen[v as usize] = true;
        }
        assert_eq!(seen, [true; 4]);
    }
}
