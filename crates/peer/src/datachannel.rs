//! Data-channel API passthrough to the SCTP association.

use std::time::Instant;

use rtcscope_sctp::{DataChannelInit, SctpTransport};

use crate::events::DataChannelApiError;
use crate::transport::BundleTransport;

impl BundleTransport {
    /// `createDataChannel`: the stream id. The DCEP OPEN goes out once SCTP is up.
    pub fn create_data_channel(
        &mut self,
        now: Instant,
        init: DataChannelInit,
    ) -> Result<u16, DataChannelApiError> {
        let id = self.sctp_mut()?.create_data_channel(init);
        self.pump(now);
        id.map_err(DataChannelApiError::Channel)
    }

    pub fn send_text(
        &mut self,
        now: Instant,
        id: u16,
        text: &str,
    ) -> Result<(), DataChannelApiError> {
        let r = self.sctp_mut()?.send_text(id, text);
        self.pump(now);
        r.map_err(DataChannelApiError::Channel)
    }

    pub fn send_binary(
        &mut self,
        now: Instant,
        id: u16,
        data: &[u8],
    ) -> Result<(), DataChannelApiError> {
        let r = self.sctp_mut()?.send_binary(id, data);
        self.pump(now);
        r.map_err(DataChannelApiError::Channel)
    }

    pub fn close_data_channel(&mut self, now: Instant, id: u16) -> Result<(), DataChannelApiError> {
        let r = self.sctp_mut()?.close_channel(id);
        self.pump(now);
        r.map_err(DataChannelApiError::Channel)
    }

    fn sctp_mut(&mut self) -> Result<&mut SctpTransport, DataChannelApiError> {
        if self.closed {
            return Err(DataChannelApiError::Closed);
        }
        self.sctp.as_mut().ok_or(DataChannelApiError::NoSctp)
    }
}
