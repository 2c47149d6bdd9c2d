//! Two agents over real UDP sockets on 127.0.0.1 through the tokio driver.
#![cfg(feature = "tokio-driver")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use rtcscope_ice::driver::{DriverEvent, UdpDriver};
use rtcscope_ice::{IceConfig, IceEvent, IceTransportState, RemoteCandidate};

fn signal(event: &IceEvent, other: &mut UdpDriver) {
    let now = std::time::Instant::now();
    match event {
        IceEvent::LocalCandidate(c) => {
            let parsed = RemoteCandidate::parse_sdp(&c.to_sdp_attribute()).unwrap();
            other.agent().add_remote_candidate(now, parsed).unwrap();
        }
        IceEvent::GatheringComplete => other.agent().set_remote_end_of_candidates(now),
        _ => {}
    }
}

fn connected(d: &mut UdpDriver) -> bool {
    matches!(
        d.agent().state(),
        IceTransportState::Connected | IceTransportState::Completed
    )
}

#[tokio::test(flavor = "current_thread")]
async fn two_agents_connect_over_loopback_udp() {
    let any = ["127.0.0.1:0".parse().unwrap()];
    let mut a = UdpDriver::bind(&any, IceConfig::new(vec![], true, [0; 32]))
        .await
        .unwrap();
    let mut b = UdpDriver::bind(&any, IceConfig::new(vec![], false, [0; 32]))
        .await
        .unwrap();
    let now = std::time::Instant::now();
    let (ua, pa) = {
        let (u, p) = a.agent().local_credentials();
        (u.to_string(), p.to_string())
    };
    let (ub, pb) = {
        let (u, p) = b.agent().local_credentials();
        (u.to_string(), p.to_string())
    };
    a.agent().set_remote_credentials(now, &ub, &pb).unwrap();
    b.agent().set_remote_credentials(now, &ua, &pa).unwrap();

    let mut received_by_b: Vec<Vec<u8>> = Vec::new();
    let run = async {
        let mut sent = false;
        loop {
            tokio::select! {
                ev = a.next() => {
                    if let DriverEvent::Ice(ev) = ev.unwrap() { signal(&ev, &mut b); }
                }
                ev = b.next() => {
                    match ev.unwrap() {
                        DriverEvent::Ice(ev) => signal(&ev, &mut a),
                        DriverEvent::Data { len, .. } => {
                            assert_eq!(len, b.received().len());
                            received_by_b.push(b.received().to_vec());
                        }
                    }
                }
            }
            if !sent && connected(&mut a) && connected(&mut b) {
                for i in 0..3u8 {
                    a.send_data(&[0x80, i, 42]).unwrap();
                }
                sent = true;
            }
            if received_by_b.len() == 3 {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("connect over UDP");
    assert_eq!(
        received_by_b,
        vec![vec![0x80, 0, 42], vec![0x80, 1, 42], vec![0x80, 2, 42]]
    );

    let sa = a.agent().stats();
    let sb = b.agent().stats();
    assert_eq!(sa.pairs.len(), 1);
    let pa = &sa.pairs[0].counters;
    let pb = &sb.pairs[0].counters;
    assert_eq!(pa.data_packets_sent, 3);
    assert_eq!(pb.data_packets_received, 3);
    assert_eq!(pb.data_bytes_received, 9);
    // Every check A sent was received by B (loopback does not lose), and answered.
    assert_eq!(
        pa.requests_sent + pa.retransmissions_sent,
        pb.requests_received
    );
    assert_eq!(pb.responses_sent, pb.requests_received);
    assert!(pa.responses_received >= 1);
    assert!(pa.current_round_trip_time.unwrap() < Duration::from_millis(100));
    assert_eq!(
        sa.local_candidates[0].candidate.address,
        a.local_addresses()[0]
    );
}
