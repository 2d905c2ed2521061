//! The creator's inbox: drafts that apps sent with the inbox upload, each with a preview, the app
//! that sent it and the posting form that TikTok's content-sharing guidelines ask for. Posting runs
//! `service::publishes::post_draft`: the Direct Post rules, daily cap, publish path and webhooks.
use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use reelbox_core::rules::RequestedPost;
use reelbox_store::creators::Creator;
use reelbox_store::publishes::Publish;
use reelbox_wire::posting::PrivacyLevel;

use super::session::Ctx;
use super::{FormData, Nav, PageError, PageResult, html, when};
use crate::api::pages::render::found;

/// One draft as the inbox shows it.
pub struct DraftView {
    pub id: String,
    pub app_name: String,
    pub photo: bool,
    pub photo_count: usize,
    pub received: String,
    pub error: Option<String>,
}

/// A privacy choice of the creator.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    nav: Nav,
    nickname: String,
    username: String,
    drafts: Vec<DraftView>,
    choices: Vec<Choice>,
    comment_disabled: bool,
    duet_disabled: bool,
    stitch_disabled: bool,
    banned: bool,
    posted: Option<String>,
}

async fn render_inbox(
    ctx: Ctx,
    c: &Creator,
    failed: Option<(String, String)>,
    posted: Option<String>,
) -> PageResult {
    let drafts = ctx.st.store.inbox_drafts(&c.id).await?;
    let mut views = Vec::with_capacity(drafts.len());
    for p in drafts {
        views.push(draft_view(&ctx, &p, &failed).await?);
    }
    let status = if failed.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = html(&InboxPage {
        nav: ctx.nav(),
        nickname: c.nickname.clone(),
        username: c.username.clone(),
        drafts: views,
        choices: c
            .privacy_level_options
            .iter()
            .map(|p| Choice {
                value: p.as_str(),
                label: p.label(),
            })
            .collect(),
        comment_disabled: c.comment_disabled,
        duet_disabled: c.duet_disabled || c.settings().effective_duet_disabled(),
        stitch_disabled: c.stitch_disabled || c.settings().effective_stitch_disabled(),
        banned: c.banned_from_posting,
        posted,
    });
    Ok(ctx.respond((status, page)))
}

async fn draft_view(
    ctx: &Ctx,
    p: &Publish,
    failed: &Option<(String, String)>,
) -> Result<DraftView, PageError> {
    let app_name = ctx
        .st
        .store
        .app(&p.client_key)
        .await?
        .map(|a| a.name.clone())
        .unwrap_or_else(|| p.client_key.clone());
    let photo_count =
        serde_json::from_str::<Vec<String>>(p.photo_images.as_deref().unwrap_or("[]"))
            .map(|v| v.len())
            .unwrap_or(0);
    Ok(DraftView {
        id: p.id.clone(),
        app_name,
        photo: p.media_type == "PHOTO",
        photo_count,
        received: when(p.created_at),
        error: failed
            .as_ref()
            .filter(|(id, _)| *id == p.id)
            .map(|(_, m)| m.clone()),
    })
}

/// The inbox (creators only).
pub async fn inbox_page(ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let c = ctx.require_creator("/inbox")?.clone();
    let posted = q
        .get("posted")
        .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
        .cloned();
    render_inbox(ctx, &c, None, posted).await
}

/// The form's answer as the posting rules read it; `Err` for choices the form must make.
pub fn requested_post(f: &FormData, photo: bool) -> Result<RequestedPost, String> {
    let privacy =
        PrivacyLevel::parse(&f.get("privacy_level")).ok_or("Choose who can watch this post.")?;
    let disclose = f.checked("disclose");
    let brand_content = disclose && f.checked("brand_content");
    let brand_organic = disclose && f.checked("brand_organic");
    if disclose && !brand_content && !brand_organic {
        return Err("You turned on commercial content disclosure: say whether the post promotes your brand, a third party (branded content), or both.".into());
    }
    if brand_content && privacy == PrivacyLevel::SelfOnly {
        return Err("Branded content can't be private: choose Everyone, Friends or Followers, or untick Branded content.".into());
    }
    Ok(RequestedPost {
        title: Some(f.get("title")),
        description: None,
        privacy_level: Some(privacy),
        disable_comment: Some(!f.checked("allow_comment")),
        disable_duet: (!photo).then(|| !f.checked("allow_duet")),
        disable_stitch: (!photo).then(|| !f.checked("allow_stitch")),
        brand_content_toggle: Some(brand_content),
        brand_organic_toggle: Some(brand_organic),
        is_aigc: Some(f.checked("is_aigc")),
        auto_add_music: None,
        video_cover_timestamp_ms: None,
    })
}

async fn own_draft(ctx: &Ctx, c: &Creator, id: &str) -> Result<Publish, PageError> {
    ctx.st
        .store
        .publish_fresh(id)
        .await?
        .filter(|p| p.creator_id == c.id && p.mode == "MEDIA_UPLOAD")
        .ok_or(PageError::NotFound)
}

/// Posts a draft with the creator's choices.
pub async fn post_draft(ctx: Ctx, Path(id): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let c = ctx.require_creator("/inbox")?.clone();
    let p = own_draft(&ctx, &c, &id).await?;
    let req = match requested_post(&f, p.media_type == "PHOTO") {
        Ok(r) => r,
        Err(msg) => return render_inbox(ctx, &c, Some((id, msg)), None).await,
    };
    match crate::service::publishes::post_draft(&ctx.st, &p, &req).await {
        Ok(post_id) => Ok(ctx.respond(found(&format!("/inbox?posted={post_id}")))),
        Err(e) if e.cause.is_none() => render_inbox(ctx, &c, Some((id, e.message)), None).await,
        Err(e) => Err(e.into()),
    }
}

/// Discards a draft.
pub async fn discard_draft(ctx: Ctx, Path(id): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let c = ctx.require_creator("/inbox")?.clone();
    let p = own_draft(&ctx, &c, &id).await?;
    match crate::service::publishes::discard_draft(&ctx.st, &p).await {
        Ok(()) => Ok(ctx.respond(found("/inbox"))),
        Err(e) if e.cause.is_none() => render_inbox(ctx, &c, Some((id, e.message)), None).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_makes_its_choices() {
        let f = FormData::parse(b"title=hi&allow_comment=on");
        assert!(
            requested_post(&f, false)
                .unwrap_err()
                .contains("Choose who")
        );
        let f = FormData::parse(b"privacy_level=SELF_ONLY&disclose=on&brand_content=on");
        assert!(
            requested_post(&f, false)
                .unwrap_err()
                .contains("can't be private")
        );
        let f = FormData::parse(b"privacy_level=PUBLIC_TO_EVERYONE&disclose=on");
        assert!(
            requested_post(&f, false)
                .unwrap_err()
                .contains("your brand")
        );
        // Ticked brand boxes without the disclosure switch are not a disclosure.
        let f = FormData::parse(b"privacy_level=SELF_ONLY&brand_content=on&allow_duet=on");
        let r = requested_post(&f, false).unwrap();
        assert_eq!(r.brand_content_toggle, Some(false));
        assert_eq!(r.disable_comment, Some(true), "toggles start off");
        assert_eq!(r.disable_duet, Some(false));
        let r = requested_post(&f, true).unwrap();
        assert_eq!(r.disable_duet, None, "photos have no duet");
    }
}
