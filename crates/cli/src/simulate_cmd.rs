//! `rtcscope simulate`: one RTP stream through the simulated network.

use rtcscope_rtp_stream::simulate::{SimulateConfig, run as run_scenario, summary};
use std::process::ExitCode;
use std::time::Duration;

pub struct Args {
    pub packets: u64,
    pub rate: u32,
    pub loss: f64,
    pub delay_ms: f64,
    pub jitter_ms: f64,
    pub seed: u64,
    pub json: bool,
}

fn millis(name: &str, ms: f64) -> Result<Duration, String> {
    if !ms.is_finite() || !(0.0..=60_000.0).contains(&ms) {
        return Err(format!("--{name} must be between 0 and 60000 ms"));
    }
    Ok(Duration::from_secs_f64(ms / 1000.0))
}

pub fn run(a: &Args) -> ExitCode {
    let config = (|| -> Result<SimulateConfig, String> {
        if !(0.0..=100.0).contains(&a.loss) {
            return Err("--loss must be a percentage between 0 and 100".into());
        }
        Ok(SimulateConfig {
            packets: a.packets,
            rate_pps: a.rate,
            loss_percent: a.loss,
            delay: millis("delay", a.delay_ms)?,
            jitter: millis("jitter", a.jitter_ms)?,
            seed: a.seed,
            ..SimulateConfig::default()
        })
    })();
    let outcome = match config.and_then(|c| run_scenario(&c).map_err(|e| format!("{e:?}"))) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("rtcscope simulate: {e}");
            return ExitCode::from(2);
        }
    };
    if a.json {
        println!("{}", rtcscope_stats::json::to_js_json(&outcome.to_json()));
    } else {
        print!("{}", summary(&outcome));
    }
    ExitCode::SUCCESS
}
