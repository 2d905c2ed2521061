//! What the compiler makes of a query, as SQL text and binds. Queries go through
//! [`research::validate_query`] first, as the server's do, so a claim covers the normalisation
//! the compiler relies on. Every query is for 2023-02-12 unless it says otherwise.
use reelbox_core::research::{self, RawQuery};
use serde_json::json;

use super::*;

const DAY0: i64 = 19_400; // 2023-02-12
const FROM_MS: i64 = DAY0 * DAY_MS;
const TO_MS: i64 = (DAY0 + 1) * DAY_MS;
/// The smallest ids of posts created at FROM_MS and TO_MS.
const FROM_ID: &str = "7199052382863360000";
const TO_ID: &str = "7199423468037734400";

fn query(q: serde_json::Value) -> VideoQuery {
    let raw: RawQuery = serde_json::from_value(q).expect("a raw query");
    research::validate_query(Some(&raw), Some("20230212"), Some("20230212")).expect("valid")
}

fn cond(field: &str, op: &str, values: &[&str]) -> serde_json::Value {
    json!({"field_name": field, "operation": op, "field_values": values})
}

fn and(c: serde_json::Value) -> VideoQuery {
    query(json!({ "and": [c] }))
}

fn first_page(backend: Backend, q: &VideoQuery) -> Compiled {
    compile(backend, q, &PageAt::default(), 20, false)
}

fn t(s: &str) -> Bind {
    Bind::Text(s.into())
}

/// The binds every page starts with: the date range, then the id range it implies.
fn range_binds() -> Vec<Bind> {
    vec![Bind::Int(FROM_MS), Bind::Int(TO_MS), t(FROM_ID), t(TO_ID)]
}

/// The `$N` numbers in `sql`, in order of appearance.
fn placeholders(sql: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        out.push(digits.parse().expect("a placeholder number"));
    }
    out
}

#[test]
fn keywords_become_anded_trigrams() {
    assert_eq!(fts_trigrams("recipe"), r#""rec" AND "ipe""#);
    assert_eq!(
        fts_trigrams("honest review"),
        r#""hon" AND "est" AND " re" AND "vie" AND "iew""#
    );
    assert_eq!(fts_trigrams("a\"bc"), r#""a""b" AND """bc""#);
    assert_eq!(fts_trigrams("café"), r#""caf" AND "afé""#);
}

#[test]
fn every_page_sees_only_visible_posts_in_the_date_and_id_range() {
    let c = first_page(Backend::Postgres, &and(cond("region_code", "EQ", &["us"])));
    assert_eq!(
        c.sql,
        format!(
            "SELECT {RESEARCH_COLUMNS} FROM posts p JOIN creators c ON c.id = p.creator_id WHERE {VISIBLE} AND p.created_at >= $1 AND p.created_at < $2 AND p.id >= $3 AND p.id < $4 AND p.region_code IN ($5) ORDER BY p.id DESC LIMIT $6 OFFSET $7"
        )
    );
    let mut want = range_binds();
    want.extend([t("US"), Bind::Int(20), Bind::Int(0)]);
    assert_eq!(c.binds, want);
    assert_eq!(c.plan, Plan::Plain);
}

#[test]
fn a_hashtag_condition_binds_the_lowercased_name() {
    let c = first_page(Backend::Sqlite, &and(cond("hashtag_name", "EQ", &["#Cat"])));
    assert!(c.sql.contains(
        "p.id IN (SELECT h.post_id FROM post_hashtags h WHERE h.tag IN ($5) AND h.created_at >= $6 AND h.created_at < $7)"
    ), "{}", c.sql);
    assert_eq!(
        &c.binds[4..7],
        &[t("cat"), Bind::Int(FROM_MS), Bind::Int(TO_MS)]
    );
}

#[test]
fn a_keyword_on_postgres_uses_a_like_scan_of_title_and_description() {
    let c = first_page(Backend::Postgres, &and(cond("keyword", "EQ", &["Recipe"])));
    assert_eq!(c.plan, Plan::Plain);
    assert!(!c.sql.contains("posts_fts"));
    assert!(
        c.sql.contains(
            r"(LOWER(p.title) LIKE $5 ESCAPE '\' OR LOWER(p.description) LIKE $6 ESCAPE '\')"
        ),
        "{}",
        c.sql
    );
    assert_eq!(&c.binds[4..6], &[t("%recipe%"), t("%recipe%")]);
}

#[test]
fn a_keyword_on_sqlite_walks_the_trigram_index_newest_first() {
    let c = first_page(Backend::Sqlite, &and(cond("keyword", "EQ", &["recipe"])));
    let (lo, hi) = (7_199_052_382_863_360_000, 7_199_423_468_037_734_400);
    assert_eq!(
        c.plan,
        Plan::Fts {
            keyword: "recipe".into(),
            lo,
            hi
        }
    );
    assert!(c.sql.starts_with(&format!(
        "SELECT {RESEARCH_COLUMNS} FROM posts_fts f CROSS JOIN posts p ON p.id = CAST(f.rowid AS TEXT) JOIN creators c ON c.id = p.creator_id WHERE posts_fts MATCH $1 AND f.rowid >= $2 AND f.rowid < $3 AND {VISIBLE} AND "
    )), "{}", c.sql);
    assert!(
        c.sql
            .ends_with("ORDER BY f.rowid DESC LIMIT $10 OFFSET $11")
    );
    assert_eq!(
        &c.binds[..3],
        &[t(r#""rec" AND "ipe""#), Bind::Int(lo), Bind::Int(hi)]
    );
    // The LIKE rule still filters the trigram candidates.
    assert_eq!(&c.binds[7..9], &[t("%recipe%"), t("%recipe%")]);
}

#[test]
fn a_keyword_shorter_than_a_trigram_scans_even_on_sqlite() {
    let c = first_page(Backend::Sqlite, &and(cond("keyword", "EQ", &["ab"])));
    assert_eq!(c.plan, Plan::Plain);
    assert!(!c.sql.contains("posts_fts"));
}

#[test]
fn a_keyword_only_in_or_does_not_drive_the_trigram_walk() {
    let q = query(
        json!({"or": [cond("keyword", "EQ", &["recipe"]), cond("region_code", "EQ", &["JP"])]}),
    );
    assert_eq!(first_page(Backend::Sqlite, &q).plan, Plan::Plain);
}

#[test]
fn like_wildcards_in_a_keyword_match_literally() {
    let c = first_page(
        Backend::Postgres,
        &and(cond("keyword", "EQ", &["100%_off"])),
    );
    assert_eq!(c.binds[4], t(r"%100\%\_off%"));
}

#[test]
fn an_effect_matches_the_quoted_id_in_the_json_list() {
    let c = first_page(Backend::Postgres, &and(cond("effect_id", "EQ", &["77"])));
    assert!(c.sql.contains("p.effect_ids LIKE $5"));
    assert_eq!(c.binds[4], t("%\"77\"%"));
}

#[test]
fn a_sound_condition_never_holds_for_posts_without_a_sound() {
    let q = query(json!({"not": [cond("music_id", "EQ", &["1000"])]}));
    let c = first_page(Backend::Postgres, &q);
    assert!(
        c.sql
            .contains("NOT ((p.music_id IS NOT NULL AND p.music_id IN ($5)))"),
        "{}",
        c.sql
    );
}

#[test]
fn or_conditions_are_grouped_and_not_conditions_negated() {
    let q = query(json!({
        "and": [cond("username", "EQ", &["@ann"])],
        "or": [cond("region_code", "EQ", &["jp"]), cond("view_count", "GT", &["10"])],
        "not": [cond("comment_count", "LTE", &["2"])],
    }));
    let c = first_page(Backend::Postgres, &q);
    assert!(c.sql.contains(
        "AND c.username IN ($5) AND (p.region_code IN ($6) OR (p.view_count > $7)) AND NOT ((p.comment_count <= $8)) ORDER BY"
    ), "{}", c.sql);
    assert_eq!(
        &c.binds[4..8],
        &[t("ann"), t("JP"), Bind::Int(10), Bind::Int(2)]
    );
}

#[test]
fn a_create_date_comparison_bounds_whole_days() {
    let gt = first_page(
        Backend::Postgres,
        &and(cond("create_date", "GT", &["20230212"])),
    );
    assert!(
        gt.sql.contains("AND (p.created_at >= $5) ORDER BY"),
        "{}",
        gt.sql
    );
    assert_eq!(gt.binds[4], Bind::Int(TO_MS));
    let eq = first_page(
        Backend::Postgres,
        &and(cond("create_date", "EQ", &["20230212"])),
    );
    assert!(
        eq.sql
            .contains("AND ((p.created_at >= $5 AND p.created_at < $6)) ORDER BY")
    );
    assert_eq!(&eq.binds[4..6], &[Bind::Int(FROM_MS), Bind::Int(TO_MS)]);
}

#[test]
fn video_lengths_become_duration_bounds() {
    let q = and(cond("video_length", "IN", &["SHORT", "MID", "EXTRA_LONG"]));
    let c = first_page(Backend::Postgres, &q);
    assert!(c.sql.contains(
        "AND (p.duration_ms <= $5 OR (p.duration_ms >= $6 AND p.duration_ms <= $7) OR p.duration_ms >= $8) ORDER BY"
    ), "{}", c.sql);
    assert_eq!(
        &c.binds[4..8],
        &[
            Bind::Int(14_999),
            Bind::Int(15_000),
            Bind::Int(60_000),
            Bind::Int(300_001)
        ]
    );
}

#[test]
fn several_regions_in_and_become_one_ordered_walk_per_region() {
    let q = and(cond("region_code", "IN", &["us", "jp"]));
    let at = PageAt {
        offset: 5,
        ..Default::default()
    };
    let c = compile(Backend::Postgres, &q, &at, 10, false);
    assert_eq!(c.plan, Plan::Split { cond: 0 });
    let branch = |i: usize, first: usize| {
        format!(
            "SELECT * FROM (SELECT {RESEARCH_COLUMNS} FROM posts p JOIN creators c ON c.id = p.creator_id WHERE {VISIBLE} AND p.created_at >= ${} AND p.created_at < ${} AND p.id >= ${} AND p.id < ${} AND p.region_code IN (${}) ORDER BY p.id DESC LIMIT ${}) b{i}",
            first,
            first + 1,
            first + 2,
            first + 3,
            first + 4,
            first + 5
        )
    };
    assert_eq!(
        c.sql,
        format!(
            "SELECT * FROM ({} UNION ALL {}) u ORDER BY u.id DESC LIMIT $13 OFFSET $14",
            branch(0, 1),
            branch(1, 7)
        )
    );
    // Each walk stops after offset + limit rows; the merge skips the offset.
    let mut want = range_binds();
    want.extend([t("US"), Bind::Int(15)]);
    want.extend(range_binds());
    want.extend([t("JP"), Bind::Int(15), Bind::Int(10), Bind::Int(5)]);
    assert_eq!(c.binds, want);
}

#[test]
fn more_than_sixty_four_values_are_not_split() {
    let names: Vec<String> = (0..65).map(|i| format!("u{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = first_page(Backend::Postgres, &and(cond("username", "IN", &names)));
    assert_eq!(c.plan, Plan::Plain);
    let c = first_page(
        Backend::Postgres,
        &and(cond("username", "IN", &names[..64])),
    );
    assert_eq!(c.plan, Plan::Split { cond: 0 });
}

#[test]
fn the_sqlite_trigram_walk_comes_before_a_split() {
    let q = query(json!({"and": [
        cond("region_code", "IN", &["US", "JP"]),
        cond("keyword", "EQ", &["recipe"]),
    ]}));
    assert!(matches!(
        first_page(Backend::Sqlite, &q).plan,
        Plan::Fts { .. }
    ));
    assert_eq!(
        first_page(Backend::Postgres, &q).plan,
        Plan::Split { cond: 0 }
    );
}

#[test]
fn a_snapshot_bounds_ids_and_creation_times() {
    let at = PageAt {
        max_id: Some("7199100000000000000".into()),
        snapshot_at: Some(FROM_MS + 5),
        ..Default::default()
    };
    let q = and(cond("region_code", "EQ", &["US"]));
    let c = compile(Backend::Postgres, &q, &at, 20, false);
    assert!(
        c.sql
            .contains("AND p.id <= $6 AND p.created_at <= $7 ORDER BY"),
        "{}",
        c.sql
    );
    assert_eq!(
        &c.binds[5..7],
        &[t("7199100000000000000"), Bind::Int(FROM_MS + 5)]
    );
}

#[test]
fn a_keyset_position_replaces_the_offset() {
    let at = PageAt {
        after_id: Some("7199200000000000000".into()),
        offset: 40,
        ..Default::default()
    };
    let q = and(cond("region_code", "EQ", &["US"]));
    let c = compile(Backend::Postgres, &q, &at, 20, false);
    assert!(
        c.sql
            .ends_with("AND p.id < $6 ORDER BY p.id DESC LIMIT $7 OFFSET $8")
    );
    assert_eq!(
        &c.binds[5..],
        &[t("7199200000000000000"), Bind::Int(20), Bind::Int(0)]
    );
}

#[test]
fn the_snapshot_and_keyset_narrow_the_trigram_rowid_range() {
    let q = and(cond("keyword", "EQ", &["recipe"]));
    let snapshot = PageAt {
        max_id: Some("7199300000000000000".into()),
        ..Default::default()
    };
    let Plan::Fts { hi, .. } = compile(Backend::Sqlite, &q, &snapshot, 20, false).plan else {
        panic!("a trigram walk");
    };
    assert_eq!(hi, 7_199_300_000_000_000_001);
    let keyset = PageAt {
        after_id: Some("7199250000000000000".into()),
        ..snapshot
    };
    let Plan::Fts { hi, .. } = compile(Backend::Sqlite, &q, &keyset, 20, false).plan else {
        panic!("a trigram walk");
    };
    assert_eq!(hi, 7_199_250_000_000_000_000);
}

#[test]
fn a_random_sample_is_a_plain_query_without_an_offset() {
    let q = and(cond("keyword", "EQ", &["recipe"]));
    let at = PageAt {
        offset: 40,
        ..Default::default()
    };
    let c = compile(Backend::Sqlite, &q, &at, 20, true);
    assert_eq!(c.plan, Plan::Plain);
    assert!(
        c.sql.ends_with("ORDER BY RANDOM() LIMIT $7 OFFSET $8"),
        "{}",
        c.sql
    );
    assert_eq!(&c.binds[6..], &[Bind::Int(20), Bind::Int(0)]);
}

#[test]
fn placeholders_are_numbered_as_their_binds_are_listed() {
    let q = query(json!({
        "and": [cond("keyword", "EQ", &["hello"]), cond("music_id", "IN", &["1000", "1001"])],
        "or": [cond("hashtag_name", "IN", &["cat", "dog"]), cond("video_length", "EQ", &["LONG"])],
        "not": [cond("effect_id", "EQ", &["77"])],
    }));
    let at = PageAt {
        max_id: Some("7199300000000000000".into()),
        snapshot_at: Some(FROM_MS),
        after_id: Some("7199250000000000000".into()),
        offset: 0,
    };
    for backend in [Backend::Sqlite, Backend::Postgres] {
        for random in [false, true] {
            let c = compile(backend, &q, &at, 20, random);
            let mut seen = placeholders(&c.sql);
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen, (1..=c.binds.len()).collect::<Vec<_>>(), "{}", c.sql);
        }
    }
}
