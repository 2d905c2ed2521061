//! Commercial Content API (ad library) rules: the ad query's filters as TikTok documents them
//! (`more-v2-products.md` §3), the reach buckets, and [`matches`], the brute-force reading of a
//! filter that the store's SQL must agree with.
use serde_json::Value;

/// Country codes the ad endpoints accept (EU-27, EEA, then GB and CH).
pub const COUNTRIES: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "NO", "IS", "LI", "GB", "CH",
];

/// The earliest `min` of a date range: "after October 1, 2022".
pub const EARLIEST_DATE: i64 = 20221002;
/// Page size when `max_count` is absent, and the largest allowed.
pub const DEFAULT_COUNT: i64 = 10;
pub const MAX_COUNT: i64 = 50;
/// The longest `search_term`, in characters.
pub const MAX_TERM_CHARS: usize = 50;

/// Whether `c` is a supported country code.
pub fn is_country(c: &str) -> bool {
    COUNTRIES.contains(&c)
}

/// A date as `YYYYMMDD`, sent as a string or a number; `None` unless it is a real calendar day.
pub fn date_of(v: &Value) -> Option<i64> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_i64()?.to_string(),
        _ => return None,
    };
    crate::research::parse_date(&s)?;
    s.parse().ok()
}

/// A size like `120K`, `2M`, `1B` (an integer below 1000 and a unit) as a number of users.
pub fn size_of(s: &str) -> Option<i64> {
    let (digits, unit) = s.split_at(s.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let mult = match unit {
        "K" => 1_000,
        "M" => 1_000_000,
        "B" => 1_000_000_000,
        _ => return None,
    };
    Some(n * mult)
}

/// A number of users as TikTok prints reach: whole thousands, millions or billions.
pub fn bucket(n: i64) -> String {
    let n = n.max(0);
    if n < 1_000_000 {
        format!("{}K", n / 1_000)
    } else if n < 1_000_000_000 {
        format!("{}M", n / 1_000_000)
    } else {
        format!("{}B", n / 1_000_000_000)
    }
}

/// How `search_term` matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchType {
    /// The whole term, as one substring.
    ExactPhrase,
    /// Any of its words.
    FuzzyPhrase,
}

/// A validated ad query filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdFilter {
    /// Published (first shown) between these days, inclusive, as `YYYYMMDD`.
    pub from: i64,
    pub to: i64,
    /// Targeted country; `None` for `ALL`.
    pub country: Option<String>,
    /// Advertisers; empty for any (and always empty with a search term).
    pub business_ids: Vec<i64>,
    /// Lower-cased words to look for in the ad's title and advertiser name (one for an exact
    /// phrase); `None` without a search term.
    pub terms: Option<(SearchType, Vec<String>)>,
    pub reach_min: Option<i64>,
    pub reach_max: Option<i64>,
}

/// What a filter reads of an ad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdFacts {
    pub id: i64,
    pub business_id: i64,
    /// `YYYYMMDD`.
    pub first_shown_date: i64,
    pub countries: Vec<String>,
    pub reach: i64,
    /// The ad's title and its advertiser's name, lower-cased ([`search_text`]).
    pub search_text: String,
}

/// The text a search term is looked for in.
pub fn search_text(title: &str, business_name: &str) -> String {
    format!("{}\n{}", title.to_lowercase(), business_name.to_lowercase())
}

/// Whether `f` selects `a`: the rule the store's SQL implements.
pub fn matches(f: &AdFilter, a: &AdFacts) -> bool {
    a.first_shown_date >= f.from
        && a.first_shown_date <= f.to
        && f.country.as_ref().is_none_or(|c| a.countries.contains(c))
        && (f.business_ids.is_empty() || f.business_ids.contains(&a.business_id))
        && f.terms
            .as_ref()
            .is_none_or(|(_, words)| words.iter().any(|w| a.search_text.contains(w.as_str())))
        && f.reach_min.is_none_or(|m| a.reach >= m)
        && f.reach_max.is_none_or(|m| a.reach <= m)
}

/// A date range `{"min", "max"}`: both required, `min` after 2022-10-01, `max` not before `min`.
pub fn date_range(v: Option<&Value>, name: &str) -> Result<(i64, i64), String> {
    let v = v.ok_or_else(|| format!("filters.{name} is required."))?;
    let min = date_of(&v["min"])
        .ok_or_else(|| format!("filters.{name}.min must be a date as YYYYMMDD."))?;
    let max = date_of(&v["max"])
        .ok_or_else(|| format!("filters.{name}.max must be a date as YYYYMMDD."))?;
    if min < EARLIEST_DATE {
        return Err(format!("filters.{name}.min must be after 20221001."));
    }
    if max < min {
        return Err(format!("filters.{name}.max must not be before min."));
    }
    Ok((min, max))
}

/// `country_code` (or its alias `country`): a supported code, or `ALL`/absent for any.
pub fn country(filters: &Value) -> Result<Option<String>, String> {
    let v = match filters
        .get("country_code")
        .or_else(|| filters.get("country"))
    {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.to_ascii_uppercase(),
        Some(_) => return Err("filters.country_code must be a string.".into()),
    };
    if v == "ALL" {
        return Ok(None);
    }
    if !is_country(&v) {
        return Err(format!("filters.country_code {v} is not supported."));
    }
    Ok(Some(v))
}

/// `advertiser_business_ids`: integers (or decimal strings), at most `max`.
pub fn business_ids(filters: &Value, max: usize) -> Result<Vec<i64>, String> {
    let Some(v) = filters
        .get("advertiser_business_ids")
        .filter(|v| !v.is_null())
    else {
        return Ok(Vec::new());
    };
    let list = v
        .as_array()
        .ok_or("filters.advertiser_business_ids must be a list of integers.")?;
    if list.len() > max {
        return Err(format!(
            "filters.advertiser_business_ids takes at most {max} ids."
        ));
    }
    list.iter()
        .map(|x| match x {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        })
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(|| "filters.advertiser_business_ids must be a list of integers.".into())
}

/// `max_count`: 1 to 50, 10 when absent.
pub fn max_count(body: &Value) -> Result<i64, String> {
    match body.get("max_count") {
        None | Some(Value::Null) => Ok(DEFAULT_COUNT),
        Some(v) => v
            .as_i64()
            .filter(|n| (1..=MAX_COUNT).contains(n))
            .ok_or_else(|| format!("max_count must be an integer from 1 to {MAX_COUNT}.")),
    }
}

/// The body of `ad/query/` read into a filter. `max_ids` bounds `advertiser_business_ids`.
pub fn ad_filter(body: &Value, max_ids: usize) -> Result<AdFilter, String> {
    let filters = match body.get("filters") {
        Some(f @ Value::Object(_)) => f,
        _ => return Err("filters is required.".into()),
    };
    let (from, to) = date_range(
        filters.get("ad_published_date_range"),
        "ad_published_date_range",
    )?;
    let country = country(filters)?;
    let mut ids = business_ids(filters, max_ids)?;
    let term = match body.get("search_term") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) if s.chars().count() > MAX_TERM_CHARS => {
            return Err(format!(
                "search_term must be at most {MAX_TERM_CHARS} characters."
            ));
        }
        Some(Value::String(s)) => Some(s.to_lowercase()),
        Some(_) => return Err("search_term must be a string.".into()),
    };
    let kind = match body.get("search_type") {
        None | Some(Value::Null) => SearchType::ExactPhrase,
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "exact_phrase" => SearchType::ExactPhrase,
            "fuzzy_phrase" => SearchType::FuzzyPhrase,
            _ => return Err("search_type must be exact_phrase or fuzzy_phrase.".into()),
        },
        Some(_) => return Err("search_type must be a string.".into()),
    };
    let terms = term.map(|t| {
        // "If you provide search_term, the advertiser_business_ids filter will be ignored."
        ids.clear();
        let words = match kind {
            SearchType::ExactPhrase => vec![t.trim().to_string()],
            SearchType::FuzzyPhrase => t.split_whitespace().map(str::to_string).collect(),
        };
        (kind, words)
    });
    let (reach_min, reach_max) = size_range(filters.get("unique_users_seen_size_range"))?;
    Ok(AdFilter {
        from,
        to,
        country,
        business_ids: ids,
        terms,
        reach_min,
        reach_max,
    })
}

/// `unique_users_seen_size_range`: optional `min` and `max` sizes, `max` above zero and not
/// below `min`.
pub fn size_range(v: Option<&Value>) -> Result<(Option<i64>, Option<i64>), String> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok((None, None));
    };
    let one = |k: &str| -> Result<Option<i64>, String> {
        match v.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => size_of(s).map(Some).ok_or_else(|| {
                format!("filters.unique_users_seen_size_range.{k} must be like 120K, 2M or 1B.")
            }),
            Some(_) => Err(format!(
                "filters.unique_users_seen_size_range.{k} must be a string."
            )),
        }
    };
    let (min, max) = (one("min")?, one("max")?);
    if max == Some(0) {
        return Err("filters.unique_users_seen_size_range.max must be greater than 0.".into());
    }
    if let (Some(a), Some(b)) = (min, max)
        && b < a
    {
        return Err("filters.unique_users_seen_size_range.max must not be below min.".into());
    }
    Ok((min, max))
}

/// The ad query's selectable fields, by group.
pub const AD_FIELDS: &[&str] = &[
    "ad.id",
    "ad.first_shown_date",
    "ad.last_shown_date",
    "ad.status",
    "ad.status_statement",
    "ad.videos",
    "ad.image_urls",
    "ad.reach",
    "advertiser.business_id",
    "advertiser.business_name",
    "advertiser.paid_for_by",
];

/// The ad detail's selectable fields.
pub const DETAIL_FIELDS: &[&str] = &[
    "ad.id",
    "ad.first_shown_date",
    "ad.last_shown_date",
    "ad.status",
    "ad.status_statement",
    "ad.videos",
    "ad.image_urls",
    "ad.reach",
    "ad.title",
    "ad.external_url",
    "ad.download_url",
    "ad.call_to_action",
    "ad.advertising_objective",
    "advertiser.business_id",
    "advertiser.business_name",
    "advertiser.paid_for_by",
    "advertiser.follower_count",
    "advertiser.avatar_url",
    "advertiser.profile_url",
    "ad_group.targeting_info",
];

/// The ad report's one selectable field.
pub const REPORT_FIELDS: &[&str] = &["count_time_series_by_country"];

/// The filters of `ad/report/`: days, country (`None` for all), advertisers.
pub fn report_filter(
    body: &Value,
    max_ids: usize,
) -> Result<(i64, i64, Option<String>, Vec<i64>), String> {
    let filters = match body.get("filters") {
        Some(f @ Value::Object(_)) => f,
        _ => return Err("filters is required.".into()),
    };
    let (from, to) = date_range(
        filters.get("ad_published_date_range"),
        "ad_published_date_range",
    )?;
    Ok((from, to, country(filters)?, business_ids(filters, max_ids)?))
}

/// The advertiser query's selectable fields.
pub const ADVERTISER_FIELDS: &[&str] = &["business_id", "business_name", "country_code"];

/// Age groups and genders of an ad's targeting, in TikTok's spelling.
pub const AGES: &[&str] = &["13-17", "18-24", "25-34", "35-44", "45-54", "55+"];
pub const GENDERS: &[&str] = &["female", "male", "other_genders"];

/// The search term of `advertiser/query/`: required, at most 50 characters.
pub fn advertiser_term(body: &Value) -> Result<String, String> {
    match body.get("search_term") {
        Some(Value::String(s)) if s.trim().is_empty() => Err("search_term is required.".into()),
        Some(Value::String(s)) if s.chars().count() > MAX_TERM_CHARS => Err(format!(
            "search_term must be at most {MAX_TERM_CHARS} characters."
        )),
        Some(Value::String(s)) => Ok(s.trim().to_string()),
        None | Some(Value::Null) => Err("search_term is required.".into()),
        Some(_) => Err("search_term must be a string.".into()),
    }
}

/// The names `fields` selects among `known`: a bare group name (`ad`) stands for all its
/// fields; unknown names are ignored. Err when none is known.
pub fn select(fields: Option<&str>, known: &[&str]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for f in fields.unwrap_or("").split(',').map(str::trim) {
        for k in known {
            let hit = *k == f || k.strip_prefix(f).is_some_and(|rest| rest.starts_with('.'));
            if hit && !f.is_empty() && !out.iter().any(|o| o == k) {
                out.push((*k).to_string());
            }
        }
    }
    if out.is_empty() {
        return Err("fields is required and must name at least one valid field.".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_follow_the_documented_examples() {
        for (s, n) in [
            ("0K", 0),
            ("120K", 120_000),
            ("2M", 2_000_000),
            ("1B", 1_000_000_000),
        ] {
            assert_eq!(size_of(s), Some(n), "{s}");
        }
        for s in ["2000K", "1.1M", "1B2M", "K", "", "12k", "-1K"] {
            assert_eq!(size_of(s), None, "{s}");
        }
        assert_eq!(bucket(11_400), "11K");
        assert_eq!(bucket(2_500_000), "2M");
        assert_eq!(bucket(999), "0K");
    }

    #[test]
    fn the_query_body_is_read_with_every_refusal() {
        let ok = json!({"filters": {"ad_published_date_range": {"min": 20230102, "max": "20230109"}, "country": "fr", "advertiser_business_ids": [1, "2"], "unique_users_seen_size_range": {"min": "10K", "max": "1M"}}});
        let f = ad_filter(&ok, 10).unwrap();
        assert_eq!(
            (f.from, f.to, f.country.as_deref(), f.business_ids.clone()),
            (20230102, 20230109, Some("FR"), vec![1, 2])
        );
        assert_eq!((f.reach_min, f.reach_max), (Some(10_000), Some(1_000_000)));
        let mut with_term = ok.clone();
        with_term["search_term"] = json!("Mobile Games");
        with_term["search_type"] = json!("FUZZY_PHRASE");
        let f = ad_filter(&with_term, 10).unwrap();
        assert!(f.business_ids.is_empty());
        assert_eq!(
            f.terms,
            Some((
                SearchType::FuzzyPhrase,
                vec!["mobile".into(), "games".into()]
            ))
        );
        let range = |min: Value, max: Value| json!({"filters": {"ad_published_date_range": {"min": min, "max": max}}});
        for bad in [
            json!({}),
            range(json!("20221001"), json!("20230101")),
            range(json!("20230105"), json!("20230101")),
            range(json!("20230230"), json!("20230301")),
            json!({"filters": {"ad_published_date_range": {"min": "20230101"}}}),
            json!({"filters": {"ad_published_date_range": {"min": "20230101", "max": "20230102"}, "country_code": "US"}}),
            json!({"filters": {"ad_published_date_range": {"min": "20230101", "max": "20230102"}, "unique_users_seen_size_range": {"max": "0K"}}}),
            json!({"filters": {"ad_published_date_range": {"min": "20230101", "max": "20230102"}, "advertiser_business_ids": [1, 2, 3]}}),
            json!({"filters": {"ad_published_date_range": {"min": "20230101", "max": "20230102"}}, "search_term": "x".repeat(51)}),
            json!({"filters": {"ad_published_date_range": {"min": "20230101", "max": "20230102"}}, "search_type": "regex"}),
        ] {
            assert!(ad_filter(&bad, 2).is_err(), "{bad}");
        }
        assert!(max_count(&json!({"max_count": 51})).is_err());
        assert_eq!(max_count(&json!({})), Ok(10));
    }

    #[test]
    fn fields_take_group_names_and_ignore_unknown_ones() {
        assert_eq!(select(Some("ad,ad_group"), AD_FIELDS).unwrap().len(), 8);
        assert_eq!(
            select(Some("advertiser.paid_for_by, nope"), AD_FIELDS).unwrap(),
            vec!["advertiser.paid_for_by".to_string()]
        );
        assert!(select(Some("ad_group"), AD_FIELDS).is_err());
        assert!(select(None, AD_FIELDS).is_err());
    }
}
