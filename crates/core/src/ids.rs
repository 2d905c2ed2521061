//! Identifier shapes, mimicking TikTok's where clients can see them.
use rand::Rng;
use rand::distr::Alphanumeric;

/// `YYYYMMDDhhmmss` (UTC) + 20 upper-case hex characters: TikTok's 34-character log id.
pub fn log_id(now_ms: i64) -> String {
    thread_local! {
        // Every request takes a log id: the formatted second is kept per thread.
        static STAMP: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let second = now_ms.div_euclid(1000);
    let tail: [u8; 10] = rand::rng().random();
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
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Lower-case letters and digits, as TikTok's client keys look (`bwo2m45353a6k85`).
pub fn client_key() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let tail: String = (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("aw{tail}")
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
    uuid::Uuid::new_v4().to_string()
}

/// A 19-digit, time-ordered post/video id as TikTok makes them: unix seconds in the high 32 bits,
/// random low bits.
pub fn post_id(now_ms: i64) -> u64 {
    let secs = (now_ms.max(0) / 1000) as u64;
    (secs << 32) | u64::from(rand::rng().random::<u32>())
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
    fn tokens_carry_prefixes() {
        assert!(token(ACCESS_TOKEN_PREFIX).starts_with("act."));
        assert_ne!(token("x."), token("x."));
        assert!(client_key().len() == 18);
    }
}
