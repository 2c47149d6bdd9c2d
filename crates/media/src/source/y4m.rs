//! YUV4MPEG2 (.y4m) files of 4:2:0 8-bit video: a reader, so recorded clips can stand in for
//! the test pattern, and a writer, so a person can look at what the pattern or a decoder
//! produced (`ffplay file.y4m`).

use std::io::{BufRead, Write};

use crate::frame::I420Frame;

/// Largest width or height accepted, so a hostile header cannot ask for gigabytes.
pub const MAX_DIMENSION: usize = 8192;
/// Longest header or FRAME line accepted.
const MAX_LINE: usize = 1024;

#[derive(Debug)]
pub enum Y4mError {
    Io(std::io::Error),
    /// Not a YUV4MPEG2 stream, or a header field is malformed.
    BadHeader(&'static str),
    /// Colour spaces other than 8-bit 4:2:0 are not supported.
    UnsupportedColorspace(String),
    /// A frame line is not `FRAME`, or the stream ends inside a frame.
    BadFrame,
}

impl std::fmt::Display for Y4mError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "y4m: {e}"),
            Self::BadHeader(what) => write!(f, "y4m header: {what}"),
            Self::UnsupportedColorspace(c) => write!(f, "y4m colour space {c} is not 8-bit 4:2:0"),
            Self::BadFrame => f.write_str("y4m: malformed or truncated frame"),
        }
    }
}

impl std::error::Error for Y4mError {}

impl From<std::io::Error> for Y4mError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Reads frames one by one from a y4m stream.
#[derive(Debug)]
pub struct Y4mReader<R> {
    input: R,
    width: usize,
    height: usize,
    /// Frame rate as numerator / denominator.
    frame_rate: (u32, u32),
    line: Vec<u8>,
}

impl<R: BufRead> Y4mReader<R> {
    pub fn new(mut input: R) -> Result<Self, Y4mError> {
        let mut line = Vec::new();
        read_line(&mut input, &mut line)?
            .then_some(())
            .ok_or(Y4mError::BadHeader("empty stream"))?;
        let text = std::str::from_utf8(&line).map_err(|_| Y4mError::BadHeader("not text"))?;
        let mut fields = text.split(' ');
        if fields.next() != Some("YUV4MPEG2") {
            return Err(Y4mError::BadHeader("missing YUV4MPEG2 signature"));
        }
        let (mut width, mut height, mut frame_rate) = (None, None, (30, 1));
        for field in fields.filter(|f| !f.is_empty()) {
            // By char, not byte: a multi-byte first character must not split a code point.
            let mut chars = field.chars();
            let tag = chars.next().unwrap_or(' ');
            let value = chars.as_str();
            match tag {
                'W' => width = value.parse::<usize>().ok(),
                'H' => height = value.parse::<usize>().ok(),
                'F' => {
                    let (num, den) = value
                        .split_once(':')
                        .ok_or(Y4mError::BadHeader("frame rate"))?;
                    let num = num.parse().map_err(|_| Y4mError::BadHeader("frame rate"))?;
                    let den = den.parse().map_err(|_| Y4mError::BadHeader("frame rate"))?;
                    if num == 0 || den == 0 {
                        return Err(Y4mError::BadHeader("frame rate"));
                    }
                    frame_rate = (num, den);
                }
                'C' if !matches!(value, "420" | "420jpeg" | "420paldv" | "420mpeg2") => {
                    return Err(Y4mError::UnsupportedColorspace(value.to_owned()));
                }
                // Interlacing, aspect ratio and extensions do not change the sample layout.
                _ => {}
            }
        }
        let valid = |d: Option<usize>| d.filter(|&d| d > 0 && d <= MAX_DIMENSION && d % 2 == 0);
        let width = valid(width).ok_or(Y4mError::BadHeader("width missing, odd or too large"))?;
        let height =
            valid(height).ok_or(Y4mError::BadHeader("height missing, odd or too large"))?;
        Ok(Self {
            input,
            width,
            height,
            frame_rate,
            line,
        })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn frame_rate(&self) -> (u32, u32) {
        self.frame_rate
    }

    /// Reads the next frame into `frame` (resized if needed). `Ok(false)` at a clean end of
    /// stream.
    pub fn read_frame(&mut self, frame: &mut I420Frame) -> Result<bool, Y4mError> {
        if !read_line(&mut self.input, &mut self.line)? {
            return Ok(false);
        }
        if !(self.line == b"FRAME" || self.line.starts_with(b"FRAME ")) {
            return Err(Y4mError::BadFrame);
        }
        if frame.width() != self.width || frame.height() != self.height {
            *frame = I420Frame::new(self.width, self.height);
        }
        let (y, u, v) = frame.planes_mut();
        for plane in [y, u, v] {
            self.input.read_exact(plane).map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => Y4mError::BadFrame,
                _ => Y4mError::Io(e),
            })?;
        }
        Ok(true)
    }
}

/// Reads one `\n`-terminated line without the newline; `Ok(false)` at end of stream.
fn read_line<R: BufRead>(input: &mut R, line: &mut Vec<u8>) -> Result<bool, Y4mError> {
    line.clear();
    let mut limited = std::io::Read::take(&mut *input, MAX_LINE as u64 + 1);
    let read = limited.read_until(b'\n', line)?;
    if read == 0 {
        return Ok(false);
    }
    if line.pop() != Some(b'\n') {
        return Err(Y4mError::BadHeader("line too long or unterminated"));
    }
    Ok(true)
}

/// Writes the stream header for `width`×`height` 4:2:0 video at `fps`.
pub fn write_header<W: Write>(
    out: &mut W,
    width: usize,
    height: usize,
    fps: u32,
) -> std::io::Result<()> {
    writeln!(
        out,
        "YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg"
    )
}

pub fn write_frame<W: Write>(out: &mut W, frame: &I420Frame) -> std::io::Result<()> {
    out.write_all(b"FRAME\n")?;
    out.write_all(frame.y())?;
    out.write_all(frame.u())?;
    out.write_all(frame.v())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::TestPatternSource;
    use crate::source::video::read_frame_counter;

    #[test]
    fn written_pattern_reads_back_identically() {
        let mut source = TestPatternSource::vga30();
        let mut file = Vec::new();
        write_header(&mut file, 640, 480, 30).unwrap();
        let frames: Vec<I420Frame> = (0..3).map(|_| source.next_frame().1).collect();
        for frame in &frames {
            write_frame(&mut file, frame).unwrap();
        }
        // "YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n" is 43 bytes, "FRAME\n" 6.
        assert_eq!(file.len(), 43 + 3 * (6 + 640 * 480 * 3 / 2));
        let mut reader = Y4mReader::new(&file[..]).unwrap();
        assert_eq!(
            (reader.width(), reader.height(), reader.frame_rate()),
            (640, 480, (30, 1))
        );
        let mut frame = I420Frame::new(2, 2);
        for (n, expected) in frames.iter().enumerate() {
            assert!(reader.read_frame(&mut frame).unwrap());
            assert_eq!(&frame, expected);
            assert_eq!(read_frame_counter(&frame), Some(n as u64));
        }
        assert!(!reader.read_frame(&mut frame).unwrap());
    }

    #[test]
    fn bad_streams_are_typed_errors() {
        let parse = |s: &[u8]| Y4mReader::new(s).map(|_| ());
        assert!(matches!(parse(b""), Err(Y4mError::BadHeader(_))));
        assert!(matches!(
            parse(b"RIFF W2 H2\n"),
            Err(Y4mError::BadHeader(_))
        ));
        assert!(matches!(
            parse(b"YUV4MPEG2 W3 H2\n"),
            Err(Y4mError::BadHeader(_))
        ));
        assert!(matches!(
            parse(b"YUV4MPEG2 W99999 H2\n"),
            Err(Y4mError::BadHeader(_))
        ));
        assert!(matches!(
            parse(b"YUV4MPEG2 W2 H2 F30:0\n"),
            Err(Y4mError::BadHeader(_))
        ));
        assert!(matches!(
            parse(b"YUV4MPEG2 W2 H2 C444\n"),
            Err(Y4mError::UnsupportedColorspace(_))
        ));
        assert!(matches!(parse(&[b'Y'; 5000]), Err(Y4mError::BadHeader(_))));
        assert!(matches!(parse("YUV4MPEG2 é W2 H2\n".as_bytes()), Ok(())));
        assert!(matches!(
            parse(b"YUV4MPEG2 W2 H2 F\n"),
            Err(Y4mError::BadHeader(_))
        ));
        let mut reader = Y4mReader::new(&b"YUV4MPEG2 W2 H2 F25:1\nFRAME\n\x10\x10"[..]).unwrap();
        assert_eq!(reader.frame_rate(), (25, 1));
        let mut frame = I420Frame::new(2, 2);
        assert!(matches!(
            reader.read_frame(&mut frame),
            Err(Y4mError::BadFrame)
        ));
        let mut reader = Y4mReader::new(&b"YUV4MPEG2 W2 H2\nFRAMX\n"[..]).unwrap();
        assert!(matches!(
            reader.read_frame(&mut frame),
            Err(Y4mError::BadFrame)
        ));
        // Frame parameters after FRAME are allowed.
        let mut reader =
            Y4mReader::new(&b"YUV4MPEG2 W2 H2\nFRAME Ixyz\n\x10\x20\x30\x40\x80\x90"[..]).unwrap();
        assert!(reader.read_frame(&mut frame).unwrap());
        assert_eq!(
            (frame.y(), frame.u(), frame.v()),
            (&[0x10, 0x20, 0x30, 0x40][..], &[0x80][..], &[0x90][..])
        );
    }
}
