//! Secrets kept in files of the data directory (the master key, the admin token), mode 0600.
use std::path::Path;

/// Reads or creates a secret file with mode 0600.
pub fn read_or_create_secret(
    path: &Path,
    make: impl FnOnce() -> String,
) -> std::io::Result<(String, bool)> {
    if let Ok(s) = std::fs::read_to_string(path) {
        let s = s.trim().to_string();
        if !s.is_empty() {
            return Ok((s, false));
        }
    }
    let value = make();
    write_private(path, &value)?;
    Ok((value, true))
}

pub fn write_private(path: &Path, value: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(path)?;
    f.write_all(value.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}
