//! A moving test pattern with the frame number drawn in large digits.
//!
//! The background (a diagonal luma ramp and chroma bands, all scrolling left 4 px per frame,
//! and a bright square bouncing left to right) makes every frame differ from the last, so
//! the encoder produces real inter frames. Luma and both chroma planes move together, so
//! motion compensation can follow them, as with a panning camera; planes moving in different
//! directions would make every frame cost like an intra frame. The counter sits in a flat black box in white 5×7 digits scaled
//! to 12×12-pixel cells: big enough to survive aggressive quantisation, and
//! [`read_frame_counter`] recovers it from decoded pixels.

use std::time::Duration;

use super::digits::{GLYPH_HEIGHT, GLYPH_WIDTH, glyph_pixel, match_glyph};
use crate::frame::I420Frame;

/// Side of one glyph pixel, in frame pixels.
const CELL: usize = 12;
/// Digits drawn; the counter wraps at 10^COUNTER_DIGITS.
pub const COUNTER_DIGITS: usize = 6;
/// Horizontal advance per digit: the glyph plus one blank cell.
const DIGIT_ADVANCE: usize = (GLYPH_WIDTH + 1) * CELL;
const BOX_WIDTH: usize = CELL + COUNTER_DIGITS * DIGIT_ADVANCE;
const BOX_HEIGHT: usize = (GLYPH_HEIGHT + 2) * CELL;
/// Luma of the counter box and of lit glyph pixels (video range black and white).
const BLACK: u8 = 16;
const WHITE: u8 = 235;
const SQUARE: usize = 64;

/// Smallest frame the counter fits in.
pub const MIN_WIDTH: usize = BOX_WIDTH + 2 * CELL;
pub const MIN_HEIGHT: usize = BOX_HEIGHT + 2 * CELL;

/// Endless synthetic camera: frame `n` is captured at `n / fps` seconds.
#[derive(Debug, Clone)]
pub struct TestPatternSource {
    width: usize,
    height: usize,
    fps: u32,
    next_frame_number: u64,
}

impl TestPatternSource {
    /// 640×480 at 30 frames per second, what the demo sends.
    pub fn vga30() -> Self {
        Self::new(640, 480, 30)
    }

    /// Sizes are clamped up to what the counter needs and rounded up to even.
    pub fn new(width: usize, height: usize, fps: u32) -> Self {
        Self {
            width: width.max(MIN_WIDTH),
            height: height.max(MIN_HEIGHT),
            fps: fps.max(1),
            next_frame_number: 0,
        }
    }

    pub fn fps(&self) -> u32 {
        self.fps
    }

    /// Frame number the next call to [`next_frame`](Self::next_frame) draws.
    pub fn next_frame_number(&self) -> u64 {
        self.next_frame_number
    }

    /// Capture time of frame `frame_number`, relative to the first frame.
    pub fn capture_time(&self, frame_number: u64) -> Duration {
        Duration::from_nanos(frame_number.saturating_mul(1_000_000_000) / u64::from(self.fps))
    }

    /// RTP timestamp offset (90 kHz video clock) of frame `frame_number`; wraps like RTP.
    pub fn rtp_timestamp(&self, frame_number: u64) -> u32 {
        (frame_number.wrapping_mul(90_000) / u64::from(self.fps)) as u32
    }

    /// Draws the next frame into `frame` (reusing its buffers when the size matches) and
    /// returns its frame number.
    pub fn next_frame_into(&mut self, frame: &mut I420Frame) -> u64 {
        if frame.width() != self.width || frame.height() != self.height {
            *frame = I420Frame::new(self.width, self.height);
        }
        let number = self.next_frame_number;
        draw_pattern(frame, number);
        self.next_frame_number += 1;
        number
    }

    /// Draws the next frame into a new buffer.
    pub fn next_frame(&mut self) -> (u64, I420Frame) {
        let mut frame = I420Frame::new(self.width, self.height);
        let number = self.next_frame_into(&mut frame);
        (number, frame)
    }
}

/// Top-left corner of the counter box: centred horizontally, in the lower half.
fn box_origin(width: usize, height: usize) -> (usize, usize) {
    ((width - BOX_WIDTH) / 2, (height - BOX_HEIGHT) * 2 / 3)
}

/// Draws frame `frame_number` of the pattern. Frames smaller than
/// [`MIN_WIDTH`]×[`MIN_HEIGHT`] get the background only.
pub fn draw_pattern(frame: &mut I420Frame, frame_number: u64) {
    let (width, height) = (frame.width(), frame.height());
    // The ramp repeats every 224 px (56 frames) and the Cb bands every 128 chroma px
    // (64 frames): shifting modulo lcm(56, 64) = 448 frames never jumps.
    let shift = (frame_number % 448) as usize;
    let (y_plane, u_plane, v_plane) = frame.planes_mut();
    for (row, line) in y_plane.chunks_exact_mut(width).enumerate() {
        for (col, px) in line.iter_mut().enumerate() {
            // Ramp over 16..=239 scrolling 4 px per frame.
            let ramp = (col + row + 4 * shift) % 224;
            *px = 16 + ramp as u8;
        }
    }
    let half_width = width / 2;
    for (row, (u_line, v_line)) in u_plane
        .chunks_exact_mut(half_width)
        .zip(v_plane.chunks_exact_mut(half_width))
        .enumerate()
    {
        for (col, (u, v)) in u_line.iter_mut().zip(v_line.iter_mut()).enumerate() {
            *u = 64 + ((col + 2 * shift) % 128) as u8;
            // Cr varies only down the frame, so it is unchanged by the horizontal scroll.
            *v = 64 + (row % 128) as u8;
        }
    }
    // The square bounces across the upper part of the frame, 8 px per frame.
    let travel = width.saturating_sub(SQUARE).max(1);
    let position = (frame_number as usize % (2 * travel)) * 8 % (2 * travel);
    let square_x = if position < travel {
        position
    } else {
        2 * travel - position
    };
    fill_luma(y_plane, width, square_x, CELL, SQUARE, SQUARE, WHITE);

    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return;
    }
    let (box_x, box_y) = box_origin(width, height);
    fill_luma(y_plane, width, box_x, box_y, BOX_WIDTH, BOX_HEIGHT, BLACK);
    // Neutral chroma under the box so colour bleeding cannot tint the digits.
    for plane in [&mut *u_plane, &mut *v_plane] {
        fill_luma(
            plane,
            half_width,
            box_x / 2,
            box_y / 2,
            BOX_WIDTH / 2,
            BOX_HEIGHT / 2,
            128,
        );
    }
    let mut value = frame_number % 10u64.pow(COUNTER_DIGITS as u32);
    for index in (0..COUNTER_DIGITS).rev() {
        let digit = (value % 10) as u8;
        value /= 10;
        let digit_x = box_x + CELL + index * DIGIT_ADVANCE;
        let digit_y = box_y + CELL;
        for row in 0..GLYPH_HEIGHT {
            for col in 0..GLYPH_WIDTH {
                if glyph_pixel(digit, col, row) {
                    fill_luma(
                        y_plane,
                        width,
                        digit_x + col * CELL,
                        digit_y + row * CELL,
                        CELL,
                        CELL,
                        WHITE,
                    );
                }
            }
        }
    }
}

fn fill_luma(plane: &mut [u8], stride: usize, x: usize, y: usize, w: usize, h: usize, value: u8) {
    for line in plane.chunks_exact_mut(stride).skip(y).take(h) {
        let end = (x + w).min(stride);
        if let Some(span) = line.get_mut(x.min(end)..end) {
            span.fill(value);
        }
    }
}

/// Reads the frame counter back from a (possibly decoded, lossy) frame drawn by
/// [`draw_pattern`]: each glyph pixel is judged by the mean luma of the central half of its
/// cell, and each digit must match its glyph with at most two wrong pixels. `None` if the
/// frame is too small or any digit is unreadable.
pub fn read_frame_counter(frame: &I420Frame) -> Option<u64> {
    let (width, height) = (frame.width(), frame.height());
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return None;
    }
    let (box_x, box_y) = box_origin(width, height);
    let luma = frame.y();
    let mut value = 0u64;
    for index in 0..COUNTER_DIGITS {
        let digit_x = box_x + CELL + index * DIGIT_ADVANCE;
        let digit_y = box_y + CELL;
        let mut bitmap = [0u8; GLYPH_HEIGHT];
        for (row, bits) in bitmap.iter_mut().enumerate() {
            for col in 0..GLYPH_WIDTH {
                let cell_x = digit_x + col * CELL + CELL / 4;
                let cell_y = digit_y + row * CELL + CELL / 4;
                let mut sum = 0u32;
                for line in luma.chunks_exact(width).skip(cell_y).take(CELL / 2) {
                    sum += line
                        .get(cell_x..cell_x + CELL / 2)?
                        .iter()
                        .map(|&p| u32::from(p))
                        .sum::<u32>();
                }
                let mean = sum / (CELL as u32 / 2).pow(2);
                if mean > u32::from(BLACK / 2 + WHITE / 2) {
                    *bits |= 1 << (GLYPH_WIDTH - 1 - col);
                }
            }
        }
        value = value * 10 + u64::from(match_glyph(&bitmap, 2)?);
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_reads_back_from_the_drawn_frame() {
        let mut source = TestPatternSource::vga30();
        let mut frame = I420Frame::new(640, 480);
        for expected in 0..40 {
            assert_eq!(source.next_frame_into(&mut frame), expected);
            assert_eq!(read_frame_counter(&frame), Some(expected));
        }
        draw_pattern(&mut frame, 987_654);
        assert_eq!(read_frame_counter(&frame), Some(987_654));
        // The counter wraps at a million.
        draw_pattern(&mut frame, 1_000_042);
        assert_eq!(read_frame_counter(&frame), Some(42));
    }

    #[test]
    fn consecutive_frames_differ_outside_the_counter() {
        let mut a = I420Frame::new(640, 480);
        let mut b = I420Frame::new(640, 480);
        draw_pattern(&mut a, 10);
        draw_pattern(&mut b, 11);
        // Row 0 holds only background; it scrolls every frame.
        assert_ne!(a.y()[..640], b.y()[..640]);
        assert_ne!(a.u(), b.u());
    }

    #[test]
    fn a_blank_box_or_small_frame_is_unreadable() {
        let frame = I420Frame::new(640, 480);
        assert_eq!(read_frame_counter(&frame), None);
        let mut small = I420Frame::new(160, 120);
        draw_pattern(&mut small, 3);
        assert_eq!(read_frame_counter(&small), None);
    }

    #[test]
    fn timing_follows_the_frame_rate() {
        let source = TestPatternSource::vga30();
        assert_eq!(source.capture_time(30), Duration::from_secs(1));
        assert_eq!(source.capture_time(1), Duration::from_nanos(33_333_333));
        assert_eq!(source.rtp_timestamp(1), 3000);
        assert_eq!(source.rtp_timestamp(30), 90_000);
    }
}
