//! The research API's daily quota counts, kept in memory and written every few hundred
//! milliseconds in one transaction: a counter bump per request would otherwise take the main
//! database's single writer (and a sync) for every research call. The quota check adds what is
//! not yet written, so one node never lets a client past its quota; other nodes see a node's
//! counts once they are written (`FLUSH_EVERY`).
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reelbox_store::Store;

/// How long counts wait in memory before they are written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// (client_key, day, kind) → (requests, records) not yet written.
type Pending = HashMap<(String, i64, &'static str), (i64, i64)>;

#[derive(Default)]
pub struct ResearchTally {
    pending: Mutex<Pending>,
    /// Held for writing by a flush (one at a time, so a flush never overtakes another's counts)
    /// and for reading by a quota check: a check between a flush's commit and its subtraction
    /// from `pending` would count the batch twice and answer a false 429.
    writing: tokio::sync::RwLock<()>,
}

impl ResearchTally {
    /// Drops the counts not yet written (a sandbox reset), after any flush in progress.
    pub async fn clear(&self) {
        let _one = self.writing.write().await;
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn add(&self, client_key: &str, day: i64, kind: &'static str, records: i64) {
        self.add_requests(client_key, day, kind, 1, records);
    }

    /// Counts `requests` requests serving `records` records in all (the `research_quota_midrun`
    /// scenario spends what is left of a day at once).
    pub fn add_requests(
        &self,
        client_key: &str,
        day: i64,
        kind: &'static str,
        requests: i64,
        records: i64,
    ) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let e = p.entry((client_key.to_string(), day, kind)).or_default();
        e.0 += requests;
        e.1 += records;
    }

    /// What this node counted and has not written yet.
    pub fn unwritten(&self, client_key: &str, day: i64, kind: &'static str) -> (i64, i64) {
        let p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        p.get(&(client_key.to_string(), day, kind))
            .copied()
            .unwrap_or((0, 0))
    }

    /// A client's usage of the day as the quota sees it: what is stored and what this node has
    /// not written yet.
    pub async fn usage(
        &self,
        store: &Store,
        client_key: &str,
        day: i64,
        kind: &'static str,
    ) -> reelbox_store::Result<(i64, i64)> {
        let _no_flush = self.writing.read().await;
        let (req, rec) = store.research_usage(client_key, day, kind).await?;
        let (new_req, new_rec) = self.unwritten(client_key, day, kind);
        Ok((req + new_req, rec + new_rec))
    }

    /// Writes the pending counts. They stay visible to [`unwritten`](Self::unwritten) until
    /// the write commits, so no check in between sees them missing; a failed write keeps them.
    pub async fn flush(&self, store: &Store) {
        let _one = self.writing.write().await;
        let batch: Vec<(String, i64, &'static str, i64, i64)> = {
            let p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            p.iter()
                .map(|((k, d, kind), (req, rec))| (k.clone(), *d, *kind, *req, *rec))
                .collect()
        };
        if batch.is_empty() {
            return;
        }
        if let Err(e) = store.add_research_usage(&batch).await {
            tracing::warn!(error = %e, "research quota counts not written; kept for the next try");
            return;
        }
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for (k, d, kind, req, rec) in batch {
            let key = (k, d, kind);
            if let Some(e) = p.get_mut(&key) {
                e.0 -= req;
                e.1 -= rec;
                if e.0 <= 0 && e.1 <= 0 {
                    p.remove(&key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_are_seen_before_and_after_they_are_written_and_kept_when_a_write_fails() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&reelbox_store::sqlite_url_for(&dir.path().join("t.db")))
            .await
            .unwrap();
        let t = ResearchTally::default();
        t.add("app", 7, "data", 20);
        t.add("app", 7, "data", 5);
        t.add("other", 7, "data", 1);
        assert_eq!(t.unwritten("app", 7, "data"), (2, 25));
        assert_eq!(
            store.research_usage("app", 7, "data").await.unwrap(),
            (0, 0)
        );
        t.flush(&store).await;
        assert_eq!(t.unwritten("app", 7, "data"), (0, 0));
        assert_eq!(
            store.research_usage("app", 7, "data").await.unwrap(),
            (2, 25)
        );
        assert_eq!(
            store.research_usage("other", 7, "data").await.unwrap(),
            (1, 1)
        );
        // Added to what is stored, not in place of it.
        t.add("app", 7, "data", 3);
        t.flush(&store).await;
        assert_eq!(
            store.research_usage("app", 7, "data").await.unwrap(),
            (3, 28)
        );
        // A closed database: the write fails and the counts wait for the next one.
        t.add("app", 7, "data", 1);
        store.close().await;
        t.flush(&store).await;
        assert_eq!(t.unwritten("app", 7, "data"), (1, 1));
    }
}
