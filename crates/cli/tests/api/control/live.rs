//! The live inspector over HTTP: `GET /_reelbox/calls/live` streams each answered call with the
//! rule that decided it in plain words, and near misses (an unknown route, an unknown field) are
//! named there and in the `X-Reelbox-Hint` header while TikTok's body stays as it was.
use std::time::Duration;

use futures::StreamExt;
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use super::INIT;

/// Reads server-sent events from `resp` until `want` many `call` events arrived (other events
/// are kept too); gives up after 30 s.
async fn events(resp: reqwest::Response, want: usize) -> Vec<(String, Value)> {
    let mut body = resp.bytes_stream();
    let (mut buf, mut out) = (String::new(), Vec::new());
    let read = async {
        while let Some(chunk) = body.next().await {
            buf.push_str(&String::from_utf8_lossy(&chunk.expect("stream")));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                let (mut event, mut data) = (String::from("message"), String::new());
                for line in block.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                if !data.is_empty() {
                    out.push((event, serde_json::from_str(&data).expect("JSON data")));
                }
                if out.iter().filter(|(e, _)| e == "call").count() >= want {
                    return;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("the calls arrive on the stream");
    out
}

#[tokio::test]
async fn live_calls_show_the_deciding_rule_and_near_misses() {
    let w = crate::world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let stream =
        w.s.http
            .get(w.s.url(&format!(
                "/_reelbox/calls/live?client_key={key}&endpoint=/v2/post/"
            )))
            .bearer_auth(&w.s.admin_token)
            .send()
            .await
            .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(
        stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    // The stream answers once subscribed, so the calls below cannot be missed.

    // A post the creator's options do not allow.
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"privacy_level_options": ["SELF_ONLY", "MUTUAL_FOLLOW_FRIENDS"]}),
    )
    .await;
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let refused = w
        .s
        .http
        .post(w.s.url(INIT))
        .bearer_auth(&w.token)
        .json(&json!({"post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"}, "source_info": file}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.headers().get("x-reelbox-hint").is_none());
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"]["code"], "privacy_level_option_mismatch");

    // An unknown field: the hint names the field meant; the answer is what TikTok gives.
    let field =
        w.s.http
            .post(w.s.url(INIT))
            .bearer_auth(&w.token)
            .json(&json!({"post_info": {"privacy": "SELF_ONLY"}, "source_info": file}))
            .send()
            .await
            .unwrap();
    assert_eq!(
        field.headers()["x-reelbox-hint"].to_str().unwrap(),
        "unknown field `post_info.privacy`: did you mean `privacy_level`?"
    );
    let field_body: Value = field.json().await.unwrap();
    insta::assert_json_snapshot!("live_unknown_field_answer", redact(field_body));

    // An unknown route: the same 404 envelope as before, with the route meant in the header.
    let route =
        w.s.http
            .post(w.s.url("/v2/post/publish/video/int/"))
            .bearer_auth(&w.token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
    assert_eq!(route.status(), 404);
    assert_eq!(
        route.headers()["x-reelbox-hint"].to_str().unwrap(),
        "did you mean `/v2/post/publish/video/init/`?"
    );
    insta::assert_json_snapshot!(
        "live_unknown_route_answer",
        redact(route.json::<Value>().await.unwrap())
    );

    let got = events(stream, 3).await;
    let calls: Vec<&Value> = got
        .iter()
        .filter(|(e, _)| e == "call")
        .map(|(_, c)| c)
        .collect();
    assert_eq!(calls[0]["endpoint"], INIT);
    assert_eq!(calls[0]["status"], 403);
    assert_eq!(calls[0]["username"], "alice");
    assert_eq!(
        calls[0]["outcome"],
        format!("refused: {}", refused["error"]["message"].as_str().unwrap())
    );
    assert_eq!(
        calls[0]["outcome"],
        "refused: privacy_level PUBLIC_TO_EVERYONE is not among privacy_level_options [SELF_ONLY, MUTUAL_FOLLOW_FRIENDS]"
    );
    assert_eq!(
        calls[1]["hint"],
        "unknown field `post_info.privacy`: did you mean `privacy_level`?"
    );
    assert_eq!(calls[2]["endpoint"], "/v2/post/publish/video/int/");
    assert_eq!(calls[2]["client_key"], key);
    assert_eq!(
        calls[2]["hint"],
        "did you mean `/v2/post/publish/video/init/`?"
    );
    insta::assert_json_snapshot!(
        "live_call_event",
        calls[0].clone(),
        {".created_at" => "[time]", ".latency_ms" => "[ms]", ".log_id" => "[log_id]", ".client_key" => "[client_key]", ".summary" => "[summary]"}
    );

    // The control API's mistakes and limits answer in its envelope.
    let r =
        w.s.http
            .get(w.s.url("/_reelbox/calls/live"))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 401, "the admin token is required");
}

#[tokio::test]
async fn inspector_streams_are_capped_per_node() {
    let s = crate::server_with(|c| c.inspector.max_streams = 1).await;
    let open = |s: &reelbox_testkit::TestServer| {
        s.http
            .get(s.url("/_reelbox/calls/live"))
            .bearer_auth(&s.admin_token)
            .send()
    };
    let first = open(&s).await.unwrap();
    assert_eq!(first.status(), 200);
    let second = open(&s).await.unwrap();
    assert_eq!(second.status(), 429);
    let v: Value = second.json().await.unwrap();
    assert_eq!(v["error"]["code"], "rate_limit_exceeded");
    drop(first);
    // The permit returns when the first stream's connection is gone.
    let mut again = 0;
    for _ in 0..100 {
        again = open(&s).await.unwrap().status().as_u16();
        if again == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(again, 200);
}
