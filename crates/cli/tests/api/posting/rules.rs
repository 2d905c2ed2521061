//! The rules of posting and their codes: privacy options, rate limits, unaudited apps (SELF_ONLY,
//! the active-user cap, ownership of publishes), and revocation failing uploads in flight.
use reelbox_testkit::local::wait_for_hook;
use reelbox_testkit::posting::put;
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use crate::{world, world_local};

#[tokio::test]
async fn posting_rules_answer_their_codes() {
    let w = world().await;
    let s = &w.s;
    let init = "/v2/post/publish/video/init/";
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let code = |v: &Value| v["error"]["code"].as_str().unwrap().to_string();
    let (st, v) = s
        .call(
            &w.token,
            init,
            Some(
                json!({"post_info": {"privacy_level": "FOLLOWER_OF_CREATOR"}, "source_info": file}),
            ),
        )
        .await;
    assert_eq!(
        (st, code(&v)),
        (403, "privacy_level_option_mismatch".into())
    );
    insta::assert_json_snapshot!("privacy_mismatch", redact(v));
    let (st, v) = s
        .call(
            &w.token,
            init,
            Some(json!({"post_info": {"privacy_level": "EVERYONE"}, "source_info": file})),
        )
        .await;
    assert_eq!((st, code(&v)), (400, "invalid_param".into()));
    let (st, v) = s.call(&w.token, init, Some(json!({"post_info": {"privacy_level": "SELF_ONLY", "brand_content_toggle": true}, "source_info": file}))).await;
    assert_eq!((st, code(&v)), (400, "invalid_param".into()));
    let (st, v) = s.call(&w.token, init, Some(json!({"post_info": {"privacy_level": "SELF_ONLY", "title": "x".repeat(2201)}, "source_info": file}))).await;
    assert_eq!((st, code(&v)), (400, "invalid_param".into()));
    let (st, v) = s.call(&w.token, init, Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "FILE_UPLOAD", "video_size": 50_000_123, "chunk_size": 10_000_000, "total_chunk_count": 6}}))).await;
    assert_eq!(
        (st, code(&v)),
        (400, "invalid_param".into()),
        "ceil is not the rule"
    );
    // Status of someone else's or an unknown publish.
    let (st, v) = s
        .call(
            &w.token,
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": "v_pub_file~v2-1.1"})),
        )
        .await;
    assert_eq!((st, code(&v)), (400, "invalid_publish_id".into()));
    // Rate limit: 6 inits per minute (five more after the accepted ones above is enough to hit it).
    let mut last = (0, Value::Null);
    for _ in 0..7 {
        last = s
            .call(
                &w.token,
                init,
                Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
            )
            .await;
    }
    assert_eq!((last.0, code(&last.1)), (429, "rate_limit_exceeded".into()));
    insta::assert_json_snapshot!("rate_limited", redact(last.1));
}

#[tokio::test]
async fn unaudited_apps_caps_and_ownership() {
    // Unaudited app, public account: refused; private account: forced to SELF_ONLY.
    let (w, _l) = world_local(false, false).await;
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(
                json!({"post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"}, "source_info": file}),
            ),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (403, "unaudited_client_can_only_post_to_private_accounts")
    );
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/bob",
        json!({"private_account": true, "daily_post_cap": 2}),
    )
    .await;
    // Asked before the posts, creator_info has nothing to object to (and its counts are now
    // held in memory: the posts below must still show at once).
    let (st, v) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!((st, v["error"]["code"].as_str().unwrap()), (200, "ok"));
    for _ in 0..2 {
        let (st, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({"post_info": {"privacy_level": "FOLLOWER_OF_CREATOR"}, "source_info": file}))).await;
        assert_eq!(st, 200, "{v}");
    }
    let list =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/publishes?username=bob",
            Value::Null,
        )
        .await;
    assert_eq!(
        list["publishes"][0]["settings"]["privacy_level"],
        "SELF_ONLY"
    );
    // The daily cap (2 for bob) is reached; creator_info says so with HTTP 200.
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (403, "spam_risk_too_many_posts")
    );
    let (st, v) =
        w.s.call(&w.token, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (200, "spam_risk_too_many_posts")
    );
    // A day later the cap has reset.
    w.s.advance_clock(24 * 3600 + 1).await;
    let fresh =
        w.s.mint(
            w.app["client_key"].as_str().unwrap(),
            "bob",
            &["video.publish", "video.upload"],
        )
        .await;
    let t = fresh["access_token"].as_str().unwrap();
    let (st, v) =
        w.s.call(t, "/v2/post/publish/creator_info/query/", None)
            .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (200, "ok"),
        "the counts of a day ago are not reused"
    );
    let (st, _) =
        w.s.call(
            t,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    assert_eq!(st, 200);
    // Inbox: at most 5 pending shares.
    for i in 0..6 {
        let (st, v) =
            w.s.call(
                t,
                "/v2/post/publish/inbox/video/init/",
                Some(json!({"source_info": file})),
            )
            .await;
        if i < 5 {
            assert_eq!(st, 200, "{v}");
        } else {
            assert_eq!(
                (st, v["error"]["code"].as_str().unwrap()),
                (403, "spam_risk_too_many_pending_share")
            );
        }
        // Stay under the init rate limit.
        if i == 2 {
            w.s.advance_clock(61).await;
        }
    }
    // Another creator's token cannot read bob's publish.
    w.s.create_creator(json!({"username": "carol"})).await;
    let other =
        w.s.mint(
            w.app["client_key"].as_str().unwrap(),
            "carol",
            &["video.publish"],
        )
        .await;
    let id = list["publishes"][0]["publish_id"].as_str().unwrap();
    let (st, v) =
        w.s.call(
            other["access_token"].as_str().unwrap(),
            "/v2/post/publish/status/fetch/",
            Some(json!({"publish_id": id})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (400, "token_not_authorized_for_specified_publish_id")
    );
}

#[tokio::test]
async fn revoking_fails_uploads_in_flight_and_tells_the_app() {
    let (w, l) = world_local(true, false).await;
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let (_, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    let r =
        w.s.http
            .post(w.s.url("/v2/oauth/revoke/"))
            .form(&[
                ("client_key", w.app["client_key"].as_str().unwrap()),
                ("client_secret", w.app["client_secret"].as_str().unwrap()),
                ("token", w.token.as_str()),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let removed = wait_for_hook(&l, "authorization.removed").await;
    assert_eq!(removed["content"], "{\"reason\":5}");
    let failed = wait_for_hook(&l, "post.publish.failed").await;
    assert!(failed["content"].as_str().unwrap().contains("auth_removed"));
    assert_eq!(
        put(&w.s, &url, &[0u8; 1000], 0, 999, 1000).await.0,
        404,
        "the upload URL of a failed publish is gone"
    );
    let list =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/publishes?username=bob",
            Value::Null,
        )
        .await;
    assert_eq!(list["publishes"][0]["publish_id"], id);
    assert_eq!(list["publishes"][0]["fail_reason"], "auth_removed");
}

#[tokio::test]
async fn unaudited_apps_reach_the_active_user_cap() {
    let s = crate::server().await;
    let app = s.create_app(json!({"name": "Small", "scopes": ["video.publish"], "redirect_uris": ["https://a.example/cb/"]})).await;
    let key = app["client_key"].as_str().unwrap();
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let mut tokens = Vec::new();
    for i in 0..6 {
        let u = format!("user{i}");
        s.create_creator(json!({"username": u, "private_account": true}))
            .await;
        tokens.push(
            s.mint(key, &u, &["video.publish"]).await["access_token"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    for t in &tokens[..5] {
        let (st, v) = s
            .call(
                t,
                "/v2/post/publish/video/init/",
                Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
            )
            .await;
        assert_eq!(st, 200, "{v}");
    }
    let (st, v) = s
        .call(&tokens[5], "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (200, "reached_active_user_cap")
    );
    let (st, v) = s
        .call(
            &tokens[5],
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    assert_eq!(
        (st, v["error"]["code"].as_str().unwrap()),
        (403, "reached_active_user_cap")
    );
    insta::assert_json_snapshot!("active_user_cap", redact(v));
    // A creator already active keeps posting.
    let (st, _) = s
        .call(
            &tokens[0],
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    assert_eq!(st, 200);
}
