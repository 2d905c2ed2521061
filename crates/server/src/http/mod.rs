//! The HTTP layer every API shares: the request middleware (log id, call log record, limits),
//! the extractors that resolve who is calling and parse bodies in each surface's dialect, the
//! error type and the success envelope, and the listener that serves connections. The read side
//! adds its `fields=` selection (`fields`) and the research gate (`gate`).
pub mod auth;
pub mod compat;
pub mod context;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod fallback;
pub mod fields;
pub mod gate;
pub mod intercept;
pub mod limits;
pub mod listener;
pub mod oauth_error;
pub mod page_headers;
pub mod surface;
pub mod v2;
