//! One error type for every way a call can fail, each saying what a caller should do next.
use reelbox_wire::ErrorCode;

/// What a caller should do about an error (the same advice as docs/errors.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Transient: try the same request again later, with backoff.
    Retry,
    /// The token is expired, revoked or lacks a scope: refresh it, or have the user log in again.
    Reconnect,
    /// The request itself is wrong or not allowed for this creator: a person must change something.
    AskUser,
}

/// An error answer of the v2 API: the envelope's `error.code`, `message` and `log_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The wire spelling of `error.code`, kept even when this SDK does not know the code.
    pub code: String,
    /// `error.message`: the platform's human-readable explanation.
    pub message: String,
    /// `error.log_id`: quote it when asking the platform's support about a call.
    pub log_id: String,
    /// The HTTP status that came with it (200 for creator_info's soft gates).
    pub http_status: u16,
    /// `Retry-After` in seconds, when the server sent one (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// The code as a known [`ErrorCode`], if it is one.
    pub fn kind(&self) -> Option<ErrorCode> {
        ErrorCode::parse(&self.code)
    }

    /// Whether this is the given code.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code.as_str()
    }

    /// What to do about it.
    pub fn action(&self) -> Action {
        match self.kind() {
            Some(ErrorCode::RateLimitExceeded)
            | Some(ErrorCode::DailyQuotaLimitExceeded)
            | Some(ErrorCode::InternalError) => Action::Retry,
            Some(ErrorCode::AccessTokenInvalid)
            | Some(ErrorCode::ScopeNotAuthorized)
            | Some(ErrorCode::ScopePermissionMissed) => Action::Reconnect,
            // Unknown codes with a 5xx are the server's trouble; anything else needs a person.
            None if self.http_status >= 500 => Action::Retry,
            _ => Action::AskUser,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if !self.log_id.is_empty() {
            write!(f, " (log_id {})", self.log_id)?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in this SDK.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The v2 API answered with a non-`ok` `error.code`.
    #[error("{0}")]
    Api(ApiError),
    /// The OAuth endpoints answered with their flat `{"error", "error_description"}` form.
    #[error("OAuth {error}: {description}")]
    OAuth {
        /// `error`, e.g. `invalid_grant`.
        error: String,
        /// `error_description`.
        description: String,
        /// `log_id`, when sent.
        log_id: String,
    },
    /// A chunk PUT was refused with a status that retrying cannot fix (400, 403, 404).
    #[error("upload refused with HTTP {status}: {message}")]
    Upload {
        /// The HTTP status of the refusal.
        status: u16,
        /// The body, if any.
        message: String,
    },
    /// The server answered something that is not the documented wire.
    #[error("unexpected answer: {0}")]
    Protocol(String),
    /// Connection, TLS or timeout trouble.
    #[error("network: {0}")]
    Network(#[from] reqwest::Error),
    /// Reading the file or writing the journal or token store failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A publish the journal cannot safely repeat or resume; the message says what to do.
    #[error("{0}")]
    Unsafe(String),
    /// A request the SDK refuses before sending it (for example a file the chunk rules cannot split).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// What to do about it.
    pub fn action(&self) -> Action {
        match self {
            Error::Api(e) => e.action(),
            Error::OAuth { error, .. } => match error.as_str() {
                "invalid_grant" | "invalid_client" | "unauthorized_client" => Action::Reconnect,
                "temporarily_unavailable" | "server_error" => Action::Retry,
                _ => Action::AskUser,
            },
            Error::Upload { status, .. } if *status >= 500 => Action::Retry,
            Error::Upload { .. } => Action::AskUser,
            Error::Network(_) => Action::Retry,
            Error::Protocol(_) | Error::Io(_) | Error::Unsafe(_) | Error::Invalid(_) => {
                Action::AskUser
            }
        }
    }

    /// The v2 API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is the v2 API error `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.api().is_some_and(|e| e.is(code))
    }
}

/// The SDK's result.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    fn e(code: &str, status: u16) -> ApiError {
        ApiError {
            code: code.into(),
            message: String::new(),
            log_id: String::new(),
            http_status: status,
            retry_after: None,
        }
    }

    #[test]
    fn every_code_has_advice() {
        assert_eq!(e("rate_limit_exceeded", 429).action(), Action::Retry);
        assert_eq!(e("access_token_invalid", 401).action(), Action::Reconnect);
        assert_eq!(
            e("privacy_level_option_mismatch", 403).action(),
            Action::AskUser
        );
        assert_eq!(e("something_new", 503).action(), Action::Retry);
        assert_eq!(e("something_new", 400).action(), Action::AskUser);
        for c in ErrorCode::ALL {
            // Every known code parses back.
            assert_eq!(e(c.as_str(), c.http_status()).kind(), Some(*c));
        }
    }
}
