//! Persistence for reelbox. One SQL dialect subset runs on SQLite and PostgreSQL through sqlx's
//! `Any` driver (`$N` parameters, BIGINT flags and epoch-millisecond times, JSON as TEXT); the few
//! engine-specific statements sit behind [`Backend`]. On SQLite every write goes through a single
//! writer connection, so write transactions never race for the lock; reads use a pool.

/// A query string assembled from constant pieces (column lists, engine-specific suffixes): never
/// from user input, which is always bound as a parameter.
macro_rules! sql {
    ($($t:tt)*) => { sqlx::AssertSqlSafe(format!($($t)*)) };
}

pub mod activity;
pub mod apps;
mod cache;
pub mod calls;
pub mod creators;
pub mod jobs;
pub mod lists;
pub mod migrate;
pub mod oauth;
pub mod posts;
pub mod publishes;
pub mod rate;
pub mod read;
pub mod seed;
pub mod seed_lists;
pub mod settings;
pub mod shop;
pub mod tts;
pub mod web;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use cache::{LookupCache, UsageCache};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

pub use sqlx;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unique constraint violated")]
    Conflict,
    #[error("bad stored data: {0}")]
    Corrupt(String),
    #[error("unsupported database URL: {0}")]
    BadUrl(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Maps unique violations to [`StoreError::Conflict`] so callers can answer "already exists".
pub(crate) fn conflict(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return StoreError::Conflict;
        }
    }
    StoreError::Db(e)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Row lock for read-modify-write transactions; SQLite's single writer already serialises them.
    pub fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }
    /// How long a cached token, grant, app or creator may be served. This node's own writes empty
    /// the cache at once; the time to live bounds how long another node's write goes unseen, and
    /// only PostgreSQL has other nodes.
    pub fn default_cache_ttl(self) -> Duration {
        match self {
            Backend::Sqlite => Duration::from_secs(60),
            Backend::Postgres => Duration::from_secs(1),
        }
    }
    /// Claiming queued work exactly once across nodes.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

#[derive(Clone)]
pub struct Store {
    /// Reads.
    pub pool: AnyPool,
    /// Writes (one connection on SQLite).
    pub writer: AnyPool,
    pub backend: Backend,
    /// Tokens, grants, apps and creators as every authenticated request reads them.
    pub(crate) cache: Arc<LookupCache>,
    /// creator_info's view of the posting caps.
    pub(crate) usage: Arc<UsageCache>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Store {
    /// Opens (creating when needed) and migrates the database at `url`
    /// (`sqlite:///path/reelbox.db` or `postgres://…`).
    pub async fn open(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let store = match backend {
            Backend::Sqlite => {
                let url = sqlite_url_with_create(url);
                // Durability is promised for acknowledged chunks: WAL with FULL sync.
                let writer = AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|c, _| Box::pin(sqlite_setup(c)))
                    .connect(&url)
                    .await?;
                let pool = AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|c, _| Box::pin(sqlite_setup(c)))
                    .connect(&url)
                    .await?;
                Store {
                    pool,
                    writer,
                    backend,
                    cache: Arc::new(LookupCache::new(Backend::Sqlite.default_cache_ttl())),
                    usage: Arc::default(),
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await?;
                Store {
                    pool: pool.clone(),
                    writer: pool,
                    backend,
                    cache: Arc::new(LookupCache::new(Backend::Postgres.default_cache_ttl())),
                    usage: Arc::default(),
                }
            }
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Overrides [`Backend::default_cache_ttl`]; zero turns the cache off.
    pub fn set_lookup_cache_ttl(&self, ttl: Duration) {
        self.cache.set_ttl(ttl);
    }

    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.writer).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.writer).await?,
        }
        Ok(())
    }

    /// `PRAGMA integrity_check` on SQLite; a trivial query on PostgreSQL.
    pub async fn integrity_check(&self) -> Result<bool> {
        match self.backend {
            Backend::Sqlite => {
                let r: (String,) = sqlx::query_as("PRAGMA integrity_check")
                    .fetch_one(&self.writer)
                    .await?;
                Ok(r.0 == "ok")
            }
            Backend::Postgres => {
                let r: (i64,) = sqlx::query_as("SELECT CAST(1 AS BIGINT)")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(r.0 == 1)
            }
        }
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

async fn sqlite_setup(conn: &mut sqlx::AnyConnection) -> std::result::Result<(), sqlx::Error> {
    conn.execute(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;",
    )
    .await?;
    Ok(())
}

fn sqlite_url_with_create(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// JSON list helpers for TEXT columns.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{e}: {s}")))
}

pub(crate) fn flag(v: i64) -> bool {
    v != 0
}

/// A SQLite URL for a file path.
pub fn sqlite_url_for(path: &std::path::Path) -> String {
    format!("sqlite://{}", path.display())
}
