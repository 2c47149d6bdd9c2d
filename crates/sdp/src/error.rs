//! Typed errors: every rejection of a description says what was wrong.

use std::fmt;

/// Why a description was refused by [`crate::SessionDescription::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdpError {
    /// Does not start with `v=0` (not SDP at all, or an empty string).
    NotSdp,
    /// A cap from [`crate::limits`] was exceeded.
    TooMany {
        what: &'static str,
        limit: usize,
    },
    /// A line, identifier or the whole text is longer than its cap.
    TooLong {
        what: &'static str,
        limit: usize,
    },
    /// webrtc-sdp refused the text; `line` is 0-based.
    Syntax {
        line: usize,
        message: String,
    },
    MissingMid {
        section: usize,
    },
    DuplicateMid(String),
    BundleUnknownMid(String),
    DuplicatePayloadType {
        mid: String,
        payload_type: u8,
    },
    MissingIceCredentials {
        mid: String,
    },
    MissingFingerprint {
        mid: String,
    },
    MissingSetup {
        mid: String,
    },
    /// A value outside what its grammar or RFC allows.
    InvalidValue {
        what: &'static str,
        mid: String,
    },
    InvalidCandidate {
        reason: String,
    },
}

impl fmt::Display for SdpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdpError::NotSdp => write!(f, "not an SDP description (must start with v=0)"),
            SdpError::TooMany { what, limit } => write!(f, "too many {what} (limit {limit})"),
            SdpError::TooLong { what, limit } => write!(f, "{what} too long (limit {limit})"),
            SdpError::Syntax { line, message } => {
                write!(f, "SDP syntax error at line {line}: {message}")
            }
            SdpError::MissingMid { section } => write!(f, "media section {section} has no a=mid"),
            SdpError::DuplicateMid(mid) => write!(f, "duplicate mid {mid:?}"),
            SdpError::BundleUnknownMid(mid) => write!(f, "BUNDLE group names unknown mid {mid:?}"),
            SdpError::DuplicatePayloadType { mid, payload_type } => {
                write!(f, "mid {mid:?}: payload type {payload_type} mapped twice")
            }
            SdpError::MissingIceCredentials { mid } => {
                write!(f, "mid {mid:?}: missing a=ice-ufrag/a=ice-pwd")
            }
            SdpError::MissingFingerprint { mid } => write!(f, "mid {mid:?}: missing a=fingerprint"),
            SdpError::MissingSetup { mid } => write!(f, "mid {mid:?}: missing a=setup"),
            SdpError::InvalidValue { what, mid } => write!(f, "mid {mid:?}: invalid {what}"),
            SdpError::InvalidCandidate { reason } => write!(f, "invalid candidate: {reason}"),
        }
    }
}

impl std::error::Error for SdpError {}

/// Why an offer/answer pair cannot be negotiated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NegotiationError {
    /// create_answer was given something that is not an offer.
    NotAnOffer(crate::SdpType),
    /// The pair given to [`crate::negotiated_transport`] is not one offer and one answer.
    NotAnOfferAnswerPair,
    /// Offer `a=setup` we cannot answer (holdconn) or an answer that
    /// leaves both sides in the same DTLS role.
    IncompatibleSetup { mid: String },
    /// The answer names a mid the offer does not have, or orders them differently.
    MidMismatch { mid: String },
    /// The remote side has no ICE credentials/fingerprint for the transport section.
    MissingTransportParameters,
}

impl fmt::Display for NegotiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NegotiationError::NotAnOffer(t) => write!(f, "expected an offer, got {}", t.as_str()),
            NegotiationError::NotAnOfferAnswerPair => {
                write!(f, "descriptions are not an offer and its answer")
            }
            NegotiationError::IncompatibleSetup { mid } => {
                write!(f, "mid {mid:?}: incompatible a=setup roles")
            }
            NegotiationError::MidMismatch { mid } => {
                write!(f, "answer mid {mid:?} does not match the offer")
            }
            NegotiationError::MissingTransportParameters => {
                write!(
                    f,
                    "remote description lacks ICE credentials or fingerprint for the transport"
                )
            }
        }
    }
}

impl std::error::Error for NegotiationError {}
