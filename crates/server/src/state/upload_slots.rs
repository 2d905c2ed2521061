//! Chunk PUTs in flight per publisher (`limits.max_concurrent_uploads_per_token`): a slot is held
//! for the length of one PUT and freed when its guard drops, however the request ends.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Chunk PUTs in flight per publisher (app and creator: the grant behind the access token that
/// made the upload URL).
#[derive(Default)]
pub struct UploadSlots {
    held: Mutex<HashMap<String, usize>>,
}

/// One in-flight chunk PUT; the slot is given back when the PUT ends (or its client goes away).
pub struct UploadSlot {
    slots: Arc<UploadSlots>,
    key: String,
}

impl UploadSlots {
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
}
