//! The sandbox clock as the operator moves it: shown, advanced, frozen, saved for every node.
use crate::http::error::{ApiError, ApiResult};
use crate::service::invalid;
use crate::state::AppState;
use reelbox_wire::control::{ClockChange, ClockView};

pub fn clock_view(st: &AppState) -> ClockView {
    let s = st.clock.state();
    ClockView {
        now: st.now(),
        offset_ms: s.offset_ms,
        frozen: s.frozen_at.is_some(),
    }
}
pub async fn change_clock(st: &AppState, req: ClockChange) -> ApiResult<ClockView> {
    if !st.sandbox() {
        return Err(invalid("the clock cannot be moved in production mode"));
    }
    if req.reset == Some(true) {
        st.clock.set_state(Default::default());
    }
    if let Some(secs) = req.advance_seconds {
        if secs < 0 {
            return Err(invalid(
                "advance_seconds must not be negative: time never moves backwards",
            ));
        }
        st.clock.advance(secs.saturating_mul(1000));
    }
    if let Some(f) = req.freeze {
        st.clock.freeze(f);
    }
    st.save_clock().await.map_err(ApiError::internal)?;
    st.work.notify_one();
    Ok(clock_view(st))
}
