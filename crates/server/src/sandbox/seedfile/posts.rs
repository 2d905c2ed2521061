//! `[[posts]]`: published videos made from media files (probed and given a cover as an upload
//! would be), each with a `name` the later sections refer to it by.
use std::time::Duration;

use reelbox_core::{ids, rules};
use reelbox_store::posts::Post;
use reelbox_wire::posting::PrivacyLevel;
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError};
use crate::service::publishes::MediaFacts;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// How `likes`, `comments` and `playlists` name this post.
    name: Spanned<String>,
    /// The creator's username.
    creator: Spanned<String>,
    /// The app it was posted through (its client key), if any.
    app: Option<Spanned<String>>,
    /// A video file, relative to the seed file.
    file: Spanned<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default = "public")]
    privacy_level: PrivacyLevel,
    #[serde(default)]
    disable_comment: bool,
    #[serde(default)]
    disable_duet: bool,
    #[serde(default)]
    disable_stitch: bool,
    /// Views, likes and the like already counted (default 0).
    #[serde(default)]
    view_count: i64,
}

fn public() -> PrivacyLevel {
    PrivacyLevel::PublicToEveryone
}

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    for (i, e) in entries.iter().enumerate() {
        let e = e.get_ref();
        let at = |f: &str| format!("posts[{i}].{f}");
        if ctx.posts.contains_key(e.name.get_ref()) {
            return Err(ctx.err(
                e.name.span(),
                at("name"),
                format!("a post named \"{}\" is declared above", e.name.get_ref()),
            ));
        }
        let creator_id = ctx.creator_id(&e.creator, at("creator")).await?;
        let creator = match ctx.st.store.creator(&creator_id).await {
            Ok(Some(c)) => c,
            Ok(None) => {
                return Err(ctx.err(e.creator.span(), at("creator"), "the creator is gone"));
            }
            Err(err) => return Err(ctx.failed(e.creator.span(), at("creator"), err)),
        };
        if let Some(app) = &e.app {
            match ctx.st.store.app(app.get_ref()).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return Err(ctx.err(
                        app.span(),
                        at("app"),
                        format!("no app with client_key \"{}\"", app.get_ref()),
                    ));
                }
                Err(err) => return Err(ctx.failed(app.span(), at("app"), err)),
            }
        }
        let now = ctx.st.now();
        let id = ids::post_id(now).to_string();
        let key = format!("media/seed_{id}");
        let media = store_video(ctx, &e.file, &key)
            .await
            .map_err(|m| ctx.err(e.file.span(), at("file"), m))?;
        let (tags, mentions) = rules::extract_tags(&format!("{} {}", e.title, e.description));
        let post = Post {
            id: id.clone(),
            creator_id,
            publish_id: None,
            client_key: e.app.as_ref().map(|a| a.get_ref().clone()),
            media_type: "VIDEO".into(),
            title: e.title.clone(),
            description: e.description.clone(),
            privacy_level: e.privacy_level.as_str().into(),
            disable_comment: e.disable_comment as i64,
            disable_duet: e.disable_duet as i64,
            disable_stitch: e.disable_stitch as i64,
            brand_content_toggle: 0,
            brand_organic_toggle: 0,
            is_aigc: 0,
            auto_add_music: 0,
            object_key: media.object_key,
            cover_key: media.cover_key,
            photo_keys: "[]".into(),
            content_type: media.content_type,
            duration_ms: media.duration_ms,
            width: media.width,
            height: media.height,
            region_code: creator.region_code.clone(),
            hashtags: serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into()),
            mentions: serde_json::to_string(&mentions).unwrap_or_else(|_| "[]".into()),
            view_count: e.view_count.max(0),
            like_count: 0,
            comment_count: 0,
            share_count: 0,
            favorite_count: 0,
            created_at: now,
            deleted_at: None,
        };
        ctx.st
            .store
            .insert_post(&post, &tags)
            .await
            .map_err(|err| ctx.failed(e.name.span(), format!("posts[{i}]"), err))?;
        ctx.posts.insert(e.name.get_ref().clone(), id);
    }
    Ok(entries.len() as u64)
}

/// Stores the file as `key`, probes it in the child process an upload's media goes through, and
/// cuts its cover; a message naming what is wrong otherwise.
async fn store_video(
    ctx: &Ctx<'_>,
    file: &Spanned<String>,
    key: &str,
) -> Result<MediaFacts, String> {
    let st = ctx.st;
    let path = ctx.path(file.get_ref());
    let f = tokio::fs::File::open(&path)
        .await
        .map_err(|e| format!("{}: {e}", path.display()))?;
    st.blobs
        .put_stream(key, Box::pin(tokio_util::io::ReaderStream::new(f)))
        .await
        .map_err(|e| format!("storing {}: {e}", path.display()))?;
    let local = st.blobs.local_copy(key).await.map_err(|e| e.to_string())?;
    let exe = st
        .cfg
        .probe
        .exe
        .clone()
        .unwrap_or_else(|| std::env::current_exe().unwrap_or_else(|_| "reelbox".into()));
    let probe = reelbox_media::probe_video_isolated(
        &exe,
        &local.path,
        Duration::from_secs(st.cfg.probe.timeout_secs),
        st.cfg.probe.max_memory_mb * 1024 * 1024,
    )
    .await;
    match probe {
        Ok(p) => Ok(MediaFacts::video(st, key, &local.path, &p, 0).await),
        Err(e) => {
            drop(local);
            let _ = st.blobs.delete(key).await;
            Err(format!(
                "{} is not a video reelbox can post: {e}",
                path.display()
            ))
        }
    }
}
