//! Public pages: the home page, profiles `/@{username}`, watch pages
//! `/@{username}/video/{id}` (views counted once per viewer per period; likes and comments for
//! signed-in creators), follows, and hashtag pages `/tag/{name}`.
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use reelbox_core::ids;
use reelbox_store::posts::Post;

use super::media::visible_post;
use super::session::Ctx;
use super::{
    FormData, Nav, PageError, PageResult, compact, html, privacy_label, relation, visible, when,
};
use crate::api::pages::render::found;

/// A view is counted once per viewer per this period.
pub const VIEW_PERIOD_MS: i64 = 86_400_000;
/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 150;

/// A post in a grid.
pub struct Tile {
    pub id: String,
    pub username: String,
    pub caption: String,
    pub views: String,
    pub privacy: &'static str,
    pub public: bool,
    pub photo: bool,
}

fn tile(p: &Post, username: &str) -> Tile {
    Tile {
        id: p.id.clone(),
        username: username.to_string(),
        caption: if p.title.is_empty() {
            "Untitled".into()
        } else {
            p.title.clone()
        },
        views: compact(p.view_count),
        privacy: privacy_label(&p.privacy_level),
        public: p.privacy_level == "PUBLIC_TO_EVERYONE",
        photo: p.media_type == "PHOTO",
    }
}

async fn tiles(ctx: &Ctx, posts: &[Post]) -> Result<Vec<Tile>, PageError> {
    let mut out = Vec::with_capacity(posts.len());
    let mut names: std::collections::HashMap<String, String> = Default::default();
    for p in posts {
        if !names.contains_key(&p.creator_id) {
            let name = ctx
                .st
                .store
                .creator(&p.creator_id)
                .await?
                .map(|c| c.username.clone())
                .unwrap_or_default();
            names.insert(p.creator_id.clone(), name);
        }
        out.push(tile(p, &names[&p.creator_id]));
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Nav,
    posts: Vec<Tile>,
}

/// The home page: the newest public posts.
pub async fn home(ctx: Ctx) -> PageResult {
    let posts = ctx.st.store.recent_public_posts(30).await?;
    let posts = tiles(&ctx, &posts).await?;
    let page = html(&HomePage {
        nav: ctx.nav(),
        posts,
    });
    Ok(ctx.respond(page))
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    nav: Nav,
    username: String,
    nickname: String,
    bio: String,
    avatar_url: String,
    initial: String,
    followers: String,
    following: String,
    likes: String,
    posts: Vec<Tile>,
    own: bool,
    signed_in: bool,
    following_them: bool,
}

/// A creator's profile: header, counts and the posts the viewer may see.
pub async fn profile_page(ctx: Ctx, Path(username): Path<String>) -> PageResult {
    let c = ctx
        .st
        .store
        .creator_by_username(&username)
        .await?
        .ok_or(PageError::NotFound)?;
    let rel = relation(&ctx.st, ctx.creator.as_ref(), &c.id).await?;
    let posts: Vec<Post> = ctx
        .st
        .store
        .posts_of_creator(&c.id, 60)
        .await?
        .into_iter()
        .filter(|p| visible(&p.privacy_level, rel))
        .collect();
    let counts = ctx.st.store.follow_counts(&c.id).await?;
    let page = html(&ProfilePage {
        nav: ctx.nav(),
        initial: c
            .nickname
            .chars()
            .next()
            .unwrap_or('?')
            .to_uppercase()
            .to_string(),
        avatar_url: if c.avatar_url.starts_with("https://") {
            c.avatar_url.clone()
        } else {
            String::new()
        },
        followers: compact(counts.followers),
        following: compact(counts.following),
        likes: compact(counts.likes),
        posts: posts.iter().map(|p| tile(p, &c.username)).collect(),
        own: rel.is_creator,
        signed_in: ctx.creator.is_some(),
        following_them: rel.follows,
        username: c.username,
        nickname: c.nickname,
        bio: c.bio,
    });
    Ok(ctx.respond(page))
}

/// Follows or unfollows (`action=follow|unfollow`).
pub async fn follow(ctx: Ctx, Path(username): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let me = ctx.require_creator(&format!("/@{username}"))?.clone();
    let c = ctx
        .st
        .store
        .creator_by_username(&username)
        .await?
        .ok_or(PageError::NotFound)?;
    if c.id != me.id {
        ctx.st
            .store
            .set_follow(&me.id, &c.id, f.get("action") != "unfollow", ctx.st.now())
            .await?;
    }
    Ok(ctx.respond(found(&format!("/@{}", c.username))))
}

/// A hashtag of a caption, linked to its page.
pub struct Tag {
    pub name: String,
}

/// A comment as shown.
pub struct CommentView {
    pub username: String,
    pub text: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "watch.html")]
struct WatchPage {
    nav: Nav,
    id: String,
    username: String,
    nickname: String,
    caption: String,
    tags: Vec<Tag>,
    photo: bool,
    photos: Vec<usize>,
    width: i64,
    height: i64,
    views: String,
    likes: String,
    comments_count: String,
    shares: String,
    privacy: &'static str,
    posted: String,
    liked: bool,
    signed_in: bool,
    comments_open: bool,
    comments: Vec<CommentView>,
    error: Option<String>,
    notice: Option<String>,
    /// The `<source>`s of the player: renditions first, then the original (URL, type).
    sources: Vec<(String, String)>,
    /// What a viewer may report a post for (`reelbox_core::moderation`).
    report_reasons: &'static [(&'static str, &'static str)],
}

pub(super) async fn watch(
    ctx: Ctx,
    username: String,
    post_id: String,
    error: Option<String>,
    notice: Option<String>,
) -> PageResult {
    let p = visible_post(&ctx, &post_id).await?;
    let c = ctx
        .st
        .store
        .creator(&p.creator_id)
        .await?
        .filter(|c| c.username == username)
        .ok_or(PageError::NotFound)?;
    let now = ctx.st.now();
    let counted = ctx
        .st
        .store
        .count_view(
            &p.id,
            &ctx.viewer_key(),
            now.div_euclid(VIEW_PERIOD_MS),
            now,
        )
        .await?;
    let liked = match &ctx.creator {
        Some(me) => ctx.st.store.has_liked(&p.id, &me.id).await?,
        None => false,
    };
    let comments = ctx
        .st
        .store
        .comments_of_post(&p.id, 50)
        .await?
        .into_iter()
        .map(|r| CommentView {
            username: r.username,
            text: r.text,
            when: when(r.created_at),
        })
        .collect();
    let tags: Vec<String> = serde_json::from_str(&p.hashtags).unwrap_or_default();
    let photos = serde_json::from_str::<Vec<String>>(&p.photo_keys)
        .map(|v| (0..v.len()).collect())
        .unwrap_or_default();
    let caption = [p.title.as_str(), p.description.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    let sources = if p.media_type == "PHOTO" {
        vec![]
    } else {
        super::media::video_sources(&ctx.st, &p).await?
    };
    let page = html(&WatchPage {
        nav: ctx.nav(),
        id: p.id.clone(),
        username: c.username.clone(),
        nickname: c.nickname.clone(),
        caption,
        tags: tags.into_iter().map(|name| Tag { name }).collect(),
        photo: p.media_type == "PHOTO",
        photos,
        width: p.width,
        height: p.height,
        views: compact(p.view_count + counted as i64),
        likes: compact(p.like_count),
        comments_count: compact(p.comment_count),
        shares: compact(p.share_count),
        privacy: privacy_label(&p.privacy_level),
        posted: when(p.created_at),
        liked,
        signed_in: ctx.creator.is_some(),
        comments_open: p.disable_comment == 0,
        comments,
        error,
        notice,
        sources,
        report_reasons: &reelbox_core::moderation::REPORT_REASONS,
    });
    // Pages carry per-browser form tokens: `no-store` (set by `respond`), media is cached.
    Ok(ctx.respond(page))
}

/// The watch page.
pub async fn watch_page(ctx: Ctx, Path((username, post_id)): Path<(String, String)>) -> PageResult {
    watch(ctx, username, post_id, None, None).await
}

/// Likes or unlikes (`action=like|unlike`).
pub async fn like(
    ctx: Ctx,
    Path((username, post_id)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let back = format!("/@{username}/video/{post_id}");
    let me = ctx.require_creator(&back)?.clone();
    let p = visible_post(&ctx, &post_id).await?;
    ctx.st
        .store
        .set_like(&p.id, &me.id, f.get("action") != "unlike", ctx.st.now())
        .await?;
    Ok(ctx.respond(found(&back)))
}

/// Adds a comment.
pub async fn comment(
    ctx: Ctx,
    Path((username, post_id)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let back = format!("/@{username}/video/{post_id}");
    let me = ctx.require_creator(&back)?.clone();
    let p = visible_post(&ctx, &post_id).await?;
    let text = f.get("text");
    let problem = if p.disable_comment != 0 {
        Some("Comments are turned off for this post.".to_string())
    } else if text.is_empty() {
        Some("Write something first.".to_string())
    } else if text.chars().count() > MAX_COMMENT_CHARS {
        Some(format!(
            "A comment has at most {MAX_COMMENT_CHARS} characters."
        ))
    } else {
        None
    };
    if let Some(msg) = problem {
        let resp = watch(ctx, username, post_id, Some(msg), None).await?;
        let (mut parts, body) = resp.into_parts();
        parts.status = axum::http::StatusCode::BAD_REQUEST;
        return Ok(axum::response::Response::from_parts(parts, body));
    }
    ctx.st
        .store
        .add_comment(&ids::row_id(), &p.id, &me.id, &text, ctx.st.now())
        .await?;
    Ok(ctx.respond(found(&back)).into_response())
}

#[derive(Template)]
#[template(path = "tag.html")]
struct TagPage {
    nav: Nav,
    name: String,
    posts: Vec<Tile>,
}

/// Public posts with a hashtag.
pub async fn tag_page(ctx: Ctx, Path(name): Path<String>) -> PageResult {
    let name = name.trim_start_matches('#').to_lowercase();
    let posts = ctx.st.store.public_posts_with_tag(&name, 60).await?;
    let posts = tiles(&ctx, &posts).await?;
    let page = html(&TagPage {
        nav: ctx.nav(),
        name,
        posts,
    });
    Ok(ctx.respond(page))
}
