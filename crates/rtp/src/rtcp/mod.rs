//! RTCP compound packets: a zero-copy iterator over the packets of a
//! compound (RFC 3550 §6, reduced-size per RFC 5506 accepted) and
//! allocation-free builders for every supported packet type.

mod bye_app;
mod compound;
mod feedback;
mod header;
mod remb;
mod report;
mod sdes;
mod twcc;
mod xr;

pub use bye_app::{App, AppBuilder, Bye, ByeBuilder, SsrcIter};
pub use compound::{
    CompoundBuilder, CompoundIter, RtcpBuild, RtcpPacket, UnknownPacket, parse_compound,
};
pub use feedback::{
    Fir, FirBuilder, FirEntry, FirEntryIter, LostSequenceIter, Nack, NackBuilder, NackPair,
    NackPairIter, Pli,
};
pub use header::{
    FMT_AFB, FMT_FIR, FMT_NACK, FMT_PLI, FMT_TWCC, PT_APP, PT_BYE, PT_PSFB, PT_RR, PT_RTPFB,
    PT_SDES, PT_SR, PT_XR,
};
pub use remb::{Remb, RembBuilder};
pub use report::{
    ReceiverReport, ReceiverReportBuilder, ReportBlock, ReportBlockIter, SenderReport,
    SenderReportBuilder,
};
pub use sdes::{
    Sdes, SdesBuilder, SdesChunk, SdesChunkIter, SdesChunkSpec, SdesItem, SdesItemIter, sdes_type,
};
pub use twcc::{TransportCc, TransportCcBuilder, TwccPacketIter};
pub use xr::{DlrrItem, DlrrIter, XR_BT_DLRR, XR_BT_RRTR, Xr, XrBlock, XrBlockIter, XrBuilder};
