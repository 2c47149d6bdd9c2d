//! `rtcscope demo --format json` piped into `rtcscope verify`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

#[test]
fn demo_json_lines_pass_verify() {
    let mut demo = Command::new(env!("CARGO_BIN_EXE_rtcscope"))
        .args(["demo", "--seconds", "3", "--format", "json"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let verify = Command::new(env!("CARGO_BIN_EXE_rtcscope"))
        .args(["verify", "/dev/stdin"])
        .stdin(demo.stdout.take().unwrap())
        .output()
        .unwrap();
    let demo_status = demo.wait().unwrap();
    assert!(demo_status.success(), "demo exit: {demo_status:?}");
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "verify: {out}");
    // 3 s → reports at t = 1, 2, 3 from each side.
    for side in ["offerer", "answerer"] {
        assert!(out.contains(side), "verify names each side: {out}");
    }
}

#[test]
fn demo_text_prints_answerer_inbound_video() {
    let out = Command::new(env!("CARGO_BIN_EXE_rtcscope"))
        .args(["demo", "--seconds", "2"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("--- t=").count(), 2, "{text}");
    assert!(text.contains("type: inbound-rtp"), "{text}");
    assert!(text.contains("kind: video"), "{text}");
    let received: u64 = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("packetsReceived: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(received > 30, "{text}");
}

#[test]
fn demo_json_lines_have_side_t_and_report() {
    let out = Command::new(env!("CARGO_BIN_EXE_rtcscope"))
        .args([
            "demo",
            "--seconds",
            "4",
            "--format",
            "json",
            "--delay",
            "20",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let shape: Vec<(String, f64)> = lines
        .iter()
        .map(|l| {
            (
                l["side"].as_str().unwrap().to_string(),
                l["t"].as_f64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, f64)> = (1..=4)
        .flat_map(|t| [("offerer", t as f64), ("answerer", t as f64)])
        .map(|(s, t)| (s.to_string(), t))
        .collect();
    assert_eq!(shape, expected);
    // The last report: on a loaded machine the first media may take a second or two
    // (connection setup, the first encoded frame), so earlier reports may lack a stream.
    let answerer = lines[7]["report"].as_object().unwrap();
    let inbound: Vec<&serde_json::Value> = answerer
        .values()
        .filter(|s| s["type"] == "inbound-rtp")
        .collect();
    assert_eq!(inbound.len(), 2, "audio and video received");
    let offerer = lines[2]["report"].as_object().unwrap();
    assert_eq!(
        offerer
            .values()
            .filter(|s| s["type"] == "outbound-rtp")
            .count(),
        2
    );
    for (id, stats) in answerer {
        assert_eq!(stats["id"].as_str(), Some(id.as_str()));
    }
}
