//! Deterministic simulated network for rtcscope tests and `rtcscope simulate`.
//!
//! Links run on simulated time: every call takes the current `Instant`
//! from the caller, and all randomness comes from a seed, so a scenario is
//! reproducible bit for bit. Impairments: random loss (independent or
//! bursty Gilbert-Elliott), fixed one-way delay, uniform jitter (which can
//! reorder), duplication and a bandwidth cap with a drop-tail byte queue.
//! Every [`Link::send`] returns a [`SendVerdict`], so tests know exactly
//! which packets were dropped.

mod config;
mod link;
mod path;
mod rng;

pub use config::{ConfigError, LinkConfig, LossModel};
pub use link::{Link, LinkCounters, SendVerdict};
pub use path::{Path, Side};
pub use rng::SimRng;
