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

/// What a media file gave the last time it was seeded, by (path, size, modification time): a
/// reset applies the same file again, and probing and cutting the cover are most of its cost.
#[derive(Clone)]
struct Seen {
    probe: reelbox_media::VideoProbe,
    cover: Option<bytes::Bytes>,
}

type SeenKey = (std::path::PathBuf, u64, Option<std::time::SystemTime>);

/// Files seeded by this process (a seed file names few).
static SEEN: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<SeenKey, Seen>>> =
    std::sync::LazyLock::new(Default::default);

/// Stores the file as `key`, probes it in the child process an upload's media goes through, and
/// cuts its cover (or reuses what the same unchanged file gave before); a message naming what is
/// wrong otherwise.
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
    let meta = f
        .metadata()
        .await
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let seen_key: SeenKey = (path.clone(), meta.len(), meta.modified().ok());
    st.blobs
        .put_stream(key, Box::pin(tokio_util::io::ReaderStream::new(f)))
        .await
        .map_err(|e| format!("storing {}: {e}", path.display()))?;
    let seen = SEEN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&seen_key)
        .cloned();
    if let Some(seen) = seen {
        let cover_key = match seen.cover {
            Some(bytes) => {
                let cover_key = format!("covers/{}.jpg", key.trim_start_matches("media/"));
                let body = futures::stream::once(async move { Ok(bytes) });
                st.blobs
                    .put_stream(&cover_key, Box::pin(body))
                    .await
                    .map_err(|e| format!("storing the cover of {}: {e}", path.display()))?;
                Some(cover_key)
            }
            None => None,
        };
        return Ok(MediaFacts::from_probe(key, &seen.probe, cover_key));
    }
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
        Ok(p) => {
            let facts = MediaFacts::video(st, key, &local.path, &p, 0).await;
            let cover = match &facts.cover_key {
                Some(k) => read_all(st, k).await,
                None => None,
            };
            SEEN.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(seen_key, Seen { probe: p, cover });
            Ok(facts)
        }
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

/// A stored object whole (a cover: tens of kilobytes).
async fn read_all(st: &crate::state::AppState, key: &str) -> Option<bytes::Bytes> {
    use futures::StreamExt;
    let mut body = st.blobs.read(key, None).await.ok()?;
    let mut out = Vec::new();
    while let Some(b) = body.next().await {
        out.extend_from_slice(&b.ok()?);
    }
    Some(out.into())
}
