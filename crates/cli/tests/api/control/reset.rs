//! `POST /_reelbox/reset`: two test bodies separated by a reset, the second finding nothing of
//! the first (no row in any table, no stored object, no fault, no moved clock, no rate window).
use reqwest::Method;
use serde_json::{Value, json};

use super::{blob_keys, fault, post_small, row_counts, wait_complete};

/// A test body: the posting world, a published video with its cover, a fault, a moved clock,
/// calls in the call log and rate windows.
async fn body(w: &reelbox_testkit::World) {
    let id = post_small(w, "SELF_ONLY").await;
    assert_eq!(
        wait_complete(w, &id).await["data"]["status"],
        "PUBLISH_COMPLETE"
    );
    fault(
        w,
        json!({"endpoint": "creator_info", "error_code": "spam_risk_too_many_posts", "times": 5}),
    )
    .await;
    w.s.advance_clock(3600).await;
}

fn only_the_clock_is_left(counts: &[(String, u64)]) {
    for (table, rows) in counts {
        let expected = if table == "settings" { 1 } else { 0 };
        assert_eq!(*rows, expected, "table {table} after a reset: {counts:?}");
    }
}

#[tokio::test]
async fn a_reset_between_two_test_bodies_leaves_nothing_behind() {
    let w = crate::world().await;
    body(&w).await;
    assert!(
        row_counts(&w.s)
            .await
            .iter()
            .any(|(t, n)| t == "posts" && *n == 1)
    );
    assert!(!blob_keys(&w.s).await.is_empty());

    let answer =
        w.s.admin(Method::POST, "/_reelbox/reset", Value::Null)
            .await;
    assert!(answer["blobs_deleted"].as_u64().unwrap() >= 1, "{answer}");
    assert_eq!(answer["seed_file"], Value::Null);
    only_the_clock_is_left(&row_counts(&w.s).await);
    assert_eq!(blob_keys(&w.s).await, Vec::<String>::new());
    let faults =
        w.s.admin(Method::GET, "/_reelbox/faults", Value::Null)
            .await;
    assert_eq!(faults, json!({"faults": []}), "injected faults are gone");
    let clock = w.s.admin(Method::GET, "/_reelbox/clock", Value::Null).await;
    assert_eq!(clock["offset_ms"], 0, "the clock is back: {clock}");
    let (st, v) = w.s.call(&w.token, super::CI, None).await;
    assert_eq!(st, 401, "the first body's token is gone: {v}");
    insta::assert_json_snapshot!(
        "reset_answer",
        json!({"blobs_deleted": "[n]", "seed_file": answer["seed_file"]})
    );

    // The second body sets up the same world again, with the same names, and finds nothing of
    // the first in its way.
    let w2 = reelbox_testkit::World::posting(w.s).await;
    let (st, v) = w2.s.call(&w2.token, super::CI, None).await;
    assert_eq!(st, 200, "no fault of the first body fires: {v}");
    body(&w2).await;
    w2.s.admin(Method::POST, "/_reelbox/reset", Value::Null)
        .await;
    only_the_clock_is_left(&row_counts(&w2.s).await);
    assert_eq!(blob_keys(&w2.s).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_reset_returns_to_the_seed_file_the_server_started_with() {
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed.toml");
    let s = crate::server_with(|c| c.testing.seed_file = Some(seed.clone())).await;
    let seeded = row_counts(&s).await;
    assert!(
        seeded.iter().any(|(t, n)| t == "posts" && *n == 2),
        "{seeded:?}"
    );
    let (st, v) = s
        .call("act.seed-alice-scheduler-access", super::CI, None)
        .await;
    assert_eq!(st, 200, "{v}");
    s.create_creator(json!({"username": "carol"})).await;
    let answer = s.admin(Method::POST, "/_reelbox/reset", Value::Null).await;
    assert_eq!(answer["seed_file"], seed.display().to_string());
    let after = row_counts(&s).await;
    let creators = after.iter().find(|(t, _)| t == "creators").unwrap().1;
    assert_eq!(creators, 2, "alice and bob again, carol gone");
    let (st, v) = s
        .call("act.seed-alice-scheduler-access", super::CI, None)
        .await;
    assert_eq!(st, 200, "the seed's token works again: {v}");
}

#[tokio::test]
async fn a_reset_is_refused_in_production_mode() {
    let s = crate::server_with(|c| c.mode = reelbox_server::Mode::Production).await;
    let r = s
        .http
        .post(s.url("/_reelbox/reset"))
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_param");
    assert_eq!(
        v["error"]["message"],
        "the platform's state is reset, saved and loaded in sandbox mode only"
    );
}
