//! RFC 7983 §7 demultiplexing of one 5-tuple by the first byte, with RFC 5761
//! §4 telling RTCP from RTP by the second.

/// What a received datagram is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramKind {
    /// First byte 0..=3.
    Stun,
    /// First byte 20..=63.
    Dtls,
    /// First byte 64..=79: TURN ChannelData, unwrapped by the ICE layer.
    TurnChannel,
    /// First byte 128..=191, second byte not 192..=223.
    Rtp,
    /// First byte 128..=191, second byte 192..=223 (RTCP packet types 192..223
    /// would collide with RTP payload types 64..95, which RFC 5761 forbids).
    Rtcp,
    /// Empty, the ZRTP range 16..=19, or anything else: discarded.
    Unknown,
}

/// Classifies a datagram by its first (and for RTP/RTCP second) byte.
pub fn classify(datagram: &[u8]) -> DatagramKind {
    match datagram.first() {
        Some(0..=3) => DatagramKind::Stun,
        Some(20..=63) => DatagramKind::Dtls,
        Some(64..=79) => DatagramKind::TurnChannel,
        Some(128..=191) => match datagram.get(1) {
            Some(192..=223) => DatagramKind::Rtcp,
            Some(_) => DatagramKind::Rtp,
            None => DatagramKind::Unknown,
        },
        _ => DatagramKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_7983_and_5761() {
        let kind = |b0: u8, b1: u8| classify(&[b0, b1, 0, 0]);
        for b in 0..=3 {
            assert_eq!(kind(b, 1), DatagramKind::Stun);
        }
        for b in [4, 16, 19, 80, 127, 192, 255] {
            assert_eq!(kind(b, 1), DatagramKind::Unknown, "first byte {b}");
        }
        assert_eq!(kind(64, 0), DatagramKind::TurnChannel);
        assert_eq!(kind(79, 0), DatagramKind::TurnChannel);
        assert_eq!(kind(20, 0), DatagramKind::Dtls);
        assert_eq!(kind(63, 0), DatagramKind::Dtls);
        // V=2 RTP with PT 96 / marker + PT 111 / PT 0.
        assert_eq!(kind(0x80, 96), DatagramKind::Rtp);
        assert_eq!(kind(0x80, 0x80 | 111), DatagramKind::Rtp);
        assert_eq!(kind(0x80, 0), DatagramKind::Rtp);
        // SR 200, RR 201, RTPFB 205, PSFB 206, XR 207; edges 192 and 223.
        for pt in [192, 200, 201, 205, 206, 207, 223] {
            assert_eq!(kind(0x81, pt), DatagramKind::Rtcp, "RTCP PT {pt}");
        }
        // PT byte 224 is RTP PT 96 with the marker bit.
        assert_eq!(kind(0x80, 224), DatagramKind::Rtp);
        assert_eq!(kind(0x80, 191), DatagramKind::Rtp);
        assert_eq!(classify(&[]), DatagramKind::Unknown);
        assert_eq!(classify(&[0x80]), DatagramKind::Unknown);
    }
}
