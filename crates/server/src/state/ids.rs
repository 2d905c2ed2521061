//! Deterministic mode (`testing.deterministic`): the ids, keys, tokens, publish ids and log ids a
//! node makes come from a seed rather than the OS. The source is carried by the task serving a
//! request or running a job (a task-local), not held process-wide: several servers may share a
//! process (the behaviour suite) and only the deterministic one must draw from the seed.
use std::future::Future;
use std::sync::Arc;

use reelbox_core::ids::SeededIds;

tokio::task_local! {
    static SOURCE: Arc<SeededIds>;
}

fn draw(kind: &'static str, out: &mut [u8]) -> bool {
    SOURCE.try_with(|s| s.fill(kind, out)).is_ok()
}

/// Routes `reelbox_core::ids` through the task's source; done once, at the first deterministic
/// start (a process without one never pays for the look-up).
pub fn install() {
    reelbox_core::ids::set_draw_hook(draw);
}

/// Runs `f` drawing its ids from `source` (from the OS when `None`).
pub async fn scope<F: Future>(source: Option<Arc<SeededIds>>, f: F) -> F::Output {
    match source {
        Some(s) => SOURCE.scope(s, f).await,
        None => f.await,
    }
}
