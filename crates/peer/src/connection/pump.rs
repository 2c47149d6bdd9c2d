//! Transport events → W3C events: trickled candidates (held until
//! setLocalDescription), ICE/connection state, data channels.

use std::time::Instant;

use rtcscope_ice::{IceEvent, IceTransportState};
use rtcscope_sctp::SctpEvent;

use super::{
    DataChannelEntry, DataChannelId, PeerConnectionEvent as Event, RTCIceCandidateInit,
    RTCPeerConnection, RTCPeerConnectionState,
};
use crate::events::BundleEvent;

/// What one transport event means for the connection (copied out so the
/// transport's borrow ends before the connection changes).
enum Step {
    Candidate(Option<RTCIceCandidateInit>),
    IceState(IceTransportState),
    DtlsConnected,
    DtlsFailed,
    ChannelOpen {
        id: u16,
        label: String,
        remote: bool,
    },
    Message(u16, rtcscope_sctp::DataChannelMessage),
    ChannelClosed(Option<u16>),
    Rtp,
    Feedback(crate::feedback::ReceivedFeedback),
    Nothing,
}

impl RTCPeerConnection {
    /// Drains the transport's events.
    pub(crate) fn pump(&mut self, now: Instant) {
        loop {
            let Some(transport) = self.transport.as_mut() else {
                return;
            };
            let Some(event) = transport.poll_event() else {
                break;
            };
            let step = match event {
                // sdp_mid is filled in by apply_step (the transport's
                // borrow is still live here; media packets allocate nothing).
                BundleEvent::Ice(IceEvent::LocalCandidate(c)) => {
                    Step::Candidate(Some(RTCIceCandidateInit {
                        candidate: c.to_sdp_attribute(),
                        sdp_mid: None,
                        sdp_m_line_index: Some(0),
                        username_fragment: Some(c.username_fragment.clone()),
                    }))
                }
                BundleEvent::Ice(IceEvent::GatheringComplete) => Step::Candidate(None),
                BundleEvent::Ice(IceEvent::StateChanged(s)) => Step::IceState(s),
                BundleEvent::Ice(_) => Step::Nothing,
                BundleEvent::DtlsConnected => Step::DtlsConnected,
                BundleEvent::DtlsFailed(_) | BundleEvent::SrtpKeyingFailed(_) => Step::DtlsFailed,
                BundleEvent::DtlsClosed => Step::Nothing,
                BundleEvent::Rtp(rtp) => {
                    if self.receive_media {
                        super::real_media::route_rtp(
                            &mut self.remote_streams,
                            &self.transceivers,
                            self.offload.as_mut(),
                            now,
                            &rtp,
                        );
                    }
                    Step::Rtp
                }
                BundleEvent::Feedback(feedback) => Step::Feedback(feedback),
                BundleEvent::DataChannel(SctpEvent::ChannelOpen {
                    id,
                    label,
                    remote_initiated,
                    ..
                }) => Step::ChannelOpen {
                    id,
                    label,
                    remote: remote_initiated,
                },
                BundleEvent::DataChannel(SctpEvent::Message { id, message }) => {
                    Step::Message(id, message)
                }
                BundleEvent::DataChannel(SctpEvent::ChannelClosed { id }) => {
                    Step::ChannelClosed(Some(id))
                }
                BundleEvent::DataChannel(SctpEvent::AssociationLost { .. }) => {
                    Step::ChannelClosed(None)
                }
                BundleEvent::DataChannel(_) => Step::Nothing,
            };
            if let Step::Feedback(feedback) = step {
                self.on_media_feedback(now, feedback);
                continue;
            }
            self.apply_step(step);
        }
        self.update_connection_state();
    }

    fn first_mid(&self) -> Option<String> {
        match self.sections.first()? {
            super::Section::Media(i) => self.transceivers.get(*i)?.mid.clone(),
            super::Section::Data => self.data_mid.clone(),
        }
    }

    fn apply_step(&mut self, step: Step) {
        match step {
            Step::Candidate(mut c) => {
                // A new local candidate invalidates the stats cache (Chrome).
                self.stats_cache = None;
                if let Some(init) = c.as_mut() {
                    init.sdp_mid = self.first_mid();
                }
                if self.gathering_released {
                    self.emit(Event::IceCandidate(c));
                } else {
                    self.held_candidates.push(c);
                }
            }
            Step::IceState(s) => {
                if self.ice_state != s && !self.closed {
                    self.ice_state = s;
                    self.emit(Event::IceConnectionStateChange(s));
                }
            }
            Step::DtlsConnected => self.dtls_connected = true,
            Step::DtlsFailed => self.dtls_failed = true,
            Step::ChannelOpen { id, label, remote } => {
                let known = self.channels.iter().position(|c| c.stream_id == Some(id));
                let index = match known {
                    Some(i) => i,
                    None if remote && self.channels.len() < super::MAX_DATA_CHANNELS => {
                        self.channels.push(DataChannelEntry {
                            label: label.clone(),
                            init: None,
                            stream_id: Some(id),
                            open: false,
                            closed: false,
                        });
                        let index = self.channels.len() - 1;
                        self.emit(Event::DataChannel {
                            channel: DataChannelId(index),
                            label,
                        });
                        index
                    }
                    None => return,
                };
                if let Some(entry) = self.channels.get_mut(index) {
                    entry.open = true;
                }
                self.emit(Event::DataChannelOpen {
                    channel: DataChannelId(index),
                });
            }
            Step::Message(id, message) => {
                if let Some(index) = self.channels.iter().position(|c| c.stream_id == Some(id)) {
                    self.emit(Event::DataChannelMessage {
                        channel: DataChannelId(index),
                        message,
                    });
                }
            }
            Step::ChannelClosed(id) => {
                let mut closed = Vec::new();
                for (index, entry) in self.channels.iter_mut().enumerate() {
                    let hit = id.is_none_or(|id| entry.stream_id == Some(id));
                    if hit && entry.open {
                        entry.open = false;
                        entry.closed = true;
                        closed.push(index);
                    }
                }
                for index in closed {
                    self.emit(Event::DataChannelClose {
                        channel: DataChannelId(index),
                    });
                }
            }
            Step::Rtp => self.rtp_received += 1,
            Step::Feedback(_) | Step::Nothing => {}
        }
    }

    /// Candidates gathered before setLocalDescription go out now (trickle).
    pub(crate) fn release_candidates(&mut self) {
        if self.gathering_released {
            return;
        }
        self.gathering_released = true;
        let mid = self.first_mid();
        for mut c in std::mem::take(&mut self.held_candidates) {
            if let Some(init) = c.as_mut() {
                init.sdp_mid = mid.clone();
            }
            self.emit(Event::IceCandidate(c));
        }
    }

    fn update_connection_state(&mut self) {
        if self.closed {
            return;
        }
        use IceTransportState as Ice;
        let state = if self.dtls_failed || self.ice_state == Ice::Failed {
            RTCPeerConnectionState::Failed
        } else if self.ice_state == Ice::Disconnected {
            RTCPeerConnectionState::Disconnected
        } else if matches!(self.ice_state, Ice::Connected | Ice::Completed) && self.dtls_connected {
            RTCPeerConnectionState::Connected
        } else if self.ice_state == Ice::New && !self.dtls_connected {
            RTCPeerConnectionState::New
        } else {
            RTCPeerConnectionState::Connecting
        };
        if state != self.connection_state {
            self.connection_state = state;
            self.emit(Event::ConnectionStateChange(state));
        }
    }
}
