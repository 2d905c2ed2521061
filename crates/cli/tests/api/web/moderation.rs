//! Moderation end to end in headless Chromium: a signed-in viewer reports a public post from its
//! watch page, the report opens a case in the operator's queue at `/admin/moderation`, the
//! operator takes the post down, the app receives the signed "no longer publicly available"
//! event, and the post is gone from its page, the Display API and the Research API. Over plain
//! HTTP: reports need a session, are rate-limited, and count once per viewer.
use reelbox_testkit::local::wait_for_hook;
use reelbox_testkit::oauth::client_token;
use reelbox_testkit::posting::{put, settle};
use reelbox_testkit::read::window;
use reelbox_testkit::web::Agent;
use serde_json::{Value, json};

use super::browser::{Chrome, click_and_wait, eval, fill, screenshot, sign_in, wait_ready};

/// bob's public Direct Post of the small fixture; (publish id, post id).
async fn public_post(
    w: &reelbox_testkit::World,
    l: &reelbox_testkit::local::Local,
) -> (String, String) {
    let bytes = std::fs::read(reelbox_testkit::fixture("h264_720x1280_30fps.mp4")).unwrap();
    let n = bytes.len();
    let (st, v) = w
        .s
        .call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"title": "look at this #moderation", "privacy_level": "PUBLIC_TO_EVERYONE"},
                        "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap();
    assert_eq!(put(&w.s, url, &bytes, 0, n - 1, n).await.0, 201);
    assert_eq!(settle(w, &id).await["data"]["status"], "PUBLISH_COMPLETE");
    let hook = wait_for_hook(l, "post.publish.publicly_available").await;
    let content: Value = serde_json::from_str(hook["content"].as_str().unwrap()).unwrap();
    (id, content["post_id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_report_reaches_the_queue_and_a_take_down_removes_the_post_everywhere() {
    let (w, l) = crate::world_local(true, false).await;
    let s = &w.s;
    let (publish_id, post_id) = public_post(&w, &l).await;
    s.create_creator(json!({"username": "carol", "password": "carol password"}))
        .await;
    // A reader of the Display API, and a research client once the research lag has passed.
    let key = w.app["client_key"].as_str().unwrap().to_string();
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{key}"),
        json!({"scopes": ["user.info.basic", "video.list", "video.publish", "video.upload", "research.data.basic"]}),
    )
    .await;
    s.advance_clock(49 * 3600).await;
    let reader = s
        .mint(&key, "bob", &["user.info.basic", "video.list"])
        .await;
    let reader = reader["access_token"].as_str().unwrap().to_string();
    let research = client_token(s, &key, w.app["client_secret"].as_str().unwrap()).await;
    let display = |token: String| {
        let post_id = post_id.clone();
        async move {
            let (st, v) = s
                .call(
                    &token,
                    "/v2/video/query/?fields=id,title",
                    Some(json!({"filters": {"video_ids": [post_id]}})),
                )
                .await;
            assert_eq!(st, 200, "{v}");
            v["data"]["videos"].as_array().unwrap().len()
        }
    };
    let (start, end) = window(3, 1);
    let research_ids = |token: String| {
        let (start, end) = (start.clone(), end.clone());
        async move {
            let (st, v) = s
                .call(
                    &token,
                    "/v2/research/video/query/?fields=id,username",
                    Some(json!({"query": {"and": [{"operation": "IN", "field_name": "username", "field_values": ["bob"]}]},
                                "start_date": start, "end_date": end, "max_count": 20})),
                )
                .await;
            assert_eq!(st, 200, "{v}");
            v["data"]["videos"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(display(reader.clone()).await, 1);
    assert_eq!(research_ids(research.clone()).await, vec![post_id.clone()]);

    let chrome = Chrome::start().await;
    let watch = format!("/@bob/video/{post_id}");
    let page = chrome.page(&s.url("/signin")).await;
    sign_in(&page, s, "carol", "carol password", &watch).await;
    page.goto(s.url(&watch)).await.unwrap();
    wait_ready(&page).await;
    assert_eq!(
        eval(
            &page,
            "document.querySelector('details.report summary').innerText"
        )
        .await,
        "Report this post"
    );
    eval(
        &page,
        "document.querySelector('details.report').open = true",
    )
    .await;
    fill(&page, "#report-reason", "spam").await;
    click_and_wait(&page, "details.report button[type=submit]").await;
    let text = eval(&page, "document.body.innerText").await;
    assert!(
        text.as_str()
            .unwrap()
            .contains("A moderator will look at this post"),
        "{text}"
    );

    page.goto(s.url("/admin")).await.unwrap();
    wait_ready(&page).await;
    fill(&page, "#token", &s.admin_token).await;
    click_and_wait(&page, "form[action='/admin/signin'] button[type=submit]").await;
    assert_eq!(
        eval(
            &page,
            "document.querySelector('#moderation-link').innerText"
        )
        .await,
        "1 open in the review queue · policy: none"
    );
    click_and_wait(&page, "#moderation-link").await;
    assert_eq!(
        eval(&page, "document.querySelector('#queue-length').innerText").await,
        "1"
    );
    let row = eval(&page, "document.querySelector('#queue li').innerText").await;
    assert!(
        row.as_str().unwrap().contains("reported: 1 × spam"),
        "{row}"
    );
    screenshot(&page, "admin-moderation", true).await;
    click_and_wait(&page, "#queue button[value=take_down]").await;
    let text = eval(&page, "document.body.innerText").await;
    assert!(text.as_str().unwrap().contains("taken down"), "{text}");
    assert_eq!(
        eval(&page, "document.querySelector('#queue-length').innerText").await,
        "0"
    );
    let log = eval(
        &page,
        "document.querySelector('#audit-log tbody').innerText",
    )
    .await;
    assert!(log.as_str().unwrap().contains("take_down"), "{log}");

    // The app is told, with a signature that verifies (wait_for_hook checks it).
    let hook = wait_for_hook(&l, "post.publish.no_longer_publicaly_available").await;
    let content: Value = serde_json::from_str(hook["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"publish_id": publish_id, "post_id": post_id, "publish_type": "DIRECT_PUBLISH"})
    );
    page.goto(s.url(&watch)).await.unwrap();
    wait_ready(&page).await;
    let title = eval(&page, "document.title").await;
    assert_eq!(title, "Not found · reelbox");
    assert_eq!(
        s.http.get(s.url(&watch)).send().await.unwrap().status(),
        404
    );
    assert_eq!(display(reader).await, 0);
    assert!(research_ids(research).await.is_empty());
    chrome.close().await;
}

#[tokio::test]
async fn reports_need_a_session_count_once_per_viewer_and_are_rate_limited() {
    let (w, l) = crate::world_local(true, false).await;
    let s = &w.s;
    let (_, post_id) = public_post(&w, &l).await;
    s.create_creator(json!({"username": "carol", "password": "carol password"}))
        .await;
    let watch = format!("/@bob/video/{post_id}");
    let report = format!("{watch}/report");
    let mut anon = Agent::new(s);
    assert_eq!(anon.get(&watch).await.status, 200);
    let p = anon.get("/signin").await;
    let r = anon
        .post(&report, &[("csrf", &p.csrf()), ("reason", "spam")])
        .await;
    assert_eq!(r.status, 302, "{}", r.body);
    assert!(
        r.location().starts_with("/signin?next="),
        "{}",
        r.location()
    );
    let mut carol = Agent::new(s);
    carol.sign_in("carol", "carol password").await;
    let p = carol.get(&watch).await;
    let bad = carol
        .post(&report, &[("csrf", &p.csrf()), ("reason", "because")])
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    for _ in 0..2 {
        let p = carol.get(&watch).await;
        let ok = carol
            .post(&report, &[("csrf", &p.csrf()), ("reason", "hate")])
            .await;
        assert_eq!(ok.status, 200, "{}", ok.body);
    }
    let q = s
        .admin(
            reqwest::Method::GET,
            "/_reelbox/moderation/queue",
            Value::Null,
        )
        .await;
    assert_eq!(q["cases"].as_array().unwrap().len(), 1, "{q}");
    assert_eq!(
        q["cases"][0]["reports"],
        json!([{"count": 1, "reason": "hate"}])
    );
    // moderation.reports_per_minute (5): the invalid one and the two above counted.
    let mut last = 0;
    for _ in 0..3 {
        let p = carol.get(&watch).await;
        last = carol
            .post(&report, &[("csrf", &p.csrf()), ("reason", "hate")])
            .await
            .status;
    }
    assert_eq!(last, 429);
}
