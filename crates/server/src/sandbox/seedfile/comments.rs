//! `[[comments]]`: a creator's comment on a post of the file.
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    creator: Spanned<String>,
    /// The post's `name` in `[[posts]]`.
    post: Spanned<String>,
    text: Spanned<String>,
}

/// TikTok's comment length.
const MAX_CHARS: usize = 150;

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    for (i, e) in entries.iter().enumerate() {
        let span = e.span();
        let e = e.get_ref();
        let creator_id = ctx
            .creator_id(&e.creator, format!("comments[{i}].creator"))
            .await?;
        let post_id = ctx.post_id(&e.post, format!("comments[{i}].post"))?;
        let n = e.text.get_ref().chars().count();
        if n == 0 || n > MAX_CHARS {
            return Err(ctx.err(
                e.text.span(),
                format!("comments[{i}].text"),
                format!("must be 1 to {MAX_CHARS} characters"),
            ));
        }
        ctx.st
            .store
            .add_comment(
                &reelbox_core::ids::row_id(),
                &post_id,
                &creator_id,
                e.text.get_ref(),
                ctx.st.now(),
            )
            .await
            .map_err(|err| ctx.failed(span, format!("comments[{i}]"), err))?;
    }
    Ok(entries.len() as u64)
}
