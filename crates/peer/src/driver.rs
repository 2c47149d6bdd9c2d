//! Minimal tokio UDP driver (placeholder).
