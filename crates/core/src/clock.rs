//! One clock for everything that expires or counts per window. The system clock in production;
//! in sandbox mode an operator can move it forward or freeze it, and every expiry, cap and window
//! moves with it because all of them read [`Clock::now_ms`].
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// A day in milliseconds: the caps' 24-hour window and the research API's day buckets.
pub const DAY_MS: i64 = 86_400_000;

pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
    fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

pub fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        system_now_ms()
    }
}

/// A clock that runs with the system clock plus an offset, and can be frozen.
#[derive(Debug, Default)]
pub struct MovableClock {
    state: Mutex<MovableState>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MovableState {
    /// Added to the system time.
    pub offset_ms: i64,
    /// When set, time stands still at this instant.
    pub frozen_at: Option<i64>,
}

impl MovableClock {
    pub fn new(state: MovableState) -> Self {
        MovableClock {
            state: Mutex::new(state),
        }
    }

    pub fn state(&self) -> MovableState {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the state (used when another node changed the shared clock).
    pub fn set_state(&self, s: MovableState) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = s;
    }

    /// Moves time forward by `ms` (backward moves are refused: expiries must never un-expire).
    pub fn advance(&self, ms: i64) -> MovableState {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ms = ms.max(0);
        s.offset_ms += ms;
        if let Some(f) = s.frozen_at.as_mut() {
            *f += ms;
        }
        *s
    }

    pub fn freeze(&self, frozen: bool) -> MovableState {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match (frozen, s.frozen_at) {
            (true, None) => s.frozen_at = Some(system_now_ms() + s.offset_ms),
            (false, Some(at)) => {
                // Resume from where time stood, so it never jumps.
                s.offset_ms = at - system_now_ms();
                s.frozen_at = None;
            }
            _ => {}
        }
        *s
    }
}

impl Clock for MovableClock {
    fn now_ms(&self) -> i64 {
        let s = self.state();
        s.frozen_at.unwrap_or_else(|| system_now_ms() + s.offset_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_time_and_freeze_holds_it() {
        let c = MovableClock::default();
        let before = c.now_ms();
        c.advance(25 * 3600 * 1000);
        assert!(c.now_ms() >= before + 25 * 3600 * 1000);
        c.freeze(true);
        let t = c.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(c.now_ms(), t);
        c.advance(1000);
        assert_eq!(c.now_ms(), t + 1000);
        c.freeze(false);
        assert!(c.now_ms() >= t + 1000);
        c.advance(-5000);
        assert!(c.now_ms() >= t + 1000, "never moves backwards");
    }
}
