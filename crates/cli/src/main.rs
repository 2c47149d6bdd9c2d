//! `rtcscope`: the command line.

mod verify_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "rtcscope", version, about = "WebRTC statistics, measured: verify, simulate, demo")]
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify { file, strict, max_violations } => verify_cmd::run(&file, strict, max_violations),
    }
}
