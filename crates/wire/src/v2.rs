//! The envelope of TikTok's newer v2 products (Commercial Content API, batch compliance, Data
//! Portability): the usual `{"data", "error"}` with `error.http_status_code` as well
//! (ErrorStructV2, `more-v2-products.md` §1).
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// ErrorStructV2: `{"code", "message", "log_id", "http_status_code"}`; `ok` and 200 on success.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorStructV2 {
    pub code: String,
    pub http_status_code: i32,
    pub log_id: String,
    pub message: String,
}

/// `{"data": …, "error": ErrorStructV2}`; `data` is `{}` on errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EnvelopeV2<T> {
    pub data: T,
    pub error: ErrorStructV2,
}
