//! Sender and receiver reports (RFC 3550 §6.4) and report blocks.

use super::compound::RtcpBuild;
use super::header::{PT_RR, PT_SR, count_field, write_header};
use crate::error::{BuildError, RtcpError};
use crate::ntp::NtpTime;
use crate::wire::{Cursor, u8_at, u24_at, u32_at, u64_at};

/// Wire size of one report block.
pub const REPORT_BLOCK_LEN: usize = 24;
/// NTP timestamp, RTP timestamp, packet count, octet count.
const SENDER_INFO_LEN: usize = 20;

/// One reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ReportBlock {
    /// SSRC of the source this block reports on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, as an 8-bit fixed point
    /// fraction (lost / expected × 256).
    pub fraction_lost: u8,
    /// Cumulative packets lost, a signed 24-bit value sign-extended
    /// (negative when duplicates outnumber losses).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received (cycles << 16 | seq).
    pub extended_highest_seq: u32,
    /// Interarrival jitter in RTP timestamp units.
    pub jitter: u32,
    /// Compact NTP of the last SR received from this source (0 if none).
    pub last_sr: u32,
    /// Delay since that SR in 1/65536 s.
    pub delay_since_last_sr: u32,
}

/// Smallest and largest cumulative-lost values the 24-bit field holds.
pub const CUMULATIVE_LOST_MIN: i32 = -(1 << 23);
pub const CUMULATIVE_LOST_MAX: i32 = (1 << 23) - 1;

impl ReportBlock {
    #[inline]
    fn read(b: &[u8]) -> ReportBlock {
        let lost24 = u24_at(b, 5);
        // Sign-extend from 24 bits: shift the sign bit into bit 31 and back.
        let cumulative_lost = ((lost24 << 8) as i32) >> 8;
        ReportBlock {
            ssrc: u32_at(b, 0),
            fraction_lost: u8_at(b, 4),
            cumulative_lost,
            extended_highest_seq: u32_at(b, 8),
            jitter: u32_at(b, 12),
            last_sr: u32_at(b, 16),
            delay_since_last_sr: u32_at(b, 20),
        }
    }

    /// Writes the block; `cumulative_lost` is clamped to the 24-bit range
    /// as RFC 3550 A.3 prescribes.
    fn write(&self, w: &mut Cursor<'_>) -> Result<(), BuildError> {
        let lost = self
            .cumulative_lost
            .clamp(CUMULATIVE_LOST_MIN, CUMULATIVE_LOST_MAX);
        w.u32(self.ssrc)?;
        w.u8(self.fraction_lost)?;
        w.u24((lost as u32) & 0x00FF_FFFF)?;
        w.u32(self.extended_highest_seq)?;
        w.u32(self.jitter)?;
        w.u32(self.last_sr)?;
        w.u32(self.delay_since_last_sr)
    }
}

/// Iterator over report blocks.
#[derive(Debug, Clone)]
pub struct ReportBlockIter<'a> {
    data: &'a [u8],
}

impl Iterator for ReportBlockIter<'_> {
    type Item = ReportBlock;

    #[inline]
    fn next(&mut self) -> Option<ReportBlock> {
        let (block, rest) = self.data.split_first_chunk::<REPORT_BLOCK_LEN>()?;
        self.data = rest;
        Some(ReportBlock::read(block))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.data.len() / REPORT_BLOCK_LEN;
        (n, Some(n))
    }
}

impl ExactSizeIterator for ReportBlockIter<'_> {}

/// Splits `data` into `count` report blocks and the profile-specific
/// extension that follows them.
#[inline]
fn split_blocks<'a>(
    packet: &'static str,
    count: u8,
    offset: usize,
    data: &'a [u8],
) -> Result<(&'a [u8], &'a [u8]), RtcpError> {
    let needed = offset + usize::from(count) * REPORT_BLOCK_LEN;
    let blocks = data.get(offset..needed).ok_or(RtcpError::Truncated {
        packet,
        needed,
        available: data.len(),
    })?;
    Ok((blocks, data.get(needed..).unwrap_or(&[])))
}

/// Sender report view (PT 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReport<'a> {
    ssrc: u32,
    ntp_time: NtpTime,
    rtp_timestamp: u32,
    packet_count: u32,
    octet_count: u32,
    blocks: &'a [u8],
    extension: &'a [u8],
}

impl<'a> SenderReport<'a> {
    #[inline]
    pub(crate) fn parse(count: u8, body: &'a [u8]) -> Result<Self, RtcpError> {
        let needed = 4 + SENDER_INFO_LEN;
        if body.len() < needed {
            return Err(RtcpError::Truncated {
                packet: "SR",
                needed,
                available: body.len(),
            });
        }
        let (blocks, extension) = split_blocks("SR", count, needed, body)?;
        Ok(SenderReport {
            ssrc: u32_at(body, 0),
            ntp_time: NtpTime(u64_at(body, 4)),
            rtp_timestamp: u32_at(body, 12),
            packet_count: u32_at(body, 16),
            octet_count: u32_at(body, 20),
            blocks,
            extension,
        })
    }

    /// SSRC of the sender.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    #[inline]
    pub fn ntp_time(&self) -> NtpTime {
        self.ntp_time
    }

    /// RTP timestamp corresponding to `ntp_time`.
    #[inline]
    pub fn rtp_timestamp(&self) -> u32 {
        self.rtp_timestamp
    }

    #[inline]
    pub fn packet_count(&self) -> u32 {
        self.packet_count
    }

    /// Payload octets sent (headers and padding excluded).
    #[inline]
    pub fn octet_count(&self) -> u32 {
        self.octet_count
    }

    #[inline]
    pub fn report_blocks(&self) -> ReportBlockIter<'a> {
        ReportBlockIter { data: self.blocks }
    }

    /// Profile-specific extension after the report blocks.
    #[inline]
    pub fn profile_extension(&self) -> &'a [u8] {
        self.extension
    }
}

/// Receiver report view (PT 201).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverReport<'a> {
    ssrc: u32,
    blocks: &'a [u8],
    extension: &'a [u8],
}

impl<'a> ReceiverReport<'a> {
    #[inline]
    pub(crate) fn parse(count: u8, body: &'a [u8]) -> Result<Self, RtcpError> {
        if body.len() < 4 {
            return Err(RtcpError::Truncated {
                packet: "RR",
                needed: 4,
                available: body.len(),
            });
        }
        let (blocks, extension) = split_blocks("RR", count, 4, body)?;
        Ok(ReceiverReport {
            ssrc: u32_at(body, 0),
            blocks,
            extension,
        })
    }

    /// SSRC of the packet sender (the reporter).
    #[inline]
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    #[inline]
    pub fn report_blocks(&self) -> ReportBlockIter<'a> {
        ReportBlockIter { data: self.blocks }
    }

    #[inline]
    pub fn profile_extension(&self) -> &'a [u8] {
        self.extension
    }
}

/// Writes a sender report with up to 31 report blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderReportBuilder<'a> {
    pub ssrc: u32,
    pub ntp_time: NtpTime,
    pub rtp_timestamp: u32,
    pub packet_count: u32,
    pub octet_count: u32,
    pub report_blocks: &'a [ReportBlock],
}

impl RtcpBuild for SenderReportBuilder<'_> {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        count_field(self.report_blocks.len(), "report blocks")?;
        Ok(4 + 4 + SENDER_INFO_LEN + self.report_blocks.len() * REPORT_BLOCK_LEN)
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let count = count_field(self.report_blocks.len(), "report blocks")?;
        let mut w = write_header(out, count, PT_SR, self.encoded_len()?)?;
        w.u32(self.ssrc)?;
        w.u64(self.ntp_time.0)?;
        w.u32(self.rtp_timestamp)?;
        w.u32(self.packet_count)?;
        w.u32(self.octet_count)?;
        for block in self.report_blocks {
            block.write(&mut w)?;
        }
        Ok(w.pos())
    }
}

/// Writes a receiver report with up to 31 report blocks (0 is valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiverReportBuilder<'a> {
    pub ssrc: u32,
    pub report_blocks: &'a [ReportBlock],
}

impl RtcpBuild for ReceiverReportBuilder<'_> {
    fn encoded_len(&self) -> Result<usize, BuildError> {
        count_field(self.report_blocks.len(), "report blocks")?;
        Ok(4 + 4 + self.report_blocks.len() * REPORT_BLOCK_LEN)
    }

    fn write(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        let count = count_field(self.report_blocks.len(), "report blocks")?;
        let mut w = write_header(out, count, PT_RR, self.encoded_len()?)?;
        w.u32(self.ssrc)?;
        for block in self.report_blocks {
            block.write(&mut w)?;
        }
        Ok(w.pos())
    }
}
