//! Use cases: each owns its transaction and the one step that commits and tells the rest of the
//! node (the worker, the caches). Handlers in `api/` call these; so do the web pages and the jobs.
pub mod adlib;
pub mod apps;
pub mod audit;
pub mod caps;
pub mod clock;
pub mod compat;
pub mod compliance;
pub mod corpus;
pub mod creators;
pub mod error;
pub mod events;
pub mod inspect;
pub mod lists;
pub mod live;
pub mod moderation;
pub mod oauth;
pub mod portability;
pub mod posting;
pub mod publishes;
pub mod qr;
pub mod settings;
pub mod shops;
pub mod sweeper;
pub mod tokens;
pub mod uploads;
pub mod workbench;

/// 400 `invalid_param` with a message naming the field.
pub use crate::http::error::invalid_param as invalid;
