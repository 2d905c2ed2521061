//! Commercial Content API (ad library): `POST /v2/research/adlib/...`. Client token with
//! `research.adlib.basic`, the research per-minute limit and daily quota; `fields` in the query
//! string, a JSON body whatever the Content-Type; answers carry `http_status_code`.
use axum::extract::{RawQuery, State};
use bytes::Bytes;
use reelbox_core::research::day_of;
use reelbox_wire::adlib::{
    AdDetailBody, AdDetailData, AdQueryBody, AdvertiserQueryBody, AdvertiserQueryData, QueryAdData,
};
use reelbox_wire::adlib::{AdReportBody, ReportData};
use reelbox_wire::v2::EnvelopeV2;
use serde_json::Value;

use crate::http::auth::ClientCaller;
use crate::http::error::ApiError;
use crate::http::gate::{DataQuota, Quota, gate_scope};
use crate::http::v2::{V2, V2Error, V2Result};
use crate::service::adlib as service;
use crate::state::AppState;

/// The gate, then the query string's `fields` and the JSON body (the getting-started example
/// sends no Content-Type).
async fn admit(
    st: &AppState,
    caller: Result<ClientCaller, ApiError>,
    query: Option<String>,
    body: &Bytes,
) -> Result<(ClientCaller, Option<String>, Value), V2Error> {
    let caller = caller?;
    gate_scope::<DataQuota>(st, &caller, reelbox_core::scopes::RESEARCH_ADLIB_BASIC).await?;
    let fields = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "fields")
            .map(|(_, v)| v.into_owned())
    });
    let body: Value = serde_json::from_slice(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            V2Error(crate::api::research::invalid(
                "The request body must be a JSON object.",
            ))
        })?;
    Ok((caller, fields, body))
}

/// One request and its records counted against the daily quota, as `Research::answer` counts.
fn count(st: &AppState, caller: &ClientCaller, records: usize) {
    st.research_tally.add(
        &caller.client_key,
        day_of(st.now()),
        DataQuota::KIND,
        records as i64,
    );
}

/// Query ads: published in a date range, by country, advertiser, search term and reach; pages
/// of `max_count` continued by `search_id`.
#[utoipa::path(post, path = "/v2/research/adlib/ad/query/", tag = "Commercial Content API",
    security(("bearer" = [])),
    params(("fields" = String, Query, description = "comma-separated: ad.id, ad.first_shown_date, ad.last_shown_date, ad.status, ad.status_statement, ad.videos, ad.image_urls, ad.reach, advertiser.business_id, advertiser.business_name, advertiser.paid_for_by")),
    request_body(content = AdQueryBody, content_type = "application/json"),
    responses((status = 200, body = EnvelopeV2<QueryAdData>), (status = 400, body = EnvelopeV2<reelbox_wire::envelope::Empty>, description = "`invalid_params`"), (status = 401, body = EnvelopeV2<reelbox_wire::envelope::Empty>), (status = 429, body = EnvelopeV2<reelbox_wire::envelope::Empty>)))]
pub async fn ad_query(
    State(st): State<AppState>,
    caller: Result<ClientCaller, ApiError>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> V2Result<QueryAdData> {
    let (caller, fields, body) = admit(&st, caller, query, &body).await?;
    let page = service::query_ads(&st, &caller, fields.as_deref(), &body).await?;
    count(&st, &caller, page.ads.len());
    Ok(V2(page))
}

/// One ad: its fields, its advertiser's and its targeting, as selected.
#[utoipa::path(post, path = "/v2/research/adlib/ad/detail/", tag = "Commercial Content API",
    security(("bearer" = [])),
    params(("fields" = String, Query, description = "comma-separated: the ad query's fields and ad.title, ad.external_url, ad.download_url, ad.call_to_action, ad.advertising_objective, advertiser.follower_count, advertiser.avatar_url, advertiser.profile_url, ad_group.targeting_info")),
    request_body(content = AdDetailBody, content_type = "application/json"),
    responses((status = 200, body = EnvelopeV2<AdDetailData>), (status = 400, body = EnvelopeV2<reelbox_wire::envelope::Empty>, description = "`invalid_params`"), (status = 401, body = EnvelopeV2<reelbox_wire::envelope::Empty>), (status = 429, body = EnvelopeV2<reelbox_wire::envelope::Empty>)))]
pub async fn ad_detail(
    State(st): State<AppState>,
    caller: Result<ClientCaller, ApiError>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> V2Result<AdDetailData> {
    let (caller, fields, body) = admit(&st, caller, query, &body).await?;
    let detail = service::ad_detail(&st, fields.as_deref(), &body).await?;
    count(&st, &caller, 1);
    Ok(V2(detail))
}

/// Advertisers whose name contains `search_term` (any case).
#[utoipa::path(post, path = "/v2/research/adlib/advertiser/query/", tag = "Commercial Content API",
    security(("bearer" = [])),
    params(("fields" = String, Query, description = "comma-separated: business_id, business_name, country_code")),
    request_body(content = AdvertiserQueryBody, content_type = "application/json"),
    responses((status = 200, body = EnvelopeV2<AdvertiserQueryData>), (status = 400, body = EnvelopeV2<reelbox_wire::envelope::Empty>, description = "`invalid_params`"), (status = 401, body = EnvelopeV2<reelbox_wire::envelope::Empty>), (status = 429, body = EnvelopeV2<reelbox_wire::envelope::Empty>)))]
pub async fn advertiser_query(
    State(st): State<AppState>,
    caller: Result<ClientCaller, ApiError>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> V2Result<AdvertiserQueryData> {
    let (caller, fields, body) = admit(&st, caller, query, &body).await?;
    let found = service::advertiser_query(&st, fields.as_deref(), &body).await?;
    count(&st, &caller, found.advertisers.len());
    Ok(V2(found))
}

/// Ads published per day in each targeted country.
#[utoipa::path(post, path = "/v2/research/adlib/ad/report/", tag = "Commercial Content API",
    security(("bearer" = [])),
    params(("fields" = String, Query, description = "count_time_series_by_country")),
    request_body(content = AdReportBody, content_type = "application/json"),
    responses((status = 200, body = EnvelopeV2<ReportData>), (status = 400, body = EnvelopeV2<reelbox_wire::envelope::Empty>, description = "`invalid_params`"), (status = 401, body = EnvelopeV2<reelbox_wire::envelope::Empty>), (status = 429, body = EnvelopeV2<reelbox_wire::envelope::Empty>)))]
pub async fn ad_report(
    State(st): State<AppState>,
    caller: Result<ClientCaller, ApiError>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> V2Result<ReportData> {
    let (caller, fields, body) = admit(&st, caller, query, &body).await?;
    let report = service::ad_report(&st, fields.as_deref(), &body).await?;
    count(&st, &caller, 0);
    Ok(V2(report))
}
