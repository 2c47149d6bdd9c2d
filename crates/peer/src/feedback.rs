//! RTCP feedback (RFC 4585): PLI and generic NACK sent about the peer's
//! streams on request, and PLI/FIR/NACK received about ours handed to the
//! media layer.

use rtcscope_rtp::{RtcpBuild, RtcpPacket, parse_compound};

use crate::media::{MediaEngine, MediaSendError};

/// Sequence numbers one NACK event carries at most (a hostile NACK can name
/// 17 per 4 bytes; the rest is dropped).
pub const MAX_NACK_ITEMS: usize = 512;

/// Feedback about one of our streams that the media layer must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceivedFeedback {
    /// PLI (`full_intra` false) or FIR (true): send a key frame on `ssrc`.
    KeyframeRequest { ssrc: u32, full_intra: bool },
    /// Generic NACK: the peer misses these packets of `ssrc`.
    Nack { ssrc: u32, lost: Vec<u16> },
}

impl MediaEngine {
    /// Builds a feedback packet about remote stream `media_ssrc`, sent from
    /// its session's RTCP SSRC, and counts it on the stream.
    pub fn build_feedback(
        &mut self,
        media_ssrc: u32,
        feedback: Feedback<'_>,
        out: &mut [u8],
    ) -> Result<usize, MediaSendError> {
        let route = self
            .routes
            .iter()
            .find(|r| r.ssrc == media_ssrc)
            .copied()
            .ok_or(MediaSendError::UnknownSsrc(media_ssrc))?;
        let section = self
            .sections
            .get_mut(route.session)
            .ok_or(MediaSendError::UnknownSsrc(media_ssrc))?;
        let sender_ssrc = section.rtcp_ssrc;
        let stream = section
            .session
            .receive_streams_mut()
            .iter_mut()
            .find(|s| s.config().ssrc == media_ssrc)
            .ok_or(MediaSendError::UnknownSsrc(media_ssrc))?;
        let len = match feedback {
            Feedback::Pli => rtcscope_rtp::rtcp::Pli {
                sender_ssrc,
                media_ssrc,
            }
            .write(out),
            Feedback::Nack(lost) => rtcscope_rtp::rtcp::NackBuilder {
                sender_ssrc,
                media_ssrc,
                lost,
            }
            .write(out),
            Feedback::Fir { sequence_number } => rtcscope_rtp::rtcp::FirBuilder {
                sender_ssrc,
                entries: &[rtcscope_rtp::rtcp::FirEntry {
                    ssrc: media_ssrc,
                    seq_nr: sequence_number,
                }],
            }
            .write(out),
        }
        .map_err(MediaSendError::Build)?;
        match feedback {
            Feedback::Pli => stream.note_pli_sent(),
            Feedback::Nack(_) => stream.note_nack_sent(),
            Feedback::Fir { .. } => stream.note_fir_sent(),
        }
        Ok(len)
    }

    /// The feedback in a received compound that names one of our streams.
    pub fn feedback_in(&self, plain: &[u8], mut sink: impl FnMut(ReceivedFeedback)) {
        let ours = |ssrc: u32| self.local.iter().any(|l| l.ssrc == ssrc);
        for packet in parse_compound(plain) {
            // The session counted the malformed compound; stop where it stopped.
            let Ok(packet) = packet else { break };
            match packet {
                RtcpPacket::Pli(pli) if ours(pli.media_ssrc) => {
                    sink(ReceivedFeedback::KeyframeRequest {
                        ssrc: pli.media_ssrc,
                        full_intra: false,
                    });
                }
                RtcpPacket::Fir(fir) => {
                    for entry in fir.entries().filter(|e| ours(e.ssrc)) {
                        sink(ReceivedFeedback::KeyframeRequest {
                            ssrc: entry.ssrc,
                            full_intra: true,
                        });
                    }
                }
                RtcpPacket::Nack(nack) if ours(nack.media_ssrc()) => {
                    sink(ReceivedFeedback::Nack {
                        ssrc: nack.media_ssrc(),
                        lost: nack.lost_sequence_numbers().take(MAX_NACK_ITEMS).collect(),
                    });
                }
                _ => {}
            }
        }
    }
}

/// RTCP feedback the media layer can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feedback<'a> {
    /// Picture Loss Indication (RFC 4585 §6.3.1).
    Pli,
    /// Generic NACK (RFC 4585 §6.2.1) of these sequence numbers.
    Nack(&'a [u16]),
    /// Full Intra Request (RFC 5104 §4.3.1) with its command sequence number.
    Fir { sequence_number: u8 },
}
