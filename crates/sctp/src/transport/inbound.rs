//! Messages read from SCTP streams: DCEP (the peer's OPEN, its ACK of ours) and
//! application messages, with the refusals and discards hostile input earns.

use sctp_proto::{PayloadProtocolIdentifier as Ppi, ReliabilityType};

use super::{RESERVED_STREAM_ID, SctpEvent, SctpTransport, apply_reliability};
use crate::channel::{Channel, DataChannelInit, DataChannelRecord, DataChannelState};
use crate::dcep::{DataChannelOpen, DcepMessage, MESSAGE_TYPE_ACK};
use crate::message::{DataChannelMessage, PayloadKind};

impl SctpTransport {
    pub(super) fn read_stream(&mut self, id: u16) {
        loop {
            if self.pending_event_bytes >= self.config.max_pending_event_bytes {
                // Leave the data in SCTP: its receive window closes and the peer waits.
                self.deferred_reads.insert(id);
                return;
            }
            let Some((_, assoc)) = &mut self.association else {
                return;
            };
            let chunks = match assoc.stream(id).and_then(|mut s| s.read_sctp()) {
                Ok(Some(chunks)) => chunks,
                _ => return,
            };
            let mut message = vec![0u8; chunks.len()];
            if chunks.read(&mut message).is_err() {
                self.discards.malformed_messages += 1;
                continue;
            }
            self.on_user_message(id, PayloadKind::from_ppid(chunks.ppi), message);
        }
    }

    fn on_user_message(&mut self, id: u16, kind: PayloadKind, payload: Vec<u8>) {
        let message = match kind {
            PayloadKind::Dcep => {
                match DcepMessage::decode(&payload) {
                    Ok(DcepMessage::Open(open)) => self.on_remote_open(id, open),
                    Ok(DcepMessage::Ack) => self.on_ack(id),
                    Err(_) => self.discards.malformed_dcep += 1,
                }
                return;
            }
            PayloadKind::Text => match String::from_utf8(payload) {
                Ok(text) => DataChannelMessage::Text(text),
                Err(_) => {
                    self.discards.invalid_utf8_messages += 1;
                    return;
                }
            },
            PayloadKind::Binary => DataChannelMessage::Binary(payload),
            PayloadKind::EmptyText => DataChannelMessage::Text(String::new()),
            PayloadKind::EmptyBinary => DataChannelMessage::Binary(Vec::new()),
            PayloadKind::Unknown => {
                self.discards.unknown_ppid_messages += 1;
                return;
            }
        };
        let Some(channel) = self
            .channels
            .get_mut(&id)
            .filter(|c| c.record.state == DataChannelState::Open)
        else {
            self.discards.messages_without_open_channel += 1;
            return;
        };
        let counters = &mut channel.record.counters;
        counters.messages_received = counters.messages_received.saturating_add(1);
        counters.bytes_received = counters
            .bytes_received
            .saturating_add(message.payload_len() as u64);
        self.push_event(SctpEvent::Message { id, message });
    }

    fn on_ack(&mut self, id: u16) {
        let Some(channel) = self.channels.get_mut(&id).filter(|c| c.awaiting_ack) else {
            self.discards.unexpected_dcep += 1;
            return;
        };
        channel.awaiting_ack = false;
        let record = &channel.record;
        if let Some((_, assoc)) = &mut self.association
            && let Ok(mut stream) = assoc.stream(id)
        {
            // Unordered delivery is allowed from now on.
            let _ = apply_reliability(&mut stream, record.channel_type.ordered, record);
        }
    }

    fn on_remote_open(&mut self, id: u16, open: DataChannelOpen) {
        if self.channels.contains_key(&id) {
            self.discards.unexpected_dcep += 1;
            return;
        }
        // The peer opens ids of the other DTLS role's parity.
        if id % 2 == self.role.first_stream_id() {
            self.discards.open_wrong_parity += 1;
            return;
        }
        let too_long = open.label.len() + open.protocol.len() > self.config.max_remote_label_bytes;
        if too_long || id == RESERVED_STREAM_ID || self.channels.len() >= self.config.max_channels {
            // RFC 8832 §6: a channel that cannot be opened is refused by a stream reset.
            self.discards.remote_opens_refused += 1;
            if let Some((_, assoc)) = &mut self.association
                && let Ok(mut stream) = assoc.stream(id)
            {
                let _ = stream.close();
            }
            return;
        }
        let stats_id = self.allocate_stats_id();
        let init = DataChannelInit {
            label: open.label,
            protocol: open.protocol,
            ordered: open.channel_type.ordered,
            reliability: open.channel_type.reliability,
            negotiated_id: None,
            priority: open.priority,
        };
        let mut record = DataChannelRecord::new_local(stats_id, id, &init);
        record.remote_initiated = true;
        let acked = match &mut self.association {
            Some((_, assoc)) => assoc.stream(id).and_then(|mut stream| {
                stream.set_reliability_params(false, ReliabilityType::Reliable, 0)?;
                stream.write_with_ppi(&[MESSAGE_TYPE_ACK], Ppi::Dcep)?;
                apply_reliability(&mut stream, record.channel_type.ordered, &record)
            }),
            None => Err(sctp_proto::Error::ErrStreamClosed),
        };
        if acked.is_err() {
            self.discards.remote_opens_refused += 1;
            return;
        }
        record.state = DataChannelState::Open;
        record.was_opened = true;
        self.counts.data_channels_opened += 1;
        self.push_event(SctpEvent::ChannelOpen {
            id,
            label: record.label.clone(),
            protocol: record.protocol.clone(),
            remote_initiated: true,
        });
        self.channels.insert(
            id,
            Channel {
                record,
                awaiting_ack: false,
            },
        );
    }
}
