//! `/_reelbox/publishes`, `/_reelbox/inbox` and `/_reelbox/videos`: what apps sent, posting a
//! draft as its creator, and removing a post.
use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Control, WireJson};
use crate::service::inspect::{inbox, post_inbox_draft as post_draft, publishes};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use reelbox_wire::Envelope;
use reelbox_wire::control::{
    DraftList, DraftPost, PostedDraft, PublishList, PublishQuery, RemovedVideo,
};

/// Publishes, newest first, with what was asked and what happened.
#[utoipa::path(get, path = "/_reelbox/publishes", tag = "Control API", params(PublishQuery), responses((status = 200, body = Envelope<PublishList>), super::BadRequest), security(("admin" = [])))]
pub async fn get_publishes(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<PublishQuery>,
) -> ApiResult<Data<PublishList>> {
    Ok(Data(publishes(&st, q).await?))
}
/// The drafts waiting in a creator's inbox.
#[utoipa::path(get, path = "/_reelbox/inbox/{username}", tag = "Control API", params(("username" = String, Path)), responses((status = 200, body = Envelope<DraftList>)), security(("admin" = [])))]
pub async fn get_inbox(
    State(st): State<AppState>,
    _: Admin,
    Path(u): Path<String>,
) -> ApiResult<Data<DraftList>> {
    Ok(Data(inbox(&st, &u).await?))
}
/// Post a draft from a creator's inbox as the creator would in the app.
#[utoipa::path(post, path = "/_reelbox/inbox/{username}/{publish_id}/post", tag = "Control API", params(("username" = String, Path), ("publish_id" = String, Path)), request_body = DraftPost, responses((status = 200, body = Envelope<PostedDraft>), super::BadRequest), security(("admin" = [])))]
pub async fn post_inbox_draft(
    State(st): State<AppState>,
    _: Admin,
    Path((u, id)): Path<(String, String)>,
    WireJson(req, _): WireJson<DraftPost, Control>,
) -> ApiResult<Data<PostedDraft>> {
    Ok(Data(post_draft(&st, &u, &id, &req).await?))
}
/// Remove a post (as its creator deleting it, or an operator taking it down): gone from every page
/// and read API; the app that posted a public one gets the "no longer publicly available" event.
#[utoipa::path(delete, path = "/_reelbox/videos/{video_id}", tag = "Control API", params(("video_id" = String, Path)), responses((status = 200, body = Envelope<RemovedVideo>)), security(("admin" = [])))]
pub async fn delete_video(
    State(st): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> ApiResult<Data<RemovedVideo>> {
    if !crate::service::publishes::remove_post(&st, &id).await? {
        return Err(ApiError::not_found("video"));
    }
    Ok(Data(RemovedVideo { video_id: id }))
}
