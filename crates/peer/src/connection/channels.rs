//! `RTCDataChannel` calls: send (text, binary) and close.

use std::time::Instant;

use super::{DataChannelId, PeerConnectionError as Error, RTCPeerConnection};

impl RTCPeerConnection {
    /// The SCTP stream id of an open channel.
    fn open_stream(&self, channel: DataChannelId) -> Result<u16, Error> {
        let entry = self.channels.get(channel.0).ok_or(Error::UnknownHandle)?;
        match (entry.open, entry.stream_id) {
            (true, Some(id)) => Ok(id),
            _ => Err(Error::InvalidState("data channel not open")),
        }
    }

    /// `RTCDataChannel.send(text)`.
    pub fn send_text(
        &mut self,
        now: Instant,
        channel: DataChannelId,
        text: &str,
    ) -> Result<(), Error> {
        let id = self.open_stream(channel)?;
        let transport = self.transport.as_mut().ok_or(Error::Closed)?;
        let r = transport
            .send_text(now, id, text)
            .map_err(Error::DataChannel);
        self.pump(now);
        r
    }

    /// `RTCDataChannel.send(ArrayBuffer)`.
    pub fn send_binary(
        &mut self,
        now: Instant,
        channel: DataChannelId,
        data: &[u8],
    ) -> Result<(), Error> {
        let id = self.open_stream(channel)?;
        let transport = self.transport.as_mut().ok_or(Error::Closed)?;
        let r = transport
            .send_binary(now, id, data)
            .map_err(Error::DataChannel);
        self.pump(now);
        r
    }

    /// `RTCDataChannel.close()`: the "close" event follows once SCTP has
    /// reset the stream. A channel not yet created on the transport just
    /// closes.
    pub fn close_data_channel(
        &mut self,
        now: Instant,
        channel: DataChannelId,
    ) -> Result<(), Error> {
        let entry = self
            .channels
            .get_mut(channel.0)
            .ok_or(Error::UnknownHandle)?;
        if entry.closed {
            return Ok(());
        }
        match entry.stream_id {
            None => {
                entry.init = None;
                entry.closed = true;
                self.emit(super::PeerConnectionEvent::DataChannelClose { channel });
                Ok(())
            }
            Some(id) => {
                let transport = self.transport.as_mut().ok_or(Error::Closed)?;
                let r = transport
                    .close_data_channel(now, id)
                    .map_err(Error::DataChannel);
                self.pump(now);
                r
            }
        }
    }
}
