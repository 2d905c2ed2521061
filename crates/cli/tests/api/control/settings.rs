//! Settings edited on the running platform (`/_reelbox/settings`): a lowered cap refuses the
//! next init with TikTok's answer, a value the configuration's checks refuse is refused with
//! the same message, a key the configuration sets is locked, and every edit is in the audit log.
use reelbox_testkit::redact::redact_keys;
use serde_json::{Value, json};

use super::{INIT, small_file};

async fn put(s: &reelbox_testkit::TestServer, body: Value) -> (u16, Value) {
    let r = s
        .http
        .put(s.url("/_reelbox/settings"))
        .bearer_auth(&s.admin_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn init(w: &reelbox_testkit::World) -> (u16, Value) {
    let (_, src) = small_file();
    w.s.call(
        &w.token,
        INIT,
        Some(
            json!({"post_info": {"title": "hi", "privacy_level": "SELF_ONLY"}, "source_info": src}),
        ),
    )
    .await
}

#[tokio::test]
async fn a_lowered_cap_refuses_the_next_init_and_is_audited() {
    let w = crate::world().await;
    let view =
        w.s.admin(reqwest::Method::GET, "/_reelbox/settings", Value::Null)
            .await;
    insta::assert_json_snapshot!("settings_view", view);
    assert_eq!(init(&w).await.0, 200);
    let (st, v) = put(&w.s, json!({"settings": {"limits.daily_post_cap": 1}})).await;
    assert_eq!(st, 200, "{v}");
    let cap = v["data"]["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "limits.daily_post_cap")
        .unwrap()
        .clone();
    assert_eq!(
        cap,
        json!({"key": "limits.daily_post_cap", "locked": false, "value": 1})
    );
    let (st, v) = init(&w).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (403, "spam_risk_too_many_posts"),
        "{v}"
    );
    // Raised again, the next init goes through: no restart in between.
    let (st, _) = put(&w.s, json!({"settings": {"limits.daily_post_cap": "5"}})).await;
    assert_eq!(st, 200);
    assert_eq!(init(&w).await.0, 200);
    let log =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/moderation/audit",
            Value::Null,
        )
        .await;
    let lines: Vec<_> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "setting")
        .map(|e| e["detail"].clone())
        .collect();
    assert_eq!(
        lines,
        vec![
            json!(r#"{"key":"limits.daily_post_cap","value":"5"}"#),
            json!(r#"{"key":"limits.daily_post_cap","value":"1"}"#),
        ],
        "{log}"
    );
}

#[tokio::test]
async fn refused_values_get_the_configuration_checks_message_and_change_nothing() {
    let w = crate::world().await;
    for (body, message) in [
        (
            json!({"settings": {"limits.daily_post_cap": -1}}),
            "limits.daily_post_cap must be at least 0 (got -1)",
        ),
        (
            json!({"settings": {"limits.rate_init": "many"}}),
            "limits.rate_init must be a whole number (got \"many\")",
        ),
        (
            json!({"settings": {"compat.profile": "tiktok-1999"}}),
            "compat.profile \"tiktok-1999\" is not a profile (known: tiktok-2026-11, tiktok-2024)",
        ),
        (
            json!({"settings": {"listen": "0.0.0.0:1"}}),
            "listen: not an editable setting",
        ),
        // All are checked before any is stored: the good cap is not kept either.
        (
            json!({"settings": {"limits.daily_post_cap": 0, "limits.rate_init": -2}}),
            "limits.rate_init is out of range (got \"-2\")",
        ),
    ] {
        let (st, v) = put(&w.s, body).await;
        assert_eq!(
            (
                st,
                v["error"]["code"].as_str(),
                v["error"]["message"].as_str()
            ),
            (400, Some("invalid_param"), Some(message)),
            "{v}"
        );
    }
    let (_, v) = put(&w.s, json!({"settings": {"limits.daily_post_cap": -1}})).await;
    insta::assert_json_snapshot!("settings_refused", redact_keys(v, &["log_id"], &[]));
    assert_eq!(init(&w).await.0, 200, "the cap was not lowered to 0");
}

#[tokio::test]
async fn a_setting_in_the_configuration_file_is_locked() {
    let s = crate::server_with(|c| {
        c.limits.rate_init = 2;
        c.set_outside.insert("limits.rate_init".into());
    })
    .await;
    let (st, v) = put(&s, json!({"settings": {"limits.rate_init": 50}})).await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (
            400,
            Some(
                "limits.rate_init: set in the configuration file (or the environment), which wins; change it there."
            )
        ),
        "{v}"
    );
    let v = s
        .admin(reqwest::Method::GET, "/_reelbox/settings", Value::Null)
        .await;
    let rate = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "limits.rate_init")
        .unwrap()
        .clone();
    assert_eq!(
        rate,
        json!({"key": "limits.rate_init", "locked": true, "value": 2})
    );
}
