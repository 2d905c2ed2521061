//! The node's fault registry: faults and named scenarios, matched by event, app and creator,
//! expiring on the server's clock. Pure data and matching; what an injected fault does to a
//! request, a job or a delivery is the server's (`sandbox::faults`).
use std::collections::HashSet;
use std::sync::Mutex;

use reelbox_wire::control::{Fault, FaultSpec};

/// `last_error` of a webhook delivery failed on purpose (the guideline report ignores those).
pub const INJECTED_WEBHOOK_FAILURE: &str = "injected fault: delivery failed";

/// The named scenarios: (name, what it reproduces).
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "processing_stuck",
        "Processing of the next matching publish is held for `hold_seconds` (default 3600) of server time: status stays PROCESSING_* until the clock passes it.",
    ),
    (
        "late_failure",
        "The upload is accepted (201) and processing then fails with frame_rate_check_failed.",
    ),
    (
        "delayed_public_id",
        "PUBLISH_COMPLETE arrives with publicaly_available_post_id [] for a public post; the id (and the post.publish.publicly_available webhook) follow `hold_seconds` later (default 300).",
    ),
    (
        "token_expires_while_polling",
        "The access token expires right after the next status/fetch: the following poll answers access_token_invalid until the client refreshes.",
    ),
    (
        "upload_url_expiry",
        "The upload URL expires right after the first accepted chunk: the next chunk answers 403.",
    ),
    (
        "duplicate_webhooks",
        "Every webhook of the app is delivered twice (at-least-once delivery).",
    ),
    (
        "out_of_order_webhooks",
        "post.publish.complete and post.publish.inbox_delivered are held back `hold_seconds` (default 5), so later events arrive first.",
    ),
    (
        "revoke_midway",
        "The creator revokes the app right after the first accepted chunk: the publish fails with auth_removed and authorization.removed is sent.",
    ),
];

#[derive(Default)]
pub struct Faults {
    list: Mutex<Vec<Fault>>,
    /// Publishes a scenario already held once (so a held job runs on when the time comes).
    held: Mutex<HashSet<String>>,
}

impl Faults {
    pub fn add(&self, spec: FaultSpec, now: i64) -> Fault {
        let f = Fault {
            fault_id: crate::ids::row_id(),
            remaining: spec.times.max(1),
            expires_at: spec.ttl_seconds.map(|s| now + s * 1000),
            spec,
        };
        self.list
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(f.clone());
        f
    }

    pub fn list(&self, now: i64) -> Vec<Fault> {
        let mut l = self.list.lock().unwrap_or_else(|e| e.into_inner());
        l.retain(|f| f.expires_at.is_none_or(|t| now < t));
        l.clone()
    }

    pub fn clear(&self) {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn is_empty(&self) -> bool {
        self.list
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Takes one use of the first live fault matching the event.
    pub fn take(
        &self,
        what: &str,
        client_key: &str,
        username: Option<&str>,
        now: i64,
    ) -> Option<FaultSpec> {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|f| f.expires_at.is_none_or(|t| now < t));
        let i = list.iter().position(|f| {
            let target = match &f.spec.scenario {
                Some(s) => format!("scenario:{s}"),
                None => f.spec.endpoint.clone(),
            };
            let plain =
                !what.starts_with("scenario:") && !["processing", "webhook"].contains(&what);
            (target == what || (target == "*" && plain))
                && f.spec.client_key.as_deref().is_none_or(|k| k == client_key)
                && f.spec
                    .username
                    .as_deref()
                    .is_none_or(|u| Some(u) == username)
        })?;
        let spec = list[i].spec.clone();
        list[i].remaining -= 1;
        if list[i].remaining == 0 {
            list.remove(i);
        }
        Some(spec)
    }

    /// Marks a publish as held by a scenario; false when it already was.
    pub fn hold_once(&self, publish_id: &str) -> bool {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(publish_id.to_string())
    }
}
