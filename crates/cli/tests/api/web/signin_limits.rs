//! Sign-in forms are small, and their rate limits are per client address and per account: an
//! oversized form is refused before it is read, anonymous traffic does not block a signed-in
//! creator's consent, and one address cannot try password after password.
use std::net::IpAddr;

use reelbox_testkit::web::{Agent, Page};

use crate::world;

fn consent_path(key: &str) -> String {
    format!(
        "/v2/auth/authorize/?client_key={key}&response_type=code&scope=user.info.basic&redirect_uri={}&state=xyz",
        url::form_urlencoded::byte_serialize(b"https://app.example.com/callback/")
            .collect::<String>()
    )
}

/// Loads the consent page and submits it as `username`/`password` (both empty: one-click).
async fn consent(a: &mut Agent, key: &str, username: &str, password: &str) -> Page {
    let page = a.get(&consent_path(key)).await;
    assert_eq!(page.status, 200);
    let mut form = page.hidden_fields();
    form.push(("grant".into(), "user.info.basic".into()));
    form.push(("decision".into(), "approve".into()));
    if !username.is_empty() || !password.is_empty() {
        form.push(("username".into(), username.into()));
        form.push(("password".into(), password.into()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    a.post("/v2/auth/authorize/", &form).await
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_megabyte_username_is_refused_with_413_on_every_sign_in_form() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    let huge = "a".repeat(1024 * 1024 - 200);
    let mut a = Agent::new(&w.s);
    for (page, action, field) in [
        ("/signin", "/signin", "username"),
        ("/developers", "/developers/signin", "email"),
        ("/developers", "/developers/signup", "email"),
        ("/admin", "/admin/signin", "token"),
        (
            consent_path(&key).as_str(),
            "/v2/auth/authorize/",
            "username",
        ),
    ] {
        let csrf = a.get(page).await.csrf();
        let body = format!("csrf={csrf}&{field}={huge}&password=x&decision=approve");
        let p = a.post_raw(action, body.into_bytes()).await;
        assert_eq!(p.status, 413, "{action}");
        assert!(
            p.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{action}: the page's own error"
        );
        assert!(p.body.contains("too large"), "{action}: {}", p.body);
    }
    // A normal form still signs in.
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
}

#[tokio::test]
async fn anonymous_consent_posts_do_not_block_a_signed_in_creators_one_click_consent() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    let mut anon = Agent::new(&w.s);
    for _ in 0..12 {
        let p = consent(&mut anon, &key, "", "").await;
        assert!(p.status == 401 || p.status == 429, "{}", p.status);
    }
    let mut alice = Agent::new(&w.s);
    assert_eq!(alice.sign_in("alice", "correct horse").await.status, 302);
    let p = consent(&mut alice, &key, "", "").await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert!(p.location().contains("code="), "{}", p.location());
}

#[tokio::test]
async fn one_address_cannot_try_password_after_password_on_the_consent_form() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    let mut a = Agent::from_address(&w.s, ip("127.0.0.2"));
    // A different account each time: no per-account window fills, the address's does.
    for i in 0..30 {
        let p = consent(&mut a, &key, &format!("nobody{i}"), "guess").await;
        assert_eq!(p.status, 401, "attempt {i}");
    }
    let p = consent(&mut a, &key, "alice", "correct horse").await;
    assert_eq!(p.status, 429, "the address is over its limit");
    assert!(p.body.contains("Too many sign-in attempts"));
    // Another address is not.
    let mut b = Agent::from_address(&w.s, ip("127.0.0.3"));
    let p = consent(&mut b, &key, "alice", "correct horse").await;
    assert_eq!(p.status, 302, "{}", p.body);
}

#[tokio::test]
async fn guesses_against_one_account_from_many_addresses_are_still_limited() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    for i in 0..10 {
        let mut a = Agent::from_address(&w.s, ip(&format!("127.0.1.{}", i + 1)));
        let p = if i % 2 == 0 {
            consent(&mut a, &key, "alice", "guess").await
        } else {
            a.sign_in("alice", "guess").await
        };
        assert_eq!(p.status, 401, "attempt {i}");
    }
    let mut a = Agent::from_address(&w.s, ip("127.0.2.1"));
    assert_eq!(
        consent(&mut a, &key, "alice", "correct horse").await.status,
        429
    );
    assert_eq!(a.sign_in("ALICE", "correct horse").await.status, 429);
}
