//! The node's rate-limit windows: per key and endpoint, a sliding minute read against the shared
//! clock (PostgreSQL nodes share theirs through the database instead, see `Inner::rate_check`).
//!
//! Its memory is bounded whatever callers send: a key longer than a SHA-256 in hex is held as
//! its SHA-256, each endpoint holds at most [`MAX_KEYS_PER_ENDPOINT`] windows (the least
//! recently used is dropped for a new one), and a window at most 6,000 buckets. Sign-in keys are
//! built from names anyone may submit, so without these bounds unique megabyte-long names grew
//! the node's memory by a gigabyte in two thousand requests.
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use hashlink::LruCache;

/// Per-token, per-endpoint sliding one-minute windows, read against the shared clock.
///
/// A window keeps its hits in 10 ms buckets, each stamped with its latest hit and expiring a minute
/// after it: a hit is held at most 10 ms longer than an exact log would hold it (never less, so the
/// limit is never exceeded), and a window holds at most 6,000 buckets whatever the limit. A log of
/// every hit grew with the limit: at the load test's raised limits, by millions of entries a minute.
#[derive(Default)]
pub struct RateLimiter {
    /// endpoint → key → buckets, oldest first, least recently hit first. Looked up by `&str`, so
    /// a hit on a known key allocates nothing.
    windows: Mutex<HashMap<&'static str, LruCache<String, Window>>>,
}

#[derive(Default)]
struct Window {
    /// Oldest first.
    buckets: VecDeque<Bucket>,
    /// The hits in `buckets`, kept as they come and go rather than summed per call.
    held: u64,
}

impl Window {
    /// Drops the buckets a minute old.
    fn expire(&mut self, now: i64) {
        while let Some(b) = self.buckets.front().filter(|b| now - b.last >= WINDOW_MS) {
            self.held -= u64::from(b.hits);
            self.buckets.pop_front();
        }
    }
}

/// The key as held: itself, or its SHA-256 when longer than a SHA-256 in hex.
fn held_key(key: &str) -> std::borrow::Cow<'_, str> {
    if key.len() > MAX_KEY_LEN {
        reelbox_core::secrets::sha256_hex(key).into()
    } else {
        key.into()
    }
}

#[derive(Clone, Copy)]
struct Bucket {
    /// The latest hit in the bucket (ms).
    last: i64,
    hits: u32,
}

const WINDOW_MS: i64 = 60_000;
const BUCKET_MS: i64 = 10;
/// Windows one endpoint holds (about 150 bytes each at a sign-in limit, 100 KB at most at the
/// largest limits). Past it the least recently hit key loses its window: under a flood of new
/// keys an old key's count may restart, the price of a bound an attacker cannot raise.
pub const MAX_KEYS_PER_ENDPOINT: usize = 50_000;
/// Longer keys are held as their SHA-256 (hex: this many characters).
const MAX_KEY_LEN: usize = 64;

impl RateLimiter {
    /// Forgets every window (a sandbox reset).
    pub fn clear(&self) {
        self.windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Says, without recording anything, whether `key` already used up `limit` this minute; when
    /// so, how many seconds until a slot frees (for limits on failures, recorded with `check`).
    pub fn exhausted(
        &self,
        key: &str,
        endpoint: &'static str,
        limit: u32,
        now: i64,
    ) -> Result<(), u64> {
        let key = held_key(key);
        let map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let Some(w) = map.get(endpoint).and_then(|keys| keys.peek(key.as_ref())) else {
            return Ok(());
        };
        let live = w.buckets.iter().filter(|b| now - b.last < WINDOW_MS);
        let held: u64 = live.clone().map(|b| u64::from(b.hits)).sum();
        if held >= u64::from(limit) {
            let oldest = live.map(|b| b.last).min().unwrap_or(now);
            return Err(((oldest + WINDOW_MS - now).max(1000) as u64).div_ceil(1000));
        }
        Ok(())
    }

    /// Records a call and says whether it is within `limit` per minute; when not, how many
    /// seconds until a slot frees.
    pub fn check(
        &self,
        key: &str,
        endpoint: &'static str,
        limit: u32,
        now: i64,
    ) -> Result<(), u64> {
        let key = held_key(key);
        let key = key.as_ref();
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let keys = map
            .entry(endpoint)
            .or_insert_with(|| LruCache::new(MAX_KEYS_PER_ENDPOINT));
        if !keys.contains_key(key) {
            // Evicts the least recently hit window when full.
            keys.insert(key.to_string(), Window::default());
        }
        let w = keys.get_mut(key).expect("inserted above");
        w.expire(now);
        if w.held >= u64::from(limit) {
            let oldest = w.buckets.front().map_or(now, |b| b.last);
            return Err(((oldest + WINDOW_MS - now).max(1000) as u64).div_ceil(1000));
        }
        w.held += 1;
        match w.buckets.back_mut() {
            // Same bucket as the previous hit (time only moves forward within a bucket's span).
            Some(b)
                if now.div_euclid(BUCKET_MS) == b.last.div_euclid(BUCKET_MS) && now >= b.last =>
            {
                b.last = now;
                b.hits += 1;
            }
            _ => w.buckets.push_back(Bucket { last: now, hits: 1 }),
        }
        Ok(())
    }
}

impl RateLimiter {
    /// Whether `key` already has `limit` hits in the last minute at `endpoint`, without counting
    /// one (for limits on failures: ask first, count only a failure with [`Self::check`]).
    pub fn is_over(&self, key: &str, endpoint: &'static str, limit: u32, now: i64) -> bool {
        let key = held_key(key);
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let Some(w) = map.get_mut(endpoint).and_then(|k| k.peek_mut(key.as_ref())) else {
            return false;
        };
        w.expire(now);
        w.held >= u64::from(limit)
    }
}

#[cfg(test)]
impl RateLimiter {
    /// Keys held across all endpoints, and the bytes of those keys.
    fn footprint(&self) -> (usize, usize) {
        let map = self.windows.lock().unwrap();
        map.values()
            .flat_map(|keys| keys.iter())
            .fold((0, 0), |(n, b), (k, _)| (n + 1, b + k.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhausted_reads_without_recording() {
        let r = RateLimiter::default();
        assert!(
            r.exhausted("k", "fail", 2, 1000).is_ok(),
            "nothing recorded yet"
        );
        for _ in 0..5 {
            assert!(
                r.exhausted("k", "fail", 2, 1000).is_ok(),
                "reading records nothing"
            );
        }
        let _ = r.check("k", "fail", 2, 1000);
        let _ = r.check("k", "fail", 2, 1100);
        let wait = r.exhausted("k", "fail", 2, 1200).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(r.exhausted("other", "fail", 2, 1200).is_ok());
        assert!(
            r.exhausted("k", "fail", 2, 61_100).is_ok(),
            "a minute later"
        );
    }

    #[test]
    fn sliding_window() {
        let r = RateLimiter::default();
        for i in 0..6 {
            assert!(r.check("t", "init", 6, 1000 + i).is_ok());
        }
        let wait = r.check("t", "init", 6, 2000).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(r.check("other", "init", 6, 2000).is_ok(), "per token");
        assert!(r.check("t", "status", 6, 2000).is_ok(), "per endpoint");
        // The six hits share a 10 ms bucket stamped with the last (1005): all are held until a
        // minute after it, a few ms past the first one's minute, never less.
        assert!(r.check("t", "init", 6, 61_004).is_err(), "held a minute");
        assert!(r.check("t", "init", 6, 61_005).is_ok(), "the window slides");
    }

    #[test]
    fn a_window_never_lets_more_than_the_limit_through_in_any_minute() {
        // Hits every 3 ms against a limit of 1,000: whatever the bucketing, no 60 s span may
        // hold more than 1,000 accepted hits.
        let r = RateLimiter::default();
        let mut accepted = Vec::new();
        for i in 0..100_000i64 {
            let now = 1_000_000 + i * 3;
            if r.check("t", "status", 1_000, now).is_ok() {
                accepted.push(now);
            }
        }
        assert!(
            accepted.len() > 4_000,
            "the window slides: {}",
            accepted.len()
        );
        // Two pointers: `end` is the first hit a minute or more after hit `i`.
        let mut end = 0;
        for (i, t) in accepted.iter().enumerate() {
            while end < accepted.len() && accepted[end] - t < 60_000 {
                end += 1;
            }
            assert!(end - i <= 1_000, "{} hits in the minute from {t}", end - i);
        }
    }

    #[test]
    fn a_window_holds_bounded_memory_whatever_the_limit() {
        let r = RateLimiter::default();
        for i in 0..200_000i64 {
            assert!(r.check("t", "creator_info", u32::MAX, i).is_ok());
        }
        let map = r.windows.lock().unwrap();
        let buckets = map["creator_info"].peek("t").unwrap().buckets.len();
        assert!(buckets <= 6_001, "{buckets} buckets for one window");
    }

    #[test]
    fn distinct_long_keys_cannot_grow_the_limiter_without_bound() {
        // An attacker's unique, kilobyte-long account names, each refused or not: the limiter
        // keeps a bounded number of fixed-size keys.
        let r = RateLimiter::default();
        let long = "x".repeat(1000);
        for i in 0..150_000i64 {
            let _ = r.check(&format!("{long}{i}"), "web_signin", 10, 1_000 + i / 1000);
        }
        let (keys, bytes) = r.footprint();
        assert!(keys <= MAX_KEYS_PER_ENDPOINT, "{keys} keys held");
        assert!(bytes <= keys * 64, "{bytes} bytes of keys for {keys} keys");
    }
}
