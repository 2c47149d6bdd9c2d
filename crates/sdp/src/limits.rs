//! Caps on everything a remote description can make us store. Chrome's largest
//! offers (a dozen sections, ~30 codecs each, a few dozen candidates) stay far
//! below them; anything above is refused before webrtc-sdp sees it or right after.

/// Whole description, bytes. A Chrome offer with three sections is ~6 KB.
pub const MAX_SDP_BYTES: usize = 128 * 1024;
/// Lines in one description.
pub const MAX_LINES: usize = 4096;
/// Bytes in one line (also bounds a trickled candidate).
pub const MAX_LINE_LEN: usize = 2048;
/// Media sections (`m=` lines).
pub const MAX_MEDIA_SECTIONS: usize = 64;
/// Codecs (payload types) in one section; RTP has 128 payload types.
pub const MAX_CODECS_PER_SECTION: usize = 128;
/// `a=rtcp-fb` entries per codec.
pub const MAX_FEEDBACK_PER_CODEC: usize = 16;
/// Format parameters in one `a=fmtp`.
pub const MAX_FMTP_PARAMETERS: usize = 32;
/// `a=extmap` lines per section (two-byte header ids go to 255).
pub const MAX_EXTMAPS_PER_SECTION: usize = 32;
/// Distinct SSRCs per section.
pub const MAX_SSRCS_PER_SECTION: usize = 64;
/// `a=ssrc-group` lines per section.
pub const MAX_SSRC_GROUPS_PER_SECTION: usize = 32;
/// Candidates per section (also the trickle cap per mid, for the caller).
pub const MAX_CANDIDATES_PER_SECTION: usize = 64;
/// Extension pairs on one candidate line.
pub const MAX_CANDIDATE_EXTENSIONS: usize = 8;
/// RFC 8839: ice-ufrag and ice-pwd are at most 256 characters.
pub const MAX_ICE_CREDENTIAL_LEN: usize = 256;
/// Identifiers we echo or key maps by (mid, msid, cname, BUNDLE tags).
pub const MAX_IDENTIFIER_LEN: usize = 64;
/// Entries in `a=group:BUNDLE` / `a=msid-semantic`.
pub const MAX_GROUP_ENTRIES: usize = MAX_MEDIA_SECTIONS;
