//! Rules of the Research API's profile lists (liked, pinned and reposted videos, playlists):
//! who may be listed, and how the time cursor of the liked list pages without repeating or
//! skipping a like.
use reelbox_wire::ErrorCode;
use time::{Date, Month, OffsetDateTime};

use crate::RuleError;

/// Research serves profile lists of adults only.
pub const ADULT_AGE: i32 = 18;

/// Cursors above this are milliseconds (10^11 s is the year 5138; 10^11 ms is 1973).
pub const MS_THRESHOLD: i64 = 100_000_000_000;

fn invalid(msg: impl Into<String>) -> RuleError {
    RuleError::new(ErrorCode::InvalidParams, msg)
}

/// A declared birth date, `YYYY-MM-DD`.
pub fn parse_birth_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i32> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let month = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    Date::from_calendar_date(num(0..4)?, month, u8::try_from(num(8..10)?).ok()?).ok()
}

/// Whether an account is an adult at `now_ms`. No declared date counts as adult (accounts made
/// before dates were recorded); a date that does not parse does not (never list by mistake).
pub fn is_adult(birth_date: Option<&str>, now_ms: i64) -> bool {
    let Some(text) = birth_date else {
        return true;
    };
    let Some(born) = parse_birth_date(text) else {
        return false;
    };
    let Ok(now) = OffsetDateTime::from_unix_timestamp(now_ms.div_euclid(1000)) else {
        return false;
    };
    let today = now.date();
    let mut age = today.year() - born.year();
    if (today.month() as u8, today.day()) < (born.month() as u8, born.day()) {
        age -= 1;
    }
    age >= ADULT_AGE
}

/// The unit a time cursor was sent in; answers use the same unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Millis,
}

impl TimeUnit {
    /// The unit value holding `ms`.
    pub fn of(self, ms: i64) -> i64 {
        match self {
            TimeUnit::Seconds => ms.div_euclid(1000),
            TimeUnit::Millis => ms,
        }
    }
    /// First millisecond of unit value `u`.
    pub fn start_ms(self, u: i64) -> i64 {
        match self {
            TimeUnit::Seconds => u.saturating_mul(1000),
            TimeUnit::Millis => u,
        }
    }
    /// Last millisecond of unit value `u`.
    pub fn end_ms(self, u: i64) -> i64 {
        match self {
            TimeUnit::Seconds => u.saturating_mul(1000).saturating_add(999),
            TimeUnit::Millis => u,
        }
    }
}

/// A liked-videos cursor: the unit it came in and the newest like time (ms, inclusive) to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeCursor {
    pub unit: TimeUnit,
    pub at_or_before_ms: i64,
}

/// Reads the liked-videos cursor: absent or 0 is "now" in seconds; values above
/// [`MS_THRESHOLD`] are milliseconds, others seconds.
pub fn time_cursor(cursor: Option<i64>, now_ms: i64) -> Result<TimeCursor, RuleError> {
    match cursor {
        None | Some(0) => Ok(TimeCursor {
            unit: TimeUnit::Seconds,
            at_or_before_ms: now_ms,
        }),
        Some(c) if c < 0 => Err(invalid("Invalid count or cursor")),
        Some(c) if c > MS_THRESHOLD => Ok(TimeCursor {
            unit: TimeUnit::Millis,
            at_or_before_ms: c,
        }),
        Some(c) => Ok(TimeCursor {
            unit: TimeUnit::Seconds,
            at_or_before_ms: TimeUnit::Seconds.end_ms(c),
        }),
    }
}

/// How a page is cut from `limit + 1` rows fetched newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeCut {
    /// Everything fetched fits: the last page. `cursor` is for completeness.
    Last { keep: usize, cursor: i64 },
    /// Keep the first `keep` rows; the next page starts at `cursor` (inclusive).
    More { keep: usize, cursor: i64 },
    /// The first `limit + 1` rows all fall in unit `unit`: the page is that whole unit, however
    /// many rows it holds, and the next page starts at `unit - 1`.
    WholeUnit { unit: i64 },
}

/// Cuts a page so that one unit of time (a second or a millisecond, as the cursor was sent) is
/// never split across two pages: a cursor can only say "this unit and older", so a split unit
/// would repeat or lose rows. `times_ms` are the fetched rows' times, newest first, at most
/// `limit + 1` of them; `cursor_unit` is the request's cursor in its unit.
pub fn cut_time_page(times_ms: &[i64], limit: usize, unit: TimeUnit, cursor_unit: i64) -> TimeCut {
    if times_ms.len() <= limit {
        let cursor = times_ms
            .last()
            .map(|t| unit.of(*t) - 1)
            .unwrap_or(cursor_unit);
        return TimeCut::Last {
            keep: times_ms.len(),
            cursor,
        };
    }
    let boundary = unit.of(times_ms[limit]);
    let keep = times_ms[..limit]
        .iter()
        .take_while(|t| unit.of(**t) > boundary)
        .count();
    if keep == 0 {
        return TimeCut::WholeUnit { unit: boundary };
    }
    TimeCut::More {
        keep,
        cursor: unit.of(times_ms[keep - 1]) - 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const JAN_1_2026: i64 = 1_767_225_600_000;

    #[test]
    fn adults_by_birthday() {
        assert!(is_adult(None, JAN_1_2026));
        assert!(is_adult(Some("2008-01-01"), JAN_1_2026));
        assert!(!is_adult(Some("2008-01-02"), JAN_1_2026));
        assert!(!is_adult(Some("2012-05-05"), JAN_1_2026));
        assert!(is_adult(Some("1970-12-31"), JAN_1_2026));
        assert!(!is_adult(Some("not a date"), JAN_1_2026));
        assert!(!is_adult(Some("2008-02-30"), JAN_1_2026));
        assert!(parse_birth_date("2000-1-01").is_none());
        assert!(parse_birth_date("+200-01-01").is_none());
    }

    #[test]
    fn cursor_units() {
        let now = 1_706_457_371_123;
        assert_eq!(
            time_cursor(None, now),
            Ok(TimeCursor {
                unit: TimeUnit::Seconds,
                at_or_before_ms: now
            })
        );
        assert_eq!(
            time_cursor(Some(1_706_457_371), now).map(|c| (c.unit, c.at_or_before_ms)),
            Ok((TimeUnit::Seconds, 1_706_457_371_999))
        );
        assert_eq!(
            time_cursor(Some(1_706_457_371_123), now).map(|c| (c.unit, c.at_or_before_ms)),
            Ok((TimeUnit::Millis, 1_706_457_371_123))
        );
        assert!(time_cursor(Some(-5), now).is_err());
    }

    #[test]
    fn cut_keeps_units_whole() {
        let s = TimeUnit::Seconds;
        // 5.1 s, 4.9 s, 4.2 s | 4.0 s: the page stops before second 4.
        let t = [5_100, 4_900, 4_200, 4_000];
        assert_eq!(
            cut_time_page(&t, 3, s, 9),
            TimeCut::More { keep: 1, cursor: 4 }
        );
        // In milliseconds the same rows split cleanly.
        assert_eq!(
            cut_time_page(&t, 3, TimeUnit::Millis, 9_999),
            TimeCut::More {
                keep: 3,
                cursor: 4_199
            }
        );
        assert_eq!(
            cut_time_page(&[4_900, 4_200, 4_000], 2, s, 9),
            TimeCut::WholeUnit { unit: 4 }
        );
        assert_eq!(
            cut_time_page(&[4_900], 2, s, 9),
            TimeCut::Last { keep: 1, cursor: 3 }
        );
        assert_eq!(
            cut_time_page(&[], 2, s, 9),
            TimeCut::Last { keep: 0, cursor: 9 }
        );
    }

    /// Simulates paging over a list of like times: every row comes exactly once, in order.
    fn pages(times: &[i64], limit: usize, unit: TimeUnit) -> Vec<i64> {
        let mut sorted = times.to_vec();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let mut out = Vec::new();
        let mut at = i64::MAX / 4;
        let mut cursor_unit = unit.of(at);
        for _ in 0..10_000 {
            let rows: Vec<i64> = sorted
                .iter()
                .copied()
                .filter(|t| *t <= at)
                .take(limit + 1)
                .collect();
            match cut_time_page(&rows, limit, unit, cursor_unit) {
                TimeCut::Last { keep, .. } => {
                    out.extend(&rows[..keep]);
                    return out;
                }
                TimeCut::More { keep, cursor } => {
                    out.extend(&rows[..keep]);
                    cursor_unit = cursor;
                }
                TimeCut::WholeUnit { unit: u } => {
                    out.extend(sorted.iter().filter(|t| unit.of(**t) == u));
                    cursor_unit = u - 1;
                }
            }
            at = unit.end_ms(cursor_unit);
        }
        panic!("paging did not end");
    }

    proptest! {
        #[test]
        fn paging_neither_repeats_nor_skips(
            times in proptest::collection::vec(0i64..20_000, 0..60),
            limit in 1usize..6,
            millis in any::<bool>(),
        ) {
            let unit = if millis { TimeUnit::Millis } else { TimeUnit::Seconds };
            let mut want = times.clone();
            want.sort_unstable_by(|a, b| b.cmp(a));
            prop_assert_eq!(pages(&times, limit, unit), want);
        }
    }
}
