//! The tokio driver of an [`RTCPeerConnection`]: one task owns the UDP
//! socket and the sans-IO core; the cloneable [`PeerConnectionHandle`]
//! sends it calls over a channel. The task runs a call between two
//! datagrams, so `get_stats` never holds up the media path: no lock is
//! shared with it and the report is built where the state lives.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtcscope_sctp::DataChannelInit;
use rtcscope_stats::RTCStatsReport;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::connection::{
    DataChannelId, MediaStreamTrack, PeerConnectionError, PeerConnectionEvent, RTCIceCandidateInit,
    RTCPeerConnection, RTCSessionDescription, RtpReceiver, RtpSender, StatsSelector,
};

/// Largest datagram read.
const RECEIVE_BUFFER: usize = 65_536;
/// Calls waiting for the task; a full queue makes callers wait (backpressure).
const CALL_QUEUE: usize = 64;
/// Events waiting for the application; beyond, the oldest are not lost in
/// the core (it caps its own queue) but the task stops forwarding until read.
const EVENT_QUEUE: usize = 4096;

type Call = Box<dyn FnOnce(&mut RTCPeerConnection, Instant) + Send>;

/// The driver task is gone (closed or panicked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriverGone;

impl std::fmt::Display for DriverGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the peer connection task has stopped")
    }
}

impl std::error::Error for DriverGone {}

/// Error of an async API call: the core refused, or the task is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    Refused(PeerConnectionError),
    Gone,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(e) => write!(f, "{e}"),
            Self::Gone => write!(f, "{DriverGone}"),
        }
    }
}

impl std::error::Error for CallError {}

impl From<DriverGone> for CallError {
    fn from(_: DriverGone) -> Self {
        Self::Gone
    }
}

/// The async `RTCPeerConnection`.
#[derive(Clone, Debug)]
pub struct PeerConnectionHandle {
    calls: mpsc::Sender<Call>,
    local: SocketAddr,
}

/// Spawns the task driving `pc` on `socket`. Returns the handle, the event
/// stream and the task (it ends when every handle is dropped or after close).
pub fn spawn(
    socket: UdpSocket,
    pc: RTCPeerConnection,
) -> std::io::Result<(
    PeerConnectionHandle,
    mpsc::Receiver<PeerConnectionEvent>,
    JoinHandle<()>,
)> {
    let local = socket.local_addr()?;
    let (calls, call_rx) = mpsc::channel(CALL_QUEUE);
    let (event_tx, events) = mpsc::channel(EVENT_QUEUE);
    let (media_tx, media_rx) = mpsc::channel(crate::media_worker::OUTPUT_QUEUE);
    let mut pc = pc;
    // Video codecs run on their own threads: encoding and decoding never hold up the
    // datagrams of this task.
    pc.set_offload_factory(Box::new(crate::media_worker::ThreadOffload {
        outputs: media_tx,
    }));
    let task = tokio::spawn(run(socket, local, pc, call_rx, event_tx, media_rx));
    Ok((PeerConnectionHandle { calls, local }, events, task))
}

async fn run(
    socket: UdpSocket,
    local: SocketAddr,
    mut pc: RTCPeerConnection,
    mut calls: mpsc::Receiver<Call>,
    events: mpsc::Sender<PeerConnectionEvent>,
    mut media: mpsc::Receiver<crate::media_worker::MediaOutput>,
) {
    let mut buf = vec![0u8; RECEIVE_BUFFER];
    loop {
        while let Some(t) = pc.poll_transmit() {
            // A send error is a loss on the wire; ICE consent notices.
            let _ = socket.send_to(t.contents, t.destination).await;
        }
        while let Some(event) = pc.poll_event() {
            if events.try_send(event).is_err() {
                // Nobody reads (or the reader lags): drop rather than stall media.
            }
        }
        if pc.is_closed() {
            // Let the last datagrams (DTLS close_notify) go, then stop.
            break;
        }
        let deadline = pc
            .poll_timeout()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(1));
        tokio::select! {
            received = socket.recv_from(&mut buf) => {
                if let Ok((len, from)) = received {
                    let data = buf.get(..len).unwrap_or_default();
                    pc.handle_receive(Instant::now(), from, local, data);
                }
            }
            Some(output) = media.recv() => apply_media_output(&mut pc, output),
            call = calls.recv() => match call {
                Some(call) => call(&mut pc, Instant::now()),
                None => break,
            },
            () = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)) => {
                pc.handle_timeout(Instant::now());
            }
        }
    }
}

/// A codec thread's packet or feedback request goes out.
fn apply_media_output(pc: &mut RTCPeerConnection, output: crate::media_worker::MediaOutput) {
    use crate::media_worker::MediaOutput;
    let now = Instant::now();
    match output {
        MediaOutput::Rtp {
            ssrc,
            rtx,
            encoder_sequence,
            timestamp,
            marker,
            payload,
        } => {
            let packet = crate::OffloadedPacket {
                encoder_sequence,
                timestamp,
                marker,
                payload: &payload,
            };
            if rtx {
                pc.send_offloaded_rtx(now, ssrc, packet);
            } else {
                pc.send_offloaded_rtp(now, ssrc, packet);
            }
        }
        MediaOutput::Nack { remote_ssrc, lost } => {
            pc.send_offloaded_feedback(now, remote_ssrc, crate::Feedback::Nack(&lost));
        }
        MediaOutput::Pli { remote_ssrc } => {
            pc.send_offloaded_feedback(now, remote_ssrc, crate::Feedback::Pli);
        }
        MediaOutput::Fir {
            remote_ssrc,
            sequence_number,
        } => {
            pc.send_offloaded_feedback(now, remote_ssrc, crate::Feedback::Fir { sequence_number });
        }
    }
}

impl PeerConnectionHandle {
    /// The socket address the task owns.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Runs `f` on the core inside the task, between datagrams.
    pub fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut RTCPeerConnection, Instant) -> R + Send + 'static,
    ) -> impl Future<Output = Result<R, DriverGone>> + Send + 'static {
        let calls = self.calls.clone();
        async move {
            let (tx, rx) = oneshot::channel();
            let call: Call = Box::new(move |pc, now| {
                let _ = tx.send(f(pc, now));
            });
            calls.send(call).await.map_err(|_| DriverGone)?;
            rx.await.map_err(|_| DriverGone)
        }
    }

    async fn try_call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut RTCPeerConnection, Instant) -> Result<R, PeerConnectionError>
        + Send
        + 'static,
    ) -> Result<R, CallError> {
        self.call(f).await?.map_err(CallError::Refused)
    }

    pub async fn add_track(&self, track: MediaStreamTrack) -> Result<AsyncRtpSender, CallError> {
        let sender = self.try_call(move |pc, _| pc.add_track(track)).await?;
        Ok(AsyncRtpSender {
            pc: self.clone(),
            sender,
        })
    }

    pub async fn create_data_channel(
        &self,
        init: DataChannelInit,
    ) -> Result<DataChannelId, CallError> {
        self.try_call(move |pc, now| pc.create_data_channel(now, init))
            .await
    }

    pub async fn create_offer(&self) -> Result<RTCSessionDescription, CallError> {
        self.try_call(|pc, now| pc.create_offer(now)).await
    }

    pub async fn create_answer(&self) -> Result<RTCSessionDescription, CallError> {
        self.try_call(|pc, now| pc.create_answer(now)).await
    }

    pub async fn set_local_description(
        &self,
        description: RTCSessionDescription,
    ) -> Result<(), CallError> {
        self.try_call(move |pc, now| pc.set_local_description(now, &description))
            .await
    }

    pub async fn set_remote_description(
        &self,
        description: RTCSessionDescription,
    ) -> Result<(), CallError> {
        self.try_call(move |pc, now| pc.set_remote_description(now, &description))
            .await
    }

    pub async fn add_ice_candidate(&self, candidate: RTCIceCandidateInit) -> Result<(), CallError> {
        self.try_call(move |pc, now| pc.add_ice_candidate(now, &candidate))
            .await
    }

    pub async fn send_text(&self, channel: DataChannelId, text: String) -> Result<(), CallError> {
        self.try_call(move |pc, now| pc.send_text(now, channel, &text))
            .await
    }

    /// `getStats(selector)`: built by the task between two datagrams.
    pub async fn get_stats(
        &self,
        selector: Option<StatsSelector>,
    ) -> Result<RTCStatsReport, CallError> {
        self.try_call(move |pc, now| pc.get_stats(now, selector.as_ref()))
            .await
    }

    pub fn receiver(&self, receiver: RtpReceiver) -> AsyncRtpReceiver {
        AsyncRtpReceiver {
            pc: self.clone(),
            receiver,
        }
    }

    /// Decode the peer's media (see [`RTCPeerConnection::enable_media_receive`]).
    pub async fn enable_media_receive(&self) -> Result<(), DriverGone> {
        self.call(|pc, _| pc.enable_media_receive()).await
    }

    pub async fn close(&self) -> Result<(), DriverGone> {
        self.call(|pc, now| pc.close(now)).await
    }
}

/// `RTCRtpSender` of a driven connection.
#[derive(Clone, Debug)]
pub struct AsyncRtpSender {
    pc: PeerConnectionHandle,
    pub sender: RtpSender,
}

impl AsyncRtpSender {
    pub async fn get_stats(&self) -> Result<RTCStatsReport, CallError> {
        let sender = self.sender;
        self.pc
            .try_call(move |pc, now| pc.sender_stats(now, sender))
            .await
    }

    /// Backs the sender with real media (see [`crate::pipeline`]).
    pub async fn start_real_media(
        &self,
        config: crate::pipeline::RealMediaConfig,
    ) -> Result<(), CallError> {
        let sender = self.sender;
        self.pc
            .try_call(move |pc, _| pc.start_real_media(sender, config))
            .await
    }

    /// Attaches a synthetic source (see [`crate::synthetic`]).
    pub async fn start_synthetic_media(&self) -> Result<(), CallError> {
        let sender = self.sender;
        self.pc
            .try_call(move |pc, _| pc.start_synthetic_media(sender))
            .await
    }
}

/// `RTCRtpReceiver` of a driven connection.
#[derive(Clone, Debug)]
pub struct AsyncRtpReceiver {
    pc: PeerConnectionHandle,
    pub receiver: RtpReceiver,
}

impl AsyncRtpReceiver {
    pub async fn get_stats(&self) -> Result<RTCStatsReport, CallError> {
        let receiver = self.receiver;
        self.pc
            .try_call(move |pc, now| pc.receiver_stats(now, receiver))
            .await
    }
}
