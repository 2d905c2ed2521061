//! Every form needs its CSRF token.
use reelbox_testkit::posting::inbox_draft;
use reelbox_testkit::web::Agent;
use serde_json::Value;

use crate::world;

#[tokio::test]
async fn every_form_needs_its_csrf_token() {
    let w = world().await;
    let mut a = Agent::new(&w.s);
    // No token, a wrong token, a token from another browser: all refused before anything runs.
    let p = a
        .post(
            "/signin",
            &[("username", "alice"), ("password", "correct horse")],
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("could not be verified"));
    let page = a.get("/signin").await;
    assert_eq!(page.status, 200);
    let p = a
        .post(
            "/signin",
            &[
                ("csrf", "0000"),
                ("username", "alice"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    let mut other = Agent::new(&w.s);
    let foreign = other.get("/signin").await.csrf();
    let p = a
        .post(
            "/signin",
            &[
                ("csrf", &foreign),
                ("username", "alice"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(p.status, 403, "a token is bound to its browser");
    assert!(!a.cookies.contains_key("rb_session"));
    // The right token signs in; the session cookie is HttpOnly, SameSite=Lax, not Secure on http.
    let p = a
        .submit(
            "/signin",
            "/signin",
            &[
                ("username", "alice"),
                ("password", "correct horse"),
                ("next", "/inbox"),
            ],
        )
        .await;
    assert_eq!(p.status, 302);
    assert_eq!(p.location(), "/inbox");
    let cookie = p
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("rb_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "served over http: {cookie}");
    // Signed in, forms still need the token.
    let draft = inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    for path in [
        format!("/inbox/{draft}/post"),
        format!("/inbox/{draft}/discard"),
        "/signout".to_string(),
        "/@alice/follow".to_string(),
        "/developers/signup".to_string(),
        "/developers/apps".to_string(),
        "/admin/signin".to_string(),
    ] {
        let p = a
            .post(
                &path,
                &[
                    ("privacy_level", "PUBLIC_TO_EVERYONE"),
                    ("token", reelbox_testkit::server::ADMIN_TOKEN),
                ],
            )
            .await;
        assert_eq!(p.status, 403, "{path}");
    }
    let inbox =
        w.s.admin(reqwest::Method::GET, "/_reelbox/inbox/alice", Value::Null)
            .await;
    assert_eq!(
        inbox["drafts"].as_array().unwrap().len(),
        1,
        "nothing was posted or discarded"
    );
    // No open redirect after sign-in.
    let mut b = Agent::new(&w.s);
    let p = b
        .submit(
            "/signin",
            "/signin",
            &[
                ("username", "alice"),
                ("password", "correct horse"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(p.location(), "/inbox");
}
