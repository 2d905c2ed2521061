//! The research TikTok Shop endpoints TikTok documents (`/v2/research/tts/shop/`, `…/product/`,
//! `…/review/`), in TikTok's shapes: string prices with the currency run on (`"20.79GBP"`),
//! ratings as text, review stars as words and review times in milliseconds. TikTok documents
//! `fields` as a query parameter but sends it in the body in every example: both are read, the
//! query string first. Paging is by page (`page_start` from 1, `page_size` up to 10); reelbox adds
//! `has_more` and echoes `page_start`.
use axum::extract::{Query, State};
use reelbox_core::research::{select_fields, split_fields};
use reelbox_core::tts::{page, price_text, rating_text, shop_limit, star_word};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::research::{
    FieldsParam, id_num, id_text, invalid, pick, research_count, research_gate, rule,
};
use crate::http::auth::ClientCaller;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Reading, WireJson};
use crate::state::AppState;

const SHOP_FIELDS: &[&str] = &[
    "shop_id",
    "shop_name",
    "shop_rating",
    "shop_review_count",
    "item_sold_count",
    "shop_performance_value",
];

const PRODUCT_FIELDS: &[&str] = &[
    "product_id",
    "product_name",
    "product_description",
    "product_price",
    "product_rating",
    "product_review_count",
    "product_sold_count",
    "product_rating_1_count",
    "product_rating_2_count",
    "product_rating_3_count",
    "product_rating_4_count",
    "product_rating_5_count",
    "shop_name",
];

const REVIEW_FIELDS: &[&str] = &[
    "product_name",
    "review_text",
    "review_like_count",
    "create_time",
    "review_rating",
    "display_name",
];

/// The requested fields: the query string when it names any, else the body's `fields` (a
/// comma-separated string or a list of names).
fn fields_of(
    query: Option<String>,
    body: Option<&Value>,
    known: &[&str],
) -> ApiResult<Vec<String>> {
    let from_body = match body {
        Some(Value::Array(a)) => Some(
            a.iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let requested = query.filter(|f| !split_fields(f).is_empty()).or(from_body);
    select_fields(requested.as_deref(), known).map_err(rule)
}

/// Body of `POST /v2/research/tts/shop/`.
#[derive(Debug, Deserialize, Default)]
pub struct ShopBody {
    #[serde(default)]
    pub shop_name: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub fields: Option<Value>,
}

/// Shops by name (case-insensitive, part of the name; exact names first, then by items sold).
#[utoipa::path(post, path = "/v2/research/tts/shop/", tag = "Research API", params(FieldsParam),
    request_body(content = Value, description = "`{shop_name, limit (≤ 10), fields?}`"),
    responses((status = 200, description = "`{shop_data}`")),
    security(("bearer" = [])))]
pub async fn shop(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<ShopBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = fields_of(f.fields, body.fields.as_ref(), SHOP_FIELDS)?;
    let limit = shop_limit(body.limit).map_err(rule)?;
    let name = body
        .shop_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("shop_name is required"))?;
    let shops = st.store.shops_by_name(name, limit).await?;
    let data: Vec<Value> = shops
        .iter()
        .map(|s| {
            let mut m = Map::new();
            m.insert("shop_id".into(), id_num(&s.id));
            m.insert("shop_name".into(), json!(s.name));
            m.insert("shop_rating".into(), json!(rating_text(s.rating_x10)));
            m.insert("shop_review_count".into(), json!(s.review_count));
            m.insert("item_sold_count".into(), json!(s.item_sold_count));
            m.insert("shop_performance_value".into(), json!(s.performance_value));
            pick(m, &fields)
        })
        .collect();
    research_count(&st, &caller, "data", data.len());
    Ok(Data(json!({"shop_data": data})))
}

/// Body of `POST /v2/research/tts/product/`.
#[derive(Debug, Deserialize, Default)]
pub struct ProductBody {
    #[serde(default)]
    pub shop_id: Option<Value>,
    #[serde(default)]
    pub page_start: Option<i64>,
    #[serde(default)]
    pub page_size: Option<i64>,
    #[serde(default)]
    pub fields: Option<Value>,
}

/// A shop's products, best sellers first.
#[utoipa::path(post, path = "/v2/research/tts/product/", tag = "Research API", params(FieldsParam),
    request_body(content = Value, description = "`{shop_id, page_start (from 1), page_size (≤ 10), fields?}`"),
    responses((status = 200, description = "`{product_data, has_more, page_start}`")),
    security(("bearer" = [])))]
pub async fn product(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<ProductBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = fields_of(f.fields, body.fields.as_ref(), PRODUCT_FIELDS)?;
    let (offset, size) = page(body.page_start, body.page_size).map_err(rule)?;
    let shop_id = match body.shop_id.as_ref().filter(|v| !v.is_null()) {
        None => return Err(invalid("shop_id is required")),
        Some(v) => id_text(v).ok_or_else(|| invalid("Invalid shop_id"))?,
    };
    if st.store.shop(&shop_id).await?.is_none() {
        return Err(invalid("shop does not exist"));
    }
    let mut rows = st
        .store
        .shop_product_page(&shop_id, offset, size + 1)
        .await?;
    let has_more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    let data: Vec<Value> = rows
        .iter()
        .map(|p| {
            let mut m = Map::new();
            m.insert("product_id".into(), id_num(&p.id));
            m.insert("product_name".into(), json!(p.title));
            m.insert("product_description".into(), json!(p.description));
            m.insert(
                "product_price".into(),
                json!([price_text(p.price, &p.currency)]),
            );
            m.insert("product_rating".into(), json!(rating_text(p.rating_x10)));
            m.insert("product_review_count".into(), json!(p.review_count));
            m.insert("product_sold_count".into(), json!(p.sold_count));
            let stars = [
                p.rating_1_count,
                p.rating_2_count,
                p.rating_3_count,
                p.rating_4_count,
                p.rating_5_count,
            ];
            for (i, c) in stars.iter().enumerate() {
                m.insert(format!("product_rating_{}_count", i + 1), json!(c));
            }
            m.insert("shop_name".into(), json!(p.shop_name));
            pick(m, &fields)
        })
        .collect();
    research_count(&st, &caller, "data", data.len());
    Ok(Data(json!({
        "product_data": data,
        "has_more": has_more,
        "page_start": offset / size + 1,
    })))
}

/// Body of `POST /v2/research/tts/review/`.
#[derive(Debug, Deserialize, Default)]
pub struct ReviewBody {
    #[serde(default)]
    pub product_id: Option<Value>,
    #[serde(default)]
    pub page_start: Option<i64>,
    #[serde(default)]
    pub page_size: Option<i64>,
    #[serde(default)]
    pub fields: Option<Value>,
}

/// A product's reviews, newest first.
#[utoipa::path(post, path = "/v2/research/tts/review/", tag = "Research API", params(FieldsParam),
    request_body(content = Value, description = "`{product_id, page_start (from 1), page_size (≤ 10), fields?}`"),
    responses((status = 200, description = "`{review_data, has_more, page_start}`")),
    security(("bearer" = [])))]
pub async fn review(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<ReviewBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = fields_of(f.fields, body.fields.as_ref(), REVIEW_FIELDS)?;
    let (offset, size) = page(body.page_start, body.page_size).map_err(rule)?;
    let product_id = match body.product_id.as_ref().filter(|v| !v.is_null()) {
        None => return Err(invalid("product_id is required")),
        Some(v) => id_text(v).ok_or_else(|| invalid("Invalid product_id"))?,
    };
    let title = st
        .store
        .product_title(&product_id)
        .await?
        .ok_or_else(|| invalid("product does not exist"))?;
    let mut rows = st.store.review_page(&product_id, offset, size + 1).await?;
    let has_more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("product_name".into(), json!(title));
            m.insert("review_text".into(), json!(r.text));
            m.insert("review_like_count".into(), json!(r.like_count));
            m.insert("create_time".into(), json!(r.created_at));
            if let Some(w) = star_word(r.rating) {
                m.insert("review_rating".into(), json!(w));
            }
            m.insert("display_name".into(), json!(r.display_name));
            pick(m, &fields)
        })
        .collect();
    research_count(&st, &caller, "data", data.len());
    Ok(Data(json!({
        "review_data": data,
        "has_more": has_more,
        "page_start": offset / size + 1,
    })))
}
