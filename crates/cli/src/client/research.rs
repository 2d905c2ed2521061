//! `reelbox research validate FILE --category video`: which collected ids are still valid
//! (Research batch compliance), printed one per line.
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::{ClientArgs, connect, explain};

/// `reelbox research …`.
#[derive(Args, Clone, Debug)]
pub struct ResearchArgs {
    #[command(subcommand)]
    pub cmd: ResearchCmd,
}

#[derive(Subcommand, Clone, Debug)]
pub enum ResearchCmd {
    /// Check which video or comment ids of FILE are still valid (needs a client token,
    /// `--token clt.…`, with research.data.basic).
    Validate(ValidateArgs),
}

#[derive(Args, Clone, Debug)]
pub struct ValidateArgs {
    /// Ids, one per line (at most 10,000).
    pub file: PathBuf,
    /// `video` or `comment`.
    #[arg(long, default_value = "video")]
    pub category: String,
    /// Seconds between status checks.
    #[arg(long, default_value_t = 2)]
    pub poll_secs: u64,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Runs `reelbox research`.
pub async fn run(a: ResearchArgs) -> anyhow::Result<()> {
    let ResearchCmd::Validate(v) = a.cmd;
    let text =
        std::fs::read_to_string(&v.file).with_context(|| format!("read {}", v.file.display()))?;
    let ids: Vec<String> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let client = connect(&v.client)?;
    let task = client
        .validation_create(&v.category, &ids)
        .await
        .map_err(explain)?;
    eprintln!("task {task}: Processing");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(v.timeout_secs);
    loop {
        match client
            .validation_status(task)
            .await
            .map_err(explain)?
            .as_str()
        {
            "Completed" => break,
            "Processing" => {}
            other => bail!("task {task} is {other}"),
        }
        if tokio::time::Instant::now() >= deadline {
            bail!(
                "task {task} was still processing after {} s",
                v.timeout_secs
            );
        }
        tokio::time::sleep(Duration::from_secs(v.poll_secs.max(1))).await;
    }
    let valid = client.validation_download(task).await.map_err(explain)?;
    eprintln!(
        "task {task}: {} of {} ids are valid",
        valid.len(),
        ids.len()
    );
    for id in valid {
        println!("{id}");
    }
    Ok(())
}
