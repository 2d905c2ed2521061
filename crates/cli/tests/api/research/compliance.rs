//! Research batch compliance over HTTP: a task created over collected ids answers from the
//! platform's state when its job runs (a video deleted and an account made private after the
//! collection are left out), in TikTok's envelope with `http_status_code`, and every refusal.
use reelbox_testkit::TestServer;
use reelbox_testkit::read::db_rows;
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use super::{VISIBLE, world};

const CREATE: &str = "/v2/research/validation_task/create/";
const STATUS: &str = "/v2/research/validation_task_status/get/";
const DOWNLOAD: &str = "/v2/research/validation_task/download/";
const BOUNDARY: &str = "----reelboxBoundary7MA4YWxk";

/// A multipart body with `file_data` (a file) and `category`.
fn form(file: &str, category: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file_data\"; filename=\"ids.txt\"\r\nContent-Type: text/plain\r\n\r\n{file}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\n{category}\r\n--{BOUNDARY}--\r\n"
    )
    .into_bytes()
}

async fn create(s: &TestServer, token: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let r = s
        .http
        .post(s.url(CREATE))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn multipart() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// Polls the task until it is no longer `Processing`.
async fn finished(s: &TestServer, token: &str, task_id: &Value) -> Value {
    for _ in 0..600 {
        let (st, v) = s
            .call(token, STATUS, Some(json!({"task_id": task_id})))
            .await;
        assert_eq!(st, 200, "{v}");
        if v["data"]["task_status"] != "Processing" {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the task never left Processing");
}

#[tokio::test]
async fn a_task_reports_what_is_still_public_when_it_runs() {
    let w = world().await;
    let s = &w.s;
    // Collected earlier: public videos of four different creators, in this order.
    let rows = db_rows(
        s,
        &format!("SELECT p.id, c.username FROM posts p JOIN creators c ON c.id = p.creator_id WHERE {VISIBLE} ORDER BY p.id"),
    )
    .await;
    let mut picked: Vec<(String, String)> = Vec::new();
    for (id, user) in rows {
        if picked.iter().all(|(_, u)| *u != user) {
            picked.push((id, user));
        }
        if picked.len() == 4 {
            break;
        }
    }
    let [
        (deleted, _),
        (of_private, private_user),
        (kept1, _),
        (kept2, _),
    ] = <[(String, String); 4]>::try_from(picked).unwrap();
    // After the collection: one video deleted, one account made private.
    s.admin(
        reqwest::Method::DELETE,
        &format!("/_reelbox/videos/{deleted}"),
        Value::Null,
    )
    .await;
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/creators/{private_user}"),
        json!({"private_account": true}),
    )
    .await;
    let file = format!("{kept2}\n{deleted}\n\n{of_private}\n{kept1}\n99999999999\n");
    let (st, v) = create(s, &w.clt, &multipart(), form(&file, "video")).await;
    assert_eq!(st, 200, "{v}");
    let task_id = v["data"]["task_id"].clone();
    let id = task_id.as_i64().unwrap();
    assert!(id > 0 && id < 1 << 53);
    insta::assert_json_snapshot!("task_created", redact(v), {".data.task_id" => "[task_id]"});
    // Not yet run: Processing, and no download.
    let (_, v) = s
        .call(&w.clt, STATUS, Some(json!({"task_id": task_id})))
        .await;
    insta::assert_json_snapshot!("task_processing", redact(v));
    let (st, v) = s
        .call(&w.clt, DOWNLOAD, Some(json!({"task_id": task_id})))
        .await;
    assert_eq!(st, 400);
    insta::assert_json_snapshot!("task_download_early", redact(v));
    s.advance_clock(6).await;
    s.handle.as_ref().unwrap().state.work.notify_one();
    let v = finished(s, &w.clt, &task_id).await;
    insta::assert_json_snapshot!("task_completed", redact(v));
    let r = s
        .http
        .post(s.url(DOWNLOAD))
        .bearer_auth(&w.clt)
        .json(&json!({"task_id": task_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename=\"{id}.txt\"").as_str()
    );
    // Still valid, in the file's order; the deleted video, the private account's video and the
    // unknown id are left out.
    assert_eq!(r.text().await.unwrap(), format!("{kept2}\n{kept1}\n"));
    // Making the account public again does not change a finished task.
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/creators/{private_user}"),
        json!({"private_account": false}),
    )
    .await;
    let r = s
        .http
        .post(s.url(DOWNLOAD))
        .bearer_auth(&w.clt)
        .json(&json!({"task_id": id.to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), format!("{kept2}\n{kept1}\n"));
}

#[tokio::test]
async fn comment_tasks_follow_their_videos_and_a_json_typed_multipart_body_is_read() {
    let w = world().await;
    let s = &w.s;
    let rows = db_rows(
        s,
        &format!("SELECT m.id, c.username FROM comments m JOIN posts p ON p.id = m.post_id JOIN creators c ON c.id = p.creator_id WHERE {VISIBLE} ORDER BY m.id"),
    )
    .await;
    let (first, owner) = rows[0].clone();
    let other = rows
        .iter()
        .find(|(_, u)| *u != owner)
        .expect("comments under two creators")
        .0
        .clone();
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/creators/{owner}"),
        json!({"private_account": true}),
    )
    .await;
    // TikTok's example sends Content-Type: application/json with --form.
    let (st, v) = create(
        s,
        &w.clt,
        "application/json",
        form(&format!("{first},{other}"), "Comment"),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let task_id = v["data"]["task_id"].clone();
    s.advance_clock(6).await;
    let v = finished(s, &w.clt, &task_id).await;
    assert_eq!(v["data"]["task_status"], "Completed");
    let r = s
        .http
        .post(s.url(DOWNLOAD))
        .bearer_auth(&w.clt)
        .json(&json!({"task_id": task_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), format!("{other}\n"));
}

#[tokio::test]
async fn every_refusal_of_the_validation_task_endpoints() {
    let w = world().await;
    let s = &w.s;
    // No token, and a token without research.data.basic.
    let r = s
        .http
        .post(s.url(STATUS))
        .json(&json!({"task_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    insta::assert_json_snapshot!("task_no_token", redact(v));
    let other = s
        .create_app(json!({"name": "Other", "audited": true, "scopes": ["user.info.basic"], "redirect_uris": ["https://o.example/cb/"]}))
        .await;
    let other_clt = reelbox_testkit::oauth::app_client_token(s, &other).await;
    let (st, v) = create(s, &other_clt, &multipart(), form("1", "video")).await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "scope_not_authorized")
    );
    assert_eq!(v["error"]["http_status_code"], 401);
    let bad = |file: &str, category: &str| (multipart(), form(file, category));
    let too_many: String = (1..=10_001).map(|i| format!("{i}\n")).collect();
    for ((ct, body), message) in [
        (bad("1\n2", "user"), "category must be video or comment."),
        (bad("", "video"), "file_data holds no id."),
        (bad("12\nabc", "video"), "file_data holds \"abc\", which is not a decimal id."),
        (bad(&too_many, "video"), "file_data holds more than 10000 ids."),
        (("application/json".to_string(), b"{\"category\":\"video\"}".to_vec()), "The body must be multipart/form-data with file_data and category."),
        ((multipart(), format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nvideo\r\n--{BOUNDARY}--\r\n").into_bytes()), "file_data is required."),
    ] {
        let (st, v) = create(s, &w.clt, &ct, body).await;
        assert_eq!(
            (st, v["error"]["code"].as_str().unwrap(), v["error"]["message"].as_str().unwrap(), v["error"]["http_status_code"].as_i64()),
            (400, "invalid_params", message, Some(400)),
            "{v}"
        );
    }
    let (_, v) = create(s, &w.clt, &multipart(), form("1", "nope")).await;
    insta::assert_json_snapshot!("task_bad_category", redact(v));
    for (body, message) in [
        (json!({}), "task_id is required."),
        (json!({"task_id": "x"}), "task_id must be an integer."),
        (json!({"task_id": 12345}), "task_id does not exist."),
    ] {
        for path in [STATUS, DOWNLOAD] {
            let (st, v) = s.call(&w.clt, path, Some(body.clone())).await;
            assert_eq!(
                (
                    st,
                    v["error"]["code"].as_str().unwrap(),
                    v["error"]["message"].as_str().unwrap()
                ),
                (400, "invalid_params", message),
                "{path} {v}"
            );
        }
    }
}
