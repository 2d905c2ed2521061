//! Chunk PUTs in flight per publisher (`limits.max_concurrent_uploads_per_token`): a slot is held
//! for the length of one PUT and freed when its guard drops, however the request ends.
//!
//! Also the one writer of each upload: a second PUT to an upload while one is being written would
//! write into the same file, and once the first completed the upload (and the file became the
//! published object) the late writer's bytes would swap media that had already been checked.
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Chunk PUTs in flight per publisher (app and creator: the grant behind the access token that
/// made the upload URL).
#[derive(Default)]
pub struct UploadSlots {
    held: Mutex<HashMap<String, usize>>,
    /// Publish ids with a chunk PUT being written on this node.
    writing: Mutex<HashSet<String>>,
}

/// The right to write an upload's next chunk, held for the length of one PUT.
pub struct UploadWriter {
    slots: Arc<UploadSlots>,
    publish_id: String,
}

/// One in-flight chunk PUT; the slot is given back when the PUT ends (or its client goes away).
pub struct UploadSlot {
    slots: Arc<UploadSlots>,
    key: String,
}

impl UploadSlots {
    /// Forgets the counts (a sandbox reset). A PUT still running gives its slot back into
    /// nothing: its guard finds no count and leaves it so.
    pub fn clear(&self) {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.writing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// A slot for `key`, or `None` when `max` are already in flight (0: no cap).
    pub fn try_take(self: &Arc<Self>, key: &str, max: usize) -> Option<UploadSlot> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let n = held.entry(key.to_string()).or_insert(0);
        if max > 0 && *n >= max {
            return None;
        }
        *n += 1;
        Some(UploadSlot {
            slots: self.clone(),
            key: key.to_string(),
        })
    }

    /// The writer of `publish_id`'s upload, or `None` while another PUT of it is in flight.
    pub fn try_write(self: &Arc<Self>, publish_id: &str) -> Option<UploadWriter> {
        let mut writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        writing
            .insert(publish_id.to_string())
            .then(|| UploadWriter {
                slots: self.clone(),
                publish_id: publish_id.to_string(),
            })
    }

    /// Chunk PUTs in flight for `key`.
    pub fn in_flight(&self, key: &str) -> usize {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(&self.key);
            }
        }
    }
}

impl Drop for UploadWriter {
    fn drop(&mut self) {
        self.slots
            .writing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.publish_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_key_and_given_back_on_drop() {
        let s = Arc::new(UploadSlots::default());
        let a = s.try_take("app:alice", 2).expect("first");
        let b = s.try_take("app:alice", 2).expect("second");
        assert!(
            s.try_take("app:alice", 2).is_none(),
            "third is over the cap"
        );
        assert!(
            s.try_take("app:bob", 2).is_some(),
            "another publisher is not affected"
        );
        drop(a);
        assert_eq!(s.in_flight("app:alice"), 1);
        let _c = s.try_take("app:alice", 2).expect("a slot was given back");
        drop(b);
        assert!(
            s.try_take("x", 0).is_some() && s.try_take("x", 0).is_some(),
            "0: no cap"
        );
    }

    #[test]
    fn one_writer_per_upload_until_it_drops() {
        let s = Arc::new(UploadSlots::default());
        let w = s.try_write("p1").expect("first writer");
        assert!(s.try_write("p1").is_none(), "a second writer waits");
        let _other = s.try_write("p2").expect("another upload is not affected");
        drop(w);
        assert!(s.try_write("p1").is_some(), "free again");
    }
}
