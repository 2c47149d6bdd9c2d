//! A sender → bottleneck → receiver loop on netsim links in simulated time:
//! an encoder-like source produces 30 frames per second of target/30 bits
//! (so it always has data at the rate it is told), the pacer sends them,
//! every packet gets a transport-wide sequence number, the receiver sends
//! feedback every 50 ms over a 40 ms return link, and the estimator's
//! target drives both the source and the pacer.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::time::{Duration, Instant};

use rtcscope_bwe::{
    BweConfig, BweSnapshot, Pacer, PacerConfig, SendSideBwe, TwccReceiver, TwccReceiverConfig,
};
use rtcscope_netsim::{Link, LinkConfig};

pub const TICK: Duration = Duration::from_millis(1);
const FRAME_INTERVAL: Duration = Duration::from_nanos(33_333_333);
const MAX_PACKET: usize = 1200;

pub struct Sim {
    pub t0: Instant,
    pub now: Instant,
    pub bwe: SendSideBwe,
    pub pacer: Pacer,
    pub receiver: TwccReceiver,
    forward: Link<u16>,
    /// Previous forward links still delivering what was in flight when the
    /// path changed.
    draining: Vec<Link<u16>>,
    backward: Link<Vec<u8>>,
    next_frame_at: Instant,
    next_id: u64,
    feedback_buf: Vec<u8>,
    /// (seconds, target bit/s, acked bit/s) every 500 ms.
    pub series: Vec<(f64, u64, Option<u64>)>,
    next_sample_at: Instant,
    /// Hostile RTCP datagrams to deliver along with the real feedback.
    pub injected: Vec<Vec<u8>>,
    /// Bulk mode: instead of frames, the pacer queue is kept non-empty
    /// (the sender always has data) and paces at exactly the target.
    bulk: bool,
}

pub fn link(bandwidth_bps: Option<u64>, loss: f64, seed_queue: usize) -> LinkConfig {
    LinkConfig {
        loss: if loss > 0.0 {
            rtcscope_netsim::LossModel::Bernoulli { p: loss }
        } else {
            rtcscope_netsim::LossModel::None
        },
        delay: Duration::from_millis(40),
        bandwidth_bps,
        queue_bytes: seed_queue,
        ..LinkConfig::default()
    }
}

impl Sim {
    pub fn new(forward: LinkConfig, start_bps: u64, seed: u64) -> Self {
        let backward = LinkConfig {
            delay: Duration::from_millis(40),
            ..LinkConfig::default()
        };
        Self::with_return_link(forward, backward, start_bps, seed)
    }

    /// Like [`Sim::new`] with the given feedback (return) link.
    pub fn with_return_link(
        forward: LinkConfig,
        backward: LinkConfig,
        start_bps: u64,
        seed: u64,
    ) -> Self {
        let config = BweConfig {
            start_bitrate_bps: start_bps,
            ..BweConfig::default()
        };
        Self::with_config(forward, backward, config, seed)
    }

    /// A loop with the given links and estimator settings.
    pub fn with_config(
        forward: LinkConfig,
        backward: LinkConfig,
        config: BweConfig,
        seed: u64,
    ) -> Self {
        let t0 = Instant::now();
        let bwe = SendSideBwe::new(t0, config);
        Self {
            t0,
            now: t0,
            pacer: Pacer::new(PacerConfig::default(), bwe.target_bitrate_bps()),
            bwe,
            receiver: TwccReceiver::new(t0, TwccReceiverConfig::default()),
            forward: Link::new(forward, seed).unwrap(),
            draining: Vec::new(),
            backward: Link::new(backward, seed ^ 0xFEED).unwrap(),
            next_frame_at: t0,
            next_id: 0,
            feedback_buf: vec![0; 1500],
            series: Vec::new(),
            next_sample_at: t0,
            injected: Vec::new(),
            bulk: false,
        }
    }

    /// A sender that always has data: the pacer (factor 1.0) is the only
    /// thing limiting its rate.
    pub fn new_bulk(forward: LinkConfig, start_bps: u64, seed: u64) -> Self {
        let mut sim = Self::new(forward, start_bps, seed);
        let config = PacerConfig {
            pacing_factor: 1.0,
            ..PacerConfig::default()
        };
        sim.pacer = Pacer::new(config, sim.bwe.target_bitrate_bps());
        sim.bulk = true;
        sim
    }

    /// Replaces the forward link (a bottleneck change); packets already in
    /// flight on the old one still arrive.
    pub fn change_forward(&mut self, config: LinkConfig, seed: u64) {
        let old = std::mem::replace(&mut self.forward, Link::new(config, seed).unwrap());
        self.draining.push(old);
    }

    pub fn secs(&self) -> f64 {
        (self.now - self.t0).as_secs_f64()
    }

    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        while self.now < end {
            self.step();
            self.now += TICK;
        }
    }

    fn step(&mut self) {
        let now = self.now;
        if self.bulk {
            while self.pacer.queue_len() < 4 {
                let _ = self.pacer.enqueue(now, self.next_id, MAX_PACKET);
                self.next_id += 1;
            }
        } else if now >= self.next_frame_at {
            let mut frame = (self.bwe.target_bitrate_bps() / 8 / 30).max(1) as usize;
            while frame > 0 {
                let size = frame.min(MAX_PACKET);
                frame -= size;
                let _ = self.pacer.enqueue(now, self.next_id, size);
                self.next_id += 1;
            }
            self.next_frame_at += FRAME_INTERVAL;
        }
        if let Some(cluster) = self.bwe.poll_probe() {
            self.pacer.start_probe(now, &cluster);
        }
        loop {
            let size = match self.pacer.poll_send(now) {
                Some(p) => p.size_bytes,
                None => match self.pacer.poll_padding(now) {
                    Some(padding) => padding,
                    None => break,
                },
            };
            let seq = self.bwe.on_packet_sent(now, size);
            self.forward.send(now, seq, size);
        }
        for l in self
            .draining
            .iter_mut()
            .chain(std::iter::once(&mut self.forward))
        {
            while let Some(seq) = l.poll_receive(now) {
                self.receiver.on_packet(now, seq);
            }
        }
        while let Some(n) = self
            .receiver
            .poll_feedback(now, &mut self.feedback_buf)
            .unwrap()
        {
            let datagram = self.feedback_buf[..n].to_vec();
            self.backward.send(now, datagram, n);
            for hostile in self.injected.drain(..) {
                let len = hostile.len();
                self.backward.send(now, hostile, len);
            }
        }
        while let Some(datagram) = self.backward.poll_receive(now) {
            self.bwe.on_rtcp(now, &datagram);
        }
        self.pacer.set_target_bitrate(self.bwe.target_bitrate_bps());
        if now >= self.next_sample_at {
            self.series.push((
                self.secs(),
                self.bwe.target_bitrate_bps(),
                self.bwe.acked_bitrate_bps(),
            ));
            self.next_sample_at += Duration::from_millis(500);
        }
    }

    pub fn snapshot(&self) -> BweSnapshot {
        self.bwe.snapshot()
    }

    /// Prints the series (visible with --nocapture or on failure).
    pub fn print_series(&self, label: &str) {
        println!("{label}: t[s] target[kbit/s] acked[kbit/s]");
        for &(t, target, acked) in &self.series {
            let acked = acked.map_or("-".to_string(), |a| format!("{}", a / 1000));
            println!("{t:6.1} {:6} {acked:>6}", target / 1000);
        }
    }

    /// Targets sampled in [from, to) seconds.
    pub fn targets_between(&self, from: f64, to: f64) -> Vec<u64> {
        self.series
            .iter()
            .filter(|(t, _, _)| *t >= from && *t < to)
            .map(|&(_, target, _)| target)
            .collect()
    }
}
