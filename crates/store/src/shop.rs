//! Sounds and shop products for the research extensions: sound metadata, sound rankings over the
//! trend buckets with the videos that use a sound, and the cross-shop product search.
use sqlx::FromRow;

use crate::dynamic::{Bind, Binds, bind_all, like_escape};
use crate::read::{TrendRank, VISIBLE};
use crate::{Result, Store};

/// A sound as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Music {
    pub id: String,
    pub title: String,
    pub author: String,
    pub duration_sec: i64,
    pub cover_url: String,
    pub is_original: i64,
    pub is_commercial: i64,
    /// Epoch milliseconds.
    pub created_at: i64,
}

/// How sounds are ranked over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MusicRank {
    /// Views in the period.
    Popular,
    /// Views in the period minus views in the period before.
    Surging,
}

/// A shop product as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Product {
    pub id: String,
    pub shop_id: String,
    pub shop_name: String,
    pub title: String,
    pub description: String,
    pub price: i64,
    pub original_price: i64,
    pub currency: String,
    pub sold_count: i64,
    pub sold_count_7d: i64,
    pub rating_x10: i64,
    pub review_count: i64,
    pub region_code: String,
    /// JSON `{"l1":{"id","name"},…}`.
    pub category: String,
    pub image_url: String,
    pub product_url: String,
    pub related_video_count: i64,
    /// Epoch milliseconds.
    pub created_at: i64,
}

const PRODUCT_COLUMNS: &str = "id, shop_id, shop_name, title, description, price, original_price, currency, sold_count, sold_count_7d, rating_x10, review_count, region_code, category, image_url, product_url, related_video_count, created_at";

/// A condition field of the product query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductField {
    Keyword,
    ShopId,
    ShopName,
    RegionCode,
    CategoryId,
    Price,
    SoldCount,
    /// Compared in tenths (`rating_x10`).
    Rating,
}

/// A comparison of the product query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductOp {
    Eq,
    In,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A validated value: text for the text fields, an integer for the numeric ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductValue {
    Text(String),
    Int(i64),
}

/// One validated condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductCond {
    pub field: ProductField,
    pub op: ProductOp,
    pub values: Vec<ProductValue>,
}

/// The sort key of the product query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductSort {
    SoldCount,
    SoldCount7d,
    Rating,
    Price,
    CreateTime,
}

impl ProductSort {
    fn column(self) -> &'static str {
        match self {
            ProductSort::SoldCount => "sold_count",
            ProductSort::SoldCount7d => "sold_count_7d",
            ProductSort::Rating => "rating_x10",
            ProductSort::Price => "price",
            ProductSort::CreateTime => "created_at",
        }
    }
}

/// A validated product query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductQuery {
    pub and: Vec<ProductCond>,
    pub or: Vec<ProductCond>,
    pub not: Vec<ProductCond>,
    pub sort: ProductSort,
    pub ascending: bool,
}

impl From<&ProductValue> for Bind {
    fn from(v: &ProductValue) -> Bind {
        match v {
            ProductValue::Text(t) => Bind::Text(t.clone()),
            ProductValue::Int(i) => Bind::Int(*i),
        }
    }
}

fn one_sql(f: ProductField, op: ProductOp, v: &ProductValue, b: &mut Binds) -> String {
    let cmp = match op {
        ProductOp::Eq | ProductOp::In => "=",
        ProductOp::Gt => ">",
        ProductOp::Gte => ">=",
        ProductOp::Lt => "<",
        ProductOp::Lte => "<=",
    };
    match (f, v) {
        (ProductField::Keyword, ProductValue::Text(t)) => {
            let p = b.t(format!("%{}%", like_escape(&t.to_lowercase())));
            format!(
                "(LOWER(title) LIKE {p} ESCAPE '\\' OR LOWER(description) LIKE {p} ESCAPE '\\')"
            )
        }
        // Any level of the category tree: the JSON text holds `"id":N,` for each level.
        (ProductField::CategoryId, ProductValue::Int(n)) => {
            format!("category LIKE {}", b.t(format!("%\"id\":{n},%")))
        }
        (ProductField::ShopName, ProductValue::Text(t)) => {
            format!("LOWER(shop_name) = {}", b.t(t.to_lowercase()))
        }
        (ProductField::ShopId, v) => format!("shop_id = {}", b.push(v.into())),
        (ProductField::RegionCode, v) => format!("region_code = {}", b.push(v.into())),
        (ProductField::Price, v) => format!("price {cmp} {}", b.push(v.into())),
        (ProductField::SoldCount, v) => format!("sold_count {cmp} {}", b.push(v.into())),
        (ProductField::Rating, v) => format!("rating_x10 {cmp} {}", b.push(v.into())),
        // Validation never pairs these fields with the other kind of value.
        (_, _) => "1 = 0".into(),
    }
}

fn cond_sql(c: &ProductCond, b: &mut Binds) -> String {
    let parts: Vec<String> = c
        .values
        .iter()
        .map(|v| one_sql(c.field, c.op, v, b))
        .collect();
    format!("({})", parts.join(" OR "))
}

impl Store {
    /// The sounds among `ids` (decimal text), in no particular order.
    pub async fn music_by_ids(&self, ids: &[String]) -> Result<Vec<Music>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let mut q = sqlx::query_as(sql!(
            "SELECT id, title, author, duration_sec, cover_url, is_original, is_commercial, created_at FROM music WHERE id IN ({})",
            list.join(", ")
        ));
        for i in ids {
            q = q.bind(i.as_str());
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// Sounds ranked over `[from_day, to_day]` of `region` (ties: videos, then id). Only sounds
    /// with activity in the period are ranked; `Surging` also reads the period before.
    #[allow(clippy::too_many_arguments)]
    pub async fn music_ranking(
        &self,
        region: &str,
        from_day: i64,
        to_day: i64,
        rank: MusicRank,
        commercial_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<TrendRank>> {
        let span = to_day - from_day + 1;
        let lower = match rank {
            MusicRank::Popular => from_day,
            MusicRank::Surging => from_day - span,
        };
        let cur = |col: &str| format!("SUM(CASE WHEN b.day >= {from_day} THEN b.{col} ELSE 0 END)");
        let score = match rank {
            MusicRank::Popular => cur("views"),
            MusicRank::Surging => {
                format!("SUM(CASE WHEN b.day >= {from_day} THEN b.views ELSE -b.views END)")
            }
        };
        let commercial = if commercial_only {
            " AND m.is_commercial = 1"
        } else {
            ""
        };
        Ok(sqlx::query_as(sql!(
            "SELECT b.key AS key, CAST({videos} AS BIGINT) AS videos, CAST({views} AS BIGINT) AS views FROM trend_buckets b JOIN music m ON m.id = b.key WHERE b.kind = 'music' AND b.region = $1 AND b.day >= {lower} AND b.day <= {to_day}{commercial} GROUP BY b.key HAVING {activity} > 0 ORDER BY {score} DESC, {videos} DESC, b.key LIMIT $2 OFFSET $3",
            videos = cur("videos"),
            views = cur("views"),
            activity = cur("videos + b.views"),
        ))
        .bind(region)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The most viewed research-visible videos using a sound, created at or after `since_ms`,
    /// in `region` (`"ALL"`: anywhere).
    pub async fn music_videos(
        &self,
        music_id: &str,
        region: &str,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<String>> {
        let (in_region, n) = if region == "ALL" {
            ("", 3)
        } else {
            (" AND p.region_code = $4", 4)
        };
        let mut q = sqlx::query_as(sql!(
            "SELECT p.id FROM posts p JOIN creators c ON c.id = p.creator_id WHERE p.music_id = $1 AND {VISIBLE} AND p.created_at >= $2{in_region} ORDER BY p.view_count DESC, p.id LIMIT $3"
        ))
        .bind(music_id)
        .bind(since_ms)
        .bind(limit);
        if n == 4 {
            q = q.bind(region);
        }
        let rows: Vec<(String,)> = q.fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// One page of the product search, sorted as asked (ties: id in the same direction).
    pub async fn shop_products(
        &self,
        q: &ProductQuery,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Product>> {
        let mut binds = Binds::default();
        let mut w = vec!["1 = 1".to_string()];
        for c in &q.and {
            w.push(cond_sql(c, &mut binds));
        }
        if !q.or.is_empty() {
            let parts: Vec<String> = q.or.iter().map(|c| cond_sql(c, &mut binds)).collect();
            w.push(format!("({})", parts.join(" OR ")));
        }
        for c in &q.not {
            w.push(format!("NOT {}", cond_sql(c, &mut binds)));
        }
        let dir = if q.ascending { "ASC" } else { "DESC" };
        let lim = binds.i(limit);
        let off = binds.i(offset);
        let text = sql!(
            "SELECT {PRODUCT_COLUMNS} FROM shop_products WHERE {} ORDER BY {col} {dir}, id {dir} LIMIT {lim} OFFSET {off}",
            w.join(" AND "),
            col = q.sort.column(),
        );
        let binds = binds.into_vec();
        Ok(bind_all(sqlx::query_as::<_, Product>(text), &binds)
            .fetch_all(&self.pool)
            .await?)
    }
}
