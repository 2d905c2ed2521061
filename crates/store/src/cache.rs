//! Read-through cache of the rows every authenticated request reads: tokens, grants, apps and
//! creators. They change rarely and are read on every call, so the hot path of the API stays off
//! the database.
//!
//! Correctness rests on two rules:
//! - every write of those tables through this [`Store`](crate::Store) empties the cache after its
//!   commit, so this node never serves a row older than its own last write;
//! - every entry carries the write generation current when its read began, and only entries of the
//!   current generation are served, so a read racing a write cannot put the old row back.
//!
//! Writes made by other nodes (PostgreSQL deployments) are seen once an entry is older than the
//! time to live, which is why it is short there and configurable. Hand-written rather than a cache
//! crate: those two rules are the whole of it and neither is a crate's default.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::apps::App;
use crate::creators::Creator;
use crate::oauth::{GrantRow, Token};
use crate::publishes::UsageCounts;

/// Entries per table before the table is emptied (a bound on memory, not an eviction policy).
const MAX_ENTRIES: usize = 50_000;

pub(crate) struct LookupCache {
    ttl_ms: AtomicU64,
    generation: AtomicU64,
    pub(crate) tokens: Table<Token>,
    pub(crate) grants: Table<GrantRow>,
    pub(crate) apps: Table<App>,
    pub(crate) creators: Table<Creator>,
}

/// Rows are shared (`Arc`): a hit costs a reference count, not a copy of every string in the
/// row. Keys are token hashes and ids; foldhash with a per-process seed hashes them.
pub(crate) struct Table<T>(Mutex<HashMap<String, Entry<T>, foldhash::fast::RandomState>>);

struct Entry<T> {
    read_at: Instant,
    generation: u64,
    value: Arc<T>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table(Mutex::new(HashMap::default()))
    }
}

impl<T> Table<T> {
    fn get(&self, key: &str, generation: u64, ttl: Duration) -> Option<Arc<T>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|e| e.generation == generation && e.read_at.elapsed() < ttl)
            .map(|e| e.value.clone())
    }

    fn put(&self, key: &str, generation: u64, read_at: Instant, value: Arc<T>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        let entry = Entry {
            read_at,
            generation,
            value,
        };
        map.insert(key.to_string(), entry);
    }

    fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl LookupCache {
    pub(crate) fn new(ttl: Duration) -> LookupCache {
        LookupCache {
            ttl_ms: AtomicU64::new(ttl.as_millis() as u64),
            generation: AtomicU64::new(0),
            tokens: Table::default(),
            grants: Table::default(),
            apps: Table::default(),
            creators: Table::default(),
        }
    }

    pub(crate) fn set_ttl(&self, ttl: Duration) {
        self.ttl_ms.store(ttl.as_millis() as u64, Ordering::Relaxed);
        self.invalidate();
    }

    pub(crate) fn ttl(&self) -> Option<Duration> {
        match self.ttl_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// After a committed write of any cached table. Bumping the generation is what makes every
    /// entry stale; clearing only frees the memory.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.tokens.clear();
        self.grants.clear();
        self.apps.clear();
        self.creators.clear();
    }

    /// The cached row, or `load`'s answer (kept when it is a row and no write intervened).
    pub(crate) async fn through<T, F, Fut, E>(
        &self,
        table: &Table<T>,
        key: &str,
        load: F,
    ) -> Result<Option<Arc<T>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
    {
        let Some(ttl) = self.ttl() else {
            return Ok(load().await?.map(Arc::new));
        };
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some(v) = table.get(key, generation, ttl) {
            return Ok(Some(v));
        }
        let read_at = Instant::now();
        let row = load().await?.map(Arc::new);
        if let Some(v) = &row {
            table.put(key, generation, read_at, v.clone());
        }
        Ok(row)
    }
}

/// The counts behind the posting caps as creator_info last read them, per (creator, app). Only
/// creator_info reads from here (the init endpoints count inside their transaction); an entry
/// lives while no publish was created or moved through this store since it was read and it is
/// younger than its time to live on the server clock, so a moved clock expires it too.
/// Keyed by creator, then app, so a lookup borrows both ids instead of building a key.
#[derive(Default)]
pub(crate) struct UsageCache {
    generation: AtomicU64,
    map: Mutex<UsageMap>,
}

type UsageMap = HashMap<
    String,
    HashMap<String, UsageEntry, foldhash::fast::RandomState>,
    foldhash::fast::RandomState,
>;

struct UsageEntry {
    generation: u64,
    read_at_ms: i64,
    counts: UsageCounts,
}

impl UsageCache {
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn get(
        &self,
        creator_id: &str,
        client_key: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Option<UsageCounts> {
        let generation = self.generation();
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(creator_id)
            .and_then(|apps| apps.get(client_key))
            .filter(|e| {
                e.generation == generation
                    && now_ms >= e.read_at_ms
                    && now_ms - e.read_at_ms < ttl_ms
            })
            .map(|e| e.counts)
    }

    /// Keeps `counts`, read when the generation was `generation` and the server clock `now_ms`.
    pub(crate) fn put(
        &self,
        creator_id: &str,
        client_key: &str,
        generation: u64,
        now_ms: i64,
        counts: UsageCounts,
    ) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        let entry = UsageEntry {
            generation,
            read_at_ms: now_ms,
            counts,
        };
        map.entry(creator_id.to_string())
            .or_default()
            .insert(client_key.to_string(), entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_table() -> (LookupCache, Table<String>) {
        (LookupCache::new(Duration::from_secs(60)), Table::default())
    }

    async fn load(v: &str) -> Result<Option<String>, ()> {
        Ok(Some(v.to_string()))
    }

    /// The row a lookup served, unshared for comparison.
    fn row(r: Result<Option<Arc<String>>, ()>) -> Result<Option<String>, ()> {
        r.map(|o| o.map(|a| a.as_str().to_string()))
    }

    #[tokio::test]
    async fn serves_the_first_read_until_a_write() {
        let (c, t) = key_table();
        assert_eq!(
            row(c.through(&t, "k", || load("a")).await),
            Ok(Some("a".into()))
        );
        assert_eq!(
            row(c.through(&t, "k", || load("b")).await),
            Ok(Some("a".into()))
        );
        c.invalidate();
        assert_eq!(
            row(c.through(&t, "k", || load("b")).await),
            Ok(Some("b".into()))
        );
    }

    #[tokio::test]
    async fn a_read_racing_a_write_is_not_kept() {
        let (c, t) = key_table();
        let v = c
            .through(&t, "k", || async {
                c.invalidate(); // the write commits while the old row is in flight
                Ok::<_, ()>(Some("old".to_string()))
            })
            .await;
        assert_eq!(row(v), Ok(Some("old".into())));
        assert_eq!(
            row(c.through(&t, "k", || load("new")).await),
            Ok(Some("new".into()))
        );
    }

    #[tokio::test]
    async fn missing_rows_and_zero_ttl_are_not_cached() {
        let (c, t) = key_table();
        assert_eq!(
            row(c.through(&t, "k", || async { Ok::<_, ()>(None) }).await),
            Ok(None)
        );
        assert_eq!(
            row(c.through(&t, "k", || load("a")).await),
            Ok(Some("a".into()))
        );
        c.set_ttl(Duration::ZERO);
        assert_eq!(
            row(c.through(&t, "k", || load("b")).await),
            Ok(Some("b".into()))
        );
        assert_eq!(
            row(c.through(&t, "k", || load("c")).await),
            Ok(Some("c".into()))
        );
    }

    #[test]
    fn usage_counts_live_until_a_publish_changes_or_the_clock_moves_on() {
        let u = UsageCache::default();
        let counts = UsageCounts {
            creator_posts: 3,
            app_active_creators: 1,
            creator_already_active: true,
            pending_shares: 0,
        };
        u.put("c", "app", u.generation(), 1_000, counts);
        assert_eq!(u.get("c", "app", 1_500, 1_000), Some(counts));
        assert_eq!(u.get("c", "other", 1_500, 1_000), None);
        assert_eq!(u.get("c", "app", 2_000, 1_000), None, "older than the ttl");
        assert_eq!(u.get("c", "app", 999, 1_000), None, "the clock went back");
        // A read that began before a change is not served after it.
        let before = u.generation();
        u.changed();
        u.put("c", "app", before, 1_000, counts);
        assert_eq!(u.get("c", "app", 1_100, 1_000), None);
    }

    #[tokio::test]
    async fn entries_expire_after_the_ttl() {
        let c = LookupCache::new(Duration::from_millis(30));
        let t = Table::default();
        assert_eq!(
            row(c.through(&t, "k", || load("a")).await),
            Ok(Some("a".into()))
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(
            row(c.through(&t, "k", || load("b")).await),
            Ok(Some("b".into()))
        );
    }
}
