//! The sandbox clock as the operator moves it: shown, advanced, frozen, saved for every node;
//! and the per-app clocks, offsets on top of it that move one app's time only.
use crate::http::error::{ApiError, ApiResult};
use crate::service::invalid;
use crate::state::AppState;
use reelbox_wire::control::{ClockChange, ClockView};

/// The shared clock, or with `client_key` that app's.
pub fn clock_view(st: &AppState, client_key: Option<&str>) -> ClockView {
    let s = st.clock.state();
    ClockView {
        now: client_key.map_or_else(|| st.now(), |k| st.now_for(k)),
        offset_ms: s.offset_ms,
        frozen: s.frozen_at.is_some(),
        client_key: client_key.map(str::to_string),
        app_offset_ms: client_key.map(|k| st.app_clocks.offset(k)),
    }
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
    Ok(clock_view(st, None))
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
    Ok(clock_view(st, Some(key)))
}
