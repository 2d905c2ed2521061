//! What a developer may grant their own app and what waits for the operator. On a live platform
//! (production mode) research scopes and verified URL prefixes are privileges: a research scope
//! reads every public account's data, and a verified prefix makes reelbox download from that
//! address on the app's say-so, so neither may be claimed without the operator's review.
//! Removing a privilege never waits.

/// Scopes a developer may not grant their own app on a live platform.
pub fn scope_needs_review(scope: &str) -> bool {
    scope.starts_with("research.")
}

/// A self-service request split into what takes effect now and what waits for review.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    pub effective: Vec<String>,
    pub pending: Vec<String>,
}

/// Splits `requested` against what the app already holds (`granted`): items already held or
/// not privileged take effect; new privileged ones wait. Order is the request's, duplicates go.
pub fn split(granted: &[String], requested: &[String], privileged: impl Fn(&str) -> bool) -> Split {
    let mut out = Split::default();
    for item in requested {
        if out.effective.contains(item) || out.pending.contains(item) {
            continue;
        }
        if granted.contains(item) || !privileged(item) {
            out.effective.push(item.clone());
        } else {
            out.pending.push(item.clone());
        }
    }
    out
}

/// The operator approves: the pending items join what the app holds.
pub fn approve(granted: &[String], pending: &[String]) -> Vec<String> {
    let mut out = granted.to_vec();
    for item in pending {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn new_research_scopes_wait_and_the_rest_takes_effect() {
        let s = split(
            &v(&["user.info.basic"]),
            &v(&[
                "user.info.basic",
                "video.upload",
                "research.data.basic",
                "video.upload",
            ]),
            scope_needs_review,
        );
        assert_eq!(s.effective, v(&["user.info.basic", "video.upload"]));
        assert_eq!(s.pending, v(&["research.data.basic"]));
    }

    #[test]
    fn a_privilege_already_held_stays_and_one_left_out_is_dropped_at_once() {
        let held = v(&["research.data.basic", "cdn.example.com"]);
        let s = split(&held, &v(&["cdn.example.com"]), |_| true);
        assert_eq!(s.effective, v(&["cdn.example.com"]));
        assert!(s.pending.is_empty());
    }

    #[test]
    fn approving_adds_the_pending_items_once() {
        assert_eq!(
            approve(&v(&["a", "b"]), &v(&["b", "c"])),
            v(&["a", "b", "c"])
        );
        assert!(!scope_needs_review("video.publish"));
        assert!(scope_needs_review("research.adlib.basic"));
    }
}
