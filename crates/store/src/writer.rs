//! The connection every write goes through. On PostgreSQL it is the pool: connections and nodes
//! write concurrently and the database orders them. On SQLite it is one connection behind a fair
//! async lock, handed from one write to the next with nothing in between. sqlx's pool (with one
//! connection) returned it through a spawned task that pinged SQLite's thread before the next
//! waiter could have it: a task and a round trip on every hand-over, which every write of the node
//! queued behind.
//!
//! Each writer counts the writes waiting for it and how long each waited ([`WriterStats`]), the
//! first sign that a SQLite node is write-bound.
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::{Duration, Instant};

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;

use sqlx::AnyConnection;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

/// How long a write waits for the SQLite connection before it fails (as the pool's acquire did).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Writer {
    conn: Conn,
    stats: WriterStats,
}

#[derive(Clone)]
enum Conn {
    Pool(AnyPool),
    /// `None` once closed.
    Single(Arc<Mutex<Option<AnyConnection>>>),
}

/// Writes waiting for the writer now, and how long each write waited for it. Shared handles:
/// the metrics registry holds clones.
#[derive(Clone, Debug)]
pub struct WriterStats {
    pub waiting: Gauge,
    pub wait_seconds: Histogram,
}

/// Wait buckets, seconds: a free writer answers in microseconds, a busy SQLite one in
/// milliseconds; the acquire gives up at 30 s.
const WAIT_BUCKETS: [f64; 12] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1, 1.0, 10.0,
];

impl Default for WriterStats {
    fn default() -> Self {
        WriterStats {
            waiting: Gauge::default(),
            wait_seconds: Histogram::new(WAIT_BUCKETS),
        }
    }
}

/// Counts a write as waiting until dropped (a cancelled wait included).
struct Waiting<'a>(&'a Gauge);

impl<'a> Waiting<'a> {
    fn enter(g: &'a Gauge) -> Self {
        g.inc();
        Waiting(g)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The writer's connection for one write (a statement or a transaction).
pub enum WriterConn {
    Pool(PoolConnection<Any>),
    /// The lock's guard, narrowed to the open connection.
    Single(OwnedMappedMutexGuard<Option<AnyConnection>, AnyConnection>),
}

impl Writer {
    /// One connection to the SQLite file at `url`, set up with `pragmas`.
    pub(crate) async fn sqlite(url: &str, pragmas: &'static str) -> sqlx::Result<Writer> {
        let mut conn = AnyConnection::connect(url).await?;
        conn.execute(pragmas).await?;
        Ok(Writer {
            conn: Conn::Single(Arc::new(Mutex::new(Some(conn)))),
            stats: WriterStats::default(),
        })
    }

    /// Writes through `pool` (PostgreSQL, or a SQLite pool of its own).
    pub fn pool(pool: AnyPool) -> Writer {
        Writer {
            conn: Conn::Pool(pool),
            stats: WriterStats::default(),
        }
    }

    /// The queue and wait figures of this writer.
    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Waits for the writer (in arrival order on SQLite).
    pub async fn acquire(&self) -> crate::Result<WriterConn> {
        let started = Instant::now();
        let waiting = Waiting::enter(&self.stats.waiting);
        let conn = match &self.conn {
            Conn::Pool(pool) => WriterConn::Pool(pool.acquire().await?),
            Conn::Single(conn) => {
                let guard = tokio::time::timeout(ACQUIRE_TIMEOUT, conn.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                let open = OwnedMutexGuard::try_map(guard, Option::as_mut)
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                WriterConn::Single(open)
            }
        };
        drop(waiting);
        self.stats
            .wait_seconds
            .observe(started.elapsed().as_secs_f64());
        Ok(conn)
    }

    /// Closes the connection once the writes holding it are done.
    pub async fn close(&self) {
        match &self.conn {
            Conn::Pool(pool) => pool.close().await,
            Conn::Single(conn) => {
                if let Some(c) = conn.lock().await.take() {
                    let _ = c.close().await;
                }
            }
        }
    }
}

impl WriterConn {
    /// A transaction on this connection; the connection stays held until it is dropped.
    pub async fn begin(&mut self) -> crate::Result<Transaction<'_, Any>> {
        Ok(Connection::begin(&mut **self).await?)
    }
}

impl Deref for WriterConn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            WriterConn::Pool(c) => c,
            WriterConn::Single(c) => c,
        }
    }
}

impl DerefMut for WriterConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriterConn::Pool(c) => c,
            WriterConn::Single(c) => c,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    /// A store on a SQLite file in a directory of its own (kept as long as the `TempDir`).
    async fn sqlite_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::sqlite_url_for(&dir.path().join("w.db")))
            .await
            .unwrap();
        (dir, store)
    }

    async fn count(store: &Store) -> i64 {
        let (n,): (i64,) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM settings")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        n
    }

    #[tokio::test]
    async fn a_write_abandoned_midway_is_rolled_back_before_the_next_one() {
        let (_dir, store) = sqlite_store().await;
        let before = count(&store).await;
        // A request that goes away inside its transaction (its future dropped, as hyper drops
        // a handler whose client disconnected): nothing of it may stay.
        let abandoned = async {
            let mut conn = store.writer.acquire().await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            sqlx::query("INSERT INTO settings (key, value) VALUES ('abandoned', '1')")
                .execute(&mut *tx)
                .await
                .unwrap();
            std::future::pending::<()>().await;
        };
        let _ = tokio::time::timeout(std::time::Duration::from_millis(50), abandoned).await;
        // The next write gets the connection, outside any transaction, and commits alone.
        store.put_setting("next", "2").await.unwrap();
        assert_eq!(store.setting("abandoned").await.unwrap(), None);
        assert_eq!(store.setting("next").await.unwrap().as_deref(), Some("2"));
        assert_eq!(count(&store).await, before + 1);
        store.close().await;
        assert!(matches!(
            store.writer.acquire().await,
            Err(crate::StoreError::Db(sqlx::Error::PoolClosed))
        ));
    }

    #[tokio::test]
    async fn a_write_waiting_for_the_writer_is_counted_until_it_has_it() {
        let (_dir, store) = sqlite_store().await;
        let stats = store.writer.stats().clone();
        let held = store.writer.acquire().await.unwrap();
        let waiter = {
            let store = store.clone();
            tokio::spawn(async move { store.put_setting("queued", "1").await })
        };
        while stats.waiting.get() == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(stats.waiting.get(), 1);
        drop(held);
        waiter.await.unwrap().unwrap();
        assert_eq!(stats.waiting.get(), 0);
        store.close().await;
    }

    #[tokio::test]
    async fn writes_wait_their_turn_and_all_land() {
        let (_dir, store) = sqlite_store().await;
        let before = count(&store).await;
        let writes: Vec<_> = (0..200)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { store.put_setting(&format!("k{i}"), "v").await })
            })
            .collect();
        for w in writes {
            w.await.unwrap().unwrap();
        }
        assert_eq!(count(&store).await, before + 200);
        store.close().await;
    }
}
