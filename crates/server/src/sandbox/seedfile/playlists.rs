//! `[[playlists]]`: a creator's playlist of their own posts of the file.
use reelbox_wire::control::PlaylistBody;
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    creator: Spanned<String>,
    name: String,
    /// Posts by their `name` in `[[posts]]`, in playlist order.
    #[serde(default)]
    posts: Vec<Spanned<String>>,
}

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    for (i, e) in entries.iter().enumerate() {
        let span = e.span();
        let e = e.get_ref();
        ctx.creator_id(&e.creator, format!("playlists[{i}].creator"))
            .await?;
        let post_ids = e
            .posts
            .iter()
            .map(|p| ctx.post_id(p, format!("playlists[{i}].posts")))
            .collect::<Result<Vec<_>, _>>()?;
        let body = PlaylistBody {
            username: e.creator.get_ref().clone(),
            name: e.name.clone(),
            post_ids,
        };
        crate::service::lists::create_playlist(ctx.st, body)
            .await
            .map_err(|err| ctx.refused(span, format!("playlists[{i}]"), err))?;
    }
    Ok(entries.len() as u64)
}
