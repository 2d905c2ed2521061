//! The live inspector's feed: every answered wire call, sent to whoever watches. Built only
//! while someone does, into a broadcast ring of `inspector.buffer` calls: a slow reader skips the
//! oldest and is told how many, so no reader holds memory or a request back.
use std::sync::Arc;

use reelbox_wire::control::LiveCall;

use super::AppState;

/// Sends `call` to the watchers, with its creator's username (a cached lookup). Awaited by the
/// request so that watchers see calls in the order they were answered.
pub async fn publish(st: &AppState, mut call: LiveCall, creator_id: Option<String>) {
    if let Some(id) = creator_id {
        call.username = st
            .store
            .creator(&id)
            .await
            .ok()
            .flatten()
            .map(|c| c.username.clone());
    }
    // No watcher left is no error.
    let _ = st.live.send(Arc::new(call));
}
