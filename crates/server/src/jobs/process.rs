//! The background half of a publish: assemble the upload or download the URL, probe the media,
//! apply the media rules, then post it (Direct Post) or deliver it to the inbox. Every step is a
//! compare-and-set on the publish's status, so a job run twice (after a crash) or racing a cancel
//! changes nothing twice.
use crate::service::publishes::{MediaFacts, complete, fail, kind_of, media_key, open_id};
use crate::state::AppState;
use futures::StreamExt;
use reelbox_core::ids;
use reelbox_core::rules::PostSettings;
use reelbox_media::{ChunkReceipt, FailReason, ImageLimits, VideoLimits};
use reelbox_store::publishes::Publish;
use reelbox_wire::posting::PublishStatus;
use reelbox_wire::posting::fail_reason;
use reelbox_wire::webhook::{events, publish_type};
use std::path::PathBuf;
use std::time::Duration;

/// Job `process`: the last chunk arrived.
pub async fn run_process(st: &AppState, publish_id: &str) -> anyhow::Result<()> {
    let Some(p) = st.store.publish_fresh(publish_id).await? else {
        return Ok(());
    };
    if p.status != PublishStatus::ProcessingUpload
        || crate::service::moderation::is_held(st, &p.id).await?
    {
        return Ok(());
    }
    let key = media_key(&p);
    if p.object_key.is_none() {
        let parts: Vec<ChunkReceipt> = st
            .store
            .chunks(&p.id)
            .await?
            .into_iter()
            .map(|(_, _, len, etag)| ChunkReceipt {
                bytes: len as u64,
                etag,
            })
            .collect();
        st.blobs
            .finish_upload(
                &p.id,
                p.upload_handle.as_deref().unwrap_or(""),
                &parts,
                &key,
            )
            .await?;
        st.store
            .set_publish_media(&p.id, Some(&key), None, None, st.now())
            .await?;
    }
    decide_video(st, &p, &key, &[PublishStatus::ProcessingUpload]).await
}

/// Job `pull`: download the video or photos the app named.
pub async fn run_pull(st: &AppState, publish_id: &str) -> anyhow::Result<()> {
    let Some(p) = st.store.publish_fresh(publish_id).await? else {
        return Ok(());
    };
    if p.status != PublishStatus::ProcessingDownload
        || crate::service::moderation::is_held(st, &p.id).await?
    {
        return Ok(());
    }
    if p.media_type == "PHOTO" {
        return pull_photos(st, &p).await;
    }
    let key = media_key(&p);
    let url = p.video_url.clone().unwrap_or_default();
    match download(st, &p, &url, &key, st.cfg.limits.pull_max_bytes).await {
        Ok(_) => {}
        Err(Download::Cancelled) => return Ok(()),
        Err(Download::TooLarge(why) | Download::Failed(why)) => {
            tracing::info!(publish_id = %p.id, reason = %why, "pull failed");
            fail(
                st,
                &p,
                &[PublishStatus::ProcessingDownload],
                fail_reason::VIDEO_PULL_FAILED,
            )
            .await?;
            return Ok(());
        }
    }
    st.store
        .set_publish_media(&p.id, Some(&key), None, None, st.now())
        .await?;
    decide_video(st, &p, &key, &[PublishStatus::ProcessingDownload]).await
}

enum Download {
    Cancelled,
    /// Larger than the cap: stopped there, nothing kept.
    TooLarge(String),
    Failed(String),
}

/// Streams `url` into the object `key`, capped at `limit` bytes and in time, recording progress;
/// stops when the publish is cancelled meanwhile.
async fn download(
    st: &AppState,
    p: &Publish,
    url: &str,
    key: &str,
    limit: u64,
) -> Result<u64, Download> {
    let deadline = Duration::from_secs(st.cfg.limits.pull_timeout_secs.max(1) as u64);
    let fetch = async {
        let resp = st
            .outbound
            .get(url)
            .await
            .map_err(|e| Download::Failed(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(Download::Failed(format!(
                "{url} answered HTTP {}",
                resp.status()
            )));
        }
        let too_large = || Download::TooLarge(format!("{url} is larger than {limit} bytes"));
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let cancelled = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let over = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = progress.clone();
        let stop = cancelled.clone();
        let overflowed = over.clone();
        let stream = resp.bytes_stream().map(move |chunk| {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(std::io::Error::other("the pull was cancelled"));
            }
            let chunk = chunk.map_err(std::io::Error::other)?;
            let total = seen.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed)
                + chunk.len() as u64;
            if total > limit {
                overflowed.store(true, std::sync::atomic::Ordering::Relaxed);
                return Err(std::io::Error::other("download exceeds the size limit"));
            }
            Ok(chunk)
        });
        let reporter = {
            let st = st.clone();
            let id = p.id.clone();
            let progress = progress.clone();
            let cancelled = cancelled.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let n = progress.load(std::sync::atomic::Ordering::Relaxed) as i64;
                    // A cancel ends the count and the download.
                    if let Ok(false) = st.store.record_download_progress(&id, n, st.now()).await {
                        cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
                        return;
                    }
                }
            })
        };
        let stored = st.blobs.put_stream(key, Box::pin(stream)).await;
        reporter.abort();
        if cancelled.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = st.blobs.delete(key).await;
            return Err(Download::Cancelled);
        }
        let n = stored.map_err(|e| {
            if over.load(std::sync::atomic::Ordering::Relaxed) {
                too_large()
            } else {
                Download::Failed(e.to_string())
            }
        })?;
        st.store
            .record_download_progress(&p.id, n as i64, st.now())
            .await
            .map_err(|e| Download::Failed(e.to_string()))?;
        Ok(n)
    };
    let n = tokio::time::timeout(deadline, fetch)
        .await
        .map_err(|_| Download::Failed("download timed out".into()))??;
    // A cancel that landed during the download wins.
    match st.store.publish_fresh(&p.id).await {
        Ok(Some(now)) if now.status == PublishStatus::ProcessingDownload => Ok(n),
        _ => {
            let _ = st.blobs.delete(key).await;
            Err(Download::Cancelled)
        }
    }
}

fn probe_exe() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("reelbox"))
}

/// Probe, check, and then post or deliver a video.
async fn decide_video(
    st: &AppState,
    p: &Publish,
    key: &str,
    from: &[PublishStatus],
) -> anyhow::Result<()> {
    let Some(creator) = st.store.creator(&p.creator_id).await? else {
        return Ok(());
    };
    let local = st.blobs.local_copy(key).await?;
    let exe = st.cfg.probe.exe.clone().unwrap_or_else(probe_exe);
    let probe = reelbox_media::probe_video_isolated(
        &exe,
        &local.path,
        Duration::from_secs(st.cfg.probe.timeout_secs),
        st.cfg.probe.max_memory_mb * 1024 * 1024,
    )
    .await;
    let probe = match probe {
        Ok(v) => v,
        Err(e) => {
            let reason = FailReason::from_probe_error(&e)
                .map(|r| r.as_wire())
                .unwrap_or(fail_reason::INTERNAL);
            tracing::info!(publish_id = %p.id, error = %e, reason, "probe refused the media");
            drop(local);
            return reject(st, p, from, reason, &[key]).await;
        }
    };
    st.store
        .set_publish_media(
            &p.id,
            None,
            Some(&serde_json::to_string(&probe)?),
            None,
            st.now(),
        )
        .await?;
    let max = creator
        .max_video_post_duration_sec
        .clamp(0, u32::MAX as i64) as u32;
    if let Err(reason) = reelbox_media::check_video(&probe, max, &VideoLimits::default()) {
        drop(local);
        return reject(st, p, from, reason.as_wire(), &[key]).await;
    }
    if let Some(r) = crate::sandbox::faults::processing_failure(st, p).await {
        drop(local);
        return reject(st, p, from, &r, &[key]).await;
    }
    if p.mode == "DIRECT_POST" {
        let settings: PostSettings = serde_json::from_str(p.settings.as_deref().unwrap_or("null"))?;
        // A held post waits in processing for a moderator (`service::moderation`).
        if crate::service::moderation::hold_for_review(st, p, &settings).await? {
            return Ok(());
        }
        let media = MediaFacts::video(
            st,
            key,
            &local.path,
            &probe,
            settings.video_cover_timestamp_ms,
        )
        .await;
        complete(st, p, from, &settings, media, false).await?;
    } else {
        deliver_to_inbox(st, p, from).await?;
    }
    Ok(())
}

/// Fails the publish for `reason` and deletes the media it stored under `keys`: rejected media is
/// never posted nor played, so nothing is kept of it (a run that lost the transition to another
/// outcome leaves the media to that one).
async fn reject(
    st: &AppState,
    p: &Publish,
    from: &[PublishStatus],
    reason: &str,
    keys: &[&str],
) -> anyhow::Result<()> {
    if fail(st, p, from, reason).await? {
        for key in keys {
            if let Err(e) = st.blobs.delete(key).await {
                tracing::warn!(publish_id = %p.id, key, error = %e, "deleting rejected media failed");
            }
        }
    }
    Ok(())
}

async fn deliver_to_inbox(
    st: &AppState,
    p: &Publish,
    from: &[PublishStatus],
) -> anyhow::Result<()> {
    let oid = open_id(st, p).await?;
    let outbox = crate::service::events::prepare(
        st,
        &p.client_key,
        &oid,
        events::INBOX_DELIVERED,
        serde_json::json!({"publish_id": p.id, "publish_type": publish_type::INBOX_SHARE}),
    )
    .await?;
    if st
        .store
        .transition_with(
            &p.id,
            from,
            PublishStatus::SendToUserInbox,
            None,
            st.now(),
            &outbox,
        )
        .await?
    {
        st.work.notify_one();
    }
    Ok(())
}

/// Photos: download each, check format and size, then post or deliver.
async fn pull_photos(st: &AppState, p: &Publish) -> anyhow::Result<()> {
    let urls: Vec<String> = serde_json::from_str(p.photo_images.as_deref().unwrap_or("[]"))?;
    let mut keys: Vec<String> = Vec::new();
    let mut total = 0u64;
    let photo_limits = ImageLimits::default();
    // A photo over the photo rule's size is refused however large it is, so the download stops
    // there rather than at the general pull cap.
    let limit = st
        .cfg
        .limits
        .pull_max_bytes
        .min(photo_limits.max_size_bytes);
    for (i, url) in urls.iter().enumerate() {
        let key = ids::publish_photo_key(&p.id, i);
        let reason = match download(st, p, url, &key, limit).await {
            Ok(n) => {
                total += n;
                None
            }
            Err(Download::Cancelled) => {
                // The cancel made the publish FAILED; the photos before this one go with it.
                for k in &keys {
                    let _ = st.blobs.delete(k).await;
                }
                return Ok(());
            }
            // The answer the photo rule gives a file over its size.
            Err(Download::TooLarge(_)) => Some(FailReason::FileFormat.as_wire()),
            Err(Download::Failed(why)) => {
                tracing::info!(publish_id = %p.id, reason = %why, "photo pull failed");
                Some(fail_reason::PHOTO_PULL_FAILED)
            }
        };
        if let Some(reason) = reason {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            return reject(st, p, &[PublishStatus::ProcessingDownload], reason, &keys).await;
        }
        let local = st.blobs.local_copy(&key).await?;
        let verdict = match reelbox_media::probe_image_file(&local.path) {
            Ok(img) => reelbox_media::check_image(&img, &photo_limits).map(|_| img),
            Err(e) => Err(FailReason::from_probe_error(&e).unwrap_or(FailReason::FileFormat)),
        };
        drop(local);
        keys.push(key);
        if let Err(reason) = verdict {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            return reject(
                st,
                p,
                &[PublishStatus::ProcessingDownload],
                reason.as_wire(),
                &keys,
            )
            .await;
        }
    }
    st.store
        .set_publish_media(&p.id, None, None, Some(total as i64), st.now())
        .await?;
    if p.mode == "DIRECT_POST" {
        let settings: PostSettings = serde_json::from_str(p.settings.as_deref().unwrap_or("null"))?;
        if crate::service::moderation::hold_for_review(st, p, &settings).await? {
            return Ok(());
        }
        let media = MediaFacts::photos(keys, p.photo_cover_index);
        complete(
            st,
            p,
            &[PublishStatus::ProcessingDownload],
            &settings,
            media,
            false,
        )
        .await?;
    } else {
        deliver_to_inbox(st, p, &[PublishStatus::ProcessingDownload]).await?;
    }
    Ok(())
}

/// Job `make_public`: a post held back by `delayed_public_id` becomes publicly available.
pub async fn run_make_public(st: &AppState, payload: &str) -> anyhow::Result<()> {
    let v: serde_json::Value = serde_json::from_str(payload)?;
    let (Some(publish_id), Some(post_id)) = (v["publish_id"].as_str(), v["post_id"].as_str())
    else {
        return Ok(());
    };
    let Some(p) = st.store.publish_fresh(publish_id).await? else {
        return Ok(());
    };
    let oid = open_id(st, &p).await?;
    let outbox = crate::service::events::prepare(
        st,
        &p.client_key,
        &oid,
        events::PUBLICLY_AVAILABLE,
        serde_json::json!({"publish_id": p.id, "post_id": post_id, "publish_type": kind_of(&p)}),
    )
    .await?;
    if st
        .store
        .add_public_post_id(publish_id, post_id, st.now(), &outbox)
        .await?
    {
        st.work.notify_one();
    }
    Ok(())
}
