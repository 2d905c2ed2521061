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
