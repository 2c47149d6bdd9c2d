//! A small TURN server (RFC 8656 subset: UDP Allocate with long-term credentials,
//! ChannelBind, Refresh, Send/Data indications, ChannelData) for the simulated network.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::net::{IpAddr, SocketAddr};

use md5::Digest;
use rtcscope_ice::stun::{Class, MessageWriter, StunMessage, TransactionId, attr, turn_method};

pub struct Output {
    pub from: SocketAddr,
    pub to: SocketAddr,
    pub bytes: Vec<u8>,
    /// True when going to the TURN client (over the reverse link).
    pub to_client: bool,
}

struct EmuAllocation {
    client: SocketAddr,
    relayed: SocketAddr,
    channels: Vec<(u16, SocketAddr)>,
    permissions: Vec<IpAddr>,
}

pub struct TurnEmu {
    pub server: SocketAddr,
    pub username: String,
    pub password: String,
    pub realm: String,
    pub nonce: String,
    next_port: u16,
    allocations: Vec<EmuAllocation>,
    /// Requests answered, by method.
    pub answered: Vec<u16>,
}

impl TurnEmu {
    pub fn new(server: SocketAddr, username: &str, password: &str) -> TurnEmu {
        TurnEmu {
            server,
            username: username.to_string(),
            password: password.to_string(),
            realm: "sim.test".to_string(),
            nonce: "nonce-1234".to_string(),
            next_port: 50_000,
            allocations: Vec::new(),
            answered: Vec::new(),
        }
    }

    fn key(&self) -> [u8; 16] {
        let mut h = md5::Md5::new();
        h.update(format!("{}:{}:{}", self.username, self.realm, self.password).as_bytes());
        h.finalize().into()
    }

    fn reply(
        &self,
        class: Class,
        method: u16,
        id: TransactionId,
        build: impl FnOnce(&mut MessageWriter<'_>),
        sign: bool,
    ) -> Vec<u8> {
        let mut buf = [0u8; 512];
        let mut w = MessageWriter::new(&mut buf, class, method, id).unwrap();
        build(&mut w);
        if sign {
            w.message_integrity(&self.key()).unwrap();
        }
        let len = w.fingerprint().unwrap();
        buf[..len].to_vec()
    }

    /// Handles a datagram addressed to the server or to one of its relayed addresses;
    /// `None` when it is for neither.
    pub fn handle(
        &mut self,
        from: SocketAddr,
        to: SocketAddr,
        bytes: &[u8],
    ) -> Option<Vec<Output>> {
        if to == self.server {
            return Some(self.handle_client_datagram(from, bytes));
        }
        let index = self.allocations.iter().position(|a| a.relayed == to)?;
        let a = &self.allocations[index];
        if !a.permissions.contains(&from.ip()) {
            return Some(Vec::new());
        }
        let framed = match a.channels.iter().find(|(_, peer)| *peer == from) {
            Some((number, _)) => {
                let mut v = number.to_be_bytes().to_vec();
                v.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
                v.extend_from_slice(bytes);
                v
            }
            None => self.reply(
                Class::Indication,
                turn_method::DATA,
                TransactionId([3; 12]),
                |w| {
                    w.xor_address(attr::XOR_PEER_ADDRESS, from).unwrap();
                    w.attribute(attr::DATA, bytes).unwrap();
                },
                false,
            ),
        };
        Some(vec![Output {
            from: self.server,
            to: a.client,
            bytes: framed,
            to_client: true,
        }])
    }

    fn handle_client_datagram(&mut self, client: SocketAddr, bytes: &[u8]) -> Vec<Output> {
        let allocation = self.allocations.iter().position(|a| a.client == client);
        // ChannelData from the client.
        if bytes.first().is_some_and(|b| (0x40..=0x4F).contains(b)) {
            let Some(a) = allocation.map(|i| &self.allocations[i]) else {
                return Vec::new();
            };
            let number = u16::from_be_bytes([bytes[0], bytes[1]]);
            let len = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
            let Some((_, peer)) = a.channels.iter().find(|(n, _)| *n == number) else {
                return Vec::new();
            };
            return vec![Output {
                from: a.relayed,
                to: *peer,
                bytes: bytes[4..4 + len].to_vec(),
                to_client: false,
            }];
        }
        let msg = StunMessage::parse(bytes).unwrap();
        if msg.class == Class::Indication && msg.method == turn_method::SEND {
            let Some(a) = allocation.map(|i| &self.allocations[i]) else {
                return Vec::new();
            };
            let peer = msg.xor_peer_address.unwrap();
            if !a.permissions.contains(&peer.ip()) {
                return Vec::new();
            }
            return vec![Output {
                from: a.relayed,
                to: peer,
                bytes: msg.data.unwrap().to_vec(),
                to_client: false,
            }];
        }
        assert_eq!(msg.class, Class::Request);
        let id = msg.transaction_id;
        if !msg.has_integrity() {
            let (realm, nonce) = (self.realm.clone(), self.nonce.clone());
            let bytes = self.reply(
                Class::ErrorResponse,
                msg.method,
                id,
                |w| {
                    w.error_code(401, b"Unauthorized").unwrap();
                    w.attribute(attr::REALM, realm.as_bytes()).unwrap();
                    w.attribute(attr::NONCE, nonce.as_bytes()).unwrap();
                },
                false,
            );
            self.answered.push(msg.method);
            return vec![self.answer(client, bytes)];
        }
        assert!(
            msg.verify_integrity(&self.key()),
            "client signs with the long-term key"
        );
        assert_eq!(msg.username, Some(self.username.as_bytes()));
        let bytes = match msg.method {
            turn_method::ALLOCATE => {
                let relayed = SocketAddr::new(self.server.ip(), self.next_port);
                self.next_port += 1;
                self.allocations.push(EmuAllocation {
                    client,
                    relayed,
                    channels: Vec::new(),
                    permissions: Vec::new(),
                });
                self.reply(
                    Class::SuccessResponse,
                    msg.method,
                    id,
                    |w| {
                        w.xor_address(attr::XOR_RELAYED_ADDRESS, relayed).unwrap();
                        w.xor_mapped_address(client).unwrap();
                        w.attribute(attr::LIFETIME, &600u32.to_be_bytes()).unwrap();
                    },
                    true,
                )
            }
            turn_method::CHANNEL_BIND => {
                let a = &mut self.allocations[allocation.unwrap()];
                let peer = msg.xor_peer_address.unwrap();
                let number = msg.channel_number.unwrap();
                a.channels.retain(|(n, _)| *n != number);
                a.channels.push((number, peer));
                if !a.permissions.contains(&peer.ip()) {
                    a.permissions.push(peer.ip());
                }
                self.reply(Class::SuccessResponse, msg.method, id, |_| {}, true)
            }
            turn_method::REFRESH => self.reply(
                Class::SuccessResponse,
                msg.method,
                id,
                |w| w.attribute(attr::LIFETIME, &600u32.to_be_bytes()).unwrap(),
                true,
            ),
            other => panic!("unexpected TURN method {other:#x}"),
        };
        self.answered.push(msg.method);
        vec![self.answer(client, bytes)]
    }

    fn answer(&self, client: SocketAddr, bytes: Vec<u8>) -> Output {
        Output {
            from: self.server,
            to: client,
            bytes,
            to_client: true,
        }
    }
}
