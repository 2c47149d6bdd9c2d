//! `rtcscope simulate`: JSON output passes the verifier and carries the
//! impairment it was given.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn rtcscope(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rtcscope"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn json_output_passes_the_verifier_and_reflects_the_network() {
    let (code, out) = rtcscope(&[
        "simulate",
        "--packets",
        "6000",
        "--loss",
        "5",
        "--delay",
        "40",
        "--seed",
        "7",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let dir = std::env::temp_dir().join(format!("rtcscope-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sim.json");
    std::fs::write(&path, &out).unwrap();
    let (vcode, vout) = rtcscope(&["verify", path.to_str().unwrap()]);
    assert_eq!(vcode, 0, "{vout}");
    assert!(
        vout.contains("sender: 4 objects") && vout.contains("receiver: 4 objects"),
        "{vout}"
    );

    let find = |side: &str, ty: &str| -> serde_json::Value {
        doc[side]
            .as_object()
            .unwrap()
            .values()
            .find(|o| o["type"] == ty)
            .cloned()
            .unwrap()
    };
    let inbound = find("receiver", "inbound-rtp");
    let lost = inbound["packetsLost"].as_i64().unwrap();
    let received = inbound["packetsReceived"].as_i64().unwrap();
    let ratio = lost as f64 / (lost + received) as f64;
    assert!((0.04..0.06).contains(&ratio), "loss ratio {ratio}");
    let remote = find("sender", "remote-inbound-rtp");
    let rtt = remote["roundTripTime"].as_f64().unwrap();
    assert!((0.079..0.081).contains(&rtt), "rtt {rtt}");
}

#[test]
fn bad_arguments_are_refused() {
    assert_eq!(rtcscope(&["simulate", "--loss", "150"]).0, 2);
    assert_eq!(rtcscope(&["simulate", "--rate", "0"]).0, 2);
}
