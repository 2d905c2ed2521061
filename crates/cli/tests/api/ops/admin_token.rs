//! The admin token: long enough not to be guessed, and guesses are throttled per client address.
use std::net::IpAddr;

use reelbox_testkit::TestServer;
use serde_json::Value;

use crate::{probe_exe, server};

#[tokio::test]
async fn a_short_admin_token_stops_the_server_from_starting() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = TestServer::config(tmp.path(), probe_exe());
    cfg.admin_token = Some("abc".into());
    let err = match reelbox_server::start(cfg).await {
        Ok(_) => panic!("a 3-character admin token was accepted"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("admin_token") && err.contains("32"), "{err}");
}

async fn control_call(from: IpAddr, s: &TestServer, token: &str) -> (u16, Value) {
    let http = reqwest::Client::builder()
        .local_address(from)
        .build()
        .unwrap();
    let r = http
        .get(s.url("/_reelbox/clock"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn admin_token_guesses_are_throttled_per_client_address() {
    let s = server().await;
    let guesser: IpAddr = "127.0.0.4".parse().unwrap();
    let mut throttled = None;
    for i in 0..100 {
        let (st, v) = control_call(guesser, &s, &format!("guess-{i:040}")).await;
        if st == 429 {
            assert_eq!(v["error"]["code"], "rate_limit_exceeded", "{v}");
            throttled = Some(i);
            break;
        }
        assert_eq!(st, 401, "{v}");
    }
    let n = throttled.expect("guesses are throttled");
    assert!(n <= 20, "throttled after {n} guesses");
    // Even the right token waits at that address; the operator elsewhere is not locked out.
    assert_eq!(control_call(guesser, &s, &s.admin_token).await.0, 429);
    let operator: IpAddr = "127.0.0.5".parse().unwrap();
    assert_eq!(control_call(operator, &s, &s.admin_token).await.0, 200);
}
