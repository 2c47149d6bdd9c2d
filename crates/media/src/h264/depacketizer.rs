//! Reassembles access units from RFC 6184 mode 1 payloads (single NAL unit, STAP-A, FU-A)
//! into the Annex B byte stream the decoder takes.
//!
//! Packets are expected in sequence order (the jitter buffer in front sorts them). Anything
//! that shows the frame lost data — a sequence gap, an FU-A without its start or end, the
//! timestamp moving on before the marker — makes the frame incomplete: it is reported as such
//! and its bytes are never handed out, so the decoder does not get garbage. Malformed
//! payloads are counted and break their frame; nothing here panics or grows without bound.

use super::nal::{START_CODE, nal_type, nal_unit_type};

/// Default cap on one reassembled access unit. A 4K IDR at very high quality stays well
/// below; anything larger is treated as hostile.
pub const DEFAULT_MAX_ACCESS_UNIT_BYTES: usize = 4 << 20;

/// Why a frame could not be reassembled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncompleteReason {
    /// Sequence numbers skipped within the frame, or between the previous frame and this one.
    SequenceGap,
    /// An FU-A fragment arrived without its start fragment.
    MissingFragmentStart,
    /// An FU-A ended (by marker, a new NAL unit or a new timestamp) without its end fragment.
    MissingFragmentEnd,
    /// The timestamp changed before a packet with the marker bit arrived.
    MissingMarker,
    /// A payload could not be parsed.
    Malformed,
    /// The frame grew past the size cap.
    TooLarge,
}

/// A frame that was given up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncompleteFrame {
    pub rtp_timestamp: u32,
    pub reason: IncompleteReason,
    pub packets: u32,
}

/// A reassembled access unit; `annex_b` borrows the depacketizer until the next push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompleteFrame<'a> {
    pub rtp_timestamp: u32,
    pub annex_b: &'a [u8],
    /// Holds an IDR slice.
    pub keyframe: bool,
    /// RTP packets the frame came in (framesAssembledFromMultiplePackets when > 1).
    pub packets: u32,
}

/// How a frame ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameOutcome<'a> {
    Complete(CompleteFrame<'a>),
    Incomplete(IncompleteFrame),
}

/// What one packet finished. Both fields can be set: a packet with a new timestamp abandons
/// the previous, unfinished frame and may itself finish its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PushOutcome<'a> {
    /// The previous frame, given up because the timestamp moved on before its marker.
    pub abandoned: Option<IncompleteFrame>,
    /// The frame of this packet, if this packet carried the marker bit.
    pub finished: Option<FrameOutcome<'a>>,
}

/// Counters of packets that carried nothing usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DepacketizerCounters {
    pub malformed_payloads: u64,
    pub duplicate_packets: u64,
    /// Packets older than one already pushed (they cannot be used: the frame they belong to
    /// was already finished or abandoned).
    pub late_packets: u64,
    /// NAL unit types 0, 30 and 31, which receivers ignore (RFC 6184 §5.4).
    pub ignored_payloads: u64,
}

#[derive(Debug, Clone, Copy)]
struct FrameInProgress {
    rtp_timestamp: u32,
    packets: u32,
    broken: Option<IncompleteReason>,
    in_fragment: bool,
    keyframe: bool,
}

#[derive(Debug, Clone)]
pub struct H264Depacketizer {
    buffer: Vec<u8>,
    max_access_unit_bytes: usize,
    frame: Option<FrameInProgress>,
    last_sequence: Option<u16>,
    counters: DepacketizerCounters,
}

impl Default for H264Depacketizer {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_ACCESS_UNIT_BYTES)
    }
}

impl H264Depacketizer {
    pub fn new(max_access_unit_bytes: usize) -> Self {
        Self {
            buffer: Vec::new(),
            max_access_unit_bytes,
            frame: None,
            last_sequence: None,
            counters: DepacketizerCounters::default(),
        }
    }

    pub fn counters(&self) -> DepacketizerCounters {
        self.counters
    }

    /// Forget the sequence history, e.g. after the jitter buffer skipped ahead on purpose
    /// (the first frame after a reset is judged on its own packets only).
    pub fn reset(&mut self) {
        self.frame = None;
        self.last_sequence = None;
        self.buffer.clear();
    }

    /// Feeds one RTP packet's payload with the header fields that matter here.
    pub fn push(
        &mut self,
        sequence: u16,
        rtp_timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) -> PushOutcome<'_> {
        let mut outcome = PushOutcome::default();
        let gap = match self.last_sequence {
            Some(last) if sequence == last => {
                self.counters.duplicate_packets += 1;
                return outcome;
            }
            // Behind the newest packet (in the RFC 3550 sense: within half the sequence
            // space): too late to use, and it must not disturb the frame in progress.
            Some(last) if last.wrapping_sub(sequence) < 0x8000 => {
                self.counters.late_packets += 1;
                return outcome;
            }
            Some(last) => sequence != last.wrapping_add(1),
            None => false,
        };
        self.last_sequence = Some(sequence);

        if let Some(frame) = self.frame
            && frame.rtp_timestamp != rtp_timestamp
        {
            // The previous frame never saw its marker; its end is lost.
            let reason = frame.broken.unwrap_or(if frame.in_fragment {
                IncompleteReason::MissingFragmentEnd
            } else {
                IncompleteReason::MissingMarker
            });
            outcome.abandoned = Some(IncompleteFrame {
                rtp_timestamp: frame.rtp_timestamp,
                reason,
                packets: frame.packets,
            });
            self.frame = None;
        }
        let frame = self.frame.get_or_insert_with(|| {
            self.buffer.clear();
            FrameInProgress {
                rtp_timestamp,
                packets: 0,
                broken: None,
                in_fragment: false,
                keyframe: false,
            }
        });
        frame.packets = frame.packets.saturating_add(1);
        if gap && frame.broken.is_none() {
            frame.broken = Some(IncompleteReason::SequenceGap);
        }
        match classify(payload) {
            Err(reason) => {
                self.counters.malformed_payloads += 1;
                frame.broken = frame.broken.or(Some(reason));
            }
            Ok(Payload::Ignored) => self.counters.ignored_payloads += 1,
            Ok(parsed) if frame.broken.is_none() => {
                if let Err(reason) =
                    append_payload(&mut self.buffer, frame, parsed, self.max_access_unit_bytes)
                {
                    if reason == IncompleteReason::Malformed {
                        self.counters.malformed_payloads += 1;
                    }
                    frame.broken = Some(reason);
                }
            }
            // The frame is already lost: its data is not kept.
            Ok(_) => {}
        }
        if frame.broken.is_some() {
            self.buffer.clear();
        }

        if marker {
            let finished = *frame;
            self.frame = None;
            let reason = finished.broken.or(finished
                .in_fragment
                .then_some(IncompleteReason::MissingFragmentEnd));
            outcome.finished = match reason {
                Some(reason) => Some(FrameOutcome::Incomplete(IncompleteFrame {
                    rtp_timestamp: finished.rtp_timestamp,
                    reason,
                    packets: finished.packets,
                })),
                None if !self.buffer.is_empty() => Some(FrameOutcome::Complete(CompleteFrame {
                    rtp_timestamp: finished.rtp_timestamp,
                    annex_b: &self.buffer,
                    keyframe: finished.keyframe,
                    packets: finished.packets,
                })),
                // Only ignorable payloads: nothing to decode, nothing lost.
                None => None,
            };
        }
        outcome
    }
}

/// Payload kinds of packetization mode 1.
enum Payload<'a> {
    Single(&'a [u8]),
    StapA(&'a [u8]),
    FuA {
        indicator: u8,
        fu_header: u8,
        data: &'a [u8],
    },
    Ignored,
}

fn classify(payload: &[u8]) -> Result<Payload<'_>, IncompleteReason> {
    let (&header, rest) = payload.split_first().ok_or(IncompleteReason::Malformed)?;
    if header & 0x80 != 0 {
        // forbidden_zero_bit set: the unit is known to be corrupt.
        return Err(IncompleteReason::Malformed);
    }
    match nal_unit_type(header) {
        1..=23 => Ok(Payload::Single(payload)),
        nal_type::STAP_A => Ok(Payload::StapA(rest)),
        nal_type::FU_A => {
            let (&fu_header, data) = rest.split_first().ok_or(IncompleteReason::Malformed)?;
            if fu_header & 0xc0 == 0xc0 || data.is_empty() {
                // Start and end in one fragment is forbidden (RFC 6184 §5.8).
                return Err(IncompleteReason::Malformed);
            }
            Ok(Payload::FuA {
                indicator: header,
                fu_header,
                data,
            })
        }
        0 | 30 | 31 => Ok(Payload::Ignored),
        // STAP-B, MTAP16, MTAP24, FU-B are not allowed in mode 1.
        _ => Err(IncompleteReason::Malformed),
    }
}

fn append_payload(
    buffer: &mut Vec<u8>,
    frame: &mut FrameInProgress,
    payload: Payload<'_>,
    cap: usize,
) -> Result<(), IncompleteReason> {
    match payload {
        Payload::Single(nal) => {
            end_fragment_check(frame)?;
            append_nal(buffer, frame, &[], nal, cap)
        }
        Payload::StapA(mut rest) => {
            end_fragment_check(frame)?;
            if rest.is_empty() {
                return Err(IncompleteReason::Malformed);
            }
            while !rest.is_empty() {
                let [hi, lo, tail @ ..] = rest else {
                    return Err(IncompleteReason::Malformed);
                };
                let size = usize::from(u16::from_be_bytes([*hi, *lo]));
                if size == 0 || size > tail.len() {
                    return Err(IncompleteReason::Malformed);
                }
                let (nal, next) = tail.split_at(size);
                if nal[0] & 0x80 != 0 {
                    return Err(IncompleteReason::Malformed);
                }
                append_nal(buffer, frame, &[], nal, cap)?;
                rest = next;
            }
            Ok(())
        }
        Payload::FuA {
            indicator,
            fu_header,
            data,
        } => {
            let start = fu_header & 0x80 != 0;
            let end = fu_header & 0x40 != 0;
            if start {
                end_fragment_check(frame)?;
                let header = indicator & 0xe0 | fu_header & 0x1f;
                append_nal(buffer, frame, &[header], data, cap)?;
                frame.in_fragment = true;
            } else {
                if !frame.in_fragment {
                    return Err(IncompleteReason::MissingFragmentStart);
                }
                append_bytes(buffer, data, cap)?;
                if end {
                    frame.in_fragment = false;
                }
            }
            Ok(())
        }
        Payload::Ignored => Ok(()),
    }
}

fn end_fragment_check(frame: &FrameInProgress) -> Result<(), IncompleteReason> {
    if frame.in_fragment {
        Err(IncompleteReason::MissingFragmentEnd)
    } else {
        Ok(())
    }
}

fn append_nal(
    buffer: &mut Vec<u8>,
    frame: &mut FrameInProgress,
    header: &[u8],
    body: &[u8],
    cap: usize,
) -> Result<(), IncompleteReason> {
    let first = header.first().or(body.first()).copied().unwrap_or(0);
    if nal_unit_type(first) == nal_type::IDR_SLICE {
        frame.keyframe = true;
    }
    append_bytes(buffer, &START_CODE, cap)?;
    append_bytes(buffer, header, cap)?;
    append_bytes(buffer, body, cap)
}

fn append_bytes(buffer: &mut Vec<u8>, bytes: &[u8], cap: usize) -> Result<(), IncompleteReason> {
    if buffer.len() + bytes.len() > cap {
        return Err(IncompleteReason::TooLarge);
    }
    buffer.extend_from_slice(bytes);
    Ok(())
}
