//! What the storage sweeper may delete: the rules, apart from listing and deleting. A blob is
//! kept when the database refers to it or its publish is still in progress, and when it is
//! younger than the age threshold (it may be being written); otherwise it is an abandoned
//! upload's data, a partial file a crash left, or an object nothing refers to.
use std::collections::HashSet;

/// Why a blob is deleted, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Referred to by a post or a publish, or its publish is in progress.
    Keep,
    /// Younger than the threshold.
    Young,
    /// An upload's chunk data whose publish failed, expired or is gone.
    AbandonedUpload,
    /// A file a `put_stream` cut short left behind (a failed pull or cover).
    Partial,
    /// A stored object no post or publish refers to (rejected or deleted media, an unfinished
    /// pull's object).
    Orphan,
}

/// What the database says, gathered once per sweep.
#[derive(Debug, Default)]
pub struct Known {
    /// Every object key a post or a settled publish refers to.
    pub referenced: HashSet<String>,
    /// Publishes still in progress, by id as uploads name them and as object keys do.
    pub in_progress: HashSet<String>,
}

impl Known {
    pub fn new(referenced: Vec<String>, in_progress: Vec<String>) -> Known {
        let in_progress = in_progress
            .into_iter()
            .flat_map(|id| [object_key_part(&id), id])
            .collect();
        Known {
            referenced: referenced.into_iter().collect(),
            in_progress,
        }
    }
}

/// A publish id as it appears in object keys (`~` and `.` kept out of them).
pub fn object_key_part(publish_id: &str) -> String {
    publish_id.replace(['~', '.'], "_")
}

/// The publish a key belongs to, by the layouts `uploads/<id>[/<part>]`, `media/<id>`,
/// `photos/<id>/<n>`, `covers/<id>.jpg`.
fn owner(key: &str) -> Option<&str> {
    let (dir, rest) = key.split_once('/')?;
    match dir {
        "uploads" | "photos" => rest.split('/').next(),
        "media" => Some(rest),
        "covers" => Some(rest.strip_suffix(".jpg").unwrap_or(rest)),
        _ => None,
    }
}

/// The verdict on the blob `key`, `age_ms` old, with blobs younger than `min_age_ms` kept.
pub fn judge(key: &str, age_ms: i64, min_age_ms: i64, known: &Known) -> Verdict {
    if known.referenced.contains(key) || owner(key).is_some_and(|o| known.in_progress.contains(o)) {
        return Verdict::Keep;
    }
    if age_ms < min_age_ms {
        return Verdict::Young;
    }
    match key.split_once('/').map(|(dir, _)| dir) {
        Some("uploads") => Verdict::AbandonedUpload,
        Some("tmp") => Verdict::Partial,
        _ => Verdict::Orphan,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known::new(
            vec![
                "media/v_pub_file_v2-1_1".into(),
                "covers/v_pub_file_v2-1_1.jpg".into(),
            ],
            vec!["v_pub_file~v2-1.2".into()],
        )
    }

    #[test]
    fn what_is_referred_to_or_in_progress_is_kept_whatever_its_age() {
        let k = known();
        for key in [
            "media/v_pub_file_v2-1_1",
            "covers/v_pub_file_v2-1_1.jpg",
            "uploads/v_pub_file~v2-1.2",
            "uploads/v_pub_file~v2-1.2/00001",
            "media/v_pub_file_v2-1_2",
            "photos/v_pub_file_v2-1_2/0",
            "covers/v_pub_file_v2-1_2.jpg",
        ] {
            assert_eq!(judge(key, i64::MAX, 1000, &k), Verdict::Keep, "{key}");
        }
    }

    #[test]
    fn the_rest_goes_once_older_than_the_threshold() {
        let k = known();
        assert_eq!(
            judge("uploads/v_pub_file~v2-1.3/00001", 999, 1000, &k),
            Verdict::Young
        );
        assert_eq!(
            judge("uploads/v_pub_file~v2-1.3/00001", 1000, 1000, &k),
            Verdict::AbandonedUpload
        );
        assert_eq!(
            judge("uploads/v_pub_file~v2-1.3", 5000, 1000, &k),
            Verdict::AbandonedUpload
        );
        assert_eq!(judge("tmp/put-123", 5000, 1000, &k), Verdict::Partial);
        assert_eq!(
            judge("media/v_pub_file_v2-1_3", 5000, 1000, &k),
            Verdict::Orphan
        );
        assert_eq!(judge("photos/gone/0", 5000, 1000, &k), Verdict::Orphan);
        assert_eq!(judge("something-else", 5000, 1000, &k), Verdict::Orphan);
    }
}
