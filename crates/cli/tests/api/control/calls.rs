//! The call log keeps calls for the retention period.
use std::time::Duration;

use serde_json::Value;

use super::CI;

#[tokio::test]
async fn the_call_log_keeps_calls_for_the_retention_period() {
    let w = crate::world().await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    w.s.call(&w.token, CI, None).await;
    let calls = |v: Value| v["calls"].as_array().unwrap().len();
    assert_eq!(
        calls(
            w.s.admin(
                reqwest::Method::GET,
                &format!("/_reelbox/calls?client_key={key}"),
                Value::Null
            )
            .await
        ),
        1
    );
    w.s.advance_clock(31 * 86_400).await;
    let mut gone = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if calls(
            w.s.admin(
                reqwest::Method::GET,
                &format!("/_reelbox/calls?client_key={key}"),
                Value::Null,
            )
            .await,
        ) == 0
        {
            gone = true;
            break;
        }
    }
    assert!(gone, "calls older than 30 days are pruned");
}
