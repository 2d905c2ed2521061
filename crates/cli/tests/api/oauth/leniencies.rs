//! Leniencies: requests reelbox serves and TikTok refuses. Each is served by default, named in
//! the app's guideline report with the call's log id, and refused in strict mode with TikTok's
//! answer.
use base64::Engine;
use reelbox_testkit::oauth::{consent, token_form};
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};
use sha2::Digest;

use super::profiles::choose;
use super::{REDIRECT, oauth_error, query, urlencode};
use crate::world;

/// The "would fail on TikTok" findings of the app's report.
async fn findings(s: &reelbox_testkit::TestServer, key: &str) -> Vec<String> {
    let r = s
        .admin(
            reqwest::Method::GET,
            &format!("/_reelbox/report?client_key={key}"),
            Value::Null,
        )
        .await;
    let check = r["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "tiktok_would_accept")
        .cloned()
        .expect("the leniency check");
    check["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(!e["log_id"].as_str().unwrap().is_empty(), "{e}");
            e["detail"].as_str().unwrap().to_string()
        })
        .collect()
}

fn names(found: &[String], what: &str) -> bool {
    found
        .iter()
        .any(|f| f == &format!("would fail on TikTok: {what}"))
}

async fn strict(w: &reelbox_testkit::World) {
    let key = w.app["client_key"].as_str().unwrap();
    let app = choose(&w.s, key, json!({"strict": true})).await;
    assert_eq!(app["compat"]["strict"], true);
}

/// Three ways to present client credentials that TikTok's token endpoint does not read.
async fn lenient_token_requests(w: &reelbox_testkit::World) -> [(u16, Value); 3] {
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let url = w.s.url("/v2/oauth/token/");
    let send = |req: reqwest::RequestBuilder| async move {
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    let json_body = send(w.s.http.post(&url).json(&json!({
        "client_key": key, "client_secret": secret, "grant_type": "client_credentials"})))
    .await;
    let client_id = send(w.s.http.post(&url).form(&[
        ("client_id", key),
        ("client_secret", secret),
        ("grant_type", "client_credentials"),
    ]))
    .await;
    let basic = send(
        w.s.http
            .post(&url)
            .basic_auth(key, Some(secret))
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    [json_body, client_id, basic]
}

#[tokio::test]
async fn token_endpoint_leniencies_are_reported_then_refused_in_strict_mode() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    for (st, v) in lenient_token_requests(&w).await {
        assert_eq!(st, 200, "{v}");
    }
    // A careful client's request adds no finding.
    let (st, v) = token_form(
        &w.s,
        &[
            ("client_key", key),
            ("client_secret", w.app["client_secret"].as_str().unwrap()),
            ("grant_type", "client_credentials"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let found = findings(&w.s, key).await;
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(names(
        &found,
        "sent a JSON body to /v2/oauth/token/ (TikTok reads application/x-www-form-urlencoded)"
    ));
    assert!(names(&found, "sent `client_id` instead of `client_key`"));
    assert!(names(
        &found,
        "authenticated the client with HTTP Basic instead of client_key and client_secret in the body"
    ));

    strict(&w).await;
    let [json_body, client_id, basic] = lenient_token_requests(&w).await;
    let (st, v) = json_body;
    assert_eq!(
        oauth_error(st, &v),
        (
            400,
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded."
        )
    );
    insta::assert_json_snapshot!("strict_token_json_body", redact(v));
    for (st, v) in [client_id, basic] {
        assert_eq!(
            oauth_error(st, &v),
            (400, "invalid_request", "Client key is missed in request.")
        );
    }
}

fn challenge_b64(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

/// A code from a consent whose challenge is RFC 7636's base64url (TikTok's is hex), exchanged.
async fn base64url_pkce_exchange(w: &reelbox_testkit::World) -> (u16, Value) {
    let verifier = "a-verifier-of-at-least-forty-three-characters-0123456789";
    let key = w.app["client_key"].as_str().unwrap();
    let url = format!(
        "{}?client_key={key}&response_type=code&scope=user.info.basic&redirect_uri={}&state=s&code_challenge={}&code_challenge_method=S256",
        w.s.url("/v2/auth/authorize/"),
        urlencode(REDIRECT),
        challenge_b64(verifier)
    );
    let (status, loc, _) = consent(&w.s, &url, "alice", "correct horse", "approve").await;
    assert_eq!(status, 302, "{loc}");
    let code = query(&loc)["code"].clone();
    token_form(
        &w.s,
        &[
            ("client_key", key),
            ("client_secret", w.app["client_secret"].as_str().unwrap()),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

#[tokio::test]
async fn a_base64url_pkce_challenge_is_reported_then_refused_in_strict_mode() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let (st, v) = base64url_pkce_exchange(&w).await;
    assert_eq!(st, 200, "{v}");
    assert!(names(
        &findings(&w.s, key).await,
        "sent a base64url PKCE code_challenge (TikTok's is the hex SHA-256 of the verifier)"
    ));
    strict(&w).await;
    let (st, v) = base64url_pkce_exchange(&w).await;
    assert_eq!(
        oauth_error(st, &v),
        (400, "invalid_grant", "Code verifier is invalid.")
    );
}

#[tokio::test]
async fn authorize_leniencies_are_reported_then_refused_in_strict_mode() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let s = &w.s;
    let authorize = |params: String| async move {
        let r = s
            .http
            .get(format!("{}?{params}", s.url("/v2/auth/authorize/")))
            .send()
            .await
            .unwrap();
        let loc = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (r.status().as_u16(), loc)
    };
    let redirect = urlencode(REDIRECT);
    let spaced = format!(
        "client_key={key}&response_type=code&scope=user.info.basic+video.publish&redirect_uri={redirect}&state=s"
    );
    let stateless = format!(
        "client_key={key}&response_type=code&scope=user.info.basic&redirect_uri={redirect}"
    );
    let by_client_id = format!(
        "client_id={key}&response_type=code&scope=user.info.basic&redirect_uri={redirect}&state=s"
    );
    for p in [&spaced, &stateless, &by_client_id] {
        assert_eq!(authorize(p.clone()).await.0, 200, "{p}");
    }
    let found = findings(&w.s, key).await;
    assert!(
        names(
            &found,
            "separated scopes with spaces (TikTok's scope parameter is comma-separated)"
        ),
        "{found:?}"
    );
    assert!(
        names(&found, "sent no `state` to /v2/auth/authorize/"),
        "{found:?}"
    );
    assert!(
        names(&found, "sent `client_id` instead of `client_key`"),
        "{found:?}"
    );

    strict(&w).await;
    let (st, loc) = authorize(spaced).await;
    assert_eq!(st, 302);
    let q = query(&loc);
    assert!(loc.starts_with(REDIRECT), "{loc}");
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("invalid_scope", "s")
    );
    let (st, loc) = authorize(stateless).await;
    assert_eq!(
        (st, query(&loc)["error"].as_str()),
        (302, "invalid_request")
    );
    assert_eq!(authorize(by_client_id).await.0, 400);
}

#[tokio::test]
async fn a_path_without_its_trailing_slash_is_reported_then_refused_in_strict_mode() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let bare = "/v2/post/publish/creator_info/query";
    let (st, v) = w.s.call(&w.token, bare, None).await;
    assert_eq!(st, 200, "{v}");
    assert!(names(
        &findings(&w.s, key).await,
        "called an endpoint without its trailing slash"
    ));
    strict(&w).await;
    let (st, v) = w.s.call(&w.token, bare, None).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (404, "invalid_param"),
        "{v}"
    );
    insta::assert_json_snapshot!("strict_no_trailing_slash", redact(v));
    let (st, _) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(st, 200);
}

/// A FILE_UPLOAD init of `size` bytes in `chunk`-byte chunks.
fn file_upload(size: i64, chunk: i64) -> Value {
    json!({"post_info": {"title": "t", "privacy_level": "SELF_ONLY"},
           "source_info": {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk,
                           "total_chunk_count": size / chunk}})
}

fn photo_init(mode: &str) -> Value {
    json!({"media_type": "PHOTO", "post_mode": mode,
           "post_info": {"title": "t", "privacy_level": "SELF_ONLY"},
           "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0,
                           "photo_images": ["https://cdn.example.com/a.jpg"]}})
}

/// A one-chunk upload PUT with `content_type`: its status.
async fn put_one_chunk(w: &reelbox_testkit::World, content_type: &str) -> u16 {
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(file_upload(1000, 1000)),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    w.s.http
        .put(v["data"]["upload_url"].as_str().unwrap())
        .header("content-type", content_type)
        .header("content-range", "bytes 0-999/1000")
        .body(vec![0u8; 1000])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn posting_leniencies_are_reported_then_refused_in_strict_mode() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    w.s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{key}"),
        json!({"verified_url_prefixes": ["https://cdn.example.com/"]}),
    )
    .await;
    let init = "/v2/post/publish/video/init/";
    // 5,000,000-byte chunks are 5 MB but not 5 MiB.
    let (st, v) =
        w.s.call(&w.token, init, Some(file_upload(10_000_000, 5_000_000)))
            .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/content/init/",
            Some(photo_init("DIRECT POST")),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(put_one_chunk(&w, "application/octet-stream").await, 201);
    // A careful upload: a video type, parameters allowed.
    assert_eq!(put_one_chunk(&w, "video/mp4; codecs=avc1").await, 201);
    let found = findings(&w.s, key).await;
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(names(
        &found,
        "used a chunk size at an edge TikTok refuses (5 MB must be 5 MiB; at most 64 MB)"
    ));
    assert!(names(
        &found,
        "sent post_mode \"DIRECT POST\" (TikTok: DIRECT_POST)"
    ));
    assert!(names(
        &found,
        "uploaded a chunk with a Content-Type other than video/mp4, video/quicktime or video/webm"
    ));

    strict(&w).await;
    // Past the minute of TikTok's init rate limit (6 a minute per token).
    w.s.advance_clock(61).await;
    let (st, v) =
        w.s.call(&w.token, init, Some(file_upload(10_000_000, 5_000_000)))
            .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (400, "invalid_param"),
        "{v}"
    );
    assert_eq!(
        v["error"]["message"],
        "chunk_size must be between 5 MiB (5,242,880 bytes) and 64 MB (64,000,000 bytes)."
    );
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/content/init/",
            Some(photo_init("DIRECT POST")),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (400, "invalid_param"),
        "{v}"
    );
    insta::assert_json_snapshot!("strict_direct_post_with_space", redact(v));
    assert_eq!(put_one_chunk(&w, "application/octet-stream").await, 400);
    assert_eq!(put_one_chunk(&w, "video/webm").await, 201);
}

#[tokio::test]
async fn strict_mode_for_the_platform_and_an_apps_own_choice() {
    let w =
        reelbox_testkit::World::posting(crate::server_with(|c| c.compat.strict = true).await).await;
    let key = w.app["client_key"].as_str().unwrap();
    assert_eq!(w.app["compat"]["strict"], true);
    let [json_body, ..] = lenient_token_requests(&w).await;
    assert_eq!(json_body.0, 400, "{}", json_body.1);
    // An app may choose otherwise.
    choose(&w.s, key, json!({"strict": false})).await;
    let [json_body, client_id, basic] = lenient_token_requests(&w).await;
    for (st, v) in [json_body, client_id, basic] {
        assert_eq!(st, 200, "{v}");
    }
}
