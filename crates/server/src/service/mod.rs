//! Use cases: each owns its transaction and the one step that commits and tells the rest of the
//! node (the worker, the caches). Handlers in `api/` call these; so do the web pages and the jobs.
pub mod audit;
pub mod tokens;
