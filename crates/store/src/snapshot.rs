//! The database as one unit, for the sandbox's test tooling: emptied ([`Store::clear_all`], a
//! reset) and streamed out and back in (snapshots). Generic over [`Store::tables`], so a table a
//! later migration adds is covered without a change here.
//!
//! A snapshot is a sequence of frames (`tag`, big-endian `u32` length, payload), so it is written
//! and read as a stream: no table, row set or object is ever held whole. This module writes and
//! reads the tables' frames; the server adds the header, the media and the end.
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::migrate::{Val, bind_row, digest_row, values};

use crate::{Backend, Result, Store, StoreError};

/// The first bytes of every snapshot file.
pub const MAGIC: &[u8] = b"REELBOX-SNAPSHOT\n";
/// A table begins: [`TableHead`] as JSON.
pub const TABLE: u8 = b'T';
/// One row: its values, postcard-encoded.
pub const ROW: u8 = b'R';
/// A table ends: [`TableEnd`] as JSON.
pub const TABLE_END: u8 = b'E';
/// The largest frame read back: a row (call-log segments are the largest) or a media piece.
pub const MAX_FRAME: usize = 64 << 20;
/// Rows inserted per transaction while loading.
const LOAD_BATCH: usize = 500;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableHead {
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEnd {
    pub rows: u64,
    /// [`RowSetSum`] of the rows.
    pub checksum: String,
}

/// A checksum of a set of rows that does not depend on their order: the sum, modulo 2^256, of
/// each row's SHA-256. The engines order text differently (collations), and a dump need not
/// sort a table to be compared with its copy.
#[derive(Default)]
pub struct RowSetSum([u64; 4]);

impl RowSetSum {
    pub(crate) fn add(&mut self, row: &[Val]) {
        let mut h = Sha256::new();
        digest_row(&mut h, row);
        let d = h.finalize();
        let mut carry = 0u128;
        for i in (0..4).rev() {
            let lane = u64::from_be_bytes(d[i * 8..i * 8 + 8].try_into().unwrap_or_default());
            let s = self.0[i] as u128 + lane as u128 + carry;
            self.0[i] = s as u64;
            carry = s >> 64;
        }
    }

    pub fn hex(&self) -> String {
        self.0.iter().map(|l| format!("{l:016x}")).collect()
    }
}

/// What a table holds, as a snapshot records and a load verifies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSum {
    pub table: String,
    pub rows: u64,
    pub checksum: String,
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("snapshot: {e}"))
}

pub async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, tag: u8, payload: &[u8]) -> Result<()> {
    let len = u32::try_from(payload.len())
        .map_err(|_| StoreError::Corrupt("snapshot: a frame over 4 GiB".into()))?;
    w.write_u8(tag).await.map_err(io)?;
    w.write_u32(len).await.map_err(io)?;
    w.write_all(payload).await.map_err(io)
}

/// The next frame's tag, its payload in `buf`; `None` at the end of the input.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R, buf: &mut Vec<u8>) -> Result<Option<u8>> {
    let tag = match r.read_u8().await {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let len = r.read_u32().await.map_err(io)? as usize;
    if len > MAX_FRAME {
        return Err(StoreError::Corrupt(format!(
            "snapshot: a frame of {len} bytes (at most {MAX_FRAME})"
        )));
    }
    buf.clear();
    buf.resize(len, 0);
    r.read_exact(buf).await.map_err(io)?;
    Ok(Some(tag))
}

fn json<T: serde::de::DeserializeOwned>(buf: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(buf).map_err(|e| StoreError::Corrupt(format!("snapshot: {what}: {e}")))
}

impl Store {
    /// The newest migration applied to this database: what a snapshot's rows fit.
    pub async fn schema_version(&self) -> Result<i64> {
        let v: (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(v.0.unwrap_or(0))
    }

    /// Empties every base table, the call log's included, and forgets what the caches hold.
    pub async fn clear_all(&self) -> Result<()> {
        let tables = self.tables().await?;
        let (log, main): (Vec<&String>, Vec<&String>) = tables
            .iter()
            .partition(|t| self.log.separate && crate::migrate::LOG_TABLES.contains(&t.as_str()));
        // One transaction, so no table is seen emptied while another still holds its rows.
        // DELETE rather than TRUNCATE on PostgreSQL: a test fixture's few rows go in
        // milliseconds, where TRUNCATE makes and syncs new files for every table and index.
        {
            let mut conn = self.writer.acquire().await?;
            let mut tx = conn.begin().await?;
            for t in &main {
                sqlx::query(sql!("DELETE FROM {t}"))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        for t in log {
            let mut conn = self.pools_of(t).1.acquire().await?;
            sqlx::query(sql!("DELETE FROM {t}"))
                .execute(&mut *conn)
                .await?;
        }
        self.cache.invalidate();
        self.usage.changed();
        Ok(())
    }

    /// Rows of every base table (row count and checksum each), as a snapshot records them.
    pub async fn table_sums(&self) -> Result<Vec<TableSum>> {
        let mut out = Vec::new();
        for table in self.tables().await? {
            let cols: Vec<String> = self
                .column_types(&table)
                .await?
                .into_iter()
                .map(|c| c.0)
                .collect();
            let list = cols.join(", ");
            let mut rows =
                sqlx::query(sql!("SELECT {list} FROM {table}")).fetch(self.pools_of(&table).0);
            let mut sum = RowSetSum::default();
            let mut n = 0u64;
            while let Some(row) = rows.try_next().await? {
                sum.add(&values(&row)?);
                n += 1;
            }
            out.push(TableSum {
                table,
                rows: n,
                checksum: sum.hex(),
            });
        }
        Ok(out)
    }

    /// Writes every base table as frames: its head, its rows (streamed from the database) and its
    /// end with the count and checksum.
    pub async fn dump_tables<W: AsyncWrite + Unpin>(&self, w: &mut W) -> Result<Vec<TableSum>> {
        let mut sums = Vec::new();
        for table in self.tables().await? {
            let columns: Vec<String> = self
                .column_types(&table)
                .await?
                .into_iter()
                .map(|c| c.0)
                .collect();
            let head = TableHead {
                name: table.clone(),
                columns: columns.clone(),
            };
            write_frame(
                w,
                TABLE,
                &serde_json::to_vec(&head).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            )
            .await?;
            let list = columns.join(", ");
            let mut rows =
                sqlx::query(sql!("SELECT {list} FROM {table}")).fetch(self.pools_of(&table).0);
            let mut sum = RowSetSum::default();
            let mut n = 0u64;
            while let Some(row) = rows.try_next().await? {
                let vals = values(&row)?;
                sum.add(&vals);
                let bytes = postcard::to_allocvec(&vals)
                    .map_err(|e| StoreError::Corrupt(format!("snapshot row: {e}")))?;
                write_frame(w, ROW, &bytes).await?;
                n += 1;
            }
            let end = TableEnd {
                rows: n,
                checksum: sum.hex(),
            };
            write_frame(
                w,
                TABLE_END,
                &serde_json::to_vec(&end).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            )
            .await?;
            sums.push(TableSum {
                table,
                rows: end.rows,
                checksum: end.checksum,
            });
        }
        Ok(sums)
    }

    /// Reads table frames into this (emptied) database until a frame of another kind, whose tag
    /// it returns with the payload left in `buf` (`None`: the input ended). Refuses a table or
    /// column this schema lacks: loading without it would lose data silently. A table this
    /// schema has and the snapshot lacks (a newer migration) stays empty; a column the snapshot
    /// lacks takes its default.
    pub async fn load_tables<R: AsyncRead + Unpin>(
        &self,
        r: &mut R,
        buf: &mut Vec<u8>,
    ) -> Result<(Option<u8>, Vec<TableSum>)> {
        let ours = self.tables().await?;
        let mut sums = Vec::new();
        let mut tag = read_frame(r, buf).await?;
        while tag == Some(TABLE) {
            let head: TableHead = json(buf, "table head")?;
            if !ours.contains(&head.name) {
                return Err(StoreError::Corrupt(format!(
                    "table {} of the snapshot does not exist in this {} database (a newer reelbox made it?)",
                    head.name,
                    backend_name(self.backend)
                )));
            }
            let types = self.column_types(&head.name).await?;
            let mut kinds = Vec::new();
            for c in &head.columns {
                match types.iter().find(|t| &t.0 == c) {
                    Some(t) => kinds.push(t.1.clone()),
                    None => {
                        return Err(StoreError::Corrupt(format!(
                            "column {}.{c} of the snapshot does not exist in this {} database",
                            head.name,
                            backend_name(self.backend)
                        )));
                    }
                }
            }
            let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
            let placeholders = (1..=head.columns.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let insert = format!(
                "INSERT INTO {} ({}) VALUES ({placeholders})",
                head.name,
                head.columns.join(", ")
            );
            let mut sum = RowSetSum::default();
            let mut n = 0u64;
            let mut batch: Vec<Vec<Val>> = Vec::with_capacity(LOAD_BATCH);
            loop {
                tag = read_frame(r, buf).await?;
                if tag != Some(ROW) {
                    break;
                }
                let vals: Vec<Val> = postcard::from_bytes(buf).map_err(|e| {
                    StoreError::Corrupt(format!("snapshot row of {}: {e}", head.name))
                })?;
                sum.add(&vals);
                n += 1;
                batch.push(vals);
                if batch.len() == LOAD_BATCH {
                    self.insert_batch(&head.name, &insert, &kinds, &batch)
                        .await?;
                    batch.clear();
                }
            }
            self.insert_batch(&head.name, &insert, &kinds, &batch)
                .await?;
            if tag != Some(TABLE_END) {
                return Err(StoreError::Corrupt(format!(
                    "snapshot: table {} is cut short",
                    head.name
                )));
            }
            let end: TableEnd = json(buf, "table end")?;
            let got = TableEnd {
                rows: n,
                checksum: sum.hex(),
            };
            if end != got {
                return Err(StoreError::Corrupt(format!(
                    "snapshot: table {} holds {} rows (checksum {}) but its end says {} ({})",
                    head.name, got.rows, got.checksum, end.rows, end.checksum
                )));
            }
            sums.push(TableSum {
                table: head.name,
                rows: n,
                checksum: got.checksum,
            });
            tag = read_frame(r, buf).await?;
        }
        self.cache.invalidate();
        self.usage.changed();
        Ok((tag, sums))
    }

    async fn insert_batch(
        &self,
        table: &str,
        insert: &str,
        kinds: &[&str],
        rows: &[Vec<Val>],
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut conn = self.pools_of(table).1.acquire().await?;
        let mut tx = conn.begin().await?;
        for r in rows {
            bind_row(insert, r, kinds).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
