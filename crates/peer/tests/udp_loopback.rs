//! Placeholder until the loopback test lands.
