//! Application data through a connected transport allocates nothing beyond
//! what dimpl itself allocates (measured on dimpl alone, same traffic).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtcscope_dtls::dimpl::{self, Dtls, Output};
use rtcscope_dtls::{
    DtlsEvent, DtlsRole, DtlsState, DtlsTransport, DtlsTransportConfig, DtlsVersion,
    LocalCertificate,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const WARM_UP: usize = 20;
const MEASURED: usize = 100;
const PAYLOAD: [u8; 1000] = [7; 1000];

/// Allocations for MEASURED records client -> server through DtlsTransport.
fn through_transport(version: DtlsVersion) -> u64 {
    let mut now = Instant::now();
    let (ca, cb) = (
        LocalCertificate::generate().unwrap(),
        LocalCertificate::generate().unwrap(),
    );
    let cfg = DtlsTransportConfig::new(version).unwrap();
    let mut client = DtlsTransport::new(
        cfg.clone(),
        &ca,
        DtlsRole::Client,
        Some(cb.fingerprint()),
        now,
    );
    let mut server = DtlsTransport::new(cfg, &cb, DtlsRole::Server, Some(ca.fingerprint()), now);
    let mut wire = [0u8; 2048];
    let carry = |from: &mut DtlsTransport, to: &mut DtlsTransport, now, wire: &mut [u8; 2048]| {
        while let Some(d) = from.poll_transmit() {
            let len = d.len();
            wire[..len].copy_from_slice(d);
            to.handle_receive(now, &wire[..len]);
        }
    };
    for _ in 0..50 {
        client.handle_timeout(now);
        server.handle_timeout(now);
        carry(&mut client, &mut server, now, &mut wire);
        carry(&mut server, &mut client, now, &mut wire);
        while client.poll_event().is_some() {}
        while server.poll_event().is_some() {}
        now += Duration::from_millis(10);
    }
    assert_eq!(client.state(), DtlsState::Connected);
    assert_eq!(server.state(), DtlsState::Connected);

    let mut allocations = 0;
    for i in 0..WARM_UP + MEASURED {
        let region = Region::new(GLOBAL);
        client.send(&PAYLOAD).unwrap();
        carry(&mut client, &mut server, now, &mut wire);
        let mut got = 0;
        while let Some(ev) = server.poll_event() {
            if let DtlsEvent::ApplicationData(d) = ev {
                got += d.len();
            }
        }
        let spent = region.change().allocations as u64;
        assert_eq!(got, PAYLOAD.len());
        if i >= WARM_UP {
            allocations += spent;
        }
    }
    allocations
}

/// The same traffic on bare dimpl.
fn bare_dimpl(version: DtlsVersion) -> u64 {
    let mut now = Instant::now();
    let cfg = Arc::new(dimpl::Config::builder().build().unwrap());
    let new = |cert: LocalCertificate| match version {
        DtlsVersion::Dtls13 => Dtls::new_13(cfg.clone(), cert.to_dimpl(), now),
        _ => Dtls::new_12(cfg.clone(), cert.to_dimpl(), now),
    };
    let mut client = new(LocalCertificate::generate().unwrap());
    client.set_active(true);
    let mut server = new(LocalCertificate::generate().unwrap());
    let mut buf = vec![0u8; 4096];
    let mut wire = [0u8; 2048];
    // Returns the application bytes seen; forwards packets to `to`.
    let mut step = |from: &mut Dtls, to: &mut Dtls, buf: &mut [u8]| -> usize {
        let mut app = 0;
        loop {
            match from.poll_output(buf) {
                Output::Packet(p) => {
                    let len = p.len();
                    wire[..len].copy_from_slice(p);
                    // Packets go out only after this poll loop in real use;
                    // here the peer takes them at once, which dimpl permits.
                    to.handle_packet(&wire[..len]).unwrap();
                }
                Output::ApplicationData(d) => app += d.len(),
                Output::Timeout(_) => return app,
                _ => {}
            }
        }
    };
    for _ in 0..50 {
        client.handle_timeout(now).unwrap();
        server.handle_timeout(now).unwrap();
        step(&mut client, &mut server, &mut buf);
        step(&mut server, &mut client, &mut buf);
        now += Duration::from_millis(10);
    }
    let mut allocations = 0;
    for i in 0..WARM_UP + MEASURED {
        let region = Region::new(GLOBAL);
        client.send_application_data(&PAYLOAD).unwrap();
        client.handle_timeout(now).unwrap();
        step(&mut client, &mut server, &mut buf);
        server.handle_timeout(now).unwrap();
        let got = step(&mut server, &mut client, &mut buf);
        let spent = region.change().allocations as u64;
        assert_eq!(got, PAYLOAD.len());
        if i >= WARM_UP {
            allocations += spent;
        }
    }
    allocations
}

#[test]
fn transport_adds_no_allocation_to_dimpls_record_path() {
    for version in [DtlsVersion::Dtls12, DtlsVersion::Dtls13] {
        let ours = through_transport(version);
        let dimpl_only = bare_dimpl(version);
        println!(
            "{version:?}: {ours} allocations through DtlsTransport, {dimpl_only} in dimpl alone, per {MEASURED} records"
        );
        assert_eq!(ours, dimpl_only, "{version:?}");
    }
}
