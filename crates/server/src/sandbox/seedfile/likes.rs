//! `[[likes]]`: a creator likes a post of the file.
use reelbox_wire::control::ListActivityBody;
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    creator: Spanned<String>,
    /// The post's `name` in `[[posts]]`.
    post: Spanned<String>,
}

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    for (i, e) in entries.iter().enumerate() {
        let span = e.span();
        let e = e.get_ref();
        ctx.creator_id(&e.creator, format!("likes[{i}].creator"))
            .await?;
        let post_id = ctx.post_id(&e.post, format!("likes[{i}].post"))?;
        let body = ListActivityBody {
            username: e.creator.get_ref().clone(),
            post_id,
            at: None,
            undo: false,
        };
        crate::service::lists::like(ctx.st, body)
            .await
            .map_err(|err| ctx.refused(span, format!("likes[{i}]"), err))?;
    }
    Ok(entries.len() as u64)
}
