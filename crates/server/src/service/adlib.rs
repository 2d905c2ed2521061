//! Commercial Content API (ad library): ads created through the control API, and the ad
//! query with its filters, `fields`, paging and `search_id`.
use reelbox_core::adlib::{self, AD_FIELDS};
use reelbox_store::adlib::{Ad as AdRecord, AdRow, Advertiser};
use reelbox_store::read::Search;
use reelbox_wire::ErrorCode;
use reelbox_wire::adlib::{Ad, AdAdvertiser, AdDto, AdIn, AdVideo, AdView, QueryAdData, Reach};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::auth::ClientCaller;
use crate::http::error::{ApiError, ApiResult};
use crate::service::invalid;
use crate::state::AppState;

/// 400 `invalid_params`, the code of TikTok's newer products.
fn refuse(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParams, msg)
}

fn date(s: &str, name: &str) -> ApiResult<i64> {
    adlib::date_of(&Value::String(s.to_string()))
        .ok_or_else(|| invalid(format!("{name} must be a date as YYYYMMDD.")))
}

/// Stores an ad, and its advertiser when it is new.
pub async fn create_ad(st: &AppState, b: AdIn) -> ApiResult<AdView> {
    let now = st.now();
    let first = date(&b.first_shown_date, "first_shown_date")?;
    let last = match &b.last_shown_date {
        Some(s) => date(s, "last_shown_date")?,
        None => first,
    };
    if last < first {
        return Err(invalid(
            "last_shown_date must not be before first_shown_date.",
        ));
    }
    let status = b.status.clone().unwrap_or_else(|| "active".into());
    if !matches!(status.as_str(), "active" | "inactive") {
        return Err(invalid("status must be active or inactive."));
    }
    let mut countries = Vec::new();
    for c in &b.countries {
        let c = c.to_ascii_uppercase();
        if !adlib::is_country(&c) {
            return Err(invalid(format!(
                "countries: {c} is not a supported country code."
            )));
        }
        if !countries.contains(&c) {
            countries.push(c);
        }
    }
    if b.reach < 0 || b.advertiser.follower_count < 0 {
        return Err(invalid("reach and follower_count must not be negative."));
    }
    let a = &b.advertiser;
    let advertiser = match a.business_id {
        Some(id) => st.store.advertiser(id).await?,
        None => None,
    };
    let advertiser = match advertiser {
        Some(v) => v,
        None => {
            if a.business_name.trim().is_empty() {
                return Err(invalid(
                    "advertiser.business_name is required for a new advertiser.",
                ));
            }
            let country = a.country_code.clone().unwrap_or_else(|| "US".into());
            if country.len() != 2 || !country.bytes().all(|c| c.is_ascii_uppercase()) {
                return Err(invalid(
                    "advertiser.country_code must be two capital letters.",
                ));
            }
            st.store
                .upsert_advertiser(&Advertiser {
                    business_id: a
                        .business_id
                        .filter(|id| *id > 0)
                        .unwrap_or_else(|| (reelbox_core::ids::post_id(now) >> 1) as i64),
                    business_name: a.business_name.clone(),
                    paid_by: a.paid_by.clone().unwrap_or_else(|| a.business_name.clone()),
                    country_code: country,
                    follower_count: a.follower_count,
                    avatar_url: a.avatar_url.clone(),
                    profile_url: a.profile_url.clone(),
                    created_at: now,
                })
                .await?
        }
    };
    let id = match b.id {
        Some(id) if id <= 0 => return Err(invalid("id must be a positive integer.")),
        Some(id) => id,
        None => (reelbox_core::ids::post_id(now) >> 1) as i64,
    };
    st.store
        .insert_ad(&AdRecord {
            id,
            business_id: advertiser.business_id,
            title: b.title.clone(),
            status,
            status_statement: b.status_statement.clone(),
            first_shown_date: first,
            last_shown_date: last,
            countries: format!(",{},", countries.join(",")),
            reach: b.reach,
            videos: serde_json::to_string(&b.videos).map_err(ApiError::internal)?,
            image_urls: serde_json::to_string(&b.image_urls).map_err(ApiError::internal)?,
            search_text: adlib::search_text(&b.title, &advertiser.business_name),
            detail: "{}".into(),
            created_at: now,
        })
        .await
        .map_err(|e| match e {
            reelbox_store::StoreError::Conflict => invalid(format!("An ad with id {id} exists.")),
            e => e.into(),
        })?;
    Ok(AdView {
        id,
        business_id: advertiser.business_id,
        business_name: advertiser.business_name,
    })
}

/// What a `search_id` names: the body of the first request, the snapshot bound and where the
/// next page starts.
#[derive(Serialize, Deserialize)]
struct StoredAdQuery {
    adlib: Value,
    after: i64,
}

/// The page of `body` (or of the search its `search_id` names), with the `fields` selected.
pub async fn query_ads(
    st: &AppState,
    caller: &ClientCaller,
    fields: Option<&str>,
    body: &Value,
) -> ApiResult<QueryAdData> {
    let names = adlib::select(fields, AD_FIELDS).map_err(refuse)?;
    let limit = adlib::max_count(body).map_err(refuse)?;
    let now = st.now();
    let search_id = match body.get("search_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(refuse("search_id must be a string.")),
    };
    // A given search_id replays its stored query; the body's filters are then ignored.
    let (query, after, max_id) = match search_id {
        Some(id) => {
            let s = st
                .store
                .search(
                    &id,
                    &caller.client_key,
                    now - crate::api::research::videos::SEARCH_TTL_MS,
                )
                .await?
                .ok_or_else(|| refuse("Invalid search_id"))?;
            let stored: StoredAdQuery =
                serde_json::from_str(&s.query).map_err(|_| refuse("Invalid search_id"))?;
            let max_id = s.max_id.parse().map_err(ApiError::internal)?;
            (stored.adlib, stored.after, max_id)
        }
        None => (body.clone(), 0, st.store.max_ad_id().await?),
    };
    let filter =
        adlib::ad_filter(&query, st.cfg.products.adlib_max_business_ids).map_err(refuse)?;
    let mut rows = st
        .store
        .query_ads(&filter, after, max_id, limit + 1)
        .await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let search_id = match rows.last().filter(|_| has_more) {
        Some(last) => {
            let id = reelbox_core::ids::post_id(now).to_string();
            st.store
                .insert_search(&Search {
                    id: id.clone(),
                    client_key: caller.client_key.clone(),
                    query: serde_json::to_string(&StoredAdQuery {
                        adlib: query,
                        after: last.ad.id,
                    })
                    .map_err(ApiError::internal)?,
                    max_id: max_id.to_string(),
                    snapshot_at: now,
                    pages: "{}".into(),
                    created_at: now,
                })
                .await?;
            id
        }
        None => String::new(),
    };
    Ok(QueryAdData {
        ads: rows.iter().map(|r| ad_dto(r, &names)).collect(),
        has_more,
        search_id,
    })
}

fn urls(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// One result with the selected fields only.
fn ad_dto(r: &AdRow, names: &[String]) -> AdDto {
    let has = |n: &str| names.iter().any(|x| x == n);
    let a = &r.ad;
    let ad = Ad {
        id: has("ad.id").then_some(a.id),
        first_shown_date: has("ad.first_shown_date").then_some(a.first_shown_date),
        last_shown_date: has("ad.last_shown_date").then_some(a.last_shown_date),
        status: has("ad.status").then(|| a.status.clone()),
        status_statement: has("ad.status_statement").then(|| a.status_statement.clone()),
        videos: has("ad.videos").then(|| {
            urls(&a.videos)
                .into_iter()
                .map(|url| AdVideo { url })
                .collect()
        }),
        image_urls: has("ad.image_urls").then(|| urls(&a.image_urls)),
        reach: has("ad.reach").then(|| Reach {
            unique_users_seen: adlib::bucket(a.reach),
            unique_users_seen_by_country: None,
        }),
    };
    let v = &r.advertiser;
    let advertiser = AdAdvertiser {
        business_id: has("advertiser.business_id").then_some(v.business_id),
        business_name: has("advertiser.business_name").then(|| v.business_name.clone()),
        paid_by: has("advertiser.paid_for_by").then(|| v.paid_by.clone()),
    };
    AdDto {
        ad: (ad != Ad::default()).then_some(ad),
        advertiser: (advertiser != AdAdvertiser::default()).then_some(advertiser),
    }
}
