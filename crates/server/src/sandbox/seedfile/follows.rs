//! `[[follows]]`: one creator follows another.
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    follower: Spanned<String>,
    followee: Spanned<String>,
}

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    for (i, e) in entries.iter().enumerate() {
        let span = e.span();
        let e = e.get_ref();
        let follower = ctx
            .creator_id(&e.follower, format!("follows[{i}].follower"))
            .await?;
        let followee = ctx
            .creator_id(&e.followee, format!("follows[{i}].followee"))
            .await?;
        if follower == followee {
            return Err(ctx.err(
                e.followee.span(),
                format!("follows[{i}].followee"),
                "a creator does not follow themself",
            ));
        }
        ctx.st
            .store
            .set_follow(&follower, &followee, true, ctx.st.now())
            .await
            .map_err(|err| ctx.failed(span, format!("follows[{i}]"), err))?;
    }
    Ok(entries.len() as u64)
}
