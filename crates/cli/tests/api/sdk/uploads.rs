//! Chunked uploads through a failed chunk, an interrupted upload resumed as the same publish, inbox and photo posts.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reelbox_sdk::wire::ErrorCode;
use reelbox_sdk::wire::posting::{
    PhotoPostInfo, PostMode, PrivacyLevel, PublishStatus, VideoPostInfo,
};
use reelbox_sdk::{Action, Client, Credentials, Journal, Media, Publisher, VideoTarget};
use reelbox_testkit::media::padded_mp4;
use reelbox_testkit::redact::redact;
use reelbox_testkit::{TestServer, World, fixture};
use serde_json::{Value, json};

use super::fast;
use crate::{world, world_local};

fn direct(privacy: PrivacyLevel, title: &str) -> VideoTarget {
    VideoTarget::Direct(VideoPostInfo {
        title: Some(title.into()),
        privacy_level: Some(privacy),
        ..Default::default()
    })
}

async fn publishes(s: &TestServer, key: &str) -> Vec<Value> {
    s.admin(
        reqwest::Method::GET,
        &format!("/_reelbox/publishes?client_key={key}&limit=1000"),
        Value::Null,
    )
    .await["publishes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn stored(s: &TestServer, publish_id: &str) -> Vec<u8> {
    s.object(&format!("media/{}", publish_id.replace(['~', '.'], "_")))
        .await
}

#[tokio::test]
async fn multi_chunk_upload_survives_a_failed_chunk() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bytes = padded_mp4(16_000_000);
    let path = dir.path().join("clip.mp4");
    std::fs::write(&path, &bytes).unwrap();
    // The first chunk PUT fails once with a 500.
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/faults",
        json!({"endpoint": "upload", "error_code": "internal_error", "http_status": 500, "times": 1}),
    )
    .await;
    let client = fast(Client::new(&s.base, Credentials::Token(w.token.clone())));
    let mut p = Publisher::new(client, Journal::new(dir.path().join("journal")));
    p.chunk_size = 5_000_000;
    let top = Arc::new(AtomicU64::new(0));
    let top2 = top.clone();
    let progress: reelbox_sdk::upload::Progress = Arc::new(move |done, total| {
        assert_eq!(total, 16_000_000);
        top2.fetch_max(done, Ordering::Relaxed);
    });
    let media = Media::File {
        path: path.clone(),
        target: direct(PrivacyLevel::SelfOnly, "three chunks"),
    };
    let (started, st) = p
        .publish(
            "clip",
            &media,
            Some(progress),
            Some(Duration::from_secs(60)),
        )
        .await
        .unwrap();
    assert!(!started.resumed);
    assert_eq!(st.status, PublishStatus::PublishComplete, "{st:?}");
    assert_eq!(st.uploaded_bytes, Some(16_000_000));
    assert_eq!(top.load(Ordering::Relaxed), 16_000_000);
    // The 500 is answered before the body is read, so whether progress went back first is a
    // race; the spent fault is what proves the chunk was sent again.
    let left = s
        .admin(reqwest::Method::GET, "/_reelbox/faults", Value::Null)
        .await;
    assert_eq!(left["faults"].as_array().map(Vec::len), Some(0), "{left}");
    assert!(
        stored(s, &started.publish_id).await == bytes,
        "stored file equals the upload"
    );
    let all = publishes(s, key).await;
    assert_eq!(all.len(), 1, "one publish");
    // Running it again reports the finished publish instead of posting twice.
    let (again, st2) = p.publish("clip", &media, None, None).await.unwrap();
    assert!(again.resumed);
    assert_eq!(again.publish_id, started.publish_id);
    assert_eq!(st2.status, PublishStatus::PublishComplete);
    assert_eq!(publishes(s, key).await.len(), 1);
}

#[tokio::test]
async fn interrupted_upload_resumes_the_same_publish() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bytes = padded_mp4(12_000_000);
    let path = dir.path().join("clip.mp4");
    std::fs::write(&path, &bytes).unwrap();
    let journal = dir.path().join("journal");
    let media = Media::File {
        path: path.clone(),
        target: direct(PrivacyLevel::SelfOnly, "resumed"),
    };
    // First run: every chunk fails; the run gives up with the publish recorded.
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/faults",
        json!({"endpoint": "upload", "error_code": "internal_error", "http_status": 500, "times": 50}),
    )
    .await;
    let mut c = fast(Client::new(&s.base, Credentials::Token(w.token.clone())));
    c.backoff.retries = 1;
    let mut p = Publisher::new(c, Journal::new(&journal));
    p.chunk_size = 5_000_000;
    let e = p.start("clip", &media, None).await.unwrap_err();
    assert_eq!(e.action(), Action::Retry, "{e}");
    let entry = Journal::new(&journal)
        .load("clip")
        .unwrap()
        .expect("journaled");
    let id = entry.publish_id.clone().unwrap();
    let url = entry.upload_url.clone().unwrap();
    s.admin(reqwest::Method::DELETE, "/_reelbox/faults", Value::Null)
        .await;
    // The crashed process had managed the first chunk.
    let (code, _) = reelbox_testkit::posting::put(s, &url, &bytes, 0, 4_999_999, 12_000_000).await;
    assert_eq!(code, 206);
    // A new process with the same journal: no second init, the upload goes on from 5,000,000.
    let p2 = Publisher {
        chunk_size: 5_000_000,
        ..Publisher::new(
            fast(Client::new(&s.base, Credentials::Token(w.token.clone()))),
            Journal::new(&journal),
        )
    };
    let first = Arc::new(AtomicU64::new(u64::MAX));
    let f2 = first.clone();
    let progress: reelbox_sdk::upload::Progress = Arc::new(move |done, _| {
        f2.fetch_min(done, Ordering::Relaxed);
    });
    let started = p2.start("clip", &media, Some(progress)).await.unwrap();
    assert!(started.resumed);
    assert_eq!(started.publish_id, id);
    assert!(
        first.load(Ordering::Relaxed) > 5_000_000,
        "resumed past the first chunk"
    );
    let st = p2
        .finish("clip", &id, Some(Duration::from_secs(60)), |_| {})
        .await
        .unwrap();
    assert_eq!(st.status, PublishStatus::PublishComplete);
    assert_eq!(publishes(s, key).await.len(), 1, "no second publish");
    assert!(stored(s, &id).await == bytes);
}

#[tokio::test]
async fn inbox_and_photo_posts() {
    let (w, l): (World, _) = world_local(true, false).await;
    let s = &w.s;
    let dir = tempfile::tempdir().unwrap();
    let client = fast(Client::new(&s.base, Credentials::Token(w.token.clone())));
    let p = Publisher::new(client.clone(), Journal::new(dir.path().join("j")));
    let media = Media::File {
        path: fixture("h264_720x1280_30fps.mp4"),
        target: VideoTarget::Inbox,
    };
    let (started, st) = p
        .publish("inbox", &media, None, Some(Duration::from_secs(60)))
        .await
        .unwrap();
    assert!(started.publish_id.starts_with("v_inbox_file~"));
    assert_eq!(st.status, PublishStatus::SendToUserInbox);
    insta::assert_json_snapshot!(
        "sdk_inbox_status",
        redact(serde_json::to_value(&st).unwrap())
    );
    let photos = Media::Photos {
        urls: vec![
            format!("{}/media/a.jpg", l.base),
            format!("{}/media/b.webp", l.base),
        ],
        cover_index: 1,
        mode: PostMode::DirectPost,
        post_info: PhotoPostInfo {
            title: Some("two photos".into()),
            privacy_level: Some(PrivacyLevel::SelfOnly),
            ..Default::default()
        },
    };
    let (started, st) = p
        .publish("photos", &photos, None, Some(Duration::from_secs(60)))
        .await
        .unwrap();
    assert!(
        started.publish_id.starts_with("p_pub_url~"),
        "{}",
        started.publish_id
    );
    assert_eq!(st.status, PublishStatus::PublishComplete, "{st:?}");
    // A finished pull cannot be cancelled: typed, with the platform's words.
    let e = client.cancel(&started.publish_id).await.unwrap_err();
    assert!(e.is(ErrorCode::PublishNotCancellable), "{e}");
    // A video pulled from a URL, cancelled while it downloads.
    let slow = Media::VideoUrl {
        url: format!("{}/media/slow.mp4", l.base),
        target: direct(PrivacyLevel::SelfOnly, "pulled"),
    };
    let started = p.start("slow", &slow, None).await.unwrap();
    assert!(started.publish_id.starts_with("v_pub_url~"));
    client.cancel(&started.publish_id).await.unwrap();
    let st = p
        .finish(
            "slow",
            &started.publish_id,
            Some(Duration::from_secs(60)),
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(
        (st.status, st.fail_reason.as_deref()),
        (PublishStatus::Failed, Some("publish_cancelled"))
    );
    // A pull whose answer was lost is not repeated blindly.
    let j = Journal::new(dir.path().join("j"));
    let mut e = j.load("photos").unwrap().unwrap();
    e.key = "lost".into();
    e.publish_id = None;
    e.state = reelbox_sdk::JournalState::Initiating;
    j.save(&e).unwrap();
    let refused = p.start("lost", &photos, None).await.unwrap_err();
    assert!(
        matches!(refused, reelbox_sdk::Error::Unsafe(_)),
        "{refused}"
    );
}
