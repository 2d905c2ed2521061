//! Login Kit with QR code over plain HTTP: `get_qrcode`, the phone page the scan URL stands for
//! (sign in, confirm or cancel), `check_qrcode` through every status, the code exchanged at the
//! token endpoint without a `redirect_uri`, and every refusal.
use reelbox_testkit::TestServer;
use reelbox_testkit::oauth::token_form;
use reelbox_testkit::redact::{redact, redact_keys};
use reelbox_testkit::web::{Agent, Page};
use serde_json::Value;

use super::{oauth_error, query};
use crate::{server_with, world};

/// A form post to a QR endpoint: (HTTP status, JSON body).
pub async fn qr_form(s: &TestServer, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = s.http.post(s.url(path)).form(form).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// `get_qrcode` for `scope`: (scan URL, token).
pub async fn get_qrcode(s: &TestServer, key: &str, scope: &str, state: &str) -> (String, String) {
    let (st, v) = qr_form(
        s,
        "/v2/oauth/get_qrcode/",
        &[("client_key", key), ("scope", scope), ("state", state)],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    (
        v["scan_qrcode_url"].as_str().unwrap().to_string(),
        v["token"].as_str().unwrap().to_string(),
    )
}

/// The phone page path for a scan URL whose ticket the app filled in.
pub fn phone_path(scan_url: &str, ticket: &str) -> String {
    let filled = scan_url.replace(
        "client_ticket=tobefilled",
        &format!("client_ticket={ticket}"),
    );
    let u = url::Url::parse(&filled).unwrap();
    format!("/qr/authorize?{}", u.query().unwrap())
}

/// Submits the phone page as the creator: `grants` ticked, `decision` approve or deny.
pub async fn confirm(
    agent: &mut Agent,
    page: &Page,
    credentials: Option<(&str, &str)>,
    grants: &[&str],
    decision: &str,
) -> Page {
    let mut form: Vec<(String, String)> = page.hidden_fields();
    for g in grants {
        form.push(("grant".into(), g.to_string()));
    }
    if let Some((u, p)) = credentials {
        form.push(("username".into(), u.into()));
        form.push(("password".into(), p.into()));
    }
    form.push(("decision".into(), decision.into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    agent.post("/qr/authorize", &pairs).await
}

async fn check(s: &TestServer, key: &str, secret: &str, token: &str) -> (u16, Value) {
    qr_form(
        s,
        "/v2/oauth/check_qrcode/",
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("token", token),
        ],
    )
    .await
}

#[tokio::test]
async fn a_qr_login_goes_from_new_to_a_single_use_code_the_token_endpoint_takes() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let (st, v) = qr_form(
        s,
        "/v2/oauth/get_qrcode/",
        &[
            ("client_key", key),
            ("scope", "user.info.basic,video.upload"),
            ("state", "key%3Dabc%26key2%3Ddef"),
        ],
    )
    .await;
    assert_eq!(st, 200);
    let scan_url = v["scan_qrcode_url"].as_str().unwrap().to_string();
    let token = v["token"].as_str().unwrap().to_string();
    insta::assert_json_snapshot!("qr_get", redact_keys(v, &["scan_qrcode_url", "token"], &[]));
    assert_eq!(
        scan_url,
        format!(
            "aweme://authorize?authType=100&client_key={key}&client_ticket=tobefilled&qr_id={}",
            query(&scan_url)["qr_id"]
        )
    );
    assert_eq!(token.len(), 32);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );
    let (st, v) = check(s, key, secret, &token).await;
    assert_eq!(st, 200);
    insta::assert_json_snapshot!("qr_new", v);

    // The phone opens the URL the app rendered (its ticket in place of `tobefilled`).
    let mut phone = Agent::new(s);
    let page = phone.get(&phone_path(&scan_url, "tv-ticket_1")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Scheduler</strong> would like to access your reelbox account")
    );
    // The web flow's words for each scope.
    assert!(
        page.body
            .contains("Read your profile info (avatar, display name)")
    );
    assert!(
        page.body
            .contains("Upload videos and photos to your inbox as drafts")
    );
    let (_, v) = check(s, key, secret, &token).await;
    insta::assert_json_snapshot!("qr_scanned", v);

    // The creator unticks one scope and confirms.
    let done = confirm(
        &mut phone,
        &page,
        Some(("alice", "correct horse")),
        &["user.info.basic"],
        "approve",
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("You are logging in to Scheduler"));
    let (st, v) = check(s, key, secret, &token).await;
    assert_eq!(st, 200);
    let code = v["code"].as_str().unwrap().to_string();
    assert_eq!(
        v["redirect_uri"],
        format!(
            "https://app.example.com/callback/?code={}",
            urlencoding::encode(&code)
        )
    );
    insta::assert_json_snapshot!(
        "qr_confirmed",
        redact_keys(v, &["code", "redirect_uri"], &[])
    );
    // Confirmed once: the next poll says the code was handed out.
    let (_, v) = check(s, key, secret, &token).await;
    insta::assert_json_snapshot!("qr_utilised", v);

    // QR clients exchange the code without redirect_uri or code_verifier.
    let form = [
        ("client_key", key),
        ("client_secret", secret),
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
    ];
    let (st, v) = token_form(s, &form).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["scope"], "user.info.basic", "the granted subset");
    assert_eq!(
        (v["expires_in"].as_i64(), v["refresh_expires_in"].as_i64()),
        (Some(7_200), Some(15_552_000))
    );
    let access = v["access_token"].as_str().unwrap().to_string();
    let r = s
        .http
        .get(s.url("/v2/user/info/?fields=open_id,display_name"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    let info: Value = r.json().await.unwrap();
    assert_eq!(info["data"]["user"]["display_name"], "Alice", "{info}");
    assert_eq!(info["data"]["user"]["open_id"], v["open_id"]);
    // Single use, like a web code.
    let (st, v) = token_form(s, &form).await;
    assert_eq!(
        oauth_error(st, &v),
        (
            400,
            "invalid_grant",
            "Authorization code has already been used."
        )
    );
    // The phone page is done with this QR.
    let again = phone.get(&phone_path(&scan_url, "tv-ticket_1")).await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("already used"), "{}", again.body);
}

#[tokio::test]
async fn a_qr_code_can_also_be_exchanged_with_the_redirect_uri_check_qrcode_named() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let (scan_url, token) = get_qrcode(s, key, "user.info.basic", "").await;
    // A creator already signed in to the web pages confirms without typing the password.
    let mut phone = Agent::new(s);
    phone.sign_in("alice", "correct horse").await;
    let page = phone.get(&phone_path(&scan_url, "abc")).await;
    assert!(page.body.contains("Signed in as <strong>@alice</strong>"));
    let done = confirm(&mut phone, &page, None, &["user.info.basic"], "approve").await;
    assert_eq!(done.status, 200, "{}", done.body);
    let (_, v) = check(s, key, secret, &token).await;
    assert_eq!(v["status"], "confirmed");
    assert!(v.get("state").is_none(), "no state was sent: {v}");
    assert_eq!(v["client_ticket"], "abc");
    let code = v["code"].as_str().unwrap();
    // The redirect URI check_qrcode named is taken too.
    let form = [
        ("client_key", key),
        ("client_secret", secret),
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", "https://app.example.com/callback/"),
    ];
    let (st, v) = token_form(s, &form).await;
    assert_eq!(st, 200, "{v}");
    // A web code still needs its redirect_uri.
    let (_, loc, _) = reelbox_testkit::oauth::consent(
        s,
        &s.url(&format!("/v2/auth/authorize/?client_key={key}&response_type=code&scope=user.info.basic&state=s&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback%2F")),
        "alice",
        "correct horse",
        "approve",
    )
    .await;
    let web_code = query(&loc)["code"].clone();
    let (st, v) = token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "authorization_code"),
            ("code", &web_code),
        ],
    )
    .await;
    assert_eq!(
        oauth_error(st, &v),
        (
            400,
            "invalid_grant",
            "redirect_uri does not match the one used to authorize."
        )
    );
}

#[tokio::test]
async fn qr_codes_expire_and_a_cancelled_one_reads_as_expired() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    // Not scanned in time.
    let (scan_url, token) = get_qrcode(s, key, "user.info.basic", "").await;
    s.advance_clock(301).await;
    let (_, v) = check(s, key, secret, &token).await;
    insta::assert_json_snapshot!("qr_expired", v);
    let mut phone = Agent::new(s);
    let page = phone.get(&phone_path(&scan_url, "t")).await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("This QR code has expired"),
        "{}",
        page.body
    );
    // Scanned, then cancelled on the phone.
    let (scan_url, token) = get_qrcode(s, key, "user.info.basic", "").await;
    let page = phone.get(&phone_path(&scan_url, "t")).await;
    let done = confirm(
        &mut phone,
        &page,
        Some(("alice", "correct horse")),
        &["user.info.basic"],
        "deny",
    )
    .await;
    assert!(
        done.body.contains("You did not log in to Scheduler"),
        "{}",
        done.body
    );
    let (_, v) = check(s, key, secret, &token).await;
    assert_eq!(
        (v["status"].as_str(), v["client_ticket"].as_str()),
        (Some("expired"), Some(""))
    );
    // No scope ticked is no permission: cancelled too.
    let (scan_url, token) = get_qrcode(s, key, "user.info.basic", "").await;
    let page = phone.get(&phone_path(&scan_url, "t")).await;
    let done = confirm(
        &mut phone,
        &page,
        Some(("alice", "correct horse")),
        &[],
        "approve",
    )
    .await;
    assert!(
        done.body.contains("No permission was granted"),
        "{}",
        done.body
    );
    assert_eq!(check(s, key, secret, &token).await.1["status"], "expired");
    // Confirmed, but the app polled only after the QR's lifetime: no code.
    let (scan_url, token) = get_qrcode(s, key, "user.info.basic", "").await;
    let page = phone.get(&phone_path(&scan_url, "t")).await;
    confirm(
        &mut phone,
        &page,
        Some(("alice", "correct horse")),
        &["user.info.basic"],
        "approve",
    )
    .await;
    s.advance_clock(301).await;
    let (_, v) = check(s, key, secret, &token).await;
    assert_eq!(v["status"], "expired");
    assert!(v.get("code").is_none());
}

#[tokio::test]
async fn every_refusal_of_the_qr_endpoints_and_pages() {
    let s = server_with(|c| c.products.qr_codes_per_minute = 3).await;
    let app = s
        .create_app(serde_json::json!({"name": "TV", "scopes": ["user.info.basic"], "redirect_uris": ["https://tv.example/cb/"], "test_users": ["alice"]}))
        .await;
    s.create_creator(serde_json::json!({"username": "alice", "password": "correct horse"}))
        .await;
    s.create_creator(serde_json::json!({"username": "mallory", "password": "mallory pw"}))
        .await;
    let key = app["client_key"].as_str().unwrap();
    let secret = app["client_secret"].as_str().unwrap();
    let get = |form: Vec<(&'static str, String)>| {
        let s = &s;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            qr_form(s, "/v2/oauth/get_qrcode/", &pairs).await
        }
    };
    let (st, v) = get(vec![("scope", "user.info.basic".into())]).await;
    assert_eq!(
        oauth_error(st, &v),
        (400, "invalid_request", "Client key is missed in request.")
    );
    insta::assert_json_snapshot!("qr_get_no_client_key", redact(v));
    let (st, v) = get(vec![("client_key", key.into())]).await;
    assert_eq!(
        oauth_error(st, &v),
        (400, "invalid_request", "scope is required.")
    );
    let (st, v) = get(vec![
        ("client_key", "nosuchkey".into()),
        ("scope", "user.info.basic".into()),
    ])
    .await;
    assert_eq!(
        oauth_error(st, &v),
        (401, "invalid_client", "Client key is invalid.")
    );
    let (st, v) = get(vec![
        ("client_key", key.into()),
        ("scope", "user.info.basic,video.publish".into()),
    ])
    .await;
    assert_eq!(
        oauth_error(st, &v),
        (
            400,
            "invalid_scope",
            "The app is not approved for: video.publish."
        )
    );
    insta::assert_json_snapshot!("qr_get_invalid_scope", redact(v));
    // Three QR codes a minute for this app, then 429 with Retry-After.
    let (scan_url, token) = get_qrcode(&s, key, "user.info.basic", "").await;
    get_qrcode(&s, key, "user.info.basic", "").await;
    get_qrcode(&s, key, "user.info.basic", "").await;
    let r = s
        .http
        .post(s.url("/v2/oauth/get_qrcode/"))
        .form(&[("client_key", key), ("scope", "user.info.basic")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "rate_limit_exceeded");

    let chk = |form: Vec<(&'static str, String)>| {
        let s = &s;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            qr_form(s, "/v2/oauth/check_qrcode/", &pairs).await
        }
    };
    let (st, v) = chk(vec![("client_key", key.into()), ("token", token.clone())]).await;
    assert_eq!(
        oauth_error(st, &v),
        (
            400,
            "invalid_request",
            "Client secret is missed in request."
        )
    );
    let (st, v) = chk(vec![
        ("client_key", key.into()),
        ("client_secret", "wrong".into()),
        ("token", token.clone()),
    ])
    .await;
    assert_eq!(
        oauth_error(st, &v),
        (
            401,
            "invalid_client",
            "Client authentication failed: wrong client_secret."
        )
    );
    let (st, v) = chk(vec![
        ("client_key", key.into()),
        ("client_secret", secret.into()),
    ])
    .await;
    assert_eq!(
        oauth_error(st, &v),
        (400, "invalid_request", "token is required.")
    );
    let (st, v) = chk(vec![
        ("client_key", key.into()),
        ("client_secret", secret.into()),
        ("token", "NOSUCHTOKEN".into()),
    ])
    .await;
    assert_eq!(
        oauth_error(st, &v),
        (400, "invalid_request", "The QR code token is invalid.")
    );
    insta::assert_json_snapshot!("qr_check_unknown_token", redact(v));

    // The phone page: an unfilled ticket, an unknown QR, a wrong password, a creator the sandbox
    // app does not allow.
    let mut phone = Agent::new(&s);
    let p = phone.get(&phone_path(&scan_url, "tobefilled")).await;
    assert_eq!(p.status, 400);
    assert!(
        p.body.contains("client_ticket was not filled in"),
        "{}",
        p.body
    );
    let p = phone
        .get(&format!(
            "/qr/authorize?client_key={key}&client_ticket=t&qr_id=nosuchqr"
        ))
        .await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("not a reelbox login code"), "{}", p.body);
    let page = phone.get(&phone_path(&scan_url, "t")).await;
    assert_eq!(page.status, 200);
    let p = confirm(
        &mut phone,
        &page,
        Some(("alice", "wrong")),
        &["user.info.basic"],
        "approve",
    )
    .await;
    assert_eq!(p.status, 401);
    assert!(p.body.contains("Wrong username or password."));
    // A form without its CSRF token.
    let p = phone
        .post("/qr/authorize", &[("qr_id", "x"), ("decision", "approve")])
        .await;
    assert_eq!(p.status, 403);
    let p = confirm(
        &mut phone,
        &page,
        Some(("mallory", "mallory pw")),
        &["user.info.basic"],
        "approve",
    )
    .await;
    assert_eq!(p.status, 403);
    assert!(
        p.body.contains("only its test users can authorize it"),
        "{}",
        p.body
    );
    let (_, v) = chk(vec![
        ("client_key", key.into()),
        ("client_secret", secret.into()),
        ("token", token.clone()),
    ])
    .await;
    assert_eq!(v["status"], "expired", "a refused creator ends the QR");
    // The image and the TV page refuse URLs that are no scan URL.
    let r = s
        .http
        .get(s.url("/qr/code.png?scan_url=https%3A%2F%2Fevil.example%2F"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s.http.get(s.url("/qr/tv?scan_url=aweme%3A%2F%2Fauthorize%3Fclient_key%3Dk%26client_ticket%3Dt%26qr_id%3Dnosuch")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .http
        .get(s.url("/qr/status?qr_id=nosuch"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn the_code_image_is_a_qr_code_of_the_scan_url() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let (scan_url, _) = get_qrcode(s, key, "user.info.basic", "").await;
    let filled = scan_url.replace("tobefilled", "ticket42");
    let r = s
        .http
        .get(s.url(&format!(
            "/qr/code.png?scan_url={}",
            urlencoding::encode(&filled)
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let png = r.bytes().await.unwrap();
    assert_eq!(crate::web::decode_qr(&png), vec![filled.clone()]);
    // The TV page shows that image and the status.
    let r = s
        .http
        .get(s.url(&format!("/qr/tv?scan_url={}", urlencoding::encode(&filled))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<img id=\"qr\" src=\"/qr/code.png?scan_url="),
        "{html}"
    );
    assert!(
        html.contains("<strong id=\"status\" aria-live=\"polite\">new</strong>"),
        "{html}"
    );
}
