//! reelbox-native hashtag endpoints over the trend buckets (no scan of the videos per request).
pub mod shop;

use axum::extract::{Query, State};
use reelbox_core::research::{format_day, name_id, parse_date, select_fields};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::research::{FieldsParam, invalid, pick, research_count, research_gate, rule};
use crate::http::auth::ClientCaller;
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::extract::{Reading, WireJson};
use crate::state::AppState;

const HASHTAG_FIELDS: &[&str] = &[
    "hashtag_id",
    "hashtag_name",
    "hashtag_description",
    "video_count",
    "view_count",
    "is_commerce",
    "create_time",
    "trend",
];

#[derive(Debug, Deserialize, Default)]
pub struct HashtagQueryBody {
    #[serde(default)]
    pub hashtag_names: Option<Vec<String>>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub region_code: Option<String>,
}

fn region_of(r: Option<&str>) -> String {
    match r.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => r.to_ascii_uppercase(),
        None => "ALL".into(),
    }
}

/// Hashtags by name with totals and a daily series.
#[utoipa::path(post, path = "/v2/research/hashtag/query/", tag = "reelbox research extensions", params(FieldsParam),
    request_body(content = Value, description = "`{hashtag_names, start_date, end_date, region_code}`"),
    responses((status = 200, description = "`{hashtags}`")),
    security(("bearer" = [])))]
pub async fn hashtag_query(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<HashtagQueryBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), HASHTAG_FIELDS).map_err(rule)?;
    let names = body.hashtag_names.unwrap_or_default();
    if names.is_empty() || names.len() > 20 {
        return Err(invalid("hashtag_names should contain 1 to 20 names"));
    }
    let today = reelbox_core::research::day_of(st.now());
    let end = match body.end_date.as_deref() {
        Some(d) => parse_date(d)
            .ok_or_else(|| invalid(format!("Invalid end_date {d:?}: expected YYYYMMDD")))?,
        None => today,
    };
    let start = match body.start_date.as_deref() {
        Some(d) => parse_date(d)
            .ok_or_else(|| invalid(format!("Invalid start_date {d:?}: expected YYYYMMDD")))?,
        None => end - 29,
    };
    if end < start {
        return Err(invalid("end_date must not be before start_date"));
    }
    if end - start > 120 {
        return Err(invalid(
            "end_date must be no more than 120 days after start_date",
        ));
    }
    let region = region_of(body.region_code.as_deref());
    let mut out = Vec::new();
    for n in names {
        let name = n.trim().trim_start_matches('#').to_lowercase();
        let Some((videos, views, first)) = st.store.trend_totals("tag", &name, &region).await?
        else {
            continue;
        };
        let series = st
            .store
            .trend_series("tag", &name, &region, start, end)
            .await?;
        let mut m = Map::new();
        m.insert("hashtag_id".into(), json!(name_id(&name)));
        m.insert("hashtag_name".into(), json!(name));
        m.insert("hashtag_description".into(), json!(""));
        m.insert("video_count".into(), json!(videos));
        m.insert("view_count".into(), json!(views));
        m.insert("is_commerce".into(), json!(false));
        m.insert("create_time".into(), json!(first * 86_400));
        m.insert(
            "trend".into(),
            json!(series.iter().map(|p| json!({"date": format_day(p.day), "video_count": p.videos, "view_count": p.views})).collect::<Vec<_>>()),
        );
        out.push(pick(m, &fields));
    }
    research_count(&st, &caller, "data", out.len());
    Ok(Data(json!({"hashtags": out})))
}

const TREND_FIELDS: &[&str] = &[
    "rank",
    "rank_diff",
    "hashtag_id",
    "hashtag_name",
    "video_count",
    "view_count",
    "video_count_all",
    "view_count_all",
    "region_code",
    "is_promoted",
    "trend",
];

#[derive(Debug, Deserialize, Default)]
pub struct HashtagTrendBody {
    #[serde(default)]
    pub region_code: Option<String>,
    #[serde(default)]
    pub period: Option<i64>,
    #[serde(default)]
    pub max_count: Option<i64>,
    #[serde(default)]
    pub cursor: Option<i64>,
}

/// Trending hashtags of a region over 7, 30 or 120 days.
#[utoipa::path(post, path = "/v2/research/hashtag/trend/", tag = "reelbox research extensions", params(FieldsParam),
    request_body(content = Value, description = "`{region_code, period, max_count, cursor}`"),
    responses((status = 200, description = "`{hashtags, cursor, has_more, period, region_code}`")),
    security(("bearer" = [])))]
pub async fn hashtag_trend(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<HashtagTrendBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), TREND_FIELDS).map_err(rule)?;
    let period = body.period.unwrap_or(7);
    if ![7, 30, 120].contains(&period) {
        return Err(invalid("period should be 7, 30 or 120"));
    }
    let limit = reelbox_core::research::page_size(body.max_count, 20, 100).map_err(rule)?;
    let cursor = reelbox_core::research::cursor_index(body.cursor).map_err(rule)?;
    let region = match body.region_code.as_deref() {
        None => "US".to_string(),
        Some(r) => region_of(Some(r)),
    };
    let today = reelbox_core::research::day_of(st.now());
    let (from, to) = (today - period + 1, today);
    let mut ranks = st
        .store
        .trend_ranking("tag", &region, from, to, limit + 1, cursor)
        .await?;
    let has_more = ranks.len() as i64 > limit;
    ranks.truncate(limit as usize);
    // The previous period's ranking, for rank_diff.
    let prev = st
        .store
        .trend_ranking("tag", &region, from - period, from - 1, 1000, 0)
        .await?;
    let mut out = Vec::new();
    for (i, r) in ranks.iter().enumerate() {
        let rank = cursor + i as i64 + 1;
        let trend = trend_points(&st, "tag", &r.key, &region, from, to).await?;
        let all = st
            .store
            .trend_totals("tag", &r.key, &region)
            .await?
            .unwrap_or((0, 0, 0));
        let mut m = Map::new();
        m.insert("rank".into(), json!(rank));
        if let Some(p) = prev.iter().position(|p| p.key == r.key) {
            m.insert("rank_diff".into(), json!(p as i64 + 1 - rank));
        }
        m.insert("hashtag_id".into(), json!(name_id(&r.key)));
        m.insert("hashtag_name".into(), json!(r.key));
        m.insert("video_count".into(), json!(r.videos));
        m.insert("view_count".into(), json!(r.views));
        m.insert("video_count_all".into(), json!(all.0));
        m.insert("view_count_all".into(), json!(all.1));
        m.insert("region_code".into(), json!(region));
        m.insert("is_promoted".into(), json!(false));
        m.insert("trend".into(), json!(trend));
        out.push(pick(m, &fields));
    }
    research_count(&st, &caller, "data", out.len());
    Ok(Data(json!({
        "hashtags": out,
        "cursor": cursor + ranks.len() as i64,
        "has_more": has_more,
        "period": period,
        "region_code": region,
    })))
}

const MUSIC_FIELDS: &[&str] = &[
    "music_id",
    "title",
    "author",
    "duration",
    "cover_url",
    "is_original",
    "is_commercial",
    "video_count",
    "view_count",
    "create_time",
    "trend",
];

/// The body of `POST /v2/research/music/query/`.
#[derive(Debug, Deserialize, Default)]
pub struct MusicQueryBody {
    /// Numbers or decimal strings.
    #[serde(default)]
    pub music_ids: Option<Vec<Value>>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
}

/// A sound's metadata as a Music object (counters and trend are added by the caller).
fn music_object(m: &reelbox_store::shop::Music) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("music_id".into(), crate::api::research::id_num(&m.id));
    o.insert("title".into(), json!(m.title));
    o.insert("author".into(), json!(m.author));
    o.insert("duration".into(), json!(m.duration_sec));
    o.insert("cover_url".into(), json!(m.cover_url));
    o.insert("is_original".into(), json!(m.is_original != 0));
    o.insert("is_commercial".into(), json!(m.is_commercial != 0));
    o.insert("create_time".into(), json!(m.created_at / 1000));
    o
}

/// Sounds by id with totals and a daily series.
#[utoipa::path(post, path = "/v2/research/music/query/", tag = "reelbox research extensions", params(FieldsParam),
    request_body(content = Value, description = "`{music_ids, start_date, end_date}`"),
    responses((status = 200, description = "`{musics}`")),
    security(("bearer" = [])))]
pub async fn music_query(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<MusicQueryBody, Reading>,
) -> ApiResult<Data<Value>> {
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), MUSIC_FIELDS).map_err(rule)?;
    let raw = body.music_ids.unwrap_or_default();
    if raw.is_empty() || raw.len() > 20 {
        return Err(invalid("music_ids should contain 1 to 20 ids"));
    }
    let mut ids: Vec<String> = Vec::with_capacity(raw.len());
    for v in &raw {
        let id = crate::api::research::id_text(v)
            .ok_or_else(|| invalid(format!("Invalid music_id {v}")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let today = reelbox_core::research::day_of(st.now());
    let end = match body.end_date.as_deref() {
        Some(d) => parse_date(d)
            .ok_or_else(|| invalid(format!("Invalid end_date {d:?}: expected YYYYMMDD")))?,
        None => today,
    };
    let start = match body.start_date.as_deref() {
        Some(d) => parse_date(d)
            .ok_or_else(|| invalid(format!("Invalid start_date {d:?}: expected YYYYMMDD")))?,
        None => end - 29,
    };
    if end < start {
        return Err(invalid("end_date must not be before start_date"));
    }
    if end - start > 120 {
        return Err(invalid(
            "end_date must be no more than 120 days after start_date",
        ));
    }
    let found = st.store.music_by_ids(&ids).await?;
    let mut out = Vec::new();
    // In the order asked; unknown ids are omitted.
    for id in &ids {
        let Some(m) = found.iter().find(|m| &m.id == id) else {
            continue;
        };
        let (videos, views, _) = st
            .store
            .trend_totals("music", id, "ALL")
            .await?
            .unwrap_or((0, 0, 0));
        let series = st
            .store
            .trend_series("music", id, "ALL", start, end)
            .await?;
        let mut o = music_object(m);
        o.insert("video_count".into(), json!(videos));
        o.insert("view_count".into(), json!(views));
        o.insert(
            "trend".into(),
            json!(series.iter().map(|p| json!({"date": format_day(p.day), "video_count": p.videos, "view_count": p.views})).collect::<Vec<_>>()),
        );
        out.push(pick(o, &fields));
    }
    research_count(&st, &caller, "data", out.len());
    Ok(Data(json!({"musics": out})))
}

const MUSIC_TREND_FIELDS: &[&str] = &[
    "rank",
    "rank_diff",
    "music_id",
    "title",
    "author",
    "duration",
    "cover_url",
    "is_original",
    "is_commercial",
    "video_count",
    "view_count",
    "create_time",
    "trend",
    "related_video_ids",
];

/// The body of `POST /v2/research/music/trend/`.
#[derive(Debug, Deserialize, Default)]
pub struct MusicTrendBody {
    #[serde(default)]
    pub region_code: Option<String>,
    #[serde(default)]
    pub period: Option<i64>,
    #[serde(default)]
    pub rank_type: Option<String>,
    #[serde(default)]
    pub commercial_only: Option<bool>,
    #[serde(default)]
    pub new_on_board: Option<bool>,
    #[serde(default)]
    pub max_count: Option<i64>,
    #[serde(default)]
    pub cursor: Option<i64>,
}

/// How many of the previous period's leaders count as "on board" for `new_on_board`.
const BOARD_SIZE: i64 = 100;
/// Upper bound of sounds read when `new_on_board` filters the ranking in memory.
const BOARD_SCAN: i64 = 10_000;

/// Trending sounds of a region over 7, 30 or 120 days.
#[utoipa::path(post, path = "/v2/research/music/trend/", tag = "reelbox research extensions", params(FieldsParam),
    request_body(content = Value, description = "`{region_code, period, rank_type, commercial_only, new_on_board, max_count, cursor}`"),
    responses((status = 200, description = "`{musics, cursor, has_more, period, region_code}`")),
    security(("bearer" = [])))]
pub async fn music_trend(
    State(st): State<AppState>,
    caller: ClientCaller,
    Query(f): Query<FieldsParam>,
    WireJson(body, _): WireJson<MusicTrendBody, Reading>,
) -> ApiResult<Data<Value>> {
    use reelbox_store::shop::MusicRank;
    research_gate(&st, &caller, "data").await?;
    let fields = select_fields(f.fields.as_deref(), MUSIC_TREND_FIELDS).map_err(rule)?;
    let period = body.period.unwrap_or(7);
    if ![7, 30, 120].contains(&period) {
        return Err(invalid("period should be 7, 30 or 120"));
    }
    let rank_type = match body.rank_type.as_deref().map(str::trim) {
        None | Some("") | Some("popular") => MusicRank::Popular,
        Some("surging") => MusicRank::Surging,
        Some(_) => return Err(invalid("rank_type should be popular or surging")),
    };
    let limit = reelbox_core::research::page_size(body.max_count, 20, 100).map_err(rule)?;
    let cursor = reelbox_core::research::cursor_index(body.cursor).map_err(rule)?;
    let region = match body.region_code.as_deref() {
        None => "US".to_string(),
        Some(r) => region_of(Some(r)),
    };
    let commercial = body.commercial_only.unwrap_or(false);
    let today = reelbox_core::research::day_of(st.now());
    let (from, to) = (today - period + 1, today);
    let prev = st
        .store
        .music_ranking(
            &region,
            from - period,
            from - 1,
            rank_type,
            commercial,
            1000,
            0,
        )
        .await?;
    let mut ranks = if body.new_on_board.unwrap_or(false) {
        let board: Vec<&str> = prev
            .iter()
            .take(BOARD_SIZE as usize)
            .map(|p| p.key.as_str())
            .collect();
        st.store
            .music_ranking(&region, from, to, rank_type, commercial, BOARD_SCAN, 0)
            .await?
            .into_iter()
            .filter(|r| !board.contains(&r.key.as_str()))
            .skip(cursor as usize)
            .take(limit as usize + 1)
            .collect()
    } else {
        st.store
            .music_ranking(&region, from, to, rank_type, commercial, limit + 1, cursor)
            .await?
    };
    let has_more = ranks.len() as i64 > limit;
    ranks.truncate(limit as usize);
    let keys: Vec<String> = ranks.iter().map(|r| r.key.clone()).collect();
    let found = st.store.music_by_ids(&keys).await?;
    let mut out = Vec::new();
    for (i, r) in ranks.iter().enumerate() {
        let rank = cursor + i as i64 + 1;
        let trend = trend_points(&st, "music", &r.key, &region, from, to).await?;
        let related = st
            .store
            .music_videos(&r.key, &region, from * reelbox_core::research::DAY_MS, 5)
            .await?;
        let mut m = match found.iter().find(|m| m.id == r.key) {
            Some(m) => music_object(m),
            None => Map::new(),
        };
        m.insert("rank".into(), json!(rank));
        if let Some(p) = prev.iter().position(|p| p.key == r.key) {
            m.insert("rank_diff".into(), json!(p as i64 + 1 - rank));
        }
        m.insert("music_id".into(), crate::api::research::id_num(&r.key));
        m.insert("video_count".into(), json!(r.videos));
        m.insert("view_count".into(), json!(r.views));
        m.insert("trend".into(), json!(trend));
        m.insert(
            "related_video_ids".into(),
            json!(
                related
                    .iter()
                    .map(|id| crate::api::research::id_num(id))
                    .collect::<Vec<_>>()
            ),
        );
        out.push(pick(m, &fields));
    }
    research_count(&st, &caller, "data", out.len());
    Ok(Data(json!({
        "musics": out,
        "cursor": cursor + ranks.len() as i64,
        "has_more": has_more,
        "period": period,
        "region_code": region,
    })))
}

/// A trend's daily views from day `from` to `to`, scaled so that its peak is 1.0 (days without
/// views are 0), as `[{time, value}]`.
async fn trend_points(
    st: &AppState,
    kind: &str,
    key: &str,
    region: &str,
    from: i64,
    to: i64,
) -> ApiResult<Vec<Value>> {
    let series = st.store.trend_series(kind, key, region, from, to).await?;
    let max = series.iter().map(|p| p.views).max().unwrap_or(0).max(1) as f64;
    Ok((from..=to)
        .map(|d| {
            let v = series
                .iter()
                .find(|p| p.day == d)
                .map(|p| p.views)
                .unwrap_or(0);
            json!({"time": d * 86_400, "value": ((v as f64 / max) * 100.0).round() / 100.0})
        })
        .collect())
}
