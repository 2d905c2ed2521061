use std::io::Read;
use std::sync::{Arc, Mutex};

use reelbox_testkit::TestServer;
use reelbox_testkit::local::{Local, local, wait_for_hook};
use reelbox_testkit::read::db_rows;
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use crate::server;

const ALL_SCOPES: [&str; 9] = [
    "user.info.basic",
    "portability.all.single",
    "portability.all.ongoing",
    "portability.postsandprofile.single",
    "portability.postsandprofile.ongoing",
    "portability.activity.single",
    "portability.activity.ongoing",
    "portability.directmessages.single",
    "portability.directmessages.ongoing",
];

struct W {
    s: TestServer,
    l: Local,
    key: String,
    /// The seeded creator whose data is exported (region FR).
    username: String,
    creator_id: String,
}

/// A seeded corpus, an app with the portability scopes and a webhook on a local receiver, and
/// the seeded creator with the most posts moved to France.
async fn world(videos: u64, creators: u64) -> W {
    world_on(server().await, videos, creators).await
}

async fn world_on(s: TestServer, videos: u64, creators: u64) -> W {
    let secret = Arc::new(Mutex::new(String::new()));
    let l = local(secret.clone()).await;
    let app = s
        .create_app(json!({"name": "Exporter", "audited": true, "scopes": ALL_SCOPES,
            "redirect_uris": ["https://app.example.com/cb/"], "webhook_url": format!("{}/hook", l.base)}))
        .await;
    *secret.lock().unwrap() = app["client_secret"].as_str().unwrap().to_string();
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/seed",
        json!({"creators": creators, "videos": videos, "days": 10, "seed": 7}),
    )
    .await;
    let top = db_rows(
        &s,
        "SELECT c.username, c.id FROM creators c JOIN posts p ON p.creator_id = c.id GROUP BY c.username, c.id ORDER BY COUNT(*) DESC, c.username LIMIT 1",
    )
    .await;
    let (username, creator_id) = top[0].clone();
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/creators/{username}"),
        json!({"region_code": "FR"}),
    )
    .await;
    W {
        key: app["client_key"].as_str().unwrap().to_string(),
        s,
        l,
        username,
        creator_id,
    }
}

async fn token(w: &W, scopes: &[&str]) -> String {
    w.s.mint(&w.key, &w.username, scopes).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn add(w: &W, t: &str, format: &str, cats: &[&str]) -> (u16, Value) {
    w.s.call(
        t,
        "/v2/user/data/add/?fields=request_id",
        Some(json!({"data_format": format, "category_selection_list": cats})),
    )
    .await
}

const CHECK: &str = "/v2/user/data/check/?fields=request_id,apply_time,collect_time,status,data_format,category_selection_list";

/// Waits for the archive job: advances the clock past the delay and polls `check`.
async fn ready(w: &W, t: &str, id: &Value) -> Value {
    w.s.advance_clock(11).await;
    for _ in 0..600 {
        let (st, v) = w.s.call(t, CHECK, Some(json!({"request_id": id}))).await;
        assert_eq!(st, 200, "{v}");
        if v["data"]["status"] != "pending" {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the archive was never built");
}

async fn download(w: &W, t: &str, id: &Value) -> reqwest::Response {
    w.s.http
        .post(w.s.url("/v2/user/data/download/"))
        .bearer_auth(t)
        .header(
            "accept",
            "application/zip,application/octet-stream,application/json",
        )
        .json(&json!({"request_id": id}))
        .send()
        .await
        .unwrap()
}

fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (f.name().to_string(), s)
        })
        .collect()
}

async fn count(s: &TestServer, sql: &str) -> usize {
    db_rows(
        s,
        &format!("SELECT CAST(COUNT(*) AS TEXT), '' FROM ({sql}) x"),
    )
    .await[0]
        .0
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_export_is_built_announced_downloaded_and_holds_the_creators_data() {
    let w = world(600, 30).await;
    let t = token(&w, &ALL_SCOPES).await;
    let (st, v) = add(&w, &t, "json", &["all_data", "video"]).await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["request_id"].clone();
    insta::assert_json_snapshot!("add", redact(v), {".data.request_id" => "[request_id]"});
    // Pending: nothing to download yet.
    let (_, v) = w.s.call(&t, CHECK, Some(json!({"request_id": id}))).await;
    assert_eq!(v["data"]["status"], "pending");
    assert!(v["data"].get("collect_time").is_none());
    let r = download(&w, &t, &id).await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    insta::assert_json_snapshot!("download_not_ready", redact(v));
    let v = ready(&w, &t, &id).await;
    insta::assert_json_snapshot!("check_downloading", redact(v), {".data.request_id" => "[request_id]", ".data.apply_time" => "[time]", ".data.collect_time" => "[time]"});
    // The webhook, signed like the others, names the request.
    let hook = wait_for_hook(&w.l, "portability.download.ready").await;
    let content: Value = serde_json::from_str(hook["content"].as_str().unwrap()).unwrap();
    assert_eq!(content, json!({"request_id": id}));
    assert_eq!(hook["client_key"], w.key.as_str());
    // The archive, checked against the store.
    let r = download(&w, &t, &id).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename=\"{id}.zip\"").as_str()
    );
    let files = unzip(&r.bytes().await.unwrap());
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, "user_data_tiktok.json");
    let data: Value = serde_json::from_str(&files[0].1).expect("the export is JSON");
    assert_eq!(
        data["Profile"]["Profile Information"]["ProfileMap"]["userName"],
        w.username.as_str()
    );
    let cid = &w.creator_id;
    let posts = data["Video"]["Videos"]["VideoList"].as_array().unwrap();
    assert_eq!(
        posts.len(),
        count(
            &w.s,
            &format!("SELECT id FROM posts WHERE creator_id = '{cid}' AND deleted_at IS NULL")
        )
        .await
    );
    assert!(!posts.is_empty());
    let first_post = db_rows(
        &w.s,
        &format!(
            "SELECT id, title FROM posts WHERE creator_id = '{cid}' ORDER BY created_at, id LIMIT 1"
        ),
    )
    .await;
    assert!(
        posts[0]["Link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/@{}/video/{}", w.username, first_post[0].0))
    );
    assert_eq!(posts[0]["Title"], first_post[0].1.as_str());
    for (path, sql) in [
        (
            &data["Comment"]["Comments"]["CommentsList"],
            format!("SELECT id FROM comments WHERE creator_id = '{cid}'"),
        ),
        (
            &data["Likes and Favorites"]["Like List"]["ItemFavoriteList"],
            format!("SELECT post_id FROM likes WHERE creator_id = '{cid}'"),
        ),
        (
            &data["Following"]["Following"],
            format!("SELECT followee_id FROM follows WHERE follower_id = '{cid}'"),
        ),
        (
            &data["Follower"]["FansList"],
            format!("SELECT follower_id FROM follows WHERE followee_id = '{cid}'"),
        ),
    ] {
        assert_eq!(
            path.as_array()
                .unwrap_or_else(|| panic!("{sql}: {path}"))
                .len(),
            count(&w.s, &sql).await,
            "{sql}"
        );
    }
    assert_eq!(
        data["Direct Message"]["Direct Messages"]["ChatHistory"],
        json!({})
    );
    // Downloadable again within four days, expired after.
    assert_eq!(download(&w, &t, &id).await.status(), 200);
    w.s.advance_clock(4 * 86_400).await;
    let t = token(&w, &ALL_SCOPES).await;
    let (_, v) =
        w.s.call(
            &t,
            "/v2/user/data/check/?fields=request_id,status",
            Some(json!({"request_id": id})),
        )
        .await;
    assert_eq!(v["data"], json!({"request_id": id, "status": "expired"}));
    assert_eq!(download(&w, &t, &id).await.status(), 400);
}

#[tokio::test]
async fn a_text_export_has_a_folder_per_category_and_a_large_creator_is_paged() {
    // One creator with 1,600 posts: the archive reads them four pages at a time.
    let w = world(1_600, 1).await;
    let t = token(&w, &["portability.postsandprofile.ongoing"]).await;
    let (st, v) = add(&w, &t, "text", &["video", "profile"]).await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["request_id"].clone();
    let v = ready(&w, &t, &id).await;
    assert_eq!(
        v["data"]["category_selection_list"],
        json!(["profile", "video"])
    );
    let r = download(&w, &t, &id).await;
    assert_eq!(r.status(), 200);
    let files = unzip(&r.bytes().await.unwrap());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Profile/Profile Info.txt",
            "Profile/Following.txt",
            "Profile/Follower.txt",
            "Posts/Posts.txt"
        ]
    );
    let posts = &files[3].1;
    assert_eq!(posts.matches("Link: ").count(), 1_600);
    let ids = db_rows(
        &w.s,
        &format!(
            "SELECT id, '' FROM posts WHERE creator_id = '{}' ORDER BY created_at, id",
            w.creator_id
        ),
    )
    .await;
    let linked: Vec<&str> = posts
        .lines()
        .filter_map(|l| l.strip_prefix("Link: "))
        .map(|l| l.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        linked,
        ids.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>(),
        "every post once, in order"
    );
    assert!(files[0].1.contains(&format!("Username: {}", w.username)));
    // Ongoing: another request may follow.
    let (st, _) = add(&w, &t, "json", &["profile"]).await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn single_scopes_are_used_once_cancel_and_every_refusal() {
    let w = world(60, 3).await;
    let t = token(
        &w,
        &["portability.all.single", "portability.activity.single"],
    )
    .await;
    // TikTok's example: a request over two groups uses all.single; activity.single is left.
    let (st, v) = add(&w, &t, "json", &["activity", "video"]).await;
    assert_eq!(st, 200, "{v}");
    let first = v["data"]["request_id"].clone();
    let (st, v) = add(&w, &t, "json", &["video"]).await;
    assert_eq!(
        (
            st,
            v["error"]["code"].as_str().unwrap(),
            v["error"]["http_status_code"].as_i64()
        ),
        (401, "scope_not_authorized", Some(401))
    );
    insta::assert_json_snapshot!("scope_used", redact(v));
    let (st, v) = add(&w, &t, "text", &["activity"]).await;
    assert_eq!(st, 200, "{v}");
    let second = v["data"]["request_id"].clone();
    // Cancel (query parameter or body); then it cannot be cancelled again.
    let r =
        w.s.http
            .post(w.s.url(&format!("/v2/user/data/cancel/?request_id={second}")))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    insta::assert_json_snapshot!("cancel", redact(v));
    let (_, v) =
        w.s.call(
            &t,
            "/v2/user/data/check/?fields=status",
            Some(json!({"request_id": second})),
        )
        .await;
    assert_eq!(v["data"], json!({"status": "cancelled"}));
    let (st, v) =
        w.s.call(
            &t,
            "/v2/user/data/cancel/",
            Some(json!({"request_id": second})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["message"].as_str().unwrap()),
        (400, "Only a pending request can be cancelled.")
    );
    // A cancelled .single request does not give its scope back.
    let (st, _) = add(&w, &t, "text", &["activity"]).await;
    assert_eq!(st, 401);
    // The cancelled one is never built; the first one is.
    let v = ready(&w, &t, &first).await;
    assert_eq!(v["data"]["status"], "downloading");
    let (_, v) =
        w.s.call(
            &t,
            "/v2/user/data/check/?fields=status",
            Some(json!({"request_id": second})),
        )
        .await;
    assert_eq!(v["data"]["status"], "cancelled");
    assert_eq!(download(&w, &t, &second).await.status(), 400);

    let fresh = token(&w, &["portability.all.ongoing"]).await;
    for (body, message) in [
        (
            json!({"data_format": "xml", "category_selection_list": ["video"]}),
            "data_format must be json or text.",
        ),
        (
            json!({"data_format": "json"}),
            "category_selection_list is required.",
        ),
        (
            json!({"data_format": "json", "category_selection_list": ["direct_messages"]}),
            "category_selection_list holds \"direct_messages\"; use all_data, video, profile, activity or direct_message.",
        ),
    ] {
        let (st, v) = w.s.call(&fresh, "/v2/user/data/add/", Some(body)).await;
        assert_eq!(
            (
                st,
                v["error"]["code"].as_str().unwrap(),
                v["error"]["message"].as_str().unwrap()
            ),
            (400, "invalid_params", message)
        );
    }
    for body in [
        json!({}),
        json!({"request_id": 42}),
        json!({"request_id": "x"}),
    ] {
        for path in [
            "/v2/user/data/check/?fields=status",
            "/v2/user/data/cancel/",
            "/v2/user/data/download/",
        ] {
            let (st, v) = w.s.call(&fresh, path, Some(body.clone())).await;
            assert_eq!(
                (st, v["error"]["code"].as_str().unwrap()),
                (400, "invalid_params"),
                "{path} {body} {v}"
            );
        }
    }
    let (_, v) =
        w.s.call(
            &fresh,
            "/v2/user/data/download/",
            Some(json!({"request_id": 42})),
        )
        .await;
    insta::assert_json_snapshot!("download_unknown", redact(v));
    // No portability scope; a creator outside the EEA and UK; no token.
    w.s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/creators/{}", w.username),
        json!({"region_code": "US"}),
    )
    .await;
    let (st, v) = add(&w, &fresh, "json", &["video"]).await;
    assert_eq!(
        (st, v["error"]["message"].as_str().unwrap()),
        (
            401,
            "Data Portability is only available for users in the EEA and UK"
        )
    );
    // (Minting narrows the grant: the tokens above lose their portability scopes.)
    let plain = token(&w, &["user.info.basic"]).await;
    let (st, v) = add(&w, &plain, "json", &["video"]).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "scope_not_authorized")
    );
    let r =
        w.s.http
            .post(w.s.url("/v2/user/data/add/"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["http_status_code"], 401);
}

#[tokio::test]
async fn an_archive_past_its_download_window_is_refused_and_freed_by_the_sweeper() {
    let w = world_on(
        crate::server_with(|c| c.sweeper.min_age_secs = 0).await,
        20,
        3,
    )
    .await;
    let t = token(&w, &ALL_SCOPES).await;
    let (st, v) = add(&w, &t, "json", &["all_data"]).await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["request_id"].clone();
    ready(&w, &t, &id).await;
    let archives = || async {
        count(
            &w.s,
            "SELECT object_key FROM data_requests WHERE object_key IS NOT NULL",
        )
        .await
    };
    assert_eq!(archives().await, 1);
    let sweep = || async {
        w.s.admin(reqwest::Method::POST, "/_reelbox/sweeper/run", Value::Null)
            .await
    };
    let kept = sweep().await;
    let key = db_rows(
        &w.s,
        "SELECT object_key, '' FROM data_requests WHERE object_key IS NOT NULL",
    )
    .await[0]
        .0
        .clone();
    let blobs = w.s.handle.as_ref().unwrap().state.blobs.clone();
    assert!(
        blobs.size(&key).await.is_ok(),
        "kept while downloadable: {kept}"
    );
    // Four days and a minute later: expired for the app, and its bytes go at the next sweep.
    w.s.advance_clock(4 * 86_400 + 60).await;
    let t = token(&w, &ALL_SCOPES).await;
    let (_, v) = w.s.call(&t, CHECK, Some(json!({"request_id": id}))).await;
    assert_eq!(v["data"]["status"], "expired", "{v}");
    let freed = sweep().await;
    assert!(
        blobs.size(&key).await.is_err(),
        "freed once expired: {freed}"
    );
}
