//! Views count once per viewer per day; likes and comments.
use reelbox_testkit::posting::alice_post;
use reelbox_testkit::web::Agent;

use super::bob;
use crate::world;

fn count(body: &str, id: &str) -> String {
    body.split(&format!("<span id=\"{id}\">"))
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn views_count_once_per_viewer_per_day_likes_and_comments() {
    let w = world().await;
    bob(&w).await;
    let post = alice_post(&w, "PUBLIC_TO_EVERYONE", "count me").await;
    let path = format!("/@alice/video/{post}");
    let mut anon = Agent::new(&w.s);
    assert_eq!(count(&anon.get(&path).await.body, "views"), "1");
    assert_eq!(
        count(&anon.get(&path).await.body, "views"),
        "1",
        "same viewer, same day"
    );
    let mut b = Agent::new(&w.s);
    assert_eq!(b.sign_in("bob", "bob password").await.status, 302);
    assert_eq!(count(&b.get(&path).await.body, "views"), "2");
    w.s.advance_clock(86_400).await;
    assert_eq!(b.sign_in("bob", "bob password").await.status, 302);
    assert_eq!(
        count(&b.get(&path).await.body, "views"),
        "3",
        "a new day counts again"
    );
    // Likes: once per creator, and unlike takes it back.
    assert_eq!(
        b.submit(&path, &format!("{path}/like"), &[("action", "like")])
            .await
            .status,
        302
    );
    assert_eq!(
        b.submit(&path, &format!("{path}/like"), &[("action", "like")])
            .await
            .status,
        302
    );
    let page = b.get(&path).await;
    assert_eq!(count(&page.body, "likes"), "1");
    assert!(page.body.contains("♥ Liked"));
    assert_eq!(
        b.submit(&path, &format!("{path}/like"), &[("action", "unlike")])
            .await
            .status,
        302
    );
    assert_eq!(count(&b.get(&path).await.body, "likes"), "0");
    // Comments: signed in only, 1 to 150 characters.
    let long = "x".repeat(151);
    let p = b
        .submit(&path, &format!("{path}/comment"), &[("text", &long)])
        .await;
    assert_eq!(p.status, 400);
    assert_eq!(
        b.submit(
            &path,
            &format!("{path}/comment"),
            &[("text", "lovely <b>video</b>")]
        )
        .await
        .status,
        302
    );
    let page = anon.get(&path).await;
    assert!(
        page.body.contains("lovely &#60;b&#62;video"),
        "escaped: {}",
        page.body
    );
    let csrf = anon.get("/signin").await.csrf();
    let p = anon
        .post(
            &format!("{path}/like"),
            &[("csrf", &csrf), ("action", "like")],
        )
        .await;
    assert_eq!(p.status, 302);
    assert!(
        p.location().starts_with("/signin?next="),
        "signed-out likes go to sign-in"
    );
}
