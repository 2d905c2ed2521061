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
    (
        "research_500_counts_quota",
        "The next research request answers 500 internal_error and still counts one request against the app's daily quota.",
    ),
    (
        "research_504_html",
        "The next research request answers 504 with an HTML gateway page instead of TikTok's JSON envelope (not counted).",
    ),
    (
        "research_invalid_cursor",
        "The next video/query page after the first (cursor > 0) answers 400 invalid_params \"Invalid count or cursor\"; asking again goes on.",
    ),
    (
        "research_short_pages",
        "The next `times` video/query pages hold about half of max_count videos while has_more stays true; the cursor still leads on without gaps.",
    ),
    (
        "research_search_id_expires",
        "The search_id of the next video/query page that carries one expires before it is answered: that page and every later one answer 400 \"Invalid search_id\".",
    ),
    (
        "research_quota_midrun",
        "The app's daily research quota runs out at the next research request: it and every one after answer 429 daily_quota_limit_exceeded until 00:00 UTC.",
    ),
];

/// What a research scenario does to a request at the gate (the page scenarios act in
/// `video/query` itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResearchFailure {
    /// `research_500_counts_quota`.
    InternalCounted,
    /// `research_504_html`.
    GatewayTimeoutHtml,
    /// `research_quota_midrun`.
    QuotaReached,
}

impl ResearchFailure {
    const ALL: [(ResearchFailure, &'static str); 3] = [
        (
            ResearchFailure::InternalCounted,
            "research_500_counts_quota",
        ),
        (ResearchFailure::GatewayTimeoutHtml, "research_504_html"),
        (ResearchFailure::QuotaReached, "research_quota_midrun"),
    ];
}

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

    /// The gate-level research scenario switched on for this app, taking one use of it.
    pub fn research_failure(&self, client_key: &str, now: i64) -> Option<ResearchFailure> {
        if self.is_empty() {
            return None;
        }
        ResearchFailure::ALL.iter().find_map(|(f, name)| {
            self.take(&format!("scenario:{name}"), client_key, None, now)
                .map(|_| *f)
        })
    }

    /// Marks a publish as held by a scenario; false when it already was.
    pub fn hold_once(&self, publish_id: &str) -> bool {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(publish_id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(name: &str, key: Option<&str>) -> FaultSpec {
        serde_json::from_value(serde_json::json!({"scenario": name, "client_key": key})).unwrap()
    }

    #[test]
    fn a_research_scenario_applies_once_and_only_to_its_app() {
        let f = Faults::default();
        f.add(scenario("research_504_html", Some("a")), 0);
        assert_eq!(f.research_failure("b", 1), None);
        assert_eq!(
            f.research_failure("a", 1),
            Some(ResearchFailure::GatewayTimeoutHtml)
        );
        assert_eq!(f.research_failure("a", 2), None);
    }

    #[test]
    fn every_research_failure_is_a_listed_scenario() {
        for (_, name) in ResearchFailure::ALL {
            assert!(SCENARIOS.iter().any(|(n, _)| *n == name), "{name}");
        }
    }
}
