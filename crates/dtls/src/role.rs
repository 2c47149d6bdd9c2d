//! DTLS role from the SDP `a=setup` negotiation (RFC 5763 §5, RFC 8842 §5.3).

use std::fmt;

/// The value of an SDP `a=setup` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupAttr {
    /// "actpass": the offerer lets the answerer choose.
    ActPass,
    /// "active": this endpoint initiates the DTLS handshake (client).
    Active,
    /// "passive": this endpoint waits for the ClientHello (server).
    Passive,
}

impl SetupAttr {
    /// Parse the attribute value (case-insensitive, as SDP tokens are compared).
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        [
            ("actpass", Self::ActPass),
            ("active", Self::Active),
            ("passive", Self::Passive),
        ]
        .into_iter()
        .find(|(name, _)| value.eq_ignore_ascii_case(name))
        .map(|(_, attr)| attr)
    }

    /// The SDP token.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ActPass => "actpass",
            Self::Active => "active",
            Self::Passive => "passive",
        }
    }
}

/// Our side of the DTLS handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsRole {
    /// Sends the ClientHello (SDP "active").
    Client,
    /// Answers the ClientHello (SDP "passive").
    Server,
}

impl DtlsRole {
    /// The stats `dtlsRole` value (RTCDtlsRole).
    pub fn as_stats_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
        }
    }

    /// Resolve our role from the local and remote `a=setup` values of a
    /// completed offer/answer. Exactly one side must be active and the other
    /// passive once "actpass" is resolved: an offerer's "actpass" takes the
    /// opposite of the answer's choice.
    pub fn negotiate(local: SetupAttr, remote: SetupAttr) -> Result<Self, RoleError> {
        use SetupAttr::{ActPass, Active, Passive};
        match (local, remote) {
            (Active, Passive | ActPass) | (ActPass, Passive) => Ok(Self::Client),
            (Passive, Active | ActPass) | (ActPass, Active) => Ok(Self::Server),
            (ActPass, ActPass) | (Active, Active) | (Passive, Passive) => {
                Err(RoleError { local, remote })
            }
        }
    }
}

/// Both sides claimed the same role (or neither chose one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleError {
    /// Our `a=setup`.
    pub local: SetupAttr,
    /// The remote `a=setup`.
    pub remote: SetupAttr,
}

impl fmt::Display for RoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a=setup:{} (local) with a=setup:{} (remote) leaves no single DTLS client",
            self.local.as_str(),
            self.remote.as_str()
        )
    }
}

impl std::error::Error for RoleError {}

#[cfg(test)]
mod tests {
    use super::*;
    use SetupAttr::{ActPass, Active, Passive};

    #[test]
    fn offerer_actpass_takes_opposite_of_answer() {
        assert_eq!(DtlsRole::negotiate(ActPass, Active), Ok(DtlsRole::Server));
        assert_eq!(DtlsRole::negotiate(ActPass, Passive), Ok(DtlsRole::Client));
    }

    #[test]
    fn answerer_role_is_its_own_choice() {
        assert_eq!(DtlsRole::negotiate(Active, ActPass), Ok(DtlsRole::Client));
        assert_eq!(DtlsRole::negotiate(Passive, ActPass), Ok(DtlsRole::Server));
        assert_eq!(DtlsRole::negotiate(Active, Passive), Ok(DtlsRole::Client));
        assert_eq!(DtlsRole::negotiate(Passive, Active), Ok(DtlsRole::Server));
    }

    #[test]
    fn ambiguous_pairs_are_errors() {
        for (l, r) in [(ActPass, ActPass), (Active, Active), (Passive, Passive)] {
            assert_eq!(
                DtlsRole::negotiate(l, r),
                Err(RoleError {
                    local: l,
                    remote: r
                })
            );
        }
    }

    #[test]
    fn parse_tokens() {
        assert_eq!(SetupAttr::parse("actpass"), Some(ActPass));
        assert_eq!(SetupAttr::parse(" ACTIVE"), Some(Active));
        assert_eq!(SetupAttr::parse("passive"), Some(Passive));
        assert_eq!(SetupAttr::parse("holdconn"), None);
        assert_eq!(DtlsRole::Client.as_stats_str(), "client");
    }
}
