//! `SrtpContext`: one master key's SRTP/SRTCP state, per SSRC.

use std::collections::HashMap;

use crate::error::SrtpError;
use crate::header::{RTCP_HEADER_LEN, parse_rtcp_ssrc, parse_rtp};
use crate::kdf::SessionKeys;
use crate::profile::{SRTCP_INDEX_LEN, SrtpProfile};
use crate::replay::{ReplayCheck, ReplayWindow, estimate_rtp_index};
use crate::stats::SrtpStats;
use crate::transform::Transform;

/// Default cap on SSRCs a context tracks.
pub const DEFAULT_MAX_STREAMS: usize = 1024;

/// Largest SRTCP index: 31 bits (RFC 3711 §3.4).
const MAX_SRTCP_INDEX: u32 = 0x7fff_ffff;

/// Tunables of a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrtpConfig {
    /// SSRCs tracked at most (send and receive together). Beyond it a new
    /// SSRC is refused with [`SrtpError::TooManyStreams`], so a flood of
    /// forged SSRCs cannot grow memory without bound.
    pub max_streams: usize,
}

impl Default for SrtpConfig {
    fn default() -> Self {
        SrtpConfig {
            max_streams: DEFAULT_MAX_STREAMS,
        }
    }
}

/// What a context remembers of one SSRC.
#[derive(Debug, Clone, Copy, Default)]
struct StreamState {
    /// Highest SRTP index protected (ROC << 16 | SEQ).
    rtp_sent: Option<u64>,
    /// Receive-side SRTP index estimate and replay window.
    rtp_received: Option<ReplayWindow>,
    /// Next SRTCP index to send.
    rtcp_next_index: u32,
    /// Receive-side SRTCP replay window.
    rtcp_received: Option<ReplayWindow>,
}

/// SRTP/SRTCP state of one master key (one direction of a DTLS-SRTP
/// association in WebRTC: protect with the local keys, unprotect with the
/// remote ones, in two contexts).
///
/// All packet functions work in place on `buf[..len]`; protect needs
/// [`SrtpProfile::rtp_tag_len`] / [`SrtpProfile::rtcp_overhead`] octets of
/// room after `len`. A failed unprotect leaves `buf` as it was.
pub struct SrtpContext {
    profile: SrtpProfile,
    transform: Transform,
    config: SrtpConfig,
    streams: HashMap<u32, StreamState>,
    stats: SrtpStats,
}

impl core::fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SrtpContext")
            .field("profile", &self.profile)
            .field("streams", &self.streams.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl SrtpContext {
    /// A context for `profile` keyed by a master key and salt (e.g. from
    /// [`crate::DtlsSrtpKeys`]), with the default configuration.
    pub fn new(
        profile: SrtpProfile,
        master_key: &[u8],
        master_salt: &[u8],
    ) -> Result<Self, SrtpError> {
        Self::with_config(profile, master_key, master_salt, SrtpConfig::default())
    }

    /// As [`SrtpContext::new`] with an explicit configuration.
    pub fn with_config(
        profile: SrtpProfile,
        master_key: &[u8],
        master_salt: &[u8],
        config: SrtpConfig,
    ) -> Result<Self, SrtpError> {
        let keys = SessionKeys::derive(profile, master_key, master_salt)?;
        Ok(Self::from_session_keys(profile, &keys, config))
    }

    /// A context from already-derived session keys (test vectors give
    /// session keys directly).
    pub fn from_session_keys(profile: SrtpProfile, keys: &SessionKeys, config: SrtpConfig) -> Self {
        SrtpContext {
            profile,
            transform: Transform::new(profile, keys),
            config,
            streams: HashMap::with_capacity(config.max_streams.min(8)),
            stats: SrtpStats::default(),
        }
    }

    pub fn profile(&self) -> SrtpProfile {
        self.profile
    }

    pub fn stats(&self) -> &SrtpStats {
        &self.stats
    }

    /// SSRCs currently tracked.
    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    /// Forgets an SSRC (e.g. after RTCP BYE) so its slot can be reused.
    pub fn remove_stream(&mut self, ssrc: u32) -> bool {
        self.streams.remove(&ssrc).is_some()
    }

    /// Highest SRTP index (ROC << 16 | SEQ) protected for `ssrc`.
    pub fn rtp_sent_index(&self, ssrc: u32) -> Option<u64> {
        self.streams.get(&ssrc)?.rtp_sent
    }

    /// Highest SRTP index authenticated from `ssrc`.
    pub fn rtp_received_index(&self, ssrc: u32) -> Option<u64> {
        Some(self.streams.get(&ssrc)?.rtp_received?.highest())
    }

    /// Protects the RTP packet `buf[..len]` in place; returns the SRTP
    /// length (`len` + tag). The ROC advances when SEQ wraps.
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let packet = buf.get(..len).ok_or(SrtpError::LengthOutOfBounds {
            len,
            buffer: buf.len(),
        })?;
        let header = parse_rtp(packet)?;
        let needed = len + self.profile.rtp_tag_len();
        if buf.len() < needed {
            return Err(SrtpError::BufferTooSmall {
                needed,
                available: buf.len(),
            });
        }
        let stream = self.stream_for_sending(header.ssrc)?;
        let index = match stream.rtp_sent {
            Some(highest) => estimate_rtp_index(highest, header.sequence_number)
                .ok_or(SrtpError::IndexExhausted)?,
            None => u64::from(header.sequence_number),
        };
        let new_len = self
            .transform
            .protect_rtp(buf, header.len, len, header.ssrc, index)
            .ok_or(SrtpError::Malformed)?;
        let stream = self.streams.entry(header.ssrc).or_default();
        stream.rtp_sent = Some(stream.rtp_sent.map_or(index, |h| h.max(index)));
        self.stats.rtp_packets_protected += 1;
        Ok(new_len)
    }

    /// Verifies and decrypts the SRTP packet `buf[..len]` in place; returns
    /// the RTP length. Replays, packets behind the window and forgeries are
    /// refused, counted, and do not move the window.
    pub fn unprotect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let result = self.unprotect_rtp_inner(buf, len);
        if let Err(e) = result {
            self.count_drop(e);
        }
        result
    }

    fn unprotect_rtp_inner(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let packet = buf.get(..len).ok_or(SrtpError::LengthOutOfBounds {
            len,
            buffer: buf.len(),
        })?;
        let tag_len = self.profile.rtp_tag_len();
        let body = packet
            .get(..len.checked_sub(tag_len).ok_or(SrtpError::Malformed)?)
            .ok_or(SrtpError::Malformed)?;
        let header = parse_rtp(body)?;
        let window = self
            .receiving_stream(header.ssrc)?
            .and_then(|s| s.rtp_received);
        let index = match window {
            Some(w) => {
                let index = estimate_rtp_index(w.highest(), header.sequence_number)
                    .ok_or(SrtpError::IndexExhausted)?;
                w.check(index).map_err(|c| replay_error(c, index))?;
                index
            }
            // A new stream starts at ROC 0 (RFC 3711 §3.3.1).
            None => u64::from(header.sequence_number),
        };
        let plain_len = self
            .transform
            .unprotect_rtp(buf, header.len, len, header.ssrc, index)
            .map_err(|_| SrtpError::AuthenticationFailed)?;
        // Authenticated: only now may the packet create or move state.
        let stream = self.streams.entry(header.ssrc).or_default();
        match &mut stream.rtp_received {
            Some(w) => w.accept(index),
            None => stream.rtp_received = Some(ReplayWindow::new(index)),
        }
        self.stats.rtp_packets_unprotected += 1;
        Ok(plain_len)
    }

    /// Protects the (compound) RTCP packet `buf[..len]` in place with the
    /// next SRTCP index of its sender SSRC, always encrypted (E = 1);
    /// returns the SRTCP length.
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let packet = buf.get(..len).ok_or(SrtpError::LengthOutOfBounds {
            len,
            buffer: buf.len(),
        })?;
        let ssrc = parse_rtcp_ssrc(packet)?;
        let needed = len + self.profile.rtcp_overhead();
        if buf.len() < needed {
            return Err(SrtpError::BufferTooSmall {
                needed,
                available: buf.len(),
            });
        }
        let index = self.stream_for_sending(ssrc)?.rtcp_next_index;
        if index > MAX_SRTCP_INDEX {
            return Err(SrtpError::IndexExhausted);
        }
        let new_len = self
            .transform
            .protect_rtcp(buf, len, ssrc, index)
            .ok_or(SrtpError::Malformed)?;
        self.streams.entry(ssrc).or_default().rtcp_next_index = index + 1;
        self.stats.rtcp_packets_protected += 1;
        Ok(new_len)
    }

    /// Verifies and (if E = 1) decrypts the SRTCP packet `buf[..len]` in
    /// place; returns the RTCP length.
    pub fn unprotect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let result = self.unprotect_rtcp_inner(buf, len);
        if let Err(e) = result {
            self.count_drop(e);
        }
        result
    }

    fn unprotect_rtcp_inner(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let packet = buf.get(..len).ok_or(SrtpError::LengthOutOfBounds {
            len,
            buffer: buf.len(),
        })?;
        if len < RTCP_HEADER_LEN + self.profile.rtp_tag_len() + SRTCP_INDEX_LEN {
            return Err(SrtpError::Malformed);
        }
        let ssrc = parse_rtcp_ssrc(packet)?;
        let (_, index) = self.transform.rtcp_index_word(packet, len);
        let index = u64::from(index);
        let window = self.receiving_stream(ssrc)?.and_then(|s| s.rtcp_received);
        if let Some(w) = window {
            w.check(index).map_err(|c| replay_error(c, index))?;
        }
        let rtcp_len = self
            .transform
            .unprotect_rtcp(buf, len, ssrc)
            .map_err(|_| SrtpError::AuthenticationFailed)?;
        let stream = self.streams.entry(ssrc).or_default();
        match &mut stream.rtcp_received {
            Some(w) => w.accept(index),
            None => stream.rtcp_received = Some(ReplayWindow::new(index)),
        }
        self.stats.rtcp_packets_unprotected += 1;
        Ok(rtcp_len)
    }

    /// The state of `ssrc` for sending, created if there is room.
    fn stream_for_sending(&mut self, ssrc: u32) -> Result<StreamState, SrtpError> {
        if let Some(s) = self.streams.get(&ssrc) {
            return Ok(*s);
        }
        if self.streams.len() >= self.config.max_streams {
            return Err(SrtpError::TooManyStreams {
                limit: self.config.max_streams,
            });
        }
        Ok(StreamState::default())
    }

    /// The state of `ssrc` for receiving: `None` for a new SSRC that still
    /// has to authenticate before it is stored; an error when it could not
    /// be stored anyway.
    fn receiving_stream(&self, ssrc: u32) -> Result<Option<&StreamState>, SrtpError> {
        match self.streams.get(&ssrc) {
            Some(s) => Ok(Some(s)),
            None if self.streams.len() >= self.config.max_streams => {
                Err(SrtpError::TooManyStreams {
                    limit: self.config.max_streams,
                })
            }
            None => Ok(None),
        }
    }

    fn count_drop(&mut self, error: SrtpError) {
        let counter = match error {
            SrtpError::AuthenticationFailed => &mut self.stats.auth_failures,
            SrtpError::Replayed { .. } => &mut self.stats.replays_dropped,
            SrtpError::TooOld { .. } => &mut self.stats.too_old_dropped,
            SrtpError::Malformed | SrtpError::LengthOutOfBounds { .. } => {
                &mut self.stats.malformed_dropped
            }
            SrtpError::TooManyStreams { .. } => &mut self.stats.stream_limit_dropped,
            // An index beyond 2^48 cannot authenticate under this key.
            SrtpError::IndexExhausted => &mut self.stats.auth_failures,
            SrtpError::InvalidKeyLength { .. }
            | SrtpError::InvalidKeyingMaterialLength { .. }
            | SrtpError::BufferTooSmall { .. } => return,
        };
        *counter += 1;
    }
}

fn replay_error(check: ReplayCheck, index: u64) -> SrtpError {
    match check {
        ReplayCheck::Replayed => SrtpError::Replayed { index },
        ReplayCheck::TooOld => SrtpError::TooOld { index },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::MAX_RTP_INDEX;

    fn context(profile: SrtpProfile) -> SrtpContext {
        let key = vec![3u8; profile.master_key_len()];
        let salt = vec![4u8; profile.master_salt_len()];
        SrtpContext::new(profile, &key, &salt).unwrap()
    }

    fn rtp(seq: u16) -> [u8; 40] {
        let mut p = [0u8; 40];
        p[0] = 0x80;
        p[2..4].copy_from_slice(&seq.to_be_bytes());
        p[8..12].copy_from_slice(&9u32.to_be_bytes());
        p
    }

    #[test]
    fn contexts_can_move_between_threads() {
        fn send_and_sync<T: Send + Sync>() {}
        send_and_sync::<SrtpContext>();
    }

    #[test]
    fn rtp_index_exhaustion_refuses_to_reuse_keystream() {
        for profile in SrtpProfile::ALL {
            let mut tx = context(profile);
            // The last index: ROC 2^32 - 1, SEQ 0xffff.
            tx.streams.insert(
                9,
                StreamState {
                    rtp_sent: Some(MAX_RTP_INDEX - 1),
                    ..Default::default()
                },
            );
            let mut last = rtp(0xffff);
            assert_eq!(
                tx.protect_rtp(&mut last, 24),
                Ok(24 + profile.rtp_tag_len())
            );
            assert_eq!(tx.rtp_sent_index(9), Some(MAX_RTP_INDEX));
            // SEQ 0 would need ROC 2^32: refused rather than wrapped to 0.
            let mut next = rtp(0);
            assert_eq!(
                tx.protect_rtp(&mut next, 24),
                Err(SrtpError::IndexExhausted)
            );

            let mut rx = context(profile);
            rx.streams.insert(
                9,
                StreamState {
                    rtp_received: Some(ReplayWindow::new(MAX_RTP_INDEX)),
                    ..Default::default()
                },
            );
            let mut wrapped = rtp(0);
            assert_eq!(
                rx.unprotect_rtp(&mut wrapped, 40),
                Err(SrtpError::IndexExhausted)
            );
            assert_eq!(rx.stats().auth_failures, 1);
        }
    }

    #[test]
    fn srtcp_index_exhaustion_after_2_pow_31_packets() {
        for profile in SrtpProfile::ALL {
            let mut tx = context(profile);
            tx.streams.insert(
                9,
                StreamState {
                    rtcp_next_index: MAX_SRTCP_INDEX,
                    ..Default::default()
                },
            );
            let mut report = [0u8; 40];
            report[0] = 0x80;
            report[1] = 201;
            report[4..8].copy_from_slice(&9u32.to_be_bytes());
            let mut first = report;
            let n = tx.protect_rtcp(&mut first, 8).unwrap();
            // The last index is 0x7fffffff, sent with the E flag.
            let mut rx = context(profile);
            assert_eq!(rx.unprotect_rtcp(&mut first, n), Ok(8));
            let mut second = report;
            assert_eq!(
                tx.protect_rtcp(&mut second, 8),
                Err(SrtpError::IndexExhausted)
            );
        }
    }
}
