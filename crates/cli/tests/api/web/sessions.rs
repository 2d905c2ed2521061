//! Sessions expire on the clock, sign-out ends them, sign-in attempts are rate limited, and consent with a web session skips the password.
use reelbox_testkit::web::Agent;

use crate::world;

#[tokio::test]
async fn sessions_expire_on_the_clock_and_sign_out_ends_them() {
    let w = world().await;
    let mut a = Agent::new(&w.s);
    let p = a.get("/inbox").await;
    assert_eq!(p.status, 302);
    assert_eq!(p.location(), "/signin?next=%2Finbox");
    let p = a.sign_in("alice", "wrong password").await;
    assert_eq!(p.status, 401);
    assert!(p.body.contains("Wrong username or password."));
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    let p = a.get("/inbox").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("Posting as <strong>Alice</strong>"));
    assert_eq!(p.headers["cache-control"], "no-store");
    // Six days on: still signed in. Eight days on: the session has expired.
    w.s.advance_clock(6 * 86_400).await;
    assert_eq!(a.get("/inbox").await.status, 200);
    w.s.advance_clock(2 * 86_400).await;
    let p = a.get("/inbox").await;
    assert_eq!(p.status, 302, "expired sessions sign nobody in");
    // Sign out ends the session on the server, not only in the browser.
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    let stolen = a.cookies["rb_session"].clone();
    let p = a.submit("/inbox", "/signout", &[]).await;
    assert_eq!(p.status, 302);
    assert!(!a.cookies.contains_key("rb_session"));
    a.cookies.insert("rb_session".into(), stolen);
    assert_eq!(
        a.get("/inbox").await.status,
        302,
        "a signed-out session id is dead"
    );
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let w = world().await;
    let mut a = Agent::new(&w.s);
    for _ in 0..10 {
        assert_eq!(a.sign_in("alice", "guess").await.status, 401);
    }
    let p = a.sign_in("alice", "correct horse").await;
    assert_eq!(p.status, 429, "even the right password waits");
    assert!(p.body.contains("Too many sign-in attempts"));
    w.s.advance_clock(61).await;
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
}

#[tokio::test]
async fn consent_with_a_web_session_skips_the_password() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let mut a = Agent::new(&w.s);
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    let q = format!(
        "/v2/auth/authorize/?client_key={key}&response_type=code&scope=user.info.basic&redirect_uri={}&state=xyz",
        urlencoding("https://app.example.com/callback/")
    );
    let page = a.get(&q).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Signed in as <strong>@alice</strong>"));
    assert!(!page.body.contains("name=\"password\""));
    let csrf = page.csrf();
    let p = a
        .post(
            "/v2/auth/authorize/",
            &[
                ("csrf", &csrf),
                ("client_key", key),
                ("redirect_uri", "https://app.example.com/callback/"),
                ("state", "xyz"),
                ("scope", "user.info.basic"),
                ("grant", "user.info.basic"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(p.status, 302);
    assert!(p.location().contains("code="), "{}", p.location());
    // Without a session the same form needs the password.
    let mut anon = Agent::new(&w.s);
    let page = anon.get(&q).await;
    assert!(page.body.contains("name=\"password\""));
    let csrf = page.csrf();
    let p = anon
        .post(
            "/v2/auth/authorize/",
            &[
                ("csrf", &csrf),
                ("client_key", key),
                ("redirect_uri", "https://app.example.com/callback/"),
                ("scope", "user.info.basic"),
                ("grant", "user.info.basic"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(p.status, 401);
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
