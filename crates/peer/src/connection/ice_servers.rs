//! `RTCIceServer` urls → the ICE agent's STUN/TURN servers. The core is
//! sans-IO, so hosts must be IP literals (a driver resolves names first);
//! anything else is refused when the connection is constructed, as the
//! W3C constructor throws SyntaxError/InvalidAccessError.

use std::net::{IpAddr, SocketAddr};

use rtcscope_ice::{StunServer, TurnServer};

use super::{PeerConnectionError, RTCIceServer};

const DEFAULT_PORT: u16 = 3478;
/// Urls across all servers (bounds what a configuration can make us hold).
const MAX_URLS: usize = 32;

fn address(rest: &str) -> Option<SocketAddr> {
    let host_port = rest.split('?').next()?;
    if let Ok(addr) = host_port.parse::<SocketAddr>() {
        return Some(addr);
    }
    let host = host_port.trim_start_matches('[').trim_end_matches(']');
    host.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, DEFAULT_PORT))
}

pub(crate) fn ice_servers(
    servers: &[RTCIceServer],
) -> Result<(Vec<StunServer>, Vec<TurnServer>), PeerConnectionError> {
    let mut stun = Vec::new();
    let mut turn = Vec::new();
    let invalid = |_| PeerConnectionError::InvalidAccess("ICE server url needs an IP literal host");
    for server in servers {
        for url in &server.urls {
            if stun.len() + turn.len() >= MAX_URLS {
                return Err(PeerConnectionError::InvalidAccess(
                    "too many ICE server urls",
                ));
            }
            if let Some(rest) = url.strip_prefix("stun:") {
                let address = address(rest).ok_or(()).map_err(invalid)?;
                stun.push(StunServer {
                    url: url.clone(),
                    address,
                });
            } else if let Some(rest) = url.strip_prefix("turn:") {
                if rest.contains("transport=tcp") {
                    return Err(PeerConnectionError::InvalidAccess(
                        "TURN over TCP is not supported",
                    ));
                }
                let address = address(rest).ok_or(()).map_err(invalid)?;
                let (Some(username), Some(password)) = (&server.username, &server.credential)
                else {
                    return Err(PeerConnectionError::InvalidAccess(
                        "TURN needs username and credential",
                    ));
                };
                turn.push(TurnServer {
                    url: url.clone(),
                    address,
                    username: username.clone(),
                    password: password.clone(),
                });
            } else {
                return Err(PeerConnectionError::InvalidAccess(
                    "ICE server url scheme must be stun: or turn:",
                ));
            }
        }
    }
    Ok((stun, turn))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(urls: &[&str], creds: bool) -> RTCIceServer {
        RTCIceServer {
            urls: urls.iter().map(|u| u.to_string()).collect(),
            username: creds.then(|| "u".to_string()),
            credential: creds.then(|| "p".to_string()),
        }
    }

    #[test]
    fn urls_map_to_servers() {
        let (stun, turn) = ice_servers(&[
            server(&["stun:192.0.2.1", "stun:[2001:db8::1]:19302"], false),
            server(&["turn:192.0.2.2:3479?transport=udp"], true),
        ])
        .unwrap();
        assert_eq!(stun[0].address, "192.0.2.1:3478".parse().unwrap());
        assert_eq!(stun[1].address, "[2001:db8::1]:19302".parse().unwrap());
        assert_eq!(turn[0].address, "192.0.2.2:3479".parse().unwrap());
        assert_eq!(turn[0].username, "u");
    }

    #[test]
    fn bad_urls_are_refused() {
        for (urls, creds) in [
            (&["stun:stun.example.org"][..], false),
            (&["turn:192.0.2.2"][..], false),
            (&["turns:192.0.2.2"][..], true),
            (&["http://192.0.2.2"][..], true),
            (&["turn:192.0.2.2?transport=tcp"][..], true),
        ] {
            assert!(ice_servers(&[server(urls, creds)]).is_err(), "{urls:?}");
        }
        let many: Vec<String> = (0..40).map(|i| format!("stun:192.0.2.{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(ice_servers(&[server(&many, false)]).is_err());
    }
}
