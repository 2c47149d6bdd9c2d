//! A 5×7 bitmap font for the decimal digits, drawn scaled up so the glyphs survive lossy
//! compression, and the matching reader that recovers a number from decoded pixels.

/// Glyph columns.
pub const GLYPH_WIDTH: usize = 5;
/// Glyph rows.
pub const GLYPH_HEIGHT: usize = 7;

/// One row per byte, most significant of the low five bits is the leftmost pixel.
const GLYPHS: [[u8; GLYPH_HEIGHT]; 10] = [
    [
        0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110,
    ], // 0
    [
        0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110,
    ], // 1
    [
        0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111,
    ], // 2
    [
        0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110,
    ], // 3
    [
        0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010,
    ], // 4
    [
        0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110,
    ], // 5
    [
        0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110,
    ], // 6
    [
        0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000,
    ], // 7
    [
        0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110,
    ], // 8
    [
        0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100,
    ], // 9
];

/// Whether pixel (`col`, `row`) of the glyph for `digit` is lit. Digits above 9 are blank.
pub fn glyph_pixel(digit: u8, col: usize, row: usize) -> bool {
    GLYPHS
        .get(usize::from(digit))
        .and_then(|rows| rows.get(row))
        .is_some_and(|bits| col < GLYPH_WIDTH && bits >> (GLYPH_WIDTH - 1 - col) & 1 == 1)
}

/// The digit whose glyph is closest (in differing pixels) to `bitmap`, if it is unambiguous
/// and at most `max_errors` pixels away. `bitmap[row]` uses the same bit order as the font.
pub fn match_glyph(bitmap: &[u8; GLYPH_HEIGHT], max_errors: u32) -> Option<u8> {
    let mut best: Option<(u8, u32)> = None;
    let mut tie = false;
    for (digit, rows) in (0u8..).zip(GLYPHS.iter()) {
        let distance: u32 = rows
            .iter()
            .zip(bitmap)
            .map(|(a, b)| ((a ^ b) & 0b11111).count_ones())
            .sum();
        match best {
            Some((_, d)) if distance > d => {}
            Some((_, d)) if distance == d => tie = true,
            _ => {
                best = Some((digit, distance));
                tie = false;
            }
        }
    }
    match best {
        Some((digit, distance)) if !tie && distance <= max_errors => Some(digit),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_are_pairwise_at_least_three_pixels_apart() {
        // A reader that tolerates one flipped pixel is only safe if every pair of glyphs
        // differs in at least three pixels.
        for (a, glyph_a) in GLYPHS.iter().enumerate() {
            for (b, glyph_b) in GLYPHS.iter().enumerate().skip(a + 1) {
                let d: u32 = glyph_a
                    .iter()
                    .zip(glyph_b)
                    .map(|(x, y)| (x ^ y).count_ones())
                    .sum();
                assert!(d >= 3, "glyphs {a} and {b} differ in only {d} pixels");
            }
        }
    }

    #[test]
    fn every_glyph_matches_itself_and_survives_one_flipped_pixel() {
        for digit in 0u8..10 {
            let mut bitmap = GLYPHS[usize::from(digit)];
            assert_eq!(match_glyph(&bitmap, 0), Some(digit));
            bitmap[3] ^= 0b00100;
            assert_eq!(match_glyph(&bitmap, 1), Some(digit));
        }
        assert_eq!(match_glyph(&[0; GLYPH_HEIGHT], 2), None);
    }

    #[test]
    fn glyph_pixel_reads_the_font() {
        // "1" has its stem in the middle column of every row but the first.
        assert!(glyph_pixel(1, 2, 3));
        assert!(!glyph_pixel(1, 0, 3));
        assert!(glyph_pixel(7, 0, 0) && glyph_pixel(7, 4, 0));
        assert!(!glyph_pixel(10, 2, 3));
        assert!(!glyph_pixel(8, 5, 0));
    }
}
