//! `rtcscope verify` on the Chrome fixtures and on broken copies.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures")
        .join(name)
}

fn verify(path: &std::path::Path, strict: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rtcscope"));
    cmd.arg("verify").arg(path);
    if strict {
        cmd.arg("--strict");
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn both_chrome_fixtures_pass_and_counts_are_printed() {
    for name in [
        "chrome-156-loopback-getstats.json",
        "chrome-156-loopback-h264-getstats.json",
    ] {
        let (code, out) = verify(&fixture(name), false);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("offerer: 19 objects"), "{out}");
        assert!(out.contains("answerer: 18 objects"), "{out}");
        assert!(out.lines().any(|l| l.trim_start().starts_with("outbound-rtp") && l.trim_end().ends_with(" 2")), "{out}");
        assert!(out.contains("0 errors"), "{out}");
        // Chrome omits mandatory members (nackCount on audio, packetsDiscarded on video).
        let (strict_code, strict_out) = verify(&fixture(name), true);
        assert_eq!(strict_code, 1, "{strict_out}");
        assert!(strict_out.contains("packetsDiscarded"), "{strict_out}");
    }
}

#[test]
fn a_dangling_transport_id_fails_naming_object_and_member() {
    let text = std::fs::read_to_string(fixture("chrome-156-loopback-getstats.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let obj = doc["answerer"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["type"] == "inbound-rtp")
        .unwrap();
    obj["transportId"] = "T99".into();
    let id = obj["id"].as_str().unwrap().to_string();
    let dir = std::env::temp_dir().join(format!("rtcscope-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dangling.json");
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    let (code, out) = verify(&path, false);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("error [dangling-reference] {id}.transportId")),
        "{out}"
    );
    assert!(out.contains("FAIL"));
}

#[test]
fn json_lines_of_successive_reports_are_checked_against_each_other() {
    let t = 1_795_469_422_892.0;
    let line = |ts: f64, sent: u64| {
        serde_json::json!({"side": "offerer", "t": 1, "report": {"P": {"id": "P", "timestamp": ts, "type": "peer-connection", "dataChannelsOpened": sent, "dataChannelsClosed": 0}}}).to_string()
    };
    let dir = std::env::temp_dir().join(format!("rtcscope-verify-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.jsonl");
    std::fs::write(&good, format!("{}\n{}\n", line(t, 1), line(t + 1000.0, 2))).unwrap();
    let (code, out) = verify(&good, false);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("offerer: 2 successive reports checked"),
        "{out}"
    );
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, format!("{}\n{}\n", line(t, 2), line(t + 1000.0, 1))).unwrap();
    let (code, out) = verify(&bad, false);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("counter-decreased"), "{out}");
}

#[test]
fn unreadable_input_is_a_usage_error() {
    let (code, _) = verify(std::path::Path::new("/nonexistent/report.json"), false);
    assert_eq!(code, 2);
}
