//! Direct Post by FILE_UPLOAD: chunked PUTs to the upload URL, processing of real media, the exact
//! failure reason of bad media, upload URLs that expire, and a restart between chunks.
use reelbox_testkit::fixture;
use reelbox_testkit::local::wait_for_hook;
use reelbox_testkit::media::padded_mp4;
use reelbox_testkit::posting::{put, settle, status};
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use crate::{world, world_local};

#[tokio::test]
async fn direct_post_file_upload_in_chunks() {
    let (w, l) = world_local(true, false).await;
    let s = &w.s;
    let total = 12_000_000usize;
    let bytes = padded_mp4(total);
    let (st, v) = s
        .call(&w.token, "/v2/post/publish/video/init/", Some(json!({
            "post_info": {"title": "a #cat video for @friend #FYP", "privacy_level": "PUBLIC_TO_EVERYONE", "disable_comment": true, "video_cover_timestamp_ms": 500, "is_aigc": true},
            "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_000_000, "total_chunk_count": 2}})))
        .await;
    assert_eq!(st, 200, "{v}");
    insta::assert_json_snapshot!("video_init", redact(v.clone()));
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("v_pub_file~v2-1."));
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    assert!(url.len() <= 256);
    // Out of order: the second chunk first.
    assert_eq!(
        put(s, &url, &bytes, 5_000_000, total - 1, total).await.0,
        416
    );
    // The first chunk, then the same chunk again (already acknowledged: 416).
    assert_eq!(
        put(s, &url, &bytes, 0, 4_999_999, total).await,
        (206, "bytes 0-4999999/12000000".into())
    );
    let v = status(&w, &id).await;
    assert_eq!(
        (
            v["data"]["status"].as_str().unwrap(),
            v["data"]["uploaded_bytes"].as_i64().unwrap()
        ),
        ("PROCESSING_UPLOAD", 5_000_000)
    );
    assert_eq!(put(s, &url, &bytes, 0, 4_999_999, total).await.0, 416);
    // Wrong total and a lying Content-Length.
    assert_eq!(
        put(s, &url, &bytes, 5_000_000, total - 1, total + 1)
            .await
            .0,
        416
    );
    let r = s
        .http
        .put(&url)
        .header(
            "content-range",
            format!("bytes 5000000-{}/{total}", total - 1),
        )
        .body(vec![0u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "body shorter than the range");
    // A wrong token is no upload URL.
    let bad = url.replace("upload_token=", "upload_token=x");
    assert_eq!(
        put(s, &bad, &bytes, 5_000_000, total - 1, total).await.0,
        404
    );
    assert_eq!(
        put(s, &url, &bytes, 5_000_000, total - 1, total).await,
        (201, "bytes 0-11999999/12000000".into())
    );
    let v = settle(&w, &id).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE", "{v}");
    insta::assert_json_snapshot!("status_complete", redact(v.clone()));
    let post_id = v["data"]["publicaly_available_post_id"][0]
        .as_u64()
        .unwrap();
    assert_eq!(post_id.to_string().len(), 19);
    // The stored file is byte-identical.
    let stored =
        w.s.object(&format!("media/{}", id.replace(['~', '.'], "_")))
            .await;
    assert!(stored == bytes, "stored file equals the upload");
    // The post carries the chosen settings.
    let list = s
        .admin(
            reqwest::Method::GET,
            "/_reelbox/publishes?username=bob",
            Value::Null,
        )
        .await;
    let p = &list["publishes"][0];
    assert_eq!(p["post_id"], post_id.to_string());
    assert_eq!(p["settings"]["disable_comment"], true);
    assert_eq!(p["settings"]["is_aigc"], true);
    assert_eq!(p["settings"]["privacy_level"], "PUBLIC_TO_EVERYONE");
    let done = wait_for_hook(&l, "post.publish.complete").await;
    let content: Value = serde_json::from_str(done["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"publish_id": id, "publish_type": "DIRECT_PUBLISH"})
    );
    let public = wait_for_hook(&l, "post.publish.publicly_available").await;
    let content: Value = serde_json::from_str(public["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["post_id"], post_id.to_string());
    // The delivery log shows them, once the node has read the receiver's answer (the receiver
    // holds the event a moment before the node records the delivery).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let log = s
            .admin(
                reqwest::Method::GET,
                &format!(
                    "/_reelbox/webhooks?client_key={}",
                    w.app["client_key"].as_str().unwrap()
                ),
                Value::Null,
            )
            .await;
        let deliveries = log["deliveries"].as_array().unwrap();
        if deliveries.iter().any(|d| d["status"] == "delivered") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no delivery recorded as delivered: {log:#}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn bad_media_fails_with_the_exact_reason() {
    let (w, _l) = world_local(true, false).await;
    for (file, reason) in [
        ("h264_10fps.mp4", "frame_rate_check_failed"),
        ("h264_200x200.mp4", "picture_size_check_failed"),
        ("h264_long_12s.mp4", "duration_check_failed"),
        ("not_a_video.mp4", "file_format_check_failed"),
        ("truncated.mp4", "file_format_check_failed"),
    ] {
        w.s.advance_clock(61).await; // stay under the init rate limit
        let bytes = std::fs::read(fixture(file)).unwrap();
        let n = bytes.len();
        let (st, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({
            "post_info": {"privacy_level": "SELF_ONLY"},
            "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}}))).await;
        assert_eq!(st, 200, "{v}");
        let id = v["data"]["publish_id"].as_str().unwrap().to_string();
        assert_eq!(
            put(
                &w.s,
                v["data"]["upload_url"].as_str().unwrap(),
                &bytes,
                0,
                n - 1,
                n
            )
            .await
            .0,
            201
        );
        let v = settle(&w, &id).await;
        assert_eq!(
            (
                file,
                v["data"]["status"].as_str().unwrap(),
                v["data"]["fail_reason"].as_str().unwrap_or("-")
            ),
            (file, "FAILED", reason),
            "{v}"
        );
    }
    for file in ["hevc_720x1280_30fps.mov", "vp9_720x1280_30fps.webm"] {
        w.s.advance_clock(61).await;
        let bytes = std::fs::read(fixture(file)).unwrap();
        let n = bytes.len();
        let (_, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({
            "post_info": {"privacy_level": "SELF_ONLY"},
            "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}}))).await;
        let id = v["data"]["publish_id"].as_str().unwrap().to_string();
        put(
            &w.s,
            v["data"]["upload_url"].as_str().unwrap(),
            &bytes,
            0,
            n - 1,
            n,
        )
        .await;
        let v = settle(&w, &id).await;
        assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE", "{file}: {v}");
        assert_eq!(
            v["data"]["publicaly_available_post_id"],
            json!([]),
            "SELF_ONLY posts are not public"
        );
    }
}

#[tokio::test]
async fn upload_urls_expire() {
    let w = world().await;
    let file = json!({"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1});
    let (_, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    w.s.advance_clock(3601).await;
    assert_eq!(
        put(
            &w.s,
            v["data"]["upload_url"].as_str().unwrap(),
            &[0u8; 1000],
            0,
            999,
            1000
        )
        .await
        .0,
        403
    );
}

/// Files under the server's data directory whose name is `name` (local disk; none on S3).
fn files_named(dir: &std::path::Path, name: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            usize::from(e.file_name().to_string_lossy() == name)
                + if p.is_dir() { files_named(&p, name) } else { 0 }
        })
        .sum()
}

#[tokio::test]
async fn an_abandoned_upload_fails_once_its_url_expires_and_its_bytes_go() {
    let (w, l) = world_local(true, false).await;
    let total = 11_000_000usize;
    let bytes = padded_mp4(total);
    let (_, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({
        "post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_500_000, "total_chunk_count": 2}}))).await;
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    assert_eq!(put(&w.s, &url, &bytes, 0, 5_499_999, total).await.0, 206);
    let local_disk = std::env::var_os("REELBOX_TEST_S3_ENDPOINT").is_none();
    assert_eq!(
        files_named(&w.s.dir, &id) > 0,
        local_disk,
        "the first chunk is on disk"
    );
    // Within the hour it waits for the rest.
    w.s.advance_clock(3500).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(status(&w, &id).await["data"]["status"], "PROCESSING_UPLOAD");
    // Once the URL has expired it is no longer left PROCESSING_UPLOAD for ever.
    w.s.advance_clock(101).await;
    let v = settle(&w, &id).await;
    assert_eq!(
        (
            v["data"]["status"].as_str(),
            v["data"]["fail_reason"].as_str()
        ),
        (Some("FAILED"), Some("file_format_check_failed"))
    );
    assert_eq!(v["data"]["uploaded_bytes"], 5_500_000);
    let hook = wait_for_hook(&l, "post.publish.failed").await;
    assert!(
        hook["content"]
            .as_str()
            .unwrap()
            .contains("file_format_check_failed"),
        "{hook}"
    );
    if local_disk {
        assert_eq!(
            files_named(&w.s.dir, &id),
            0,
            "the partial upload is deleted"
        );
    }
}

#[tokio::test]
async fn a_restart_between_chunks_loses_nothing_acknowledged() {
    let (mut w, _l) = world_local(true, false).await;
    let total = 11_000_000usize;
    let bytes = padded_mp4(total);
    let (_, v) = w.s.call(&w.token, "/v2/post/publish/video/init/", Some(json!({
        "post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5_000_000, "total_chunk_count": 2}}))).await;
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let url = v["data"]["upload_url"].as_str().unwrap().to_string();
    assert_eq!(put(&w.s, &url, &bytes, 0, 4_999_999, total).await.0, 206);
    w.s.restart().await;
    // The upload URL names the old port; the path and query are what identify the upload.
    let url = format!("{}{}", w.s.base, &url[url.find("/upload/").unwrap()..]);
    let v = status(&w, &id).await;
    assert_eq!(
        v["data"]["uploaded_bytes"], 5_000_000,
        "the resume point survived the restart"
    );
    assert_eq!(
        put(&w.s, &url, &bytes, 5_000_000, total - 1, total).await.0,
        201
    );
    let v = settle(&w, &id).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE", "{v}");
    let stored =
        w.s.object(&format!("media/{}", id.replace(['~', '.'], "_")))
            .await;
    assert!(stored == bytes);
}

/// Every file under `dir` (none when it does not exist).
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(p) = todo.pop() {
        match std::fs::read_dir(&p) {
            Ok(entries) => todo.extend(entries.map(|e| e.expect("entry").path())),
            Err(_) if p.is_file() => files.push(p),
            Err(_) => {}
        }
    }
    files
}

#[tokio::test]
async fn media_that_processing_rejects_is_deleted() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut cfg = reelbox_testkit::TestServer::config(tmp.path(), crate::probe_exe());
    cfg.database_url = reelbox_testkit::fresh_database().await;
    // Media on local disk, so the test can list what is stored.
    cfg.storage = None;
    let w =
        reelbox_testkit::World::posting(reelbox_testkit::TestServer::start_with(cfg).await).await;
    // Refused by the probe (an HTML page), and by the rules (a video below the 360 px minimum).
    let html = b"<html><script>alert(document.cookie)</script></html>".repeat(200);
    let small = std::fs::read(fixture("h264_200x200.mp4")).expect("fixture");
    for bytes in [html, small] {
        let (_, v) = reelbox_testkit::posting::upload_to_inbox(&w, &bytes).await;
        assert_eq!(v["data"]["status"], "FAILED", "{v}");
    }
    assert_eq!(
        files_under(&tmp.path().join("media")),
        Vec::<std::path::PathBuf>::new(),
        "nothing of a rejected upload is kept"
    );
}

/// A server whose chunk PUTs may idle one second, with the posting world.
async fn impatient_world() -> (reelbox_testkit::World, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut cfg = reelbox_testkit::TestServer::config(tmp.path(), crate::probe_exe());
    cfg.database_url = reelbox_testkit::fresh_database().await;
    cfg.storage = reelbox_testkit::fresh_bucket().await;
    cfg.limits.upload_body_idle_timeout_secs = 1;
    let s = reelbox_testkit::TestServer::start_with(cfg).await;
    (reelbox_testkit::World::posting(s).await, tmp)
}

/// Inits a one-chunk upload of `n` bytes: its upload URL.
async fn one_chunk_upload(w: &reelbox_testkit::World, n: usize) -> String {
    let file =
        json!({"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1});
    let (st, v) =
        w.s.call(
            &w.token,
            "/v2/post/publish/video/init/",
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    v["data"]["upload_url"]
        .as_str()
        .expect("upload url")
        .to_string()
}

/// Opens a raw connection and sends a PUT of `n` bytes to `upload_url` with only `sent` of them.
async fn start_put(upload_url: &str, n: usize, sent: usize) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let u = url::Url::parse(upload_url).expect("upload url");
    let host = format!(
        "{}:{}",
        u.host_str().expect("host"),
        u.port().expect("port")
    );
    let mut c = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    let head = format!(
        "PUT {}?{} HTTP/1.1\r\nHost: {host}\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-{}/{n}\r\nContent-Length: {n}\r\n\r\n",
        u.path(),
        u.query().unwrap_or_default(),
        n - 1
    );
    c.write_all(head.as_bytes()).await.expect("head");
    c.write_all(&vec![7u8; sent])
        .await
        .expect("part of the body");
    c
}

/// The status line of the answer on `c` (bounded wait; empty when the connection closed).
async fn status_line(c: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), c.read(&mut buf))
        .await
        .expect("the server answers the PUT")
        .unwrap_or(0);
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_stalled_chunk_put_is_cut_off_and_the_chunk_can_be_sent_again() {
    let (w, _tmp) = impatient_world().await;
    let url = one_chunk_upload(&w, 1000).await;
    // Half the body, then silence: the upload's one writer slot must not be held for ever.
    let mut stalled = start_put(&url, 1000, 500).await;
    assert_eq!(
        status_line(&mut stalled).await,
        "HTTP/1.1 408 Request Timeout"
    );
    let (code, range) = put(&w.s, &url, &[7u8; 1000], 0, 999, 1000).await;
    assert_eq!((code, range.as_str()), (201, "bytes 0-999/1000"));
}

#[tokio::test]
async fn an_upload_url_that_expires_during_a_put_ends_it() {
    use tokio::io::AsyncWriteExt;
    let (w, _tmp) = impatient_world().await;
    let url = one_chunk_upload(&w, 1000).await;
    let mut c = start_put(&url, 1000, 500).await;
    // Within the idle timeout, the URL's hour passes; the rest of the body arrives after it.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    w.s.advance_clock(3601).await;
    c.write_all(&[7u8; 500]).await.expect("the rest");
    assert_eq!(status_line(&mut c).await, "HTTP/1.1 403 Forbidden");
    let (code, _) = put(&w.s, &url, &[7u8; 1000], 0, 999, 1000).await;
    assert_eq!(code, 403, "the URL stays expired");
}
