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
pub mod adlib;
pub mod apps;
mod cache;
pub mod calls;
pub mod compliance;
pub mod creators;
mod dynamic;
pub mod jobs;
pub mod lists;
pub mod migrate;
pub mod moderation;
pub mod oauth;
pub mod portability;
pub mod posts;
pub mod publishes;
pub mod qr;
pub mod rate;
pub mod read;
pub mod renditions;
pub mod seed;
pub mod seed_lists;
pub mod settings;
pub mod shop;
pub mod snapshot;
pub mod tts;
pub mod web;
pub mod webhooks;
pub mod writer;

#[cfg(test)]
pub(crate) mod test_support {
    /// A fresh, empty PostgreSQL database named `{prefix}_{pid}` on the server of
    /// `REELBOX_TEST_DATABASE_URL`, or `None` when no PostgreSQL is configured.
    pub async fn fresh_postgres(prefix: &str) -> Option<String> {
        use sqlx::Connection;
        let base = std::env::var("REELBOX_TEST_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))?;
        let name = format!("{prefix}_{}", std::process::id());
        let mut admin = sqlx::postgres::PgConnection::connect(&base)
            .await
            .expect("reachable");
        for stmt in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(stmt))
                .execute(&mut admin)
                .await
                .expect("database");
        }
        let i = base.rfind('/').expect("a database URL");
        Some(format!("{}/{name}", &base[..i]))
    }

    /// Drops a database made by [`fresh_postgres`] (its store closed first).
    pub async fn drop_postgres(url: &str) {
        use sqlx::Connection;
        let (Ok(base), Some((_, name))) = (
            std::env::var("REELBOX_TEST_DATABASE_URL"),
            url.rsplit_once('/'),
        ) else {
            return;
        };
        if let Ok(mut admin) = sqlx::postgres::PgConnection::connect(&base).await {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await;
        }
    }
}

use std::sync::Arc;
use std::time::Duration;

use cache::{LookupCache, UsageCache};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
pub use writer::{Writer, WriterConn, WriterStats};

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
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Conflict;
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
    pub writer: Writer,
    pub backend: Backend,
    /// Tokens, grants, apps and creators as every authenticated request reads them.
    pub(crate) cache: Arc<LookupCache>,
    /// creator_info's view of the posting caps.
    pub(crate) usage: Arc<UsageCache>,
    /// The call log's database: on SQLite a file of its own beside the main one (its stream of
    /// small writes then never queues behind, or holds up, the main single writer); on
    /// PostgreSQL the main database, which every node shares.
    pub(crate) log: LogDb,
}

#[derive(Clone)]
pub(crate) struct LogDb {
    pub(crate) pool: AnyPool,
    pub(crate) writer: AnyPool,
    /// True when it is not the main database.
    pub(crate) separate: bool,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");
static SQLITE_CALL_LOG_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("../../migrations/sqlite-calls");

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
                // Reads, writes and the call log use connections of their own, which an
                // in-memory database (one per connection) cannot share.
                let Some(log_url) = call_log_url(url) else {
                    return Err(StoreError::BadUrl(format!(
                        "{url}: SQLite needs a database file"
                    )));
                };
                for file in [url, log_url.as_str()] {
                    make_sqlite_file_private(file)
                        .map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
                }
                let url = sqlite_url_with_create(url);
                let log_url = sqlite_url_with_create(&log_url);
                // Durability is promised for acknowledged chunks: WAL with FULL sync.
                let writer = Writer::sqlite(&url, MAIN_PRAGMAS).await?;
                let pool = sqlite_pool(&url, 8, MAIN_PRAGMAS).await?;
                let log = LogDb::open_sqlite(&log_url).await?;
                Store {
                    pool,
                    writer,
                    backend,
                    cache: Arc::new(LookupCache::new(Backend::Sqlite.default_cache_ttl())),
                    usage: Arc::default(),
                    log,
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await?;
                Store {
                    log: LogDb {
                        pool: pool.clone(),
                        writer: pool.clone(),
                        separate: false,
                    },
                    pool: pool.clone(),
                    writer: Writer::pool(pool),
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
            Backend::Sqlite => {
                SQLITE_MIGRATIONS
                    .run(&mut *self.writer.acquire().await?)
                    .await?
            }
            Backend::Postgres => {
                POSTGRES_MIGRATIONS
                    .run(&mut *self.writer.acquire().await?)
                    .await?
            }
        }
        if self.log.separate {
            SQLITE_CALL_LOG_MIGRATIONS.run(&self.log.writer).await?;
        }
        self.convert_legacy_call_log().await?;
        self.move_research_usage().await?;
        Ok(())
    }

    /// `PRAGMA integrity_check` on SQLite (the main database and the call log's); a trivial
    /// query on PostgreSQL.
    pub async fn integrity_check(&self) -> Result<bool> {
        match self.backend {
            Backend::Sqlite => {
                let mut ok = true;
                let main: (String,) = sqlx::query_as("PRAGMA integrity_check")
                    .fetch_one(&mut *self.writer.acquire().await?)
                    .await?;
                let log: (String,) = sqlx::query_as("PRAGMA integrity_check")
                    .fetch_one(&self.log.writer)
                    .await?;
                ok &= main.0 == "ok" && log.0 == "ok";
                Ok(ok)
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
        self.log.writer.close().await;
        self.log.pool.close().await;
        self.writer.close().await;
        self.pool.close().await;
    }
}

impl LogDb {
    async fn open_sqlite(url: &str) -> Result<LogDb> {
        let writer = sqlite_pool(url, 1, CALL_LOG_PRAGMAS).await?;
        let pool = sqlite_pool(url, 2, CALL_LOG_PRAGMAS).await?;
        Ok(LogDb {
            pool,
            writer,
            separate: true,
        })
    }
}

/// The call log is an inspection record, not an acknowledgement: WAL without a sync per commit
/// (a process crash loses nothing committed; a power cut may lose the last moments), and the
/// statement journal in memory.
const CALL_LOG_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA temp_store=MEMORY;";

const MAIN_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";

/// A pool of at most `max` connections to a SQLite file, each set up with `pragmas` first.
/// Connections are not pinged before each use (sqlx's default): a SQLite connection is a file
/// handle on a thread of its own that cannot go stale, and the ping is one more round trip to that
/// thread per statement; on the single writer it lengthened every write transaction.
async fn sqlite_pool(url: &str, max: u32, pragmas: &'static str) -> Result<AnyPool> {
    Ok(AnyPoolOptions::new()
        .max_connections(max)
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |c, _| Box::pin(async move { c.execute(pragmas).await.map(|_| ()) }))
        .connect(url)
        .await?)
}

/// The URL of the call log's own file beside a SQLite database file (`reelbox.db` →
/// `reelbox-calls.db`, same options); `None` for an in-memory database or another engine.
pub fn call_log_url(url: &str) -> Option<String> {
    let (slashes, path, query) = sqlite_url_parts(url)?;
    let p = std::path::Path::new(path);
    let stem = p.file_stem()?.to_str()?;
    let name = match p.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-calls.{ext}"),
        None => format!("{stem}-calls.db"),
    };
    let log_path = p.with_file_name(name);
    Some(match query {
        Some(q) => format!("sqlite:{slashes}{}?{q}", log_path.display()),
        None => format!("sqlite:{slashes}{}", log_path.display()),
    })
}

/// The `//` (or nothing), the file path and the query of a SQLite URL that names a file.
fn sqlite_url_parts(url: &str) -> Option<(&str, &str, Option<&str>)> {
    let rest = url.strip_prefix("sqlite:")?;
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let (slashes, path) = match path.strip_prefix("//") {
        Some(p) => ("//", p),
        None => ("", path),
    };
    if path.is_empty() || path == ":memory:" || query.is_some_and(|q| q.contains("mode=memory")) {
        return None;
    }
    Some((slashes, path, query))
}

/// Makes the database file of a SQLite URL private to this user (0600), creating it empty (a
/// new database to SQLite) when missing: it holds password hashes and private posts. SQLite gives
/// its `-wal` and `-shm` files the database's mode; ones left by an older version are narrowed too.
fn make_sqlite_file_private(url: &str) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let Some((_, path, query)) = sqlite_url_parts(url) else {
        return Ok(());
    };
    let private = std::fs::Permissions::from_mode(0o600);
    if query.is_some_and(|q| q.contains("mode=ro")) && !std::path::Path::new(path).exists() {
        // Read-only: SQLite answers the missing file itself.
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    std::fs::set_permissions(path, private.clone())?;
    for suffix in ["-wal", "-shm"] {
        let side = format!("{path}{suffix}");
        if std::path::Path::new(&side).exists() {
            std::fs::set_permissions(&side, private.clone())?;
        }
    }
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
