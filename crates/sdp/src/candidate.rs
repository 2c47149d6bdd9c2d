//! RFC 8839 `a=candidate` lines: parsed by webrtc-sdp, formatted the way
//! libwebrtc writes them (lowercase transport, extensions in its order).

use std::fmt;
use std::net::IpAddr;

use webrtc_sdp::address::Address;
use webrtc_sdp::attribute_type::{
    SdpAttribute, SdpAttributeCandidate, SdpAttributeCandidateTcpType,
    SdpAttributeCandidateTransport, SdpAttributeCandidateType,
};

use crate::error::SdpError;
use crate::limits;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateTransport {
    Udp,
    Tcp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateType {
    Host,
    Srflx,
    Prflx,
    Relay,
}

impl CandidateType {
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateType::Host => "host",
            CandidateType::Srflx => "srflx",
            CandidateType::Prflx => "prflx",
            CandidateType::Relay => "relay",
        }
    }
}

/// RFC 6544 tcptype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpType {
    Active,
    Passive,
    So,
}

impl TcpType {
    pub fn as_str(self) -> &'static str {
        match self {
            TcpType::Active => "active",
            TcpType::Passive => "passive",
            TcpType::So => "so",
        }
    }
}

/// A connection address: an IP, or a hostname (Chrome's mDNS `*.local` host candidates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CandidateAddress {
    Ip(IpAddr),
    Hostname(String),
}

impl fmt::Display for CandidateAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CandidateAddress::Ip(ip) => ip.fmt(f),
            CandidateAddress::Hostname(name) => f.write_str(name),
        }
    }
}

/// One ICE candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub foundation: String,
    pub component: u16,
    pub transport: CandidateTransport,
    pub priority: u32,
    pub address: CandidateAddress,
    pub port: u16,
    pub typ: CandidateType,
    pub raddr: Option<CandidateAddress>,
    pub rport: Option<u16>,
    pub tcptype: Option<TcpType>,
    pub generation: Option<u32>,
    pub ufrag: Option<String>,
    pub network_cost: Option<u32>,
    /// Other `name value` extension pairs (e.g. Chrome's `network-id`), in order.
    pub extensions: Vec<(String, String)>,
}

impl Candidate {
    /// Parses `candidate:...`, `a=candidate:...` or the bare value after the colon,
    /// as `RTCIceCandidate.candidate` carries it in trickle ICE.
    pub fn parse(text: &str) -> Result<Candidate, SdpError> {
        let text = text.trim();
        if text.len() > limits::MAX_LINE_LEN {
            return Err(SdpError::TooLong {
                what: "candidate",
                limit: limits::MAX_LINE_LEN,
            });
        }
        let value = text.strip_prefix("a=").unwrap_or(text);
        let value = value.strip_prefix("candidate:").unwrap_or(value);
        let attribute: SdpAttribute =
            format!("candidate:{value}")
                .parse()
                .map_err(|e| SdpError::InvalidCandidate {
                    reason: format!("{e}"),
                })?;
        match attribute {
            SdpAttribute::Candidate(c) => Candidate::from_sdp(&c),
            _ => Err(SdpError::InvalidCandidate {
                reason: "not a candidate attribute".to_string(),
            }),
        }
    }

    pub(crate) fn from_sdp(c: &SdpAttributeCandidate) -> Result<Candidate, SdpError> {
        let invalid = |reason: &str| SdpError::InvalidCandidate {
            reason: reason.to_string(),
        };
        // RFC 8839: foundation is 1*32 ice-char.
        if c.foundation.is_empty()
            || c.foundation.len() > 32
            || !c
                .foundation
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        {
            return Err(invalid("foundation must be 1 to 32 ice-chars"));
        }
        let component = u16::try_from(c.component)
            .ok()
            .filter(|&v| v >= 1)
            .ok_or_else(|| invalid("component out of range"))?;
        let priority = u32::try_from(c.priority)
            .ok()
            .filter(|&v| v >= 1)
            .ok_or_else(|| invalid("priority must be 1..2^32-1"))?;
        let port = u16::try_from(c.port).map_err(|_| invalid("port out of range"))?;
        let rport = match c.rport {
            Some(p) => Some(u16::try_from(p).map_err(|_| invalid("rport out of range"))?),
            None => None,
        };
        if c.unknown_extensions.len() > limits::MAX_CANDIDATE_EXTENSIONS {
            return Err(invalid("too many extension attributes"));
        }
        let ufrag = match &c.ufrag {
            Some(u) if u.len() > limits::MAX_ICE_CREDENTIAL_LEN => {
                return Err(invalid("ufrag too long"));
            }
            other => other.clone(),
        };
        Ok(Candidate {
            foundation: c.foundation.clone(),
            component,
            transport: match c.transport {
                SdpAttributeCandidateTransport::Udp => CandidateTransport::Udp,
                SdpAttributeCandidateTransport::Tcp => CandidateTransport::Tcp,
            },
            priority,
            address: convert_address(&c.address),
            port,
            typ: match c.c_type {
                SdpAttributeCandidateType::Host => CandidateType::Host,
                SdpAttributeCandidateType::Srflx => CandidateType::Srflx,
                SdpAttributeCandidateType::Prflx => CandidateType::Prflx,
                SdpAttributeCandidateType::Relay => CandidateType::Relay,
            },
            raddr: c.raddr.as_ref().map(convert_address),
            rport,
            tcptype: c.tcp_type.as_ref().map(|t| match t {
                SdpAttributeCandidateTcpType::Active => TcpType::Active,
                SdpAttributeCandidateTcpType::Passive => TcpType::Passive,
                SdpAttributeCandidateTcpType::Simultaneous => TcpType::So,
            }),
            generation: c.generation,
            ufrag,
            network_cost: c.networkcost,
            extensions: c.unknown_extensions.clone(),
        })
    }
}

fn convert_address(address: &Address) -> CandidateAddress {
    match address {
        Address::Ip(ip) => CandidateAddress::Ip(*ip),
        Address::Fqdn(name) => CandidateAddress::Hostname(name.clone()),
    }
}

/// The attribute value without `a=` (`candidate:1 1 udp ...`), as
/// `RTCIceCandidate.candidate` and libwebrtc write it.
impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let transport = match self.transport {
            CandidateTransport::Udp => "udp",
            CandidateTransport::Tcp => "tcp",
        };
        write!(
            f,
            "candidate:{} {} {} {} {} {} typ {}",
            self.foundation,
            self.component,
            transport,
            self.priority,
            self.address,
            self.port,
            self.typ.as_str()
        )?;
        if let Some(raddr) = &self.raddr {
            write!(f, " raddr {raddr}")?;
        }
        if let Some(rport) = self.rport {
            write!(f, " rport {rport}")?;
        }
        if let Some(tcptype) = self.tcptype {
            write!(f, " tcptype {}", tcptype.as_str())?;
        }
        if let Some(generation) = self.generation {
            write!(f, " generation {generation}")?;
        }
        if let Some(ufrag) = &self.ufrag {
            write!(f, " ufrag {ufrag}")?;
        }
        // libwebrtc writes network-id before network-cost; webrtc-sdp keeps
        // network-id among the unknown extensions.
        for (name, value) in &self.extensions {
            write!(f, " {name} {value}")?;
        }
        if let Some(cost) = self.network_cost {
            write!(f, " network-cost {cost}")?;
        }
        Ok(())
    }
}
