//! `reelbox reset`, `reelbox snapshot save|load` and `reelbox seed apply`: what a test suite
//! runs between its tests, through the control API (a running server, or `--data-dir` /
//! `--database-url` in process).
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use reelbox_wire::control::SeedApply;

use crate::control::{Call, Target};

#[derive(Subcommand)]
pub enum SnapshotCmd {
    /// Save the whole state (database and media) into FILE.
    Save {
        file: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Replace the whole state with the snapshot in FILE.
    Load {
        file: PathBuf,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Subcommand)]
pub enum SeedCmd {
    /// Apply a seed file (TOML): apps, creators, tokens, posts, follows, likes, comments,
    /// playlists, shops. Media paths are relative to the file.
    Apply {
        file: PathBuf,
        #[command(flatten)]
        target: Target,
    },
}

pub async fn reset(target: Target) -> anyhow::Result<serde_json::Value> {
    target
        .call(Call::post("/_reelbox/reset", &serde_json::json!({}))?)
        .await
}

pub async fn snapshot(cmd: SnapshotCmd) -> anyhow::Result<serde_json::Value> {
    match cmd {
        SnapshotCmd::Save { file, target } => {
            let client = target.client().await?;
            let saved = client.download("/_reelbox/snapshot", &file).await;
            client.close().await;
            let bytes = saved?;
            Ok(serde_json::json!({"file": file.display().to_string(), "bytes": bytes}))
        }
        SnapshotCmd::Load { file, target } => {
            let client = target.client().await?;
            let loaded = client.upload("/_reelbox/snapshot", &file).await;
            client.close().await;
            loaded
        }
    }
}

pub async fn seed(cmd: SeedCmd) -> anyhow::Result<serde_json::Value> {
    match cmd {
        SeedCmd::Apply { file, target } => {
            let toml = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let dir = file
                .parent()
                .map(|d| {
                    if d.as_os_str().is_empty() {
                        std::path::Path::new(".")
                    } else {
                        d
                    }
                })
                .unwrap_or(std::path::Path::new("."));
            let base = std::fs::canonicalize(dir).with_context(|| format!("{}", dir.display()))?;
            let body = SeedApply {
                toml,
                file: Some(file.display().to_string()),
                base_dir: Some(base.display().to_string()),
            };
            target
                .call(Call::post("/_reelbox/seed/apply", &body)?)
                .await
        }
    }
}
