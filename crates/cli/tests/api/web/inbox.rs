//! The inbox posting form posts through the Direct Post rules.
use reelbox_testkit::posting::inbox_draft;
use reelbox_testkit::web::Agent;
use serde_json::{Value, json};

use crate::world;

#[tokio::test]
async fn the_inbox_form_posts_through_the_direct_post_rules() {
    let w = world().await;
    let draft = inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    let mut a = Agent::new(&w.s);
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    let page = a.get("/inbox").await;
    assert!(page.body.contains("From Scheduler"), "the app that sent it");
    assert!(page.body.contains(&format!("src=\"/inbox/{draft}/media\"")));
    assert!(
        page.body.contains("<option value=\"\" selected disabled>"),
        "no privacy preselected"
    );
    assert!(
        !page.body.contains("name=\"allow_comment\" checked"),
        "toggles start off"
    );
    // The preview is served to its creator only.
    let p = a
        .get_with(&format!("/inbox/{draft}/media"), &[("range", "bytes=0-9")])
        .await;
    assert_eq!(p.status, 206);
    assert_eq!(
        Agent::new(&w.s)
            .get(&format!("/inbox/{draft}/media"))
            .await
            .status,
        302
    );
    let action = format!("/inbox/{draft}/post");
    // No privacy chosen; branded content made private: refused with words, the draft stays.
    let p = a.submit("/inbox", &action, &[("title", "x")]).await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("Choose who can watch this post."));
    let p = a
        .submit(
            "/inbox",
            &action,
            &[
                ("privacy_level", "SELF_ONLY"),
                ("disclose", "on"),
                ("brand_content", "on"),
            ],
        )
        .await;
    assert_eq!(p.status, 400);
    assert!(
        p.body.contains("Branded content can&#x27;t be private")
            || p.body.contains("Branded content can't be private"),
        "{}",
        p.body
    );
    // A privacy level outside the creator's options is the rules' refusal.
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"privacy_level_options": ["PUBLIC_TO_EVERYONE", "SELF_ONLY"]}),
    )
    .await;
    let p = a
        .submit(
            "/inbox",
            &action,
            &[("privacy_level", "FOLLOWER_OF_CREATOR")],
        )
        .await;
    assert_eq!(p.status, 400);
    // Posted: the same completion as a Direct Post (publish complete, public id, on the profile).
    let p = a
        .submit(
            "/inbox",
            &action,
            &[
                ("title", "from the web #inbox"),
                ("privacy_level", "PUBLIC_TO_EVERYONE"),
                ("allow_comment", "on"),
            ],
        )
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let post_id = p
        .location()
        .strip_prefix("/inbox?posted=")
        .unwrap()
        .to_string();
    let v = reelbox_testkit::posting::status(&w, &draft).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE");
    assert_eq!(
        v["data"]["publicaly_available_post_id"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let inbox = a.get(&p.location()).await;
    assert!(inbox.body.contains("No drafts waiting."));
    assert!(inbox.body.contains(&format!("/@alice/video/{post_id}")));
    let watch = a.get(&format!("/@alice/video/{post_id}")).await;
    assert_eq!(watch.status, 200);
    assert!(watch.body.contains("from the web"));
    assert!(
        watch.body.contains("href=\"/tag/inbox\""),
        "hashtags link to their page"
    );
    assert!(
        watch
            .body
            .contains(&format!("src=\"/media/{post_id}/video\""))
    );
    // Discard: a second draft goes away without a post.
    let second = inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    let p = a
        .submit("/inbox", &format!("/inbox/{second}/discard"), &[])
        .await;
    assert_eq!(p.status, 302);
    let inbox =
        w.s.admin(reqwest::Method::GET, "/_reelbox/inbox/alice", Value::Null)
            .await;
    assert_eq!(inbox["drafts"].as_array().unwrap().len(), 0);
    // The daily cap of Direct Posts applies to the inbox too.
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"daily_post_cap": 1}),
    )
    .await;
    let third = inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    let p = a
        .submit(
            "/inbox",
            &format!("/inbox/{third}/post"),
            &[("privacy_level", "SELF_ONLY")],
        )
        .await;
    assert_eq!(p.status, 400, "over the daily cap");
}
