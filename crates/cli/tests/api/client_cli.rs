//! The client commands run as processes against a real server: `login` through the consent page
//! and the loopback listener, `post` (chunks with an injected failure, inbox, photos, every
//! refusal), refresh of an expired stored login, and `schedule` (caps over virtual days; killed and
//! restarted without posting twice).
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Stdio;

use reelbox_testkit::{TestServer, fixture};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::oauth::consent;
use crate::posting::{padded_mp4, world_local};
use crate::{redact, world};

const DAY_MS: i64 = 86_400_000;

fn reelbox(cfg: &Path) -> Command {
    let mut c = Command::new(crate::probe_exe());
    c.env("REELBOX_CONFIG_DIR", cfg)
        .env("REELBOX_LOG", "warn")
        .env_remove("REELBOX_TOKEN")
        .env_remove("REELBOX_BASE_URL")
        .env_remove("REELBOX_ADMIN_TOKEN")
        .env_remove("REELBOX_CLIENT_SECRET")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

/// Runs to the end: (exit code, stdout, stderr).
async fn run(mut c: Command) -> (i32, String, String) {
    let out = c.output().await.expect("reelbox runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn publishes(s: &TestServer, query: &str) -> Vec<Value> {
    s.admin(
        reqwest::Method::GET,
        &format!("/_reelbox/publishes?limit=1000&{query}"),
        Value::Null,
    )
    .await["publishes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Stores a minted login as `reelbox login --tokens-file -` does.
async fn import_login(s: &TestServer, cfg: &Path, app: &Value, username: &str, account: &str) {
    let key = app["client_key"].as_str().unwrap();
    let t = s
        .mint(
            key,
            username,
            &["user.info.basic", "video.publish", "video.upload"],
        )
        .await;
    let f = cfg.join(format!("{account}-tokens.json"));
    std::fs::write(&f, t.to_string()).unwrap();
    let mut c = reelbox(cfg);
    c.args([
        "login",
        "--client-key",
        key,
        "--client-secret",
        app["client_secret"].as_str().unwrap(),
        "--base-url",
        &s.base,
        "--account",
        account,
        "--tokens-file",
        f.to_str().unwrap(),
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
}

#[tokio::test]
async fn login_through_the_consent_page_then_creator_info() {
    let w = world().await;
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    let mut c = reelbox(cfg.path());
    c.args([
        "login",
        "--client-key",
        w.app["client_key"].as_str().unwrap(),
        "--client-secret",
        w.app["client_secret"].as_str().unwrap(),
        "--base-url",
        &s.base,
        "--account",
        "alice",
        "--no-browser",
        "--timeout-secs",
        "60",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let l = lines
            .next_line()
            .await
            .unwrap()
            .expect("the URL is printed");
        if l.starts_with("http") {
            break l;
        }
    };
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{url}"
    );
    let (status, loc, _) = consent(s, &url, "alice", "correct horse", "approve").await;
    assert_eq!(status, 302);
    assert!(loc.starts_with("http://127.0.0.1:"), "{loc}");
    // The browser follows the redirect to the loopback listener.
    let page = reqwest::get(&loc).await.unwrap();
    assert_eq!(page.status(), 200);
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["account"], "alice");
    assert!(v["scope"].as_str().unwrap().contains("video.publish"));
    assert!(v.get("access_token").is_none(), "tokens stay in the file");
    let file = cfg.path().join("accounts/alice.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "tokens are private");
    }
    let stored: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(
        stored["tokens"]["access_token"]
            .as_str()
            .unwrap()
            .starts_with("act.")
    );
    // The stored login works.
    let mut c = reelbox(cfg.path());
    c.args(["creator-info", "--account", "alice"]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!("cli_creator_info", redact(v));
}

#[tokio::test]
async fn an_expired_stored_login_is_refreshed_without_the_user() {
    let w = world().await;
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    import_login(s, cfg.path(), &w.app, "alice", "main").await;
    let before: Value =
        serde_json::from_slice(&std::fs::read(cfg.path().join("accounts/main.json")).unwrap())
            .unwrap();
    s.advance_clock(25 * 3600).await;
    let mut c = reelbox(cfg.path());
    c.args(["creator-info", "--account", "main"]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"creator_username\": \"alice\""), "{out}");
    let after: Value =
        serde_json::from_slice(&std::fs::read(cfg.path().join("accounts/main.json")).unwrap())
            .unwrap();
    assert_ne!(
        before["tokens"]["access_token"],
        after["tokens"]["access_token"]
    );
    assert_ne!(
        before["tokens"]["refresh_token"],
        Value::Null,
        "a refresh token was kept"
    );
    // The old token no longer works; the CLI says what to do.
    let mut c = reelbox(cfg.path());
    c.args(["creator-info", "--base-url", &s.base, "--token"])
        .arg(before["tokens"]["access_token"].as_str().unwrap());
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("access_token_invalid"), "{err}");
    assert!(err.contains("reelbox login"), "{err}");
}

#[tokio::test]
async fn post_a_multi_chunk_video_through_a_failed_chunk() {
    let w = world().await;
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    let bytes = padded_mp4(16_000_000);
    let file = cfg.path().join("clip.mp4");
    std::fs::write(&file, &bytes).unwrap();
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/faults",
        json!({"endpoint": "upload", "error_code": "internal_error", "http_status": 500, "times": 1}),
    )
    .await;
    let mut c = reelbox(cfg.path());
    c.arg("post")
        .arg(&file)
        .args([
            "--title",
            "from the terminal #cli",
            "--privacy",
            "SELF_ONLY",
            "--aigc",
            "--chunk-size",
            "5000000",
            "--json",
            "--base-url",
            &s.base,
        ])
        .env("REELBOX_TOKEN", &w.token);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"]["status"], "PUBLISH_COMPLETE", "{v}");
    assert_eq!(v["status"]["uploaded_bytes"], 16_000_000);
    let id = v["publish_id"].as_str().unwrap();
    let list = publishes(s, "username=alice").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["settings"]["is_aigc"], true);
    assert_eq!(
        list[0]["settings"]["disable_duet"], true,
        "duets stay off unless asked"
    );
    let stored = s
        .object(&format!("media/{}", id.replace(['~', '.'], "_")))
        .await;
    assert!(stored == bytes, "stored file equals the local file");
    // The same command again does not post twice.
    let mut c = reelbox(cfg.path());
    c.arg("post")
        .arg(&file)
        .args([
            "--title",
            "from the terminal #cli",
            "--privacy",
            "SELF_ONLY",
            "--aigc",
        ])
        .args(["--chunk-size", "5000000", "--json", "--base-url", &s.base])
        .env("REELBOX_TOKEN", &w.token);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let v2: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v2["publish_id"], v["publish_id"]);
    assert_eq!(v2["resumed"], true);
    assert_eq!(publishes(s, "username=alice").await.len(), 1);
    // `status` shows it.
    let mut c = reelbox(cfg.path());
    c.args([
        "status",
        id,
        "--wait",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let st: Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!("cli_status_complete", redact(st));
}

#[tokio::test]
async fn post_to_the_inbox_and_photos() {
    let (w, l) = world_local(true, false).await;
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    let mut c = reelbox(cfg.path());
    c.arg("post").arg(fixture("h264_720x1280_30fps.mp4")).args([
        "--inbox",
        "--json",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"]["status"], "SEND_TO_USER_INBOX", "{v}");
    let mut c = reelbox(cfg.path());
    c.arg("post")
        .arg(format!("{}/media/a.jpg", l.base))
        .arg(format!("{}/media/b.webp", l.base))
        .args([
            "--title",
            "two photos",
            "--description",
            "#sun",
            "--privacy",
            "PUBLIC_TO_EVERYONE",
            "--cover-index",
            "1",
            "--base-url",
            &s.base,
            "--token",
            &w.token,
        ]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Posted: p_pub_url~"), "{out}");
    // Local photos cannot be pulled: the CLI says what to do instead.
    let mut c = reelbox(cfg.path());
    c.arg("post").arg(fixture("photo_1080x1350.jpg")).args([
        "--privacy",
        "SELF_ONLY",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("verified URL prefix"), "{err}");
}

#[tokio::test]
async fn post_refuses_what_the_creator_does_not_allow() {
    let (w, _l) = world_local(true, true).await; // bob: private, videos up to 10 s
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    let short = fixture("h264_720x1280_30fps.mp4");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--privacy".into(), "PUBLIC_TO_EVERYONE".into()],
            "may not post with privacy PUBLIC_TO_EVERYONE",
        ),
        (vec![], "--privacy is required"),
        (
            vec![
                "--privacy".into(),
                "SELF_ONLY".into(),
                "--brand-content".into(),
            ],
            "branded content cannot be private",
        ),
        (
            vec![
                "--privacy".into(),
                "SELF_ONLY".into(),
                "--allow-duet".into(),
            ],
            "does not allow Duets",
        ),
        (vec!["--privacy".into(), "EVERYONE".into()], "unknown level"),
    ];
    for (args, expect) in cases {
        let mut c = reelbox(cfg.path());
        c.arg("post")
            .arg(&short)
            .args(["--title", "t", "--base-url", &s.base, "--token", &w.token])
            .args(&args);
        let (code, _, err) = run(c).await;
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
    // Longer than the creator may post.
    let mut c = reelbox(cfg.path());
    c.arg("post").arg(fixture("h264_long_12s.mp4")).args([
        "--privacy",
        "SELF_ONLY",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("may post at most 10 s"), "{err}");
    // Comments turned off by the creator must be off in the post too.
    s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/bob",
        json!({"comment_disabled": true}),
    )
    .await;
    let mut c = reelbox(cfg.path());
    c.arg("post").arg(&short).args([
        "--privacy",
        "SELF_ONLY",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("--disable-comment"), "{err}");
    // A creator at the daily cap.
    s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/bob",
        json!({"banned_from_posting": true}),
    )
    .await;
    let mut c = reelbox(cfg.path());
    c.arg("post").arg(&short).args([
        "--privacy",
        "SELF_ONLY",
        "--disable-comment",
        "--base-url",
        &s.base,
        "--token",
        &w.token,
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("spam_risk_user_banned_from_posting"), "{err}");
    // None of it reached the platform.
    assert!(publishes(s, "username=bob").await.is_empty());
    // A missing file is named.
    let mut c = reelbox(cfg.path());
    c.args([
        "post",
        "nope.mp4",
        "--privacy",
        "SELF_ONLY",
        "--token",
        "act.x",
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 1);
    assert!(err.contains("nope.mp4: no such file"), "{err}");
}

fn plan_text(settings: &str, accounts: &[&str], posts: &[(String, &str, String)]) -> String {
    let mut t = format!("[settings]\n{settings}\n");
    for a in accounts {
        t.push_str(&format!("\n[accounts.{a}]\ndaily_cap = 15\n"));
    }
    for (id, account, file) in posts {
        t.push_str(&format!(
            "\n[[posts]]\nid = \"{id}\"\naccount = \"{account}\"\nfile = \"{file}\"\ntitle = \"{id}\"\nprivacy = \"SELF_ONLY\"\n"
        ));
    }
    t
}

async fn server_now(s: &TestServer) -> i64 {
    s.admin(reqwest::Method::GET, "/_reelbox/clock", Value::Null)
        .await["now"]
        .as_i64()
        .unwrap()
}

/// Three creators with a cap of 15 a day, each logged in under its own name.
async fn three_accounts() -> (crate::World, tempfile::TempDir) {
    let w = world().await;
    let s = &w.s;
    for u in ["bob", "carol"] {
        s.create_creator(json!({"username": u})).await;
    }
    let cfg = tempfile::tempdir().unwrap();
    for u in ["alice", "bob", "carol"] {
        s.admin(
            reqwest::Method::PATCH,
            &format!("/_reelbox/creators/{u}"),
            json!({"daily_post_cap": 15}),
        )
        .await;
        import_login(s, cfg.path(), &w.app, u, u).await;
    }
    (w, cfg)
}

#[tokio::test]
async fn schedule_thirty_posts_within_the_daily_caps() {
    let (w, cfg) = three_accounts().await;
    let s = &w.s;
    std::fs::copy(
        fixture("h264_720x1280_30fps.mp4"),
        cfg.path().join("clip.mp4"),
    )
    .unwrap();
    // alice has 20 posts (two days at 15 a day), bob 6, carol 4.
    let mut posts = Vec::new();
    for i in 0..30 {
        let account = match i {
            0..20 => "alice",
            20..26 => "bob",
            _ => "carol",
        };
        posts.push((format!("p{i:02}"), account, "clip.mp4".to_string()));
    }
    let plan = cfg.path().join("plan.toml");
    std::fs::write(
        &plan,
        plan_text("clock = \"reelbox\"", &["alice", "bob", "carol"], &posts),
    )
    .unwrap();
    // The dry run shows the timeline: two days.
    let mut c = reelbox(cfg.path());
    c.arg("schedule")
        .arg(&plan)
        .arg("--dry-run")
        .env("REELBOX_ADMIN_TOKEN", &s.admin_token);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    let dry: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(dry["posts"].as_array().unwrap().len(), 30);
    assert_eq!(dry["days"], 2, "{dry}");
    let start = server_now(s).await;
    let mut passes = 0;
    loop {
        passes += 1;
        assert!(passes < 80, "the schedule does not finish");
        let mut c = reelbox(cfg.path());
        c.arg("schedule")
            .arg(&plan)
            .arg("--once")
            .env("REELBOX_ADMIN_TOKEN", &s.admin_token);
        let (code, out, err) = run(c).await;
        assert_eq!(code, 0, "{err}");
        let r: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(r["cap_errors"], 0, "{r}");
        assert_eq!(r["failed"], 0, "{r}");
        if r["waiting"] == 0 {
            assert_eq!(r["done"], 30);
            break;
        }
        let wait = r["next_at_ms"].as_i64().expect("a next time") - server_now(s).await;
        if wait > 0 {
            s.advance_clock(wait / 1000 + 1).await;
        }
    }
    let all = publishes(s, "").await;
    assert_eq!(all.len(), 30, "each post made once");
    let mut by_creator: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for p in &all {
        assert_eq!(p["status"], "PUBLISH_COMPLETE", "{p}");
        by_creator
            .entry(p["username"].as_str().unwrap().to_string())
            .or_default()
            .push(p["created_at"].as_i64().unwrap());
    }
    assert_eq!(by_creator["alice"].len(), 20);
    assert_eq!(by_creator["bob"].len(), 6);
    assert_eq!(by_creator["carol"].len(), 4);
    for (u, times) in &mut by_creator {
        times.sort_unstable();
        for (i, t) in times.iter().enumerate() {
            let in_day = times[i..].iter().filter(|x| **x < t + DAY_MS).count();
            assert!(in_day <= 15, "{u}: {in_day} posts within 24 h");
        }
    }
    // Finished on the second virtual day, and not before the first had passed.
    let last = by_creator.values().flatten().max().copied().unwrap();
    assert!(
        last - start >= DAY_MS && last - start < 2 * DAY_MS,
        "{}",
        (last - start) / 3_600_000
    );
    let titles: HashSet<String> = all
        .iter()
        .map(|p| p["post_info"]["title"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(titles.len(), 30);
}

#[tokio::test]
async fn a_killed_schedule_resumes_without_posting_twice() {
    let (w, cfg) = three_accounts().await;
    let s = &w.s;
    std::fs::write(cfg.path().join("big.mp4"), padded_mp4(16_000_000)).unwrap();
    let posts: Vec<(String, &str, String)> = (0..6)
        .map(|i| {
            (
                format!("k{i}"),
                ["alice", "bob"][i % 2],
                "big.mp4".to_string(),
            )
        })
        .collect();
    let plan = cfg.path().join("plan.toml");
    std::fs::write(
        &plan,
        plan_text(
            "clock = \"reelbox\"\nspread = false\nchunk_size = 5000000",
            &["alice", "bob"],
            &posts,
        ),
    )
    .unwrap();
    // Kill the running schedule once the platform has seen some of it.
    let mut c = reelbox(cfg.path());
    c.arg("schedule")
        .arg(&plan)
        .env("REELBOX_ADMIN_TOKEN", &s.admin_token)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    for _ in 0..2000 {
        if publishes(s, "").await.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    child.kill().await.unwrap();
    let at_kill = publishes(s, "").await.len();
    assert!(
        (2..6).contains(&at_kill),
        "killed midway ({at_kill} publishes)"
    );
    // Restart until done.
    for pass in 0.. {
        assert!(pass < 20, "the schedule does not finish");
        let mut c = reelbox(cfg.path());
        c.arg("schedule")
            .arg(&plan)
            .arg("--once")
            .env("REELBOX_ADMIN_TOKEN", &s.admin_token);
        let (code, out, err) = run(c).await;
        assert_eq!(code, 0, "{err}");
        let r: Value = serde_json::from_str(&out).unwrap();
        if r["waiting"] == 0 {
            assert_eq!(r["done"], 6, "{r}");
            break;
        }
        s.advance_clock(61).await;
    }
    let done: Vec<String> = publishes(s, "")
        .await
        .iter()
        .filter(|p| p["status"] == "PUBLISH_COMPLETE")
        .map(|p| p["post_info"]["title"].as_str().unwrap_or("").to_string())
        .collect();
    let unique: HashSet<&String> = done.iter().collect();
    assert_eq!(done.len(), 6, "{done:?}");
    assert_eq!(unique.len(), 6, "nothing posted twice: {done:?}");
}

#[tokio::test]
async fn doctor_says_what_is_wrong_and_how_to_fix_it() {
    let w = world().await;
    let s = &w.s;
    let cfg = tempfile::tempdir().unwrap();
    import_login(s, cfg.path(), &w.app, "alice", "alice").await;
    let key = w.app["client_key"].as_str().unwrap();
    let mut c = reelbox(cfg.path());
    c.args([
        "doctor",
        "--client-key",
        key,
        "--base-url",
        &s.base,
        "--json",
    ])
    .env("REELBOX_ADMIN_TOKEN", &s.admin_token);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{out}{err}");
    let checks: Vec<Value> = serde_json::from_str(&out).unwrap();
    let result = |name: &str| -> Vec<String> {
        checks
            .iter()
            .filter(|c| c["check"] == name)
            .map(|c| c["result"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(result("api"), ["ok"]);
    assert_eq!(result("clock"), ["ok"]);
    assert_eq!(result("redirect_uri"), ["ok"]);
    assert_eq!(result("login"), ["ok"]);
    assert_eq!(result("creator_info"), ["ok"]);
    assert_eq!(result("audit"), ["ok"]);
    assert_eq!(result("pull_from_url"), ["warn"], "no verified prefixes");
    // An app without the loopback redirect URI, unaudited: the fix is named.
    let bad = s
        .create_app(json!({"name": "Web only", "scopes": ["video.publish"], "redirect_uris": ["https://app.example.com/cb/"]}))
        .await;
    let mut c = reelbox(cfg.path());
    c.args([
        "doctor",
        "--client-key",
        bad["client_key"].as_str().unwrap(),
        "--base-url",
        &s.base,
    ])
    .env("REELBOX_ADMIN_TOKEN", &s.admin_token);
    let (code, out, _) = run(c).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("[fail] redirect_uri"), "{out}");
    assert!(out.contains("add http://127.0.0.1:*/callback/"), "{out}");
    assert!(out.contains("[warn] audit"), "{out}");
    assert!(out.contains("[skip] login"), "{out}");
}
