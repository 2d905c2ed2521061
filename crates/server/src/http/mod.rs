//! The HTTP layer every API shares: the request middleware (log id, call log record, limits),
//! the extractors that resolve who is calling and parse bodies in each surface's dialect, the
//! error type and the success envelope, the read side's `fields=` selection and research gate, and the listener that serves connections.
pub mod auth;
pub mod context;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod fallback;
pub mod fields;
pub mod limits;
pub mod listener;
pub mod page_headers;
pub mod research;
