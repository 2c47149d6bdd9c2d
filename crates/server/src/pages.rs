//! The browser pages, served from memory (plain HTML + JS, no build step).

/// `GET /`: live connections with their stats box and graphs.
pub const DASHBOARD: &str = include_str!("pages/dashboard.html");
/// `GET /publish`: sends the camera and microphone over WHIP.
pub const PUBLISH: &str = include_str!("pages/publish.html");
/// `GET /play`: plays the server's stream over WHEP.
pub const PLAY: &str = include_str!("pages/play.html");
