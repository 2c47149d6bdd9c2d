//! RFC 3550 Appendix A.8 interarrival jitter, kept in RTP timestamp units.

/// The A.8 estimator: for consecutive packets i-1, i in arrival order,
/// `D = (R_i - R_{i-1}) - (S_i - S_{i-1})` in RTP units (R = arrival time
/// converted to RTP units, S = RTP timestamp) and `J += (|D| - J) / 16`.
/// Transit times are taken modulo 2^32 so timestamp wraps cancel out.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterEstimator {
    last_transit: Option<u32>,
    jitter: f64,
}

impl JitterEstimator {
    /// A fresh estimator (jitter 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one packet: its arrival time in RTP units (any origin, wrapping)
    /// and its RTP timestamp.
    pub fn update(&mut self, arrival_rtp: u32, rtp_timestamp: u32) {
        let transit = arrival_rtp.wrapping_sub(rtp_timestamp);
        if let Some(last) = self.last_transit {
            // The difference of two transits, read as signed 32 bits.
            let d = transit.wrapping_sub(last) as i32;
            let abs_d = f64::from(d.unsigned_abs());
            self.jitter += (abs_d - self.jitter) / 16.0;
        }
        self.last_transit = Some(transit);
    }

    /// Current estimate in RTP timestamp units.
    pub fn rtp_units(&self) -> f64 {
        self.jitter
    }

    /// The RR jitter field (RTP units, truncated to an integer).
    pub fn report_field(&self) -> u32 {
        // Saturating float-to-int conversion; jitter is never negative.
        self.jitter as u32
    }

    /// Current estimate in seconds, as webrtc-stats reports it.
    pub fn seconds(&self, clock_rate: u32) -> f64 {
        if clock_rate == 0 {
            return 0.0;
        }
        self.jitter / f64::from(clock_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_sequence() {
        // 8 kHz clock, 20 ms packets (160 units). Arrival offsets from the
        // ideal schedule in units: 0, +40, +10, +10, -20 (a packet early).
        // Transits (R - S): 1000, 1040, 1010, 1010, 980.
        // D: 40, -30, 0, -30 -> |D|: 40, 30, 0, 30.
        // J1 = 0 + (40 - 0)/16          = 2.5
        // J2 = 2.5 + (30 - 2.5)/16      = 4.21875
        // J3 = 4.21875 + (0 - 4.21875)/16 = 3.955078125
        // J4 = 3.955078125 + (30 - 3.955078125)/16 = 5.58288574...
        let sends = [0u32, 160, 320, 480, 640];
        let offsets = [0i64, 40, 10, 10, -20];
        let mut j = JitterEstimator::new();
        let mut seen = Vec::new();
        for (s, o) in sends.iter().zip(offsets) {
            let arrival = (i64::from(*s) + 1000 + o) as u32;
            j.update(arrival, *s);
            seen.push(j.rtp_units());
        }
        let j4 = 3.955_078_125 + (30.0 - 3.955_078_125) / 16.0;
        assert_eq!(seen, vec![0.0, 2.5, 4.218_75, 3.955_078_125, j4]);
        assert_eq!(j.report_field(), 5);
        assert!((j.seconds(8000) - j4 / 8000.0).abs() < 1e-15);
    }

    #[test]
    fn timestamp_and_arrival_wraps_cancel() {
        // Same schedule as above, but the RTP timestamp and arrival clock
        // both wrap through 2^32 mid-sequence.
        let base = u32::MAX - 300;
        let mut wrapped = JitterEstimator::new();
        let mut plain = JitterEstimator::new();
        for (k, o) in [0i64, 40, 10, 10, -20].iter().enumerate() {
            let s = 160 * k as u32;
            let arrival = (i64::from(s) + 1000 + o) as u32;
            plain.update(arrival, s);
            wrapped.update(arrival.wrapping_add(base), s.wrapping_add(base));
        }
        assert_eq!(plain, wrapped);
    }
}
