//! The live inspector's events (`GET /_reelbox/calls/live`, the portal's and the admin's
//! inspector pages): each wire call as it is answered, with the rule that decided it in plain
//! words and any near miss.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One answered call, as the inspector streams it (server-sent event `call`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LiveCall {
    /// The app, when the call named one (a token or a client key).
    pub client_key: Option<String>,
    /// Server time, epoch milliseconds.
    pub created_at: i64,
    /// The creator behind the token, by username, when there is one.
    pub username: Option<String>,
    pub endpoint: String,
    /// `ok` or the error code the answer carried (empty when it carried none).
    pub error_code: String,
    /// A near miss: the route or field the request probably meant (also the answer's
    /// `X-Reelbox-Hint` header).
    pub hint: Option<String>,
    /// The answer came from an injected fault.
    pub injected: bool,
    pub latency_ms: i64,
    pub log_id: String,
    pub method: String,
    /// What decided the answer, in plain words: "served", or "refused: " and the rule's message.
    pub outcome: String,
    pub status: i64,
    /// What the request asked (the summary the guideline report reads), when recorded.
    pub summary: String,
}

/// Query of `GET /_reelbox/calls/live`: every filter optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiveQuery {
    /// One app's calls only.
    pub client_key: Option<String>,
    /// Calls whose endpoint contains this text.
    pub endpoint: Option<String>,
    /// Calls answered with this error code (`ok` for successes) or HTTP status.
    pub code: Option<String>,
    /// One creator's calls only.
    pub username: Option<String>,
}

impl LiveQuery {
    /// Whether `c` passes the filters.
    pub fn admits(&self, c: &LiveCall) -> bool {
        self.client_key
            .as_deref()
            .is_none_or(|k| c.client_key.as_deref() == Some(k))
            && self
                .endpoint
                .as_deref()
                .is_none_or(|e| e.is_empty() || c.endpoint.contains(e))
            && self.code.as_deref().is_none_or(|code| {
                code.is_empty() || c.error_code == code || c.status.to_string() == code
            })
            && self
                .username
                .as_deref()
                .is_none_or(|u| u.is_empty() || c.username.as_deref() == Some(u))
    }
}

/// Query of `GET /_reelbox/webhooks/live`: an app's webhook deliveries as they are queued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryLiveQuery {
    pub client_key: String,
    /// Comma-separated event names; unset: every event.
    pub events: Option<String>,
}

impl DeliveryLiveQuery {
    /// Whether `event` passes the filter.
    pub fn admits(&self, event: &str) -> bool {
        self.events
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .is_none_or(|list| list.split(',').any(|e| e.trim() == event))
    }
}

/// A delivery as `reelbox listen` receives it (server-sent event `delivery`): TikTok's exact
/// body and the `TikTok-Signature` header value to send with it, signed now with the app's
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LiveDelivery {
    pub body: String,
    pub created_at: i64,
    pub delivery_id: String,
    pub event: String,
    pub signature: String,
}

/// Body of `POST /_reelbox/webhooks/trigger`: fire a documented event for a real publish
/// (`post.publish.*`) or grant (`authorization.removed`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookTrigger {
    pub client_key: String,
    pub event: String,
    /// The publish a `post.publish.*` event is about (of this app).
    #[serde(default)]
    pub publish_id: Option<String>,
    /// The creator whose grant an `authorization.removed` event is about.
    #[serde(default)]
    pub username: Option<String>,
}

/// Body of `POST /_reelbox/webhooks/{delivery_id}/attempts`: what a forwarder saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttemptReport {
    /// Where it was forwarded.
    pub url: String,
    /// The receiver's HTTP status; absent when it could not be reached.
    #[serde(default)]
    pub status_code: Option<u16>,
    #[serde(default)]
    pub error: Option<String>,
    pub latency_ms: i64,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttemptView {
    pub created_at: i64,
    pub delivery_id: String,
    pub error: Option<String>,
    pub id: String,
    pub latency_ms: i64,
    pub status_code: Option<i64>,
    pub url: String,
    /// `server` (the platform's own delivery) or `listen` (forwarded by `reelbox listen`).
    pub via: String,
}

/// `GET /_reelbox/webhooks/{delivery_id}/attempts` answer, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttemptList {
    pub attempts: Vec<AttemptView>,
}
