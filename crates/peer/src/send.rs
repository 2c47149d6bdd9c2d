//! The media output path: RTP and RTX built, accounted, SRTP-protected and
//! queued on the selected pair; RTCP compounds on the session interval and
//! feedback on demand, SRTCP-protected.

use std::time::Instant;

use rtcscope_bwe::encode_transport_seq;
use rtcscope_rtp::rtp::{ExtensionElement, Extensions};

use crate::cc::TRANSPORT_CC_EXTENSION_LEN;
use crate::feedback::Feedback;
use crate::media::{MediaEngine, MediaSendError};
use crate::transport::BundleTransport;

/// Largest RTCP compound we build (fits one MTU with SRTCP overhead).
const MAX_RTCP_LEN: usize = 1200;

impl BundleTransport {
    pub(crate) fn send_due_rtcp(&mut self, now: Instant) {
        if self.srtp.is_none() || self.next_rtcp.is_none_or(|t| t > now) {
            return;
        }
        for index in 0..self.media.sections.len() {
            let mut buf = self.outbox.pool.take();
            buf.resize(MAX_RTCP_LEN + 64, 0);
            match self.media.poll_rtcp(index, now, &mut buf[..MAX_RTCP_LEN]) {
                Ok(Some(len)) => self.protect_and_send_rtcp(now, buf, len),
                Ok(None) => self.outbox.pool.give(buf),
                Err(_) => {
                    self.counters.send_failures += 1;
                    self.outbox.pool.give(buf);
                }
            }
        }
        self.next_rtcp = self.media.next_rtcp_at(now);
    }

    pub(crate) fn protect_and_send_rtcp(&mut self, now: Instant, mut buf: Vec<u8>, len: usize) {
        let Some(srtp) = self.srtp.as_mut() else {
            self.outbox.pool.give(buf);
            return;
        };
        let protected = match srtp.outbound.protect_rtcp(&mut buf, len) {
            Ok(n) => n,
            Err(_) => {
                self.counters.send_failures += 1;
                self.outbox.pool.give(buf);
                return;
            }
        };
        buf.truncate(protected);
        match self.ice.send_data(now, &buf) {
            Ok(route) => self.outbox.push_routed(route, buf),
            Err(_) => {
                self.counters.send_failures += 1;
                self.outbox.pool.give(buf);
            }
        }
    }

    /// Sends one RTP packet on local stream `ssrc`: builds it (the stream's
    /// payload type and next sequence number), accounts it, protects it and
    /// queues it on the selected pair. Returns the sequence number it got
    /// (the media layer keys its retransmission history by it).
    pub fn send_rtp(
        &mut self,
        now: Instant,
        ssrc: u32,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
    ) -> Result<u16, MediaSendError> {
        self.send_packet(now, payload.len(), |media, ext, buf| {
            media.build_rtp(ext, ssrc, payload, timestamp, marker, buf)
        })
    }

    /// Retransmits packet `original_sequence` of local stream `ssrc` on its
    /// RTX stream (RFC 4588: own SSRC, payload type and sequence numbers, the
    /// original sequence number before `payload`). The media layer keeps the
    /// history and answers [`crate::BundleEvent::Feedback`] NACKs with this.
    /// Returns the RTX sequence number.
    pub fn send_rtx(
        &mut self,
        now: Instant,
        ssrc: u32,
        original_sequence: u16,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
    ) -> Result<u16, MediaSendError> {
        self.send_packet(now, payload.len() + 2, |media, ext, buf| {
            media.build_rtx(
                ext,
                ssrc,
                original_sequence,
                payload,
                timestamp,
                marker,
                buf,
            )
        })
    }

    fn send_packet(
        &mut self,
        now: Instant,
        body_len: usize,
        build: impl FnOnce(&MediaEngine, Extensions<'_>, &mut [u8]) -> Result<usize, MediaSendError>,
    ) -> Result<u16, MediaSendError> {
        let Some(srtp) = self.srtp.as_mut() else {
            return Err(MediaSendError::NotConnected);
        };
        if self.outbox.is_full() {
            // Refused before accounting: packetsSent only counts what leaves.
            return Err(MediaSendError::QueueFull);
        }
        let mut buf = self.outbox.pool.take();
        let header = rtcscope_rtp::rtp::FIXED_HEADER_LEN;
        let ext_len = if self.cc.is_some() {
            TRANSPORT_CC_EXTENSION_LEN
        } else {
            0
        };
        buf.resize(header + ext_len + body_len + srtp.profile.rtp_tag_len(), 0);
        // The estimator counts the packet at the size it has on the wire (SRTP included).
        let wire_len = buf.len();
        let transport_seq = self.cc.as_mut().map(|cc| {
            (
                cc.ext_id,
                encode_transport_seq(cc.bwe.on_packet_sent(now, wire_len)),
            )
        });
        let elements;
        let extensions = match &transport_seq {
            Some((id, value)) => {
                elements = [ExtensionElement { id: *id, value }];
                Extensions::OneByte(&elements)
            }
            None => Extensions::None,
        };
        let result = build(&self.media, extensions, &mut buf)
            .and_then(|len| {
                srtp.outbound
                    .protect_rtp(&mut buf, len)
                    .map(|n| (len, n))
                    .map_err(MediaSendError::Srtp)
            })
            .and_then(|(len, protected)| {
                self.ice
                    .send_data(now, &buf[..protected])
                    .map(|route| (len, protected, route))
                    .map_err(MediaSendError::Ice)
            });
        match result {
            Ok((len, protected, route)) => {
                // Header and payload keep their lengths under SRTP; the tag follows.
                self.media.commit_sent(now, &buf[..len]);
                let sequence_number = u16::from_be_bytes([buf[2], buf[3]]);
                buf.truncate(protected);
                self.outbox.push_routed(route, buf);
                Ok(sequence_number)
            }
            Err(e) => {
                self.outbox.pool.give(buf);
                Err(e)
            }
        }
    }

    /// Sends RTCP feedback (PLI or generic NACK) about remote stream `media_ssrc`
    /// at once (RFC 4585 immediate mode, reduced size as with `a=rtcp-rsize`).
    pub fn send_feedback(
        &mut self,
        now: Instant,
        media_ssrc: u32,
        feedback: Feedback<'_>,
    ) -> Result<(), MediaSendError> {
        if self.srtp.is_none() {
            return Err(MediaSendError::NotConnected);
        }
        let mut buf = self.outbox.pool.take();
        buf.resize(MAX_RTCP_LEN + 64, 0);
        match self
            .media
            .build_feedback(media_ssrc, feedback, &mut buf[..MAX_RTCP_LEN])
        {
            Ok(len) => {
                self.protect_and_send_rtcp(now, buf, len);
                Ok(())
            }
            Err(e) => {
                self.outbox.pool.give(buf);
                Err(e)
            }
        }
    }
}
