//! The call log: every wire API call, per app (issue: inspection and the guideline report).
use sqlx::FromRow;

use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct ApiCall {
    pub id: String,
    pub client_key: Option<String>,
    pub creator_id: Option<String>,
    #[serde(skip)]
    pub token_hash: Option<String>,
    pub endpoint: String,
    pub method: String,
    pub status: i64,
    pub error_code: String,
    pub log_id: String,
    pub latency_ms: i64,
    pub summary: String,
    #[sqlx(try_from = "i64")]
    #[serde(skip)]
    pub injected: Injected,
    pub created_at: i64,
    /// The leniencies the call relied on (`reelbox_core::compat::Leniency` ids): what TikTok
    /// would have refused.
    #[sqlx(skip)]
    pub lenient: Vec<String>,
    /// The host the client addressed when the call came through interception (it believed it
    /// called TikTok); None for a call sent to reelbox directly.
    #[sqlx(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intercepted_host: Option<String>,
}

/// Stored as 0/1 (sqlx's Any driver decodes no booleans).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Injected(pub bool);

// `#[sqlx(try_from = "i64")]` decodes through TryFrom, even where nothing can fail.
#[allow(clippy::infallible_try_from)]
impl TryFrom<i64> for Injected {
    type Error = std::convert::Infallible;
    fn try_from(v: i64) -> std::result::Result<Self, Self::Error> {
        Ok(Injected(v != 0))
    }
}

/// The columns of the per-call table that held the log before segments.
const LEGACY_COLUMNS: &str = "id, client_key, creator_id, token_hash, endpoint, method, status, error_code, log_id, latency_ms, summary, injected, created_at";

/// Segment ids from converting the per-call table start with this, so that a conversion cut
/// short (on SQLite the two files commit apart) is undone before it runs again.
const LEGACY_SEGMENT: &str = "legacy-";

/// A call as the first segments stored it: every field in a fixed order (postcard: no field
/// names, no escaping of the JSON summaries inside). Still read; no longer written.
type StoredCallV1 = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    i64,
    String,
    String,
    i64,
    String,
    bool,
    i64,
);

fn unstored_v1(s: StoredCallV1) -> ApiCall {
    ApiCall {
        id: s.0,
        client_key: s.1,
        creator_id: s.2,
        token_hash: s.3,
        endpoint: s.4,
        method: s.5,
        status: s.6,
        error_code: s.7,
        log_id: s.8,
        latency_ms: s.9,
        summary: s.10,
        injected: Injected(s.11),
        created_at: s.12,
        lenient: vec![],
        intercepted_host: None,
    }
}

/// Bodies of the current format start with this; a body of the first format starts with its
/// uncompressed size (4 bytes, little-endian), which would have to be 843 MB to collide.
const FORMAT_V4: &[u8; 4] = b"RBC4";
/// The third format: as the fourth without the intercepted host. Still read; no longer written.
const FORMAT_V3: &[u8; 4] = b"RBC3";
/// The second format: as the third without the leniencies. Still read; no longer written.
const FORMAT_V2: &[u8; 4] = b"RBC2";

/// A call in a segment: the fields that repeat from call to call (app, creator, token,
/// endpoint, method, code, summary, leniencies) are indexes into the segment's string table
/// (1-based for the optional ones, 0 = none), so a busy app's identical summaries are stored once.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredCall<'a> {
    #[serde(borrow)]
    v3: StoredCallV3<'a>,
    /// The intercepted host (1-based, 0 = none).
    intercepted_host: u32,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredCallV3<'a> {
    #[serde(borrow)]
    v2: StoredCallV2<'a>,
    /// The leniency ids, comma-separated.
    lenient: u32,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredCallV2<'a> {
    id: std::borrow::Cow<'a, str>,
    client_key: u32,
    creator_id: u32,
    token_hash: u32,
    endpoint: u32,
    method: u32,
    status: i64,
    error_code: u32,
    log_id: std::borrow::Cow<'a, str>,
    latency_ms: i64,
    summary: u32,
    injected: bool,
    created_at: i64,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SegmentBody<'a, C> {
    #[serde(borrow)]
    strings: Vec<std::borrow::Cow<'a, str>>,
    calls: Vec<C>,
}

/// The string table being built for one segment.
#[derive(Default)]
struct Strings<'a> {
    list: Vec<std::borrow::Cow<'a, str>>,
    index: std::collections::HashMap<&'a str, u32, foldhash::fast::RandomState>,
}

impl<'a> Strings<'a> {
    fn of(&mut self, s: &'a str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let i = self.list.len() as u32;
        self.list.push(std::borrow::Cow::Borrowed(s));
        self.index.insert(s, i);
        i
    }

    fn of_opt(&mut self, s: &'a Option<String>) -> u32 {
        s.as_deref().map_or(0, |s| self.of(s) + 1)
    }
}

/// One app's calls from one flush: what a row of `api_call_segments` holds.
struct Segment {
    client_key: Option<String>,
    first_at: i64,
    last_at: i64,
    calls: Vec<ApiCall>,
}

impl Segment {
    /// Groups a batch by app, keeping each app's calls in the order they came.
    fn group(calls: Vec<ApiCall>) -> Vec<Segment> {
        let mut by_app: std::collections::BTreeMap<Option<String>, Segment> = Default::default();
        for c in calls {
            if !by_app.contains_key(&c.client_key) {
                let seg = Segment {
                    client_key: c.client_key.clone(),
                    first_at: c.created_at,
                    last_at: c.created_at,
                    calls: Vec::new(),
                };
                by_app.insert(c.client_key.clone(), seg);
            }
            let Some(seg) = by_app.get_mut(&c.client_key) else {
                continue;
            };
            seg.first_at = seg.first_at.min(c.created_at);
            seg.last_at = seg.last_at.max(c.created_at);
            seg.calls.push(c);
        }
        by_app.into_values().collect()
    }

    fn encode(&self) -> Result<Vec<u8>> {
        let lenient: Vec<String> = self.calls.iter().map(|c| c.lenient.join(",")).collect();
        let mut t = Strings::default();
        let calls = self
            .calls
            .iter()
            .zip(&lenient)
            .map(|(c, lenient)| StoredCall {
                v3: StoredCallV3 {
                    v2: StoredCallV2 {
                        id: std::borrow::Cow::Borrowed(&c.id),
                        client_key: t.of_opt(&c.client_key),
                        creator_id: t.of_opt(&c.creator_id),
                        token_hash: t.of_opt(&c.token_hash),
                        endpoint: t.of(&c.endpoint),
                        method: t.of(&c.method),
                        status: c.status,
                        error_code: t.of(&c.error_code),
                        log_id: std::borrow::Cow::Borrowed(&c.log_id),
                        latency_ms: c.latency_ms,
                        summary: t.of(&c.summary),
                        injected: c.injected.0,
                        created_at: c.created_at,
                    },
                    lenient: if lenient.is_empty() {
                        0
                    } else {
                        t.of(lenient) + 1
                    },
                },
                intercepted_host: t.of_opt(&c.intercepted_host),
            })
            .collect();
        let body = SegmentBody {
            strings: t.list,
            calls,
        };
        let raw = postcard::to_allocvec(&body)
            .map_err(|e| StoreError::Corrupt(format!("call log segment: {e}")))?;
        let mut out = FORMAT_V4.to_vec();
        out.extend_from_slice(&lz4_flex::compress_prepend_size(&raw));
        Ok(out)
    }
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("call log segment: {e}"))
}

fn decode(body: &[u8]) -> Result<Vec<ApiCall>> {
    if let Some(v4) = body.strip_prefix(FORMAT_V4) {
        let raw = lz4_flex::decompress_size_prepended(v4).map_err(corrupt)?;
        let seg: SegmentBody<StoredCall> = postcard::from_bytes(&raw).map_err(corrupt)?;
        return seg
            .calls
            .iter()
            .map(|c| unstored(&seg.strings, &c.v3.v2, c.v3.lenient, c.intercepted_host))
            .collect();
    }
    if let Some(v3) = body.strip_prefix(FORMAT_V3) {
        let raw = lz4_flex::decompress_size_prepended(v3).map_err(corrupt)?;
        let seg: SegmentBody<StoredCallV3> = postcard::from_bytes(&raw).map_err(corrupt)?;
        return seg
            .calls
            .iter()
            .map(|c| unstored(&seg.strings, &c.v2, c.lenient, 0))
            .collect();
    }
    if let Some(v2) = body.strip_prefix(FORMAT_V2) {
        let raw = lz4_flex::decompress_size_prepended(v2).map_err(corrupt)?;
        let seg: SegmentBody<StoredCallV2> = postcard::from_bytes(&raw).map_err(corrupt)?;
        return seg
            .calls
            .iter()
            .map(|c| unstored(&seg.strings, c, 0, 0))
            .collect();
    }
    let raw = lz4_flex::decompress_size_prepended(body).map_err(corrupt)?;
    let calls: Vec<StoredCallV1> = postcard::from_bytes(&raw).map_err(corrupt)?;
    Ok(calls.into_iter().map(unstored_v1).collect())
}

/// A call of a segment, its strings looked up in the segment's table.
fn unstored(
    strings: &[std::borrow::Cow<'_, str>],
    c: &StoredCallV2<'_>,
    lenient: u32,
    intercepted_host: u32,
) -> Result<ApiCall> {
    let get = |i: u32| -> Result<String> {
        strings
            .get(i as usize)
            .map(|s| s.to_string())
            .ok_or_else(|| corrupt(format!("string {i} of {}", strings.len())))
    };
    let get_opt = |i: u32| -> Result<Option<String>> {
        match i {
            0 => Ok(None),
            i => get(i - 1).map(Some),
        }
    };
    Ok(ApiCall {
        id: c.id.to_string(),
        client_key: get_opt(c.client_key)?,
        creator_id: get_opt(c.creator_id)?,
        token_hash: get_opt(c.token_hash)?,
        endpoint: get(c.endpoint)?,
        method: get(c.method)?,
        status: c.status,
        error_code: get(c.error_code)?,
        log_id: c.log_id.to_string(),
        latency_ms: c.latency_ms,
        summary: get(c.summary)?,
        injected: Injected(c.injected),
        created_at: c.created_at,
        lenient: get_opt(lenient)?
            .map(|l| l.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        intercepted_host: get_opt(intercepted_host)?,
    })
}

/// Newest first, as the log is read.
fn newest_first(a: &ApiCall, b: &ApiCall) -> std::cmp::Ordering {
    (b.created_at, &b.id).cmp(&(a.created_at, &a.id))
}

impl Store {
    /// Writes a batch of calls in one transaction (the log is written off the request path):
    /// one segment per app.
    pub async fn insert_calls(&self, calls: Vec<ApiCall>) -> Result<()> {
        let mut tx = self.log.writer.begin().await?;
        Self::insert_segments(&mut tx, calls, "").await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_segments(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        calls: Vec<ApiCall>,
        id_prefix: &str,
    ) -> Result<()> {
        for seg in Segment::group(calls) {
            sqlx::query("INSERT INTO api_call_segments (id, client_key, first_at, last_at, calls, body) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(format!("{id_prefix}{}", reelbox_core::ids::ordered_row_id()))
                .bind(&seg.client_key)
                .bind(seg.first_at)
                .bind(seg.last_at)
                .bind(seg.calls.len() as i64)
                .bind(seg.encode()?)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The newest calls of an app, newest first. Segments are read newest first until none
    /// left can hold a call newer than the `limit`-th found so far (segments of several nodes,
    /// or of a moved clock, may overlap in time).
    pub async fn calls_of_app(&self, client_key: &str, limit: i64) -> Result<Vec<ApiCall>> {
        let limit = limit.max(0) as usize;
        let mut found: Vec<ApiCall> = Vec::new();
        let mut cursor: Option<(i64, String)> = None;
        'pages: loop {
            let page: Vec<(String, i64, Vec<u8>)> = match &cursor {
                None => sqlx::query_as(
                    "SELECT id, last_at, body FROM api_call_segments WHERE client_key = $1 ORDER BY last_at DESC, id DESC LIMIT 16",
                )
                .bind(client_key)
                .fetch_all(&self.log.pool)
                .await?,
                Some((at, id)) => sqlx::query_as(
                    "SELECT id, last_at, body FROM api_call_segments WHERE client_key = $1 AND (last_at < $2 OR (last_at = $2 AND id < $3)) ORDER BY last_at DESC, id DESC LIMIT 16",
                )
                .bind(client_key)
                .bind(at)
                .bind(id)
                .fetch_all(&self.log.pool)
                .await?,
            };
            let Some(last) = page.last() else { break };
            cursor = Some((last.1, last.0.clone()));
            for (_, last_at, body) in page {
                if found.len() >= limit && found.last().is_none_or(|c| last_at < c.created_at) {
                    break 'pages;
                }
                found.extend(decode(&body)?);
                found.sort_by(newest_first);
                found.truncate(limit);
            }
        }
        Ok(found)
    }

    /// Removes the segments whose newest call is older than `before` (the retention policy;
    /// a segment spans one flush, a few milliseconds).
    pub async fn prune_calls(&self, before: i64) -> Result<u64> {
        let r = sqlx::query("DELETE FROM api_call_segments WHERE last_at < $1")
            .bind(before)
            .execute(&self.log.writer)
            .await?;
        Ok(r.rows_affected())
    }

    /// A database from before segments holds the log as one row per call in `api_calls` (in the
    /// main database, on either engine): those rows become segments, then the table goes.
    /// On PostgreSQL it all happens in one transaction under an advisory lock, so nodes starting
    /// together convert once; on SQLite, where the log has a file of its own, segments of an
    /// interrupted conversion are removed before it starts again.
    pub(crate) async fn convert_legacy_call_log(&self) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        let exists = match self.backend {
            crate::Backend::Postgres => {
                sqlx::query("SELECT pg_advisory_xact_lock(7262001)")
                    .execute(&mut *tx)
                    .await?;
                let r: (i64,) = sqlx::query_as(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'api_calls'",
                )
                .fetch_one(&mut *tx)
                .await?;
                r.0 > 0
            }
            crate::Backend::Sqlite => {
                let r: (i64,) = sqlx::query_as(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM sqlite_master WHERE type = 'table' AND name = 'api_calls'",
                )
                .fetch_one(&mut *tx)
                .await?;
                r.0 > 0
            }
        };
        if !exists {
            tx.commit().await?;
            drop(writer_conn);
            return Ok(());
        }
        let mut log_tx = match self.log.separate {
            true => Some(self.log.writer.begin().await?),
            false => None,
        };
        sqlx::query(sql!(
            "DELETE FROM api_call_segments WHERE id LIKE '{LEGACY_SEGMENT}%'"
        ))
        .execute(match log_tx.as_mut() {
            Some(t) => &mut **t,
            None => &mut *tx,
        })
        .await?;
        let mut after: Option<(i64, String)> = None;
        loop {
            let rows: Vec<ApiCall> = match &after {
                None => sqlx::query_as(sql!(
                    "SELECT {LEGACY_COLUMNS} FROM api_calls ORDER BY created_at, id LIMIT 2000"
                ))
                .fetch_all(&mut *tx)
                .await?,
                Some((at, id)) => sqlx::query_as(sql!(
                    "SELECT {LEGACY_COLUMNS} FROM api_calls WHERE created_at > $1 OR (created_at = $1 AND id > $2) ORDER BY created_at, id LIMIT 2000"
                ))
                .bind(at)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?,
            };
            let Some(last) = rows.last() else { break };
            after = Some((last.created_at, last.id.clone()));
            match log_tx.as_mut() {
                Some(t) => Self::insert_segments(t, rows, LEGACY_SEGMENT).await?,
                None => Self::insert_segments(&mut tx, rows, LEGACY_SEGMENT).await?,
            }
        }
        if let Some(t) = log_tx {
            t.commit().await?;
        }
        sqlx::query("DROP TABLE api_calls")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        drop(writer_conn);
        Ok(())
    }
}

#[cfg(test)]
mod tests_support {
    use super::*;

    pub fn call(i: i64, client_key: Option<&str>, created_at: i64) -> ApiCall {
        ApiCall {
            id: format!("{created_at:016}-{i:06}"),
            client_key: client_key.map(str::to_string),
            creator_id: (i % 2 == 0).then(|| format!("creator{i}")),
            token_hash: None,
            endpoint: "/v2/post/publish/creator_info/query/".into(),
            method: "POST".into(),
            status: 200 + i % 3,
            error_code: if i % 3 == 0 {
                "ok".into()
            } else {
                String::new()
            },
            log_id: format!("log{i}"),
            latency_ms: i,
            // Quotes, backslashes, newlines and non-ASCII survive the JSON batch.
            summary: format!("{{\"t\":\"a \\\"q\\\" \\\\ é\n{i}\"}}"),
            injected: Injected(i % 5 == 0),
            created_at,
            lenient: if i % 4 == 1 {
                vec!["client_id_for_client_key".into(), "token_json_body".into()]
            } else {
                vec![]
            },
            intercepted_host: (i % 3 == 2).then(|| "open.tiktokapis.com".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::call;
    use super::*;
    use crate::{call_log_url, sqlite_url_for};

    fn segment(calls: Vec<ApiCall>) -> Segment {
        let mut segs = Segment::group(calls);
        assert_eq!(segs.len(), 1);
        segs.remove(0)
    }

    #[test]
    fn a_segment_stores_each_repeated_string_once_and_reads_back_every_field() {
        let calls: Vec<ApiCall> = (0..200)
            .map(|i| {
                let mut c = call(i, Some("app"), 1_000 + i);
                c.summary = format!(
                    "{{\"privacy_level_options\":[\"SELF_ONLY\"],\"n\":{}}}",
                    i % 2
                );
                c.token_hash = (i % 3 == 0).then(|| "ab".repeat(32));
                c
            })
            .collect();
        let seg = segment(calls.clone());
        let body = seg.encode().unwrap();
        assert!(body.starts_with(FORMAT_V4));
        assert_eq!(decode(&body).unwrap(), calls);
        // Two distinct summaries, one endpoint, one method, two codes, one app, one token, one
        // set of leniencies, one intercepted host and 100 creators for 200 calls: the table holds
        // each once.
        let raw = lz4_flex::decompress_size_prepended(&body[4..]).unwrap();
        let parsed: SegmentBody<StoredCall> = postcard::from_bytes(&raw).unwrap();
        assert_eq!(parsed.strings.len(), 2 + 1 + 1 + 2 + 1 + 1 + 1 + 1 + 100);
        let endpoint_and_summary: usize = calls
            .iter()
            .map(|c| c.endpoint.len() + c.summary.len())
            .sum();
        assert!(raw.len() < endpoint_and_summary, "{} bytes", raw.len());
    }

    #[test]
    fn segments_of_the_earlier_formats_still_read() {
        let calls: Vec<ApiCall> = (0..5).map(|i| call(i, Some("app"), 10 + i)).collect();
        let v1: Vec<StoredCallV1> = calls
            .iter()
            .cloned()
            .map(|c| {
                (
                    c.id,
                    c.client_key,
                    c.creator_id,
                    c.token_hash,
                    c.endpoint,
                    c.method,
                    c.status,
                    c.error_code,
                    c.log_id,
                    c.latency_ms,
                    c.summary,
                    c.injected.0,
                    c.created_at,
                )
            })
            .collect();
        let calls: Vec<ApiCall> = calls
            .into_iter()
            .map(|c| ApiCall {
                lenient: vec![],
                intercepted_host: None,
                ..c
            })
            .collect();
        let body = lz4_flex::compress_prepend_size(&postcard::to_allocvec(&v1).unwrap());
        assert_eq!(decode(&body).unwrap(), calls);
        // The second and third formats: a v4 segment without its leniencies, without its hosts.
        let v4 = segment(calls.clone()).encode().unwrap();
        let raw = lz4_flex::decompress_size_prepended(&v4[4..]).unwrap();
        let parsed: SegmentBody<StoredCall> = postcard::from_bytes(&raw).unwrap();
        let v3 = SegmentBody {
            strings: parsed.strings.clone(),
            calls: parsed.calls.into_iter().map(|c| c.v3).collect::<Vec<_>>(),
        };
        let mut body = FORMAT_V3.to_vec();
        body.extend_from_slice(&lz4_flex::compress_prepend_size(
            &postcard::to_allocvec(&v3).unwrap(),
        ));
        assert_eq!(decode(&body).unwrap(), calls);
        let v2 = SegmentBody {
            strings: v3.strings,
            calls: v3.calls.into_iter().map(|c| c.v2).collect(),
        };
        let mut body = FORMAT_V2.to_vec();
        body.extend_from_slice(&lz4_flex::compress_prepend_size(
            &postcard::to_allocvec(&v2).unwrap(),
        ));
        assert_eq!(decode(&body).unwrap(), calls);
        // A damaged body is an error, not a panic.
        let mut bad = segment(calls).encode().unwrap();
        bad.truncate(bad.len() / 2);
        assert!(matches!(decode(&bad), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn the_call_log_file_sits_beside_the_database() {
        assert_eq!(
            call_log_url("sqlite:///data/reelbox.db?mode=rwc").as_deref(),
            Some("sqlite:///data/reelbox-calls.db?mode=rwc")
        );
        assert_eq!(
            call_log_url("sqlite://rel/x").as_deref(),
            Some("sqlite://rel/x-calls.db")
        );
        assert_eq!(call_log_url("sqlite::memory:"), None);
        assert_eq!(call_log_url("sqlite://a.db?mode=memory"), None);
        assert_eq!(call_log_url("postgres://h/db"), None);
    }

    #[tokio::test]
    async fn calls_round_trip_through_their_own_file_and_are_pruned_by_time() {
        let dir = tempfile::tempdir().unwrap();
        round_trip(&sqlite_url_for(&dir.path().join("r.db"))).await;
        assert!(dir.path().join("r-calls.db").exists());
        assert!(matches!(
            Store::open("sqlite::memory:").await,
            Err(StoreError::BadUrl(_))
        ));
    }

    #[tokio::test]
    async fn calls_round_trip_on_postgres_when_configured() {
        if let Some(url) = crate::test_support::fresh_postgres("rbcalls").await {
            round_trip(&url).await;
            crate::test_support::drop_postgres(&url).await;
        }
    }

    #[tokio::test]
    async fn a_legacy_call_table_is_converted_on_postgres_when_configured() {
        if let Some(url) = crate::test_support::fresh_postgres("rbcallsold").await {
            legacy_conversion(&url).await;
            crate::test_support::drop_postgres(&url).await;
        }
    }

    async fn round_trip(url: &str) {
        let store = Store::open(url).await.unwrap();
        let calls: Vec<ApiCall> = (0..2500)
            .map(|i| call(i, Some(if i % 2 == 0 { "a" } else { "b" }), 1_000 + i))
            .chain([call(9, None, 5_000)])
            .collect();
        store.insert_calls(calls.clone()).await.unwrap();
        let a = store.calls_of_app("a", 5000).await.unwrap();
        let mut want: Vec<ApiCall> = calls
            .iter()
            .filter(|c| c.client_key.as_deref() == Some("a"))
            .cloned()
            .collect();
        want.reverse();
        assert_eq!(a, want, "every field back as written, newest first");
        assert_eq!(store.calls_of_app("b", 3).await.unwrap().len(), 3);
        if store.log.separate {
            // Nothing of the log is in the main database.
            let main: Option<(String,)> =
                sqlx::query_as("SELECT name FROM sqlite_master WHERE name LIKE 'api_call%'")
                    .fetch_optional(&store.pool)
                    .await
                    .unwrap();
            assert_eq!(main, None);
        }
        // Two segments (apps a and b) and the one without an app.
        let segments: (i64,) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM api_call_segments")
                .fetch_one(&store.log.pool)
                .await
                .unwrap();
        assert_eq!(segments.0, 3);
        // Later flushes, one of them back in time (a moved clock): still newest first overall.
        store
            .insert_calls(vec![call(7, Some("a"), 10_000), call(8, Some("a"), 500)])
            .await
            .unwrap();
        store
            .insert_calls(vec![call(6, Some("a"), 9_000)])
            .await
            .unwrap();
        let top = store.calls_of_app("a", 3).await.unwrap();
        assert_eq!(
            top.iter().map(|c| c.created_at).collect::<Vec<_>>(),
            vec![10_000, 9_000, 3_498]
        );
        let all = store.calls_of_app("a", 5000).await.unwrap();
        assert_eq!(all.len(), 1253);
        assert_eq!(all.last().unwrap().created_at, 500);
        // Whole segments go once their newest call is past retention.
        assert_eq!(store.prune_calls(3_000).await.unwrap(), 0);
        assert_eq!(store.prune_calls(9_500).await.unwrap(), 4);
        assert_eq!(
            store
                .calls_of_app("a", 5000)
                .await
                .unwrap()
                .iter()
                .map(|c| c.created_at)
                .collect::<Vec<_>>(),
            vec![10_000, 500]
        );
        assert!(store.integrity_check().await.unwrap());
        store.close().await;
    }

    #[tokio::test]
    async fn a_legacy_call_table_is_converted_into_segments() {
        let dir = tempfile::tempdir().unwrap();
        legacy_conversion(&sqlite_url_for(&dir.path().join("r.db"))).await;
    }

    async fn legacy_conversion(url: &str) {
        let store = Store::open(url).await.unwrap();
        // The table as the main database had it before the call log moved.
        sqlx::query(
            "CREATE TABLE api_calls (id TEXT PRIMARY KEY, client_key TEXT, creator_id TEXT, token_hash TEXT, endpoint TEXT NOT NULL, method TEXT NOT NULL, status BIGINT NOT NULL, error_code TEXT NOT NULL, log_id TEXT NOT NULL, latency_ms BIGINT NOT NULL, summary TEXT NOT NULL, injected BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL)",
        )
        .execute(&mut *store.writer.acquire().await.unwrap())
        .await
        .unwrap();
        // The legacy table has no column for leniencies or hosts: its calls convert with none.
        let old: Vec<ApiCall> = (0..4100)
            .map(|i| ApiCall {
                lenient: vec![],
                intercepted_host: None,
                ..call(i, Some("old"), i)
            })
            .collect();
        for c in &old {
            sqlx::query(sql!("INSERT INTO api_calls ({LEGACY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
                .bind(&c.id).bind(&c.client_key).bind(&c.creator_id).bind(&c.token_hash)
                .bind(&c.endpoint).bind(&c.method).bind(c.status).bind(&c.error_code)
                .bind(&c.log_id).bind(c.latency_ms).bind(&c.summary).bind(c.injected.0 as i64)
                .bind(c.created_at)
                .execute(&mut *store.writer.acquire().await.unwrap())
                .await
                .unwrap();
        }
        // A conversion that was cut short left segments behind: they are not counted twice.
        let mut tx = store.log.writer.begin().await.unwrap();
        Store::insert_segments(&mut tx, old[..10].to_vec(), LEGACY_SEGMENT)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        store.close().await;
        let store = Store::open(url).await.unwrap();
        let mut moved = store.calls_of_app("old", 10_000).await.unwrap();
        moved.reverse();
        assert_eq!(moved, old);
        // The old table is gone: inserting into it fails.
        assert!(
            sqlx::query("SELECT COUNT(*) FROM api_calls")
                .execute(&store.pool)
                .await
                .is_err()
        );
        store.close().await;
    }
}

#[cfg(test)]
mod migrate_tests {
    use super::tests_support::call;
    use crate::{Store, sqlite_url_for};

    /// `reelbox migrate` carries the call log too, from its own file into the target's.
    #[tokio::test]
    async fn the_call_log_is_copied_by_a_migration() {
        let dir = tempfile::tempdir().unwrap();
        let from = Store::open(&sqlite_url_for(&dir.path().join("a.db")))
            .await
            .unwrap();
        let calls: Vec<_> = (0..50).map(|i| call(i, Some("app"), 100 + i)).collect();
        from.insert_calls(calls.clone()).await.unwrap();
        let to = Store::open(&sqlite_url_for(&dir.path().join("b.db")))
            .await
            .unwrap();
        let report = from.copy_into(&to).await.unwrap();
        let log = report
            .iter()
            .find(|t| t.table == "api_call_segments")
            .expect("the call log is copied");
        assert!(log.verified() && log.rows_target == 1);
        let mut copied = to.calls_of_app("app", 100).await.unwrap();
        copied.reverse();
        assert_eq!(copied, calls);
    }
}
