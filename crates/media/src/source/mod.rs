//! Synthetic media sources that need no capture device.

pub mod audio;
pub mod digits;
pub mod video;
pub mod y4m;

pub use audio::SpeechLikeSource;
pub use video::TestPatternSource;
