//! What a test suite calls between its tests: a reset, snapshots and seed files
//! (`/_reelbox/reset`, `/_reelbox/snapshot`, `/_reelbox/seed`).
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The answer of `POST /_reelbox/reset`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResetView {
    /// Stored objects deleted (media, covers, unfinished uploads).
    pub blobs_deleted: u64,
    /// The seed file applied again after emptying, when the server has one (`--seed`).
    pub seed_file: Option<String>,
}

/// One table of a snapshot: its rows and their checksum (SHA-256 over the rows in the order of
/// all their columns, the same on SQLite and PostgreSQL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SnapshotTable {
    pub table: String,
    pub rows: u64,
    pub checksum: String,
}

/// The answer of `PUT /_reelbox/snapshot`: what was loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SnapshotLoaded {
    /// The snapshot file format's version.
    pub format_version: u32,
    /// The newest migration of the database the snapshot was taken from.
    pub schema: i64,
    /// The backend it was taken on (`sqlite`, `postgres`).
    pub taken_on: String,
    pub tables: Vec<SnapshotTable>,
    /// Stored objects loaded, and their bytes.
    pub objects: u64,
    pub bytes: u64,
}

/// Body of `POST /_reelbox/seed`: a seed file's text, the name its errors give, and the
/// directory its media paths are relative to (the file's own by default on the command line).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SeedApply {
    /// The TOML text.
    pub toml: String,
    /// How errors name the file (default `seed.toml`).
    #[serde(default)]
    pub file: Option<String>,
    /// Where relative media paths are read from, on the server's machine (default: its working
    /// directory).
    #[serde(default)]
    pub base_dir: Option<String>,
}

/// The answer of `POST /_reelbox/seed`: how many of each section's entries were created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SeedApplied {
    pub apps: u64,
    pub creators: u64,
    pub tokens: u64,
    pub posts: u64,
    pub follows: u64,
    pub likes: u64,
    pub comments: u64,
    pub playlists: u64,
    pub shops: u64,
    pub ads: u64,
}

/// A snapshot file as `GET /_reelbox/snapshot` gives it and `PUT /_reelbox/snapshot` takes it:
/// binary (`REELBOX-SNAPSHOT`, then frames), described here for `/openapi.json` only.
#[derive(Debug, Clone, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct SnapshotFile(pub Vec<u8>);
