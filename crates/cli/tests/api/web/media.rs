//! Media served by Range, and privacy enforced on pages and media.
use reelbox_testkit::fixture;
use reelbox_testkit::posting::alice_post;
use reelbox_testkit::web::Agent;
use serde_json::json;

use super::bob;
use crate::world;

#[tokio::test]
async fn media_is_served_by_range() {
    let w = world().await;
    let post = alice_post(&w, "PUBLIC_TO_EVERYONE", "ranges").await;
    let size = std::fs::metadata(fixture("h264_720x1280_30fps.mp4"))
        .unwrap()
        .len();
    let whole = std::fs::read(fixture("h264_720x1280_30fps.mp4")).unwrap();
    let mut a = Agent::new(&w.s);
    let path = format!("/media/{post}/video");
    let p = a.get(&path).await;
    assert_eq!(p.status, 200);
    assert_eq!(p.headers["content-type"], "video/mp4");
    assert_eq!(p.headers["accept-ranges"], "bytes");
    assert_eq!(p.headers["content-length"], size.to_string().as_str());
    assert!(
        p.headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let r = reqwest::Client::new()
        .get(w.s.url(&path))
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 100-199/{size}").as_str()
    );
    assert_eq!(r.headers()["content-length"], "100");
    assert_eq!(&r.bytes().await.unwrap()[..], &whole[100..200]);
    let p = a.get_with(&path, &[("range", "bytes=-10")]).await;
    assert_eq!(p.status, 206);
    assert_eq!(
        p.headers["content-range"],
        format!("bytes {}-{}/{size}", size - 10, size - 1).as_str()
    );
    let p = a
        .get_with(&path, &[("range", &format!("bytes={size}-"))])
        .await;
    assert_eq!(p.status, 416);
    assert_eq!(
        p.headers["content-range"],
        format!("bytes */{size}").as_str()
    );
    // Revalidation answers 304 without the body.
    let etag = a.get(&path).await.headers["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let p = a.get_with(&path, &[("if-none-match", &etag)]).await;
    assert_eq!(p.status, 304);
    // The cover: an extracted frame (ffmpeg) or the placeholder.
    let p = a.get(&format!("/media/{post}/cover")).await;
    assert_eq!(p.status, 200);
    let ct = p.headers["content-type"].to_str().unwrap();
    assert!(ct == "image/jpeg" || ct == "image/svg+xml", "{ct}");
    assert_eq!(a.get("/media/1234567890123456789/video").await.status, 404);
}

#[tokio::test]
async fn privacy_is_enforced_on_pages_and_media() {
    let w = world().await;
    bob(&w).await;
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]}),
    )
    .await;
    let public = alice_post(&w, "PUBLIC_TO_EVERYONE", "for everyone #sunny").await;
    let followers = alice_post(&w, "FOLLOWER_OF_CREATOR", "for followers").await;
    let friends = alice_post(&w, "MUTUAL_FOLLOW_FRIENDS", "for friends").await;
    let me = alice_post(&w, "SELF_ONLY", "only me").await;
    let watch = |id: &str| format!("/@alice/video/{id}");
    let media = |id: &str| format!("/media/{id}/video");
    async fn codes(a: &mut Agent, paths: &[String]) -> Vec<u16> {
        let mut out = vec![];
        for p in paths {
            out.push(a.get(p).await.status);
        }
        out
    }
    let pages: Vec<String> = [&public, &followers, &friends, &me]
        .iter()
        .map(|id| watch(id))
        .collect();
    let files: Vec<String> = [&public, &followers, &friends, &me]
        .iter()
        .map(|id| media(id))
        .collect();
    // Nobody signed in: only the public post.
    let mut anon = Agent::new(&w.s);
    assert_eq!(codes(&mut anon, &pages).await, [200, 404, 404, 404]);
    assert_eq!(codes(&mut anon, &files).await, [200, 404, 404, 404]);
    let profile = anon.get("/@alice").await;
    assert!(
        profile.body.contains("for everyone")
            && !profile.body.contains("only me")
            && !profile.body.contains("for followers")
    );
    // A wrong username in the path is not found either.
    assert_eq!(anon.get(&format!("/@bob/video/{public}")).await.status, 404);
    // Bob signed in, not following: public only. Following: followers too. Mutual: friends too.
    let mut b = Agent::new(&w.s);
    assert_eq!(b.sign_in("bob", "bob password").await.status, 302);
    assert_eq!(codes(&mut b, &pages).await, [200, 404, 404, 404]);
    let p = b
        .submit("/@alice", "/@alice/follow", &[("action", "follow")])
        .await;
    assert_eq!(p.status, 302);
    assert_eq!(codes(&mut b, &pages).await, [200, 200, 404, 404]);
    let mut a = Agent::new(&w.s);
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    assert_eq!(
        a.submit("/@bob", "/@bob/follow", &[("action", "follow")])
            .await
            .status,
        302
    );
    assert_eq!(codes(&mut b, &pages).await, [200, 200, 200, 404]);
    assert_eq!(
        codes(&mut b, &files).await,
        [200, 200, 200, 404],
        "media follow the same rule"
    );
    // The creator sees everything, SELF_ONLY included.
    assert_eq!(codes(&mut a, &pages).await, [200, 200, 200, 200]);
    assert!(a.get("/@alice").await.body.contains("only me"));
    // Unfollowing takes friends-only away again.
    assert_eq!(
        b.submit("/@alice", "/@alice/follow", &[("action", "unfollow")])
            .await
            .status,
        302
    );
    assert_eq!(codes(&mut b, &pages).await, [200, 404, 404, 404]);
    // Hashtag pages list public posts only.
    let tag = anon.get("/tag/sunny").await;
    assert_eq!(tag.status, 200);
    assert!(tag.body.contains(&public));
    let home = anon.get("/").await;
    assert!(home.body.contains(&public) && !home.body.contains(&me));
}
