//! The background half: the worker that claims jobs from the persistent queue, media processing
//! and pulls, and webhook delivery.
pub mod expiry;
pub mod process;
pub mod renditions;
pub mod webhooks;
pub mod worker;
