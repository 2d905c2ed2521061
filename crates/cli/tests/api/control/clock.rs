//! The sandbox clock: moving it moves every expiry and quota, and it can be frozen.
use std::time::Duration;

use serde_json::{Value, json};

use super::CI;

#[tokio::test]
async fn the_clock_moves_everything_and_freezes() {
    let w = crate::world().await;
    let before =
        w.s.admin(reqwest::Method::GET, "/_reelbox/clock", Value::Null)
            .await;
    let frozen =
        w.s.admin(
            reqwest::Method::POST,
            "/_reelbox/clock",
            json!({"freeze": true}),
        )
        .await;
    assert_eq!(frozen["frozen"], true);
    tokio::time::sleep(Duration::from_millis(30)).await;
    let again =
        w.s.admin(reqwest::Method::GET, "/_reelbox/clock", Value::Null)
            .await;
    assert_eq!(again["now"], frozen["now"], "a frozen clock stands still");
    let moved = w.s.advance_clock(25 * 3600).await;
    assert_eq!(
        moved["now"].as_i64().unwrap() - frozen["now"].as_i64().unwrap(),
        25 * 3600 * 1000
    );
    assert!(moved["now"].as_i64().unwrap() > before["now"].as_i64().unwrap());
    let (st, _) = w.s.call(&w.token, CI, None).await;
    assert_eq!(st, 401, "25 h later the access token has expired");
    let r =
        w.s.http
            .post(w.s.url("/_reelbox/clock"))
            .bearer_auth(&w.s.admin_token)
            .json(&json!({"advance_seconds": -5}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400, "time never moves backwards");
}
