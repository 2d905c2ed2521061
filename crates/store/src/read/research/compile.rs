//! The research query compiler: a validated [`VideoQuery`], a page position and the engine in,
//! SQL text, its bind values and the chosen [`Plan`] out. It is a pure function with no database
//! at hand, so what a query becomes can be read and tested as text; the `Store` methods in the
//! parent module only bind the values and run it.
//!
//! Every user value becomes a bound parameter; the text is assembled from constant pieces only.
//! A post's id encodes its creation second in the high 32 bits ([`reelbox_core::ids::post_id`]),
//! so the date range also bounds the id range, and each plan lets the database walk posts in id
//! order and stop at the page instead of collecting and sorting the whole window.
use reelbox_core::research::{Cond, CondValue, DAY_MS, Field, Op, VideoQuery};

use super::{PageAt, RESEARCH_COLUMNS, VISIBLE};
use crate::Backend;
use crate::dynamic::{Bind, Binds, like_escape};

/// How a research page is fetched: which access path walks posts in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// One query over `posts p JOIN creators c` (also every random sample).
    Plain,
    /// SQLite: the keyword's trigram FTS5 index drives the walk (its rowid is the post id).
    Fts { keyword: String, lo: i64, hi: i64 },
    /// An `and` condition on region, sound or username with several values: one ordered walk
    /// per value over its `(value, id)` index, merged.
    Split { cond: usize },
}

/// One compiled research page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Compiled {
    /// `$N` placeholders numbered in the order of `binds`.
    pub sql: String,
    pub binds: Vec<Bind>,
    pub plan: Plan,
}

/// The SQL of one research page of `limit` rows at `at` (or a random sample of `limit` rows).
pub(crate) fn compile(
    backend: Backend,
    q: &VideoQuery,
    at: &PageAt,
    limit: i64,
    random: bool,
) -> Compiled {
    let mut b = Binds::default();
    let offset = if at.after_id.is_some() || random {
        0
    } else {
        at.offset
    };
    let plan = if random {
        Plan::Plain
    } else {
        plan_for(backend, q, at)
    };
    let plain = "FROM posts p JOIN creators c ON c.id = p.creator_id";
    let sql = match &plan {
        Plan::Plain => {
            let w = where_sql(q, at, &mut b);
            let order = if random { "RANDOM()" } else { "p.id DESC" };
            let lim = b.i(limit);
            let off = b.i(offset);
            format!(
                "SELECT {RESEARCH_COLUMNS} {plain} WHERE {w} ORDER BY {order} LIMIT {lim} OFFSET {off}"
            )
        }
        Plan::Fts { keyword, lo, hi } => {
            let m = b.t(fts_trigrams(keyword));
            let (lo, hi) = (b.i(*lo), b.i(*hi));
            let w = where_sql(q, at, &mut b);
            let lim = b.i(limit);
            let off = b.i(offset);
            // CROSS JOIN keeps the FTS walk (newest first) as the outer loop.
            format!(
                "SELECT {RESEARCH_COLUMNS} FROM posts_fts f CROSS JOIN posts p ON p.id = CAST(f.rowid AS TEXT) JOIN creators c ON c.id = p.creator_id WHERE posts_fts MATCH {m} AND f.rowid >= {lo} AND f.rowid < {hi} AND {w} ORDER BY f.rowid DESC LIMIT {lim} OFFSET {off}"
            )
        }
        Plan::Split { cond } => {
            let mut branches = Vec::new();
            for (i, v) in q.and[*cond].values.iter().enumerate() {
                let mut one = q.clone();
                one.and[*cond].values = vec![v.clone()];
                let w = where_sql(&one, at, &mut b);
                let lim = b.i(limit + offset);
                branches.push(format!(
                    "SELECT * FROM (SELECT {RESEARCH_COLUMNS} {plain} WHERE {w} ORDER BY p.id DESC LIMIT {lim}) b{i}"
                ));
            }
            let lim = b.i(limit);
            let off = b.i(offset);
            format!(
                "SELECT * FROM ({}) u ORDER BY u.id DESC LIMIT {lim} OFFSET {off}",
                branches.join(" UNION ALL ")
            )
        }
    };
    Compiled {
        sql,
        binds: b.into_vec(),
        plan,
    }
}

/// The smallest id a post created at `ms` can have, as a 19-digit string (text order = numeric).
fn id_floor(ms: i64) -> String {
    let secs = (ms.max(0) / 1000) as u64;
    let v = secs
        .checked_shl(32)
        .filter(|v| v >> 32 == secs)
        .unwrap_or(u64::MAX);
    format!("{:019}", v.min(9_999_999_999_999_999_999))
}

/// Ids are 19-digit decimals; as i64 when they fit (FTS rowids).
fn id_as_i64(id: &str) -> Option<i64> {
    if id.len() != 19 {
        return None;
    }
    id.parse::<i64>().ok()
}

fn one_value(f: Field, op: Op, v: &CondValue, b: &mut Binds) -> String {
    match (f, v) {
        (Field::CreateDate, CondValue::Day(d)) => {
            let lo = d * DAY_MS;
            let hi = (d + 1) * DAY_MS;
            match op {
                Op::Eq | Op::In => format!(
                    "(p.created_at >= {} AND p.created_at < {})",
                    b.i(lo),
                    b.i(hi)
                ),
                Op::Gt => format!("p.created_at >= {}", b.i(hi)),
                Op::Gte => format!("p.created_at >= {}", b.i(lo)),
                Op::Lt => format!("p.created_at < {}", b.i(lo)),
                Op::Lte => format!("p.created_at < {}", b.i(hi)),
            }
        }
        (Field::Keyword, CondValue::Text(t)) => {
            let pat = format!("%{}%", like_escape(t));
            let a = b.t(pat.clone());
            let c = b.t(pat);
            format!(
                "(LOWER(p.title) LIKE {a} ESCAPE '\\' OR LOWER(p.description) LIKE {c} ESCAPE '\\')"
            )
        }
        (Field::EffectId, CondValue::Text(t)) => {
            format!("p.effect_ids LIKE {}", b.t(format!("%\"{t}\"%")))
        }
        (Field::VideoLength, CondValue::Length(l)) => match l.bounds_ms() {
            (None, Some(hi)) => format!("p.duration_ms <= {}", b.i(hi)),
            (Some(lo), Some(hi)) => format!(
                "(p.duration_ms >= {} AND p.duration_ms <= {})",
                b.i(lo),
                b.i(hi)
            ),
            (Some(lo), None) => format!("p.duration_ms >= {}", b.i(lo)),
            (None, None) => "1 = 1".into(),
        },
        (Field::ViewCount | Field::CommentCount, CondValue::Int(n)) => {
            let col = if f == Field::ViewCount {
                "p.view_count"
            } else {
                "p.comment_count"
            };
            let sym = match op {
                Op::Eq | Op::In => "=",
                Op::Gt => ">",
                Op::Gte => ">=",
                Op::Lt => "<",
                Op::Lte => "<=",
            };
            format!("{col} {sym} {}", b.i(*n))
        }
        _ => "1 = 0".into(),
    }
}

/// One condition as SQL. Set-like fields use one `IN` list; the rest OR their values.
fn cond_sql(c: &Cond, q: &VideoQuery, b: &mut Binds) -> String {
    let texts = || {
        c.values.iter().filter_map(|v| match v {
            CondValue::Text(t) => Some(t.clone()),
            _ => None,
        })
    };
    let list = |b: &mut Binds| texts().map(|t| b.t(t)).collect::<Vec<_>>().join(", ");
    match c.field {
        Field::Username => format!("c.username IN ({})", list(b)),
        Field::RegionCode => format!("p.region_code IN ({})", list(b)),
        Field::VideoId => format!("p.id IN ({})", list(b)),
        // Never NULL, so that NOT of it holds for posts without a sound.
        Field::MusicId => format!("(p.music_id IS NOT NULL AND p.music_id IN ({}))", list(b)),
        Field::HashtagName => {
            let l = list(b);
            // The (tag, created_at, post_id) index answers this without touching posts.
            format!(
                "p.id IN (SELECT h.post_id FROM post_hashtags h WHERE h.tag IN ({l}) AND h.created_at >= {} AND h.created_at < {})",
                b.i(q.from_ms()),
                b.i(q.to_ms())
            )
        }
        _ => {
            let parts: Vec<String> = c
                .values
                .iter()
                .map(|v| one_value(c.field, c.op, v, b))
                .collect();
            format!("({})", parts.join(" OR "))
        }
    }
}

fn where_sql(q: &VideoQuery, at: &PageAt, b: &mut Binds) -> String {
    let mut w = vec![VISIBLE.to_string()];
    w.push(format!(
        "p.created_at >= {} AND p.created_at < {}",
        b.i(q.from_ms()),
        b.i(q.to_ms())
    ));
    w.push(format!(
        "p.id >= {} AND p.id < {}",
        b.t(id_floor(q.from_ms())),
        b.t(id_floor(q.to_ms()))
    ));
    for c in &q.and {
        w.push(cond_sql(c, q, b));
    }
    if !q.or.is_empty() {
        let parts: Vec<String> = q.or.iter().map(|c| cond_sql(c, q, b)).collect();
        w.push(format!("({})", parts.join(" OR ")));
    }
    for c in &q.not {
        w.push(format!("NOT ({})", cond_sql(c, q, b)));
    }
    if let Some(m) = &at.max_id {
        w.push(format!("p.id <= {}", b.t(m.clone())));
    }
    if let Some(s) = at.snapshot_at {
        w.push(format!("p.created_at <= {}", b.i(s)));
    }
    if let Some(a) = &at.after_id {
        w.push(format!("p.id < {}", b.t(a.clone())));
    }
    w.join(" AND ")
}

fn plan_for(backend: Backend, q: &VideoQuery, at: &PageAt) -> Plan {
    if backend == Backend::Sqlite {
        let keyword = q
            .and
            .iter()
            .find_map(|c| match (c.field, c.values.as_slice()) {
                // Trigrams need three characters; shorter keywords scan.
                (Field::Keyword, [CondValue::Text(t)]) if t.chars().count() >= 3 => Some(t.clone()),
                _ => None,
            });
        if let Some(keyword) = keyword {
            let lo = id_as_i64(&id_floor(q.from_ms()));
            let mut hi = id_as_i64(&id_floor(q.to_ms()));
            if let (Some(h), Some(m)) = (hi, at.max_id.as_deref().and_then(id_as_i64)) {
                hi = Some(h.min(m.saturating_add(1)));
            }
            if let (Some(h), Some(a)) = (hi, at.after_id.as_deref().and_then(id_as_i64)) {
                hi = Some(h.min(a));
            }
            if let (Some(lo), Some(hi)) = (lo, hi) {
                return Plan::Fts { keyword, lo, hi };
            }
        }
    }
    let split = q.and.iter().position(|c| {
        matches!(
            c.field,
            Field::RegionCode | Field::MusicId | Field::Username
        ) && matches!(c.op, Op::In | Op::Eq)
            && (2..=64).contains(&c.values.len())
    });
    match split {
        Some(cond) => Plan::Split { cond },
        None => Plan::Plain,
    }
}

/// The FTS5 query of a keyword for the position-less trigram index: every third trigram and
/// the last one, ANDed. Candidates are a superset of the substring matches (the LIKE rule
/// filters them).
fn fts_trigrams(keyword: &str) -> String {
    let chars: Vec<char> = keyword.chars().collect();
    let last = chars.len().saturating_sub(3);
    let mut starts: Vec<usize> = (0..=last).step_by(3).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts
        .iter()
        .map(|&i| {
            let t: String = chars[i..i + 3].iter().collect();
            format!("\"{}\"", t.replace('"', "\"\""))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests;
