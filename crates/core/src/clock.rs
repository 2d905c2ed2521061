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

/// Per-app offsets on top of the shared clock: an app's tokens, caps, windows and upload URLs
/// follow its own time, so test suites sharing one server move only their apps. The offsets
/// live in the database; each node holds a copy reloaded with the shared clock.
#[derive(Debug, Default)]
pub struct AppClocks {
    offsets: std::sync::RwLock<std::collections::HashMap<String, i64>>,
}

impl AppClocks {
    /// How far the app's clock runs ahead of the shared one (0 for an app never moved).
    pub fn offset(&self, client_key: &str) -> i64 {
        self.offsets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(client_key)
            .copied()
            .unwrap_or(0)
    }

    /// The app's time, given the shared clock's.
    pub fn now_for(&self, client_key: &str, shared_now: i64) -> i64 {
        shared_now.saturating_add(self.offset(client_key))
    }

    /// Replaces every offset (after reading them from the database).
    pub fn replace(&self, offsets: impl IntoIterator<Item = (String, i64)>) {
        *self.offsets.write().unwrap_or_else(|e| e.into_inner()) = offsets.into_iter().collect();
    }

    /// Sets one app's offset (the node that moved it knows at once).
    pub fn set(&self, client_key: &str, offset_ms: i64) {
        self.offsets
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(client_key.to_string(), offset_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_clock_moves_only_its_app() {
        let c = AppClocks::default();
        c.set("a", 90_000_000);
        assert_eq!(c.now_for("a", 1_000), 90_001_000);
        assert_eq!(c.now_for("b", 1_000), 1_000);
        c.replace([("b".to_string(), 5)]);
        assert_eq!((c.offset("a"), c.offset("b")), (0, 5));
    }

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
