//! SRTP and SRTCP (RFC 3711, RFC 7714, RFC 6188 KDF) for rtcscope, on RustCrypto.
//!
//! Profiles: SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AEAD_AES_128_GCM and
//! SRTP_AEAD_AES_256_GCM. An
//! [`SrtpContext`] holds the session keys of one master key and per-SSRC
//! state (rollover counter, replay windows, SRTCP index); packets are
//! protected and unprotected in place in the caller's buffer, with no
//! allocation per packet.
//!
//! ```
//! use rtcscope_srtp::{SrtpContext, SrtpProfile};
//!
//! let profile = SrtpProfile::from_id(0x0007).unwrap();
//! let (key, salt) = ([1u8; 16], [2u8; 12]);
//! let mut sender = SrtpContext::new(profile, &key, &salt)?;
//! let mut receiver = SrtpContext::new(profile, &key, &salt)?;
//!
//! // RTP header (V=2, PT 96, SEQ 1, TS 0, SSRC 7) and payload, with tail
//! // room for the tag.
//! let mut buf = [0u8; 64];
//! buf[..12].copy_from_slice(&[0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7]);
//! buf[12..17].copy_from_slice(b"hello");
//! let srtp_len = sender.protect_rtp(&mut buf, 17)?;
//! assert_eq!(srtp_len, 17 + profile.rtp_tag_len());
//! let rtp_len = receiver.unprotect_rtp(&mut buf, srtp_len)?;
//! assert_eq!(&buf[12..rtp_len], b"hello");
//! // The same packet again is a replay.
//! assert!(receiver.unprotect_rtp(&mut buf, srtp_len).is_err());
//! # Ok::<(), rtcscope_srtp::SrtpError>(())
//! ```

mod context;
mod error;
mod header;
mod kdf;
mod keying;
mod profile;
mod replay;
mod session;
mod stats;
mod transform;

pub use context::{DEFAULT_MAX_STREAMS, SrtpConfig, SrtpContext};
pub use error::SrtpError;
pub use kdf::{SessionKeySet, SessionKeys, derive_session_key};
pub use keying::DtlsSrtpKeys;
pub use profile::SrtpProfile;
pub use replay::{REPLAY_WINDOW_SIZE, ReplayCheck, ReplayWindow, estimate_rtp_index};
pub use session::SrtpSession;
pub use stats::SrtpStats;
