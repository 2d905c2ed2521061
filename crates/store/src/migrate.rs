//! Moving an installation from one database to another (SQLite → PostgreSQL): every table both
//! schemas share, row for row, verified by counts and checksums.
use sha2::{Digest, Sha256};
use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{Column, Row};

use crate::{Backend, Result, Store, StoreError};

/// The tables of the call log's database, which on SQLite is a file of its own.
pub(crate) const LOG_TABLES: [&str; 3] =
    ["api_call_segments", "research_searches", "research_usage"];

/// What was copied of one table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableCopy {
    pub table: String,
    pub rows_source: i64,
    pub rows_target: i64,
    pub checksum_source: String,
    pub checksum_target: String,
}

impl TableCopy {
    pub fn verified(&self) -> bool {
        self.rows_source == self.rows_target && self.checksum_source == self.checksum_target
    }
}

/// One value of a row, typed as the driver reported it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

pub(crate) fn values(row: &AnyRow) -> Result<Vec<Val>> {
    let mut out = Vec::new();
    for (i, c) in row.columns().iter().enumerate() {
        let kind = c.type_info().kind();
        let v = match kind {
            AnyTypeInfoKind::Null => Val::Null,
            AnyTypeInfoKind::Bool => row
                .try_get::<Option<bool>, _>(i)?
                .map(|b| Val::Int(b as i64))
                .unwrap_or(Val::Null),
            AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => row
                .try_get::<Option<i64>, _>(i)?
                .map(Val::Int)
                .unwrap_or(Val::Null),
            AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => row
                .try_get::<Option<f64>, _>(i)?
                .map(Val::Real)
                .unwrap_or(Val::Null),
            AnyTypeInfoKind::Text => row
                .try_get::<Option<String>, _>(i)?
                .map(Val::Text)
                .unwrap_or(Val::Null),
            AnyTypeInfoKind::Blob => row
                .try_get::<Option<Vec<u8>>, _>(i)?
                .map(Val::Blob)
                .unwrap_or(Val::Null),
        };
        out.push(v);
    }
    Ok(out)
}

/// A checksum independent of the engine: the rows' values in primary order, as text.
fn digest(rows: &[Vec<Val>]) -> String {
    let mut h = Sha256::new();
    for r in rows {
        digest_row(&mut h, r);
    }
    hex::encode(h.finalize())
}

/// Adds one row to a running [`digest`].
pub(crate) fn digest_row(h: &mut Sha256, r: &[Val]) {
    for v in r {
        match v {
            Val::Null => h.update(b"N"),
            Val::Int(i) => h.update(format!("I{i}")),
            Val::Real(f) => h.update(format!("R{f}")),
            Val::Text(t) => {
                h.update(b"T");
                h.update(t.as_bytes());
            }
            Val::Blob(b) => {
                h.update(b"B");
                h.update(b);
            }
        }
        h.update([0u8]);
    }
    h.update([1u8]);
}

/// `insert` with a row's values bound, each NULL with its target column's type (PostgreSQL will
/// not cast text to bigint).
pub(crate) fn bind_row(
    insert: &str,
    r: &[Val],
    kinds: &[&str],
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(insert.to_string()));
    for (v, kind) in r.iter().zip(kinds) {
        q = match v {
            Val::Null if kind.contains("int") => q.bind(Option::<i64>::None),
            Val::Null
                if kind.contains("double") || kind.contains("real") || kind.contains("numeric") =>
            {
                q.bind(Option::<f64>::None)
            }
            Val::Null if kind.contains("bytea") || kind.contains("blob") => {
                q.bind(Option::<Vec<u8>>::None)
            }
            Val::Null => q.bind(Option::<String>::None),
            Val::Int(i) => q.bind(*i),
            Val::Real(f) => q.bind(*f),
            Val::Text(t) => q.bind(t.clone()),
            Val::Blob(b) => q.bind(b.clone()),
        };
    }
    q
}

impl Store {
    /// Base tables of this database (no engine internals, no migration bookkeeping).
    pub async fn tables(&self) -> Result<Vec<String>> {
        let q = match self.backend {
            Backend::Sqlite => {
                // Virtual tables (the FTS5 keyword index) and their shadow tables are SQLite's
                // own: PostgreSQL indexes keywords differently.
                "SELECT t.name FROM sqlite_master t WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%' AND t.name NOT LIKE '_sqlx%' AND t.sql NOT LIKE 'CREATE VIRTUAL%' AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL%' AND t.name LIKE v.name || '\\_%' ESCAPE '\\') ORDER BY t.name"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '_sqlx%' ORDER BY table_name"
            }
        };
        let rows: Vec<(String,)> = sqlx::query_as(q).fetch_all(&self.pool).await?;
        let mut tables: Vec<String> = rows.into_iter().map(|r| r.0).collect();
        if self.log.separate {
            tables.extend(LOG_TABLES.iter().map(|t| t.to_string()));
            tables.sort();
        }
        Ok(tables)
    }

    /// The (reader, writer) holding `table`: the call log may live in a database of its own.
    pub(crate) fn pools_of(&self, table: &str) -> (&sqlx::AnyPool, crate::Writer) {
        if self.log.separate && LOG_TABLES.contains(&table) {
            (&self.log.pool, crate::Writer::pool(self.log.writer.clone()))
        } else {
            (&self.pool, self.writer.clone())
        }
    }

    async fn columns_of(&self, table: &str) -> Result<Vec<String>> {
        Ok(self
            .column_types(table)
            .await?
            .into_iter()
            .map(|c| c.0)
            .collect())
    }

    /// (column, declared type in lower case), in table order.
    pub(crate) async fn column_types(&self, table: &str) -> Result<Vec<(String, String)>> {
        let q = match self.backend {
            Backend::Sqlite => {
                sql!("SELECT name, lower(type) FROM pragma_table_info('{table}') ORDER BY cid")
            }
            Backend::Postgres => sql!(
                "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
            ),
        };
        Ok(sqlx::query_as(q).fetch_all(self.pools_of(table).0).await?)
    }

    pub(crate) async fn rows_of(&self, table: &str, cols: &[String]) -> Result<Vec<Vec<Val>>> {
        let list = cols.join(", ");
        // Order by every column so both engines produce the same sequence.
        let rows = sqlx::query(sql!("SELECT {list} FROM {table} ORDER BY {list}"))
            .fetch_all(self.pools_of(table).0)
            .await?;
        rows.iter().map(values).collect()
    }

    /// Copies every table the two databases share from `self` into `target` (which must be freshly
    /// migrated and empty), then recounts and checksums both sides.
    pub async fn copy_into(&self, target: &Store) -> Result<Vec<TableCopy>> {
        let ours = self.tables().await?;
        let theirs = target.tables().await?;
        let mut report = Vec::new();
        for table in ours.iter().filter(|t| theirs.contains(t)) {
            let cols = self.columns_of(table).await?;
            let target_types = target.column_types(table).await?;
            let cols: Vec<String> = cols
                .into_iter()
                .filter(|c| target_types.iter().any(|t| &t.0 == c))
                .collect();
            // A NULL must be bound with the target column's type (PostgreSQL will not cast text to bigint).
            let null_kinds: Vec<&str> = cols
                .iter()
                .map(|c| {
                    target_types
                        .iter()
                        .find(|t| &t.0 == c)
                        .map(|t| t.1.as_str())
                        .unwrap_or("text")
                })
                .collect();
            if cols.is_empty() {
                continue;
            }
            let existing: (i64,) =
                sqlx::query_as(sql!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}"))
                    .fetch_one(target.pools_of(table).0)
                    .await?;
            if existing.0 > 0 {
                return Err(StoreError::Corrupt(format!(
                    "target table {table} is not empty"
                )));
            }
            let rows = self.rows_of(table, &cols).await?;
            let placeholders = (1..=cols.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let insert = format!(
                "INSERT INTO {table} ({}) VALUES ({placeholders})",
                cols.join(", ")
            );
            for batch in rows.chunks(500) {
                let mut writer_conn = target.pools_of(table).1.acquire().await?;
                let mut tx = writer_conn.begin().await?;
                for r in batch {
                    bind_row(&insert, r, &null_kinds).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                drop(writer_conn);
            }
            let copied = target.rows_of(table, &cols).await?;
            report.push(TableCopy {
                table: table.clone(),
                rows_source: rows.len() as i64,
                rows_target: copied.len() as i64,
                checksum_source: digest(&rows),
                checksum_target: digest(&copied),
            });
        }
        Ok(report)
    }

    /// Publishes whose media may still be on its way: processing, or uploading with an upload
    /// URL not yet expired at `now` (server time). The storage sweeper keeps their blobs.
    pub async fn publishes_in_progress(&self, now: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM publishes WHERE status IN ('PROCESSING_UPLOAD', 'PROCESSING_DOWNLOAD') \
             AND NOT (upload_expires_at IS NOT NULL AND upload_expires_at < $1 \
             AND uploaded_bytes < COALESCE(video_size, 0))",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Every stored object the database refers to (media, covers, photos).
    pub async fn object_keys(&self) -> Result<Vec<String>> {
        let mut keys: Vec<String> = Vec::new();
        let rows: Vec<(Option<String>, Option<String>, String)> =
            // A removed post (deleted by its creator, taken down by a moderator) holds nothing.
            sqlx::query_as(
                "SELECT object_key, cover_key, photo_keys FROM posts WHERE deleted_at IS NULL",
            )
                .fetch_all(&self.pool)
                .await?;
        for (o, c, photos) in rows {
            keys.extend(o);
            keys.extend(c);
            keys.extend(serde_json::from_str::<Vec<String>>(&photos).unwrap_or_default());
        }
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT object_key FROM renditions WHERE post_id IN (SELECT id FROM posts WHERE deleted_at IS NULL)",
        )
            .fetch_all(&self.pool)
            .await?;
        keys.extend(rows.into_iter().map(|(k,)| k));
        // Drafts waiting in inboxes keep their media under the publish's own keys.
        let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, media_type, object_key, photo_images FROM publishes WHERE status = 'SEND_TO_USER_INBOX' OR (status = 'PUBLISH_COMPLETE' AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.publish_id = publishes.id AND p.deleted_at IS NOT NULL))",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, media_type, o, photos) in rows {
            keys.extend(o);
            if media_type == "PHOTO" {
                let n = photos
                    .and_then(|p| serde_json::from_str::<Vec<String>>(&p).ok())
                    .map(|v| v.len())
                    .unwrap_or(0);
                keys.extend((0..n).map(|i| reelbox_core::ids::publish_photo_key(&id, i)));
            }
        }
        // Data Portability archives until their request is gone.
        keys.extend(self.data_request_keys().await?);
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}
