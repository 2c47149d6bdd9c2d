//! Reads the negotiated version and cipher suite from a ServerHello as it
//! passes through. dimpl does not expose the cipher suite; the ServerHello
//! travels in plaintext epoch-0 records in both DTLS 1.2 (RFC 6347) and
//! DTLS 1.3 (RFC 9147), so we parse it from the wire instead of guessing.
//!
//! Parsing works on borrowed slices and never allocates or panics: every
//! length read from the wire is bounds-checked.

/// DTLS record content type "handshake".
const CONTENT_TYPE_HANDSHAKE: u8 = 22;
/// Handshake message type "server_hello".
const HANDSHAKE_SERVER_HELLO: u8 = 2;
/// Extension "supported_versions" (RFC 8446 §4.2.1).
const EXT_SUPPORTED_VERSIONS: u16 = 43;
const RECORD_HEADER_LEN: usize = 13;
const HANDSHAKE_HEADER_LEN: usize = 12;

/// DTLS 1.2 wire version.
pub const DTLS1_2: u16 = 0xFEFD;
/// DTLS 1.3 wire version.
pub const DTLS1_3: u16 = 0xFEFC;

/// A HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest")
/// (RFC 8446 §4.1.3). It is not the final choice, so it is skipped.
const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// What a ServerHello told us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerHelloInfo {
    /// Negotiated wire version: supported_versions' selected_version when
    /// present (DTLS 1.3), else the ServerHello's server_version.
    pub version: u16,
    /// The selected cipher suite id (IANA TLS registry).
    pub cipher_suite: u16,
}

impl ServerHelloInfo {
    /// `tlsVersion` as Chrome prints it: four uppercase hex digits of the wire version.
    pub fn tls_version_hex(&self) -> String {
        format!("{:04X}", self.version)
    }

    /// IANA name of the cipher suite, if known.
    pub fn cipher_suite_name(&self) -> Option<&'static str> {
        cipher_suite_name(self.cipher_suite)
    }
}

/// Why a datagram could not be read as far as a ServerHello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelloParseError {
    /// A length field points past the end of the data.
    Truncated,
    /// A field holds an impossible value.
    Malformed(&'static str),
}

impl std::fmt::Display for HelloParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Truncated => write!(f, "DTLS record truncated"),
            Self::Malformed(what) => write!(f, "malformed ServerHello: {what}"),
        }
    }
}

impl std::error::Error for HelloParseError {}

/// Bounds-checked big-endian reader over a byte slice.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], HelloParseError> {
        if n > self.data.len() {
            return Err(HelloParseError::Truncated);
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, HelloParseError> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    fn u16(&mut self) -> Result<u16, HelloParseError> {
        let b = self.take(2)?;
        Ok(b.iter().fold(0u16, |acc, &x| (acc << 8) | u16::from(x)))
    }

    fn u24(&mut self) -> Result<usize, HelloParseError> {
        let b = self.take(3)?;
        Ok(b.iter().fold(0usize, |acc, &x| (acc << 8) | usize::from(x)))
    }
}

/// RFC 7983 §7 demultiplexing: a datagram whose first byte is in 20..=63 is DTLS
/// (STUN is 0..=3, SRTP/SRTCP 128..=191, TURN channels 64..=79).
pub fn is_dtls_datagram(datagram: &[u8]) -> bool {
    datagram.first().is_some_and(|b| (20..=63).contains(b))
}

/// Look for a ServerHello in one datagram (which may hold several records).
///
/// Returns `Ok(None)` when the datagram holds no (final) ServerHello: other
/// records, a HelloRetryRequest, a later fragment, or encrypted DTLS 1.3
/// records (unified header), which we do not look into.
pub fn find_server_hello(datagram: &[u8]) -> Result<Option<ServerHelloInfo>, HelloParseError> {
    let mut records = Reader::new(datagram);
    while !records.is_empty() {
        let content_type = records.data.first().copied().unwrap_or_default();
        // DTLSPlaintext content types are 20..=25; anything else (e.g. a DTLS 1.3
        // unified header 0b001xxxxx) ends the plaintext part of the datagram.
        if !(20..=25).contains(&content_type) {
            return Ok(None);
        }
        let header = Reader::new(records.take(RECORD_HEADER_LEN)?);
        let mut header = header;
        header.take(3)?; // content type, legacy version
        let epoch = header.u16()?;
        header.take(6)?; // sequence number
        let length = usize::from(header.u16()?);
        let fragment = records.take(length)?;
        if content_type == CONTENT_TYPE_HANDSHAKE
            && epoch == 0
            && let Some(info) = find_in_handshake_record(fragment)?
        {
            return Ok(Some(info));
        }
    }
    Ok(None)
}

/// A plaintext handshake record may carry several handshake messages.
fn find_in_handshake_record(record: &[u8]) -> Result<Option<ServerHelloInfo>, HelloParseError> {
    let mut messages = Reader::new(record);
    while !messages.is_empty() {
        let mut header = Reader::new(messages.take(HANDSHAKE_HEADER_LEN)?);
        let msg_type = header.u8()?;
        let total_len = header.u24()?;
        header.take(2)?; // message_seq
        let fragment_offset = header.u24()?;
        let fragment_len = header.u24()?;
        if fragment_offset.saturating_add(fragment_len) > total_len {
            return Err(HelloParseError::Malformed("fragment beyond message length"));
        }
        let body = messages.take(fragment_len)?;
        // Only the first fragment holds the fields we read; a ServerHello is
        // far smaller than any MTU, so it is never split in practice.
        if msg_type == HANDSHAKE_SERVER_HELLO && fragment_offset == 0 {
            return parse_server_hello_body(body);
        }
    }
    Ok(None)
}

/// Parse a ServerHello body (RFC 6347 §4.2 / RFC 9147 §5.4 / RFC 8446 §4.1.3).
pub fn parse_server_hello_body(body: &[u8]) -> Result<Option<ServerHelloInfo>, HelloParseError> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16()?;
    let random = r.take(32)?;
    let session_id_len = usize::from(r.u8()?);
    if session_id_len > 32 {
        return Err(HelloParseError::Malformed("session id longer than 32"));
    }
    r.take(session_id_len)?;
    let cipher_suite = r.u16()?;
    r.u8()?; // compression method
    if random == HELLO_RETRY_REQUEST_RANDOM {
        return Ok(None);
    }
    let mut version = legacy_version;
    if !r.is_empty() {
        let ext_len = usize::from(r.u16()?);
        let mut exts = Reader::new(r.take(ext_len)?);
        while !exts.is_empty() {
            let ext_type = exts.u16()?;
            let len = usize::from(exts.u16()?);
            let mut data = Reader::new(exts.take(len)?);
            if ext_type == EXT_SUPPORTED_VERSIONS {
                if len != 2 {
                    return Err(HelloParseError::Malformed("supported_versions length"));
                }
                version = data.u16()?;
            }
        }
    }
    Ok(Some(ServerHelloInfo {
        version,
        cipher_suite,
    }))
}

/// IANA name of a TLS cipher suite id (the ones a WebRTC DTLS stack can meet).
pub fn cipher_suite_name(id: u16) -> Option<&'static str> {
    Some(match id {
        0xC02B => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xC02C => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xCCA9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xC02F => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xC030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xCCA8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xC009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xC00A => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xC013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xC014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xC0A8 => "TLS_PSK_WITH_AES_128_CCM_8",
        0xC0AE => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0x1304 => "TLS_AES_128_CCM_SHA256",
        0x1305 => "TLS_AES_128_CCM_8_SHA256",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Hand-built ServerHello body.
    fn server_hello_body(random: [u8; 32], suite: u16, exts: &[(u16, &[u8])]) -> Vec<u8> {
        let mut b = vec![0xFE, 0xFD];
        b.extend_from_slice(&random);
        b.push(4);
        b.extend_from_slice(&[9, 9, 9, 9]); // session id
        b.extend_from_slice(&suite.to_be_bytes());
        b.push(0);
        if !exts.is_empty() {
            let mut ext_bytes = Vec::new();
            for (t, d) in exts {
                ext_bytes.extend_from_slice(&t.to_be_bytes());
                ext_bytes.extend_from_slice(&(d.len() as u16).to_be_bytes());
                ext_bytes.extend_from_slice(d);
            }
            b.extend_from_slice(&(ext_bytes.len() as u16).to_be_bytes());
            b.extend_from_slice(&ext_bytes);
        }
        b
    }

    fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
        let len = body.len() as u32;
        let mut h = vec![msg_type];
        h.extend_from_slice(&len.to_be_bytes()[1..]);
        h.extend_from_slice(&[0, 1]); // message_seq
        h.extend_from_slice(&[0, 0, 0]); // fragment_offset
        h.extend_from_slice(&len.to_be_bytes()[1..]);
        h.extend_from_slice(body);
        h
    }

    fn record(content_type: u8, epoch: u16, payload: &[u8]) -> Vec<u8> {
        let mut r = vec![content_type, 0xFE, 0xFD];
        r.extend_from_slice(&epoch.to_be_bytes());
        r.extend_from_slice(&[0, 0, 0, 0, 0, 1]);
        r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        r.extend_from_slice(payload);
        r
    }

    #[test]
    fn hrr_magic_is_sha256_of_its_name() {
        let digest: [u8; 32] = Sha256::digest(b"HelloRetryRequest").into();
        assert_eq!(digest, HELLO_RETRY_REQUEST_RANDOM);
    }

    #[test]
    fn dtls12_server_hello_with_extensions() {
        // renegotiation_info and extended_master_secret, no supported_versions.
        let body = server_hello_body([7; 32], 0xC02B, &[(0xFF01, &[0]), (23, &[])]);
        let dgram = record(22, 0, &handshake(2, &body));
        let info = find_server_hello(&dgram).unwrap().unwrap();
        assert_eq!(
            info,
            ServerHelloInfo {
                version: 0xFEFD,
                cipher_suite: 0xC02B
            }
        );
        assert_eq!(info.tls_version_hex(), "FEFD");
        assert_eq!(
            info.cipher_suite_name(),
            Some("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
        );
    }

    #[test]
    fn dtls12_server_hello_without_extensions_block() {
        let body = server_hello_body([7; 32], 0xCCA9, &[]);
        let info = parse_server_hello_body(&body).unwrap().unwrap();
        assert_eq!(info.cipher_suite, 0xCCA9);
        assert_eq!(info.version, DTLS1_2);
    }

    #[test]
    fn dtls13_version_comes_from_supported_versions() {
        let body = server_hello_body(
            [1; 32],
            0x1302,
            &[(43, &[0xFE, 0xFC]), (51, &[0, 29, 0, 0])],
        );
        // ServerHello record followed by an encrypted unified-header record.
        let mut dgram = record(22, 0, &handshake(2, &body));
        dgram.extend_from_slice(&[0x2C, 0x00, 0x01, 0xAA, 0xBB]);
        let info = find_server_hello(&dgram).unwrap().unwrap();
        assert_eq!(info.tls_version_hex(), "FEFC");
        assert_eq!(info.cipher_suite_name(), Some("TLS_AES_256_GCM_SHA384"));
    }

    #[test]
    fn hello_retry_request_is_skipped() {
        let body = server_hello_body(HELLO_RETRY_REQUEST_RANDOM, 0x1301, &[(43, &[0xFE, 0xFC])]);
        assert_eq!(
            find_server_hello(&record(22, 0, &handshake(2, &body))),
            Ok(None)
        );
    }

    #[test]
    fn server_hello_after_other_records_and_messages() {
        let body = server_hello_body([3; 32], 0xC02C, &[]);
        let mut payload = handshake(3, &[0xFE, 0xFF, 0]); // HelloVerifyRequest-like message first
        payload.extend_from_slice(&handshake(2, &body));
        let mut dgram = record(21, 0, &[1, 0]); // an alert record first
        dgram.extend_from_slice(&record(22, 1, &[0; 40])); // epoch 1: ignored
        dgram.extend_from_slice(&record(22, 0, &payload));
        let info = find_server_hello(&dgram).unwrap().unwrap();
        assert_eq!(info.cipher_suite, 0xC02C);
    }

    #[test]
    fn other_handshake_messages_give_none() {
        let dgram = record(22, 0, &handshake(1, &[0; 50])); // ClientHello
        assert_eq!(find_server_hello(&dgram), Ok(None));
        assert_eq!(find_server_hello(&[]), Ok(None));
        assert_eq!(
            find_server_hello(&[0x17, 0xFE]),
            Err(HelloParseError::Truncated)
        );
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let body = server_hello_body([5; 32], 0x1301, &[(43, &[0xFE, 0xFC])]);
        let full = record(22, 0, &handshake(2, &body));
        for cut in 1..full.len() {
            let result = find_server_hello(&full[..cut]);
            assert_eq!(result, Err(HelloParseError::Truncated), "cut at {cut}");
        }
        // A record whose declared length fits but whose handshake body is short.
        // Cutting right after the compression method (2+32+1+4+2+1 = 42 bytes)
        // leaves a valid extension-less ServerHello; every other cut is short.
        for cut in 0..body.len() {
            let result = parse_server_hello_body(&body[..cut]);
            if cut == 42 {
                assert_eq!(result.unwrap().unwrap().version, DTLS1_2);
            } else {
                assert_eq!(result, Err(HelloParseError::Truncated), "body cut at {cut}");
            }
        }
    }

    #[test]
    fn hostile_lengths_are_rejected() {
        let mut body = server_hello_body([5; 32], 0x1301, &[]);
        body[34] = 200; // session id length > 32
        assert_eq!(
            parse_server_hello_body(&body),
            Err(HelloParseError::Malformed("session id longer than 32"))
        );
        let body = server_hello_body([5; 32], 0x1301, &[(43, &[0xFE, 0xFC, 0xFE, 0xFD])]);
        assert_eq!(
            parse_server_hello_body(&body),
            Err(HelloParseError::Malformed("supported_versions length"))
        );
        // fragment_offset + fragment_length beyond the declared message length.
        let mut hs = handshake(2, &server_hello_body([5; 32], 0x1301, &[]));
        hs[3] = 1; // total length 1
        assert_eq!(
            find_server_hello(&record(22, 0, &hs)),
            Err(HelloParseError::Malformed("fragment beyond message length"))
        );
    }

    #[test]
    fn random_bytes_never_panic() {
        // xorshift64*, seeded: 20k inputs of 0..64 bytes, half starting like a
        // handshake record so the deeper parsers are reached too.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let mut found = 0;
        for i in 0..20_000 {
            let len = (next() % 64) as usize;
            let mut d: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if i % 2 == 0 && d.len() > 25 {
                d[0] = 22;
                d[3] = 0;
                d[4] = 0;
                d[13] = 2;
            }
            if let Ok(Some(_)) = find_server_hello(&d) {
                found += 1;
            }
            let _ = parse_server_hello_body(&d);
        }
        // Random bytes essentially never form a length-consistent ServerHello.
        assert!(found < 20, "{found}");
    }

    #[test]
    fn rfc7983_demux() {
        assert!(is_dtls_datagram(&[22, 0xFE, 0xFD]));
        assert!(is_dtls_datagram(&[0x2F])); // DTLS 1.3 unified header
        assert!(!is_dtls_datagram(&[0x00, 0x01])); // STUN binding request
        assert!(!is_dtls_datagram(&[0x80, 0x60])); // RTP
        assert!(!is_dtls_datagram(&[64])); // TURN channel
        assert!(!is_dtls_datagram(&[]));
    }

    #[test]
    fn cipher_names_follow_iana() {
        assert_eq!(cipher_suite_name(0x1301), Some("TLS_AES_128_GCM_SHA256"));
        assert_eq!(
            cipher_suite_name(0x1303),
            Some("TLS_CHACHA20_POLY1305_SHA256")
        );
        assert_eq!(
            cipher_suite_name(0xC02C),
            Some("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
        );
        assert_eq!(cipher_suite_name(0x0000), None);
    }
}
