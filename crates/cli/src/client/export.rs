//! `reelbox export --out FILE`: asks for the logged-in creator's data (Data Portability), waits
//! until the archive is ready and saves the zip, streamed to the file.
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{ClientArgs, connect, explain};

/// Options of `reelbox export`.
#[derive(Args, Clone, Debug)]
pub struct ExportArgs {
    /// Where to save the zip.
    #[arg(long)]
    pub out: PathBuf,
    /// `json` or `text`.
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Categories: all_data, video, profile, activity, direct_message (repeatable).
    #[arg(long = "category", default_value = "all_data")]
    pub categories: Vec<String>,
    /// Seconds between status checks.
    #[arg(long, default_value_t = 5)]
    pub poll_secs: u64,
    /// Give up after this many seconds of waiting.
    #[arg(long, default_value_t = 3_600)]
    pub timeout_secs: u64,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Runs `reelbox export`.
pub async fn run(a: ExportArgs) -> anyhow::Result<()> {
    let client = connect(&a.client)?;
    let cats: Vec<&str> = a.categories.iter().map(String::as_str).collect();
    let id = client.data_add(&a.format, &cats).await.map_err(explain)?;
    eprintln!("request {id}: pending");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(a.timeout_secs);
    loop {
        let v = client.data_check(id).await.map_err(explain)?;
        match v["status"].as_str().unwrap_or("") {
            "downloading" => break,
            "pending" => {}
            other => bail!("request {id} is {other}"),
        }
        if tokio::time::Instant::now() >= deadline {
            bail!("request {id} was still pending after {} s", a.timeout_secs);
        }
        tokio::time::sleep(Duration::from_secs(a.poll_secs.max(1))).await;
    }
    let resp = client.data_download(id).await.map_err(explain)?;
    let mut file = tokio::fs::File::create(&a.out)
        .await
        .with_context(|| format!("create {}", a.out.display()))?;
    let mut body = resp.bytes_stream();
    let mut n = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        n += chunk.len() as u64;
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    eprintln!("request {id}: {n} bytes saved to {}", a.out.display());
    Ok(())
}
