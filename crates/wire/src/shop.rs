//! reelbox's own cross-shop product search (`POST /reelbox/v1/shop/product/query/`): the
//! research query's condition grammar over product fields, structured prices, `search_id`
//! result sets.
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::fields::{Picked, Selectable, id_number};
use crate::research::RawQuery;

/// The body of `POST /reelbox/v1/shop/product/query/`. A result set stores the query and sort.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct ProductQueryBody {
    pub query: Option<RawQuery>,
    /// `sold_count` (default), `sold_count_7d`, `rating`, `price` or `create_time`.
    pub sort_by: Option<String>,
    /// `desc` (default) or `asc`.
    pub sort_order: Option<String>,
    #[serde(skip_serializing)]
    pub max_count: Option<i64>,
    #[serde(skip_serializing)]
    pub cursor: Option<i64>,
    #[serde(skip_serializing)]
    pub search_id: Option<String>,
}

/// A product with structured prices (minor units of its currency).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ShopProduct {
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub product_id: String,
    pub title: String,
    pub description: String,
    pub price: i64,
    pub original_price: i64,
    pub currency: String,
    pub sold_count: i64,
    pub sold_count_7d: i64,
    /// 0.0 to 5.0.
    pub rating: f64,
    pub review_count: i64,
    #[serde(serialize_with = "id_number")]
    #[schema(value_type = u64)]
    pub shop_id: String,
    pub shop_name: String,
    pub region_code: String,
    /// The category path as stored (`{}` when unknown).
    #[schema(value_type = Object)]
    pub category: Value,
    pub image_url: String,
    pub product_url: String,
    pub related_video_count: i64,
    pub create_time: i64,
}

impl Selectable for ShopProduct {
    const FIELDS: &'static [&'static str] = &[
        "product_id",
        "title",
        "description",
        "price",
        "original_price",
        "currency",
        "sold_count",
        "sold_count_7d",
        "rating",
        "review_count",
        "shop_id",
        "shop_name",
        "region_code",
        "category",
        "image_url",
        "product_url",
        "related_video_count",
        "create_time",
    ];
}

/// The answer of `POST /reelbox/v1/shop/product/query/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductPage {
    pub cursor: i64,
    pub has_more: bool,
    #[schema(value_type = Vec<ShopProduct>)]
    pub products: Vec<Picked<ShopProduct>>,
    pub search_id: String,
}
