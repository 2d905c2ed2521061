//! `/_reelbox/reset`, `/_reelbox/snapshot` and `/_reelbox/seed/apply`: what a test suite calls
//! between its tests (`sandbox::testing`, `sandbox::snapshot`, `sandbox::seedfile`).
use std::path::PathBuf;

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::{StreamExt, TryStreamExt};
use reelbox_wire::Envelope;
use reelbox_wire::control::{ResetView, SeedApplied, SeedApply, SnapshotLoaded};

use crate::http::auth::Admin;
use crate::http::envelope::Data;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Control, WireJson};
use crate::sandbox::snapshot::{self, Refused};
use crate::sandbox::{seedfile, testing};
use crate::service::invalid;
use crate::state::AppState;

/// Pipe between the task writing a snapshot and the answer streaming it.
const PIPE: usize = 256 * 1024;

fn production(st: &AppState) -> Option<ApiError> {
    (!st.sandbox())
        .then(|| invalid("the platform's state is reset, saved and loaded in sandbox mode only"))
}

/// Back to empty (or to the seed file the server was started with): every table, every stored
/// object, and what the node holds in memory (rate windows, upload slots, the call log's pending
/// records, faults, quota counts, the clock).
#[utoipa::path(post, path = "/_reelbox/reset", tag = "Control API",
    responses((status = 200, body = Envelope<ResetView>), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_reset(State(st): State<AppState>, _: Admin) -> ApiResult<Data<ResetView>> {
    if let Some(e) = production(&st) {
        return Err(e);
    }
    Ok(Data(testing::reset(&st).await.map_err(ApiError::internal)?))
}

/// The whole state (database and media) as one snapshot file, streamed.
#[utoipa::path(get, path = "/_reelbox/snapshot", tag = "Control API",
    responses((status = 200, description = "A reelbox snapshot (format version 1)", content_type = "application/octet-stream", body = reelbox_wire::control::SnapshotFile), super::BadRequest),
    security(("admin" = [])))]
pub async fn get_snapshot(State(st): State<AppState>, _: Admin) -> Result<Response, ApiError> {
    if let Some(e) = production(&st) {
        return Err(e);
    }
    let (mut w, r) = tokio::io::duplex(PIPE);
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<bool>();
    tokio::spawn(async move {
        let saved = snapshot::save(&st, &mut w).await;
        if let Err(e) = &saved {
            tracing::warn!(error = %format!("{e:#}"), "a snapshot could not be written");
        }
        let _ = done_tx.send(saved.is_ok());
    });
    // A snapshot that failed midway ends the answer with an error, not a clean end: the client
    // sees a broken transfer rather than a short file.
    let tail = futures::stream::once(async move {
        match done_rx.await {
            Ok(true) => None,
            _ => Some(Err(std::io::Error::other(
                "the snapshot could not be written",
            ))),
        }
    })
    .filter_map(|x| async move { x });
    let body = tokio_util::io::ReaderStream::new(r).chain(tail);
    Ok((
        [(header::CONTENT_TYPE, "application/octet-stream")],
        Body::from_stream(body),
    )
        .into_response())
}

/// Replace the whole state with a snapshot (the request body, streamed). A snapshot of another
/// format version, or of a newer schema than this database's, is refused before anything changes.
#[utoipa::path(put, path = "/_reelbox/snapshot", tag = "Control API",
    request_body(content = reelbox_wire::control::SnapshotFile, content_type = "application/octet-stream", description = "A file `GET /_reelbox/snapshot` gave"),
    responses((status = 200, body = Envelope<SnapshotLoaded>), super::BadRequest),
    security(("admin" = [])))]
pub async fn put_snapshot(
    State(st): State<AppState>,
    _: Admin,
    body: Body,
) -> ApiResult<Data<SnapshotLoaded>> {
    if let Some(e) = production(&st) {
        return Err(e);
    }
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let mut reader = tokio_util::io::StreamReader::new(stream);
    match snapshot::load(&st, &mut reader).await {
        Ok(v) => Ok(Data(v)),
        Err(e) => match e.downcast::<Refused>() {
            Ok(r) => Err(invalid(r.0)),
            Err(e) => Err(ApiError::internal(e)),
        },
    }
}

/// Apply a seed file (its TOML text): apps with fixed keys and secrets, creators, tokens with
/// fixed values, posts from media files on the server's disk, follows, likes, comments,
/// playlists and shops. A mistake is refused with the file, line and field.
#[utoipa::path(post, path = "/_reelbox/seed/apply", tag = "Control API", request_body = SeedApply,
    responses((status = 200, description = "How many of each were created", body = Envelope<SeedApplied>), super::BadRequest),
    security(("admin" = [])))]
pub async fn post_seed_apply(
    State(st): State<AppState>,
    _: Admin,
    WireJson(b, _): WireJson<SeedApply, Control>,
) -> ApiResult<Data<SeedApplied>> {
    if let Some(e) = production(&st) {
        return Err(e);
    }
    let file = b.file.unwrap_or_else(|| "seed.toml".into());
    let base = b.base_dir.map(PathBuf::from).unwrap_or_default();
    seedfile::apply(&st, &file, &b.toml, &base)
        .await
        .map(Data)
        .map_err(|e| invalid(e.to_string()))
}
