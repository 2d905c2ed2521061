//! The Content Posting API end to end: real media through the chunked upload, pulls from a local
//! HTTP server, processing, posts, inbox drafts, webhooks signed and verified, and the rules.
mod creator_info;
mod hostile;
mod inbox;
mod pull;
mod removal;
mod rules;
mod shapes;
mod upload;
