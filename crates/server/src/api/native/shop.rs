//! reelbox-native cross-shop product search (`POST /reelbox/v1/shop/product/query/`): the
//! condition grammar of the research video query over product fields, structured prices, and
//! `search_id` result sets that replay their stored query.
use axum::extract::State;
use reelbox_core::research::{RawCondition, cursor_index, page_size};
use reelbox_store::read::Search;
use reelbox_store::shop::{
    Product, ProductCond, ProductField, ProductOp, ProductQuery, ProductSort, ProductValue,
};
use reelbox_wire::shop::{ProductPage, ProductQueryBody, ShopProduct};
use serde_json::{Value, json};

use crate::api::research::videos::SEARCH_TTL_MS;
use crate::api::research::{invalid, keep_page};
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::fields::{Fields, FieldsParam};
use crate::http::gate::Research;
use crate::state::AppState;

fn field_of(name: &str) -> Option<ProductField> {
    Some(match name {
        "keyword" => ProductField::Keyword,
        "shop_id" => ProductField::ShopId,
        "shop_name" => ProductField::ShopName,
        "region_code" => ProductField::RegionCode,
        "category_id" => ProductField::CategoryId,
        "price" => ProductField::Price,
        "sold_count" => ProductField::SoldCount,
        "rating" => ProductField::Rating,
        _ => return None,
    })
}

fn op_of(name: &str) -> Option<ProductOp> {
    Some(match name {
        "EQ" => ProductOp::Eq,
        "IN" => ProductOp::In,
        "GT" => ProductOp::Gt,
        "GTE" => ProductOp::Gte,
        "LT" => ProductOp::Lt,
        "LTE" => ProductOp::Lte,
        _ => return None,
    })
}

fn allows(f: ProductField, op: ProductOp) -> bool {
    use ProductField as F;
    use ProductOp as O;
    match f {
        F::Keyword | F::ShopId | F::ShopName | F::RegionCode | F::CategoryId => {
            matches!(op, O::Eq | O::In)
        }
        F::Price | F::SoldCount => matches!(op, O::Gt | O::Gte | O::Lt | O::Lte),
        F::Rating => matches!(op, O::Gte | O::Lte),
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

/// One wire value of a field, or `None` when it is not a valid value for it.
fn value_of(f: ProductField, raw: &str) -> Option<ProductValue> {
    use ProductField as F;
    match f {
        F::Keyword | F::ShopName => (!raw.is_empty()).then(|| ProductValue::Text(raw.to_string())),
        F::RegionCode => (!raw.is_empty()).then(|| ProductValue::Text(raw.to_ascii_uppercase())),
        // Decimal ids as stored (no leading zeros).
        F::ShopId => digits(raw)
            .then(|| raw.parse::<u64>().ok())
            .flatten()
            .map(|n| ProductValue::Text(n.to_string())),
        F::CategoryId | F::Price | F::SoldCount => digits(raw)
            .then(|| raw.parse::<i64>().ok())
            .flatten()
            .map(ProductValue::Int),
        // 0..=5 with at most one decimal, compared in tenths.
        F::Rating => {
            let r: f64 = raw.parse().ok()?;
            let tenths = (r * 10.0).round();
            ((0.0..=50.0).contains(&tenths) && (r * 10.0 - tenths).abs() < 1e-9)
                .then_some(ProductValue::Int(tenths as i64))
        }
    }
}

fn cond_of(c: &RawCondition) -> Result<ProductCond, ApiError> {
    let name = c
        .field_name
        .as_deref()
        .ok_or_else(|| invalid("Every condition needs a field_name"))?;
    let field = field_of(name).ok_or_else(|| invalid(format!("Invalid field_name: {name}")))?;
    let op_name = c
        .operation
        .as_deref()
        .ok_or_else(|| invalid(format!("The condition on {name} needs an operation")))?;
    let op = op_of(op_name).ok_or_else(|| invalid(format!("Invalid operation: {op_name}")))?;
    if !allows(field, op) {
        return Err(invalid(format!(
            "Operation {op_name} is not supported for field_name {name}"
        )));
    }
    let raw = c.field_values.as_deref().unwrap_or(&[]);
    if raw.is_empty() {
        return Err(invalid(format!("field_values of {name} must not be empty")));
    }
    let take = if op == ProductOp::In { raw.len() } else { 1 };
    let mut values = Vec::with_capacity(take);
    for v in &raw[..take] {
        let text = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => return Err(invalid(format!("field_values of {name} must be strings"))),
        };
        let parsed = value_of(field, &text)
            .ok_or_else(|| invalid(format!("Invalid value {text:?} for field_name {name}")))?;
        if !values.contains(&parsed) {
            values.push(parsed);
        }
    }
    Ok(ProductCond { field, op, values })
}

/// Validates a product query body. An absent or empty `query` matches every product.
pub fn validate(body: &ProductQueryBody) -> Result<ProductQuery, ApiError> {
    let q = body.query.clone().unwrap_or_default();
    let group = |g: &Option<Vec<RawCondition>>| -> Result<Vec<ProductCond>, ApiError> {
        g.as_deref().unwrap_or(&[]).iter().map(cond_of).collect()
    };
    let sort = match body.sort_by.as_deref().map(str::trim) {
        None | Some("") | Some("sold_count") => ProductSort::SoldCount,
        Some("sold_count_7d") => ProductSort::SoldCount7d,
        Some("rating") => ProductSort::Rating,
        Some("price") => ProductSort::Price,
        Some("create_time") => ProductSort::CreateTime,
        Some(s) => return Err(invalid(format!("Invalid sort_by: {s}"))),
    };
    let ascending = match body.sort_order.as_deref().map(str::trim) {
        None | Some("") | Some("desc") => false,
        Some("asc") => true,
        Some(s) => return Err(invalid(format!("Invalid sort_order: {s}"))),
    };
    Ok(ProductQuery {
        and: group(&q.and)?,
        or: group(&q.or)?,
        not: group(&q.not)?,
        sort,
        ascending,
    })
}

/// A product as the wire object.
fn product_object(p: &Product) -> ShopProduct {
    ShopProduct {
        product_id: p.id.clone(),
        title: p.title.clone(),
        description: p.description.clone(),
        price: p.price,
        original_price: p.original_price,
        currency: p.currency.clone(),
        sold_count: p.sold_count,
        sold_count_7d: p.sold_count_7d,
        rating: p.rating_x10 as f64 / 10.0,
        review_count: p.review_count,
        shop_id: p.shop_id.clone(),
        shop_name: p.shop_name.clone(),
        region_code: p.region_code.clone(),
        category: serde_json::from_str::<Value>(&p.category).unwrap_or_else(|_| json!({})),
        image_url: p.image_url.clone(),
        product_url: p.product_url.clone(),
        related_video_count: p.related_video_count,
        create_time: p.created_at / 1000,
    }
}

/// Cross-shop product search with structured prices.
#[utoipa::path(post, path = "/reelbox/v1/shop/product/query/", tag = "reelbox research extensions", params(FieldsParam),
    request_body = ProductQueryBody,
    responses((status = 200, body = reelbox_wire::Envelope<ProductPage>)),
    security(("bearer" = [])))]
pub async fn product_query(
    State(st): State<AppState>,
    call: Research<ProductQueryBody>,
) -> ApiResult<Data<ProductPage>> {
    let body = &call.body;
    let fields = Fields::<ShopProduct>::parse(call.fields.as_deref())?;
    let limit = page_size(body.max_count, 20, 100)?;
    let cursor = cursor_index(body.cursor)?;
    let now = st.now();
    // A given search_id replays its stored query and sort; the body's are then ignored.
    let (q, search_id) = match body.search_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => {
            let s = st
                .store
                .search(id, &call.caller.client_key, now - SEARCH_TTL_MS)
                .await?
                .ok_or_else(|| invalid("Invalid search_id"))?;
            let stored: Value = serde_json::from_str(&s.query).map_err(ApiError::internal)?;
            let stored: ProductQueryBody = serde_json::from_value(stored["shop_product"].clone())
                .map_err(|_| invalid("Invalid search_id"))?;
            (validate(&stored)?, s.id)
        }
        None => {
            let q = validate(body)?;
            let s = Search {
                id: reelbox_core::ids::post_id(now).to_string(),
                client_key: call.caller.client_key.clone(),
                query: json!({"shop_product": body}).to_string(),
                max_id: String::new(),
                snapshot_at: now,
                pages: "{}".into(),
                created_at: now,
            };
            st.store.insert_search(&s).await?;
            (q, s.id)
        }
    };
    let mut rows = st.store.shop_products(&q, limit + 1, cursor).await?;
    let has_more = keep_page(&mut rows, limit);
    let products = rows
        .iter()
        .map(|p| fields.pick(&product_object(p)))
        .collect();
    Ok(call.answer(ProductPage {
        cursor: cursor + rows.len() as i64,
        has_more,
        products,
        search_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> ProductQueryBody {
        serde_json::from_value(v).expect("body")
    }

    fn err(v: Value) -> String {
        validate(&body(v)).expect_err("invalid").message
    }

    #[test]
    fn conditions_validate_into_typed_values() {
        let q = validate(&body(json!({"query": {"and": [
            {"operation": "IN", "field_name": "region_code", "field_values": ["gb", "DE", "GB"]},
            {"operation": "GTE", "field_name": "rating", "field_values": ["4.5"]},
            {"operation": "LT", "field_name": "price", "field_values": [2500]}
        ]}, "sort_by": "price", "sort_order": "asc"})))
        .expect("valid");
        assert_eq!(
            q.and[0].values,
            vec![
                ProductValue::Text("GB".into()),
                ProductValue::Text("DE".into())
            ]
        );
        assert_eq!(q.and[1].values, vec![ProductValue::Int(45)]);
        assert_eq!(q.and[2].values, vec![ProductValue::Int(2500)]);
        assert_eq!((q.sort, q.ascending), (ProductSort::Price, true));
        let d = validate(&body(json!({}))).expect("empty is all");
        assert_eq!(
            (d.sort, d.ascending, d.and.len()),
            (ProductSort::SoldCount, false, 0)
        );
    }

    #[test]
    fn bad_conditions_have_exact_messages() {
        assert_eq!(
            err(
                json!({"query": {"and": [{"operation": "EQ", "field_name": "colour", "field_values": ["red"]}]}})
            ),
            "Invalid field_name: colour"
        );
        assert_eq!(
            err(
                json!({"query": {"and": [{"operation": "EQ", "field_name": "price", "field_values": ["1"]}]}})
            ),
            "Operation EQ is not supported for field_name price"
        );
        assert_eq!(
            err(
                json!({"query": {"and": [{"operation": "GTE", "field_name": "rating", "field_values": ["4.55"]}]}})
            ),
            "Invalid value \"4.55\" for field_name rating"
        );
        assert_eq!(
            err(
                json!({"query": {"or": [{"operation": "IN", "field_name": "keyword", "field_values": []}]}})
            ),
            "field_values of keyword must not be empty"
        );
        assert_eq!(err(json!({"sort_by": "views"})), "Invalid sort_by: views");
        assert_eq!(err(json!({"sort_order": "up"})), "Invalid sort_order: up");
    }
}
