//! Commercial Content API (ad library): ads created through the control API, and the ad
//! query with its filters, `fields`, paging and `search_id`, the ad detail and the advertiser
//! query.
use reelbox_core::adlib::{self, AD_FIELDS, ADVERTISER_FIELDS, DETAIL_FIELDS, REPORT_FIELDS};
use reelbox_store::adlib::{Ad as AdRecord, AdRow, Advertiser};
use reelbox_store::read::Search;
use reelbox_wire::ErrorCode;
use reelbox_wire::adlib::{
    Ad, AdAdvertiser, AdDetail, AdDetailData, AdDetailFacts, AdDto, AdGroup, AdIn, AdVideo, AdView,
    AdvertiserDetail, AdvertiserItem, AdvertiserQueryData, QueryAdData, Reach, TargetingInfo,
    TikTokAccount,
};
use reelbox_wire::adlib::{DateCount, ReportData};
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
    let d = &b.detail;
    for c in d.reach_by_country.keys().chain(
        d.rejection_info
            .iter()
            .flat_map(|r| r.affected_countries.iter()),
    ) {
        if !adlib::is_country(c) {
            return Err(invalid(format!(
                "detail: {c} is not a supported country code."
            )));
        }
    }
    if let Some(a) = d
        .targeting
        .ages
        .iter()
        .find(|a| !adlib::AGES.contains(&a.as_str()))
    {
        return Err(invalid(format!(
            "detail.targeting.ages: {a} is not an age group."
        )));
    }
    if let Some(g) = d
        .targeting
        .genders
        .iter()
        .find(|g| !adlib::GENDERS.contains(&g.as_str()))
    {
        return Err(invalid(format!(
            "detail.targeting.genders: {g} is not a gender."
        )));
    }
    if b.reach < 0
        || b.advertiser.follower_count < 0
        || d.targeting.users_targeted < 0
        || d.reach_by_country.values().any(|n| *n < 0)
    {
        return Err(invalid(
            "reach, follower_count and user counts must not be negative.",
        ));
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
            detail: serde_json::to_string(&b.detail).map_err(ApiError::internal)?,
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

/// One ad with the `fields` selected (`ad_id` required: the current edition of the page).
pub async fn ad_detail(
    st: &AppState,
    fields: Option<&str>,
    body: &Value,
) -> ApiResult<AdDetailData> {
    let names = adlib::select(fields, DETAIL_FIELDS).map_err(refuse)?;
    let id = match body.get("ad_id") {
        None | Some(Value::Null) => return Err(refuse("ad_id is required.")),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        Some(_) => None,
    }
    .ok_or_else(|| refuse("ad_id must be an integer."))?;
    let r = st
        .store
        .ad(id)
        .await?
        .ok_or_else(|| refuse("ad_id does not exist."))?;
    let has = |n: &str| names.iter().any(|x| x == n);
    let d: AdDetailFacts = serde_json::from_str(&r.ad.detail).map_err(ApiError::internal)?;
    let mut base = ad_dto(&r, &names);
    if let Some(reach) = base.ad.as_mut().and_then(|a| a.reach.as_mut()) {
        reach.unique_users_seen_by_country = Some(
            d.reach_by_country
                .iter()
                .map(|(c, n)| (c.clone(), adlib::bucket(*n)))
                .collect(),
        );
    }
    let a = &r.ad;
    let mut ad = AdDetail {
        ad: base.ad.unwrap_or_default(),
        title: has("ad.title").then(|| a.title.clone()),
        external_url: has("ad.external_url").then(|| d.external_url.clone()),
        download_url: has("ad.download_url").then(|| d.download_url.clone()),
        call_to_action: has("ad.call_to_action").then(|| d.call_to_action.clone()),
        advertising_objective: has("ad.advertising_objective")
            .then(|| d.advertising_objective.clone()),
        rejection_info: None,
    };
    let any_ad = ad != AdDetail::default();
    if any_ad {
        ad.rejection_info = d.rejection_info.clone();
    }
    let v = &r.advertiser;
    let account = TikTokAccount {
        profile_url: has("advertiser.profile_url").then(|| v.profile_url.clone()),
        avatar_url: has("advertiser.avatar_url").then(|| v.avatar_url.clone()),
        follower_count: has("advertiser.follower_count").then_some(v.follower_count),
    };
    let advertiser = base.advertiser.unwrap_or_default();
    let any_advertiser =
        advertiser != AdAdvertiser::default() || account != TikTokAccount::default();
    let t = &d.targeting;
    let pick = |all: &[&str], chosen: &[String]| {
        all.iter()
            .map(|k| {
                (
                    (*k).to_string(),
                    chosen.is_empty() || chosen.iter().any(|c| c == k),
                )
            })
            .collect()
    };
    Ok(AdDetailData {
        ad: any_ad.then_some(ad),
        advertiser: any_advertiser.then(|| AdvertiserDetail {
            advertiser,
            country_code: Some(v.country_code.clone()),
            tiktok_account: (account != TikTokAccount::default()).then_some(account),
        }),
        ad_group: has("ad_group.targeting_info").then(|| AdGroup {
            targeting_info: TargetingInfo {
                number_of_users_targeted: adlib::bucket(t.users_targeted),
                country: a
                    .countries
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
                age: pick(adlib::AGES, &t.ages),
                gender: pick(adlib::GENDERS, &t.genders),
                audience_targeting: if t.audience_targeting { "Yes" } else { "No" }.into(),
                video_interactions: t.video_interactions.clone(),
                creator_interactions: t.creator_interactions.clone(),
                interest: t.interests.join(", "),
            },
        }),
    })
}

/// Advertisers whose name contains the search term, with the `fields` selected.
pub async fn advertiser_query(
    st: &AppState,
    fields: Option<&str>,
    body: &Value,
) -> ApiResult<AdvertiserQueryData> {
    let names = adlib::select(fields, ADVERTISER_FIELDS).map_err(refuse)?;
    let term = adlib::advertiser_term(body).map_err(refuse)?;
    let limit = adlib::max_count(body).map_err(refuse)?;
    let has = |n: &str| names.iter().any(|x| x == n);
    let found = st.store.search_advertisers(&term, limit).await?;
    Ok(AdvertiserQueryData {
        advertisers: found
            .into_iter()
            .map(|v| AdvertiserItem {
                business_id: has("business_id").then_some(v.business_id),
                business_name: has("business_name").then(|| v.business_name.clone()),
                country_code: has("country_code").then(|| v.country_code.clone()),
            })
            .collect(),
    })
}

/// Ads published per day and targeted country; with `ALL`, one key per supported country
/// that has ads.
pub async fn ad_report(st: &AppState, fields: Option<&str>, body: &Value) -> ApiResult<ReportData> {
    adlib::select(fields, REPORT_FIELDS).map_err(refuse)?;
    let (from, to, country, ids) =
        adlib::report_filter(body, st.cfg.products.adlib_max_business_ids).map_err(refuse)?;
    let countries: Vec<String> = match country {
        Some(c) => vec![c],
        None => adlib::COUNTRIES.iter().map(|c| (*c).to_string()).collect(),
    };
    let mut out = std::collections::BTreeMap::new();
    for c in countries {
        let days = st.store.count_ads_by_day(from, to, &c, &ids).await?;
        if !days.is_empty() {
            out.insert(
                c,
                days.into_iter()
                    .map(|(date, count)| DateCount {
                        date: date.to_string(),
                        count,
                    })
                    .collect(),
            );
        }
    }
    Ok(ReportData {
        count_time_series_by_country: out,
    })
}
