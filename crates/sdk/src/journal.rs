//! The publish journal: one small JSON file per publish, written atomically *before* each step
//! that the platform cannot undo, so that after a crash, a lost connection or an expired token the
//! publisher resumes or checks status instead of initialising a second publish (the usual cause
//! of duplicate posts).
use std::path::{Path, PathBuf};

use reelbox_wire::posting::StatusData;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::oauth::write_private_atomic;

/// Where a publish stands, as far as this client knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalState {
    /// The init request is about to be (or was) sent; its answer was not recorded.
    Initiating,
    /// Init answered: `publish_id` (and `upload_url`) recorded; bytes may be missing.
    Uploading,
    /// Every byte is with the platform (or it pulls them); only status is left to learn.
    Uploaded,
    /// A terminal status was seen; nothing more will happen.
    Finished,
}

/// What is being published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalKind {
    /// A local video file (FILE_UPLOAD).
    VideoFile,
    /// A video the platform pulls (PULL_FROM_URL).
    VideoUrl,
    /// Photos the platform pulls.
    Photos,
}

/// One publish's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The caller's idempotency key.
    pub key: String,
    /// Where it stands.
    pub state: JournalState,
    /// What it is.
    pub kind: JournalKind,
    /// To the creator's inbox (upload) rather than Direct Post.
    pub inbox: bool,
    /// The local file, for FILE_UPLOAD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Size, modification time and edge bytes of the file: a resume refuses a changed file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// From init.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_id: Option<String>,
    /// From init (FILE_UPLOAD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<String>,
    /// The chunk plan sent at init.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_size: Option<u64>,
    /// The chunk plan sent at init.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_size: Option<u64>,
    /// The chunk plan sent at init.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_count: Option<u64>,
    /// The last status seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusData>,
    /// Publish ids given up on (an upload URL that expired before the bytes arrived): they can
    /// never become posts, so a new init was safe.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub abandoned: Vec<String>,
    /// Epoch milliseconds.
    pub created_at_ms: i64,
    /// Epoch milliseconds.
    pub updated_at_ms: i64,
}

/// A directory of journal entries.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    /// A journal in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Journal {
        Journal { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `key`: the key itself when it is a safe file name, else its SHA-256.
    pub fn path_of(&self, key: &str) -> PathBuf {
        let safe = !key.is_empty()
            && key.len() <= 100
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            && !key.starts_with('.');
        let name = if safe {
            key.to_string()
        } else {
            hex::encode(Sha256::digest(key.as_bytes()))
        };
        self.dir.join(format!("{name}.json"))
    }

    /// The entry of `key`, if any.
    pub fn load(&self, key: &str) -> Result<Option<JournalEntry>> {
        let p = self.path_of(key);
        match std::fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|e| {
                Error::Unsafe(format!(
                    "the journal entry {} is unreadable ({e}); check the publish by hand before removing it",
                    p.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes `e` atomically (temporary file, fsync, rename).
    pub fn save(&self, e: &JournalEntry) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(e).map_err(|x| Error::Protocol(x.to_string()))?;
        write_private_atomic(&self.path_of(&e.key), &bytes)?;
        Ok(())
    }

    /// Forgets `key` (so that it may be published again).
    pub fn remove(&self, key: &str) -> Result<()> {
        match std::fs::remove_file(self.path_of(key)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every entry, oldest first.
    pub fn list(&self) -> Result<Vec<JournalEntry>> {
        let mut out = Vec::new();
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e.into()),
        };
        for f in rd {
            let f = f?;
            if f.path().extension().is_some_and(|x| x == "json")
                && let Ok(e) = serde_json::from_slice::<JournalEntry>(&std::fs::read(f.path())?)
            {
                out.push(e);
            }
        }
        out.sort_by_key(|e| e.created_at_ms);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_safe_names() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("j"));
        assert_eq!(j.load("a").unwrap(), None);
        let e = JournalEntry {
            key: "a/../b".into(),
            state: JournalState::Initiating,
            kind: JournalKind::VideoFile,
            inbox: false,
            path: None,
            fingerprint: None,
            publish_id: None,
            upload_url: None,
            video_size: None,
            chunk_size: None,
            chunk_count: None,
            status: None,
            abandoned: vec![],
            created_at_ms: 1,
            updated_at_ms: 1,
        };
        j.save(&e).unwrap();
        assert_eq!(j.path_of(&e.key).parent().unwrap(), dir.path().join("j"));
        assert_eq!(j.load("a/../b").unwrap(), Some(e.clone()));
        assert_eq!(j.list().unwrap().len(), 1);
        j.remove("a/../b").unwrap();
        assert_eq!(j.load("a/../b").unwrap(), None);
    }
}
