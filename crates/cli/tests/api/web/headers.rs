//! Every page forbids framing and sniffing and keeps its address out of other sites' Referer;
//! media is never sniffed, and a draft rejected for its format is not served as a video.
use reelbox_testkit::posting::{alice_post, upload_to_inbox};
use reelbox_testkit::web::{Agent, Page};

use crate::world;

fn assert_page_headers(path: &str, p: &Page) {
    let h = |n: &str| {
        p.headers
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(
        h("content-type").starts_with("text/html"),
        "{path}: {}",
        h("content-type")
    );
    assert_eq!(h("x-frame-options"), "DENY", "{path}");
    assert!(
        h("content-security-policy").contains("frame-ancestors 'none'"),
        "{path}: {}",
        h("content-security-policy")
    );
    assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
    assert_eq!(h("referrer-policy"), "same-origin", "{path}");
}

#[tokio::test]
async fn every_page_forbids_framing_and_sniffing() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    let post = alice_post(&w, "PUBLIC_TO_EVERYONE", "hello").await;
    let mut a = Agent::new(&w.s);
    let consent = format!(
        "/v2/auth/authorize/?client_key={key}&response_type=code&scope=user.info.basic&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback%2F"
    );
    for path in [
        "/",
        "/signin",
        "/developers",
        "/admin",
        "/@alice",
        &format!("/@alice/video/{post}"),
        "/tag/none",
        "/@nobody",
        consent.as_str(),
        "/v2/auth/authorize/?client_key=unknown",
    ] {
        let p = a.get(path).await;
        assert_page_headers(path, &p);
    }
    // A refused form is a page too.
    let p = a.post("/signin", &[("username", "alice")]).await;
    assert_eq!(p.status, 403);
    assert_page_headers("POST /signin", &p);
    let p = a.get(&format!("/media/{post}/video")).await;
    assert_eq!(p.status, 200);
    assert_eq!(p.headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn a_draft_rejected_for_its_format_is_served_as_a_download_not_a_video() {
    let w = world().await;
    // An "MP4" that is an HTML page: the format check rejects it.
    let bytes = b"<html><script>alert(document.cookie)</script></html>".repeat(200);
    let (id, v) = upload_to_inbox(&w, &bytes).await;
    assert_eq!(v["data"]["status"], "FAILED", "{v}");
    let mut a = Agent::new(&w.s);
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    let p = a.get(&format!("/inbox/{id}/media")).await;
    if p.status == 200 {
        assert_eq!(p.headers["content-type"], "application/octet-stream");
        assert!(
            p.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment"),
            "{:?}",
            p.headers.get("content-disposition")
        );
        assert_eq!(p.headers["x-content-type-options"], "nosniff");
    } else {
        assert_eq!(p.status, 404, "refused or a download, never a video");
    }
}
