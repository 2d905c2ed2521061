//! `[[ads]]`: ads of the Commercial Content API with their advertisers, as `POST /_reelbox/ads`
//! takes them (an advertiser is made by its first ad; later ads name it by `business_id`).
use reelbox_wire::adlib::AdIn;
use toml::Spanned;

use super::{Ctx, SeedError};

pub type Entry = AdIn;

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    for (i, e) in entries.iter().enumerate() {
        crate::service::adlib::create_ad(ctx.st, e.get_ref().clone())
            .await
            .map_err(|err| ctx.refused(e.span(), format!("ads[{i}]"), err))?;
    }
    Ok(entries.len() as u64)
}
