//! The OAuth 2.0 server: the authorization-code flow driven by a real OAuth library and by
//! hand the TikTok way, and every refusal with its exact error.
use std::collections::HashMap;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    RefreshToken, Scope, TokenResponse, TokenUrl,
};
use reelbox_testkit::TestServer;
use serde_json::{Value, json};
use sha2::Digest;

use crate::{redact, world};

/// Loads the consent page and submits it as the creator would: returns the Location header.
pub(crate) async fn consent(
    s: &TestServer,
    authorize_url: &str,
    username: &str,
    password: &str,
    decision: &str,
) -> (u16, String, String) {
    let page = s.http.get(authorize_url).send().await.unwrap();
    assert_eq!(page.status(), 200, "consent page loads");
    let cookie = page
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    let mut form: Vec<(String, String)> = Vec::new();
    for cap in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let name = cap.split('"').next().unwrap().to_string();
        let value = cap
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&#x2f;", "/")
            .replace("&amp;", "&")
            .replace("&#x3a;", ":");
        form.push((name, html_unescape(&value)));
    }
    for cap in html.split("name=\"grant\" value=\"").skip(1) {
        form.push(("grant".into(), cap.split('"').next().unwrap().to_string()));
    }
    form.push(("username".into(), username.into()));
    form.push(("password".into(), password.into()));
    form.push(("decision".into(), decision.into()));
    let resp = s
        .http
        .post(s.url("/v2/auth/authorize/"))
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let loc = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, loc, resp.text().await.unwrap_or_default())
}

fn html_unescape(s: &str) -> String {
    s.replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&amp;", "&")
}

fn query(loc: &str) -> HashMap<String, String> {
    url::Url::parse(loc)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn token_form(s: &TestServer, form: &[(&str, &str)]) -> (u16, Value) {
    let r = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn oauth2_library_runs_the_whole_flow() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let client = BasicClient::new(ClientId::new(key.into()))
        .set_client_secret(ClientSecret::new(secret.into()))
        .set_auth_uri(AuthUrl::new(s.url("/v2/auth/authorize/")).unwrap())
        .set_token_uri(TokenUrl::new(s.url("/v2/oauth/token/")).unwrap())
        .set_redirect_uri(RedirectUrl::new("http://127.0.0.1:53111/callback/".into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("video.publish".into()))
        .add_scope(Scope::new("user.info.basic".into()))
        .set_pkce_challenge(challenge)
        .url();
    let (status, loc, _) = consent(s, auth_url.as_str(), "alice", "correct horse", "approve").await;
    assert_eq!(status, 302);
    let q = query(&loc);
    assert!(
        loc.starts_with("http://127.0.0.1:53111/callback/?"),
        "{loc}"
    );
    assert_eq!(q["state"], *csrf.secret());
    assert_eq!(q["scopes"], "video.publish,user.info.basic");
    let http = oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let tok = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let access = tok.access_token().secret().clone();
    assert!(access.starts_with("act."));
    assert_eq!(tok.expires_in().unwrap().as_secs(), 86_400);
    let (st, v) = s
        .call(&access, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!((st, v["error"]["code"].as_str().unwrap()), (200, "ok"));
    // Refresh through the library, then revoke by hand (TikTok's revoke is not RFC 7009's path).
    let refreshed = client
        .exchange_refresh_token(&RefreshToken::new(
            tok.refresh_token().unwrap().secret().clone(),
        ))
        .request_async(&http)
        .await
        .expect("refresh");
    let access2 = refreshed.access_token().secret().clone();
    assert_ne!(access2, access);
    let (st, _) = s
        .call(&access2, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(st, 200);
    let r = s
        .http
        .post(s.url("/v2/oauth/revoke/"))
        .form(&[
            ("client_key", key),
            ("client_secret", secret),
            ("token", access2.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({}));
    for t in [&access, &access2] {
        let (st, v) = s
            .call(t, "/v2/post/publish/creator_info/query/", None)
            .await;
        assert_eq!(
            (st, v["error"]["code"].as_str().unwrap()),
            (401, "access_token_invalid"),
            "revoked tokens are refused"
        );
    }
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", refreshed.refresh_token().unwrap().secret()),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
}

/// The TikTok way: `client_key`, a hex PKCE challenge, comma-separated scopes, form posts.
async fn tiktok_code(w: &crate::World, verifier: &str, redirect: &str) -> String {
    let challenge = hex::encode(sha2::Sha256::digest(verifier.as_bytes()));
    let url = format!(
        "{}?client_key={}&response_type=code&scope=user.info.basic,video.publish&redirect_uri={}&state=Xyz123&code_challenge={challenge}&code_challenge_method=S256&disable_auto_auth=0",
        w.s.url("/v2/auth/authorize/"),
        w.app["client_key"].as_str().unwrap(),
        urlencode(redirect)
    );
    let (status, loc, _) = consent(&w.s, &url, "alice", "correct horse", "approve").await;
    assert_eq!(status, 302, "{loc}");
    let q = query(&loc);
    assert_eq!(q["state"], "Xyz123");
    q["code"].clone()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123456789";
const REDIRECT: &str = "https://app.example.com/callback/";

#[tokio::test]
async fn tiktok_style_exchange_and_every_refusal() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let code = tiktok_code(&w, VERIFIER, REDIRECT).await;

    // Wrong secret, unknown client, wrong verifier, redirect mismatch: all refused, the code
    // consumed only by a request that authenticates.
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", "wrong"),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (401, "invalid_client"));
    insta::assert_json_snapshot!("token_wrong_secret", redact(v));
    let (st, v) = token_form(
        s,
        &[
            ("client_key", "nope"),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (401, "invalid_client"));
    let (st, v) = token_form(
        s,
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
    assert_eq!(st, 200, "{v}");
    insta::assert_json_snapshot!("token_ok", redact(v.clone()));
    assert_eq!(v["scope"], "user.info.basic,video.publish");
    // Reused code.
    let (st, v) = token_form(
        s,
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
            "Authorization code has already been used."
        )
    );

    let code = tiktok_code(&w, VERIFIER, REDIRECT).await;
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            (
                "code_verifier",
                "another-verifier-another-verifier-another-verifier",
            ),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    let code = tiktok_code(&w, VERIFIER, REDIRECT).await;
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", "https://app.example.com/other/"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    // Expired code: ten minutes and one second later.
    let code = tiktok_code(&w, VERIFIER, REDIRECT).await;
    s.advance_clock(601).await;
    let (st, v) = token_form(
        s,
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
        (st, v["error_description"].as_str().unwrap()),
        (400, "Authorization code is expired.")
    );
    // Unsupported grant, missing grant.
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "password"),
        ],
    )
    .await;
    assert_eq!(
        (st, v["error"].as_str().unwrap()),
        (400, "unsupported_grant_type")
    );
    let (st, v) = token_form(s, &[("client_key", key), ("client_secret", secret)]).await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_request"));
}

#[tokio::test]
async fn authorize_refuses_bad_requests() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    // Redirect URI not registered: a page, never a redirect.
    let r = s.http.get(s.url(&format!("/v2/auth/authorize/?client_key={key}&response_type=code&scope=video.publish&redirect_uri=https%3A%2F%2Fevil.example%2F&state=s"))).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    // A scope the app does not have: back to the app with invalid_scope.
    let r = s.http.get(s.url(&format!("/v2/auth/authorize/?client_key={key}&response_type=code&scope=research.data.basic&redirect_uri={}&state=s", urlencode(REDIRECT)))).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let q = query(r.headers()["location"].to_str().unwrap());
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("invalid_scope", "s")
    );
    // Unknown client.
    let r = s.http.get(s.url("/v2/auth/authorize/?client_key=nope&response_type=code&scope=video.publish&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback%2F")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // Deny, and a wrong password.
    let url = format!(
        "{}?client_key={key}&response_type=code&scope=video.publish&redirect_uri={}&state=st1",
        s.url("/v2/auth/authorize/"),
        urlencode(REDIRECT)
    );
    let (status, loc, _) = consent(s, &url, "alice", "correct horse", "deny").await;
    assert_eq!(status, 302);
    let q = query(&loc);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("access_denied", "st1")
    );
    let (status, _, body) = consent(s, &url, "alice", "wrong password", "approve").await;
    assert_eq!(status, 401);
    assert!(body.contains("Wrong username or password"));
    // A form without the CSRF cookie.
    let r = s
        .http
        .post(s.url("/v2/auth/authorize/"))
        .form(&[("client_key", key), ("csrf", "x"), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn sandbox_apps_authorize_only_test_users() {
    let w = crate::world_with(
        json!({"name": "Sandboxed", "scopes": ["video.upload"], "redirect_uris": [REDIRECT]}),
        json!({"username": "alice", "password": "correct horse"}),
        &["video.upload"],
    )
    .await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let url = format!(
        "{}?client_key={key}&response_type=code&scope=video.upload&redirect_uri={}&state=z",
        s.url("/v2/auth/authorize/"),
        urlencode(REDIRECT)
    );
    let (_, loc, _) = consent(s, &url, "alice", "correct horse", "approve").await;
    assert_eq!(query(&loc)["error"], "access_denied", "not a test user");
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{key}"),
        json!({"test_users": ["alice"]}),
    )
    .await;
    let (_, loc, _) = consent(s, &url, "alice", "correct horse", "approve").await;
    assert!(query(&loc).contains_key("code"), "{loc}");
}

#[tokio::test]
async fn bearer_tokens_expire_and_refresh_tokens_too() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let ci = "/v2/post/publish/creator_info/query/";
    // Missing, unknown, wrong scope.
    let r = s.http.post(s.url(ci)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    insta::assert_json_snapshot!("missing_token", redact(v));
    let (st, v) = s.call("act.unknown", ci, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "access_token_invalid")
    );
    let narrow = s.mint(key, "alice", &["user.info.basic"]).await;
    let (st, v) = s
        .call(narrow["access_token"].as_str().unwrap(), ci, None)
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "scope_not_authorized")
    );
    insta::assert_json_snapshot!("scope_not_authorized", redact(v));
    // Client tokens are not user tokens.
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(st, 200);
    assert!(v["access_token"].as_str().unwrap().starts_with("clt."));
    assert_eq!(v["expires_in"], 7200);
    let (st, _) = s.call(v["access_token"].as_str().unwrap(), ci, None).await;
    assert_eq!(st, 401);
    // HTTP Basic client authentication works as well as body credentials.
    let r = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .basic_auth(key, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // 25 hours later the access token is expired; the refresh token still works.
    s.advance_clock(25 * 3600).await;
    let (st, v) = s.call(&w.token, ci, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "access_token_invalid")
    );
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &w.refresh),
        ],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let rotated = v["refresh_token"].as_str().unwrap().to_string();
    assert!(
        v["refresh_expires_in"].as_i64().unwrap() < 31_536_000,
        "counted from the first issuance"
    );
    // The old refresh token stays usable until its successor is used; then it is spent.
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rotated),
        ],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let latest = v["refresh_token"].as_str().unwrap().to_string();
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &w.refresh),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    // 366 days on, the refresh token has expired.
    s.advance_clock(366 * 86_400).await;
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &latest),
        ],
    )
    .await;
    assert_eq!(
        (st, v["error_description"].as_str().unwrap()),
        (400, "Refresh token is expired.")
    );
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_the_envelope() {
    let w = world().await;
    let s = &w.s;
    let init = "/v2/post/publish/video/init/";
    let r = s
        .http
        .post(s.url(init))
        .bearer_auth(&w.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_param");
    insta::assert_json_snapshot!("malformed_json", redact(v));
    let (st, v) = s
        .call(
            &w.token,
            init,
            Some(json!({"source_info": {"source": "FILE_UPLOAD", "video_size": "big"}})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (400, "invalid_param"),
        "mistyped value"
    );
    let (st, v) = s
        .call(
            &w.token,
            init,
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (400, "invalid_param"),
        "missing source_info"
    );
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let r = s
        .http
        .post(s.url(init))
        .bearer_auth(&w.token)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_param");
    // Nothing was created by the rejected requests.
    let list = s
        .admin(reqwest::Method::GET, "/_reelbox/publishes", Value::Null)
        .await;
    assert_eq!(list["publishes"].as_array().unwrap().len(), 0);
    // Unknown route and no trailing slash.
    let (st, v) = s.call(&w.token, "/v2/post/publish/nothing/", None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (404, "not_found")
    );
    let (st, _) = s
        .call(&w.token, "/v2/post/publish/creator_info/query", None)
        .await;
    assert_eq!(
        st, 200,
        "the path without its trailing slash is served, not redirected"
    );
}

#[tokio::test]
async fn restart_keeps_apps_creators_and_tokens() {
    let mut w = world().await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    w.s.restart().await;
    let (st, v) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(
        (st, v["data"]["creator_username"].as_str().unwrap()),
        (200, "alice")
    );
    let app =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/apps/{key}"),
            Value::Null,
        )
        .await;
    assert_eq!(app["name"], "Scheduler");
    let (st, _) = token_form(
        &w.s,
        &[
            ("client_key", &key),
            ("client_secret", w.app["client_secret"].as_str().unwrap()),
            ("grant_type", "refresh_token"),
            ("refresh_token", &w.refresh),
        ],
    )
    .await;
    assert_eq!(st, 200);
    w.s.stop().await;
}

#[tokio::test]
async fn control_api_needs_the_admin_token_and_the_openapi_covers_routes() {
    let s = crate::server().await;
    let r = s
        .http
        .post(s.url("/_reelbox/apps"))
        .bearer_auth("wrong")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "access_token_invalid");
    let doc: Value = s
        .http
        .get(s.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for p in [
        "/v2/oauth/token/",
        "/v2/oauth/revoke/",
        "/v2/auth/authorize/",
        "/v2/post/publish/creator_info/query/",
        "/v2/post/publish/video/init/",
        "/v2/post/publish/inbox/video/init/",
        "/v2/post/publish/content/init/",
        "/v2/post/publish/status/fetch/",
        "/v2/post/publish/cancel/",
        "/upload/video/",
        "/_reelbox/apps",
        "/_reelbox/creators",
        "/_reelbox/tokens",
        "/_reelbox/clock",
        "/healthz",
    ] {
        assert!(doc["paths"].get(p).is_some(), "openapi lacks {p}");
    }
    // Bad app input.
    let r = s
        .http
        .post(s.url("/_reelbox/apps"))
        .bearer_auth(&s.admin_token)
        .json(&json!({"name": "x", "redirect_uris": ["http://example.com/cb/"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .http
        .post(s.url("/_reelbox/apps"))
        .bearer_auth(&s.admin_token)
        .json(&json!({"name": "x", "scopes": ["video.delete"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
