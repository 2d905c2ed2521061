//! Attacks on the OAuth server from its security review: each one refused in TikTok's form.
use reelbox_testkit::oauth::{consent, token_form};

use super::{REDIRECT, query, urlencode};
use crate::world;

const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123456789";

/// A code from a consent without PKCE.
async fn plain_code(w: &reelbox_testkit::World) -> String {
    let url = format!(
        "{}?client_key={}&response_type=code&scope=user.info.basic&redirect_uri={}&state=s",
        w.s.url("/v2/auth/authorize/"),
        w.app["client_key"].as_str().unwrap(),
        urlencode(REDIRECT)
    );
    let (status, loc, _) = consent(&w.s, &url, "alice", "correct horse", "approve").await;
    assert_eq!(status, 302, "{loc}");
    query(&loc)["code"].clone()
}

#[tokio::test]
async fn code_verifier_without_a_challenge_is_refused() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let code = plain_code(&w).await;
    // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade.
    let (st, v) = token_form(
        &w.s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (
            st,
            v["error"].as_str().unwrap(),
            v["error_description"].as_str().unwrap()
        ),
        (
            400,
            "invalid_grant",
            "code_verifier does not match the code_challenge."
        ),
        "{v}"
    );
}

#[tokio::test]
async fn out_of_range_loopback_port_is_a_clean_refusal() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    for port in ["99999", "65536", "0", "000000000000000000000080"] {
        let redirect = format!("http://127.0.0.1:{port}/callback/");
        let r = w
            .s
            .http
            .get(w.s.url(&format!(
                "/v2/auth/authorize/?client_key={key}&response_type=code&scope=user.info.basic&redirect_uri={}&state=s",
                urlencode(&redirect)
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "port {port}");
        assert!(r.headers().get("location").is_none());
        let body = r.text().await.unwrap();
        assert!(body.contains("redirect_uri"), "port {port}: {body}");
    }
}
