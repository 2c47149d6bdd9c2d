//! Writes the test pattern, passed through H.264 at a chosen bitrate, as a y4m file so a
//! person can watch what a receiver would show: `cargo run -p rtcscope-media --example
//! pattern_y4m -- out.y4m [frames] [bitrate_bps]`, then `ffplay out.y4m`.

use std::io::BufWriter;

use rtcscope_media::h264::{H264Decoder, H264Encoder, H264EncoderConfig};
use rtcscope_media::source::TestPatternSource;
use rtcscope_media::source::y4m::{write_frame, write_header};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: pattern_y4m OUT.y4m [frames] [bitrate_bps]")?;
    let frames: u64 = args.next().map_or(Ok(90), |a| a.parse())?;
    let bitrate: u32 = args.next().map_or(Ok(1_000_000), |a| a.parse())?;
    let mut source = TestPatternSource::vga30();
    let mut encoder = H264Encoder::new(H264EncoderConfig {
        target_bitrate_bps: bitrate,
        ..Default::default()
    })?;
    let mut decoder = H264Decoder::new()?;
    let mut out = BufWriter::new(std::fs::File::create(&path)?);
    write_header(&mut out, 640, 480, source.fps())?;
    let mut unit = Vec::new();
    let mut bytes = 0;
    for _ in 0..frames {
        let (_, frame) = source.next_frame();
        bytes += encoder.encode(&frame)?.size_bytes;
        unit.clear();
        encoder.write_annex_b(&mut unit);
        if let Some((_, picture)) = decoder.decode(&unit)? {
            write_frame(&mut out, picture)?;
        }
    }
    eprintln!("{frames} frames, {bytes} bytes of H.264, written to {path}");
    Ok(())
}
