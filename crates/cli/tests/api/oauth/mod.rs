//! The OAuth 2.0 server: the authorization-code flow driven by a real OAuth library and by
//! hand the TikTok way, and every refusal with its exact error.
mod attacks;
mod authorize;
mod flow;
mod leniencies;
mod profiles;
pub(crate) mod qr;
mod tokens;

use std::collections::HashMap;

fn query(loc: &str) -> HashMap<String, String> {
    url::Url::parse(loc)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// An OAuth error answer as (status, `error`, `error_description`), for one assertion.
fn oauth_error(st: u16, v: &serde_json::Value) -> (u16, &str, &str) {
    (
        st,
        v["error"].as_str().unwrap_or(""),
        v["error_description"].as_str().unwrap_or(""),
    )
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

const REDIRECT: &str = "https://app.example.com/callback/";

/// A refresh by the world's app (form-encoded, TikTok's way).
async fn refresh(w: &reelbox_testkit::World, token: &str) -> (u16, serde_json::Value) {
    reelbox_testkit::oauth::token_form(
        &w.s,
        &[
            ("client_key", w.app["client_key"].as_str().unwrap()),
            ("client_secret", w.app["client_secret"].as_str().unwrap()),
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
        ],
    )
    .await
}

/// The answer to a refresh token that no longer works.
fn invalid_refresh(st: u16, v: &serde_json::Value) {
    assert_eq!(
        oauth_error(st, v),
        (400, "invalid_grant", "Refresh token is invalid."),
        "{v}"
    );
}
