use reelbox_wire::ErrorCode;

/// A rule said no: the wire code and a message safe to show the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct RuleError {
    pub code: ErrorCode,
    pub message: String,
}

impl RuleError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        RuleError {
            code,
            message: message.into(),
        }
    }
}
