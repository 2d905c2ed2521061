//! Shops with products, star counts and reviews, for the research TikTok Shop endpoints.
use reelbox_store::StoreError;
use reelbox_store::tts::{NewProduct, NewShop, Review};
use reelbox_wire::control::{ShopIn, ShopView};

use crate::http::error::ApiResult;
use crate::service::invalid;
use crate::service::lists::id_num;
use crate::state::AppState;

/// A 0–5 rating kept with one decimal.
fn tenths(r: f64, what: &str) -> ApiResult<i64> {
    if !(0.0..=5.0).contains(&r) {
        return Err(invalid(format!("{what} should be between 0 and 5")));
    }
    Ok((r * 10.0).round() as i64)
}

pub async fn create_shop(st: &AppState, b: ShopIn) -> ApiResult<ShopView> {
    let now = st.now();
    let name = b.name.trim();
    if name.is_empty() {
        return Err(invalid("name is required"));
    }
    if !(0..=100).contains(&b.performance_value) {
        return Err(invalid("performance_value should be between 0 and 100"));
    }
    let shop = NewShop {
        id: reelbox_core::ids::post_id(now).to_string(),
        name: name.to_string(),
        rating_x10: tenths(b.rating, "rating")?,
        performance_value: b.performance_value,
        created_at: now,
    };
    let mut products = Vec::with_capacity(b.products.len());
    for p in b.products {
        let cur = p.currency.trim().to_ascii_uppercase();
        if cur.len() != 3 || !cur.bytes().all(|c| c.is_ascii_uppercase()) {
            return Err(invalid("currency should be an ISO 4217 code"));
        }
        if p.price < 0 || p.sold_count < 0 {
            return Err(invalid("price and sold_count cannot be negative"));
        }
        let id = reelbox_core::ids::post_id(now).to_string();
        let mut reviews = Vec::with_capacity(p.reviews.len());
        let mut counted = [0i64; 5];
        for (seq, r) in p.reviews.into_iter().enumerate() {
            if !(1..=5).contains(&r.rating) {
                return Err(invalid("review rating should be 1 to 5"));
            }
            counted[(r.rating - 1) as usize] += 1;
            reviews.push(Review {
                product_id: id.clone(),
                seq: seq as i64,
                display_name: r.display_name,
                rating: r.rating,
                text: r.text,
                like_count: r.like_count.max(0),
                created_at: r.create_time.unwrap_or(now),
            });
        }
        let star_counts = p.star_counts.unwrap_or(counted);
        if star_counts.iter().any(|c| *c < 0) {
            return Err(invalid("star_counts cannot be negative"));
        }
        products.push(NewProduct {
            id,
            title: p.title,
            description: p.description,
            price: p.price,
            currency: cur,
            sold_count: p.sold_count,
            rating_x10: tenths(p.rating, "rating")?,
            star_counts,
            region_code: p.region_code,
            reviews,
        });
    }
    st.store
        .create_shop(&shop, &products)
        .await
        .map_err(|e| match e {
            StoreError::Conflict => invalid("the shop or a product already exists"),
            e => e.into(),
        })?;
    Ok(ShopView {
        product_ids: products.iter().map(|p| id_num(&p.id)).collect(),
        shop_id: id_num(&shop.id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_is_kept_in_tenths_and_only_from_0_to_5() {
        assert_eq!(tenths(4.66, "rating").expect("valid"), 47);
        assert_eq!(tenths(0.0, "rating").expect("valid"), 0);
        assert_eq!(tenths(5.0, "rating").expect("valid"), 50);
        let e = tenths(5.1, "shop_rating").expect_err("above 5");
        assert_eq!(e.message, "shop_rating should be between 0 and 5");
        assert!(tenths(-0.1, "rating").is_err());
    }
}
