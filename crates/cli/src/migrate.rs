//! `reelbox migrate`: moves an embedded installation (SQLite + local media) to PostgreSQL (and its
//! media to S3), then proves it: row counts and checksums per table, SHA-256 per object.
use std::path::Path;

use anyhow::{Context, bail};
use futures::StreamExt;
use reelbox_store::Store;
use sha2::{Digest, Sha256};

async fn sha_of(blobs: &dyn reelbox_media::BlobStore, key: &str) -> anyhow::Result<(String, u64)> {
    let mut s = blobs.read(key, None).await?;
    let mut h = Sha256::new();
    let mut n = 0u64;
    while let Some(b) = s.next().await {
        let b = b?;
        n += b.len() as u64;
        h.update(&b);
    }
    Ok((hex::encode(h.finalize()), n))
}

pub async fn run(
    from: &str,
    to: &str,
    from_storage: Option<&str>,
    to_storage: Option<&str>,
    data_dir: &Path,
) -> anyhow::Result<serde_json::Value> {
    let source = Store::open(from)
        .await
        .with_context(|| format!("opening {from}"))?;
    let target = Store::open(to)
        .await
        .with_context(|| format!("opening {to}"))?;
    eprintln!("copying tables from {from} to {to}");
    let tables = source.copy_into(&target).await?;
    let mut ok = tables.iter().all(|t| t.verified());
    for t in &tables {
        eprintln!(
            "  {:<22} {:>9} rows  {}",
            t.table,
            t.rows_target,
            if t.verified() {
                "checksum ok"
            } else {
                "MISMATCH"
            }
        );
    }
    let mut objects = Vec::new();
    if let Some(dest) = to_storage {
        let src = reelbox_server::open_blobs(from_storage, data_dir)?;
        let dst = reelbox_server::open_blobs(Some(dest), data_dir)?;
        let keys = source.object_keys().await?;
        eprintln!("copying {} media objects to {dest}", keys.len());
        for key in keys {
            let (want, size) = sha_of(src.as_ref(), &key)
                .await
                .with_context(|| format!("reading {key}"))?;
            dst.put_stream(&key, src.read(&key, None).await?)
                .await
                .with_context(|| format!("writing {key}"))?;
            let (got, got_size) = sha_of(dst.as_ref(), &key).await?;
            let same = want == got && size == got_size;
            ok &= same;
            objects.push(
                serde_json::json!({"key": key, "bytes": size, "sha256": want, "verified": same}),
            );
        }
    }
    source.close().await;
    target.close().await;
    let report = serde_json::json!({"verified": ok, "tables": tables, "objects": objects});
    if !ok {
        println!("{}", serde_json::to_string_pretty(&report)?);
        bail!("the copy does not match the source");
    }
    Ok(report)
}
