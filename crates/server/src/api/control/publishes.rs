//! `/_reelbox/publishes` and `/_reelbox/inbox`: what apps sent, and posting a draft as its creator.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Control, WireJson};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use reelbox_core::rules::RequestedPost;
use reelbox_store::publishes::PublishFilter;
use reelbox_wire::posting::PrivacyLevel;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PublishQuery {
    client_key: Option<String>,
    username: Option<String>,
    status: Option<String>,
    limit: Option<i64>,
}
/// Publishes, newest first, with what was asked and what happened.
#[utoipa::path(get, path = "/_reelbox/publishes", tag = "Control API", params(PublishQuery), responses((status = 200, description = "{publishes: [...]}"), super::BadRequest), security(("admin" = [])))]
pub async fn get_publishes(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<PublishQuery>,
) -> ApiResult<Data<serde_json::Value>> {
    let creator_id = match &q.username {
        Some(u) => Some(
            st.store
                .creator_by_username(u)
                .await?
                .ok_or_else(|| ApiError::not_found("creator"))?
                .id,
        ),
        None => None,
    };
    let list = st
        .store
        .publishes(&PublishFilter {
            client_key: q.client_key,
            creator_id,
            status: q.status,
            limit: q.limit.unwrap_or(100).clamp(1, 1000),
        })
        .await?;
    let mut out = Vec::new();
    for p in list {
        let username = st
            .store
            .creator(&p.creator_id)
            .await?
            .map(|c| c.username.clone())
            .unwrap_or_default();
        out.push(serde_json::json!({
            "publish_id": p.id, "client_key": p.client_key, "username": username, "mode": p.mode,
            "media_type": p.media_type, "source": p.source, "status": p.status, "fail_reason": p.fail_reason,
            "post_info": serde_json::from_str::<serde_json::Value>(&p.post_info).unwrap_or_default(),
            "settings": p.settings.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()),
            "uploaded_bytes": p.uploaded_bytes, "downloaded_bytes": p.downloaded_bytes,
            "post_id": serde_json::from_str::<Vec<String>>(&p.post_ids).unwrap_or_default().first().cloned(),
            "inbox_state": p.inbox_state, "created_at": p.created_at, "updated_at": p.updated_at,
        }));
    }
    Ok(Data(serde_json::json!({ "publishes": out })))
}
/// The drafts waiting in a creator's inbox.
#[utoipa::path(get, path = "/_reelbox/inbox/{username}", tag = "Control API", params(("username" = String, Path)), responses((status = 200, description = "{drafts: [...]}")), security(("admin" = [])))]
pub async fn get_inbox(
    State(st): State<AppState>,
    _: Admin,
    Path(u): Path<String>,
) -> ApiResult<Data<serde_json::Value>> {
    let c = st
        .store
        .creator_by_username(&u)
        .await?
        .ok_or_else(|| ApiError::not_found("creator"))?;
    let drafts = st.store.inbox_drafts(&c.id).await?;
    let list: Vec<_> = drafts
        .iter()
        .map(|p| serde_json::json!({"publish_id": p.id, "client_key": p.client_key, "media_type": p.media_type, "created_at": p.created_at}))
        .collect();
    Ok(Data(serde_json::json!({ "drafts": list })))
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DraftPost {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub privacy_level: Option<PrivacyLevel>,
    #[serde(default)]
    pub disable_comment: Option<bool>,
    #[serde(default)]
    pub disable_duet: Option<bool>,
    #[serde(default)]
    pub disable_stitch: Option<bool>,
    #[serde(default)]
    pub brand_content_toggle: Option<bool>,
    #[serde(default)]
    pub brand_organic_toggle: Option<bool>,
    #[serde(default)]
    pub is_aigc: Option<bool>,
    #[serde(default)]
    pub video_cover_timestamp_ms: Option<i64>,
}
impl DraftPost {
    pub fn requested(&self) -> RequestedPost {
        RequestedPost {
            title: self.title.clone(),
            description: self.description.clone(),
            privacy_level: self.privacy_level,
            disable_comment: self.disable_comment,
            disable_duet: self.disable_duet,
            disable_stitch: self.disable_stitch,
            brand_content_toggle: self.brand_content_toggle,
            brand_organic_toggle: self.brand_organic_toggle,
            is_aigc: self.is_aigc,
            auto_add_music: None,
            video_cover_timestamp_ms: self.video_cover_timestamp_ms,
        }
    }
}
/// Post a draft from a creator's inbox as the creator would in the app.
#[utoipa::path(post, path = "/_reelbox/inbox/{username}/{publish_id}/post", tag = "Control API", params(("username" = String, Path), ("publish_id" = String, Path)), request_body = DraftPost, responses((status = 200, description = "{post_id}"), super::BadRequest), security(("admin" = [])))]
pub async fn post_inbox_draft(
    State(st): State<AppState>,
    _: Admin,
    Path((u, id)): Path<(String, String)>,
    WireJson(req, _): WireJson<DraftPost, Control>,
) -> ApiResult<Data<serde_json::Value>> {
    let c = st
        .store
        .creator_by_username(&u)
        .await?
        .ok_or_else(|| ApiError::not_found("creator"))?;
    let p = st
        .store
        .publish(&id)
        .await?
        .filter(|p| p.creator_id == c.id)
        .ok_or_else(|| ApiError::not_found("draft"))?;
    let post_id = crate::service::publishes::post_draft(&st, &p, &req.requested()).await?;
    Ok(Data(serde_json::json!({ "post_id": post_id })))
}
