//! The admin page's settings form in headless Chromium: a lowered daily cap is saved and refuses
//! the next init with TikTok's answer, a refused value is shown beside its field, and a setting
//! the configuration sets is shown locked. Writes the README's screenshot of `/admin`.
use serde_json::json;

use super::browser::{Chrome, click_and_wait, eval, fill, screenshot};

#[tokio::test]
async fn the_settings_form_saves_refuses_beside_the_field_and_shows_locks() {
    let s = crate::server_with(|c| {
        c.limits.rate_init = 4;
        c.set_outside.insert("limits.rate_init".into());
    })
    .await;
    let w = reelbox_testkit::World::posting(s).await;
    let s = &w.s;
    let chrome = Chrome::start().await;
    let page = chrome.page(&s.url("/admin")).await;
    fill(&page, "#token", &s.admin_token).await;
    click_and_wait(&page, "form[action='/admin/signin'] button[type=submit]").await;
    let field = |k: &str| format!("document.querySelector('#settings-form [name=\"{k}\"]')");
    assert_eq!(
        eval(&page, &format!("{}.disabled", field("limits.rate_init"))).await,
        true
    );
    assert_eq!(
        eval(&page, &format!("{}.value", field("limits.rate_init"))).await,
        "4"
    );
    screenshot(&page, "admin", true).await;

    fill(&page, "[name='limits.daily_post_cap']", "-3").await;
    click_and_wait(&page, "#settings-form button[type=submit]").await;
    let err = eval(
        &page,
        &format!(
            "document.getElementById({}.getAttribute('aria-describedby')).innerText",
            field("limits.daily_post_cap")
        ),
    )
    .await;
    assert_eq!(err, "limits.daily_post_cap must be at least 0 (got -3)");
    assert_eq!(
        eval(&page, &format!("{}.value", field("limits.daily_post_cap"))).await,
        "-3",
        "the refused value stays in its field"
    );

    fill(&page, "[name='limits.daily_post_cap']", "0").await;
    click_and_wait(&page, "#settings-form button[type=submit]").await;
    let notice = eval(&page, "document.querySelector('p.notice').innerText").await;
    assert_eq!(notice, "Saved limits.daily_post_cap.");
    let n = std::fs::read(reelbox_testkit::fixture("h264_720x1280_30fps.mp4"))
        .unwrap()
        .len();
    let src =
        json!({"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1});
    let (st, v) = s
        .call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": src})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (403, "spam_risk_too_many_posts"),
        "{v}"
    );
    chrome.close().await;
}
