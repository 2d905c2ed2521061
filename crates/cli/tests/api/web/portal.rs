//! The developer portal (apps, keys, settings) and the operator's admin view.
use reelbox_testkit::web::Agent;
use serde_json::{Value, json};

use crate::world;

#[tokio::test]
async fn developer_portal_and_operator_admin() {
    let w = world().await;
    let mut d = Agent::new(&w.s);
    let p = d
        .submit(
            "/developers",
            "/developers/signup",
            &[("email", "dev@example.com"), ("password", "short")],
        )
        .await;
    assert_eq!(p.status, 400);
    let p = d
        .submit(
            "/developers",
            "/developers/signup",
            &[
                ("email", "Dev@Example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(p.status, 302);
    let p = d
        .submit(
            "/developers",
            "/developers/apps",
            &[
                ("name", "Clipper"),
                (
                    "redirect_uris",
                    "https://clipper.example/cb/\nhttp://127.0.0.1:8080/cb/",
                ),
                ("scope", "user.info.basic"),
                ("scope", "video.upload"),
            ],
        )
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let key = p
        .location()
        .strip_prefix("/developers/apps/")
        .unwrap()
        .to_string();
    let page = d.get(&p.location()).await;
    assert!(
        page.body
            .contains(&format!("<code id=\"client-key\">{key}</code>"))
    );
    assert!(page.body.contains("Not audited"));
    // The guideline report of the app, as a page: a careless init shows up with its evidence.
    w.s.create_creator(json!({"username": "reporter"})).await;
    let t = w.s.mint(&key, "reporter", &["video.upload"]).await;
    let (st, v) = w
        .s
        .call(
            t["access_token"].as_str().unwrap(),
            "/v2/post/publish/inbox/video/init/",
            Some(json!({"source_info": {"source": "FILE_UPLOAD", "video_size": 50_000_123, "chunk_size": 10_000_000, "total_chunk_count": 6}})),
        )
        .await;
    assert_eq!(st, 400);
    let report = d.get(&format!("/developers/apps/{key}/report")).await;
    assert_eq!(report.status, 200);
    assert!(report.body.contains("check check-fail"), "{}", report.body);
    assert!(report.body.contains("Chunk sizes within the rules"));
    assert!(
        report.body.contains(v["error"]["log_id"].as_str().unwrap()),
        "the evidence names the call"
    );
    assert!(
        report.body.contains("Music Usage Confirmation"),
        "the audit checklist is shown"
    );
    let app =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/apps/{key}"),
            Value::Null,
        )
        .await;
    assert_eq!(app["scopes"], json!(["user.info.basic", "video.upload"]));
    assert_eq!(app["redirect_uris"].as_array().unwrap().len(), 2);
    // The secret, revealed, works at the token endpoint; rotated, the old one stops working.
    let path = format!("/developers/apps/{key}");
    let p = d.submit(&path, &format!("{path}/secret"), &[]).await;
    let secret = p.code("client-secret").expect("the secret is shown");
    let token = |secret: String| {
        let s = &w.s;
        let key = key.clone();
        async move {
            s.http
                .post(s.url("/v2/oauth/token/"))
                .form(&[
                    ("client_key", key.as_str()),
                    ("client_secret", secret.as_str()),
                    ("grant_type", "client_credentials"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(token(secret.clone()).await, 200);
    let p = d.submit(&path, &format!("{path}/rotate"), &[]).await;
    assert!(p.body.contains("New secret issued"));
    assert_eq!(token(secret).await, 401);
    // The app page lists the app's calls (the call log is written off the request path).
    let t = w.s.mint(&key, "alice", &["video.upload"]).await;
    let (st, _) =
        w.s.call(
            t["access_token"].as_str().unwrap(),
            "/v2/post/publish/creator_info/query/",
            None,
        )
        .await;
    // creator_info needs video.publish; the refused call is the app's all the same.
    assert_eq!(st, 401);
    let mut listed = false;
    for _ in 0..100 {
        if d.get(&path)
            .await
            .body
            .contains("/v2/post/publish/creator_info/query/")
        {
            listed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(listed, "recent calls are listed");
    // Edit: a bad redirect URI is refused with words; a good edit is saved.
    let p = d
        .submit(
            &path,
            &path,
            &[("name", "Clipper"), ("redirect_uris", "ftp://nope")],
        )
        .await;
    assert_eq!(p.status, 400);
    let p = d
        .submit(
            &path,
            &path,
            &[
                ("name", "Clipper 2"),
                ("redirect_uris", "https://clipper.example/cb/"),
                ("scope", "user.info.basic"),
                ("webhook_url", "https://clipper.example/hook"),
            ],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("Saved."));
    // Another developer cannot see it.
    let mut other = Agent::new(&w.s);
    other
        .submit(
            "/developers",
            "/developers/signup",
            &[
                ("email", "other@example.com"),
                ("password", "another password"),
            ],
        )
        .await;
    assert_eq!(other.get(&path).await.status, 404);
    // Which TikTok the app is served, chosen on its page.
    let page = d.get(&path).await;
    assert!(
        page.body
            .contains("Served as <strong>tiktok-2026-11</strong>"),
        "{}",
        page.body
    );
    let p = d
        .submit(
            &path,
            &format!("{path}/compat"),
            &[("profile", "tiktok-2024"), ("strict", "on")],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("Served as <strong>tiktok-2024</strong>"),
        "{}",
        p.body
    );
    assert!(p.body.contains("<strong>strict</strong>"));
    let shown =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/apps/{key}"),
            Value::Null,
        )
        .await;
    assert_eq!(
        (
            shown["compat"]["profile"].as_str(),
            shown["compat"]["strict"].as_bool()
        ),
        (Some("tiktok-2024"), Some(true))
    );
    let p = d
        .submit(
            &path,
            &format!("{path}/compat"),
            &[("profile", "tiktok-1999"), ("strict", "platform")],
        )
        .await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("is not a profile"), "{}", p.body);
    // Audit: requested in the portal, approved by the operator.
    assert_eq!(
        d.submit(&path, &format!("{path}/audit"), &[]).await.status,
        302
    );
    assert!(d.get(&path).await.body.contains("Audit requested"));
    let mut op = Agent::new(&w.s);
    let p = op
        .submit("/admin", "/admin/signin", &[("token", "not it")])
        .await;
    assert_eq!(p.status, 401);
    let p = op
        .submit(
            "/admin",
            "/admin/signin",
            &[("token", reelbox_testkit::server::ADMIN_TOKEN)],
        )
        .await;
    assert_eq!(p.status, 302);
    let page = op.get("/admin").await;
    assert!(page.body.contains("Clipper 2") && page.body.contains(&key));
    let p = op
        .submit("/admin", &format!("/admin/apps/{key}/approve"), &[])
        .await;
    assert!(p.body.contains("Clipper 2 is approved."));
    let app =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/apps/{key}"),
            Value::Null,
        )
        .await;
    assert_eq!(app["audited"], true);
    assert!(d.get(&path).await.body.contains("Audited"));
    // Ban a creator from posting.
    let p = op
        .submit(
            "/admin",
            "/admin/creators/alice",
            &[("banned", "on"), ("daily_post_cap", "3")],
        )
        .await;
    assert!(p.body.contains("Saved @alice."));
    let c =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/creators/alice",
            Value::Null,
        )
        .await;
    assert_eq!(c["banned_from_posting"], true);
    assert_eq!(c["daily_post_cap"], 3);
    // The admin pages are closed to everyone else.
    assert!(
        d.get("/admin")
            .await
            .body
            .contains("Sign in with the admin token")
    );
    let csrf = d.get("/admin").await.csrf();
    assert_eq!(
        d.post(&format!("/admin/apps/{key}/approve"), &[("csrf", &csrf)])
            .await
            .location(),
        "/admin"
    );
}

/// On a live platform a developer cannot hand their own app research access or a verified
/// download address: both wait for the operator, who grants them from the admin page.
#[tokio::test]
async fn self_service_privileges_wait_for_the_operator_on_a_live_platform() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut cfg = reelbox_testkit::TestServer::config(tmp.path(), crate::probe_exe());
    cfg.database_url = reelbox_testkit::fresh_database().await;
    cfg.mode = reelbox_server::Mode::Production;
    let s = reelbox_testkit::TestServer::start_with(cfg).await;
    let mut d = Agent::new(&s);
    d.submit(
        "/developers",
        "/developers/signup",
        &[
            ("email", "dev@example.com"),
            ("password", "a long password"),
        ],
    )
    .await;
    let p = d
        .submit(
            "/developers",
            "/developers/apps",
            &[
                ("name", "Scraper"),
                ("redirect_uris", "https://scraper.example/cb/"),
                ("scope", "user.info.basic"),
                ("scope", "research.data.basic"),
                ("verified_url_prefixes", "cdn.tiktok.com"),
            ],
        )
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let path = p.location();
    let key = path.strip_prefix("/developers/apps/").unwrap().to_string();
    let url = format!("/_reelbox/apps/{key}");
    let app = || s.admin(reqwest::Method::GET, &url, Value::Null);
    let a = app().await;
    assert_eq!(a["scopes"], json!(["user.info.basic"]), "{a}");
    assert_eq!(a["verified_url_prefixes"], json!([]), "{a}");
    // No research token either: the scope is not the app's yet.
    let secret = d
        .submit(&path, &format!("{path}/secret"), &[])
        .await
        .code("client-secret")
        .expect("the secret is shown");
    // What the research API answers the app's client token.
    let research_code = || async {
        let token = reelbox_testkit::oauth::client_token(&s, &key, &secret).await;
        let (_, v) = s
            .call(
                &token,
                "/v2/research/user/info/?fields=display_name",
                Some(json!({"username": "nobody"})),
            )
            .await;
        v["error"]["code"].as_str().unwrap_or("").to_string()
    };
    assert_eq!(research_code().await, "scope_not_authorized");
    let page = d.get(&path).await;
    assert!(
        page.body.contains("research.data.basic, cdn.tiktok.com"),
        "the portal shows what waits: {}",
        page.body
    );
    // Saving the settings again keeps asking, and grants nothing.
    d.submit(
        &path,
        &path,
        &[
            ("name", "Scraper"),
            ("redirect_uris", "https://scraper.example/cb/"),
            ("scope", "user.info.basic"),
            ("scope", "research.data.basic"),
            ("verified_url_prefixes", "cdn.tiktok.com"),
        ],
    )
    .await;
    assert_eq!(app().await["scopes"], json!(["user.info.basic"]));
    // The operator sees the request and grants it.
    let mut op = Agent::new(&s);
    op.submit(
        "/admin",
        "/admin/signin",
        &[("token", s.admin_token.as_str())],
    )
    .await;
    let admin = op.get("/admin").await;
    assert!(
        admin
            .body
            .contains("asks for research.data.basic, cdn.tiktok.com"),
        "{}",
        admin.body
    );
    op.submit("/admin", &format!("/admin/apps/{key}/approve"), &[])
        .await;
    let a = app().await;
    assert_eq!(
        a["scopes"],
        json!(["user.info.basic", "research.data.basic"])
    );
    assert_eq!(a["verified_url_prefixes"], json!(["cdn.tiktok.com"]));
    assert_eq!(a["audited"], false, "approving privileges is not an audit");
    assert_ne!(research_code().await, "scope_not_authorized");
    assert!(!d.get(&path).await.body.contains("pending-review"));
}
