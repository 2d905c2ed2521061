//! Rules of the research TikTok Shop endpoints (`/v2/research/tts/…`): page-based paging, the
//! text forms of prices, ratings and review stars, and how a product's reviews split by star.
use reelbox_wire::ErrorCode;

use crate::RuleError;

/// `page_size` and the shop search `limit` are at most 10.
pub const MAX_PAGE: i64 = 10;

fn invalid(msg: impl Into<String>) -> RuleError {
    RuleError::new(ErrorCode::InvalidParams, msg)
}

/// A page of a shop's products or a product's reviews: `(offset, size)` from the 1-based
/// `page_start` (default 1) and `page_size` (default and maximum 10).
pub fn page(page_start: Option<i64>, page_size: Option<i64>) -> Result<(i64, i64), RuleError> {
    let size = match page_size {
        None => MAX_PAGE,
        Some(n) if (1..=MAX_PAGE).contains(&n) => n,
        Some(_) => return Err(invalid("page_size should be between 1 and 10")),
    };
    let start = match page_start {
        None => 1,
        Some(n) if n >= 1 => n,
        Some(_) => return Err(invalid("page_start should be 1 or more")),
    };
    let offset = (start - 1)
        .checked_mul(size)
        .ok_or_else(|| invalid("page_start is too large"))?;
    Ok((offset, size))
}

/// The shop search `limit`: default and maximum 10.
pub fn shop_limit(limit: Option<i64>) -> Result<i64, RuleError> {
    match limit {
        None => Ok(MAX_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(invalid("limit should be between 1 and 10")),
    }
}

/// Decimal places of a currency's minor unit (ISO 4217; 2 unless listed).
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// A price as TikTok's product endpoint writes it: amount and currency run together,
/// `2079, "GBP"` → `"20.79GBP"`.
pub fn price_text(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{m}{currency}");
    }
    let scale = 10u64.pow(digits);
    format!(
        "{sign}{}.{:0width$}{currency}",
        m / scale,
        m % scale,
        width = digits as usize
    )
}

/// A rating kept in tenths as text with one decimal: 46 → `"4.6"`.
pub fn rating_text(x10: i64) -> String {
    let x = x10.clamp(0, 50);
    format!("{}.{}", x / 10, x % 10)
}

/// A review's stars as TikTok spells them.
pub fn star_word(stars: i64) -> Option<&'static str> {
    Some(match stars {
        1 => "ONE",
        2 => "TWO",
        3 => "THREE",
        4 => "FOUR",
        5 => "FIVE",
        _ => return None,
    })
}

/// Splits `n` reviews into counts of 1..5 stars whose mean is the rating (tenths) as closely as
/// whole counts allow, in the J shape shop reviews have: mostly the two stars around the mean,
/// a few one-star reviews.
pub fn star_split(n: i64, rating_x10: i64) -> [i64; 5] {
    let n = n.max(0);
    let r = rating_x10.clamp(10, 50);
    // A twentieth of the reviews are one-star, as far as the rest can still reach the mean
    // (at five stars each they carry at most 40 tenths more than a one-star review).
    let ones = if r >= 20 {
        (n / 20).min(n * (50 - r) / 40)
    } else {
        0
    };
    let rest = n - ones;
    let mut out = [0i64; 5];
    out[0] = ones;
    if rest == 0 {
        return out;
    }
    // The rest sit on the two stars around the mean that keeps the total at n × r / 10.
    let target = n * r - ones * 10; // tenths of stars the rest must carry
    let avg = target as f64 / (rest as f64 * 10.0);
    let lo = avg.floor().clamp(1.0, 5.0) as usize;
    let hi = (lo + 1).min(5);
    let up = if hi == lo {
        0
    } else {
        (((avg - lo as f64) * rest as f64).round() as i64).clamp(0, rest)
    };
    out[lo - 1] += rest - up;
    if hi != lo {
        out[hi - 1] += up;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prices() {
        assert_eq!(price_text(2079, "GBP"), "20.79GBP");
        assert_eq!(price_text(5, "EUR"), "0.05EUR");
        assert_eq!(price_text(1500, "JPY"), "1500JPY");
        assert_eq!(price_text(12345, "KWD"), "12.345KWD");
        assert_eq!(price_text(-199, "USD"), "-1.99USD");
    }

    #[test]
    fn ratings_and_stars() {
        assert_eq!(rating_text(46), "4.6");
        assert_eq!(rating_text(50), "5.0");
        assert_eq!(rating_text(0), "0.0");
        assert_eq!(star_word(5), Some("FIVE"));
        assert_eq!(star_word(1), Some("ONE"));
        assert_eq!(star_word(6), None);
    }

    #[test]
    fn pages() {
        assert_eq!(page(None, None), Ok((0, 10)));
        assert_eq!(page(Some(3), Some(4)), Ok((8, 4)));
        assert_eq!(
            page(Some(1), Some(11)).unwrap_err().message,
            "page_size should be between 1 and 10"
        );
        assert!(page(Some(1), Some(0)).is_err());
        assert!(page(Some(0), Some(5)).is_err());
        assert!(page(Some(i64::MAX), Some(10)).is_err());
        assert_eq!(shop_limit(None), Ok(10));
        assert!(shop_limit(Some(11)).is_err());
    }

    proptest! {
        #[test]
        fn star_split_sums_and_means(n in 0i64..100_000, r in 10i64..=50) {
            let s = star_split(n, r);
            prop_assert_eq!(s.iter().sum::<i64>(), n);
            prop_assert!(s.iter().all(|c| *c >= 0));
            if n >= 100 {
                let mean_x10 = s.iter().enumerate().map(|(i, c)| (i as i64 + 1) * c).sum::<i64>() * 10 / n;
                prop_assert!((mean_x10 - r).abs() <= 1, "mean {} for {}", mean_x10, r);
            }
        }
    }
}
