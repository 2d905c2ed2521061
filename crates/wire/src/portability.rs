//! Data Portability (`more-v2-products.md` §5): data requests under a creator's token.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::fields::Selectable;

/// The body of `POST /v2/user/data/add/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddDataRequest {
    /// `json` or `text`.
    #[serde(default)]
    pub data_format: Option<String>,
    /// `all_data`, `video`, `profile`, `activity`, `direct_message`.
    #[serde(default)]
    pub category_selection_list: Option<Vec<String>>,
}

/// `data` of the add answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DataRequestId {
    pub request_id: i64,
}

/// The body of check, cancel and download: `{"request_id": int64}` (a decimal string is taken).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DataRequestBody {
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub request_id: Option<serde_json::Value>,
}

/// `data` of the check answer: the fields asked for in `fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DataRequestStatus {
    pub apply_time: i64,
    pub category_selection_list: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collect_time: Option<i64>,
    pub data_format: String,
    pub request_id: i64,
    /// `pending`, `downloading`, `expired` or `cancelled`.
    pub status: String,
}

impl Selectable for DataRequestStatus {
    const FIELDS: &'static [&'static str] = &[
        "request_id",
        "apply_time",
        "collect_time",
        "status",
        "data_format",
        "category_selection_list",
    ];
}
