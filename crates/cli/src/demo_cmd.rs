//! `rtcscope demo`: two peers over impaired loopback UDP (the library
//! function is `rtcscope_peer::demo::run`). Text mode prints what the MDN
//! getStats() polling example shows: the answerer's inbound-rtp video
//! stats, `name: value` per line, refreshed every second. JSON mode prints
//! one line per peer per second: {"side","t","report"}.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use rtcscope_peer::demo::{DemoOptions, DemoSample, DemoSide, run};
use rtcscope_stats::json::{to_js_json, write_js_number};
use rtcscope_stats::{MediaKind, RTCInboundRtpStreamStats};
use serde_json::Value;

pub struct Args {
    pub seconds: f64,
    pub loss: f64,
    pub delay_ms: f64,
    pub jitter_ms: f64,
    pub seed: u64,
    pub json: bool,
    pub synthetic: bool,
}

fn millis(ms: f64, what: &str) -> Result<Duration, String> {
    if ms.is_finite() && (0.0..=60_000.0).contains(&ms) {
        Ok(Duration::from_secs_f64(ms / 1000.0))
    } else {
        Err(format!("--{what} must be within 0..=60000 ms"))
    }
}

fn json_line(sample: &DemoSample) -> String {
    let mut t = String::new();
    write_js_number(&mut t, sample.t);
    format!(
        "{{\"side\":\"{}\",\"t\":{},\"report\":{}}}",
        sample.side.as_str(),
        t,
        to_js_json(&sample.report)
    )
}

fn text_block(sample: &DemoSample) -> String {
    let mut out = format!("--- t={}s answerer inbound-rtp video ---\n", sample.t);
    let objects = sample.report.to_json_object();
    let inbound = |kind| {
        sample
            .report
            .all::<RTCInboundRtpStreamStats>()
            .find(|i| i.kind() == kind)
    };
    let Some(video) = inbound(MediaKind::Video) else {
        out.push_str("(no video received yet)\n");
        return out;
    };
    write_members(&mut out, &objects, &video.id);
    // The codec it references (mimeType, clockRate, sdpFmtpLine).
    if let Some(codec) = video.codec_id.as_deref() {
        out.push_str("--- codec ---\n");
        write_members(&mut out, &objects, codec);
    }
    if let Some(audio) = inbound(MediaKind::Audio) {
        out.push_str("--- answerer inbound-rtp audio ---\n");
        write_members(&mut out, &objects, &audio.id);
    }
    out
}

fn write_members(out: &mut String, objects: &serde_json::Map<String, Value>, id: &str) {
    let Some(Value::Object(members)) = objects.get(id) else {
        return;
    };
    for (name, value) in members {
        match value {
            Value::String(s) => out.push_str(&format!("{name}: {s}\n")),
            // Numbers as JavaScript prints them (0, not 0.0), as the MDN example shows.
            other => out.push_str(&format!(
                "{name}: {}\n",
                rtcscope_stats::json::to_js_json(other)
            )),
        }
    }
}

pub fn run_cmd(args: &Args) -> ExitCode {
    let options = match (
        millis(args.delay_ms, "delay"),
        millis(args.jitter_ms, "jitter"),
    ) {
        (Ok(delay), Ok(jitter)) => DemoOptions {
            seconds: args.seconds,
            loss_percent: args.loss,
            delay,
            jitter,
            seed: args.seed,
            // Real media unless asked: the H.264 test pattern and Opus speech-like audio.
            synthetic: args.synthetic,
            ..DemoOptions::default()
        },
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("rtcscope demo: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rtcscope demo: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = args.json;
    // On a terminal the block replaces the previous one, as the MDN page
    // refreshes its table; piped, blocks follow each other.
    let clear = if std::io::stdout().is_terminal() {
        "\x1b[2J\x1b[H"
    } else {
        ""
    };
    let result = runtime.block_on(run(&options, |sample| {
        let mut stdout = std::io::stdout().lock();
        let text = if json {
            json_line(sample) + "\n"
        } else if sample.side == DemoSide::Answerer {
            format!("{clear}{}", text_block(sample))
        } else {
            return;
        };
        // A closed pipe (e.g. `| head`) is not an error of the demo.
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
    }));
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rtcscope demo: {e}");
            ExitCode::FAILURE
        }
    }
}
