//! The OAuth 2.0 server: the authorization-code flow driven by a real OAuth library and by
//! hand the TikTok way, and every refusal with its exact error.
mod attacks;
mod authorize;
mod flow;
mod leniencies;
mod profiles;
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
