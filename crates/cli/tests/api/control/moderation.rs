//! Moderation through the control API: blocked terms refuse a Direct Post with `spam_risk_text`,
//! each review policy holds what it says (held posts stay in processing until a moderator
//! decides, then complete or fail with the `spam_risk*` reason given), a configured policy is
//! locked, and every decision lands in the audit log.
use std::time::Duration;

use reelbox_testkit::World;
use reelbox_testkit::local::Local;
use reelbox_testkit::posting::{put, settle, status};
use reelbox_testkit::redact::redact_keys;
use serde_json::{Value, json};

use super::{INIT, small_file};

/// A Direct Post of the small fixture titled `title`, uploaded; its publish id.
async fn direct_post(w: &World, title: &str) -> String {
    let (bytes, src) = small_file();
    let (st, v) = w
        .s
        .call(
            &w.token,
            INIT,
            Some(json!({"post_info": {"title": title, "privacy_level": "PUBLIC_TO_EVERYONE"}, "source_info": src})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let n = bytes.len();
    let url = v["data"]["upload_url"].as_str().unwrap();
    assert_eq!(put(&w.s, url, &bytes, 0, n - 1, n).await.0, 201);
    v["data"]["publish_id"].as_str().unwrap().to_string()
}

async fn set_policy(w: &World, policy: &str) -> Value {
    w.s.admin(
        reqwest::Method::PUT,
        "/_reelbox/moderation/policy",
        json!({"policy": policy}),
    )
    .await
}

/// Waits (bounded) until the publish is held in the queue, and answers its case.
async fn held_case(w: &World, publish_id: &str) -> Value {
    for _ in 0..600 {
        let q =
            w.s.admin(
                reqwest::Method::GET,
                "/_reelbox/moderation/queue",
                Value::Null,
            )
            .await;
        if let Some(c) = q["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["publish_id"] == publish_id)
        {
            return c.clone();
        }
        let s = status(w, publish_id).await;
        assert!(
            s["data"]["status"]
                .as_str()
                .unwrap()
                .starts_with("PROCESSING"),
            "publish {publish_id} was not held: {s}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("publish {publish_id} was never held");
}

async fn decide(w: &World, case: &Value, body: Value) -> Value {
    let id = case["id"].as_str().unwrap();
    w.s.admin(
        reqwest::Method::POST,
        &format!("/_reelbox/moderation/cases/{id}"),
        body,
    )
    .await
}

async fn raw(w: &World, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let r =
        w.s.http
            .request(method, w.s.url(path))
            .bearer_auth(&w.s.admin_token)
            .json(&body)
            .send()
            .await
            .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn shape(v: Value) -> Value {
    redact_keys(
        v,
        &["id", "opened_at", "closed_at", "post_id", "at", "detail"],
        &[],
    )
}

/// Every event named `event` the receiver got for `publish_id` (its content), each signature
/// verified.
fn hooks_for(l: &Local, event: &str, publish_id: &str) -> Vec<Value> {
    l.hooks
        .lock()
        .unwrap()
        .iter()
        .filter(|(e, _, _)| e == event)
        .filter_map(|(_, body, ok)| {
            assert!(ok, "signature of {event} verifies");
            let content: Value = serde_json::from_str(body["content"].as_str()?).ok()?;
            (content["publish_id"] == publish_id).then_some(content)
        })
        .collect()
}

/// Waits (bounded) for `event` about `publish_id`; its content.
async fn hook_for(l: &Local, event: &str, publish_id: &str) -> Value {
    for _ in 0..400 {
        if let Some(c) = hooks_for(l, event, publish_id).into_iter().next() {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {event} webhook for {publish_id}");
}

#[tokio::test]
async fn blocked_terms_and_links_fail_a_direct_post_with_spam_risk_text_at_init() {
    let (w, l) = crate::world_local(true, false).await;
    let terms =
        w.s.admin(
            reqwest::Method::PUT,
            "/_reelbox/moderation/terms",
            json!({"terms": [
                {"term": "  Free   MONEY ", "action": "block"},
                {"term": "https://Spam.Example/", "action": "block"},
                {"term": "crypto", "action": "flag"}
            ]}),
        )
        .await;
    insta::assert_json_snapshot!("moderation_terms", terms);
    for title in ["get free money now", "see www.spam.example/deal #wow"] {
        let (bytes, src) = small_file();
        let (st, v) = w
            .s
            .call(
                &w.token,
                INIT,
                Some(json!({"post_info": {"title": title, "privacy_level": "PUBLIC_TO_EVERYONE"}, "source_info": src})),
            )
            .await;
        // TikTok documents spam_risk_text as a fail reason, not an init error: the init is
        // answered, and the publish has already failed.
        assert_eq!(st, 200, "{v}");
        let id = v["data"]["publish_id"].as_str().unwrap().to_string();
        let s = status(&w, &id).await;
        assert_eq!(s["data"]["status"], "FAILED", "{s}");
        assert_eq!(s["data"]["fail_reason"], "spam_risk_text");
        let hook = hook_for(&l, "post.publish.failed", &id).await;
        assert_eq!(
            hook,
            json!({"publish_id": id, "reason": "spam_risk_text", "publish_type": "DIRECT_PUBLISH"})
        );
        // Nothing is stored for it: its upload URL answers that it failed.
        let n = bytes.len();
        let url = v["data"]["upload_url"].as_str().unwrap();
        assert_eq!(put(&w.s, url, &bytes, 0, n - 1, n).await.0, 404);
    }
    // A word inside another word and a look-alike host are not matches.
    let id = direct_post(&w, "moneyfree at notspam.example, crypto").await;
    assert_eq!(settle(&w, &id).await["data"]["status"], "PUBLISH_COMPLETE");
    // Terms that match nothing are refused with the field named.
    let (st, v) = raw(
        &w,
        reqwest::Method::PUT,
        "/_reelbox/moderation/terms",
        json!({"terms": [{"term": "!!!", "action": "block"}]}),
    )
    .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_param"))
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("terms:"),
        "{v}"
    );
    let log =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/moderation/audit",
            Value::Null,
        )
        .await;
    assert_eq!(log["entries"][0]["action"], "terms");
    assert_eq!(log["entries"].as_array().unwrap().len(), 1, "{log}");
}

#[tokio::test]
async fn each_policy_holds_what_it_says_and_a_moderator_decides() {
    let (w, l) = crate::world_local(true, false).await;
    let none = set_policy(&w, "none").await;
    insta::assert_json_snapshot!("moderation_policy", none);

    // new_creators: bob has no post yet, so his first waits, in processing as TikTok shows it.
    set_policy(&w, "new_creators").await;
    let first = direct_post(&w, "hello everyone").await;
    let case = held_case(&w, &first).await;
    insta::assert_json_snapshot!("moderation_held_case", shape(case.clone()));
    assert_eq!(
        status(&w, &first).await["data"]["status"],
        "PROCESSING_UPLOAD"
    );
    assert!(hooks_for(&l, "post.publish.complete", &first).is_empty());
    // A held post is not a reported one: take_down does not fit it.
    let (st, v) = raw(
        &w,
        reqwest::Method::POST,
        &format!(
            "/_reelbox/moderation/cases/{}",
            case["id"].as_str().unwrap()
        ),
        json!({"action": "take_down"}),
    )
    .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_param"))
    );
    let approved = decide(&w, &case, json!({"action": "approve"})).await;
    insta::assert_json_snapshot!("moderation_approved", shape(approved));
    assert_eq!(
        settle(&w, &first).await["data"]["status"],
        "PUBLISH_COMPLETE"
    );
    hook_for(&l, "post.publish.complete", &first).await;
    // The case is closed: deciding again is refused.
    let (st, _) = raw(
        &w,
        reqwest::Method::POST,
        &format!(
            "/_reelbox/moderation/cases/{}",
            case["id"].as_str().unwrap()
        ),
        json!({"action": "approve"}),
    )
    .await;
    assert_eq!(st, 400);
    // bob is no longer new.
    let second = direct_post(&w, "second").await;
    assert_eq!(
        settle(&w, &second).await["data"]["status"],
        "PUBLISH_COMPLETE"
    );

    // flagged: a flag term holds the post; a clean one goes live.
    w.s.admin(
        reqwest::Method::PUT,
        "/_reelbox/moderation/terms",
        json!({"terms": [{"term": "crypto", "action": "flag"}]}),
    )
    .await;
    set_policy(&w, "flagged").await;
    let clean = direct_post(&w, "a walk in the park").await;
    assert_eq!(
        settle(&w, &clean).await["data"]["status"],
        "PUBLISH_COMPLETE"
    );
    let flagged = direct_post(&w, "my #crypto tips").await;
    let case = held_case(&w, &flagged).await;
    assert_eq!(case["cause"], "policy: the text matches a flag term");

    // all: every post waits; a rejection fails it with the reason given.
    set_policy(&w, "all").await;
    let any = direct_post(&w, "anything").await;
    let any_case = held_case(&w, &any).await;
    let (st, v) = raw(
        &w,
        reqwest::Method::POST,
        &format!(
            "/_reelbox/moderation/cases/{}",
            any_case["id"].as_str().unwrap()
        ),
        json!({"action": "reject", "reason": "spam_risk_too_many_posts"}),
    )
    .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (400, Some("invalid_param"))
    );
    let rejected = decide(&w, &any_case, json!({"action": "reject"})).await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["reject_reason"], "spam_risk");
    let s = settle(&w, &any).await;
    assert_eq!(
        (
            s["data"]["status"].as_str(),
            s["data"]["fail_reason"].as_str()
        ),
        (Some("FAILED"), Some("spam_risk"))
    );
    assert_eq!(
        hook_for(&l, "post.publish.failed", &any).await["reason"],
        "spam_risk"
    );
    // A rejected post's media is deleted at once, on whichever blob store the suite runs.
    let blobs = &w.s.handle.as_ref().expect("running").state.blobs;
    let key = reelbox_core::ids::publish_media_key(&any);
    assert!(blobs.size(&key).await.is_err(), "{key} is gone");
    let held_key = reelbox_core::ids::publish_media_key(&flagged);
    assert!(
        blobs.size(&held_key).await.is_ok(),
        "a held post keeps its media"
    );
    let text = decide(
        &w,
        &case,
        json!({"action": "reject", "reason": "spam_risk_text"}),
    )
    .await;
    assert_eq!(text["reject_reason"], "spam_risk_text");
    assert_eq!(
        settle(&w, &flagged).await["data"]["fail_reason"],
        "spam_risk_text"
    );

    // flagged again: bob had posts rejected, so even a clean post waits now.
    set_policy(&w, "flagged").await;
    let after = direct_post(&w, "nothing to see").await;
    let c = held_case(&w, &after).await;
    assert_eq!(c["cause"], "policy: the creator had a post removed");

    let log =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/moderation/audit?limit=100",
            Value::Null,
        )
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "policy", "reject", "reject", "policy", "policy", "terms", "approve", "policy",
            "policy"
        ]
    );
    // The detail is JSON text: its ids are redacted as the rest.
    let mut line = log["entries"][1].clone();
    let mut detail: Value = serde_json::from_str(line["detail"].as_str().unwrap()).unwrap();
    detail["subject_id"] = json!("[publish_id]");
    line["detail"] = detail;
    insta::assert_json_snapshot!(
        "moderation_audit_line",
        redact_keys(line, &["id", "at", "subject"], &[])
    );
}

#[tokio::test]
async fn a_policy_in_the_configuration_file_is_locked() {
    let s = crate::server_with(|c| {
        c.moderation.policy = Some(reelbox_wire::control::ModerationPolicy::All);
    })
    .await;
    let v = s
        .admin(
            reqwest::Method::GET,
            "/_reelbox/moderation/policy",
            Value::Null,
        )
        .await;
    assert_eq!(
        v,
        json!({"locked": true, "new_creator_posts": 1, "policy": "all"})
    );
    let r = s
        .http
        .put(s.url("/_reelbox/moderation/policy"))
        .bearer_auth(&s.admin_token)
        .json(&json!({"policy": "none"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("moderation.policy"),
        "{v}"
    );
}

#[tokio::test]
async fn banning_a_creator_is_audited_and_refuses_the_next_init() {
    let w = crate::world().await;
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"banned_from_posting": true}),
    )
    .await;
    // Saving the same value again changes nothing and records nothing.
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"banned_from_posting": true, "nickname": "Al"}),
    )
    .await;
    let (_, src) = small_file();
    let (st, v) =
        w.s.call(
            &w.token,
            INIT,
            Some(json!({"post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"}, "source_info": src})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (403, Some("spam_risk_user_banned_from_posting"))
    );
    let log =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/moderation/audit",
            Value::Null,
        )
        .await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(
        (
            entries[0]["action"].as_str(),
            entries[0]["subject"].as_str()
        ),
        (Some("ban"), Some("@alice"))
    );
}
