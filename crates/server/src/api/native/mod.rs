//! reelbox-native hashtag and sound endpoints over the trend buckets (no scan of the videos per
//! request); their request and answer types are `reelbox_wire::trends`'s.
pub mod shop;

use axum::extract::State;
use reelbox_core::research::{cursor_index, day_of, format_day, name_id, page_size, parse_date};
use reelbox_store::read::{TrendPoint as DayBucket, TrendRank};
use reelbox_wire::trends::{
    self as wire, HashtagQueryBody, HashtagTrendBody, MusicQueryBody, MusicTrendBody,
};

use crate::api::research::{id_text, invalid, keep_page};
use crate::http::envelope::Data;
use crate::http::error::ApiResult;
use crate::http::fields::{Fields, FieldsParam};
use crate::http::gate::Research;
use crate::state::AppState;

fn region_of(r: Option<&str>) -> String {
    match r.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => r.to_ascii_uppercase(),
        None => "ALL".into(),
    }
}

/// `start_date..=end_date` as day numbers: by default the 30 days up to today, at most 120 days.
fn date_range(start: Option<&str>, end: Option<&str>, today: i64) -> ApiResult<(i64, i64)> {
    let end = match end {
        Some(d) => parse_date(d)
            .ok_or_else(|| invalid(format!("Invalid end_date {d:?}: expected YYYYMMDD")))?,
        None => today,
    };
    let start = match start {
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
    Ok((start, end))
}

/// A ranking's period in days: 7 (the default), 30 or 120.
fn period_of(period: Option<i64>) -> ApiResult<i64> {
    let period = period.unwrap_or(7);
    if ![7, 30, 120].contains(&period) {
        return Err(invalid("period should be 7, 30 or 120"));
    }
    Ok(period)
}

fn day_counts(series: &[DayBucket]) -> Vec<wire::DayCount> {
    series
        .iter()
        .map(|p| wire::DayCount {
            date: format_day(p.day),
            video_count: p.videos,
            view_count: p.views,
        })
        .collect()
}

/// Hashtags by name with totals and a daily series.
#[utoipa::path(post, path = "/reelbox/v1/hashtag/query/", tag = "reelbox research extensions", params(FieldsParam),
    request_body = HashtagQueryBody,
    responses((status = 200, body = reelbox_wire::Envelope<wire::Hashtags>)),
    security(("bearer" = [])))]
pub async fn hashtag_query(
    State(st): State<AppState>,
    call: Research<HashtagQueryBody>,
) -> ApiResult<Data<wire::Hashtags>> {
    let body = &call.body;
    let fields = Fields::<wire::Hashtag>::parse(call.fields.as_deref())?;
    let names = body.hashtag_names.clone().unwrap_or_default();
    if names.is_empty() || names.len() > 20 {
        return Err(invalid("hashtag_names should contain 1 to 20 names"));
    }
    let (start, end) = date_range(
        body.start_date.as_deref(),
        body.end_date.as_deref(),
        day_of(st.now()),
    )?;
    let region = region_of(body.region_code.as_deref());
    let mut hashtags = Vec::new();
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
        hashtags.push(fields.pick(&wire::Hashtag {
            hashtag_id: name_id(&name),
            hashtag_name: name,
            hashtag_description: String::new(),
            video_count: videos,
            view_count: views,
            is_commerce: false,
            create_time: first * 86_400,
            trend: day_counts(&series),
        }));
    }
    Ok(call.answer(wire::Hashtags { hashtags }))
}

/// Trending hashtags of a region over 7, 30 or 120 days.
#[utoipa::path(post, path = "/reelbox/v1/hashtag/trend/", tag = "reelbox research extensions", params(FieldsParam),
    request_body = HashtagTrendBody,
    responses((status = 200, body = reelbox_wire::Envelope<wire::HashtagRanking>)),
    security(("bearer" = [])))]
pub async fn hashtag_trend(
    State(st): State<AppState>,
    call: Research<HashtagTrendBody>,
) -> ApiResult<Data<wire::HashtagRanking>> {
    let body = &call.body;
    let fields = Fields::<wire::TrendingHashtag>::parse(call.fields.as_deref())?;
    let period = period_of(body.period)?;
    let limit = page_size(body.max_count, 20, 100)?;
    let cursor = cursor_index(body.cursor)?;
    let region = ranking_region(body.region_code.as_deref());
    let today = day_of(st.now());
    let (from, to) = (today - period + 1, today);
    let mut ranks = st
        .store
        .trend_ranking("tag", &region, from, to, limit + 1, cursor)
        .await?;
    let has_more = keep_page(&mut ranks, limit);
    // The previous period's ranking, for rank_diff.
    let prev = st
        .store
        .trend_ranking("tag", &region, from - period, from - 1, 1000, 0)
        .await?;
    let mut hashtags = Vec::new();
    for (i, r) in ranks.iter().enumerate() {
        let rank = cursor + i as i64 + 1;
        let trend = trend_points(&st, "tag", &r.key, &region, from, to).await?;
        let all = st
            .store
            .trend_totals("tag", &r.key, &region)
            .await?
            .unwrap_or((0, 0, 0));
        hashtags.push(fields.pick(&wire::TrendingHashtag {
            rank,
            rank_diff: rank_diff(&prev, &r.key, rank),
            hashtag_id: name_id(&r.key),
            hashtag_name: r.key.clone(),
            video_count: r.videos,
            view_count: r.views,
            video_count_all: all.0,
            view_count_all: all.1,
            region_code: region.clone(),
            is_promoted: false,
            trend,
        }));
    }
    Ok(call.answer(wire::HashtagRanking {
        cursor: cursor + ranks.len() as i64,
        has_more,
        hashtags,
        period,
        region_code: region,
    }))
}

/// Places gained since the previous period's ranking `prev` by the entry now at `rank`; `None`
/// when it was not ranked then.
fn rank_diff(prev: &[TrendRank], key: &str, rank: i64) -> Option<i64> {
    prev.iter()
        .position(|p| p.key == key)
        .map(|was| was as i64 + 1 - rank)
}

/// A ranking's region: `US` unless the body names one.
fn ranking_region(r: Option<&str>) -> String {
    match r {
        None => "US".to_string(),
        Some(r) => region_of(Some(r)),
    }
}

/// A sound's metadata as the Music object shows it.
fn music_info(m: &reelbox_store::shop::Music) -> wire::MusicInfo {
    wire::MusicInfo {
        title: m.title.clone(),
        author: m.author.clone(),
        duration: m.duration_sec,
        cover_url: m.cover_url.clone(),
        is_original: m.is_original != 0,
        is_commercial: m.is_commercial != 0,
        create_time: m.created_at / 1000,
    }
}

/// Sounds by id with totals and a daily series.
#[utoipa::path(post, path = "/reelbox/v1/music/query/", tag = "reelbox research extensions", params(FieldsParam),
    request_body = MusicQueryBody,
    responses((status = 200, body = reelbox_wire::Envelope<wire::Musics>)),
    security(("bearer" = [])))]
pub async fn music_query(
    State(st): State<AppState>,
    call: Research<MusicQueryBody>,
) -> ApiResult<Data<wire::Musics>> {
    let body = &call.body;
    let fields = Fields::<wire::Music>::parse(call.fields.as_deref())?;
    let raw = body.music_ids.as_deref().unwrap_or_default();
    if raw.is_empty() || raw.len() > 20 {
        return Err(invalid("music_ids should contain 1 to 20 ids"));
    }
    let mut ids: Vec<String> = Vec::with_capacity(raw.len());
    for v in raw {
        let id = id_text(v).ok_or_else(|| invalid(format!("Invalid music_id {v}")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let (start, end) = date_range(
        body.start_date.as_deref(),
        body.end_date.as_deref(),
        day_of(st.now()),
    )?;
    let found = st.store.music_by_ids(&ids).await?;
    let mut musics = Vec::new();
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
        musics.push(fields.pick(&wire::Music {
            music_id: m.id.clone(),
            info: music_info(m),
            video_count: videos,
            view_count: views,
            trend: day_counts(&series),
        }));
    }
    Ok(call.answer(wire::Musics { musics }))
}

/// How many of the previous period's leaders count as "on board" for `new_on_board`.
const BOARD_SIZE: i64 = 100;
/// Upper bound of sounds read when `new_on_board` filters the ranking in memory.
const BOARD_SCAN: i64 = 10_000;

/// Trending sounds of a region over 7, 30 or 120 days.
#[utoipa::path(post, path = "/reelbox/v1/music/trend/", tag = "reelbox research extensions", params(FieldsParam),
    request_body = MusicTrendBody,
    responses((status = 200, body = reelbox_wire::Envelope<wire::MusicRanking>)),
    security(("bearer" = [])))]
pub async fn music_trend(
    State(st): State<AppState>,
    call: Research<MusicTrendBody>,
) -> ApiResult<Data<wire::MusicRanking>> {
    use reelbox_store::shop::MusicRank;
    let body = &call.body;
    let fields = Fields::<wire::TrendingMusic>::parse(call.fields.as_deref())?;
    let period = period_of(body.period)?;
    let rank_type = match body.rank_type.as_deref().map(str::trim) {
        None | Some("") | Some("popular") => MusicRank::Popular,
        Some("surging") => MusicRank::Surging,
        Some(_) => return Err(invalid("rank_type should be popular or surging")),
    };
    let limit = page_size(body.max_count, 20, 100)?;
    let cursor = cursor_index(body.cursor)?;
    let region = ranking_region(body.region_code.as_deref());
    let commercial = body.commercial_only.unwrap_or(false);
    let today = day_of(st.now());
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
    let has_more = keep_page(&mut ranks, limit);
    let keys: Vec<String> = ranks.iter().map(|r| r.key.clone()).collect();
    let found = st.store.music_by_ids(&keys).await?;
    let mut musics = Vec::new();
    for (i, r) in ranks.iter().enumerate() {
        let rank = cursor + i as i64 + 1;
        let trend = trend_points(&st, "music", &r.key, &region, from, to).await?;
        let related_video_ids = st
            .store
            .music_videos(&r.key, &region, from * reelbox_core::research::DAY_MS, 5)
            .await?;
        musics.push(fields.pick(&wire::TrendingMusic {
            rank,
            rank_diff: rank_diff(&prev, &r.key, rank),
            music_id: r.key.clone(),
            info: found.iter().find(|m| m.id == r.key).map(music_info),
            video_count: r.videos,
            view_count: r.views,
            trend,
            related_video_ids,
        }));
    }
    Ok(call.answer(wire::MusicRanking {
        cursor: cursor + ranks.len() as i64,
        has_more,
        musics,
        period,
        region_code: region,
    }))
}

/// A trend's daily views from day `from` to `to`, scaled so that its peak is 1.0 (days without
/// views are 0).
async fn trend_points(
    st: &AppState,
    kind: &str,
    key: &str,
    region: &str,
    from: i64,
    to: i64,
) -> ApiResult<Vec<wire::TrendPoint>> {
    let series = st.store.trend_series(kind, key, region, from, to).await?;
    let max = series.iter().map(|p| p.views).max().unwrap_or(0).max(1) as f64;
    Ok((from..=to)
        .map(|d| {
            let v = series
                .iter()
                .find(|p| p.day == d)
                .map(|p| p.views)
                .unwrap_or(0);
            wire::TrendPoint {
                time: d * 86_400,
                value: ((v as f64 / max) * 100.0).round() / 100.0,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(keys: &[&str]) -> Vec<TrendRank> {
        keys.iter()
            .map(|k| TrendRank {
                key: k.to_string(),
                videos: 0,
                views: 0,
            })
            .collect()
    }

    #[test]
    fn rank_diff_is_the_places_gained_since_the_previous_period() {
        let prev = ranked(&["a", "b", "c"]);
        assert_eq!(rank_diff(&prev, "c", 1), Some(2));
        assert_eq!(rank_diff(&prev, "a", 2), Some(-1));
        assert_eq!(rank_diff(&prev, "b", 2), Some(0));
        assert_eq!(rank_diff(&prev, "new", 1), None);
    }

    #[test]
    fn a_date_range_defaults_to_the_last_30_days_and_spans_at_most_120() {
        assert_eq!(
            date_range(None, None, 1_000).expect("default"),
            (971, 1_000)
        );
        let e = date_range(Some("20240101"), Some("20241231"), 0).expect_err("too long");
        assert_eq!(
            e.message,
            "end_date must be no more than 120 days after start_date"
        );
        let e = date_range(Some("20240102"), Some("20240101"), 0).expect_err("backwards");
        assert_eq!(e.message, "end_date must not be before start_date");
    }
}
