//! Identifier shapes, mimicking TikTok's where clients can see them.
//!
//! Every random part comes from [`fill`]: the OS-seeded generator, unless the server installed a
//! hook ([`set_draw_hook`]) that answers from a [`SeededIds`] for the task at hand (deterministic
//! mode), so two runs of the same test see the same ids, keys and tokens.
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

/// Fills `out` with the next bytes of `kind`'s stream; `false` when no seeded source applies.
pub type DrawHook = fn(kind: &'static str, out: &mut [u8]) -> bool;

static HOOK: OnceLock<DrawHook> = OnceLock::new();

/// Installs the hook once per process (later calls keep the first).
pub fn set_draw_hook(hook: DrawHook) {
    let _ = HOOK.set(hook);
}

/// The seeded bytes of `kind`, when a seeded source applies to the caller.
fn seeded(kind: &'static str, n: usize) -> Option<Vec<u8>> {
    let hook = HOOK.get()?;
    let mut out = vec![0u8; n];
    hook(kind, &mut out).then_some(out)
}

/// A deterministic source of ids: a stream per kind of id, each block SHA-256(seed, kind,
/// counter). One stream per kind keeps, say, the post ids the worker makes from shifting the
/// tokens a request makes when the two interleave differently from one run to the next.
pub struct SeededIds {
    seed: u64,
    counters: Mutex<HashMap<&'static str, u64>>,
}

impl SeededIds {
    pub fn new(seed: u64) -> SeededIds {
        SeededIds {
            seed,
            counters: Mutex::new(HashMap::new()),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Back to the start of every stream (a reset gives the next test the same ids again).
    pub fn restart(&self) {
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn fill(&self, kind: &'static str, out: &mut [u8]) {
        let n = {
            let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
            let n = c.entry(kind).or_insert(0);
            *n += 1;
            *n
        };
        for (block, chunk) in out.chunks_mut(32).enumerate() {
            let mut h = Sha256::new();
            h.update(self.seed.to_be_bytes());
            h.update(kind.as_bytes());
            h.update(n.to_be_bytes());
            h.update((block as u64).to_be_bytes());
            let d = h.finalize();
            chunk.copy_from_slice(&d[..chunk.len()]);
        }
    }
}

/// `len` characters of `alphabet`, seeded for `kind` when a seeded source applies.
fn from_alphabet(kind: &'static str, alphabet: &[u8], len: usize) -> String {
    match seeded(kind, len) {
        Some(bytes) => bytes
            .iter()
            .map(|b| alphabet[*b as usize % alphabet.len()] as char)
            .collect(),
        None => {
            let mut rng = rand::rng();
            (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                .collect()
        }
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `YYYYMMDDhhmmss` (UTC) + 20 upper-case hex characters: TikTok's 34-character log id.
pub fn log_id(now_ms: i64) -> String {
    thread_local! {
        // Every request takes a log id: the formatted second is kept per thread.
        static STAMP: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let second = now_ms.div_euclid(1000);
    let tail: [u8; 10] = match seeded("log_id", 10) {
        Some(b) => b.try_into().unwrap_or_default(),
        None => rand::rng().random(),
    };
    STAMP.with_borrow_mut(|(at, stamp)| {
        if *at != second {
            let ts = time::OffsetDateTime::from_unix_timestamp(second)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
            *stamp = ts.format(&fmt).unwrap_or_else(|_| "19700101000000".into());
            *at = second;
        }
        let mut id = String::with_capacity(stamp.len() + 20);
        id.push_str(stamp);
        id.push_str(&hex::encode_upper(tail));
        id
    })
}

/// `len` random ASCII letters and digits from the OS-seeded generator.
pub fn random_alnum(len: usize) -> String {
    if HOOK.get().is_some() {
        return from_alphabet("alnum", ALNUM, len);
    }
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Lower-case letters and digits, as TikTok's client keys look (`bwo2m45353a6k85`).
pub fn client_key() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    format!("aw{}", from_alphabet("client_key", ALPHABET, 16))
}

/// A bearer credential with its kind's prefix (`act.`, `rft.`, `clt.`): 48 random characters
/// (≈ 285 bits), so guessing is hopeless; only its SHA-256 is stored.
pub fn token(prefix: &str) -> String {
    format!("{prefix}{}", random_alnum(48))
}

pub const ACCESS_TOKEN_PREFIX: &str = "act.";
pub const REFRESH_TOKEN_PREFIX: &str = "rft.";
pub const CLIENT_TOKEN_PREFIX: &str = "clt.";

/// An authorization code (single use, short-lived).
pub fn auth_code() -> String {
    random_alnum(64)
}

/// A per-(app, creator) `open_id` in TikTok's UUID shape.
pub fn open_id() -> String {
    if let Some(b) = seeded("open_id", 16) {
        let b: [u8; 16] = b.try_into().unwrap_or_default();
        return uuid::Builder::from_random_bytes(b).into_uuid().to_string();
    }
    uuid::Uuid::new_v4().to_string()
}

/// A 19-digit, time-ordered post/video id as TikTok makes them: unix seconds in the high 32 bits,
/// random low bits.
pub fn post_id(now_ms: i64) -> u64 {
    let secs = (now_ms.max(0) / 1000) as u64;
    let low = match seeded("post_id", 4) {
        Some(b) => u32::from_be_bytes(b.try_into().unwrap_or_default()),
        None => rand::rng().random::<u32>(),
    };
    (secs << 32) | u64::from(low)
}

/// What kind of publish an id names; its prefix follows the spec's examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishKind {
    DirectFile,
    DirectUrl,
    InboxFile,
    InboxUrl,
    Photo,
}

impl PublishKind {
    pub fn prefix(self) -> &'static str {
        match self {
            PublishKind::DirectFile => "v_pub_file~v2-1.",
            PublishKind::DirectUrl => "v_pub_url~v2.",
            PublishKind::InboxFile => "v_inbox_file~v2.",
            PublishKind::InboxUrl => "v_inbox_url~v2.",
            PublishKind::Photo => "p_pub_url~v2.",
        }
    }
}

/// `v_pub_file~v2-1.<19 digits>` and friends (≤ 64 characters).
pub fn publish_id(kind: PublishKind, now_ms: i64) -> String {
    format!("{}{}", kind.prefix(), post_id(now_ms))
}

/// The stored object of a publish's video (`~` and `.` of the id kept out of object keys).
pub fn publish_media_key(publish_id: &str) -> String {
    format!("media/{}", publish_id.replace(['~', '.'], "_"))
}

/// The stored object of photo `i` of a photo publish.
pub fn publish_photo_key(publish_id: &str, i: usize) -> String {
    format!("photos/{}/{i}", publish_id.replace(['~', '.'], "_"))
}

/// The secret part of an upload URL.
pub fn upload_token() -> String {
    random_alnum(40)
}

/// A generic opaque id for internal rows.
pub fn row_id() -> String {
    if let Some(b) = seeded("row_id", 16) {
        let b: [u8; 16] = b.try_into().unwrap_or_default();
        return uuid::Builder::from_random_bytes(b)
            .into_uuid()
            .simple()
            .to_string();
    }
    uuid::Uuid::new_v4().simple().to_string()
}

/// A row id that sorts by creation time (UUIDv7, system clock), for append-mostly tables such as
/// the call log: new rows land at the end of the primary-key B-tree instead of on a random page,
/// which keeps each batch's writes to a few pages.
pub fn ordered_row_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_row_ids_sort_by_creation() {
        let ids: Vec<String> = (0..1000).map(|_| ordered_row_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|i| i.len() == 32));
    }

    #[test]
    fn log_id_has_tiktoks_shape() {
        let id = log_id(1_665_528_524_000);
        assert_eq!(id.len(), 34);
        assert!(id.starts_with("20221011224844"));
        assert!(
            id[14..]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
        // The kept stamp follows the clock, also backwards (a moved sandbox clock).
        assert!(log_id(1_665_528_525_000).starts_with("20221011224845"));
        assert!(log_id(1_000).starts_with("19700101000001"));
        assert_ne!(log_id(1_000), log_id(1_000));
    }

    #[test]
    fn post_ids_are_19_digits_and_time_ordered() {
        let now = 1_780_000_000_000;
        let a = post_id(now);
        let b = post_id(now + 1000);
        assert_eq!(a.to_string().len(), 19);
        assert!(b > a);
        assert_eq!(a >> 32, 1_780_000_000);
    }

    #[test]
    fn publish_ids_fit_64_chars() {
        let id = publish_id(PublishKind::DirectFile, 1_780_000_000_000);
        assert!(id.starts_with("v_pub_file~v2-1."));
        assert!(id.len() <= 64);
    }

    #[test]
    fn a_seeded_source_repeats_its_streams_and_keeps_kinds_apart() {
        let a = SeededIds::new(7);
        let mut x = [0u8; 40];
        let mut y = [0u8; 40];
        a.fill("token", &mut x);
        a.fill("token", &mut y);
        assert_ne!(x, y);
        let b = SeededIds::new(7);
        let mut z = [0u8; 40];
        b.fill("post_id", &mut z);
        b.fill("token", &mut z);
        assert_eq!(x, z, "another kind's draws do not shift a stream");
        b.restart();
        b.fill("token", &mut z);
        assert_eq!(x, z);
        let mut w = [0u8; 40];
        SeededIds::new(8).fill("token", &mut w);
        assert_ne!(x, w);
    }

    #[test]
    fn tokens_carry_prefixes() {
        assert!(token(ACCESS_TOKEN_PREFIX).starts_with("act."));
        assert_ne!(token("x."), token("x."));
        assert!(client_key().len() == 18);
    }
}
