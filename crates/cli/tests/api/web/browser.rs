//! The web pages in a real headless Chromium driven over the DevTools protocol: sign-in and
//! consent, the inbox posting form and its disclosure rule, playback on the watch page, privacy
//! for another signed-in creator, and the developer portal. Each test saves a screenshot under
//! `target/test-output/`. Chromium failing to start fails the test: nothing here is skipped.
use std::path::PathBuf;
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::page::{Page, ScreenshotParams};
use futures::StreamExt;
use reelbox_testkit::TestServer;
use reelbox_testkit::posting::{alice_post, inbox_draft};
use serde_json::{Value, json};

use crate::world;

const CHROMIUM: &str = "/usr/bin/chromium";

/// A headless Chromium with a fresh profile; dropped with its temp dir.
pub(super) struct Chrome {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

impl Chrome {
    pub(super) async fn start() -> Chrome {
        let profile = tempfile::tempdir().expect("profile dir");
        let config = BrowserConfig::builder()
            .chrome_executable(CHROMIUM)
            .with_head() // the flags below choose headless mode themselves
            .user_data_dir(profile.path())
            .window_size(1280, 1000)
            .args([
                "headless",
                "no-sandbox",
                "disable-gpu",
                "disable-background-networking",
                "no-first-run",
                "mute-audio",
                "hide-scrollbars",
            ])
            .launch_timeout(Duration::from_secs(60))
            .build()
            .expect("browser config");
        let (browser, mut events) = Browser::launch(config).await.unwrap_or_else(|e| {
            panic!("Chromium ({CHROMIUM}) must start for the browser tests: {e}")
        });
        let handler = tokio::spawn(async move { while events.next().await.is_some() {} });
        Chrome {
            browser,
            handler,
            _profile: profile,
        }
    }

    pub(super) async fn page(&self, url: &str) -> Page {
        let page = self.browser.new_page("about:blank").await.expect("new tab");
        page.goto(url).await.expect("navigate");
        wait_ready(&page).await;
        page
    }

    pub(super) async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}

pub(super) async fn eval(page: &Page, js: &str) -> Value {
    page.evaluate(js)
        .await
        .unwrap_or_else(|e| panic!("evaluate {js}: {e}"))
        .into_value()
        .unwrap_or(Value::Null)
}

pub(super) async fn wait_ready(page: &Page) {
    for _ in 0..400 {
        if eval(page, "document.readyState").await == "complete" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the page did not finish loading");
}

/// Clicks `selector` and waits until a new document has loaded.
pub(super) async fn click_and_wait(page: &Page, selector: &str) {
    let before = eval(page, "performance.timeOrigin").await;
    page.find_element(selector)
        .await
        .unwrap_or_else(|e| panic!("no {selector}: {e}"))
        .click()
        .await
        .expect("click");
    for _ in 0..400 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        if let Ok(r) = page.evaluate("performance.timeOrigin").await
            && r.into_value::<Value>().ok() != Some(before.clone())
        {
            wait_ready(page).await;
            return;
        }
    }
    panic!("clicking {selector} loaded no new page");
}

pub(super) async fn fill(page: &Page, selector: &str, value: &str) {
    let js = format!(
        "(() => {{ const e = document.querySelector({}); e.value = {}; e.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()",
        json!(selector),
        json!(value)
    );
    assert_eq!(eval(page, &js).await, true, "fill {selector}");
}

async fn tick(page: &Page, selector: &str) {
    page.find_element(selector)
        .await
        .unwrap_or_else(|e| panic!("no {selector}: {e}"))
        .click()
        .await
        .expect("click");
}

fn output_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output");
    std::fs::create_dir_all(&dir).expect("create target/test-output");
    dir
}

/// Saves a full-page PNG; `readme` also copies it to docs/screenshots/.
pub(super) async fn screenshot(page: &Page, name: &str, readme: bool) {
    let png = page
        .screenshot(ScreenshotParams::builder().full_page(true).build())
        .await
        .expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = output_dir().join(format!("{name}.png"));
    std::fs::write(&path, &png).expect("write screenshot");
    if readme {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
        std::fs::create_dir_all(&docs).expect("docs/screenshots");
        std::fs::write(docs.join(format!("{name}.png")), &png).expect("copy screenshot");
    }
}

pub(super) async fn sign_in(
    page: &Page,
    s: &TestServer,
    username: &str,
    password: &str,
    next: &str,
) {
    page.goto(s.url(&format!("/signin?next={next}")))
        .await
        .expect("navigate");
    wait_ready(page).await;
    fill(page, "#username", username).await;
    fill(page, "#password", password).await;
    click_and_wait(page, "form[action='/signin'] button[type=submit]").await;
}

/// A local page for the OAuth redirect to land on.
async fn callback_server() -> String {
    let app = axum::Router::new().route(
        "/callback/",
        axum::routing::get(|| async {
            axum::response::Html("<!doctype html><title>back in the app</title><p>ok</p>")
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}/callback/")
}

#[tokio::test]
async fn sign_in_then_consent_gives_a_code_the_token_endpoint_accepts() {
    let w = world().await;
    let chrome = Chrome::start().await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    let secret = w.app["client_secret"].as_str().unwrap().to_string();
    let redirect = callback_server().await;
    let authorize = format!(
        "/v2/auth/authorize/?client_key={key}&response_type=code&scope=user.info.basic,video.upload&state=st8&redirect_uri={}",
        url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
    );
    let page = chrome.page(&w.s.url("/signin")).await;
    sign_in(&page, &w.s, "alice", "correct horse", "/inbox").await;
    assert!(page.url().await.unwrap().unwrap().ends_with("/inbox"));
    page.goto(w.s.url(&authorize)).await.unwrap();
    wait_ready(&page).await;
    let text = eval(&page, "document.body.innerText").await;
    assert!(
        text.as_str()
            .unwrap()
            .contains("Scheduler would like to access your reelbox account"),
        "{text}"
    );
    assert!(
        text.as_str().unwrap().contains("Signed in as @alice"),
        "{text}"
    );
    screenshot(&page, "consent", false).await;
    click_and_wait(&page, "button[value=approve]").await;
    let landed = url::Url::parse(&page.url().await.unwrap().unwrap()).unwrap();
    assert!(landed.as_str().starts_with(&redirect), "{landed}");
    let q: std::collections::HashMap<String, String> = landed.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "st8");
    let r =
        w.s.http
            .post(w.s.url("/v2/oauth/token/"))
            .form(&[
                ("client_key", key.as_str()),
                ("client_secret", secret.as_str()),
                ("code", q["code"].as_str()),
                ("grant_type", "authorization_code"),
                ("redirect_uri", redirect.as_str()),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["access_token"].as_str().unwrap().starts_with("act."),
        "{v}"
    );
    assert_eq!(v["scope"], "user.info.basic,video.upload");
    chrome.close().await;
}

#[tokio::test]
async fn an_inbox_draft_is_posted_and_plays_on_its_watch_page() {
    let w = world().await;
    let draft = inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    let chrome = Chrome::start().await;
    let page = chrome.page(&w.s.url("/signin")).await;
    sign_in(&page, &w.s, "alice", "correct horse", "/inbox").await;
    // The preview plays from the draft's own media URL.
    let preview = eval(&page, "(async () => { const v = document.querySelector('.preview video'); await new Promise(r => v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r)); return v.duration; })()").await;
    assert!(preview.as_f64().unwrap() > 0.5, "{preview}");
    fill(
        &page,
        "textarea[name=title]",
        "Sunset from the inbox #sunset",
    )
    .await;
    fill(&page, "select[name=privacy_level]", "PUBLIC_TO_EVERYONE").await;
    tick(&page, "input[name=allow_comment]").await;
    screenshot(&page, "inbox", true).await;
    click_and_wait(&page, "form.post-form button.primary").await;
    let text = eval(&page, "document.body.innerText").await;
    assert!(text.as_str().unwrap().contains("Posted."), "{text}");
    let v = reelbox_testkit::posting::status(&w, &draft).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE");
    // The profile shows it; its watch page plays.
    page.goto(w.s.url("/@alice")).await.unwrap();
    wait_ready(&page).await;
    let tiles = eval(&page, "document.querySelectorAll('.grid a.tile').length").await;
    assert_eq!(tiles, 1);
    click_and_wait(&page, ".grid a.tile").await;
    assert!(
        page.url()
            .await
            .unwrap()
            .unwrap()
            .contains("/@alice/video/")
    );
    let played = eval(
        &page,
        "(async () => { const v = document.getElementById('player'); v.muted = true; await v.play(); const t0 = v.currentTime; \
         await new Promise(r => { const c = () => (v.currentTime > t0 + 0.3 && v.readyState >= 3) ? r() : setTimeout(c, 50); c(); }); \
         v.pause(); return {readyState: v.readyState, currentTime: v.currentTime, t0: t0, error: v.error}; })()",
    );
    let played = tokio::time::timeout(Duration::from_secs(30), played)
        .await
        .expect("the video plays within 30 s");
    assert!(played["readyState"].as_i64().unwrap() >= 3, "{played}");
    assert!(
        played["currentTime"].as_f64().unwrap() > played["t0"].as_f64().unwrap(),
        "{played}"
    );
    assert!(played["error"].is_null(), "{played}");
    let text = eval(&page, "document.body.innerText").await;
    assert!(text.as_str().unwrap().contains("Sunset from the inbox"));
    assert!(text.as_str().unwrap().contains("#sunset"));
    screenshot(&page, "watch", true).await;
    chrome.close().await;
}

#[tokio::test]
async fn branded_content_cannot_be_private_on_the_form() {
    let w = world().await;
    let draft = inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    let chrome = Chrome::start().await;
    let page = chrome.page(&w.s.url("/signin")).await;
    sign_in(&page, &w.s, "alice", "correct horse", "/inbox").await;
    fill(&page, "select[name=privacy_level]", "SELF_ONLY").await;
    tick(&page, "input.disclose").await;
    tick(&page, "input.brand-content").await;
    let msg = eval(&page, "(() => { const m = document.querySelector('.rule-msg'); return m.hidden ? '' : m.textContent; })()").await;
    assert!(
        msg.as_str()
            .unwrap()
            .contains("Branded content can't be private"),
        "{msg}"
    );
    assert_eq!(
        eval(
            &page,
            "document.querySelector('form.post-form').checkValidity()"
        )
        .await,
        false
    );
    let before = eval(&page, "performance.timeOrigin").await;
    tick(&page, "form.post-form button.primary").await;
    assert_eq!(
        eval(&page, "performance.timeOrigin").await,
        before,
        "the form was not sent"
    );
    screenshot(&page, "inbox-branded-private", false).await;
    let inbox =
        w.s.admin(reqwest::Method::GET, "/_reelbox/inbox/alice", Value::Null)
            .await;
    assert_eq!(
        inbox["drafts"][0]["publish_id"], draft,
        "the draft is still waiting"
    );
    // Choosing who can watch fixes it.
    fill(&page, "select[name=privacy_level]", "PUBLIC_TO_EVERYONE").await;
    let msg = eval(&page, "document.querySelector('.rule-msg').hidden").await;
    assert_eq!(msg, true);
    chrome.close().await;
}

#[tokio::test]
async fn a_self_only_post_is_hidden_from_another_signed_in_creator() {
    let w = world().await;
    w.s.create_creator(json!({"username": "bob", "password": "bob password", "nickname": "Bob"}))
        .await;
    let hidden = alice_post(&w, "SELF_ONLY", "just for me").await;
    let shown = alice_post(&w, "PUBLIC_TO_EVERYONE", "for all").await;
    let chrome = Chrome::start().await;
    let page = chrome.page(&w.s.url("/signin")).await;
    sign_in(&page, &w.s, "bob", "bob password", "/@alice").await;
    let text = eval(&page, "document.body.innerText").await;
    assert!(text.as_str().unwrap().contains("for all"));
    assert!(!text.as_str().unwrap().contains("just for me"));
    page.goto(w.s.url(&format!("/@alice/video/{hidden}")))
        .await
        .unwrap();
    wait_ready(&page).await;
    let text = eval(&page, "document.body.innerText").await;
    assert!(text.as_str().unwrap().contains("Not found"), "{text}");
    screenshot(&page, "self-only-hidden", false).await;
    page.goto(w.s.url(&format!("/@alice/video/{shown}")))
        .await
        .unwrap();
    wait_ready(&page).await;
    assert!(
        eval(&page, "document.body.innerText")
            .await
            .as_str()
            .unwrap()
            .contains("for all")
    );
    chrome.close().await;
}

#[tokio::test]
async fn the_portal_creates_an_app_and_shows_its_key() {
    let w = world().await;
    let chrome = Chrome::start().await;
    let page = chrome.page(&w.s.url("/developers")).await;
    fill(&page, "#su-email", "builder@example.com").await;
    fill(&page, "#su-password", "a long enough password").await;
    click_and_wait(&page, "form[action='/developers/signup'] button").await;
    fill(&page, "#app-name", "Portal App").await;
    fill(&page, "#redirect-uris", "https://portal.example/cb/").await;
    tick(&page, "input[name=scope][value='video.upload']").await;
    click_and_wait(&page, "form[action='/developers/apps'] button.primary").await;
    let key = eval(&page, "document.getElementById('client-key').textContent").await;
    let key = key.as_str().unwrap().to_string();
    assert!(
        page.url()
            .await
            .unwrap()
            .unwrap()
            .ends_with(&format!("/developers/apps/{key}"))
    );
    let app =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/apps/{key}"),
            Value::Null,
        )
        .await;
    assert_eq!(app["name"], "Portal App");
    assert_eq!(app["scopes"], json!(["user.info.basic", "video.upload"]));
    screenshot(&page, "portal-app", false).await;
    chrome.close().await;
}

#[tokio::test]
async fn the_inspector_shows_a_refusal_and_a_near_miss_live() {
    let w = world().await;
    let chrome = Chrome::start().await;
    let page = chrome.page(&w.s.url("/developers")).await;
    fill(&page, "#su-email", "watcher@example.com").await;
    fill(&page, "#su-password", "a long enough password").await;
    click_and_wait(&page, "form[action='/developers/signup'] button").await;
    fill(&page, "#app-name", "Watched App").await;
    fill(&page, "#redirect-uris", "https://watched.example/cb/").await;
    tick(&page, "input[name=scope][value='video.publish']").await;
    tick(&page, "input[name=scope][value='video.upload']").await;
    click_and_wait(&page, "form[action='/developers/apps'] button.primary").await;
    let key = eval(&page, "document.getElementById('client-key').textContent").await;
    let key = key.as_str().unwrap().to_string();
    w.s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{key}"),
        json!({"audited": true}),
    )
    .await;
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"privacy_level_options": ["SELF_ONLY", "MUTUAL_FOLLOW_FRIENDS"]}),
    )
    .await;
    let t =
        w.s.mint(&key, "alice", &["video.publish", "video.upload"])
            .await;
    let token = t["access_token"].as_str().unwrap();

    page.goto(w.s.url(&format!("/developers/apps/{key}/inspector")))
        .await
        .expect("navigate");
    wait_ready(&page).await;
    let mut state = Value::Null;
    for _ in 0..400 {
        state = eval(&page, "document.getElementById('live-state').textContent").await;
        if state == "live" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(state, "live", "the page's stream is open");

    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let (st, v) =
        w.s.call(
            token,
            "/v2/post/publish/video/init/",
            Some(
                json!({"post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"}, "source_info": file}),
            ),
        )
        .await;
    assert_eq!(st, 403, "{v}");
    let (st, _) =
        w.s.call(token, "/v2/post/publish/video/int/", Some(json!({})))
            .await;
    assert_eq!(st, 404);

    let rows_js = "JSON.stringify(Array.from(document.querySelectorAll('#live-calls tr.call')).map(r => r.textContent))";
    let mut rows: Vec<String> = Vec::new();
    for _ in 0..400 {
        let v = eval(&page, rows_js).await;
        rows = serde_json::from_str(v.as_str().unwrap_or("[]")).unwrap_or_default();
        if rows.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(rows.len(), 2, "{rows:?}");
    // Newest first: the near miss, then the refusal with its rule in plain words.
    assert!(
        rows[0].contains("did you mean `/v2/post/publish/video/init/`?"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains(
            "refused: privacy_level PUBLIC_TO_EVERYONE is not among privacy_level_options [SELF_ONLY, MUTUAL_FOLLOW_FRIENDS]"
        ),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains("@alice"), "{}", rows[1]);
    let link = eval(
        &page,
        "document.querySelector('#live-calls tr.call:last-child a').getAttribute('href')",
    )
    .await;
    assert!(
        link.as_str()
            .unwrap()
            .starts_with(&format!("/developers/apps/{key}/report#log-")),
        "{link}"
    );
    screenshot(&page, "inspector", true).await;
    chrome.close().await;
}

/// Waits until the element `selector` reads `text` (a page that updates itself).
async fn wait_text(page: &Page, selector: &str, text: &str) {
    let js = format!("document.querySelector({}).textContent", json!(selector));
    for _ in 0..800 {
        if eval(page, &js).await == text {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{selector} never read {text}: {}", eval(page, &js).await);
}

#[tokio::test]
async fn qr_login_the_tv_page_follows_while_the_phone_page_confirms() {
    let w = world().await;
    let s = &w.s;
    let chrome = Chrome::start().await;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let (scan_url, token) =
        crate::oauth::qr::get_qrcode(s, key, "user.info.basic,video.upload", "tv-state").await;
    let filled = scan_url.replace("tobefilled", "living-room-tv");
    let tv = chrome
        .page(&s.url(&format!("/qr/tv?scan_url={}", urlencoding::encode(&filled))))
        .await;
    assert_eq!(
        eval(&tv, "document.getElementById('status').textContent").await,
        "new"
    );
    // What the TV shows is a QR code a phone reads back as the app's URL.
    let shot = tv
        .screenshot(ScreenshotParams::builder().full_page(true).build())
        .await
        .expect("screenshot");
    let read = crate::web::decode_qr(&shot);
    assert_eq!(read, vec![filled.clone()]);
    screenshot(&tv, "qr-tv", true).await;
    // The phone opens what it read.
    let phone = chrome
        .page(&s.url(&crate::oauth::qr::phone_path(&scan_url, "living-room-tv")))
        .await;
    wait_text(&tv, "#status", "scanned").await;
    let text = eval(&phone, "document.body.innerText").await;
    assert!(
        text.as_str()
            .unwrap()
            .contains("Scheduler would like to access your reelbox account"),
        "{text}"
    );
    fill(&phone, "#username", "alice").await;
    fill(&phone, "#password", "correct horse").await;
    screenshot(&phone, "qr-phone", true).await;
    click_and_wait(&phone, "button[value=approve]").await;
    let text = eval(&phone, "document.body.innerText").await;
    assert!(
        text.as_str()
            .unwrap()
            .contains("You are logging in to Scheduler"),
        "{text}"
    );
    wait_text(&tv, "#status", "confirmed").await;
    // The app's server polls and exchanges.
    let (st, v) = crate::oauth::qr::qr_form(
        s,
        "/v2/oauth/check_qrcode/",
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("token", &token),
        ],
    )
    .await;
    assert_eq!(
        (st, v["status"].as_str(), v["client_ticket"].as_str()),
        (200, Some("confirmed"), Some("living-room-tv"))
    );
    assert_eq!(v["state"], "tv-state");
    let code = v["code"].as_str().unwrap();
    let (st, v) = reelbox_testkit::oauth::token_form(
        s,
        &[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "authorization_code"),
            ("code", code),
        ],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["scope"], "user.info.basic,video.upload");
    wait_text(&tv, "#status", "utilised").await;
    chrome.close().await;
}
