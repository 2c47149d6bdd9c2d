//! RFC 7587: one Opus packet per RTP payload, RTP clock at 48 kHz whatever the coded
//! bandwidth. The timestamp advances by the packet's duration, which the TOC byte tells
//! (RFC 6716 §3.1).

/// RTP timestamp rate of Opus (RFC 7587 §4.1).
pub const RTP_CLOCK_RATE: u32 = 48_000;
/// Longest duration one Opus packet may hold (RFC 6716 §3.2.5): 120 ms.
pub const MAX_PACKET_SAMPLES: usize = 5760;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpusPayloadError {
    /// RFC 7587 payloads are never empty.
    Empty,
    /// A code 1 packet must split evenly into two frames.
    OddTwoFramePacket,
    /// A code 3 packet needs its frame count byte, with a count of at least one.
    BadFrameCount,
    /// More than 120 ms in one packet.
    TooLong,
}

impl std::fmt::Display for OpusPayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self {
            Self::Empty => "empty Opus payload",
            Self::OddTwoFramePacket => "code 1 Opus packet with an odd payload length",
            Self::BadFrameCount => "code 3 Opus packet without a valid frame count",
            Self::TooLong => "Opus packet longer than 120 ms",
        };
        f.write_str(what)
    }
}

impl std::error::Error for OpusPayloadError {}

/// Samples per channel at 48 kHz of one frame for TOC configuration `config` (0..=31).
fn frame_samples(config: u8) -> usize {
    match config {
        // SILK-only: 10, 20, 40, 60 ms.
        0..=11 => [480, 960, 1920, 2880][usize::from(config % 4)],
        // Hybrid: 10, 20 ms.
        12..=15 => [480, 960][usize::from(config % 2)],
        // CELT-only: 2.5, 5, 10, 20 ms.
        _ => [120, 240, 480, 960][usize::from(config % 4)],
    }
}

/// Duration of an Opus packet in 48 kHz samples per channel, from its TOC byte and (for
/// code 3) frame count byte, checked against the framing rules of RFC 6716 §3.2.
pub fn packet_samples(packet: &[u8]) -> Result<usize, OpusPayloadError> {
    let (&toc, rest) = packet.split_first().ok_or(OpusPayloadError::Empty)?;
    let per_frame = frame_samples(toc >> 3);
    let frames = match toc & 3 {
        0 => 1,
        1 if rest.len() % 2 == 0 => 2,
        1 => return Err(OpusPayloadError::OddTwoFramePacket),
        2 => 2,
        _ => {
            let count = rest
                .first()
                .map(|b| usize::from(b & 0x3f))
                .ok_or(OpusPayloadError::BadFrameCount)?;
            if count == 0 {
                return Err(OpusPayloadError::BadFrameCount);
            }
            count
        }
    };
    let samples = per_frame * frames;
    if samples > MAX_PACKET_SAMPLES {
        return Err(OpusPayloadError::TooLong);
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toc_durations_from_rfc_6716_table_2() {
        // config 1 (SILK NB 20 ms), code 0.
        assert_eq!(packet_samples(&[1 << 3, 0xaa]), Ok(960));
        // config 15 (Hybrid FB 20 ms), code 0: 0x78 is what libopus sends for speech.
        assert_eq!(packet_samples(&[0x78, 1, 2]), Ok(960));
        // config 31 (CELT FB 20 ms), stereo, code 0.
        assert_eq!(packet_samples(&[0xfc]), Ok(960));
        // config 16 (CELT NB 2.5 ms), code 2: two frames.
        assert_eq!(packet_samples(&[16 << 3 | 2, 1, 9, 9]), Ok(240));
        // config 3 (SILK NB 60 ms), code 1, even remainder: 120 ms.
        assert_eq!(packet_samples(&[3 << 3 | 1, 1, 2]), Ok(5760));
        // config 1 (20 ms), code 3 with 6 frames = 120 ms; 7 frames is too long.
        assert_eq!(packet_samples(&[1 << 3 | 3, 6]), Ok(5760));
        assert_eq!(
            packet_samples(&[1 << 3 | 3, 7]),
            Err(OpusPayloadError::TooLong)
        );
    }

    #[test]
    fn malformed_framing_is_rejected() {
        assert_eq!(packet_samples(&[]), Err(OpusPayloadError::Empty));
        assert_eq!(
            packet_samples(&[1 << 3 | 1, 1]),
            Err(OpusPayloadError::OddTwoFramePacket)
        );
        assert_eq!(
            packet_samples(&[1 << 3 | 3]),
            Err(OpusPayloadError::BadFrameCount)
        );
        assert_eq!(
            packet_samples(&[1 << 3 | 3, 0x40]),
            Err(OpusPayloadError::BadFrameCount)
        );
    }
}
