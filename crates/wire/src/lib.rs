//! The TikTok v2 wire, as reelbox serves it and the SDK speaks it: request and response bodies,
//! enums spelled exactly as TikTok spells them, the error codes with their HTTP statuses, and the
//! `{"data", "error"}` envelope. No I/O lives here.

pub mod adlib;
pub mod compliance;
pub mod control;
pub mod display;
pub mod envelope;
pub mod error;
pub mod fields;
pub mod json;
pub mod oauth;
pub mod portability;
pub mod posting;
pub mod qr;
pub mod research;
pub mod shop;
pub mod trends;
pub mod v2;
pub mod webhook;

pub use envelope::{Envelope, ErrorBody, ErrorOnly};
pub use error::ErrorCode;
pub use json::parse_json_body;
