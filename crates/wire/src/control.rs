//! reelbox's own control API (`/_reelbox/`, spec: reelbox-control.md). Not part of TikTok's wire,
//! but shared by the server, the CLI and the SDK in the same way.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::posting::PrivacyLevel;

mod inspect;
mod live;
mod moderation;
mod read_side;
mod settings;
mod testing;

pub use inspect::*;
pub use live::*;
pub use moderation::*;
pub use read_side::*;
pub use settings::*;
pub use testing::*;

/// Body of `POST /_reelbox/apps`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateApp {
    pub name: String,
    #[serde(default)]
    pub audited: bool,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub verified_url_prefixes: Vec<String>,
    #[serde(default)]
    pub webhook_url: Option<String>,
}

/// Body of `PATCH /_reelbox/apps/{client_key}`: only the given fields change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateApp {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub audited: Option<bool>,
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    pub verified_url_prefixes: Option<Vec<String>>,
    /// `""` removes the webhook URL.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Creators (by username) allowed to authorize the app while it is unaudited (sandbox mode).
    #[serde(default)]
    pub test_users: Option<Vec<String>>,
    /// Per-app cap of distinct posting creators per 24 h; `null` keeps the default.
    #[serde(default)]
    pub active_user_cap: Option<i64>,
    /// The app's compatibility profile and strict mode, replaced as a whole when given.
    #[serde(default)]
    pub compat: Option<CompatChoice>,
}

/// An app's own choice of TikTok; each `null` follows the platform's `[compat]` setting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompatChoice {
    /// `tiktok-2026-11` (TikTok's current pages) or `tiktok-2024` (the older pages).
    #[serde(default)]
    pub profile: Option<String>,
    /// Refuse every leniency with TikTok's answer.
    #[serde(default)]
    pub strict: Option<bool>,
}

/// The TikTok an app is served, and what the app chose of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppCompat {
    pub profile: String,
    /// The month of TikTok's pages the profile follows.
    pub docs_as_of: String,
    pub strict: bool,
    pub chosen: CompatChoice,
}

/// An app as the control API shows it. `client_secret` only in the answer to its creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppView {
    pub client_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub name: String,
    pub audited: bool,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub verified_url_prefixes: Vec<String>,
    pub webhook_url: Option<String>,
    pub test_users: Vec<String>,
    pub active_user_cap: i64,
    pub created_at: i64,
    pub compat: AppCompat,
}

/// Body of `POST /_reelbox/creators`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateCreator {
    pub username: String,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub nickname: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub region_code: Option<String>,
    #[serde(default)]
    pub private_account: Option<bool>,
    #[serde(default)]
    pub privacy_level_options: Option<Vec<PrivacyLevel>>,
    #[serde(default)]
    pub comment_disabled: Option<bool>,
    #[serde(default)]
    pub duet_disabled: Option<bool>,
    #[serde(default)]
    pub stitch_disabled: Option<bool>,
    #[serde(default)]
    pub max_video_post_duration_sec: Option<i64>,
    #[serde(default)]
    pub banned_from_posting: Option<bool>,
    /// Per-creator daily Direct Post cap; `null` uses the server default.
    #[serde(default)]
    pub daily_post_cap: Option<i64>,
}

/// Body of `PATCH /_reelbox/creators/{username}`: any field of [`CreateCreator`] but the username.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateCreator {
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub nickname: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub region_code: Option<String>,
    #[serde(default)]
    pub private_account: Option<bool>,
    #[serde(default)]
    pub privacy_level_options: Option<Vec<PrivacyLevel>>,
    #[serde(default)]
    pub comment_disabled: Option<bool>,
    #[serde(default)]
    pub duet_disabled: Option<bool>,
    #[serde(default)]
    pub stitch_disabled: Option<bool>,
    #[serde(default)]
    pub max_video_post_duration_sec: Option<i64>,
    #[serde(default)]
    pub banned_from_posting: Option<bool>,
    #[serde(default)]
    pub daily_post_cap: Option<i64>,
}

/// A creator as the control API shows it (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatorView {
    pub creator_id: String,
    pub username: String,
    pub nickname: String,
    pub avatar_url: String,
    pub bio: String,
    pub region_code: String,
    pub private_account: bool,
    pub privacy_level_options: Vec<PrivacyLevel>,
    pub comment_disabled: bool,
    pub duet_disabled: bool,
    pub stitch_disabled: bool,
    pub max_video_post_duration_sec: i64,
    pub banned_from_posting: bool,
    pub daily_post_cap: Option<i64>,
    pub has_password: bool,
    pub created_at: i64,
}

/// Body of `POST /_reelbox/tokens`: a consent given without the web page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MintToken {
    pub client_key: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub creator_id: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `GET /_reelbox/clock` / `POST /_reelbox/clock` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClockView {
    /// Server time, epoch milliseconds.
    pub now: i64,
    /// Offset from the system clock, milliseconds.
    pub offset_ms: i64,
    pub frozen: bool,
    /// The app whose clock this is, when one was asked for (`?client_key=`, or a change with
    /// `client_key`); `now` is then that app's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    /// How far that app's clock runs ahead of the shared one, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_offset_ms: Option<i64>,
    /// The creator (id) whose clock this is, when one was asked for (`?creator=`, or a change
    /// with `creator`); `now` is then that creator's time (with `client_key`, within that app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
    /// How far that creator's clock runs ahead of their app's, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_offset_ms: Option<i64>,
}

/// `GET /_reelbox/clock` query.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClockQuery {
    /// Show this app's clock.
    pub client_key: Option<String>,
    /// Show this creator's clock (open_id or username).
    pub creator: Option<String>,
}

/// Body of `POST /_reelbox/clock`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClockChange {
    #[serde(default)]
    pub advance_seconds: Option<i64>,
    /// `true` stops the clock where it is, `false` lets it run again.
    #[serde(default)]
    pub freeze: Option<bool>,
    /// Back to the system clock (with `client_key`: that app back on the shared clock).
    #[serde(default)]
    pub reset: Option<bool>,
    /// Move only this app's clock (`advance_seconds`, `reset`): its tokens, caps, rate windows,
    /// upload URLs and webhook times follow it; other apps keep the shared time.
    #[serde(default)]
    pub client_key: Option<String>,
    /// Move only this creator's clock (open_id or username): their tokens and caps follow it,
    /// on top of their app's clock; other creators keep their app's time.
    #[serde(default)]
    pub creator: Option<String>,
}

/// A fault to inject (`POST /_reelbox/faults`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FaultSpec {
    /// `video/init`, `inbox/video/init`, `content/init`, `creator_info`, `status`, `cancel`,
    /// `upload` (a chunk PUT), `processing` (`error_code` is then a `fail_reason`), `webhook`
    /// (deliveries to the app fail), or `*`. Ignored when `scenario` is set.
    #[serde(default)]
    pub endpoint: String,
    /// A named scenario instead of a plain fault (`GET /_reelbox/faults/scenarios`).
    #[serde(default)]
    pub scenario: Option<String>,
    #[serde(default)]
    pub client_key: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    /// The error to answer; absent with `latency_ms` for a slow but successful call.
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub http_status: Option<u16>,
    /// Delay before answering, in milliseconds.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// For `upload`: read only part of the chunk, then break off (as a dropped connection).
    #[serde(default)]
    pub drop_connection: Option<bool>,
    /// For scenarios that hold something back: how long, in seconds of server time.
    #[serde(default)]
    pub hold_seconds: Option<i64>,
    /// How many matching events the fault applies to.
    #[serde(default = "one")]
    pub times: u32,
    /// The fault disappears this many seconds (server time) after it was added.
    #[serde(default)]
    pub ttl_seconds: Option<i64>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Fault {
    pub fault_id: String,
    #[serde(flatten)]
    pub spec: FaultSpec,
    pub remaining: u32,
    /// Epoch ms after which the fault is gone.
    pub expires_at: Option<i64>,
}

/// `GET /_reelbox/faults` answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FaultList {
    pub faults: Vec<Fault>,
}

/// A named scenario and what it reproduces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScenarioView {
    pub name: String,
    pub reproduces: String,
}

/// `GET /_reelbox/faults/scenarios` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScenarioList {
    pub scenarios: Vec<ScenarioView>,
}

/// What one run of the storage sweeper found and freed (`GET /_reelbox/sweeper`,
/// `POST /_reelbox/sweeper/run`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SweepReport {
    /// Nothing was deleted: the counts are what a real run would delete.
    pub dry_run: bool,
    /// Server time, epoch milliseconds.
    pub started_at: i64,
    pub finished_at: i64,
    /// Blobs younger than this were kept whatever they are.
    pub min_age_secs: i64,
    /// Blobs listed, and those kept (referred to, in progress, or young).
    pub listed: SweepCount,
    pub kept: SweepCount,
    /// Chunk data of uploads that failed, expired or are gone.
    pub abandoned_uploads: SweepCount,
    /// Partial files a crash left (a pull or cover cut short).
    pub partial_writes: SweepCount,
    /// Objects no post or publish refers to (rejected or deleted media, failed pulls).
    pub orphans: SweepCount,
    /// Blobs that could not be listed or deleted; the next run tries again.
    pub errors: u64,
}

/// A number of blobs and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SweepCount {
    pub blobs: u64,
    pub bytes: u64,
}

impl SweepReport {
    /// What the run freed (or would free), all kinds together.
    pub fn freed(&self) -> SweepCount {
        let all = [self.abandoned_uploads, self.partial_writes, self.orphans];
        SweepCount {
            blobs: all.iter().map(|c| c.blobs).sum(),
            bytes: all.iter().map(|c| c.bytes).sum(),
        }
    }
}

/// Query of `POST /_reelbox/sweeper/run`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SweepRun {
    /// Count without deleting; unset: the configuration's `sweeper.dry_run`.
    pub dry_run: Option<bool>,
}
