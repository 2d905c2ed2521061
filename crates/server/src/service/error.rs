//! What a use case can answer besides success. It names the outcome, not the wire; the one
//! conversion below turns it into TikTok's envelope (`http` does not know about use cases).
use reelbox_core::RuleError;
use reelbox_store::StoreError;

use crate::http::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A rule refused the request; the code and message are the ones TikTok answers.
    #[error("{}: {}", .0.code, .0.message)]
    Refused(RuleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else that went wrong on the server's side (storage of media, say).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<RuleError> for ServiceError {
    fn from(e: RuleError) -> Self {
        ServiceError::Refused(e)
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Refused(r) => r.into(),
            ServiceError::Store(e) => ApiError::internal(e),
            ServiceError::Internal(e) => ApiError::internal(e),
        }
    }
}
