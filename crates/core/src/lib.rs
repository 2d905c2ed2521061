//! reelbox's domain, free of HTTP and SQL: the rules a TikTok client meets, each a pure function
//! that reads time from a [`clock::Clock`] and answers with a wire error code.

pub mod adlib;
pub mod chunks;
pub mod clock;
pub mod compat;
pub mod compliance;
pub mod error;
pub mod faults;
pub mod form;
pub mod hints;
pub mod ids;
pub mod lists;
pub mod moderation;
pub mod net;
pub mod oauth;
pub mod portability;
pub mod qr;
pub mod report;
pub mod research;
pub mod review;
pub mod rules;
pub mod scopes;
pub mod secrets;
pub mod sources;
pub mod sweep;
pub mod tts;

pub use error::RuleError;
