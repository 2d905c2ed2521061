//! What every handler shares: configuration, store, blobs, the clock, keys.
pub mod calllog;
pub mod ids;
pub mod live;
pub mod metered_blobs;
pub mod metrics;
pub mod outbound;
pub mod rate;
pub mod research_tally;
pub mod secret_file;
pub mod upload_slots;

pub use rate::RateLimiter;
pub use secret_file::{read_or_create_secret, write_private};

use std::sync::Arc;

use reelbox_core::clock::{AppClocks, Clock, MovableClock, MovableState};
use reelbox_core::secrets;
use reelbox_media::blob::BlobStore;
use reelbox_store::Store;
use tokio::sync::Notify;

use crate::config::{Config, Mode};
use outbound::Outbound;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

pub struct Inner {
    pub cfg: Config,
    pub store: Store,
    pub clock: Arc<MovableClock>,
    /// Per-app offsets on top of `clock` (sandbox).
    pub app_clocks: AppClocks,
    /// Per-creator offsets, on top of their app's clock (keyed by creator id).
    pub creator_clocks: AppClocks,
    pub blobs: Arc<dyn BlobStore>,
    pub master_key: Vec<u8>,
    pub admin_token_hash: String,
    pub rate: RateLimiter,
    pub outbound: Outbound,
    /// Wakes the background worker when new work is queued.
    pub work: Notify,
    pub faults: reelbox_core::faults::Faults,
    pub calls: calllog::CallLog,
    /// Research quota counts not yet written.
    pub research_tally: research_tally::ResearchTally,
    /// When the call log was last pruned (server time).
    pub last_prune: std::sync::atomic::AtomicI64,
    pub public_url: String,
    /// Chunk PUTs in flight per publisher (`limits.max_concurrent_uploads_per_token`).
    pub uploads: Arc<upload_slots::UploadSlots>,
    /// What `/metrics` shows; `None` (nothing recorded) unless `[metrics]` serves it.
    pub metrics: Option<Arc<metrics::Metrics>>,
    /// Where ids come from in deterministic mode (`testing.deterministic`); `None`: the OS.
    pub ids: Option<Arc<reelbox_core::ids::SeededIds>>,
    /// The routes and body fields near misses are measured against.
    pub hints: reelbox_core::hints::Hints,
    /// Answered calls for the live inspector: a bounded ring (`inspector.buffer`); a reader
    /// that falls behind skips calls, none waits.
    pub live: tokio::sync::broadcast::Sender<Arc<reelbox_wire::control::LiveCall>>,
    /// Inspector streams open on this node (`inspector.max_streams`).
    pub live_streams: Arc<tokio::sync::Semaphore>,
    /// Cancelled when the node stops: long-lived answers (the inspector's streams) end with it.
    pub stopping: tokio_util::sync::CancellationToken,
    /// The configuration in force as last read (`service::settings::live`) and when, for code
    /// that cannot wait on the database and for a second of requests after each reading.
    pub live_cfg: std::sync::RwLock<(std::time::Instant, Arc<Config>)>,
}

impl Inner {
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// An app's time: the shared clock plus the app's own offset (sandbox), which its tokens,
    /// caps, rate windows, upload URLs and webhook times follow.
    pub fn now_for(&self, client_key: &str) -> i64 {
        self.app_clocks.now_for(client_key, self.now())
    }

    /// A creator's time within an app: the app's time plus the creator's own offset (sandbox),
    /// which that creator's tokens and caps follow.
    pub fn now_for_creator(&self, client_key: &str, creator_id: Option<&str>) -> i64 {
        let app = self.now_for(client_key);
        creator_id.map_or(app, |c| self.creator_clocks.now_for(c, app))
    }

    pub fn sandbox(&self) -> bool {
        self.cfg.mode == Mode::Sandbox
    }

    /// An app's client secret, derived from the master key (only its hash is stored).
    pub fn client_secret(&self, client_key: &str, generation: i64) -> String {
        secrets::derive_client_secret(&self.master_key, client_key, generation)
    }

    /// The app's current client secret: the one a seed file fixed (kept sealed), else the one
    /// derived for its generation.
    pub async fn app_secret(&self, app: &reelbox_store::apps::App) -> anyhow::Result<String> {
        if let Some(sealed) = self.store.fixed_secret(&app.client_key).await? {
            return secrets::open_secret(&self.master_key, &app.client_key, &sealed).ok_or_else(
                || {
                    anyhow::anyhow!(
                        "the fixed secret of {} does not open with this master key",
                        app.client_key
                    )
                },
            );
        }
        Ok(self.client_secret(&app.client_key, app.secret_generation))
    }

    /// Per-token, per-endpoint sliding-minute limit at `now` (the app's time); in the database when nodes share the work.
    /// `Err(seconds to wait)` when over the limit.
    pub async fn rate_check(
        &self,
        key: &str,
        endpoint: &'static str,
        limit: u32,
        now: i64,
    ) -> Result<(), u64> {
        let shared = self
            .cfg
            .limits
            .shared_rate_limits
            .unwrap_or(self.store.backend == reelbox_store::Backend::Postgres);
        if !shared {
            return self.rate.check(key, endpoint, limit, now);
        }
        match self
            .store
            .rate_hit(&format!("{endpoint}:{key}"), limit, 60_000, now)
            .await
        {
            Ok(None) => Ok(()),
            Ok(Some(ms)) => Err((ms as u64).div_ceil(1000).max(1)),
            Err(e) => {
                // Failing open keeps the API up when the limiter's table is unavailable.
                tracing::warn!(error = %e, "shared rate limit unavailable; falling back to this node's window");
                self.rate.check(key, endpoint, limit, now)
            }
        }
    }

    /// Persists the clock so that every node (and a restart) sees the same time.
    pub async fn save_clock(&self) -> anyhow::Result<()> {
        let s = self.clock.state();
        let v = serde_json::json!({"offset_ms": s.offset_ms, "frozen_at": s.frozen_at});
        self.store.put_setting("clock", &v.to_string()).await?;
        Ok(())
    }

    /// Loads the shared clock state written by any node.
    pub async fn load_clock(&self) -> anyhow::Result<()> {
        if self.cfg.mode == Mode::Production {
            self.clock.set_state(MovableState::default());
            self.app_clocks.replace([]);
            self.creator_clocks.replace([]);
            return Ok(());
        }
        self.app_clocks.replace(self.store.app_clocks().await?);
        self.creator_clocks
            .replace(self.store.creator_clocks().await?);
        if let Some(v) = self.store.setting("clock").await? {
            let j: serde_json::Value = serde_json::from_str(&v)?;
            self.clock.set_state(MovableState {
                offset_ms: j["offset_ms"].as_i64().unwrap_or(0),
                frozen_at: j["frozen_at"].as_i64(),
            });
        }
        Ok(())
    }
}
