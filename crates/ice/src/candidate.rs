//! ICE candidates: types, priority (RFC 8445 §5.1.2), foundation, and the SDP attribute form.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// Identifier of a candidate, unique over the agent's lifetime (never reused, also not
/// across ICE restarts); local and remote candidates share one counter.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct CandidateId(pub u64);

impl fmt::Display for CandidateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// RFC 8445 candidate types.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CandidateType {
    Host,
    ServerReflexive,
    PeerReflexive,
    Relay,
}

impl CandidateType {
    /// Recommended type preferences (RFC 8445 §5.1.2.2).
    pub fn type_preference(self) -> u32 {
        match self {
            CandidateType::Host => 126,
            CandidateType::PeerReflexive => 110,
            CandidateType::ServerReflexive => 100,
            CandidateType::Relay => 0,
        }
    }

    /// The name used in SDP and in RTCIceCandidateType.
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateType::Host => "host",
            CandidateType::ServerReflexive => "srflx",
            CandidateType::PeerReflexive => "prflx",
            CandidateType::Relay => "relay",
        }
    }

    fn parse(s: &str) -> Option<CandidateType> {
        Some(match s {
            "host" => CandidateType::Host,
            "srflx" => CandidateType::ServerReflexive,
            "prflx" => CandidateType::PeerReflexive,
            "relay" => CandidateType::Relay,
            _ => return None,
        })
    }
}

/// The only component ICE for WebRTC uses (RTP and RTCP multiplexed).
pub const COMPONENT_RTP: u16 = 1;

/// RFC 8445 §5.1.2.1 priority formula.
pub fn candidate_priority(kind: CandidateType, local_preference: u16, component: u16) -> u32 {
    (kind.type_preference() << 24)
        | (u32::from(local_preference) << 8)
        | (256 - u32::from(component.min(256)))
}

/// A foundation: equal for candidates of the same type, base IP, server and protocol
/// (RFC 8445 §5.1.1.3). Rendered as a decimal number like libwebrtc does.
pub fn compute_foundation(kind: CandidateType, base_ip: IpAddr, server: Option<&str>) -> String {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind.as_str().as_bytes());
    match base_ip {
        IpAddr::V4(ip) => hasher.update(&ip.octets()),
        IpAddr::V6(ip) => hasher.update(&ip.octets()),
    }
    hasher.update(b"udp");
    if let Some(server) = server {
        hasher.update(server.as_bytes());
    }
    hasher.finalize().to_string()
}

/// A local or remote candidate as the agent keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: CandidateId,
    pub kind: CandidateType,
    /// The transport address (what goes into SDP).
    pub address: SocketAddr,
    /// For local candidates: the socket address packets are sent from. For remote ones
    /// equal to `address`.
    pub base: SocketAddr,
    pub related_address: Option<SocketAddr>,
    pub priority: u32,
    pub foundation: String,
    pub component: u16,
    pub username_fragment: String,
    /// The STUN/TURN url that produced a srflx/relay candidate.
    pub url: Option<String>,
    /// ICE generation (bumped on every ICE restart).
    pub generation: u32,
}

impl Candidate {
    /// `candidate:` attribute value (RFC 8839 §5.1), without the `a=` prefix.
    pub fn to_sdp_attribute(&self) -> String {
        let mut s = format!(
            "candidate:{} {} udp {} {} {} typ {}",
            self.foundation,
            self.component,
            self.priority,
            self.address.ip(),
            self.address.port(),
            self.kind.as_str()
        );
        if let Some(related) = self.related_address {
            s.push_str(&format!(" raddr {} rport {}", related.ip(), related.port()));
        }
        s.push_str(&format!(" generation {}", self.generation));
        if !self.username_fragment.is_empty() {
            s.push_str(&format!(" ufrag {}", self.username_fragment));
        }
        s
    }
}

/// A remote candidate as signalled (before the agent assigns it an id).
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteCandidate {
    pub kind: CandidateType,
    pub address: SocketAddr,
    pub priority: u32,
    pub foundation: String,
    pub component: u16,
    pub related_address: Option<SocketAddr>,
    /// The ufrag the candidate belongs to, if signalled (RFC 8838 §4.2 generation check).
    pub username_fragment: Option<String>,
}

/// Why a candidate attribute could not be parsed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CandidateParseError {
    MissingField(&'static str),
    BadNumber(&'static str),
    BadAddress,
    UnsupportedTransport,
    UnknownType,
    TooLong,
}

impl fmt::Display for CandidateParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for CandidateParseError {}

impl RemoteCandidate {
    /// Parses an SDP `candidate:` attribute (with or without `a=`), UDP only.
    pub fn parse_sdp(line: &str) -> Result<RemoteCandidate, CandidateParseError> {
        if line.len() > 1024 {
            return Err(CandidateParseError::TooLong);
        }
        let line = line.trim();
        let line = line.strip_prefix("a=").unwrap_or(line);
        let line = line.strip_prefix("candidate:").unwrap_or(line);
        let mut fields = line.split_ascii_whitespace();
        let mut next =
            |name: &'static str| fields.next().ok_or(CandidateParseError::MissingField(name));
        let foundation = next("foundation")?.to_string();
        let component = next("component")?
            .parse::<u16>()
            .map_err(|_| CandidateParseError::BadNumber("component"))?;
        let transport = next("transport")?;
        if !transport.eq_ignore_ascii_case("udp") {
            return Err(CandidateParseError::UnsupportedTransport);
        }
        let priority = next("priority")?
            .parse::<u32>()
            .map_err(|_| CandidateParseError::BadNumber("priority"))?;
        let ip: IpAddr = next("address")?
            .parse()
            .map_err(|_| CandidateParseError::BadAddress)?;
        let port = next("port")?
            .parse::<u16>()
            .map_err(|_| CandidateParseError::BadNumber("port"))?;
        if next("typ")? != "typ" {
            return Err(CandidateParseError::MissingField("typ"));
        }
        let kind = CandidateType::parse(next("type")?).ok_or(CandidateParseError::UnknownType)?;
        let mut related_ip: Option<IpAddr> = None;
        let mut related_port: Option<u16> = None;
        let mut username_fragment = None;
        while let Some(key) = fields.next() {
            let Some(value) = fields.next() else { break };
            match key {
                "raddr" => related_ip = value.parse().ok(),
                "rport" => related_port = value.parse().ok(),
                "ufrag" => username_fragment = Some(value.to_string()),
                _ => {}
            }
        }
        let related_address = match (related_ip, related_port) {
            (Some(ip), Some(port)) => Some(SocketAddr::new(ip, port)),
            _ => None,
        };
        Ok(RemoteCandidate {
            kind,
            address: SocketAddr::new(ip, port),
            priority,
            foundation,
            component,
            related_address,
            username_fragment,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_matches_rfc_formula_and_chrome_value() {
        // Chrome's fixture host candidate: 2122194687 = 0x7E7E_1EFF, i.e. type preference
        // 126, local preference 0x7E1E, component 1.
        assert_eq!(
            candidate_priority(CandidateType::Host, 0x7E1E, 1),
            2_122_194_687
        );
        assert_eq!(
            candidate_priority(CandidateType::Relay, 65535, 1),
            0x00FF_FFFF
        );
        assert_eq!(
            candidate_priority(CandidateType::ServerReflexive, 65535, 1),
            (100 << 24) | (65535 << 8) | 255
        );
    }

    #[test]
    fn sdp_attribute_round_trips() {
        let sdp = "candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 10.0.0.2 rport 61665 generation 0 ufrag EsAw";
        let c = RemoteCandidate::parse_sdp(sdp).unwrap();
        assert_eq!(c.kind, CandidateType::ServerReflexive);
        assert_eq!(c.address, "203.0.113.7:61665".parse().unwrap());
        assert_eq!(c.priority, 1_677_729_535);
        assert_eq!(c.related_address, Some("10.0.0.2:61665".parse().unwrap()));
        assert_eq!(c.username_fragment.as_deref(), Some("EsAw"));
        assert_eq!(
            RemoteCandidate::parse_sdp("candidate:1 1 tcp 1 1.2.3.4 9 typ host"),
            Err(CandidateParseError::UnsupportedTransport)
        );
        assert_eq!(
            RemoteCandidate::parse_sdp("candidate:1 1 udp x 1.2.3.4 9 typ host"),
            Err(CandidateParseError::BadNumber("priority"))
        );
    }

    #[test]
    fn foundation_groups_by_type_and_base() {
        let a = compute_foundation(CandidateType::Host, "10.0.0.1".parse().unwrap(), None);
        let b = compute_foundation(CandidateType::Host, "10.0.0.1".parse().unwrap(), None);
        let c = compute_foundation(CandidateType::Host, "10.0.0.2".parse().unwrap(), None);
        let d = compute_foundation(
            CandidateType::ServerReflexive,
            "10.0.0.1".parse().unwrap(),
            Some("stun:x"),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}
