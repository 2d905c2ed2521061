//! The creator's account page lists connected apps; Disconnect revokes the app's tokens and
//! codes and tells the app with `authorization.removed`.
use reelbox_testkit::local::wait_for_hook;
use reelbox_testkit::oauth::token_form;
use reelbox_testkit::web::Agent;

use crate::world_local;

#[tokio::test]
async fn creators_disconnect_apps_from_their_account_page() {
    let (w, l) = world_local(true, false).await;
    let key = w.app["client_key"].as_str().unwrap();
    let mut a = Agent::new(&w.s);
    assert_eq!(a.sign_in("bob", "correct horse").await.status, 302);
    let page = a.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Poster"), "{}", page.body);
    let action = format!("/account/apps/{key}/disconnect");
    assert!(page.body.contains(&action), "{}", page.body);
    // Without the page's CSRF token: refused, nothing revoked.
    let p = a.post(&action, &[("csrf", "forged")]).await;
    assert_eq!(p.status, 403);
    let (st, _) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(st, 200);
    // Signed out, without the session's CSRF token: refused.
    assert_eq!(Agent::new(&w.s).post(&action, &[]).await.status, 403);
    let p = a.submit("/account", &action, &[]).await;
    assert_eq!(p.status, 302, "{}", p.body);
    let (st, v) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (401, "access_token_invalid")
    );
    let (st, v) = token_form(
        &w.s,
        &[
            ("client_key", key),
            ("client_secret", w.app["client_secret"].as_str().unwrap()),
            ("grant_type", "refresh_token"),
            ("refresh_token", &w.refresh),
        ],
    )
    .await;
    assert_eq!((st, v["error"].as_str().unwrap()), (400, "invalid_grant"));
    let removed = wait_for_hook(&l, "authorization.removed").await;
    assert_eq!(removed["content"], "{\"reason\":1}");
    // The app is no longer listed.
    let page = a.get("/account").await;
    assert!(!page.body.contains(&action), "{}", page.body);
}
