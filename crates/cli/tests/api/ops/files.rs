//! What the server writes to its data directory is private to the user it runs as: the
//! directory, the databases and the media hold private posts, drafts and password hashes.
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use reelbox_testkit::posting::inbox_draft;
use reelbox_testkit::{TestServer, World};

use crate::probe_exe;

/// Every file and directory under `dir` (itself included) whose mode lets anyone but its owner
/// in, with that mode.
fn open_to_others(dir: &Path) -> Vec<(String, u32)> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(p) = todo.pop() {
        let meta = std::fs::symlink_metadata(&p).expect("stat");
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            found.push((p.display().to_string(), mode));
        }
        if meta.is_dir() {
            for e in std::fs::read_dir(&p).expect("list") {
                todo.push(e.expect("entry").path());
            }
        }
    }
    found
}

#[tokio::test]
async fn the_data_dir_databases_and_media_are_readable_by_their_owner_only() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // A data dir the server creates itself (the temporary directory is already private).
    let data = tmp.path().join("data");
    let mut cfg = TestServer::config(&data, probe_exe());
    cfg.database_url = None;
    cfg.storage = None;
    let w = World::posting(TestServer::start_with(cfg).await).await;
    inbox_draft(&w, "h264_720x1280_30fps.mp4").await;

    let mode = |p: &Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("reelbox.db")), 0o600);
    let media = data.join("media");
    assert_eq!(mode(&media), 0o700);
    let objects: Vec<_> = walk_files(&media);
    assert!(
        !objects.is_empty(),
        "the upload is stored under {}",
        media.display()
    );
    assert_eq!(open_to_others(&data), Vec::<(String, u32)>::new());
}

fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(p) = todo.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).expect("list") {
                todo.push(e.expect("entry").path());
            }
        } else {
            files.push(p);
        }
    }
    files
}

#[tokio::test]
async fn an_existing_data_dir_open_to_others_is_made_private_at_start() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut cfg = TestServer::config(&data, probe_exe());
    cfg.database_url = None;
    cfg.storage = None;
    let _s = TestServer::start_with(cfg).await;
    assert_eq!(open_to_others(&data), Vec::<(String, u32)>::new());
}
