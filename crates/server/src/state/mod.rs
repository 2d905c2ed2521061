//! What every handler shares: configuration, store, blobs, the clock, keys.
pub mod calllog;
pub mod outbound;
pub mod research_tally;

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};

use reelbox_core::clock::{Clock, MovableClock, MovableState};
use reelbox_core::secrets;
use reelbox_media::blob::BlobStore;
use reelbox_store::Store;
use tokio::sync::Notify;

use crate::config::{Config, Mode};
use outbound::Outbound;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

pub struct Inner {
    pub cfg: Config,
    pub store: Store,
    pub clock: Arc<MovableClock>,
    pub blobs: Arc<dyn BlobStore>,
    pub master_key: Vec<u8>,
    pub admin_token_hash: String,
    pub rate: RateLimiter,
    pub outbound: Outbound,
    /// Wakes the background worker when new work is queued.
    pub work: Notify,
    pub faults: crate::sandbox::faults::Faults,
    pub calls: calllog::CallLog,
    /// Research quota counts not yet written.
    pub research_tally: research_tally::ResearchTally,
    /// When the call log was last pruned (server time).
    pub last_prune: std::sync::atomic::AtomicI64,
    pub public_url: String,
    /// Chunk PUTs in flight per publisher (`limits.max_concurrent_uploads_per_token`).
    pub uploads: Arc<crate::http::limits::UploadSlots>,
}

impl Inner {
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn sandbox(&self) -> bool {
        self.cfg.mode == Mode::Sandbox
    }

    /// An app's client secret, derived from the master key (only its hash is stored).
    pub fn client_secret(&self, client_key: &str, generation: i64) -> String {
        secrets::derive_client_secret(&self.master_key, client_key, generation)
    }

    /// Per-token, per-endpoint sliding-minute limit; in the database when nodes share the work.
    /// `Err(seconds to wait)` when over the limit.
    pub async fn rate_check(
        &self,
        key: &str,
        endpoint: &'static str,
        limit: u32,
    ) -> Result<(), u64> {
        let shared = self
            .cfg
            .limits
            .shared_rate_limits
            .unwrap_or(self.store.backend == reelbox_store::Backend::Postgres);
        let now = self.now();
        if !shared {
            return self.rate.check(key, endpoint, limit, now);
        }
        match self
            .store
            .rate_hit(&format!("{endpoint}:{key}"), limit, 60_000, now)
            .await
        {
            Ok(None) => Ok(()),
            Ok(Some(ms)) => Err((ms as u64).div_ceil(1000).max(1)),
            Err(e) => {
                // Failing open keeps the API up when the limiter's table is unavailable.
                tracing::warn!(error = %e, "shared rate limit unavailable; falling back to this node's window");
                self.rate.check(key, endpoint, limit, now)
            }
        }
    }

    /// Persists the clock so that every node (and a restart) sees the same time.
    pub async fn save_clock(&self) -> anyhow::Result<()> {
        let s = self.clock.state();
        let v = serde_json::json!({"offset_ms": s.offset_ms, "frozen_at": s.frozen_at});
        self.store.put_setting("clock", &v.to_string()).await?;
        Ok(())
    }

    /// Loads the shared clock state written by any node.
    pub async fn load_clock(&self) -> anyhow::Result<()> {
        if self.cfg.mode == Mode::Production {
            self.clock.set_state(MovableState::default());
            return Ok(());
        }
        if let Some(v) = self.store.setting("clock").await? {
            let j: serde_json::Value = serde_json::from_str(&v)?;
            self.clock.set_state(MovableState {
                offset_ms: j["offset_ms"].as_i64().unwrap_or(0),
                frozen_at: j["frozen_at"].as_i64(),
            });
        }
        Ok(())
    }
}

/// Per-token, per-endpoint sliding one-minute windows, read against the shared clock.
///
/// A window keeps its hits in 10 ms buckets, each stamped with its latest hit and expiring a minute
/// after it: a hit is held at most 10 ms longer than an exact log would hold it (never less, so the
/// limit is never exceeded), and a window holds at most 6,000 buckets whatever the limit. A log of
/// every hit grew with the limit: at the load test's raised limits, by millions of entries a minute.
#[derive(Default)]
pub struct RateLimiter {
    /// endpoint → key → buckets, oldest first. Looked up by `&str`, so a hit allocates nothing.
    windows: Mutex<HashMap<&'static str, HashMap<String, Window>>>,
}

#[derive(Default)]
struct Window {
    /// Oldest first.
    buckets: VecDeque<Bucket>,
    /// The hits in `buckets`, kept as they come and go rather than summed per call.
    held: u64,
}

#[derive(Clone, Copy)]
struct Bucket {
    /// The latest hit in the bucket (ms).
    last: i64,
    hits: u32,
}

const WINDOW_MS: i64 = 60_000;
const BUCKET_MS: i64 = 10;
/// Keys per endpoint before idle windows are swept out.
const SWEEP_AT: usize = 100_000;

impl RateLimiter {
    /// Records a call and says whether it is within `limit` per minute; when not, how many
    /// seconds until a slot frees.
    pub fn check(
        &self,
        key: &str,
        endpoint: &'static str,
        limit: u32,
        now: i64,
    ) -> Result<(), u64> {
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let keys = map.entry(endpoint).or_default();
        if keys.len() > SWEEP_AT {
            keys.retain(|_, w| w.buckets.back().is_some_and(|b| now - b.last < WINDOW_MS));
        }
        let w = match keys.get_mut(key) {
            Some(w) => w,
            None => keys.entry(key.to_string()).or_default(),
        };
        while let Some(b) = w.buckets.front().filter(|b| now - b.last >= WINDOW_MS) {
            w.held -= u64::from(b.hits);
            w.buckets.pop_front();
        }
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

/// Reads or creates a secret file with mode 0600.
pub fn read_or_create_secret(
    path: &Path,
    make: impl FnOnce() -> String,
) -> std::io::Result<(String, bool)> {
    if let Ok(s) = std::fs::read_to_string(path) {
        let s = s.trim().to_string();
        if !s.is_empty() {
            return Ok((s, false));
        }
    }
    let value = make();
    write_private(path, &value)?;
    Ok((value, true))
}

pub fn write_private(path: &Path, value: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(path)?;
    f.write_all(value.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window() {
        let r = RateLimiter::default();
        for i in 0..6 {
            assert!(r.check("t", "init", 6, 1000 + i).is_ok());
        }
        let wait = r.check("t", "init", 6, 2000).unwrap_err();
        assert!(wait >= 1 && wait <= 60);
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
        let buckets = map["creator_info"]["t"].buckets.len();
        assert!(buckets <= 6_001, "{buckets} buckets for one window");
    }
}
