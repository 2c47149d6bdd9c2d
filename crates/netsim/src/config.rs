//! Link configuration: what impairments a [`crate::Link`] applies.

use std::fmt;
use std::time::Duration;

/// How packets are lost on a link.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum LossModel {
    /// No random loss.
    #[default]
    None,
    /// Each packet is lost independently with probability `p`.
    Bernoulli {
        /// Loss probability in [0, 1].
        p: f64,
    },
    /// Two-state Gilbert-Elliott channel, stepped once per packet: from the
    /// good state the channel moves to bad with probability `p`, from bad
    /// back to good with probability `r`; a packet is then lost with
    /// `loss_good` / `loss_bad` depending on the state it finds. With
    /// `loss_good = 0`, `loss_bad = 1` (the Gilbert model) loss bursts last
    /// 1/r packets on average and the long-run loss rate is p / (p + r).
    GilbertElliott {
        /// P(good -> bad) per packet.
        p: f64,
        /// P(bad -> good) per packet.
        r: f64,
        /// Loss probability in the good state.
        loss_good: f64,
        /// Loss probability in the bad state.
        loss_bad: f64,
    },
}

impl LossModel {
    /// Long-run fraction of packets lost (stationary distribution).
    pub fn expected_loss_rate(&self) -> f64 {
        match *self {
            LossModel::None => 0.0,
            LossModel::Bernoulli { p } => p,
            LossModel::GilbertElliott {
                p,
                r,
                loss_good,
                loss_bad,
            } => {
                if p + r == 0.0 {
                    // Never leaves the (initial) good state.
                    return loss_good;
                }
                let bad = p / (p + r);
                bad * loss_bad + (1.0 - bad) * loss_good
            }
        }
    }

    fn probabilities(&self) -> [(&'static str, f64); 4] {
        match *self {
            LossModel::None => [("", 0.0); 4],
            LossModel::Bernoulli { p } => [("loss p", p), ("", 0.0), ("", 0.0), ("", 0.0)],
            LossModel::GilbertElliott {
                p,
                r,
                loss_good,
                loss_bad,
            } => [
                ("gilbert-elliott p", p),
                ("gilbert-elliott r", r),
                ("loss_good", loss_good),
                ("loss_bad", loss_bad),
            ],
        }
    }
}

/// Impairments of one direction of a simulated link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkConfig {
    /// Random loss model.
    pub loss: LossModel,
    /// Fixed one-way propagation delay.
    pub delay: Duration,
    /// Each packet gets an independent extra delay uniform in [0, jitter];
    /// packets closer together than `jitter` can therefore be reordered.
    pub jitter: Duration,
    /// Probability that a delivered packet is delivered twice (the copy
    /// draws its own jitter, so it may even arrive first).
    pub duplicate: f64,
    /// Bottleneck rate in bits per second; `None` = infinitely fast.
    pub bandwidth_bps: Option<u64>,
    /// Drop-tail limit of the bottleneck queue in bytes (the packet being
    /// serialized counts until it has fully left). Unused without a cap.
    pub queue_bytes: usize,
}

impl Default for LinkConfig {
    /// A perfect link: no loss, no delay, no cap (64 KiB queue if one is set).
    fn default() -> Self {
        Self {
            loss: LossModel::None,
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            duplicate: 0.0,
            bandwidth_bps: None,
            queue_bytes: 64 * 1024,
        }
    }
}

/// Why a [`LinkConfig`] was rejected.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// A probability was NaN or outside [0, 1].
    ProbabilityOutOfRange {
        /// Which parameter.
        name: &'static str,
        /// The offending value.
        value: f64,
    },
    /// `bandwidth_bps` was `Some(0)`: nothing could ever be sent.
    ZeroBandwidth,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ProbabilityOutOfRange { name, value } => {
                write!(f, "{name} = {value} is not a probability in [0, 1]")
            }
            ConfigError::ZeroBandwidth => write!(f, "bandwidth cap of 0 bit/s"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl LinkConfig {
    /// Checks that every probability is in [0, 1] and the cap is non-zero.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let dup = ("duplicate", self.duplicate);
        for (name, value) in self.loss.probabilities().into_iter().chain([dup]) {
            if !(0.0..=1.0).contains(&value) {
                return Err(ConfigError::ProbabilityOutOfRange { name, value });
            }
        }
        if self.bandwidth_bps == Some(0) {
            return Err(ConfigError::ZeroBandwidth);
        }
        Ok(())
    }
}
