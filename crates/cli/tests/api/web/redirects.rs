//! After sign-in the browser goes only to a path of this site, whatever `next` says.
use reelbox_testkit::web::Agent;

use crate::world;

/// Values of `next` that browsers would resolve off-site (the form decodes them first).
const OFF_SITE: &[&str] = &[
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "/%09/evil.example/",
    "/%2F%2Fevil.example/",
    "%2F%2Fevil.example/",
    "/\n/evil.example/",
    " //evil.example/",
    "https://evil.example/",
    "HTTPS:evil.example",
    "javascript:alert(1)",
    "/.//evil.example/",
];

fn stays_here(location: &str) -> bool {
    // Resolved the way a browser resolves a Location header, against this site.
    let base = url::Url::parse("http://reelbox.test/signin").unwrap();
    base.join(location)
        .is_ok_and(|u| u.origin() == base.origin())
        && !location.bytes().any(|b| b.is_ascii_control())
}

#[tokio::test]
async fn next_never_leaves_the_site_after_sign_in() {
    let w = world().await;
    for next in OFF_SITE {
        // A minute apart: the sign-in rate limit is not what this test is about.
        w.s.advance_clock(61).await;
        let mut a = Agent::new(&w.s);
        // The sign-in page carries `next` into its form…
        let q: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let page = a.get(&format!("/signin?next={q}")).await;
        assert_eq!(page.status, 200);
        let carried = page
            .hidden_fields()
            .into_iter()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v)
            .unwrap_or_default();
        assert!(stays_here(&carried), "{next:?} carried as {carried:?}");
        // …and the form's own `next` is checked again.
        let p = a
            .submit(
                "/signin",
                "/signin",
                &[
                    ("username", "alice"),
                    ("password", "correct horse"),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(p.status, 302, "{next:?}");
        let loc = p.location();
        assert!(stays_here(&loc), "{next:?} → Location {loc:?}");
    }
    // Paths of the site, with their query, still go where they said.
    w.s.advance_clock(61).await;
    let mut a = Agent::new(&w.s);
    let p = a
        .submit(
            "/signin",
            "/signin",
            &[
                ("username", "alice"),
                ("password", "correct horse"),
                ("next", "/@alice?tab=liked"),
            ],
        )
        .await;
    assert_eq!(p.location(), "/@alice?tab=liked");
}
