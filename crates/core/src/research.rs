//! The Research API's query language: the wire body as clients send it, its validation into a
//! typed query with exact `invalid_params` messages, and a pure evaluator over in-memory video
//! facts. The store compiles the same typed query to SQL; the evaluator is the brute-force oracle
//! the SQL is tested against.
use serde_json::Value;

use crate::RuleError;
use reelbox_wire::ErrorCode;

/// Milliseconds in a UTC day.
pub use crate::clock::DAY_MS;
/// Longest `start_date..=end_date` span of a video query, in days.
pub const MAX_RANGE_DAYS: i64 = 30;
/// `max_count` bounds and default of the video query.
pub const MAX_COUNT: i64 = 100;
pub const DEFAULT_COUNT: i64 = 20;

fn invalid(msg: impl Into<String>) -> RuleError {
    RuleError::new(ErrorCode::InvalidParams, msg)
}

/// The query as sent: the wire's types, validated below.
pub use reelbox_wire::research::{RawCondition, RawQuery, VideoQueryBody};

/// A condition field of the video query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    CreateDate,
    Username,
    RegionCode,
    VideoId,
    HashtagName,
    Keyword,
    MusicId,
    EffectId,
    VideoLength,
    ViewCount,
    CommentCount,
}

impl Field {
    pub const ALL: &'static [Field] = &[
        Field::CreateDate,
        Field::Username,
        Field::RegionCode,
        Field::VideoId,
        Field::HashtagName,
        Field::Keyword,
        Field::MusicId,
        Field::EffectId,
        Field::VideoLength,
        Field::ViewCount,
        Field::CommentCount,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::CreateDate => "create_date",
            Field::Username => "username",
            Field::RegionCode => "region_code",
            Field::VideoId => "video_id",
            Field::HashtagName => "hashtag_name",
            Field::Keyword => "keyword",
            Field::MusicId => "music_id",
            Field::EffectId => "effect_id",
            Field::VideoLength => "video_length",
            Field::ViewCount => "view_count",
            Field::CommentCount => "comment_count",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        Self::ALL.iter().copied().find(|f| f.as_str() == s)
    }

    /// reelbox's per-field operation matrix: ordered fields take comparisons, the rest EQ/IN.
    pub fn allows(self, op: Op) -> bool {
        matches!(op, Op::Eq | Op::In)
            || matches!(
                self,
                Field::CreateDate | Field::ViewCount | Field::CommentCount
            )
    }
}

/// A comparison operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    In,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Op {
    pub const ALL: &'static [Op] = &[Op::Eq, Op::In, Op::Gt, Op::Gte, Op::Lt, Op::Lte];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "EQ",
            Op::In => "IN",
            Op::Gt => "GT",
            Op::Gte => "GTE",
            Op::Lt => "LT",
            Op::Lte => "LTE",
        }
    }

    /// Operations are upper case on the wire; exactly so.
    pub fn parse(s: &str) -> Option<Op> {
        Self::ALL.iter().copied().find(|o| o.as_str() == s)
    }
}

/// `video_length` buckets by duration: SHORT < 15 s ≤ MID ≤ 60 s < LONG ≤ 300 s < EXTRA_LONG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoLength {
    Short,
    Mid,
    Long,
    ExtraLong,
}

impl VideoLength {
    pub fn parse(s: &str) -> Option<VideoLength> {
        match s {
            "SHORT" => Some(VideoLength::Short),
            "MID" => Some(VideoLength::Mid),
            "LONG" => Some(VideoLength::Long),
            "EXTRA_LONG" => Some(VideoLength::ExtraLong),
            _ => None,
        }
    }

    /// Duration bounds in ms: `(lower inclusive, upper inclusive)`, `None` = unbounded.
    pub fn bounds_ms(self) -> (Option<i64>, Option<i64>) {
        match self {
            VideoLength::Short => (None, Some(14_999)),
            VideoLength::Mid => (Some(15_000), Some(60_000)),
            VideoLength::Long => (Some(60_001), Some(300_000)),
            VideoLength::ExtraLong => (Some(300_001), None),
        }
    }

    pub fn of(duration_ms: i64) -> VideoLength {
        if duration_ms < 15_000 {
            VideoLength::Short
        } else if duration_ms <= 60_000 {
            VideoLength::Mid
        } else if duration_ms <= 300_000 {
            VideoLength::Long
        } else {
            VideoLength::ExtraLong
        }
    }
}

/// A validated, normalised value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CondValue {
    /// Normalised text: usernames as given, region codes upper case, hashtags lower case,
    /// keywords ASCII-lower-cased, ids in canonical decimal.
    Text(String),
    Int(i64),
    /// Epoch day (UTC).
    Day(i64),
    Length(VideoLength),
}

/// A validated condition. For EQ and the comparisons only the first value is kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cond {
    pub field: Field,
    pub op: Op,
    pub values: Vec<CondValue>,
}

/// A validated video query: the three groups plus the date range `[from_ms, to_ms)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoQuery {
    pub and: Vec<Cond>,
    pub or: Vec<Cond>,
    pub not: Vec<Cond>,
    pub start_day: i64,
    pub end_day: i64,
}

impl VideoQuery {
    pub fn from_ms(&self) -> i64 {
        self.start_day * DAY_MS
    }
    pub fn to_ms(&self) -> i64 {
        (self.end_day + 1) * DAY_MS
    }
}

/// Parses `YYYYMMDD` (UTC) into an epoch day.
pub fn parse_date(s: &str) -> Option<i64> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = s[0..4].parse().ok()?;
    let m: u8 = s[4..6].parse().ok()?;
    let d: u8 = s[6..8].parse().ok()?;
    let month = time::Month::try_from(m).ok()?;
    let date = time::Date::from_calendar_date(y, month, d).ok()?;
    let epoch = time::Date::from_calendar_date(1970, time::Month::January, 1).ok()?;
    Some((date - epoch).whole_days())
}

/// Formats an epoch day as `YYYYMMDD`.
pub fn format_day(day: i64) -> String {
    let epoch =
        time::Date::from_calendar_date(1970, time::Month::January, 1).unwrap_or(time::Date::MIN);
    match epoch.checked_add(time::Duration::days(day)) {
        Some(d) => format!("{:04}{:02}{:02}", d.year(), d.month() as u8, d.day()),
        None => "00000000".into(),
    }
}

/// The epoch day of an epoch-ms instant.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_value(field: Field, raw: &str) -> Option<CondValue> {
    match field {
        Field::CreateDate => parse_date(raw).map(CondValue::Day),
        Field::Username => {
            (!raw.is_empty()).then(|| CondValue::Text(raw.trim_start_matches('@').to_string()))
        }
        Field::RegionCode => (!raw.is_empty()).then(|| CondValue::Text(raw.to_ascii_uppercase())),
        Field::HashtagName => {
            let t = raw.trim_start_matches('#');
            (!t.is_empty()).then(|| CondValue::Text(t.to_lowercase()))
        }
        Field::Keyword => (!raw.is_empty()).then(|| CondValue::Text(raw.to_ascii_lowercase())),
        Field::VideoId | Field::MusicId | Field::EffectId => {
            if raw.is_empty() || raw.len() > 20 || !raw.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            raw.parse::<u64>()
                .ok()
                .map(|n| CondValue::Text(n.to_string()))
        }
        Field::VideoLength => VideoLength::parse(raw).map(CondValue::Length),
        Field::ViewCount | Field::CommentCount => raw.parse::<i64>().ok().map(CondValue::Int),
    }
}

fn validate_cond(c: &RawCondition) -> Result<Cond, RuleError> {
    let name = c
        .field_name
        .as_deref()
        .ok_or_else(|| invalid("Every condition needs a field_name"))?;
    let field = Field::parse(name).ok_or_else(|| invalid(format!("Invalid field_name: {name}")))?;
    let op_name = c
        .operation
        .as_deref()
        .ok_or_else(|| invalid(format!("The condition on {name} needs an operation")))?;
    let op = Op::parse(op_name).ok_or_else(|| invalid(format!("Invalid operation: {op_name}")))?;
    if !field.allows(op) {
        return Err(invalid(format!(
            "Operation {op_name} is not supported for field_name {name}"
        )));
    }
    let raw = c.field_values.as_deref().unwrap_or(&[]);
    if raw.is_empty() {
        return Err(invalid(format!("field_values of {name} must not be empty")));
    }
    let take = if op == Op::In { raw.len() } else { 1 };
    let mut values = Vec::with_capacity(take);
    for v in &raw[..take] {
        let text = value_text(v)
            .ok_or_else(|| invalid(format!("field_values of {name} must be strings")))?;
        let parsed = parse_value(field, &text)
            .ok_or_else(|| invalid(format!("Invalid value {text:?} for field_name {name}")))?;
        if !values.contains(&parsed) {
            values.push(parsed);
        }
    }
    Ok(Cond { field, op, values })
}

/// Whether a query sends numbers in `field_values` (TikTok's are strings; reelbox reads numbers
/// as a leniency).
pub fn has_numeric_values(q: &RawQuery) -> bool {
    [&q.and, &q.or, &q.not]
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|c| c.field_values.iter().flatten())
        .any(|v| v.is_number())
}

/// Validates the query and date range of a video query body.
pub fn validate_query(
    query: Option<&RawQuery>,
    start_date: Option<&str>,
    end_date: Option<&str>,
) -> Result<VideoQuery, RuleError> {
    let q = query.ok_or_else(|| invalid("query is required"))?;
    let group = |g: &Option<Vec<RawCondition>>| -> Result<Vec<Cond>, RuleError> {
        g.as_deref()
            .unwrap_or(&[])
            .iter()
            .map(validate_cond)
            .collect()
    };
    let and = group(&q.and)?;
    let or = group(&q.or)?;
    let not = group(&q.not)?;
    if and.is_empty() && or.is_empty() && not.is_empty() {
        return Err(invalid(
            "query needs at least one condition in and, or or not",
        ));
    }
    let start = start_date
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("start_date is required"))?;
    let end = end_date
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("end_date is required"))?;
    let start_day = parse_date(start)
        .ok_or_else(|| invalid(format!("Invalid start_date {start:?}: expected YYYYMMDD")))?;
    let end_day = parse_date(end)
        .ok_or_else(|| invalid(format!("Invalid end_date {end:?}: expected YYYYMMDD")))?;
    if end_day < start_day {
        return Err(invalid("end_date must not be before start_date"));
    }
    if end_day - start_day > MAX_RANGE_DAYS {
        return Err(invalid(
            "end_date must be no more than 30 days after start_date",
        ));
    }
    Ok(VideoQuery {
        and,
        or,
        not,
        start_day,
        end_day,
    })
}

/// `max_count` of the video query: default 20, 1..=100.
pub fn page_size(max_count: Option<i64>, default: i64, max: i64) -> Result<i64, RuleError> {
    match max_count {
        None | Some(0) => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(invalid(format!("max_count should be between 1 and {max}"))),
    }
}

/// A cursor index: 0 when absent, never negative.
pub fn cursor_index(cursor: Option<i64>) -> Result<i64, RuleError> {
    match cursor {
        None => Ok(0),
        Some(c) if c >= 0 => Ok(c),
        Some(_) => Err(invalid("Invalid count or cursor")),
    }
}

/// What a video query can see of one video (the brute-force side of the property test).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFacts {
    pub id: String,
    pub username: String,
    pub region_code: String,
    pub created_at: i64,
    pub title: String,
    pub description: String,
    /// Lower-case hashtag names.
    pub hashtags: Vec<String>,
    pub music_id: Option<String>,
    pub effect_ids: Vec<String>,
    pub duration_ms: i64,
    pub view_count: i64,
    pub comment_count: i64,
    /// Public post of a public account, not deleted.
    pub visible: bool,
}

fn cmp_int(op: Op, have: i64, want: i64) -> bool {
    match op {
        Op::Eq | Op::In => have == want,
        Op::Gt => have > want,
        Op::Gte => have >= want,
        Op::Lt => have < want,
        Op::Lte => have <= want,
    }
}

fn value_matches(field: Field, op: Op, v: &CondValue, f: &VideoFacts) -> bool {
    match (field, v) {
        (Field::CreateDate, CondValue::Day(d)) => {
            let lo = d * DAY_MS;
            let hi = (d + 1) * DAY_MS;
            match op {
                Op::Eq | Op::In => f.created_at >= lo && f.created_at < hi,
                Op::Gt => f.created_at >= hi,
                Op::Gte => f.created_at >= lo,
                Op::Lt => f.created_at < lo,
                Op::Lte => f.created_at < hi,
            }
        }
        (Field::Username, CondValue::Text(t)) => &f.username == t,
        (Field::RegionCode, CondValue::Text(t)) => &f.region_code == t,
        (Field::VideoId, CondValue::Text(t)) => &f.id == t,
        (Field::HashtagName, CondValue::Text(t)) => f.hashtags.iter().any(|h| h == t),
        (Field::Keyword, CondValue::Text(t)) => {
            f.title.to_ascii_lowercase().contains(t.as_str())
                || f.description.to_ascii_lowercase().contains(t.as_str())
        }
        (Field::MusicId, CondValue::Text(t)) => f.music_id.as_deref() == Some(t.as_str()),
        (Field::EffectId, CondValue::Text(t)) => f.effect_ids.iter().any(|e| e == t),
        (Field::VideoLength, CondValue::Length(l)) => VideoLength::of(f.duration_ms) == *l,
        (Field::ViewCount, CondValue::Int(n)) => cmp_int(op, f.view_count, *n),
        (Field::CommentCount, CondValue::Int(n)) => cmp_int(op, f.comment_count, *n),
        _ => false,
    }
}

/// Whether one condition holds: any of its values (IN), or its single value.
pub fn cond_matches(c: &Cond, f: &VideoFacts) -> bool {
    c.values.iter().any(|v| value_matches(c.field, c.op, v, f))
}

/// The whole rule: visible, inside the date range, all of `and`, one of `or` (when given), none
/// of `not`.
pub fn matches(q: &VideoQuery, f: &VideoFacts) -> bool {
    f.visible
        && f.created_at >= q.from_ms()
        && f.created_at < q.to_ms()
        && q.and.iter().all(|c| cond_matches(c, f))
        && (q.or.is_empty() || q.or.iter().any(|c| cond_matches(c, f)))
        && !q.not.iter().any(|c| cond_matches(c, f))
}

/// Brute force: the ids a query selects from `all`, in decreasing id order (ids are 19-digit
/// decimal strings, so text order is numeric order).
pub fn evaluate(q: &VideoQuery, all: &[VideoFacts]) -> Vec<String> {
    let mut ids: Vec<String> = all
        .iter()
        .filter(|f| matches(q, f))
        .map(|f| f.id.clone())
        .collect();
    ids.sort_by(|a, b| b.cmp(a));
    ids
}

/// Splits a `fields` list: commas, trimmed, empties dropped, de-duplicated in order.
pub fn split_fields(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in s.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        if !out.iter().any(|x| x == f) {
            out.push(f.to_string());
        }
    }
    out
}

/// The requested fields that `known` lists; `invalid_params` when none remains. Unknown names
/// are ignored, as TikTok's own examples show.
pub fn select_fields(requested: Option<&str>, known: &[&str]) -> Result<Vec<String>, RuleError> {
    let list = split_fields(requested.unwrap_or(""));
    if list.is_empty() {
        return Err(invalid("fields is required"));
    }
    let kept: Vec<String> = list
        .into_iter()
        .filter(|f| known.contains(&f.as_str()))
        .collect();
    if kept.is_empty() {
        return Err(invalid("fields contains no valid field name"));
    }
    Ok(kept)
}

/// A stable 63-bit id for a name (hashtags have no table of their own).
pub fn name_id(name: &str) -> i64 {
    use sha2::Digest;
    let d = sha2::Sha256::digest(name.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    (u64::from_be_bytes(b) >> 1) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(v: Value) -> Result<VideoQuery, RuleError> {
        let b: VideoQueryBody = serde_json::from_value(v).expect("body");
        validate_query(
            b.query.as_ref(),
            b.start_date.as_deref(),
            b.end_date.as_deref(),
        )
    }

    fn msg(v: Value) -> String {
        q(v).expect_err("invalid").message
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("19700101"), Some(0));
        assert_eq!(
            parse_date("20230115").map(format_day).as_deref(),
            Some("20230115")
        );
        assert_eq!(parse_date("20230230"), None);
        assert_eq!(parse_date("2023-01-01"), None);
    }

    #[test]
    fn exact_errors() {
        let base = |c: Value| json!({"query": {"and": [c]}, "start_date": "20230101", "end_date": "20230102"});
        assert_eq!(
            msg(base(
                json!({"field_name": "color", "operation": "EQ", "field_values": ["x"]})
            )),
            "Invalid field_name: color"
        );
        assert_eq!(
            msg(base(
                json!({"field_name": "username", "operation": "GT", "field_values": ["x"]})
            )),
            "Operation GT is not supported for field_name username"
        );
        assert_eq!(
            msg(base(
                json!({"field_name": "username", "operation": "eq", "field_values": ["x"]})
            )),
            "Invalid operation: eq"
        );
        assert_eq!(
            msg(base(
                json!({"field_name": "username", "operation": "EQ", "field_values": []})
            )),
            "field_values of username must not be empty"
        );
        assert_eq!(
            msg(base(
                json!({"field_name": "create_date", "operation": "EQ", "field_values": ["2023"]})
            )),
            "Invalid value \"2023\" for field_name create_date"
        );
        assert_eq!(
            msg(
                json!({"query": {"and": [], "or": [], "not": []}, "start_date": "20230101", "end_date": "20230102"})
            ),
            "query needs at least one condition in and, or or not"
        );
        let ok = json!({"field_name": "username", "operation": "EQ", "field_values": ["a"]});
        assert_eq!(
            msg(
                json!({"query": {"and": [ok.clone()]}, "start_date": "20230101", "end_date": "20230201"})
            ),
            "end_date must be no more than 30 days after start_date"
        );
        assert_eq!(
            msg(
                json!({"query": {"and": [ok.clone()]}, "start_date": "20230105", "end_date": "20230101"})
            ),
            "end_date must not be before start_date"
        );
        assert_eq!(
            msg(
                json!({"query": {"and": [ok.clone()]}, "start_date": "2023-01-01", "end_date": "20230101"})
            ),
            "Invalid start_date \"2023-01-01\": expected YYYYMMDD"
        );
        assert_eq!(
            msg(json!({"query": {"and": [ok]}, "end_date": "20230101"})),
            "start_date is required"
        );
        assert_eq!(
            msg(json!({"start_date": "20230101", "end_date": "20230101"})),
            "query is required"
        );
        assert!(q(json!({"query": {"and": [{"field_name": "region_code", "operation": "IN", "field_values": ["us", "jp"]}], "or": [], "not": null}, "start_date": "20230101", "end_date": "20230131"})).is_ok());
    }

    #[test]
    fn page_rules() {
        assert_eq!(page_size(None, 20, 100).ok(), Some(20));
        assert_eq!(page_size(Some(100), 20, 100).ok(), Some(100));
        assert_eq!(
            page_size(Some(101), 20, 100)
                .map_err(|e| e.message)
                .err()
                .as_deref(),
            Some("max_count should be between 1 and 100")
        );
        assert!(page_size(Some(-1), 20, 100).is_err());
        assert!(cursor_index(Some(-1)).is_err());
    }

    #[test]
    fn length_buckets_partition() {
        for ms in [0, 14_999, 15_000, 60_000, 60_001, 300_000, 300_001] {
            let l = VideoLength::of(ms);
            let (lo, hi) = l.bounds_ms();
            assert!(
                lo.is_none_or(|lo| ms >= lo) && hi.is_none_or(|hi| ms <= hi),
                "{ms}"
            );
        }
    }

    #[test]
    fn fields_selection() {
        assert_eq!(
            split_fields("id, title,,id ,fps"),
            vec!["id", "title", "fps"]
        );
        assert_eq!(
            select_fields(Some("id,fps"), &["id"]).ok(),
            Some(vec!["id".to_string()])
        );
        assert!(select_fields(Some("fps"), &["id"]).is_err());
        assert!(select_fields(None, &["id"]).is_err());
    }

    #[test]
    fn groups_combine_with_and() {
        let f = VideoFacts {
            id: "7000000000000000001".into(),
            username: "ann".into(),
            region_code: "US".into(),
            created_at: parse_date("20230102").unwrap_or(0) * DAY_MS + 5,
            title: "Cats #Animal".into(),
            description: String::new(),
            hashtags: vec!["animal".into()],
            music_id: None,
            effect_ids: vec![],
            duration_ms: 20_000,
            view_count: 10,
            comment_count: 0,
            visible: true,
        };
        let query = q(json!({"query": {
            "and": [{"field_name": "hashtag_name", "operation": "EQ", "field_values": ["ANIMAL"]}],
            "or": [{"field_name": "region_code", "operation": "IN", "field_values": ["jp", "us"]}],
            "not": [{"field_name": "video_length", "operation": "EQ", "field_values": ["SHORT"]}]},
            "start_date": "20230101", "end_date": "20230102"}))
        .expect("valid");
        assert!(matches(&query, &f));
        assert!(!matches(
            &query,
            &VideoFacts {
                duration_ms: 1000,
                ..f.clone()
            }
        ));
        assert!(!matches(
            &query,
            &VideoFacts {
                visible: false,
                ..f.clone()
            }
        ));
        assert!(!matches(
            &query,
            &VideoFacts {
                region_code: "GB".into(),
                ..f
            }
        ));
    }
    #[test]
    fn numbers_in_field_values_are_told_apart_from_strings() {
        let q = |v: serde_json::Value| -> RawQuery { serde_json::from_value(v).unwrap() };
        assert!(has_numeric_values(&q(
            json!({"and": [{"field_name": "video_id", "operation": "EQ", "field_values": [7038]}]})
        )));
        assert!(!has_numeric_values(&q(
            json!({"not": [{"field_name": "video_id", "operation": "EQ", "field_values": ["7038"]}]})
        )));
    }
}
