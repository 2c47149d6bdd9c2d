//! Statistical and exact checks of the simulated link.

use std::time::{Duration, Instant};

use rtcscope_netsim::{Link, LinkConfig, LossModel, Path, SendVerdict, Side};

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// Sends `n` packets, one every `interval`, and returns the verdicts.
fn send_train(
    link: &mut Link<u32>,
    start: Instant,
    n: u32,
    interval: Duration,
) -> Vec<SendVerdict> {
    (0..n)
        .map(|i| link.send(start + interval * i, i, 100))
        .collect()
}

/// Receives everything still in flight, in arrival order.
fn drain(link: &mut Link<u32>) -> Vec<(Instant, u32)> {
    let mut out = Vec::new();
    while let Some(at) = link.next_delivery() {
        let p = link.poll_receive(at).expect("due packet");
        out.push((at, p));
    }
    out
}

#[test]
fn bernoulli_loss_rate_is_within_statistical_bounds() {
    let p = 0.05;
    let n = 100_000u32;
    let config = LinkConfig {
        loss: LossModel::Bernoulli { p },
        ..Default::default()
    };
    let mut link = Link::new(config, 42).unwrap();
    let verdicts = send_train(&mut link, Instant::now(), n, ms(1));
    let lost = verdicts.iter().filter(|v| v.is_dropped()).count() as f64;
    // Binomial sd = sqrt(n p (1-p)) = 68.9 packets; allow 5 sd.
    let sd = (f64::from(n) * p * (1.0 - p)).sqrt();
    assert!(
        (lost - f64::from(n) * p).abs() < 5.0 * sd,
        "lost {lost}, expected {} +- {}",
        f64::from(n) * p,
        5.0 * sd
    );
    let c = link.counters();
    assert_eq!(c.offered, u64::from(n));
    assert_eq!(c.dropped_loss as f64, lost);
    assert_eq!(drain(&mut link).len() as f64, f64::from(n) - lost);
    assert_eq!(link.counters().delivered as f64, f64::from(n) - lost);
}

#[test]
fn verdicts_name_exactly_the_packets_that_never_arrive() {
    let config = LinkConfig {
        loss: LossModel::Bernoulli { p: 0.2 },
        ..Default::default()
    };
    let mut link = Link::new(config, 9).unwrap();
    let verdicts = send_train(&mut link, Instant::now(), 1000, ms(1));
    let mut arrived: Vec<u32> = drain(&mut link).into_iter().map(|(_, p)| p).collect();
    arrived.sort_unstable();
    let predicted: Vec<u32> = (0..1000)
        .filter(|&i| !verdicts[i as usize].is_dropped())
        .collect();
    assert_eq!(arrived, predicted);
}

#[test]
fn same_seed_same_outcome_different_seed_different_outcome() {
    let config = LinkConfig {
        loss: LossModel::Bernoulli { p: 0.1 },
        jitter: ms(30),
        duplicate: 0.05,
        ..Default::default()
    };
    let start = Instant::now();
    let run = |seed| {
        let mut link = Link::new(config.clone(), seed).unwrap();
        let v = send_train(&mut link, start, 2000, ms(10));
        (v, drain(&mut link))
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn fixed_delay_is_exact() {
    let config = LinkConfig {
        delay: ms(40),
        ..Default::default()
    };
    let mut link = Link::new(config, 1).unwrap();
    let start = Instant::now();
    send_train(&mut link, start, 100, ms(7));
    assert_eq!(link.poll_receive(start + ms(39)), None);
    let arrivals = drain(&mut link);
    for (i, (at, p)) in arrivals.iter().enumerate() {
        assert_eq!(*p, i as u32);
        assert_eq!(*at, start + ms(7) * i as u32 + ms(40));
    }
}

#[test]
fn jitter_stays_in_range_and_reorders() {
    let jitter = ms(30);
    let config = LinkConfig {
        delay: ms(20),
        jitter,
        ..Default::default()
    };
    let mut link = Link::new(config, 3).unwrap();
    let start = Instant::now();
    let interval = ms(10);
    let n = 10_000u32;
    send_train(&mut link, start, n, interval);
    let arrivals = drain(&mut link);
    assert_eq!(arrivals.len(), n as usize);
    let mut extra_sum = 0.0;
    for (at, p) in &arrivals {
        let extra = *at - (start + interval * *p + ms(20));
        assert!(extra <= jitter);
        extra_sum += extra.as_secs_f64();
    }
    // Mean of U[0, 30 ms] is 15 ms; sd of the mean = 30/sqrt(12 n) ms
    // = 0.087 ms; allow 5 sd.
    let mean_ms = extra_sum / f64::from(n) * 1000.0;
    assert!(
        (mean_ms - 15.0).abs() < 0.45,
        "mean extra delay {mean_ms} ms"
    );
    let inversions = arrivals.windows(2).filter(|w| w[1].1 < w[0].1).count();
    // Two neighbours 10 ms apart swap when X_i - X_{i+1} > 10 ms with
    // X ~ U[0,30]: P = (20/30)^2 / 2 = 2/9; ~2222 of 9999 pairs at least
    // (adjacent arrival pairs also include farther swaps).
    assert!(inversions > 1500, "only {inversions} reorderings");
}

#[test]
fn duplication_delivers_both_copies() {
    let config = LinkConfig {
        duplicate: 0.1,
        ..Default::default()
    };
    let mut link = Link::new(config, 11).unwrap();
    let verdicts = send_train(&mut link, Instant::now(), 10_000, ms(1));
    let dup_verdicts = verdicts
        .iter()
        .filter(|v| {
            matches!(
                v,
                SendVerdict::Scheduled {
                    duplicate_at: Some(_),
                    ..
                }
            )
        })
        .count();
    let arrivals = drain(&mut link);
    assert_eq!(arrivals.len(), 10_000 + dup_verdicts);
    assert_eq!(link.counters().duplicated, dup_verdicts as u64);
    // sd = sqrt(10000 * 0.1 * 0.9) = 30; 5 sd.
    assert!((dup_verdicts as f64 - 1000.0).abs() < 150.0);
}

#[test]
fn bandwidth_cap_limits_throughput_and_queueing_delay_grows() {
    // 1 Mbit/s cap, 1000-byte packets offered at 2 Mbit/s (one per 4 ms).
    let cap = 1_000_000u64;
    let config = LinkConfig {
        bandwidth_bps: Some(cap),
        queue_bytes: 50_000,
        delay: ms(10),
        ..Default::default()
    };
    let mut link = Link::new(config, 1).unwrap();
    let start = Instant::now();
    let mut delays = Vec::new();
    let mut dropped = 0;
    for i in 0..2000u32 {
        let now = start + ms(4) * i;
        match link.send(now, i, 1000) {
            SendVerdict::Scheduled { deliver_at, .. } => delays.push(deliver_at - now),
            SendVerdict::DroppedQueue => dropped += 1,
            SendVerdict::DroppedLoss => unreachable!("no loss configured"),
        }
        assert!(link.queued_bytes(now) <= 50_000);
    }
    // Queueing delay grows: first packet waits only its own 8 ms
    // serialization, later ones wait behind a full queue (50 packets of
    // 8 ms = up to 400 ms).
    assert_eq!(delays[0], ms(18));
    assert_eq!(delays[1], ms(22), "second waits 4 ms behind the first");
    assert!(delays[100] > ms(300), "queueing delay {:?}", delays[100]);
    assert!(
        dropped > 900,
        "half the offered load must be dropped, got {dropped}"
    );
    let arrivals = drain(&mut link);
    let first = arrivals.first().unwrap().0;
    let last = arrivals.last().unwrap().0;
    let bits = (arrivals.len() as f64 - 1.0) * 8000.0;
    let throughput = bits / (last - first).as_secs_f64();
    assert!(
        (throughput / cap as f64 - 1.0).abs() < 0.001,
        "throughput {throughput} bit/s vs cap {cap}"
    );
}

#[test]
fn gilbert_elliott_burst_lengths_average_one_over_r() {
    let (p, r) = (0.01, 0.25);
    let config = LinkConfig {
        loss: LossModel::GilbertElliott {
            p,
            r,
            loss_good: 0.0,
            loss_bad: 1.0,
        },
        ..Default::default()
    };
    let mut link = Link::new(config.clone(), 77).unwrap();
    let n = 200_000u32;
    let verdicts = send_train(&mut link, Instant::now(), n, ms(1));
    let mut bursts = Vec::new();
    let mut run = 0u32;
    for v in &verdicts {
        if v.is_dropped() {
            run += 1;
        } else if run > 0 {
            bursts.push(run);
            run = 0;
        }
    }
    let mean_burst = bursts.iter().map(|&b| f64::from(b)).sum::<f64>() / bursts.len() as f64;
    // Burst length is geometric with mean 1/r = 4, sd sqrt(1-r)/r = 3.46;
    // ~ n p/(p+r) / 4 = 1923 bursts -> sd of the mean 0.079; 5 sd = 0.4.
    assert!(
        (mean_burst - 1.0 / r).abs() < 0.4,
        "mean burst {mean_burst}"
    );
    let rate = verdicts.iter().filter(|v| v.is_dropped()).count() as f64 / f64::from(n);
    let expected = config.loss.expected_loss_rate();
    assert!((expected - 0.01 / 0.26).abs() < 1e-12);
    assert!(
        (rate - expected).abs() < 0.006,
        "loss rate {rate} vs {expected}"
    );
}

#[test]
fn invalid_probabilities_are_rejected() {
    let bad = LinkConfig {
        loss: LossModel::Bernoulli { p: f64::NAN },
        ..Default::default()
    };
    assert!(Link::<u32>::new(bad, 0).is_err());
    let bad = LinkConfig {
        duplicate: 1.5,
        ..Default::default()
    };
    assert!(Link::<u32>::new(bad, 0).is_err());
    let bad = LinkConfig {
        bandwidth_bps: Some(0),
        ..Default::default()
    };
    assert!(Link::<u32>::new(bad, 0).is_err());
}

#[test]
fn path_delivers_both_directions_in_time_order() {
    let config = LinkConfig {
        delay: ms(25),
        ..Default::default()
    };
    let mut path: Path<&str> = Path::symmetric(config, 8).unwrap();
    let t0 = Instant::now();
    path.link_from(Side::A).send(t0, "a1", 10);
    path.link_from(Side::B).send(t0 + ms(5), "b1", 10);
    path.link_from(Side::A).send(t0 + ms(10), "a2", 10);
    assert_eq!(path.next_delivery(), Some(t0 + ms(25)));
    let mut got = Vec::new();
    while let Some(at) = path.next_delivery() {
        while let Some(x) = path.poll_receive(at) {
            got.push((at - t0, x));
        }
    }
    assert_eq!(
        got,
        vec![
            (ms(25), (Side::B, "a1")),
            (ms(30), (Side::A, "b1")),
            (ms(35), (Side::B, "a2")),
        ]
    );
}
