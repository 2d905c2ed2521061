//! Research batch compliance (wire reference `more-v2-products.md` §4): a validation task is
//! stored with its job; the job (any node, under a lease) checks the ids against the
//! platform's state when it runs, so a video deleted or an account made private after the ids
//! were collected is left out of the download.
use bytes::Bytes;
use reelbox_core::compliance::{self, Category, TaskStatus};
use reelbox_store::compliance::ValidationTask;
use reelbox_wire::ErrorCode;
use reelbox_wire::compliance::{TaskCreated, TaskStatusData};

use crate::http::auth::ClientCaller;
use crate::http::error::ApiError;
use crate::state::AppState;

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParams, msg)
}

/// The form of a create request: multipart by its Content-Type, or (a client copying TikTok's
/// example sends `Content-Type: application/json` with a multipart body) by a body that starts
/// with `--`, the boundary taken from its first line.
async fn read_form(content_type: Option<&str>, body: Bytes) -> Result<(String, String), ApiError> {
    let boundary = content_type
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .or_else(|| {
            let first = body.split(|b| *b == b'\n').next()?;
            let line = std::str::from_utf8(first).ok()?.trim_end();
            line.strip_prefix("--").map(str::to_string)
        })
        .ok_or_else(|| {
            invalid("The body must be multipart/form-data with file_data and category.")
        })?;
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let (mut file, mut category) = (None, None);
    let malformed = |_| invalid("The multipart body is malformed.");
    while let Some(field) = form.next_field().await.map_err(malformed)? {
        match field.name() {
            Some("file_data") => file = Some(field.text().await.map_err(malformed)?),
            Some("category") => category = Some(field.text().await.map_err(malformed)?),
            _ => {}
        }
    }
    Ok((
        file.ok_or_else(|| invalid("file_data is required."))?,
        category.ok_or_else(|| invalid("category is required."))?,
    ))
}

/// `POST /v2/research/validation_task/create/`.
pub async fn create(
    st: &AppState,
    caller: &ClientCaller,
    content_type: Option<&str>,
    body: Bytes,
) -> Result<TaskCreated, ApiError> {
    let (file, category) = read_form(content_type, body).await?;
    let category =
        Category::parse(&category).ok_or_else(|| invalid("category must be video or comment."))?;
    let ids = compliance::parse_ids(&file).map_err(invalid)?;
    let now = st.now();
    let task = ValidationTask {
        id: compliance::task_id(),
        client_key: caller.client_key.clone(),
        category: category.as_str().into(),
        ids: ids.join("\n"),
        status: TaskStatus::Processing.as_str().into(),
        valid_ids: None,
        created_at: now,
        completed_at: None,
    };
    st.store
        .insert_validation_task(&task, now + st.cfg.products.validation_delay_secs * 1000)
        .await?;
    st.work.notify_one();
    Ok(TaskCreated { task_id: task.id })
}

/// The caller's task: another app's is answered like an unknown one.
async fn own_task(
    st: &AppState,
    caller: &ClientCaller,
    task_id: Option<&serde_json::Value>,
) -> Result<ValidationTask, ApiError> {
    let id = match task_id {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => return Err(invalid("task_id is required.")),
    }
    .ok_or_else(|| invalid("task_id must be an integer."))?;
    st.store
        .validation_task(id)
        .await?
        .filter(|t| t.client_key == caller.client_key)
        .ok_or_else(|| invalid("task_id does not exist."))
}

/// `POST /v2/research/validation_task_status/get/`.
pub async fn status(
    st: &AppState,
    caller: &ClientCaller,
    task_id: Option<&serde_json::Value>,
) -> Result<TaskStatusData, ApiError> {
    let t = own_task(st, caller, task_id).await?;
    Ok(TaskStatusData {
        task_status: t.status,
    })
}

/// `POST /v2/research/validation_task/download/`: the valid ids, one per line.
pub async fn download(
    st: &AppState,
    caller: &ClientCaller,
    task_id: Option<&serde_json::Value>,
) -> Result<(i64, String), ApiError> {
    let t = own_task(st, caller, task_id).await?;
    match (TaskStatus::parse(&t.status), t.valid_ids) {
        (Some(TaskStatus::Completed), Some(valid)) => Ok((t.id, valid)),
        (Some(TaskStatus::Failed), _) => Err(invalid("The task failed; create a new one.")),
        _ => Err(invalid("The task is not completed yet; poll its status.")),
    }
}

/// The `validate` job: checks a task's ids against the platform now and completes it.
pub async fn run_validate(st: &AppState, payload: &str) -> anyhow::Result<()> {
    let id: i64 = payload.parse()?;
    let Some(task) = st.store.validation_task(id).await? else {
        return Ok(());
    };
    if task.status != TaskStatus::Processing.as_str() {
        return Ok(());
    }
    let ids: Vec<String> = task.ids.lines().map(str::to_string).collect();
    let valid = match Category::parse(&task.category) {
        Some(Category::Comment) => st.store.research_visible_comments(&ids).await?,
        _ => st.store.research_visible_videos(&ids).await?,
    };
    let text = compliance::download_text(&ids, &valid);
    st.store
        .finish_validation_task(id, TaskStatus::Completed.as_str(), &text, st.now())
        .await?;
    Ok(())
}
