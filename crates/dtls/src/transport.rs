//! The sans-IO DTLS transport: dimpl plus the checks WebRTC needs around it
//! (remote fingerprint, SRTP keying orientation, the negotiated cipher).

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use dimpl::{Dtls, Output};

use crate::certificate::LocalCertificate;
use crate::fingerprint::{FingerprintParseError, Sha256Fingerprint};
use crate::hello::{self, DTLS1_2, DTLS1_3, ServerHelloInfo};
use crate::keying::{KeyingLengthError, SrtpKeyingMaterial, SrtpProfileInfo};
use crate::role::{DtlsRole, RoleError, SetupAttr};

/// Which DTLS versions to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsVersion {
    /// DTLS 1.2 only.
    Dtls12,
    /// DTLS 1.3 only.
    Dtls13,
    /// Either: a client sends a ClientHello valid for both, a server follows
    /// the ClientHello's supported_versions (Chrome offers 1.3 and 1.2).
    Auto,
}

/// Configuration of one transport.
#[derive(Clone)]
pub struct DtlsTransportConfig {
    /// Versions to speak.
    pub version: DtlsVersion,
    /// dimpl's configuration (cipher-suite filters, MTU, retransmission
    /// timers, RNG seed); [`DtlsTransportConfig::new`] uses dimpl's defaults
    /// with the pure-Rust crypto provider.
    pub dimpl: Arc<dimpl::Config>,
}

impl fmt::Debug for DtlsTransportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DtlsTransportConfig")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl DtlsTransportConfig {
    /// dimpl defaults for the given versions.
    pub fn new(version: DtlsVersion) -> Result<Self, dimpl::Error> {
        Ok(Self {
            version,
            dimpl: Arc::new(dimpl::Config::builder().build()?),
        })
    }
}

/// RTCDtlsTransportState.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsState {
    /// Created, no DTLS datagram has passed yet.
    New,
    /// Handshake under way (or done but the remote certificate is not yet verified).
    Connecting,
    /// Handshake done and the remote certificate matched `a=fingerprint`.
    Connected,
    /// Closed by close_notify, either side.
    Closed,
    /// Failed: see [`DtlsFailure`].
    Failed,
}

impl DtlsState {
    /// The stats `dtlsState` value.
    pub fn as_stats_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Closed => "closed",
            Self::Failed => "failed",
        }
    }
}

/// Why the transport failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DtlsFailure {
    /// The remote certificate does not hash to the SDP's `a=fingerprint`.
    FingerprintMismatch {
        /// From the remote SDP.
        expected: Sha256Fingerprint,
        /// SHA-256 of the certificate the peer presented.
        actual: Sha256Fingerprint,
    },
    /// The handshake finished without a peer certificate.
    NoPeerCertificate,
    /// dimpl negotiated an SRTP profile we cannot key.
    UnsupportedSrtpProfile(String),
    /// The exporter returned the wrong number of bytes for the profile.
    KeyingMaterialLength(KeyingLengthError),
    /// The handshake did not complete in time: dimpl exhausted its flight
    /// retransmissions or its overall handshake deadline.
    HandshakeTimeout(String),
    /// dimpl reported another fatal error (bad message, fatal alert, ...).
    Protocol(String),
}

impl DtlsFailure {
    fn from_dimpl(error: &dimpl::Error) -> Self {
        match error {
            dimpl::Error::Timeout(_) => Self::HandshakeTimeout(error.to_string()),
            _ => Self::Protocol(error.to_string()),
        }
    }
}

impl fmt::Display for DtlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FingerprintMismatch { expected, actual } => write!(
                f,
                "remote certificate fingerprint mismatch: a=fingerprint is sha-256 {expected}, \
                 the peer's certificate is sha-256 {actual}"
            ),
            Self::NoPeerCertificate => write!(f, "handshake completed without a peer certificate"),
            Self::UnsupportedSrtpProfile(p) => write!(f, "unsupported SRTP profile {p}"),
            Self::KeyingMaterialLength(e) => write!(
                f,
                "DTLS-SRTP exporter gave {} bytes, profile needs {}",
                e.actual, e.expected
            ),
            Self::HandshakeTimeout(e) => write!(f, "DTLS handshake did not complete: {e}"),
            Self::Protocol(e) => write!(f, "DTLS error: {e}"),
        }
    }
}

impl std::error::Error for DtlsFailure {}

/// Something the application must hear about.
#[derive(Debug, PartialEq, Eq)]
pub enum DtlsEvent<'a> {
    /// Handshake complete and the remote fingerprint verified; keying
    /// material and the negotiated cipher are now available.
    Connected,
    /// Decrypted application data (SCTP for data channels).
    ApplicationData(&'a [u8]),
    /// The peer sent close_notify.
    Closed,
    /// The transport failed; nothing more will be sent or delivered.
    Failed(DtlsFailure),
}

/// Sending was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DtlsSendError {
    /// Only a connected transport sends application data.
    NotConnected(DtlsState),
    /// dimpl refused; the transport is now failed.
    Protocol(String),
}

impl fmt::Display for DtlsSendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected(s) => write!(f, "DTLS transport is {}", s.as_stats_str()),
            Self::Protocol(e) => write!(f, "DTLS error: {e}"),
        }
    }
}

impl std::error::Error for DtlsSendError {}

/// The SDP's DTLS attributes could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdpDtlsError {
    /// `a=setup` values leave no single client.
    Role(RoleError),
    /// The remote `a=fingerprint` is unusable.
    Fingerprint(FingerprintParseError),
}

impl fmt::Display for SdpDtlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Role(e) => e.fmt(f),
            Self::Fingerprint(e) => write!(f, "remote a=fingerprint: {e}"),
        }
    }
}

impl std::error::Error for SdpDtlsError {}

/// Counters kept by the transport (all discards are counted, never panicked on).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DtlsCounters {
    /// Datagrams handed to `handle_receive`.
    pub datagrams_received: u64,
    /// Datagrams given out by `poll_transmit`.
    pub datagrams_sent: u64,
    /// Datagrams ignored because the transport was failed or closed.
    pub datagrams_ignored: u64,
    /// Application data records dropped because the remote was never verified.
    pub application_data_discarded: u64,
    /// ServerHello-looking bytes that did not parse.
    pub malformed_server_hellos: u64,
}

/// Internal event queue entry; application data sits in a pooled buffer.
enum Pending {
    Connected,
    ApplicationData(Vec<u8>),
    Closed,
    Failed(DtlsFailure),
}

/// Reused byte buffers so the steady-state datagram path does not allocate.
struct BufferPool {
    free: Vec<Vec<u8>>,
}

/// Upper bound on idle pooled buffers (memory cap).
const MAX_POOLED_BUFFERS: usize = 64;
/// Upper bound on queued received application records before the oldest
/// are dropped (a peer cannot make us buffer without bound).
const MAX_QUEUED_EVENTS: usize = 256;
/// Starting size of dimpl's output buffer; grown on `BufferTooSmall`.
const INITIAL_OUTPUT_BUFFER: usize = 2048;
/// dimpl never asks for more than a few MTUs; refuse silly requests.
const MAX_OUTPUT_BUFFER: usize = 1 << 16;

impl BufferPool {
    fn take_copy(&mut self, data: &[u8]) -> Vec<u8> {
        let mut buf = self.free.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(data);
        buf
    }

    fn give(&mut self, buf: Vec<u8>) {
        if self.free.len() < MAX_POOLED_BUFFERS {
            self.free.push(buf);
        }
    }
}

/// One DTLS association, driven sans-IO.
pub struct DtlsTransport {
    dtls: Dtls,
    config: DtlsTransportConfig,
    role: DtlsRole,
    state: DtlsState,
    local_fingerprint: Sha256Fingerprint,
    local_certificate: Vec<u8>,
    expected_remote: Option<Sha256Fingerprint>,
    remote_certificate: Option<Vec<u8>>,
    remote_verified: bool,
    handshake_complete: bool,
    server_hello: Option<ServerHelloInfo>,
    srtp_profile: Option<SrtpProfileInfo>,
    srtp_keys: Option<SrtpKeyingMaterial>,
    failure: Option<DtlsFailure>,
    next_timeout: Option<Instant>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<Pending>,
    /// The buffer last lent out by `poll_transmit`/`poll_event`, recycled on the next call.
    lent: Option<Vec<u8>>,
    pool: BufferPool,
    output_buf: Vec<u8>,
    counters: DtlsCounters,
}

impl fmt::Debug for DtlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DtlsTransport")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("server_hello", &self.server_hello)
            .finish_non_exhaustive()
    }
}

impl DtlsTransport {
    /// A transport in `role` (from [`DtlsRole::negotiate`]) presenting
    /// `certificate`. `expected_remote` is the remote SDP's `a=fingerprint`
    /// if already known; otherwise call [`Self::set_remote_fingerprint`]
    /// before the handshake can be declared connected.
    pub fn new(
        config: DtlsTransportConfig,
        certificate: &LocalCertificate,
        role: DtlsRole,
        expected_remote: Option<Sha256Fingerprint>,
        now: Instant,
    ) -> Self {
        let cert = certificate.to_dimpl();
        let cfg = Arc::clone(&config.dimpl);
        let mut dtls = match config.version {
            DtlsVersion::Dtls12 => Dtls::new_12(cfg, cert, now),
            DtlsVersion::Dtls13 => Dtls::new_13(cfg, cert, now),
            DtlsVersion::Auto => Dtls::new_auto(cfg, cert, now),
        };
        // dimpl starts as server; switch before anything else happens.
        dtls.set_active(role == DtlsRole::Client);
        let mut transport = Self {
            dtls,
            config,
            role,
            state: DtlsState::New,
            local_fingerprint: certificate.fingerprint(),
            local_certificate: certificate.der().to_vec(),
            expected_remote,
            remote_certificate: None,
            remote_verified: false,
            handshake_complete: false,
            server_hello: None,
            srtp_profile: None,
            srtp_keys: None,
            failure: None,
            next_timeout: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            lent: None,
            pool: BufferPool { free: Vec::new() },
            output_buf: vec![0; INITIAL_OUTPUT_BUFFER],
            counters: DtlsCounters::default(),
        };
        transport.pump();
        transport
    }

    /// A transport from a completed offer/answer: the role from the local and
    /// remote `a=setup`, the expected peer certificate from the remote
    /// `a=fingerprint` value (e.g. `sha-256 AB:CD:..`).
    pub fn from_sdp(
        config: DtlsTransportConfig,
        certificate: &LocalCertificate,
        local_setup: SetupAttr,
        remote_setup: SetupAttr,
        remote_fingerprint: &str,
        now: Instant,
    ) -> Result<Self, SdpDtlsError> {
        let role = DtlsRole::negotiate(local_setup, remote_setup).map_err(SdpDtlsError::Role)?;
        let expected =
            Sha256Fingerprint::parse_sdp(remote_fingerprint).map_err(SdpDtlsError::Fingerprint)?;
        Ok(Self::new(config, certificate, role, Some(expected), now))
    }

    /// Our role.
    pub fn role(&self) -> DtlsRole {
        self.role
    }

    /// RTCDtlsTransportState.
    pub fn state(&self) -> DtlsState {
        self.state
    }

    /// Why the transport failed, if it did.
    pub fn failure(&self) -> Option<&DtlsFailure> {
        self.failure.as_ref()
    }

    /// Our certificate's fingerprint.
    pub fn local_fingerprint(&self) -> Sha256Fingerprint {
        self.local_fingerprint
    }

    /// Our certificate (DER).
    pub fn local_certificate(&self) -> &[u8] {
        &self.local_certificate
    }

    /// The peer's certificate (DER) once it matched `a=fingerprint`.
    pub fn verified_remote_certificate(&self) -> Option<&[u8]> {
        self.remote_certificate
            .as_deref()
            .filter(|_| self.remote_verified && self.state != DtlsState::Failed)
    }

    /// The certificate the peer presented (DER), once seen (verified or not).
    pub fn remote_certificate(&self) -> Option<&[u8]> {
        self.remote_certificate.as_deref()
    }

    /// The negotiated version and cipher suite, read from the ServerHello.
    pub fn server_hello(&self) -> Option<ServerHelloInfo> {
        self.server_hello
    }

    /// The negotiated SRTP profile.
    pub fn srtp_profile(&self) -> Option<SrtpProfileInfo> {
        self.srtp_profile
    }

    /// SRTP keys oriented by our role; only once connected (verified).
    pub fn srtp_keying_material(&self) -> Option<&SrtpKeyingMaterial> {
        if self.state == DtlsState::Connected || self.state == DtlsState::Closed {
            self.srtp_keys.as_ref()
        } else {
            None
        }
    }

    /// Counters.
    pub fn counters(&self) -> DtlsCounters {
        self.counters
    }

    /// Set (or learn late) the remote SDP's `a=fingerprint`. If the peer's
    /// certificate has already arrived it is checked now.
    pub fn set_remote_fingerprint(&mut self, expected: Sha256Fingerprint) {
        if self.is_terminal() {
            return;
        }
        self.expected_remote = Some(expected);
        if self.remote_certificate.is_some() {
            // Re-checked even when already verified: a changed a=fingerprint
            // that no longer matches the live peer must not keep it trusted.
            self.remote_verified = false;
            self.verify_remote();
            self.maybe_connected();
        }
    }

    /// Feed one received datagram (already demultiplexed as DTLS, RFC 7983).
    pub fn handle_receive(&mut self, now: Instant, datagram: &[u8]) {
        self.counters.datagrams_received += 1;
        if self.is_terminal() {
            self.counters.datagrams_ignored += 1;
            return;
        }
        if self.state == DtlsState::New {
            self.state = DtlsState::Connecting;
        }
        // dimpl wants its clock refreshed before a packet at a new instant.
        if let Err(e) = self.dtls.handle_timeout(now) {
            self.fail(DtlsFailure::from_dimpl(&e));
            return;
        }
        self.sniff(datagram);
        if let Err(e) = self.dtls.handle_packet(datagram) {
            self.fail(DtlsFailure::from_dimpl(&e));
            return;
        }
        self.pump();
    }

    /// When `handle_timeout` should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_terminal() {
            None
        } else {
            self.next_timeout
        }
    }

    /// Advance time: retransmissions and the handshake deadline run here.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.is_terminal() {
            return;
        }
        if let Err(e) = self.dtls.handle_timeout(now) {
            self.fail(DtlsFailure::from_dimpl(&e));
            return;
        }
        self.pump();
    }

    /// Next datagram to send. The slice is valid until the next call on `self`.
    pub fn poll_transmit(&mut self) -> Option<&[u8]> {
        self.recycle_lent();
        let buf = self.transmit.pop_front()?;
        if self.state == DtlsState::New {
            self.state = DtlsState::Connecting;
        }
        self.counters.datagrams_sent += 1;
        Some(self.lent.insert(buf).as_slice())
    }

    /// Next event. Application data is only released once connected.
    pub fn poll_event(&mut self) -> Option<DtlsEvent<'_>> {
        self.recycle_lent();
        let held = matches!(self.events.front(), Some(Pending::ApplicationData(_)))
            && self.state != DtlsState::Connected
            && self.state != DtlsState::Closed;
        if held {
            return None;
        }
        Some(match self.events.pop_front()? {
            Pending::Connected => DtlsEvent::Connected,
            Pending::Closed => DtlsEvent::Closed,
            Pending::Failed(f) => DtlsEvent::Failed(f),
            Pending::ApplicationData(buf) => {
                DtlsEvent::ApplicationData(self.lent.insert(buf).as_slice())
            }
        })
    }

    /// Encrypt and queue application data.
    pub fn send(&mut self, data: &[u8]) -> Result<(), DtlsSendError> {
        if self.state != DtlsState::Connected {
            return Err(DtlsSendError::NotConnected(self.state));
        }
        if let Err(e) = self.dtls.send_application_data(data) {
            self.fail(DtlsFailure::from_dimpl(&e));
            return Err(DtlsSendError::Protocol(e.to_string()));
        }
        self.pump();
        Ok(())
    }

    /// Send close_notify and close.
    pub fn close(&mut self) {
        if self.is_terminal() {
            return;
        }
        // An error here means the association is already unusable; closed either way.
        let _ = self.dtls.close();
        self.pump();
        self.state = DtlsState::Closed;
    }

    fn is_terminal(&self) -> bool {
        matches!(self.state, DtlsState::Failed | DtlsState::Closed)
    }

    fn recycle_lent(&mut self) {
        if let Some(buf) = self.lent.take() {
            self.pool.give(buf);
        }
    }

    /// Read version and cipher from a ServerHello passing in either
    /// direction, until the handshake completes. A ServerHello whose values
    /// our configuration could not have accepted is not recorded.
    fn sniff(&mut self, datagram: &[u8]) {
        if self.handshake_complete {
            return;
        }
        match hello::find_server_hello(datagram) {
            Ok(Some(info)) if self.acceptable(info) => self.server_hello = Some(info),
            Ok(_) => {}
            Err(_) => self.counters.malformed_server_hellos += 1,
        }
    }

    fn acceptable(&self, info: ServerHelloInfo) -> bool {
        let cfg = &self.config.dimpl;
        let version_allowed = match self.config.version {
            DtlsVersion::Dtls12 => info.version == DTLS1_2,
            DtlsVersion::Dtls13 => info.version == DTLS1_3,
            DtlsVersion::Auto => info.version == DTLS1_2 || info.version == DTLS1_3,
        };
        version_allowed
            && if info.version == DTLS1_3 {
                cfg.dtls13_cipher_suites()
                    .any(|s| s.suite().as_u16() == info.cipher_suite)
            } else {
                cfg.dtls12_cipher_suites()
                    .any(|s| s.suite().as_u16() == info.cipher_suite)
            }
    }

    /// Drain dimpl's output into our queues.
    fn pump(&mut self) {
        loop {
            if self.state == DtlsState::Failed {
                return;
            }
            match self.dtls.poll_output(&mut self.output_buf) {
                Output::Packet(p) => {
                    let buf = self.pool.take_copy(p);
                    if !self.handshake_complete {
                        // Our own ServerHello, when we are the server.
                        match hello::find_server_hello(&buf) {
                            Ok(Some(info)) if self.acceptable(info) => {
                                self.server_hello = Some(info);
                            }
                            Ok(_) => {}
                            Err(_) => self.counters.malformed_server_hellos += 1,
                        }
                    }
                    self.transmit.push_back(buf);
                }
                Output::BufferTooSmall { needed } => {
                    if needed > MAX_OUTPUT_BUFFER {
                        self.fail(DtlsFailure::Protocol(format!(
                            "dimpl asked for a {needed}-byte output buffer"
                        )));
                        return;
                    }
                    self.output_buf.resize(needed, 0);
                }
                Output::Timeout(t) => {
                    self.next_timeout = Some(t);
                    return;
                }
                Output::PeerCert(der) => {
                    self.remote_certificate = Some(der.to_vec());
                    if self.expected_remote.is_some() {
                        self.verify_remote();
                    }
                }
                Output::KeyingMaterial(material, profile) => {
                    self.take_keying_material(&material, profile);
                }
                Output::Connected => {
                    self.handshake_complete = true;
                    self.maybe_connected();
                }
                Output::ApplicationData(data) => {
                    if self.remote_verified {
                        if self.events.len() >= MAX_QUEUED_EVENTS {
                            self.counters.application_data_discarded += 1;
                        } else {
                            let buf = self.pool.take_copy(data);
                            self.events.push_back(Pending::ApplicationData(buf));
                        }
                    } else {
                        self.counters.application_data_discarded += 1;
                    }
                }
                Output::CloseNotify => {
                    // (A failed transport returned at the top of the loop.)
                    self.state = DtlsState::Closed;
                    self.events.push_back(Pending::Closed);
                }
                // Output is non-exhaustive; unknown future outputs carry nothing we use.
                _ => {}
            }
        }
    }

    fn take_keying_material(&mut self, material: &[u8], profile: dimpl::SrtpProfile) {
        let Some(info) = SrtpProfileInfo::from_dimpl(profile) else {
            self.fail(DtlsFailure::UnsupportedSrtpProfile(profile.to_string()));
            return;
        };
        match SrtpKeyingMaterial::split(info, material, self.role) {
            Ok(keys) => {
                self.srtp_profile = Some(info);
                self.srtp_keys = Some(keys);
            }
            Err(e) => self.fail(DtlsFailure::KeyingMaterialLength(e)),
        }
    }

    fn verify_remote(&mut self) {
        let (Some(expected), Some(der)) = (self.expected_remote, &self.remote_certificate) else {
            return;
        };
        let actual = Sha256Fingerprint::of_der(der);
        if actual == expected {
            self.remote_verified = true;
        } else {
            self.fail(DtlsFailure::FingerprintMismatch { expected, actual });
        }
    }

    fn maybe_connected(&mut self) {
        if !self.handshake_complete || self.state != DtlsState::Connecting {
            return;
        }
        if self.remote_certificate.is_none() {
            self.fail(DtlsFailure::NoPeerCertificate);
            return;
        }
        if self.remote_verified {
            self.state = DtlsState::Connected;
            // Connected goes before any application data already queued.
            self.events.push_front(Pending::Connected);
        }
    }

    /// Enter `Failed`: nothing more is sent (queued datagrams are dropped, so
    /// a peer we refused never gets our Finished) and nothing is delivered.
    fn fail(&mut self, failure: DtlsFailure) {
        if self.state == DtlsState::Failed {
            return;
        }
        self.state = DtlsState::Failed;
        self.next_timeout = None;
        while let Some(buf) = self.transmit.pop_front() {
            self.pool.give(buf);
        }
        let mut kept = VecDeque::new();
        while let Some(ev) = self.events.pop_front() {
            match ev {
                Pending::ApplicationData(buf) => {
                    self.counters.application_data_discarded += 1;
                    self.pool.give(buf);
                }
                other => kept.push_back(other),
            }
        }
        self.events = kept;
        self.failure = Some(failure.clone());
        self.events.push_back(Pending::Failed(failure));
    }
}
