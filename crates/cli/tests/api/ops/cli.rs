//! The `reelbox` command line, run as a process: control commands on the database directly print
//! JSON on stdout; the environment layer of the configuration applies.
use std::process::Command;

use serde_json::Value;

fn reelbox(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(crate::probe_exe());
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("reelbox runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn control_commands_print_json_and_env_configures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = reelbox(
        &[
            "app",
            "create",
            "--name",
            "CLI app",
            "--scopes",
            "video.publish,video.upload",
            "--redirect-uri",
            "https://a.example/cb/",
            "--audited",
            "--data-dir",
            d,
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let app: Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert_eq!(app["name"], "CLI app");
    assert!(app["client_secret"].as_str().unwrap().len() == 32);
    let key = app["client_key"].as_str().unwrap();
    let (code, out, err) = reelbox(
        &[
            "creator",
            "create",
            "--username",
            "dana",
            "--password",
            "long enough",
            "--private",
            "--data-dir",
            d,
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let c: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["privacy_level_options"][0], "FOLLOWER_OF_CREATOR");
    let (code, out, err) = reelbox(
        &[
            "token",
            "mint",
            "--client-key",
            key,
            "--username",
            "dana",
            "--scopes",
            "video.publish",
            "--data-dir",
            d,
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let t: Value = serde_json::from_str(&out).unwrap();
    assert!(t["access_token"].as_str().unwrap().starts_with("act."));
    assert_eq!(t["scope"], "video.publish");
    // A bad request is a clear error on stderr and a non-zero exit, no JSON on stdout.
    let (code, out, err) = reelbox(
        &[
            "token",
            "mint",
            "--client-key",
            key,
            "--username",
            "dana",
            "--scopes",
            "research.data.basic",
            "--data-dir",
            d,
        ],
        &[],
    );
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("invalid_param"), "{err}");
    // The environment layer: production mode refuses to move the clock.
    let (code, _, err) = reelbox(
        &["clock", "advance", "25h", "--data-dir", d],
        &[("REELBOX_MODE", "production")],
    );
    assert_eq!(code, 1);
    assert!(err.contains("production mode"), "{err}");
    let (code, out, err) = reelbox(&["clock", "advance", "25h", "--data-dir", d], &[]);
    assert_eq!(code, 0, "{err}");
    let clock: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(clock["offset_ms"], 25 * 3600 * 1000);
    let (code, out, _) = reelbox(&["config", "example"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("daily_post_cap = 15"));
    let (code, out, _) = reelbox(&["completions", "bash"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("reelbox"));
}

/// A control command is the same request whichever way it goes: `--data-dir` sends it through
/// the server's router in process, `--server` over the network to a running server, and both
/// print the same JSON (and the same error).
#[tokio::test]
async fn direct_and_over_http_print_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = reelbox(
        &[
            "app",
            "create",
            "--name",
            "Both ways",
            "--scopes",
            "video.publish",
            "--redirect-uri",
            "https://a.example/cb/",
            "--data-dir",
            d,
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let app: Value = serde_json::from_str(&out).unwrap();
    let key = app["client_key"].as_str().unwrap();
    let direct = reelbox(&["app", "show", key, "--data-dir", d], &[]);
    let missing_direct = reelbox(&["app", "show", "no-such-app", "--data-dir", d], &[]);
    assert_eq!(direct.0, 0, "{}", direct.2);
    assert_eq!(direct.2, "", "nothing on stderr in direct mode");
    let node = reelbox_testkit::process::Node::start(
        crate::probe_exe(),
        reelbox_testkit::process::NodeOptions::new(dir.path()),
    )
    .await;
    let server = [
        "--server",
        node.base.as_str(),
        "--admin-token",
        node.opts.admin_token.as_str(),
    ];
    let over_http = reelbox(&[&["app", "show", key][..], &server].concat(), &[]);
    let missing_http = reelbox(
        &[&["app", "show", "no-such-app"][..], &server].concat(),
        &[],
    );
    assert_eq!(over_http.0, 0, "{}", over_http.2);
    let shown: Value = serde_json::from_str(&direct.1).unwrap();
    assert_eq!(shown["name"], "Both ways");
    assert_eq!(shown, serde_json::from_str::<Value>(&over_http.1).unwrap());
    assert_eq!(direct.1, over_http.1, "byte for byte");
    assert_eq!((missing_direct.0, missing_direct.1.as_str()), (1, ""));
    assert_eq!(missing_direct, missing_http);
    assert!(
        missing_direct.2.contains("not_found"),
        "{}",
        missing_direct.2
    );
}

#[test]
fn an_apps_compat_is_chosen_and_shown_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = reelbox(
        &[
            "app",
            "create",
            "--name",
            "Old client",
            "--scopes",
            "video.publish",
            "--data-dir",
            d,
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let app: Value = serde_json::from_str(&out).unwrap();
    let key = app["client_key"].as_str().unwrap();
    assert_eq!(app["compat"]["profile"], "tiktok-2026-11");
    let compat = |args: &[&str]| {
        let (code, out, err) = reelbox(
            &[&["app", "compat", key][..], args, &["--data-dir", d]].concat(),
            &[],
        );
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()["compat"].clone()
    };
    let c = compat(&["--profile", "tiktok-2024", "--strict", "true"]);
    assert_eq!(
        c,
        serde_json::json!({"profile": "tiktok-2024", "docs_as_of": "2024", "strict": true,
                           "chosen": {"profile": "tiktok-2024", "strict": true}})
    );
    // Only what is given changes; `platform` follows the platform again.
    let c = compat(&["--profile", "platform"]);
    assert_eq!(
        (c["profile"].as_str(), c["strict"].as_bool()),
        (Some("tiktok-2026-11"), Some(true))
    );
    let shown = reelbox(&["app", "show", key, "--data-dir", d], &[]);
    assert_eq!(
        serde_json::from_str::<Value>(&shown.1).unwrap()["compat"],
        c
    );
    let (code, _, err) = reelbox(
        &[
            "app",
            "compat",
            key,
            "--profile",
            "tiktok-1999",
            "--data-dir",
            d,
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("tiktok-2026-11, tiktok-2024"), "{err}");
}
