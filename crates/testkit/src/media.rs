//! Media for uploads: the repository's fixtures under `testdata/media`, and MP4s made large.
use std::path::{Path, PathBuf};

/// Where the repository's media fixtures are.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/media")
        .join(name)
}

/// A valid MP4 padded with a trailing `free` box to `size` bytes (so it needs several chunks).
pub fn padded_mp4(size: usize) -> Vec<u8> {
    let mut v = std::fs::read(fixture("h264_720x1280_30fps.mp4")).unwrap();
    let pad = size - v.len();
    v.extend_from_slice(&(pad as u32).to_be_bytes());
    v.extend_from_slice(b"free");
    v.resize(size, 0);
    v
}
