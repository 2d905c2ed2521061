//! Snapshots: the whole platform state (every base table and every stored object) in one
//! versioned file, written and read as a stream so memory stays flat whatever the state's size.
//!
//! The file is [`MAGIC`](reelbox_store::snapshot::MAGIC), then frames (`tag`, `u32` length,
//! payload): a header (`H`, JSON [`Header`]), the tables (`reelbox_store::snapshot`), the
//! objects (`B` with the key and size, `C` pieces of at most [`PIECE`] bytes, `F` with the
//! SHA-256), and an end (`Z`, JSON [`End`]). Values are typed as the database reported them, so
//! a snapshot taken on SQLite loads on PostgreSQL and back; objects are keyed as the blob store
//! lists them, so local disk and S3 exchange them too. Unfinished uploads' data (`uploads/`,
//! `tmp/`) are not kept: a publish caught mid-upload loads without its chunks.
use futures::StreamExt;
use reelbox_store::snapshot::{MAGIC, TableSum, read_frame, write_frame};
use reelbox_wire::control::{SnapshotLoaded, SnapshotTable};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::state::AppState;

/// The file format's version; a reader refuses any other.
pub const FORMAT_VERSION: u32 = 1;
/// The largest piece of an object in one frame.
pub const PIECE: usize = 1 << 20;

const HEADER: u8 = b'H';
const BLOB: u8 = b'B';
const PIECE_TAG: u8 = b'C';
const BLOB_END: u8 = b'F';
const END: u8 = b'Z';

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The newest migration of the database it was taken from.
    pub schema: i64,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Server time when it was taken.
    pub taken_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct End {
    pub objects: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BlobHead {
    key: String,
    size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BlobEnd {
    sha256: String,
}

/// Why a snapshot was refused: the input's fault (a 400), not the server's.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn backend_name(st: &AppState) -> &'static str {
    match st.store.backend {
        reelbox_store::Backend::Sqlite => "sqlite",
        reelbox_store::Backend::Postgres => "postgres",
    }
}

/// Whether an object belongs in a snapshot: objects, not an unfinished upload's data.
fn kept(key: &str) -> bool {
    !(key.starts_with("uploads/") || key.starts_with("tmp/"))
}

fn to_json(v: &impl Serialize) -> anyhow::Result<Vec<u8>> {
    Ok(serde_json::to_vec(v)?)
}

/// Writes the whole state to `w`.
pub async fn save<W: AsyncWrite + Unpin>(st: &AppState, w: &mut W) -> anyhow::Result<End> {
    // What the call log and the quota tally hold in memory belongs in the snapshot too.
    st.calls.flush().await;
    st.research_tally.flush(&st.store).await;
    w.write_all(MAGIC).await?;
    let header = Header {
        format: "reelbox-snapshot".into(),
        version: FORMAT_VERSION,
        schema: st.store.schema_version().await?,
        backend: backend_name(st).into(),
        taken_at: st.now(),
    };
    write_frame(w, HEADER, &to_json(&header)?).await?;
    st.store.dump_tables(w).await?;
    let mut end = End {
        objects: 0,
        bytes: 0,
    };
    let mut listing = st.blobs.list();
    while let Some(entry) = listing.next().await {
        let entry = entry?;
        if !kept(&entry.key) {
            continue;
        }
        write_frame(
            w,
            BLOB,
            &to_json(&BlobHead {
                key: entry.key.clone(),
                size: entry.size,
            })?,
        )
        .await?;
        let mut body = st.blobs.read(&entry.key, None).await?;
        let mut h = Sha256::new();
        while let Some(bytes) = body.next().await {
            let bytes = bytes?;
            for piece in bytes.chunks(PIECE) {
                h.update(piece);
                write_frame(w, PIECE_TAG, piece).await?;
                end.bytes += piece.len() as u64;
            }
        }
        write_frame(
            w,
            BLOB_END,
            &to_json(&BlobEnd {
                sha256: hex::encode(h.finalize()),
            })?,
        )
        .await?;
        end.objects += 1;
    }
    write_frame(w, END, &to_json(&end)?).await?;
    w.flush().await?;
    Ok(end)
}

fn refused(msg: impl Into<String>) -> anyhow::Error {
    Refused(msg.into()).into()
}

/// Replaces the whole state with the snapshot `r` holds. The header is checked before anything
/// is touched; a snapshot found broken further on leaves the state partly loaded (the error
/// says so: load a good one, or reset).
pub async fn load<R: AsyncRead + Unpin>(
    st: &AppState,
    r: &mut R,
) -> anyhow::Result<SnapshotLoaded> {
    anyhow::ensure!(
        st.sandbox(),
        Refused("a snapshot is loaded in sandbox mode only".into())
    );
    let mut magic = vec![0u8; MAGIC.len()];
    if r.read_exact(&mut magic).await.is_err() || magic != MAGIC {
        return Err(refused(
            "not a reelbox snapshot (it does not begin with REELBOX-SNAPSHOT)",
        ));
    }
    let mut buf = Vec::new();
    if read_frame(r, &mut buf)
        .await
        .map_err(|e| refused(e.to_string()))?
        != Some(HEADER)
    {
        return Err(refused("the snapshot has no header"));
    }
    let header: Header =
        serde_json::from_slice(&buf).map_err(|e| refused(format!("the snapshot's header: {e}")))?;
    if header.format != "reelbox-snapshot" || header.version != FORMAT_VERSION {
        return Err(refused(format!(
            "snapshot format {} version {} cannot be read: this reelbox reads reelbox-snapshot version {FORMAT_VERSION}",
            header.format, header.version
        )));
    }
    let ours = st.store.schema_version().await?;
    if header.schema > ours {
        return Err(refused(format!(
            "the snapshot's schema ({}, taken on {}) is newer than this {} database's ({ours}): load it with the reelbox that took it or a newer one",
            header.schema,
            header.backend,
            backend_name(st)
        )));
    }
    st.calls.flush().await;
    st.research_tally.clear().await;
    st.store.clear_all().await?;
    super::testing::clear_blobs(st).await?;
    super::testing::forget_memory(st);
    let broken = |e: anyhow::Error| {
        refused(format!(
            "{e:#} (the state is now partly loaded: load a good snapshot or reset)"
        ))
    };
    let (mut tag, tables) = st
        .store
        .load_tables(r, &mut buf)
        .await
        .map_err(|e| broken(e.into()))?;
    let mut loaded = End {
        objects: 0,
        bytes: 0,
    };
    while tag == Some(BLOB) {
        let head: BlobHead = serde_json::from_slice(&buf).map_err(|e| broken(e.into()))?;
        let (bytes, sha, next) = load_blob(st, r, &mut buf, &head.key)
            .await
            .map_err(broken)?;
        if next != Some(BLOB_END) {
            return Err(broken(anyhow::anyhow!("object {} is cut short", head.key)));
        }
        let end: BlobEnd = serde_json::from_slice(&buf).map_err(|e| broken(e.into()))?;
        if end.sha256 != sha || bytes != head.size {
            return Err(broken(anyhow::anyhow!(
                "object {} holds {bytes} bytes (SHA-256 {sha}) but the snapshot says {} ({})",
                head.key,
                head.size,
                end.sha256
            )));
        }
        loaded.objects += 1;
        loaded.bytes += bytes;
        tag = read_frame(r, &mut buf)
            .await
            .map_err(|e| broken(e.into()))?;
    }
    if tag != Some(END) {
        return Err(broken(anyhow::anyhow!(
            "the snapshot is cut short (no end)"
        )));
    }
    let end: End = serde_json::from_slice(&buf).map_err(|e| broken(e.into()))?;
    if end.objects != loaded.objects || end.bytes != loaded.bytes {
        return Err(broken(anyhow::anyhow!(
            "the snapshot's end counts {} objects ({} bytes); {} ({} bytes) were read",
            end.objects,
            end.bytes,
            loaded.objects,
            loaded.bytes
        )));
    }
    // The clock the snapshot holds applies from now.
    st.load_clock().await?;
    st.work.notify_one();
    Ok(SnapshotLoaded {
        format_version: header.version,
        schema: header.schema,
        taken_on: header.backend,
        tables: tables.into_iter().map(table_view).collect(),
        objects: loaded.objects,
        bytes: loaded.bytes,
    })
}

fn table_view(t: TableSum) -> SnapshotTable {
    SnapshotTable {
        table: t.table,
        rows: t.rows,
        checksum: t.checksum,
    }
}

/// Streams one object's pieces into the blob store while they are read; its size, SHA-256 and
/// the tag of the frame after its last piece.
async fn load_blob<R: AsyncRead + Unpin>(
    st: &AppState,
    r: &mut R,
    buf: &mut Vec<u8>,
    key: &str,
) -> anyhow::Result<(u64, String, Option<u8>)> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let body: reelbox_media::blob::ByteStream = Box::pin(tokio_stream_from(rx));
    let put = st.blobs.put_stream(key, body);
    let feed = async {
        let mut h = Sha256::new();
        let mut n = 0u64;
        let next = loop {
            let tag = read_frame(r, buf).await?;
            if tag != Some(PIECE_TAG) {
                break tag;
            }
            h.update(&buf[..]);
            n += buf.len() as u64;
            if tx
                .send(Ok(bytes::Bytes::copy_from_slice(buf)))
                .await
                .is_err()
            {
                break None;
            }
        };
        drop(tx);
        anyhow::Ok((n, hex::encode(h.finalize()), next))
    };
    let (stored, fed) = tokio::join!(put, feed);
    let fed = fed?;
    stored?;
    Ok(fed)
}

fn tokio_stream_from<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures::Stream<Item = T> + Send {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Per-table checksums of the database now, and of the stored objects (key, SHA-256), for
/// comparing two states.
pub async fn sums(st: &AppState) -> anyhow::Result<(Vec<SnapshotTable>, Vec<(String, String)>)> {
    // As a snapshot would see them: what memory holds written first.
    st.calls.flush().await;
    st.research_tally.flush(&st.store).await;
    let tables = st
        .store
        .table_sums()
        .await?
        .into_iter()
        .map(table_view)
        .collect();
    let mut objects = Vec::new();
    let mut listing = st.blobs.list();
    while let Some(e) = listing.next().await {
        let e = e?;
        if !kept(&e.key) {
            continue;
        }
        let mut body = st.blobs.read(&e.key, None).await?;
        let mut h = Sha256::new();
        while let Some(b) = body.next().await {
            h.update(&b?);
        }
        objects.push((e.key, hex::encode(h.finalize())));
    }
    objects.sort();
    Ok((tables, objects))
}
