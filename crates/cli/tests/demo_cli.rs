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
