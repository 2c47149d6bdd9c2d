//! Synthetic media until the codecs land: a 30 fps video source whose
//! frames have realistic sizes (a ~9 kB keyframe every 2 s, 1.5–4 kB delta
//! frames) split into packets of at most 1,200 bytes with the marker on the
//! last one and 90 kHz timestamps, and a 50 packet/s audio source (20 ms of
//! "Opus", 72–88 byte payloads, 48 kHz timestamps). Each counts exactly what
//! it handed to the transport, so tests compare outbound-rtp with it.

use std::time::{Duration, Instant};

use rtcscope_stats::MediaKind;

/// Largest RTP payload a video frame is split into.
pub const MAX_VIDEO_PAYLOAD: usize = 1_200;
const VIDEO_FRAME_INTERVAL: Duration = Duration::from_nanos(1_000_000_000 / 30);
const VIDEO_TICKS_PER_FRAME: u32 = 3_000;
const KEYFRAME_EVERY: u32 = 60;
const AUDIO_PACKET_INTERVAL: Duration = Duration::from_millis(20);
const AUDIO_TICKS_PER_PACKET: u32 = 960;
/// A source more than this late (a stalled driver) skips ahead instead of bursting.
const MAX_CATCH_UP: Duration = Duration::from_millis(500);

/// What a source sent so far, as the transport accounted it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyntheticCounters {
    pub packets_sent: u64,
    /// RTP payload bytes (what outbound-rtp `bytesSent` counts).
    pub payload_bytes_sent: u64,
    pub frames_sent: u64,
    /// Packets the transport refused (not counted above).
    pub send_failures: u64,
}

/// One synthetic source attached to a sender.
#[derive(Debug)]
pub struct SyntheticSource {
    kind: MediaKind,
    next_at: Option<Instant>,
    paused: bool,
    index: u32,
    timestamp_base: u32,
    buf: Vec<u8>,
    pub counters: SyntheticCounters,
}

/// One RTP payload to send.
pub struct SyntheticPacket<'a> {
    pub payload: &'a [u8],
    pub timestamp: u32,
    pub marker: bool,
}

impl SyntheticSource {
    pub fn new(kind: MediaKind, seed: u64) -> Self {
        Self {
            kind,
            next_at: None,
            paused: false,
            index: 0,
            // Random initial timestamp (RFC 3550 §5.1).
            timestamp_base: (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32,
            buf: vec![0; 10_000],
            counters: SyntheticCounters::default(),
        }
    }

    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// When the next frame is due; `None` until [`Self::start`].
    pub fn next_due(&self) -> Option<Instant> {
        self.next_at
    }

    /// Starts producing at `now` (once the transport can carry media).
    pub fn start(&mut self, now: Instant) {
        if self.next_at.is_none() && !self.paused {
            self.next_at = Some(now);
        }
    }

    /// Stops producing for good (a stopped track); counters stay.
    pub fn pause(&mut self) {
        self.paused = true;
        self.next_at = None;
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Bytes of frame `i`: keyframes ~9 kB, delta frames 1.5–4 kB.
    fn video_frame_len(i: u32) -> usize {
        if i.is_multiple_of(KEYFRAME_EVERY) {
            9_000 + (i as usize * 37) % 1_000
        } else {
            1_500 + (i.wrapping_mul(2_654_435_761) as usize >> 7) % 2_500
        }
    }

    fn audio_len(i: u32) -> usize {
        72 + (i as usize * 7) % 17
    }

    /// Hands every packet due at `now` to `send`, which returns whether the
    /// transport took it.
    pub fn produce(&mut self, now: Instant, mut send: impl FnMut(SyntheticPacket<'_>) -> bool) {
        let Some(mut due) = self.next_at else {
            return;
        };
        let interval = match self.kind {
            MediaKind::Video => VIDEO_FRAME_INTERVAL,
            MediaKind::Audio => AUDIO_PACKET_INTERVAL,
        };
        if now.saturating_duration_since(due) > MAX_CATCH_UP {
            let behind = now.saturating_duration_since(due).as_nanos() / interval.as_nanos();
            self.index = self.index.wrapping_add(behind as u32);
            due += interval * behind as u32;
        }
        while due <= now {
            self.emit(&mut send);
            self.index = self.index.wrapping_add(1);
            due += interval;
        }
        self.next_at = Some(due);
    }

    fn emit(&mut self, send: &mut impl FnMut(SyntheticPacket<'_>) -> bool) {
        let i = self.index;
        let (len, ticks) = match self.kind {
            MediaKind::Video => (Self::video_frame_len(i), VIDEO_TICKS_PER_FRAME),
            MediaKind::Audio => (Self::audio_len(i), AUDIO_TICKS_PER_PACKET),
        };
        let timestamp = self.timestamp_base.wrapping_add(i.wrapping_mul(ticks));
        let len = len.min(self.buf.len());
        // A recognisable pattern: frame index in every byte's low bits.
        for (n, b) in self.buf.iter_mut().take(len).enumerate() {
            *b = (i as u8) ^ (n as u8);
        }
        let chunk = match self.kind {
            MediaKind::Video => MAX_VIDEO_PAYLOAD,
            MediaKind::Audio => len,
        };
        let mut any = false;
        let frame = self.buf.get(..len).unwrap_or_default();
        let mut chunks = frame.chunks(chunk).peekable();
        while let Some(payload) = chunks.next() {
            let marker = chunks.peek().is_none() && self.kind == MediaKind::Video;
            if send(SyntheticPacket {
                payload,
                timestamp,
                marker,
            }) {
                self.counters.packets_sent += 1;
                self.counters.payload_bytes_sent += payload.len() as u64;
                any = true;
            } else {
                self.counters.send_failures += 1;
            }
        }
        if any {
            self.counters.frames_sent += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_frames_split_at_1200_with_marker_on_the_last() {
        let t0 = Instant::now();
        let mut src = SyntheticSource::new(MediaKind::Video, 0);
        src.start(t0);
        let mut packets = Vec::new();
        // 1 s of frames: 30 frames (t0 + 0 .. t0 + 29/30 s), frame 30 is due at exactly 1 s.
        // Driven every 10 ms as the driver's timer would.
        for ms in (0..1000).step_by(10) {
            src.produce(t0 + Duration::from_millis(ms), |p| {
                packets.push((p.payload.len(), p.timestamp, p.marker));
                true
            });
        }
        assert_eq!(src.counters.frames_sent, 30);
        // Keyframe 0: 9,000 bytes = 7 × 1,200 + 600.
        assert_eq!(packets[..8].iter().map(|p| p.0).sum::<usize>(), 9_000);
        assert_eq!(packets[7], (600, packets[0].1, true));
        assert!(packets[..7].iter().all(|p| p.0 == 1_200 && !p.2));
        // Timestamps advance 3,000 ticks (90 kHz / 30) per frame.
        assert_eq!(packets[8].1, packets[0].1.wrapping_add(3_000));
        assert!(packets.iter().all(|p| p.0 <= MAX_VIDEO_PAYLOAD));
        let total: usize = packets.iter().map(|p| p.0).sum();
        assert_eq!(src.counters.payload_bytes_sent, total as u64);
        assert_eq!(src.counters.packets_sent, packets.len() as u64);
        assert_eq!(packets.iter().filter(|p| p.2).count(), 30);
    }

    #[test]
    fn audio_is_50_packets_per_second_with_48khz_timestamps() {
        let t0 = Instant::now();
        let mut src = SyntheticSource::new(MediaKind::Audio, 3);
        src.start(t0);
        let mut ts = Vec::new();
        for ms in (0..1000).step_by(10) {
            src.produce(t0 + Duration::from_millis(ms), |p| {
                assert!((72..=88).contains(&p.payload.len()) && !p.marker);
                ts.push(p.timestamp);
                true
            });
        }
        assert_eq!(ts.len(), 50);
        assert!(ts.windows(2).all(|w| w[1].wrapping_sub(w[0]) == 960));
        assert_eq!(src.next_due(), Some(t0 + Duration::from_millis(1000)));
    }

    #[test]
    fn a_stalled_driver_skips_ahead_instead_of_bursting() {
        let t0 = Instant::now();
        let mut src = SyntheticSource::new(MediaKind::Audio, 3);
        src.start(t0);
        let mut n = 0;
        // 2 s late: the backlog beyond 500 ms is skipped, one packet goes.
        src.produce(t0 + Duration::from_secs(2), |_| {
            n += 1;
            true
        });
        assert_eq!(n, 1);
        assert_eq!(src.next_due(), Some(t0 + Duration::from_millis(2020)));
    }

    #[test]
    fn refused_packets_are_not_counted() {
        let t0 = Instant::now();
        let mut src = SyntheticSource::new(MediaKind::Audio, 3);
        src.start(t0);
        src.produce(t0, |_| false);
        assert_eq!(src.counters.packets_sent, 0);
        assert_eq!(src.counters.send_failures, 1);
        assert_eq!(src.counters.frames_sent, 0);
    }
}
