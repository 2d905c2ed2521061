use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `error` of every v2 response, present on success too (`code: "ok"`, `message: ""`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub log_id: String,
}

impl ErrorBody {
    pub fn ok(log_id: impl Into<String>) -> Self {
        ErrorBody {
            code: "ok".into(),
            message: String::new(),
            log_id: log_id.into(),
        }
    }
}

/// TikTok's v2 envelope: `{"data": …, "error": {"code", "message", "log_id"}}`. On errors `data`
/// is `{}` (clients read `data?.x`; an empty object never breaks them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Envelope<T> {
    pub data: T,
    pub error: ErrorBody,
}

/// The envelope without `data`, as `cancel/` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorOnly {
    pub error: ErrorBody,
}

/// `data: {}` of an error envelope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Empty {}
