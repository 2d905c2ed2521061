//! Hostile uploaders and pulled servers: a second writer racing a chunk, bodies that stall,
//! media whose headers lie about their size, downloads that never end, and the bytes a rejected
//! publish leaves behind.
use std::time::Duration;

use bytes::Bytes;
use reelbox_testkit::fixture;
use reelbox_testkit::posting::settle;
use serde_json::json;

use crate::world_local;

/// The object key of a publish's media.
fn media_key(publish_id: &str) -> String {
    format!("media/{}", publish_id.replace(['~', '.'], "_"))
}

/// A body that yields `data` in `pieces` parts, sleeping `gap` before each (after `delay`).
fn paced_body(data: Vec<u8>, pieces: usize, delay: Duration, gap: Duration) -> reqwest::Body {
    let step = data.len().div_ceil(pieces.max(1));
    let parts: Vec<Bytes> = data
        .chunks(step)
        .map(Bytes::copy_from_slice)
        .collect::<Vec<_>>();
    let stream = futures::stream::unfold(
        (parts.into_iter(), true),
        move |(mut it, first)| async move {
            let part = it.next()?;
            tokio::time::sleep(if first { delay } else { gap }).await;
            Some((Ok::<_, std::io::Error>(part), (it, false)))
        },
    );
    reqwest::Body::wrap_stream(stream)
}

#[tokio::test]
async fn a_second_writer_of_a_chunk_cannot_swap_the_published_media() {
    let (w, _l) = world_local(true, false).await;
    let video = std::fs::read(fixture("h264_720x1280_30fps.mp4")).unwrap();
    let n = video.len();
    let (st, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({
        "post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}}))).await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    let range = format!("bytes 0-{}/{n}", n - 1);
    let put = |body: reqwest::Body| {
        w.s.http
            .put(&url)
            .header("content-range", &range)
            .header("content-length", n)
            .body(body)
            .send()
    };
    // The valid upload streams in two halves 600 ms apart; while it is in flight a second PUT of
    // the same range starts and trickles HTML over four seconds, well past publication.
    let valid = put(paced_body(
        video.clone(),
        2,
        Duration::ZERO,
        Duration::from_millis(600),
    ));
    let html: Vec<u8> = b"<html><script>alert(1)</script></html>"
        .iter()
        .copied()
        .cycle()
        .take(n)
        .collect();
    let hostile = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        put(paced_body(
            html,
            40,
            Duration::ZERO,
            Duration::from_millis(100),
        ))
        .await
    };
    let (valid, hostile) = tokio::join!(valid, async {
        let r = hostile.await;
        // Give the publish time to settle before looking at what the late writer left.
        tokio::time::sleep(Duration::from_millis(300)).await;
        r
    });
    assert_eq!(valid.unwrap().status(), 201);
    let v = settle(&w, &id).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE", "{v}");
    let stored = w.s.object(&media_key(&id)).await;
    assert!(
        stored == video,
        "the published object is the validated upload ({} bytes, starts {:?})",
        stored.len(),
        String::from_utf8_lossy(&stored[..stored.len().min(16)])
    );
    match hostile {
        Ok(r) => assert_eq!(r.status(), 416, "a second writer of a range in flight"),
        // The server may answer and close before the trickling body was sent.
        Err(e) => eprintln!("hostile PUT ended with {e}"),
    }
}
