//! The research TikTok Shop data: shops found by name, a shop's products page by page, a
//! product's reviews page by page. A shop's sold and review counts are the sums over its
//! products, so they never drift from the product rows.
use sqlx::FromRow;

use crate::{Result, Store, conflict};

/// A shop with the totals over its products.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Shop {
    pub id: String,
    pub name: String,
    pub rating_x10: i64,
    pub performance_value: i64,
    pub review_count: i64,
    pub item_sold_count: i64,
}

/// A product as the shop's product list shows it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ShopProduct {
    pub id: String,
    pub shop_name: String,
    pub title: String,
    pub description: String,
    pub price: i64,
    pub currency: String,
    pub rating_x10: i64,
    pub review_count: i64,
    pub sold_count: i64,
    pub rating_1_count: i64,
    pub rating_2_count: i64,
    pub rating_3_count: i64,
    pub rating_4_count: i64,
    pub rating_5_count: i64,
}

/// One review of a product.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Review {
    pub product_id: String,
    pub seq: i64,
    pub display_name: String,
    /// 1..=5 stars.
    pub rating: i64,
    pub text: String,
    pub like_count: i64,
    /// Epoch milliseconds.
    pub created_at: i64,
}

/// A shop to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShop {
    pub id: String,
    pub name: String,
    pub rating_x10: i64,
    pub performance_value: i64,
    pub created_at: i64,
}

/// A product to create in a shop, with its star counts and reviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub id: String,
    pub title: String,
    pub description: String,
    pub price: i64,
    pub currency: String,
    pub sold_count: i64,
    pub rating_x10: i64,
    /// Reviews with 1..5 stars.
    pub star_counts: [i64; 5],
    pub region_code: String,
    pub reviews: Vec<Review>,
}

const SHOP_SELECT: &str = "SELECT s.id, s.name, s.rating_x10, s.performance_value, CAST(COALESCE(SUM(p.review_count), 0) AS BIGINT) AS review_count, CAST(COALESCE(SUM(p.sold_count), 0) AS BIGINT) AS item_sold_count FROM shops s LEFT JOIN shop_products p ON p.shop_id = s.id";

impl Store {
    /// Shops whose name contains `name` (case-insensitive): exact names first, then by items
    /// sold, then id.
    pub async fn shops_by_name(&self, name: &str, limit: i64) -> Result<Vec<Shop>> {
        let needle = name.trim().to_lowercase();
        let mut pattern = String::with_capacity(needle.len() + 2);
        pattern.push('%');
        for ch in needle.chars() {
            if matches!(ch, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(ch);
        }
        pattern.push('%');
        Ok(sqlx::query_as(sql!(
            "{SHOP_SELECT} WHERE LOWER(s.name) LIKE $1 ESCAPE '\\' GROUP BY s.id, s.name, s.rating_x10, s.performance_value ORDER BY CASE WHEN LOWER(s.name) = $2 THEN 0 ELSE 1 END, item_sold_count DESC, s.id LIMIT $3"
        ))
        .bind(pattern)
        .bind(needle)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// One shop by id.
    pub async fn shop(&self, id: &str) -> Result<Option<Shop>> {
        Ok(sqlx::query_as(sql!(
            "{SHOP_SELECT} WHERE s.id = $1 GROUP BY s.id, s.name, s.rating_x10, s.performance_value"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A page of a shop's products, best sellers first (ties: id).
    pub async fn shop_product_page(
        &self,
        shop_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ShopProduct>> {
        Ok(sqlx::query_as(
            "SELECT id, shop_name, title, description, price, currency, rating_x10, review_count, sold_count, rating_1_count, rating_2_count, rating_3_count, rating_4_count, rating_5_count FROM shop_products WHERE shop_id = $1 ORDER BY sold_count DESC, id LIMIT $2 OFFSET $3",
        )
        .bind(shop_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A product's title, when the product exists.
    pub async fn product_title(&self, product_id: &str) -> Result<Option<String>> {
        let r: Option<(String,)> = sqlx::query_as("SELECT title FROM shop_products WHERE id = $1")
            .bind(product_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| r.0))
    }

    /// A page of a product's reviews, newest first (ties: seq, descending).
    pub async fn review_page(
        &self,
        product_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Review>> {
        Ok(sqlx::query_as(
            "SELECT product_id, seq, display_name, rating, text, like_count, created_at FROM product_reviews WHERE product_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2 OFFSET $3",
        )
        .bind(product_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Creates a shop with its products and their reviews in one transaction.
    pub async fn create_shop(&self, shop: &NewShop, products: &[NewProduct]) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        sqlx::query(
            "INSERT INTO shops (id, name, rating_x10, performance_value, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&shop.id)
        .bind(&shop.name)
        .bind(shop.rating_x10)
        .bind(shop.performance_value)
        .bind(shop.created_at)
        .execute(&mut *tx)
        .await
        .map_err(conflict)?;
        for p in products {
            let [c1, c2, c3, c4, c5] = p.star_counts;
            sqlx::query(
                "INSERT INTO shop_products (id, shop_id, shop_name, title, description, price, original_price, currency, sold_count, sold_count_7d, rating_x10, review_count, region_code, category, created_at, rating_1_count, rating_2_count, rating_3_count, rating_4_count, rating_5_count) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, 0, $9, $10, $11, '{}', $12, $13, $14, $15, $16, $17)",
            )
            .bind(&p.id)
            .bind(&shop.id)
            .bind(&shop.name)
            .bind(&p.title)
            .bind(&p.description)
            .bind(p.price)
            .bind(&p.currency)
            .bind(p.sold_count)
            .bind(p.rating_x10)
            .bind(c1 + c2 + c3 + c4 + c5)
            .bind(&p.region_code)
            .bind(shop.created_at)
            .bind(c1)
            .bind(c2)
            .bind(c3)
            .bind(c4)
            .bind(c5)
            .execute(&mut *tx)
            .await
            .map_err(conflict)?;
            for r in &p.reviews {
                sqlx::query(
                    "INSERT INTO product_reviews (product_id, seq, display_name, rating, text, like_count, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&p.id)
                .bind(r.seq)
                .bind(&r.display_name)
                .bind(r.rating)
                .bind(&r.text)
                .bind(r.like_count)
                .bind(r.created_at)
                .execute(&mut *tx)
                .await
                .map_err(conflict)?;
            }
        }
        tx.commit().await?;
        drop(writer_conn);
        Ok(())
    }
}
