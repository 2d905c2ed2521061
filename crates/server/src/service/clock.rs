//! The sandbox clock as the operator moves it: shown, advanced, frozen, saved for every node;
//! and the per-app clocks, offsets on top of it that move one app's time only.
use crate::http::error::{ApiError, ApiResult};
use crate::service::invalid;
use crate::state::AppState;
use reelbox_wire::control::{ClockChange, ClockView};

/// The shared clock, or with `client_key` that app's, or with `creator_id` that creator's (within
/// the app when both are given: a creator's offset adds to the app's).
pub fn clock_view(st: &AppState, client_key: Option<&str>, creator_id: Option<&str>) -> ClockView {
    let s = st.clock.state();
    ClockView {
        now: st.now_for_creator(client_key.unwrap_or(""), creator_id),
        offset_ms: s.offset_ms,
        frozen: s.frozen_at.is_some(),
        client_key: client_key.map(str::to_string),
        app_offset_ms: client_key.map(|k| st.app_clocks.offset(k)),
        creator_id: creator_id.map(str::to_string),
        creator_offset_ms: creator_id.map(|c| st.creator_clocks.offset(c)),
    }
}

/// The creator named by open_id or username (400 when there is none).
pub async fn resolve_creator(st: &AppState, who: &str) -> ApiResult<String> {
    if let Some(c) = st.store.creator_by_username(who).await? {
        return Ok(c.id);
    }
    if let Some(g) = st.store.grant_by_open_id(who).await? {
        return Ok(g.creator_id);
    }
    Err(invalid(format!(
        "unknown creator {who}: give an open_id or a username"
    )))
}

pub async fn change_clock(st: &AppState, req: ClockChange) -> ApiResult<ClockView> {
    if !st.sandbox() {
        return Err(invalid("the clock cannot be moved in production mode"));
    }
    if let Some(secs) = req.advance_seconds
        && secs < 0
    {
        return Err(invalid(
            "advance_seconds must not be negative: time never moves backwards",
        ));
    }
    if let Some(who) = req.creator.as_deref() {
        return change_creator_clock(st, who, &req).await;
    }
    if let Some(key) = req.client_key.as_deref() {
        return change_app_clock(st, key, &req).await;
    }
    if req.reset == Some(true) {
        st.clock.set_state(Default::default());
    }
    if let Some(secs) = req.advance_seconds {
        st.clock.advance(secs.saturating_mul(1000));
    }
    if let Some(f) = req.freeze {
        st.clock.freeze(f);
    }
    st.save_clock().await.map_err(ApiError::internal)?;
    st.work.notify_one();
    Ok(clock_view(st, None, None))
}

/// Moves one app's clock: written to the database (every node reloads it each second) and
/// taken at once by this node.
async fn change_app_clock(st: &AppState, key: &str, req: &ClockChange) -> ApiResult<ClockView> {
    if req.freeze.is_some() {
        return Err(invalid(
            "freeze applies to the shared clock only; leave out client_key",
        ));
    }
    if st.store.app(key).await?.is_none() {
        return Err(invalid(format!("unknown client_key {key}")));
    }
    if req.reset == Some(true) {
        st.store.reset_app_clocks(Some(key)).await?;
        st.app_clocks.set(key, 0);
    }
    if let Some(secs) = req.advance_seconds {
        let offset = st
            .store
            .advance_app_clock(key, secs.saturating_mul(1000))
            .await?;
        st.app_clocks.set(key, offset);
    }
    st.work.notify_one();
    Ok(clock_view(st, Some(key), None))
}

/// Moves one creator's clock, on top of their app's: what concerns that creator (their tokens,
/// their caps) follows it. Jobs stay on their app's clock.
async fn change_creator_clock(st: &AppState, who: &str, req: &ClockChange) -> ApiResult<ClockView> {
    if req.freeze.is_some() {
        return Err(invalid(
            "freeze applies to the shared clock only; leave out creator",
        ));
    }
    let id = resolve_creator(st, who).await?;
    if let Some(key) = req.client_key.as_deref()
        && st.store.app(key).await?.is_none()
    {
        return Err(invalid(format!("unknown client_key {key}")));
    }
    if req.reset == Some(true) {
        st.store.reset_creator_clocks(Some(&id)).await?;
        st.creator_clocks.set(&id, 0);
    }
    if let Some(secs) = req.advance_seconds {
        let offset = st
            .store
            .advance_creator_clock(&id, secs.saturating_mul(1000))
            .await?;
        st.creator_clocks.set(&id, offset);
    }
    Ok(clock_view(st, req.client_key.as_deref(), Some(&id)))
}
