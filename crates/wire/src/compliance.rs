//! Research batch compliance (`more-v2-products.md` §4): validation tasks over video or comment
//! ids. The create body is multipart form data (`file_data`, `category`).
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The multipart form of `POST /v2/research/validation_task/create/` (documentation only: the
/// server reads the parts itself).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateTaskForm {
    /// A text file of ids, one per line, at most 10,000.
    #[schema(format = Binary, value_type = String)]
    pub file_data: String,
    /// `video` or `comment`.
    pub category: String,
}

/// `data` of the create answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaskCreated {
    pub task_id: i64,
}

/// The body of the status and download requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaskRequest {
    #[serde(default)]
    pub task_id: Option<serde_json::Value>,
}

/// `data` of the status answer: `Processing`, `Completed` or `Failed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaskStatusData {
    pub task_status: String,
}
