//! The webhook workbench: `reelbox listen` forwards an app's deliveries to a local receiver that
//! verifies TikTok's signature, `reelbox trigger` fires documented events for a real publish and
//! grant, `reelbox resend` repeats a delivery, and every attempt is listed.
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reelbox_testkit::local::local;
use reelbox_testkit::posting::settle;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::post_small;
use crate::world_local;

fn reelbox(s: &reelbox_testkit::TestServer) -> Command {
    let mut c = Command::new(crate::probe_exe());
    c.env("REELBOX_ADMIN_TOKEN", &s.admin_token)
        .env("REELBOX_SERVER", &s.base)
        .env("REELBOX_LOG", "warn")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

async fn run(mut c: Command) -> Value {
    let out = c.output().await.expect("reelbox runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[tokio::test]
async fn listen_forwards_signed_deliveries_and_trigger_and_resend_feed_it() {
    let (w, l) = world_local(true, false).await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    let secret = w.app["client_secret"].as_str().unwrap().to_string();
    let id = post_small(&w, "SELF_ONLY").await;
    assert_eq!(settle(&w, &id).await["data"]["status"], "PUBLISH_COMPLETE");

    // The developer's own receiver, which checks TikTok's signature with the app's secret.
    let mine = local(Arc::new(Mutex::new(secret))).await;
    let mut listen = reelbox(&w.s);
    listen
        .args(["listen", "--app", &key, "--max", "3", "--forward-to"])
        .arg(format!("{}/hook", mine.base))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = listen.spawn().expect("listen starts");
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), err.next_line())
        .await
        .expect("listen says it listens")
        .unwrap()
        .unwrap_or_default();
    assert!(first.starts_with("listening for"), "{first}");

    // A documented event for the real publish.
    let mut c = reelbox(&w.s);
    c.args([
        "trigger",
        "post.publish.complete",
        "--app",
        &key,
        "--publish",
        &id,
    ]);
    let fired = run(c).await;
    let delivery = fired["deliveries"][0].clone();
    assert_eq!(delivery["event"], "post.publish.complete");
    let body: Value = serde_json::from_str(delivery["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(body["content"].as_str().unwrap()).unwrap(),
        json!({"publish_id": id, "publish_type": "DIRECT_PUBLISH"})
    );
    // The same delivery again, then an event about bob's grant.
    let delivery_id = delivery["id"].as_str().unwrap().to_string();
    let mut c = reelbox(&w.s);
    c.args(["resend", &delivery_id]);
    let again = run(c).await;
    assert_eq!(again["body"], delivery["body"]);
    assert_ne!(again["id"], delivery["id"]);
    let mut c = reelbox(&w.s);
    c.args([
        "trigger",
        "authorization.removed",
        "--app",
        &key,
        "--username",
        "bob",
    ]);
    run(c).await;

    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("listen stops after three deliveries")
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON line per delivery"))
        .collect();
    let printed: Vec<(&str, &Value)> = lines
        .iter()
        .map(|v| (v["event"].as_str().unwrap(), &v["status"]))
        .collect();
    assert_eq!(
        printed,
        vec![
            ("post.publish.complete", &json!(200)),
            ("post.publish.complete", &json!(200)),
            ("authorization.removed", &json!(200)),
        ]
    );
    let got = mine.hooks.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|(_, _, ok)| *ok), "every signature verifies");
    assert_eq!(got[0].1, body, "TikTok's exact body");
    assert_eq!(
        serde_json::from_str::<Value>(got[2].1["content"].as_str().unwrap()).unwrap(),
        json!({"reason": 1})
    );

    // Every attempt at the first delivery: the server's own (to the app's webhook URL) and the
    // forwarded one.
    let mut attempts = Value::Null;
    for _ in 0..200 {
        attempts =
            w.s.admin(
                reqwest::Method::GET,
                &format!("/_reelbox/webhooks/{delivery_id}/attempts"),
                Value::Null,
            )
            .await;
        if attempts["attempts"].as_array().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut vias: Vec<(String, Value)> = attempts["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["via"].as_str().unwrap().to_string(),
                a["status_code"].clone(),
            )
        })
        .collect();
    vias.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        vias,
        vec![
            ("listen".to_string(), json!(200)),
            ("server".to_string(), json!(200))
        ],
        "{attempts}"
    );
    assert!(l.hooks.lock().unwrap().iter().all(|(_, _, ok)| *ok));

    // Mistakes answer 400 in the control envelope.
    for body in [
        json!({"client_key": key, "event": "post.publish.complete"}),
        json!({"client_key": key, "event": "post.publish.nothing", "publish_id": id}),
        json!({"client_key": key, "event": "authorization.removed", "username": "nobody"}),
        json!({"client_key": "no_such_app", "event": "authorization.removed"}),
    ] {
        let r =
            w.s.http
                .post(w.s.url("/_reelbox/webhooks/trigger"))
                .bearer_auth(&w.s.admin_token)
                .json(&body)
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "invalid_param", "{v}");
    }
    let r =
        w.s.http
            .post(w.s.url("/_reelbox/webhooks/nothing/resend"))
            .bearer_auth(&w.s.admin_token)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 404);
}
