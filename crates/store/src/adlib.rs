//! Commercial Content API (ad library): advertisers, their ads, and the ad query — a walk of
//! the ads' primary key that stops at the page, filtered by [`AdFilter`] exactly as
//! [`reelbox_core::adlib::matches`] reads it.
use reelbox_core::adlib::AdFilter;
use sqlx::FromRow;

use crate::dynamic::{Binds, bind_all, like_escape};
use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Advertiser {
    pub business_id: i64,
    pub business_name: String,
    pub paid_by: String,
    pub country_code: String,
    pub follower_count: i64,
    pub avatar_url: String,
    pub profile_url: String,
    pub created_at: i64,
}

/// An ad as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Ad {
    pub id: i64,
    pub business_id: i64,
    pub title: String,
    pub status: String,
    pub status_statement: String,
    /// `YYYYMMDD`.
    pub first_shown_date: i64,
    pub last_shown_date: i64,
    /// Targeted codes as `,FR,IT,`.
    pub countries: String,
    pub reach: i64,
    /// JSON list of URLs.
    pub videos: String,
    /// JSON list of URLs.
    pub image_urls: String,
    pub search_text: String,
    /// JSON object of what only the detail reads.
    pub detail: String,
    pub created_at: i64,
}

const AD_COLUMNS: &str = "a.id, a.business_id, a.title, a.status, a.status_statement, a.first_shown_date, a.last_shown_date, a.countries, a.reach, a.videos, a.image_urls, a.search_text, a.detail, a.created_at";

/// An ad with its advertiser, as the query answers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdRow {
    pub ad: Ad,
    pub advertiser: Advertiser,
}

#[derive(FromRow)]
struct Joined {
    #[sqlx(flatten)]
    ad: Ad,
    business_name: String,
    paid_by: String,
    country_code: String,
    follower_count: i64,
    avatar_url: String,
    profile_url: String,
    advertiser_created_at: i64,
}

impl From<Joined> for AdRow {
    fn from(j: Joined) -> Self {
        AdRow {
            advertiser: Advertiser {
                business_id: j.ad.business_id,
                business_name: j.business_name,
                paid_by: j.paid_by,
                country_code: j.country_code,
                follower_count: j.follower_count,
                avatar_url: j.avatar_url,
                profile_url: j.profile_url,
                created_at: j.advertiser_created_at,
            },
            ad: j.ad,
        }
    }
}

const JOINED: &str = "v.business_name, v.paid_by, v.country_code, v.follower_count, v.avatar_url, v.profile_url, v.created_at AS advertiser_created_at FROM ads a JOIN advertisers v ON v.business_id = a.business_id";

impl Store {
    /// Stores an advertiser unless one with its id exists; the stored one either way.
    pub async fn upsert_advertiser(&self, a: &Advertiser) -> Result<Advertiser> {
        sqlx::query(
            "INSERT INTO advertisers (business_id, business_name, paid_by, country_code, follower_count, avatar_url, profile_url, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (business_id) DO NOTHING",
        )
        .bind(a.business_id)
        .bind(&a.business_name)
        .bind(&a.paid_by)
        .bind(&a.country_code)
        .bind(a.follower_count)
        .bind(&a.avatar_url)
        .bind(&a.profile_url)
        .bind(a.created_at)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        self.advertiser(a.business_id)
            .await?
            .ok_or_else(|| crate::StoreError::Corrupt("advertiser vanished".into()))
    }

    pub async fn advertiser(&self, business_id: i64) -> Result<Option<Advertiser>> {
        Ok(sqlx::query_as("SELECT business_id, business_name, paid_by, country_code, follower_count, avatar_url, profile_url, created_at FROM advertisers WHERE business_id = $1")
            .bind(business_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn insert_ad(&self, a: &Ad) -> Result<()> {
        sqlx::query("INSERT INTO ads (id, business_id, title, status, status_statement, first_shown_date, last_shown_date, countries, reach, videos, image_urls, search_text, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
            .bind(a.id)
            .bind(a.business_id)
            .bind(&a.title)
            .bind(&a.status)
            .bind(&a.status_statement)
            .bind(a.first_shown_date)
            .bind(a.last_shown_date)
            .bind(&a.countries)
            .bind(a.reach)
            .bind(&a.videos)
            .bind(&a.image_urls)
            .bind(&a.search_text)
            .bind(&a.detail)
            .bind(a.created_at)
            .execute(&mut *self.writer.acquire().await?)
            .await
            .map_err(crate::conflict)?;
        Ok(())
    }

    /// The largest ad id (0 without ads): the snapshot bound of a new search.
    pub async fn max_ad_id(&self) -> Result<i64> {
        let (m,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM ads")
            .fetch_one(&self.pool)
            .await?;
        Ok(m.unwrap_or(0))
    }

    /// One ad with its advertiser.
    pub async fn ad(&self, id: i64) -> Result<Option<AdRow>> {
        let row: Option<Joined> =
            sqlx::query_as(sql!("SELECT {AD_COLUMNS}, {JOINED} WHERE a.id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(AdRow::from))
    }

    /// The ads `f` selects with ids in (`after`, `max_id`], by id, at most `limit`.
    pub async fn query_ads(
        &self,
        f: &AdFilter,
        after: i64,
        max_id: i64,
        limit: i64,
    ) -> Result<Vec<AdRow>> {
        let mut b = Binds::default();
        let mut w = vec![
            format!("a.id > {}", b.i(after)),
            format!("a.id <= {}", b.i(max_id)),
            format!("a.first_shown_date >= {}", b.i(f.from)),
            format!("a.first_shown_date <= {}", b.i(f.to)),
        ];
        if let Some(c) = &f.country {
            w.push(format!("a.countries LIKE {}", b.t(format!("%,{c},%"))));
        }
        if !f.business_ids.is_empty() {
            let list: Vec<String> = f.business_ids.iter().map(|id| b.i(*id)).collect();
            w.push(format!("a.business_id IN ({})", list.join(", ")));
        }
        if let Some((_, words)) = &f.terms {
            let any: Vec<String> = words
                .iter()
                .map(|t| {
                    format!(
                        "a.search_text LIKE {} ESCAPE '\\'",
                        b.t(format!("%{}%", like_escape(t)))
                    )
                })
                .collect();
            w.push(format!("({})", any.join(" OR ")));
        }
        if let Some(m) = f.reach_min {
            w.push(format!("a.reach >= {}", b.i(m)));
        }
        if let Some(m) = f.reach_max {
            w.push(format!("a.reach <= {}", b.i(m)));
        }
        let limit = b.i(limit);
        let q = sql!(
            "SELECT {AD_COLUMNS}, {JOINED} WHERE {} ORDER BY a.id LIMIT {limit}",
            w.join(" AND ")
        );
        let binds = b.into_vec();
        let rows: Vec<Joined> = bind_all(sqlx::query_as(q), &binds)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(AdRow::from).collect())
    }

    /// Ads published per day in `country` (`first_shown_date` in [`from`, `to`], of the given
    /// advertisers when any): (day, count), newest day first.
    pub async fn count_ads_by_day(
        &self,
        from: i64,
        to: i64,
        country: &str,
        business_ids: &[i64],
    ) -> Result<Vec<(i64, i64)>> {
        let mut b = Binds::default();
        let mut w = vec![
            format!("first_shown_date >= {}", b.i(from)),
            format!("first_shown_date <= {}", b.i(to)),
            format!("countries LIKE {}", b.t(format!("%,{country},%"))),
        ];
        if !business_ids.is_empty() {
            let list: Vec<String> = business_ids.iter().map(|id| b.i(*id)).collect();
            w.push(format!("business_id IN ({})", list.join(", ")));
        }
        let q = sql!(
            "SELECT first_shown_date, COUNT(*) FROM ads WHERE {} GROUP BY first_shown_date ORDER BY first_shown_date DESC",
            w.join(" AND ")
        );
        let binds = b.into_vec();
        Ok(bind_all(sqlx::query_as(q), &binds)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Advertisers whose name contains `term` (any case), by id, at most `limit`.
    pub async fn search_advertisers(&self, term: &str, limit: i64) -> Result<Vec<Advertiser>> {
        Ok(sqlx::query_as("SELECT business_id, business_name, paid_by, country_code, follower_count, avatar_url, profile_url, created_at FROM advertisers WHERE LOWER(business_name) LIKE $1 ESCAPE '\\' ORDER BY business_id LIMIT $2")
            .bind(format!("%{}%", like_escape(&term.to_lowercase())))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }
}

#[cfg(test)]
mod tests;
