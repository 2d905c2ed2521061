//! The storage sweeper through the control API: blobs counted in the store before and after a
//! dry run and a real one, on whichever blob store the suite runs (local disk, or S3 when
//! `REELBOX_TEST_S3_ENDPOINT` is set). What a post, a draft or an upload in progress holds stays.
use futures::StreamExt;
use reelbox_testkit::posting::{inbox_draft, put};
use reelbox_testkit::{TestServer, World, media::padded_mp4};
use serde_json::{Value, json};

use crate::server_with;

/// Every blob key the server's store lists, sorted.
async fn blobs(s: &TestServer) -> Vec<String> {
    let st = &s.handle.as_ref().expect("running").state;
    let mut keys: Vec<String> = st
        .blobs
        .list()
        .map(|e| e.expect("listing").key)
        .collect()
        .await;
    keys.sort();
    keys
}

async fn put_blob(s: &TestServer, key: &str, bytes: &'static [u8]) {
    let st = &s.handle.as_ref().expect("running").state;
    let body = futures::stream::iter([Ok(bytes::Bytes::from_static(bytes))]);
    st.blobs.put_stream(key, Box::pin(body)).await.unwrap();
}

#[tokio::test]
async fn the_sweeper_frees_orphans_and_abandoned_uploads_and_keeps_what_is_referred_to() {
    let s = server_with(|c| c.sweeper.min_age_secs = 0).await;
    let w = World::posting(s).await;
    // Kept: a draft in the inbox, a post, an upload in progress (first of two chunks sent).
    inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    reelbox_testkit::posting::alice_post(&w, "PUBLIC_TO_EVERYONE", "kept").await;
    let total = 10_000_000;
    let (st, v) = w.s.call(&w.token, "/v2/post/publish/inbox/video/init/", Some(json!({"source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_000_000, "total_chunk_count": 2}}))).await;
    assert_eq!(st, 200, "{v}");
    let url = v["data"]["upload_url"].as_str().unwrap();
    let video = padded_mp4(total);
    assert_eq!(put(&w.s, url, &video, 0, 4_999_999, total).await.0, 206);
    // Left behind: an object nothing refers to, and chunk data of an upload that is gone.
    put_blob(&w.s, "media/v_pub_file_v2-1_gone", b"orphaned video").await;
    let upload = "v_pub_file~v2-1.gone";
    let st = &w.s.handle.as_ref().unwrap().state;
    let handle = st.blobs.begin_upload(upload).await.unwrap();
    let chunk = futures::stream::iter([Ok(bytes::Bytes::from_static(b"chunk"))]);
    st.blobs
        .write_chunk(upload, &handle, 1, 0, 5, Box::pin(chunk))
        .await
        .unwrap();
    let before = blobs(&w.s).await;
    assert!(
        before.contains(&"media/v_pub_file_v2-1_gone".to_string()),
        "{before:?}"
    );

    let nothing =
        w.s.admin(reqwest::Method::GET, "/_reelbox/sweeper", Value::Null)
            .await;
    assert_eq!(nothing, Value::Null);
    let dry =
        w.s.admin(
            reqwest::Method::POST,
            "/_reelbox/sweeper/run?dry_run=true",
            Value::Null,
        )
        .await;
    assert_eq!(dry["dry_run"], true, "{dry}");
    assert_eq!(dry["orphans"]["blobs"], 1, "{dry}");
    assert_eq!(dry["orphans"]["bytes"], "orphaned video".len(), "{dry}");
    assert_eq!(dry["abandoned_uploads"]["blobs"], 1, "{dry}");
    assert_eq!(dry["partial_writes"]["blobs"], 0, "{dry}");
    assert_eq!(dry["listed"]["blobs"], before.len(), "{dry}");
    assert_eq!(blobs(&w.s).await, before, "a dry run deletes nothing");

    let run =
        w.s.admin(
            reqwest::Method::POST,
            "/_reelbox/sweeper/run?dry_run=false",
            Value::Null,
        )
        .await;
    assert_eq!(run["dry_run"], false, "{run}");
    assert_eq!(run["errors"], 0, "{run}");
    let after = blobs(&w.s).await;
    assert_eq!(after.len(), before.len() - 2, "{before:?} → {after:?}");
    assert!(!after.iter().any(|k| k.contains("gone")), "{after:?}");
    // The upload in progress goes on, and the sweeper's record is the last run.
    assert_eq!(
        put(&w.s, url, &video, 5_000_000, total - 1, total).await.0,
        201
    );
    let last =
        w.s.admin(reqwest::Method::GET, "/_reelbox/sweeper", Value::Null)
            .await;
    assert_eq!(last, run);
    let again =
        w.s.admin(reqwest::Method::POST, "/_reelbox/sweeper/run", Value::Null)
            .await;
    assert_eq!(again["orphans"]["blobs"], 0, "{again}");
    assert_eq!(again["abandoned_uploads"]["blobs"], 0, "{again}");
    w.s.stop().await;
}

#[tokio::test]
async fn an_enabled_sweeper_runs_as_a_periodic_job() {
    let s = server_with(|c| {
        c.sweeper.enabled = true;
        c.sweeper.every_secs = 60;
        c.sweeper.min_age_secs = 0;
    })
    .await;
    put_blob(&s, "covers/nobody.jpg", b"cover").await;
    assert_eq!(blobs(&s).await.len(), 1);
    // The job is queued one period ahead: nothing runs until the clock reaches it.
    s.advance_clock(61).await;
    let mut last = Value::Null;
    for _ in 0..200 {
        last = s
            .admin(reqwest::Method::GET, "/_reelbox/sweeper", Value::Null)
            .await;
        if !last.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last["orphans"]["blobs"], 1, "{last}");
    assert!(blobs(&s).await.is_empty());
    s.stop().await;
}

#[tokio::test]
async fn a_taken_down_post_frees_its_media_and_a_live_one_keeps_its_own() {
    let s = server_with(|c| {
        c.sweeper.min_age_secs = 0;
        // Renditions would be made in the background; this test is about the post's own media.
        c.renditions.enabled = false;
    })
    .await;
    let w = World::posting(s).await;
    let kept = reelbox_testkit::posting::alice_post(&w, "PUBLIC_TO_EVERYONE", "kept").await;
    let gone = reelbox_testkit::posting::alice_post(&w, "PUBLIC_TO_EVERYONE", "gone").await;
    let st = &w.s.handle.as_ref().unwrap().state;
    let keys_of = |p: reelbox_store::posts::Post| -> Vec<String> {
        p.object_key.into_iter().chain(p.cover_key).collect()
    };
    let kept_keys = keys_of(st.store.post(&kept).await.unwrap().unwrap());
    let gone_keys = keys_of(st.store.post(&gone).await.unwrap().unwrap());
    assert!(!gone_keys.is_empty() && !kept_keys.is_empty());
    let before = blobs(&w.s).await;
    for k in gone_keys.iter().chain(&kept_keys) {
        assert!(before.contains(k), "{k} in {before:?}");
    }
    // Nothing is free while both posts are up.
    let run =
        w.s.admin(reqwest::Method::POST, "/_reelbox/sweeper/run", Value::Null)
            .await;
    assert_eq!(run["orphans"]["blobs"], 0, "{run}");

    w.s.admin(
        reqwest::Method::DELETE,
        &format!("/_reelbox/videos/{gone}"),
        Value::Null,
    )
    .await;
    let run =
        w.s.admin(reqwest::Method::POST, "/_reelbox/sweeper/run", Value::Null)
            .await;
    assert_eq!(run["orphans"]["blobs"], gone_keys.len(), "{run}");
    let after = blobs(&w.s).await;
    for k in &gone_keys {
        assert!(!after.contains(k), "{k} freed: {after:?}");
    }
    for k in &kept_keys {
        assert!(after.contains(k), "{k} kept: {after:?}");
    }
    w.s.stop().await;
}
