//! The control API speaks one "bad request" code, `invalid_param`: a malformed body on every
//! operation that takes one (the list comes from /openapi.json, so a new route is covered), and a
//! value that breaks its rule on the read side's control routes as on the rest.
use reqwest::Method;
use serde_json::{Value, json};

/// `{username}`-style path parameters filled with a name nothing has: the body is read before
/// anything is looked up.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "nobody" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_control_body_refuses_malformed_input_with_invalid_param() {
    let s = crate::server().await;
    let doc = s.openapi().await;
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if !path.starts_with("/_reelbox") {
            continue;
        }
        for (method, op) in item.as_object().expect("item") {
            if op.get("requestBody").is_none() {
                continue;
            }
            seen += 1;
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            for body in [
                "{",
                "\"text\"",
                // Every body has one of these fields; each is of the wrong type.
                r#"{"username": 7, "name": 7, "nickname": 7, "client_key": 7, "endpoint": 7, "post_id": 7, "post_ids": 7, "advance_seconds": "x", "birth_date": 7, "creators": "x", "title": 7}"#,
            ] {
                let r = s
                    .http
                    .request(method.clone(), s.url(&concrete(path)))
                    .bearer_auth(&s.admin_token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("answer");
                let st = r.status().as_u16();
                let v: Value = r.json().await.expect("envelope");
                assert_eq!(
                    (st, v["error"]["code"].as_str()),
                    (400, Some("invalid_param")),
                    "{method} {path} with {body}: {v}"
                );
            }
        }
    }
    assert!(seen >= 16, "only {seen} control operations take a body");
    // The read side's control routes, formerly `invalid_params`.
    let r = s
        .http
        .post(s.url("/_reelbox/likes"))
        .bearer_auth(&s.admin_token)
        .body("{")
        .send()
        .await
        .expect("answer");
    let v: Value = r.json().await.expect("envelope");
    insta::assert_json_snapshot!("control_malformed_body", reelbox_testkit::redact::redact(v));
}

#[tokio::test]
async fn control_rules_answer_invalid_param_on_the_read_side_too() {
    let s = crate::server().await;
    for (method, path, body) in [
        (
            Method::PUT,
            "/_reelbox/pins",
            json!({"username": "nobody", "post_ids": ["1", "2", "3", "4"]}),
        ),
        (Method::POST, "/_reelbox/shops", json!({"name": " "})),
        (
            Method::POST,
            "/_reelbox/playlists",
            json!({"username": "nobody", "name": ""}),
        ),
        (Method::POST, "/_reelbox/seed", json!({"creators": 0})),
    ] {
        let r = s
            .http
            .request(method.clone(), s.url(path))
            .bearer_auth(&s.admin_token)
            .json(&body)
            .send()
            .await
            .expect("answer");
        let st = r.status().as_u16();
        let v: Value = r.json().await.expect("envelope");
        assert_eq!(
            (st, v["error"]["code"].as_str()),
            (400, Some("invalid_param")),
            "{method} {path}: {v}"
        );
    }
}
