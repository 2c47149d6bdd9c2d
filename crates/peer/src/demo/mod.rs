//! `rtcscope demo`: two peer connections in one process over real UDP
//! sockets on 127.0.0.1, an impaired relay between them (per direction:
//! loss, one-way delay, jitter), offer/answer and trickle ICE exchanged
//! in-process. The offerer sends real media (the H.264 test pattern and
//! Opus speech-like audio; synthetic payloads with `synthetic`) and a data
//! channel message every 200 ms; every second both peers' getStats()
//! reports go to the caller.

mod relay;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtcscope_netsim::{LinkConfig, LossModel};
use rtcscope_sctp::DataChannelInit;
use rtcscope_sdp::{Candidate, CandidateAddress};
use rtcscope_stats::{EpochClock, MediaKind, RTCStatsReport};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

pub use relay::RelayCounters;

use crate::connection::{
    MediaStreamTrack, PeerConnectionEvent, RTCConfiguration, RTCIceCandidateInit, RTCPeerConnection,
};
use crate::pc_driver::{CallError, PeerConnectionHandle, spawn};
use crate::pipeline::RealMediaConfig;

/// Command-line options of the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    pub seconds: f64,
    /// Random loss per direction, percent.
    pub loss_percent: f64,
    /// One-way delay per direction.
    pub delay: Duration,
    /// Extra uniform per-packet delay in [0, jitter] per direction.
    pub jitter: Duration,
    pub seed: u64,
    /// Synthetic payloads instead of real media (no codecs: light on CPU).
    pub synthetic: bool,
    /// What the offerer's real media sends (test pattern size, rates).
    pub media: RealMediaConfig,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            seconds: 10.0,
            loss_percent: 0.0,
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            seed: 1,
            synthetic: false,
            media: RealMediaConfig::default(),
        }
    }
}

/// Which peer a report is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoSide {
    Offerer,
    Answerer,
}

impl DemoSide {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offerer => "offerer",
            Self::Answerer => "answerer",
        }
    }
}

/// One getStats() result.
#[derive(Debug, Clone)]
pub struct DemoSample {
    pub side: DemoSide,
    /// Seconds since the demo started.
    pub t: f64,
    pub report: RTCStatsReport,
}

/// What the demo did besides the samples.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub relay: RelayCounters,
    pub messages_sent: u64,
    pub messages_received: u64,
    pub samples: usize,
}

#[derive(Debug)]
pub enum DemoError {
    Io(std::io::Error),
    Call(CallError),
    Link(rtcscope_netsim::ConfigError),
    Options(&'static str),
}

impl std::fmt::Display for DemoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "socket: {e}"),
            Self::Call(e) => write!(f, "peer connection: {e}"),
            Self::Link(e) => write!(f, "impairment: {e:?}"),
            Self::Options(e) => write!(f, "options: {e}"),
        }
    }
}

impl std::error::Error for DemoError {}

impl From<std::io::Error> for DemoError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<CallError> for DemoError {
    fn from(e: CallError) -> Self {
        Self::Call(e)
    }
}

/// The link configuration of one direction.
pub fn link_config(options: &DemoOptions) -> Result<LinkConfig, DemoError> {
    if !(0.0..=100.0).contains(&options.loss_percent) {
        return Err(DemoError::Options("loss must be within 0..=100 percent"));
    }
    if !(options.seconds.is_finite() && options.seconds > 0.0 && options.seconds <= 86_400.0) {
        return Err(DemoError::Options("seconds must be within (0, 86400]"));
    }
    let config = LinkConfig {
        loss: if options.loss_percent > 0.0 {
            LossModel::Bernoulli {
                p: options.loss_percent / 100.0,
            }
        } else {
            LossModel::None
        },
        delay: options.delay,
        jitter: options.jitter,
        queue_bytes: 4 << 20,
        ..LinkConfig::default()
    };
    config.validate().map_err(DemoError::Link)?;
    Ok(config)
}

/// The candidate as the other peer must see it: at the relay socket that
/// faces that peer.
fn via_relay(mut init: RTCIceCandidateInit, relay: SocketAddr) -> Option<RTCIceCandidateInit> {
    if init.candidate.trim().is_empty() {
        return Some(init);
    }
    let mut c = Candidate::parse(&init.candidate).ok()?;
    c.address = CandidateAddress::Ip(relay.ip());
    c.port = relay.port();
    init.candidate = c.to_string();
    Some(init)
}

async fn peer(
    seed: u64,
) -> Result<(PeerConnectionHandle, mpsc::Receiver<PeerConnectionEvent>), DemoError> {
    let socket = UdpSocket::bind("127.0.0.1:0").await?;
    let local = socket.local_addr()?;
    let pc = RTCPeerConnection::new(
        RTCConfiguration::new(vec![local], seed),
        EpochClock::system(),
    )
    .map_err(|e| DemoError::Call(CallError::Refused(e)))?;
    let (handle, events, _task) = spawn(socket, pc)?;
    Ok((handle, events))
}

/// Runs the demo for `options.seconds`, handing every report to `on_sample`
/// (answerer's and offerer's, once a second).
pub async fn run(
    options: &DemoOptions,
    mut on_sample: impl FnMut(&DemoSample),
) -> Result<DemoSummary, DemoError> {
    let link = link_config(options)?;
    let start = Instant::now();
    let (offerer, mut offerer_events) = peer(options.seed.wrapping_mul(2).wrapping_add(1)).await?;
    let (answerer, mut answerer_events) =
        peer(options.seed.wrapping_mul(2).wrapping_add(2)).await?;
    let facing_offerer = UdpSocket::bind("127.0.0.1:0").await?;
    let facing_answerer = UdpSocket::bind("127.0.0.1:0").await?;
    let relay_for_offerer = facing_offerer.local_addr()?;
    let relay_for_answerer = facing_answerer.local_addr()?;
    let relay = relay::Relay::new(
        facing_offerer,
        facing_answerer,
        offerer.local_addr(),
        answerer.local_addr(),
        &link,
        options.seed,
    )
    .map_err(DemoError::Link)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let relay_task = tokio::spawn(relay.run(stop_rx));

    // The offerer: video, audio, a data channel.
    let video = offerer
        .add_track(MediaStreamTrack {
            id: "demo-video".to_string(),
            kind: MediaKind::Video,
        })
        .await?;
    let audio = offerer
        .add_track(MediaStreamTrack {
            id: "demo-audio".to_string(),
            kind: MediaKind::Audio,
        })
        .await?;
    if options.synthetic {
        video.start_synthetic_media().await?;
        audio.start_synthetic_media().await?;
    } else {
        video.start_real_media(options.media).await?;
        audio.start_real_media(options.media).await?;
        answerer
            .enable_media_receive()
            .await
            .map_err(CallError::from)?;
    }
    let chat = offerer
        .create_data_channel(DataChannelInit::new("chat"))
        .await?;

    let offer = offerer.create_offer().await?;
    offerer.set_local_description(offer.clone()).await?;
    answerer.set_remote_description(offer).await?;
    let answer = answerer.create_answer().await?;
    answerer.set_local_description(answer.clone()).await?;
    offerer.set_remote_description(answer).await?;

    let end = start + Duration::from_secs_f64(options.seconds);
    let mut stats_tick = tokio::time::interval_at(
        tokio::time::Instant::from_std(start + Duration::from_secs(1)),
        Duration::from_secs(1),
    );
    let mut message_tick = tokio::time::interval(Duration::from_millis(200));
    let mut summary = DemoSummary::default();
    let mut chat_open = false;
    loop {
        tokio::select! {
            Some(event) = offerer_events.recv() => match event {
                PeerConnectionEvent::IceCandidate(c) => {
                    let init = c.unwrap_or_else(end_of_candidates);
                    if let Some(init) = via_relay(init, relay_for_answerer) {
                        // A candidate the other side refuses is not fatal (ICE tries the rest).
                        let _ = answerer.add_ice_candidate(init).await;
                    }
                }
                PeerConnectionEvent::DataChannelOpen { channel } if channel == chat => {
                    chat_open = true;
                }
                _ => {}
            },
            Some(event) = answerer_events.recv() => match event {
                PeerConnectionEvent::IceCandidate(c) => {
                    let init = c.unwrap_or_else(end_of_candidates);
                    if let Some(init) = via_relay(init, relay_for_offerer) {
                        let _ = offerer.add_ice_candidate(init).await;
                    }
                }
                PeerConnectionEvent::DataChannelMessage { .. } => summary.messages_received += 1,
                _ => {}
            },
            _ = message_tick.tick() => {
                if chat_open {
                    let text = format!("message {}", summary.messages_sent);
                    if offerer.send_text(chat, text).await.is_ok() {
                        summary.messages_sent += 1;
                    }
                }
            }
            at = stats_tick.tick() => {
                if at.into_std() > end {
                    break;
                }
                let t = at.into_std().saturating_duration_since(start).as_secs_f64();
                let (a, b) = tokio::join!(offerer.get_stats(None), answerer.get_stats(None));
                for (side, report) in [(DemoSide::Offerer, a?), (DemoSide::Answerer, b?)] {
                    on_sample(&DemoSample { side, t, report });
                    summary.samples += 1;
                }
                // The last whole second was sampled (even when the tick ran late).
                if at.into_std() + Duration::from_secs(1) > end {
                    break;
                }
            }
            // Only for runs shorter than one second (no tick at all).
            () = tokio::time::sleep_until(tokio::time::Instant::from_std(end)),
                if options.seconds < 1.0 => break,
        }
    }
    // Exit after exactly `seconds` (the last sample may be earlier).
    tokio::time::sleep_until(tokio::time::Instant::from_std(end)).await;
    let _ = offerer.close().await;
    let _ = answerer.close().await;
    let _ = stop_tx.send(true);
    summary.relay = relay_task.await.unwrap_or_default();
    Ok(summary)
}

fn end_of_candidates() -> RTCIceCandidateInit {
    RTCIceCandidateInit {
        candidate: String::new(),
        sdp_mid: None,
        sdp_m_line_index: None,
        username_fragment: None,
    }
}
