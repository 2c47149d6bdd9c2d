//! SRTP and SRTCP (RFC 3711, RFC 7714) for rtcscope, on RustCrypto.
//!
//! Profiles: SRTP_AES128_CM_HMAC_SHA1_80 and SRTP_AEAD_AES_128_GCM. An
//! [`SrtpContext`] holds the session keys of one master key and per-SSRC
//! state (rollover counter, replay windows, SRTCP index); packets are
//! protected and unprotected in place in the caller's buffer, with no
//! allocation per packet.

mod context;
mod error;
mod header;
mod kdf;
mod keying;
mod profile;
mod replay;
mod stats;
mod transform;

pub use context::{DEFAULT_MAX_STREAMS, SrtpConfig, SrtpContext};
pub use error::SrtpError;
pub use kdf::{SessionKeySet, SessionKeys};
pub use keying::DtlsSrtpKeys;
pub use profile::SrtpProfile;
pub use replay::{REPLAY_WINDOW_SIZE, ReplayCheck, ReplayWindow, estimate_rtp_index};
pub use stats::SrtpStats;
