//! Job `render`: the web-safe renditions of a video post (`reelbox_media::rendition`), each
//! encoded to a temporary file under the probe's memory cap and `renditions.timeout_secs`, then
//! stored as `renditions/<post>/<short side>.mp4` (on S3 too) and recorded. Idempotent: a size
//! already made is skipped, and a post removed meanwhile is left alone. Without ffmpeg (or when
//! it fails) the post keeps being served from its original, and the log says why.
use reelbox_core::ids;
use reelbox_media::RenditionOutcome;
use std::time::Duration;

use crate::state::AppState;

/// The kind of the job, enqueued with every video post.
pub use crate::service::publishes::RENDER_JOB as JOB;

/// The object key of a post's rendition.
pub fn key(post_id: &str, short_side: u32) -> String {
    format!(
        "renditions/{}/{short_side}.mp4",
        reelbox_core::sweep::object_key_part(post_id)
    )
}

pub async fn run(st: &AppState, post_id: &str) -> anyhow::Result<()> {
    let Some(post) = st.store.post(post_id).await? else {
        return Ok(());
    };
    let Some(original) = post.object_key.clone() else {
        return Ok(());
    };
    let done: Vec<i64> = st
        .store
        .renditions_of(post_id)
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let short = post.width.min(post.height).clamp(0, u32::MAX as i64) as u32;
    let todo: Vec<u32> = reelbox_media::rendition_heights(short)
        .into_iter()
        .filter(|s| !done.contains(&(*s as i64)))
        .collect();
    if todo.is_empty() {
        return Ok(());
    }
    let local = st.blobs.local_copy(&original).await?;
    let cfg = &st.cfg.renditions;
    for side in todo {
        let out = std::env::temp_dir().join(format!("reelbox-rendition-{}.mp4", ids::row_id()));
        let outcome = reelbox_media::render_mp4(
            &local.path,
            &out,
            side,
            cfg.threads,
            Duration::from_secs(cfg.timeout_secs),
            st.cfg.probe.max_memory_mb * 1024 * 1024,
        )
        .await?;
        match outcome {
            RenditionOutcome::Made => {}
            RenditionOutcome::FfmpegMissing => {
                tracing::warn!(post_id, "no ffmpeg: the original is served");
                return Ok(());
            }
            RenditionOutcome::Failed(why) => {
                tracing::warn!(post_id, side, reason = %why, "rendition failed: the original is served");
                return Ok(());
            }
        }
        let k = key(post_id, side);
        let stored = async {
            let f = tokio::fs::File::open(&out).await?;
            let stream = tokio_util::io::ReaderStream::new(f);
            st.blobs
                .put_stream(&k, Box::pin(stream))
                .await
                .map_err(anyhow::Error::from)
        }
        .await;
        let _ = tokio::fs::remove_file(&out).await;
        let bytes = stored?;
        st.store
            .add_rendition(post_id, side as i64, &k, bytes as i64, st.now())
            .await?;
        tracing::info!(post_id, side, bytes, "rendition made");
    }
    Ok(())
}
