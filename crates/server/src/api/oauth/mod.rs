//! TikTok's OAuth 2.0 (Login Kit v2): the consent page, the token endpoint and revoke (spec §2),
//! and the QR-code login (`qr`).
//! Plus what generic OAuth libraries need: `client_id` as an alias of `client_key`, HTTP Basic
//! client authentication, base64url PKCE and space-separated scopes.
pub mod authorize;
pub mod qr;
pub mod token;

pub use crate::http::oauth_error::OAuthFailure;
