//! `setLocalDescription/setRemoteDescription({type: "rollback"})`: back to
//! the last stable state (JSEP §4.1.10.2). m-sections the rolled-back offer
//! introduced lose their mid; transceivers a remote offer created go.

use super::{PeerConnectionError as Error, RTCPeerConnection, RTCSignalingState, Section};

impl RTCPeerConnection {
    /// Rolls back a pending offer made by `side` (have-local-offer for our
    /// own, have-remote-offer for the peer's).
    pub(crate) fn rollback(&mut self, side: RTCSignalingState) -> Result<(), Error> {
        if self.signaling != side {
            return Err(Error::InvalidState("nothing to roll back"));
        }
        for section in self.sections.split_off(self.stable_sections) {
            match section {
                Section::Media(i) => {
                    let t = &mut self.transceivers[i];
                    t.mid = None;
                    t.remote_ssrcs.clear();
                    if t.created_by_remote {
                        t.stopped = true;
                    }
                }
                Section::Data => self.data_mid = None,
            }
        }
        self.pending_local = None;
        self.pending_remote = None;
        self.stats_cache = None;
        self.set_signaling(RTCSignalingState::Stable);
        Ok(())
    }
}
