//! Job `expire_upload`: a FILE_UPLOAD whose URL expired before its last chunk arrived ends
//! `FAILED` and its bytes are deleted. TikTok documents the hour but not what follows; reelbox
//! answers `file_format_check_failed` (the file TikTok holds is no complete video), as
//! docs/compatibility.md says.
use reelbox_wire::posting::{PublishStatus, fail_reason};

use crate::service::publishes;
use crate::state::AppState;

pub async fn run_expire_upload(st: &AppState, publish_id: &str) -> anyhow::Result<()> {
    let Some(p) = st.store.publish_fresh(publish_id).await? else {
        return Ok(());
    };
    let complete = p.uploaded_bytes >= p.video_size.unwrap_or(0);
    // The URL expires on the creator's clock within the app (per-app and per-creator clocks).
    let expired = p
        .upload_expires_at
        .is_some_and(|t| st.now_for_creator(&p.client_key, Some(&p.creator_id)) > t);
    if p.status != PublishStatus::ProcessingUpload || complete || !expired {
        return Ok(());
    }
    publishes::fail(
        st,
        &p,
        &[PublishStatus::ProcessingUpload],
        fail_reason::FILE_FORMAT_CHECK_FAILED,
    )
    .await?;
    Ok(())
}
