//! The research TikTok Shop endpoints TikTok documents (`/v2/research/tts/shop/`, `…/product/`,
//! `…/review/`), in TikTok's shapes: string prices with the currency run on (`"20.79GBP"`),
//! ratings as text, review stars as words and review times in milliseconds. TikTok documents
//! `fields` as a query parameter but sends it in the body in every example: both are read, the
//! query string first. Paging is by page (`page_start` from 1, `page_size` up to 10); reelbox adds
//! `has_more` and echoes `page_start`.
use axum::extract::State;
use reelbox_core::tts::{page, price_text, rating_text, shop_limit, star_word};
use reelbox_wire::research::{self as wire, TtsProductBody, TtsReviewBody, TtsShopBody};

use crate::api::research::{invalid, keep_page, required_id};
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::fields::{Fields, FieldsParam};
use crate::http::gate::Research;
use crate::state::AppState;

/// Shops by name (case-insensitive, part of the name; exact names first, then by items sold).
#[utoipa::path(post, path = "/v2/research/tts/shop/", tag = "Research API", params(FieldsParam),
    request_body = TtsShopBody,
    responses((status = 200, body = reelbox_wire::Envelope<wire::TtsShops>)),
    security(("bearer" = [])))]
pub async fn shop(
    State(st): State<AppState>,
    call: Research<TtsShopBody>,
) -> ApiResult<Data<wire::TtsShops>> {
    let body = &call.body;
    let fields =
        Fields::<wire::TtsShop>::parse_or_body(call.fields.as_deref(), body.fields.as_ref())?;
    let limit = shop_limit(body.limit)?;
    let name = body
        .shop_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("shop_name is required"))?;
    let shops = st.store.shops_by_name(name, limit).await?;
    let shop_data = shops
        .into_iter()
        .map(|s| {
            fields.pick(&wire::TtsShop {
                shop_id: s.id,
                shop_name: s.name,
                shop_rating: rating_text(s.rating_x10),
                shop_review_count: s.review_count,
                item_sold_count: s.item_sold_count,
                shop_performance_value: s.performance_value,
            })
        })
        .collect();
    Ok(call.answer(wire::TtsShops { shop_data }))
}

/// A shop's products, best sellers first.
#[utoipa::path(post, path = "/v2/research/tts/product/", tag = "Research API", params(FieldsParam),
    request_body = TtsProductBody,
    responses((status = 200, body = reelbox_wire::Envelope<wire::TtsProductPage>)),
    security(("bearer" = [])))]
pub async fn product(
    State(st): State<AppState>,
    call: Research<TtsProductBody>,
) -> ApiResult<Data<wire::TtsProductPage>> {
    let body = &call.body;
    let fields =
        Fields::<wire::TtsProduct>::parse_or_body(call.fields.as_deref(), body.fields.as_ref())?;
    let (offset, size) = page(body.page_start, body.page_size)?;
    let shop_id = required_id(body.shop_id.as_ref(), "shop_id")?;
    if st.store.shop(&shop_id).await?.is_none() {
        return Err(invalid("shop does not exist"));
    }
    let mut rows = st
        .store
        .shop_product_page(&shop_id, offset, size + 1)
        .await?;
    let has_more = keep_page(&mut rows, size);
    let product_data = rows
        .into_iter()
        .map(|p| {
            fields.pick(&wire::TtsProduct {
                product_price: vec![price_text(p.price, &p.currency)],
                product_id: p.id,
                product_name: p.title,
                product_description: p.description,
                product_rating: rating_text(p.rating_x10),
                product_review_count: p.review_count,
                product_sold_count: p.sold_count,
                product_rating_1_count: p.rating_1_count,
                product_rating_2_count: p.rating_2_count,
                product_rating_3_count: p.rating_3_count,
                product_rating_4_count: p.rating_4_count,
                product_rating_5_count: p.rating_5_count,
                shop_name: p.shop_name,
            })
        })
        .collect();
    Ok(call.answer(wire::TtsProductPage {
        has_more,
        page_start: offset / size + 1,
        product_data,
    }))
}

/// A product's reviews, newest first.
#[utoipa::path(post, path = "/v2/research/tts/review/", tag = "Research API", params(FieldsParam),
    request_body = TtsReviewBody,
    responses((status = 200, body = reelbox_wire::Envelope<wire::TtsReviewPage>)),
    security(("bearer" = [])))]
pub async fn review(
    State(st): State<AppState>,
    call: Research<TtsReviewBody>,
) -> ApiResult<Data<wire::TtsReviewPage>> {
    let body = &call.body;
    let fields =
        Fields::<wire::TtsReview>::parse_or_body(call.fields.as_deref(), body.fields.as_ref())?;
    let (offset, size) = page(body.page_start, body.page_size)?;
    let product_id = required_id(body.product_id.as_ref(), "product_id")?;
    let title = st
        .store
        .product_title(&product_id)
        .await?
        .ok_or_else(|| invalid("product does not exist"))?;
    let mut rows = st.store.review_page(&product_id, offset, size + 1).await?;
    let has_more = keep_page(&mut rows, size);
    let review_data = rows
        .into_iter()
        .map(|r| {
            fields.pick(&wire::TtsReview {
                product_name: title.clone(),
                review_text: r.text,
                review_like_count: r.like_count,
                create_time: r.created_at,
                review_rating: star_word(r.rating).map(str::to_string),
                display_name: r.display_name,
            })
        })
        .collect();
    Ok(call.answer(wire::TtsReviewPage {
        has_more,
        page_start: offset / size + 1,
        review_data,
    }))
}
