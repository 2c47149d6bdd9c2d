//! `rtcscope verify FILE [--strict]`.

use rtcscope_stats::verify::{SequenceVerifier, Verdict, verify_value};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// The reports a file holds, each with a name, grouped into sequences of
/// successive reports of one connection.
struct Sequence {
    name: String,
    reports: Vec<Value>,
}

fn is_stats_object(v: &Value) -> bool {
    v.get("type").is_some_and(Value::is_string) && v.get("id").is_some_and(Value::is_string)
}

fn is_report(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().all(Value::is_object),
        Value::Object(m) => !m.is_empty() && m.values().all(is_stats_object),
        _ => false,
    }
}

fn sequences_in(text: &str) -> Result<Vec<Sequence>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) if is_report(&v) => Ok(vec![Sequence {
            name: "report".into(),
            reports: vec![v],
        }]),
        Ok(Value::Object(named)) => {
            let seqs: Vec<Sequence> = named
                .into_iter()
                .filter(|(_, v)| is_report(v))
                .map(|(name, v)| Sequence {
                    name,
                    reports: vec![v],
                })
                .collect();
            if seqs.is_empty() {
                Err(
                    "no report found: expected an array, an id-keyed object or named reports"
                        .into(),
                )
            } else {
                Ok(seqs)
            }
        }
        Ok(_) => {
            Err("no report found: expected an array, an id-keyed object or named reports".into())
        }
        Err(whole) => {
            // JSON lines: {"side": NAME, "report": REPORT} per line.
            let mut seqs: Vec<Sequence> = Vec::new();
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let v: Value = serde_json::from_str(line).map_err(|e| {
                    if i == 0 {
                        format!("not JSON: {whole}")
                    } else {
                        format!("line {}: {e}", i + 1)
                    }
                })?;
                let report = v
                    .get("report")
                    .cloned()
                    .ok_or_else(|| format!("line {}: no \"report\"", i + 1))?;
                let name = v
                    .get("side")
                    .and_then(Value::as_str)
                    .unwrap_or("report")
                    .to_string();
                match seqs.iter_mut().find(|s| s.name == name) {
                    Some(s) => s.reports.push(report),
                    None => seqs.push(Sequence {
                        name,
                        reports: vec![report],
                    }),
                }
            }
            Ok(seqs)
        }
    }
}

fn print_verdict(
    out: &mut impl Write,
    name: &str,
    verdict: &Verdict,
    max: usize,
) -> std::io::Result<()> {
    let total: usize = verdict.counts.values().sum();
    writeln!(out, "{name}: {total} objects")?;
    for (ty, n) in &verdict.counts {
        writeln!(out, "  {ty:<20} {n}")?;
    }
    for v in verdict.violations.iter().take(max) {
        writeln!(out, "  {v}")?;
    }
    if verdict.violations.len() > max {
        writeln!(out, "  ... {} more", verdict.violations.len() - max)?;
    }
    writeln!(
        out,
        "  {} errors, {} warnings",
        verdict.errors(),
        verdict.warnings()
    )
}

pub fn run(file: &Path, strict: bool, max: usize) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("rtcscope verify: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let seqs = match sequences_in(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rtcscope verify: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut pass = true;
    for seq in &seqs {
        if seq.reports.len() == 1 {
            let verdict = verify_value(&seq.reports[0]);
            pass &= verdict.passes(strict);
            let _ = print_verdict(&mut out, &seq.name, &verdict, max);
        } else {
            let mut sv = SequenceVerifier::new();
            for (i, r) in seq.reports.iter().enumerate() {
                let verdict = sv.push(r);
                pass &= verdict.passes(strict);
                // Print the first report's counts and any report with violations.
                if i == 0 || !verdict.violations.is_empty() {
                    let _ =
                        print_verdict(&mut out, &format!("{} #{}", seq.name, i + 1), &verdict, max);
                }
            }
            let _ = writeln!(
                out,
                "{}: {} successive reports checked",
                seq.name,
                seq.reports.len()
            );
        }
    }
    let _ = writeln!(out, "{}", if pass { "PASS" } else { "FAIL" });
    if pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
