//! `rtcscope`: the command line.

mod demo_cmd;
mod serve_cmd;
mod simulate_cmd;
mod verify_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "rtcscope",
    version,
    about = "WebRTC statistics, measured: verify, simulate, demo"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a getStats() report (or several) against the webrtc-stats rules.
    ///
    /// FILE holds a report as an array of stats objects, an object keyed by id,
    /// an object of named reports (like {"offerer": [...], "answerer": [...]}),
    /// or JSON lines of {"side": ..., "report": {...}} from `rtcscope demo
    /// --format json` (successive reports of one side are checked against each
    /// other). Exits 1 when a violation is found.
    Verify {
        file: PathBuf,
        /// Also fail on missing mandatory-to-implement members (webrtc-pc §8.6).
        #[arg(long)]
        strict: bool,
        /// Print at most this many violations per report.
        #[arg(long, default_value_t = 200)]
        max_violations: usize,
    },
    /// Send one RTP stream through a simulated impaired network, in simulated time,
    /// and print the final stats of both ends: what do my stats look like at 5%
    /// loss and 40 ms? Both directions are impaired alike.
    Simulate {
        /// RTP packets to send.
        #[arg(long, default_value_t = 3000)]
        packets: u64,
        /// Packets per second.
        #[arg(long, default_value_t = 100)]
        rate: u32,
        /// Random loss, percent, each direction.
        #[arg(long, default_value_t = 0.0)]
        loss: f64,
        /// One-way delay in milliseconds, each direction.
        #[arg(long, default_value_t = 0.0)]
        delay: f64,
        /// Uniform extra delay in [0, JITTER] milliseconds per packet (reorders).
        #[arg(long, default_value_t = 0.0)]
        jitter: f64,
        /// Seed of every random choice.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Two peer connections in this process over real UDP on 127.0.0.1, with
    /// loss/delay/jitter applied per direction in between. The offerer sends
    /// H.264 video (a test pattern), Opus audio and a data channel; both call getStats() every
    /// second. Text: the answerer's inbound-rtp video stats (the MDN example);
    /// JSON: one {"side","t","report"} line per peer per second.
    Demo {
        /// How long to run.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Random loss, percent, each direction.
        #[arg(long, default_value_t = 0.0)]
        loss: f64,
        /// One-way delay in milliseconds, each direction.
        #[arg(long, default_value_t = 0.0)]
        delay: f64,
        /// Uniform extra delay in [0, JITTER] milliseconds per packet.
        #[arg(long, default_value_t = 0.0)]
        jitter: f64,
        /// Seed of every random choice.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Send synthetic RTP payloads instead of encoded H.264 and Opus
        /// (no codec work: the network statistics alone).
        #[arg(long)]
        synthetic: bool,
    },
    /// WHIP/WHEP server: browsers publish (POST /whip) and play (POST /whep);
    /// every connection's getStats() at /api/connections/{id}/stats, Prometheus
    /// metrics at /metrics, a live stats page at /, camera and player pages at
    /// /publish and /play.
    Serve {
        /// HTTP address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Live connections (plus offers being answered) beyond which POST gets 503.
        #[arg(long, default_value_t = 32)]
        max_connections: usize,
        /// The IP our media (UDP) sockets bind to; it is our only ICE candidate.
        #[arg(long, default_value = "127.0.0.1")]
        udp_addr: std::net::IpAddr,
        /// Size of the H.264 test pattern WHEP sends, WIDTHxHEIGHT.
        #[arg(long, default_value = "640x480", value_parser = serve_cmd::parse_size)]
        video_size: (usize, usize),
        /// Frame rate of the test pattern.
        #[arg(long, default_value_t = 30)]
        fps: u32,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify {
            file,
            strict,
            max_violations,
        } => verify_cmd::run(&file, strict, max_violations),
        Command::Simulate {
            packets,
            rate,
            loss,
            delay,
            jitter,
            seed,
            format,
        } => {
            let args = simulate_cmd::Args {
                packets,
                rate,
                loss,
                delay_ms: delay,
                jitter_ms: jitter,
                seed,
                json: format == Format::Json,
            };
            simulate_cmd::run(&args)
        }
        Command::Demo {
            seconds,
            loss,
            delay,
            jitter,
            seed,
            format,
            synthetic,
        } => demo_cmd::run_cmd(&demo_cmd::Args {
            seconds,
            loss,
            delay_ms: delay,
            jitter_ms: jitter,
            seed,
            json: format == Format::Json,
            synthetic,
        }),
        Command::Serve {
            listen,
            max_connections,
            udp_addr,
            video_size,
            fps,
        } => serve_cmd::run(&serve_cmd::Args {
            listen,
            max_connections,
            udp_ip: udp_addr,
            video_size,
            fps,
        }),
    }
}
