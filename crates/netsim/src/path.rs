//! Two-way path: an A -> B link and a B -> A link.

use std::time::Instant;

use crate::config::{ConfigError, LinkConfig};
use crate::link::Link;

/// Which endpoint of a [`Path`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Endpoint A.
    A,
    /// Endpoint B.
    B,
}

/// Two independent links between endpoints A and B, each with its own
/// random stream derived from one seed.
#[derive(Debug)]
pub struct Path<T> {
    /// Packets sent by A, received by B.
    pub a_to_b: Link<T>,
    /// Packets sent by B, received by A.
    pub b_to_a: Link<T>,
}

impl<T: Clone> Path<T> {
    /// Same impairments in both directions.
    pub fn symmetric(config: LinkConfig, seed: u64) -> Result<Self, ConfigError> {
        Self::new(config.clone(), config, seed)
    }

    /// Different impairments per direction.
    pub fn new(a_to_b: LinkConfig, b_to_a: LinkConfig, seed: u64) -> Result<Self, ConfigError> {
        // Distinct but seed-determined streams per direction (the odd
        // constant is the golden-ratio increment used by splitmix64).
        let seed_back = seed ^ 0x9E37_79B9_7F4A_7C15;
        Ok(Self {
            a_to_b: Link::new(a_to_b, seed)?,
            b_to_a: Link::new(b_to_a, seed_back)?,
        })
    }

    /// The link on which `from` sends.
    pub fn link_from(&mut self, from: Side) -> &mut Link<T> {
        match from {
            Side::A => &mut self.a_to_b,
            Side::B => &mut self.b_to_a,
        }
    }

    /// The earliest arrival in either direction.
    pub fn next_delivery(&self) -> Option<Instant> {
        match (self.a_to_b.next_delivery(), self.b_to_a.next_delivery()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next due packet in either direction, with the side receiving it.
    /// Arrivals due at the same time are taken in time order across both
    /// directions (ties go to B's receptions first).
    pub fn poll_receive(&mut self, now: Instant) -> Option<(Side, T)> {
        let to_b = self.a_to_b.next_delivery().filter(|t| *t <= now);
        let to_a = self.b_to_a.next_delivery().filter(|t| *t <= now);
        match (to_b, to_a) {
            (Some(tb), Some(ta)) if ta < tb => self.b_to_a.poll_receive(now).map(|p| (Side::A, p)),
            (Some(_), _) => self.a_to_b.poll_receive(now).map(|p| (Side::B, p)),
            (None, Some(_)) => self.b_to_a.poll_receive(now).map(|p| (Side::A, p)),
            (None, None) => None,
        }
    }
}
