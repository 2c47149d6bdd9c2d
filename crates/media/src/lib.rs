//! Media layer of rtcscope: synthetic sources, codecs and RTP payload formats.
//!
//! Everything here is sans-IO: callers hand in frames, samples and payloads and get the
//! same back, with no clocks or threads inside.

pub mod frame;
pub mod h264;
pub mod opus;
pub mod recv;
pub mod send;
pub mod source;

pub use frame::I420Frame;
