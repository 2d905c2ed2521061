//! Seed files: the documented example with every section applied over HTTP and through the
//! command line, what its fixed values do, and bad files refused with the file, line and field.
use reqwest::Method;
use serde_json::{Value, json};

use super::row_counts;

fn example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed.toml")
}

async fn apply(s: &reelbox_testkit::TestServer, toml: &str) -> (u16, Value) {
    let r = s
        .http
        .post(s.url("/_reelbox/seed/apply"))
        .bearer_auth(&s.admin_token)
        .json(&json!({"toml": toml, "file": "seed.toml", "base_dir": example().parent().unwrap()}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn the_example_seed_file_sets_up_every_section_with_its_fixed_values() {
    let s = crate::server().await;
    let (st, v) = apply(&s, &std::fs::read_to_string(example()).unwrap()).await;
    assert_eq!(st, 200, "{v}");
    insta::assert_json_snapshot!("seed_applied", v["data"]);
    let counts = row_counts(&s).await;
    for (table, n) in [
        ("apps", 2),
        ("creators", 2),
        ("posts", 2),
        ("follows", 1),
        ("likes", 1),
        ("comments", 1),
        ("playlists", 1),
        ("shops", 1),
        ("shop_products", 1),
        ("advertisers", 1),
        ("ads", 1),
    ] {
        let got = counts.iter().find(|(t, _)| t == table).map(|c| c.1);
        assert_eq!(got, Some(n), "{table}: {counts:?}");
    }

    // The fixed secret authenticates the app and signs its webhooks.
    let r = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .form(&[
            ("client_key", "awseedscheduler"),
            ("client_secret", "seed-secret-scheduler-0123456789"),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .form(&[
            ("client_key", "awseedscheduler"),
            ("client_secret", "seed-secret-scheduler-0123456788"),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 200, "another secret is refused");
    let state = &s.handle.as_ref().unwrap().state;
    let app = state.store.app("awseedscheduler").await.unwrap().unwrap();
    assert_eq!(
        state.app_secret(&app).await.unwrap(),
        "seed-secret-scheduler-0123456789"
    );
    let app_view = s
        .admin(Method::GET, "/_reelbox/apps/awseedscheduler", Value::Null)
        .await;
    assert_eq!(app_view["audited"], true);
    assert_eq!(
        app_view["webhook_url"],
        "https://app.example.com/webhooks/tiktok/"
    );
    let proto = s
        .admin(Method::GET, "/_reelbox/apps/awseedprototype", Value::Null)
        .await;
    assert_eq!(proto["test_users"], json!(["alice"]));

    // The fixed access token works for the 600 seconds it was given, and not after.
    let (st, v) = s
        .call("act.seed-alice-scheduler-access", super::CI, None)
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["data"]["max_video_post_duration_sec"], 300,
        "alice's settings"
    );
    s.advance_clock(601).await;
    let (st, _) = s
        .call("act.seed-alice-scheduler-access", super::CI, None)
        .await;
    assert_eq!(st, 401, "expired after its remaining lifetime");
    let bob = s
        .admin(Method::GET, "/_reelbox/creators/bob", Value::Null)
        .await;
    assert_eq!(bob["private_account"], true);
    let alice = state
        .store
        .creator_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    let phc = alice
        .password_hash
        .as_deref()
        .expect("alice has a password");
    assert!(reelbox_core::secrets::verify_password(
        "correct horse battery",
        phc
    ));
    assert!(!reelbox_core::secrets::verify_password(
        "correct horse",
        phc
    ));
}

#[test]
fn seed_apply_and_reset_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let example = example();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(crate::probe_exe())
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {err}");
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let applied = run(&["seed", "apply", example.to_str().unwrap(), "--data-dir", d]);
    assert_eq!(applied["posts"], 2, "{applied}");
    let file = dir.path().join("state.snapshot");
    let saved = run(&["snapshot", "save", file.to_str().unwrap(), "--data-dir", d]);
    assert!(saved["bytes"].as_u64().unwrap() > 100_000, "{saved}");
    let reset = run(&["reset", "--data-dir", d]);
    assert!(reset["blobs_deleted"].as_u64().unwrap() >= 2, "{reset}");
    let loaded = run(&["snapshot", "load", file.to_str().unwrap(), "--data-dir", d]);
    assert_eq!(loaded["objects"], saved_objects(&loaded));
    let shown = run(&["app", "show", "awseedscheduler", "--data-dir", d]);
    assert_eq!(shown["name"], "Scheduler");
    // The corpus generator keeps its own flags.
    let out = std::process::Command::new(crate::probe_exe())
        .args([
            "seed",
            "--creators",
            "3",
            "--videos",
            "5",
            "--days",
            "2",
            "--data-dir",
            dir.path().join("corpus").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn saved_objects(loaded: &Value) -> Value {
    assert!(loaded["objects"].as_u64().unwrap() >= 2, "{loaded}");
    loaded["objects"].clone()
}

#[tokio::test]
async fn a_bad_seed_file_is_refused_with_its_file_line_and_field() {
    let s = crate::server().await;
    let missing = example().parent().unwrap().join("missing.mp4");
    let missing = format!(
        "seed.toml:7: posts[0].file: {}: No such file or directory (os error 2)",
        missing.display()
    );
    let cases: &[(&str, &str)] = &[
        (
            "[[adverts]]\nname = \"spring\"\n",
            "seed.toml:1: adverts: unknown field `adverts`, expected one of `apps`, `creators`, `tokens`, `posts`, `follows`, `likes`, `comments`, `playlists`, `shops`, `ads`",
        ),
        (
            "[[ads]]\nfirst_shown_date = \"20251301\"\n\n[ads.advertiser]\nbusiness_name = \"A\"\n",
            "seed.toml:1: ads[0]: first_shown_date must be a date as YYYYMMDD.",
        ),
        (
            "[[creators]]\nusername = \"alice\"\npasword = \"x\"\n",
            "seed.toml:3: creators[0].pasword: unknown field `pasword`, expected one of `username`, `password`, ",
        ),
        (
            "[[apps]]\nname = \"a\"\nclient_key = \"awk1\"\n\n[[tokens]]\napp = \"awk1\"\ncreator = \"alice\"\naccess_expires_in = \"soon\"\n",
            "seed.toml:8: tokens[0].access_expires_in: invalid type: string \"soon\", expected i64",
        ),
        (
            "[[apps]]\nname = \"a\"\nclient_key = \"awk2\"\nclient_secret = \"short\"\n",
            "seed.toml:4: apps[0].client_secret: must be 16 to 128 printable characters without spaces",
        ),
        (
            "[[apps]]\nname = \"a\"\nclient_key = \"awk3\"\n\n[[tokens]]\napp = \"awk3\"\ncreator = \"carol\"\n",
            "seed.toml:7: tokens[0].creator: no creator \"carol\" (declare it under [[creators]])",
        ),
        (
            "[[creators]]\nusername = \"x\"\n",
            "seed.toml:1: creators[0]: username must be 2 to 24 letters, digits, '_' or '.'",
        ),
        (
            "[[creators]]\nusername = \"dora\"\n\n[[posts]]\nname = \"p\"\ncreator = \"dora\"\nfile = \"missing.mp4\"\n",
            &missing,
        ),
        (
            "apps = [\n",
            "seed.toml:1: apps: unclosed array, expected `]`",
        ),
        (
            "[[creators]]\nusername = \"erin\"\n\n[[likes]]\ncreator = \"erin\"\npost = \"nowhere\"\n",
            "seed.toml:6: likes[0].post: no post named \"nowhere\" (declare it under [[posts]] before)",
        ),
    ];
    for (toml, expected) in cases {
        let (st, v) = apply(&s, toml).await;
        assert_eq!(st, 400, "{toml}: {v}");
        assert_eq!(v["error"]["code"], "invalid_param");
        let m = v["error"]["message"].as_str().unwrap();
        if expected.ends_with(", ") {
            assert!(
                m.starts_with(expected),
                "{toml}\n got: {m}\nwant: {expected}…"
            );
        } else {
            assert_eq!(m, *expected, "{toml}");
        }
    }
}
