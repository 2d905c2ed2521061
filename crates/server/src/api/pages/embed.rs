//! `/embed/v2/{post_id}`: the player alone, what the Display API's `embed_link` points at (the
//! path TikTok's embed links use). A public post only; it offers the web-safe renditions first.
use askama::Template;
use axum::extract::Path;
use reelbox_wire::posting::PrivacyLevel;

use super::session::Ctx;
use super::{PageError, PageResult, html};

#[derive(Template)]
#[template(path = "embed.html")]
struct EmbedPage {
    id: String,
    username: String,
    photo: bool,
    width: i64,
    height: i64,
    sources: Vec<(String, String)>,
}

pub async fn embed_page(ctx: Ctx, Path(post_id): Path<String>) -> PageResult {
    let p = ctx
        .st
        .store
        .post(&post_id)
        .await?
        .filter(|p| p.privacy_level == PrivacyLevel::PublicToEveryone.as_str())
        .ok_or(PageError::NotFound)?;
    let creator = ctx
        .st
        .store
        .creator(&p.creator_id)
        .await?
        .filter(|c| !c.private_account)
        .ok_or(PageError::NotFound)?;
    let photo = p.media_type == "PHOTO";
    let sources = if photo {
        vec![]
    } else {
        super::media::video_sources(&ctx.st, &p).await?
    };
    let page = html(&EmbedPage {
        id: p.id.clone(),
        username: creator.username.clone(),
        photo,
        width: p.width,
        height: p.height,
        sources,
    });
    Ok(ctx.respond(page))
}
