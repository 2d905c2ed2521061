//! `reelbox schedule`: caps over virtual days, and a killed schedule resumed without posting twice.
use std::collections::{BTreeMap, HashSet};
use std::process::Stdio;

use reelbox_core::research::DAY_MS;
use reelbox_testkit::media::padded_mp4;
use reelbox_testkit::{TestServer, World, fixture};
use serde_json::{Value, json};

use super::{import_login, publishes, reelbox, run};
use crate::world;

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
async fn three_accounts() -> (World, tempfile::TempDir) {
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
