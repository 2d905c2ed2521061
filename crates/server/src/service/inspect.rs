//! What the operator reads of an app's traffic (publishes, inbox drafts, webhook deliveries,
//! recorded calls), and posting a draft as its creator would in the app.
use reelbox_core::rules::RequestedPost;
use reelbox_store::publishes::{Publish, PublishFilter};
use reelbox_wire::control::{
    AppQuery, CallList, CallView, DeliveryList, DeliveryView, DraftList, DraftPost, DraftView,
    PostedDraft, PublishList, PublishQuery, PublishView,
};

use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `?limit=` of the lists: 1..=1000, default 100.
fn limit(l: Option<i64>) -> i64 {
    l.unwrap_or(100).clamp(1, 1000)
}

async fn creator_id(st: &AppState, username: &str) -> ApiResult<String> {
    Ok(st
        .store
        .creator_by_username(username)
        .await?
        .ok_or_else(|| ApiError::not_found("creator"))?
        .id)
}

fn publish_view(p: Publish, username: String) -> PublishView {
    PublishView {
        client_key: p.client_key,
        created_at: p.created_at,
        downloaded_bytes: p.downloaded_bytes,
        fail_reason: p.fail_reason,
        inbox_state: p.inbox_state,
        media_type: p.media_type,
        mode: p.mode,
        post_id: serde_json::from_str::<Vec<String>>(&p.post_ids)
            .unwrap_or_default()
            .into_iter()
            .next(),
        post_info: serde_json::from_str(&p.post_info).unwrap_or_default(),
        publish_id: p.id,
        settings: p
            .settings
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok()),
        source: p.source,
        status: p.status.as_str().into(),
        updated_at: p.updated_at,
        uploaded_bytes: p.uploaded_bytes,
        username,
    }
}

/// Publishes, newest first, with what was asked and what happened.
pub async fn publishes(st: &AppState, q: PublishQuery) -> ApiResult<PublishList> {
    let creator_id = match &q.username {
        Some(u) => Some(creator_id(st, u).await?),
        None => None,
    };
    let list = st
        .store
        .publishes(&PublishFilter {
            client_key: q.client_key,
            creator_id,
            status: q.status,
            limit: limit(q.limit),
        })
        .await?;
    let mut publishes = Vec::with_capacity(list.len());
    for p in list {
        let username = st
            .store
            .creator(&p.creator_id)
            .await?
            .map(|c| c.username.clone())
            .unwrap_or_default();
        publishes.push(publish_view(p, username));
    }
    Ok(PublishList { publishes })
}

/// The drafts waiting in a creator's inbox.
pub async fn inbox(st: &AppState, username: &str) -> ApiResult<DraftList> {
    let id = creator_id(st, username).await?;
    let drafts = st.store.inbox_drafts(&id).await?;
    Ok(DraftList {
        drafts: drafts
            .into_iter()
            .map(|p| DraftView {
                client_key: p.client_key,
                created_at: p.created_at,
                media_type: p.media_type,
                publish_id: p.id,
            })
            .collect(),
    })
}

/// Posts a draft of a creator's inbox as the creator would in the app (the Direct Post rules).
pub async fn post_inbox_draft(
    st: &AppState,
    username: &str,
    publish_id: &str,
    req: &DraftPost,
) -> ApiResult<PostedDraft> {
    let id = creator_id(st, username).await?;
    let p = st
        .store
        .publish(publish_id)
        .await?
        .filter(|p| p.creator_id == id)
        .ok_or_else(|| ApiError::not_found("draft"))?;
    let requested = RequestedPost {
        title: req.title.clone(),
        description: req.description.clone(),
        privacy_level: req.privacy_level,
        disable_comment: req.disable_comment,
        disable_duet: req.disable_duet,
        disable_stitch: req.disable_stitch,
        brand_content_toggle: req.brand_content_toggle,
        brand_organic_toggle: req.brand_organic_toggle,
        is_aigc: req.is_aigc,
        auto_add_music: None,
        video_cover_timestamp_ms: req.video_cover_timestamp_ms,
    };
    let post_id = crate::service::publishes::post_draft(st, &p, &requested).await?;
    Ok(PostedDraft { post_id })
}

/// An app's webhook delivery log, newest first.
pub async fn webhooks(st: &AppState, q: AppQuery) -> ApiResult<DeliveryList> {
    let list = st
        .store
        .deliveries_of_app(&q.client_key, limit(q.limit))
        .await?;
    Ok(DeliveryList {
        deliveries: list.into_iter().map(delivery_view).collect(),
    })
}

/// A delivery as the control API shows it.
pub fn delivery_view(d: reelbox_store::webhooks::Delivery) -> DeliveryView {
    DeliveryView {
        attempts: d.attempts,
        body: d.body,
        client_key: d.client_key,
        created_at: d.created_at,
        delivered_at: d.delivered_at,
        event: d.event,
        id: d.id,
        last_error: d.last_error,
        last_status_code: d.last_status_code,
        status: d.status,
        url: d.url,
    }
}

/// An app's recent wire API calls, newest first (the call log is flushed first).
pub async fn calls(st: &AppState, q: AppQuery) -> ApiResult<CallList> {
    st.calls.flush().await;
    let list = st.store.calls_of_app(&q.client_key, limit(q.limit)).await?;
    Ok(CallList {
        calls: list
            .into_iter()
            .map(|c| CallView {
                client_key: c.client_key,
                created_at: c.created_at,
                creator_id: c.creator_id,
                endpoint: c.endpoint,
                error_code: c.error_code,
                id: c.id,
                injected: c.injected.0,
                latency_ms: c.latency_ms,
                log_id: c.log_id,
                method: c.method,
                status: c.status,
                summary: c.summary,
                intercepted_host: c.intercepted_host,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_holds_100_by_default_and_1_to_1000_when_asked() {
        assert_eq!(limit(None), 100);
        assert_eq!(limit(Some(0)), 1);
        assert_eq!(limit(Some(5_000)), 1000);
        assert_eq!(limit(Some(42)), 42);
    }
}
