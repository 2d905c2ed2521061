//! `[[shops]]`: TikTok Shop shops with their products and reviews, as `POST /_reelbox/shops`
//! takes them.
use reelbox_wire::control::{ProductIn, ShopIn};
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    name: String,
    #[serde(default)]
    rating: f64,
    #[serde(default)]
    performance_value: i64,
    #[serde(default)]
    products: Vec<ProductIn>,
}

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    for (i, e) in entries.iter().enumerate() {
        let span = e.span();
        let e = e.get_ref();
        let body = ShopIn {
            name: e.name.clone(),
            rating: e.rating,
            performance_value: e.performance_value,
            products: e.products.clone(),
        };
        crate::service::shops::create_shop(ctx.st, body)
            .await
            .map_err(|err| ctx.refused(span, format!("shops[{i}]"), err))?;
    }
    Ok(entries.len() as u64)
}
