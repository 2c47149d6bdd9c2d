//! The generated model still matches the spec's member list: every type and
//! member with its WebIDL type, `required`, media kind, references and MTI flag.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::PathBuf;

#[test]
fn generated_metadata_matches_the_spec_json() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/webrtc-stats-members.json");
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let types = spec["types"].as_array().unwrap();
    assert_eq!(types.len(), 22);
    assert_eq!(RTCStatsType::ALL.len(), 22);
    let mut members = 0;
    for t in types {
        let name = t["type"].as_str().unwrap();
        let ty =
            RTCStatsType::from_str_exact(name).unwrap_or_else(|| panic!("type {name} missing"));
        let info = ty.info();
        assert_eq!(info.type_name, name);
        assert_eq!(info.obsolete, t["obsolete"].as_bool().unwrap(), "{name}");
        assert_eq!(ty.is_obsolete(), info.obsolete);
        let spec_members = t["members"].as_array().unwrap();
        assert_eq!(info.members.len(), spec_members.len(), "{name}");
        for m in spec_members {
            let mname = m["name"].as_str().unwrap();
            let mi = info
                .member(mname)
                .unwrap_or_else(|| panic!("{name}.{mname} missing"));
            assert_eq!(mi.idl, m["idl"].as_str().unwrap(), "{name}.{mname}");
            assert_eq!(
                mi.required,
                m["required"].as_bool().unwrap(),
                "{name}.{mname}"
            );
            assert_eq!(
                mi.mti,
                m["mti"].as_bool().unwrap_or(false),
                "{name}.{mname}"
            );
            assert_eq!(
                mi.kind.map(|k| k.as_str()),
                m["kind"].as_str(),
                "{name}.{mname}"
            );
            let refs: Vec<&str> = m["references"]
                .as_array()
                .map(|a| a.iter().map(|r| r.as_str().unwrap()).collect())
                .unwrap_or_default();
            assert_eq!(mi.references, refs.as_slice(), "{name}.{mname}");
            members += 1;
        }
    }
    assert_eq!(
        members,
        spec["totals"]["member_entries"].as_u64().unwrap() as usize
    );
    // Every enum the spec lists with values is a Rust enum with the same strings.
    let enums = spec["enums"].as_object().unwrap();
    let strings = |e: &str| -> Vec<String> {
        enums[e]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    use rtcscope_stats::*;
    macro_rules! same {
        ($t:ident) => {
            assert_eq!(
                $t::ALL
                    .iter()
                    .map(|v| v.as_str().to_string())
                    .collect::<Vec<_>>(),
                strings(stringify!($t))
            );
        };
    }
    same!(RTCQualityLimitationReason);
    same!(RTCDtlsRole);
    same!(RTCStatsIceCandidatePairState);
    same!(RTCIceRole);
    same!(RTCDtlsTransportState);
    same!(RTCIceTransportState);
    same!(RTCIceCandidateType);
    same!(RTCIceServerTransportProtocol);
    same!(RTCIceTcpCandidateType);
    same!(RTCDataChannelState);
    same!(RTCPriorityType);
    same!(RTCNetworkType);
    let current: Vec<String> = strings("RTCStatsType");
    for c in &current {
        assert!(
            !RTCStatsType::from_str_exact(c).unwrap().is_obsolete(),
            "{c}"
        );
    }
}
