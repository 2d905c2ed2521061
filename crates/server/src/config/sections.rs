//! The sections of the configuration below its top level (`[limits]`, `[network]`, `[compat]`,
//! `[intercept]`, …), each with its defaults.
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Answering for TikTok's own hosts (`http::intercept`): a proxy on the listen port that
/// terminates TLS for them with a local certificate authority, so an unchanged client runs
/// against reelbox with environment variables only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Intercept {
    /// Serve HTTP `CONNECT` and absolute-form proxy requests on the listen port.
    pub enabled: bool,
    /// The hosts answered as reelbox; any other is refused (or tunnelled, see `passthrough`).
    pub hosts: Vec<String>,
    /// Tunnel `CONNECT` to hosts not in `hosts` instead of refusing them. The tunnel goes to the
    /// named host and port, wherever that is (the internet, loopback, a private network).
    pub passthrough: bool,
    /// The CA certificate (PEM); default `<data_dir>/ca.pem`. Created with the key when both
    /// are missing; nodes that share it give the same paths.
    pub ca_cert: Option<PathBuf>,
    /// The CA's private key (PEM, mode 0600); default `<data_dir>/ca-key.pem`.
    pub ca_key: Option<PathBuf>,
    /// A second listener speaking TLS with certificates for `hosts`, for setups that resolve
    /// TikTok's names to reelbox (a hosts entry, a compose `extra_hosts`).
    pub tls_listen: Option<SocketAddr>,
}

impl Default for Intercept {
    fn default() -> Self {
        Intercept {
            enabled: false,
            hosts: crate::http::intercept::rules::DEFAULT_HOSTS
                .iter()
                .map(|h| h.to_string())
                .collect(),
            passthrough: false,
            ca_cert: None,
            ca_key: None,
            tls_listen: None,
        }
    }
}

/// The storage sweeper (`service::sweeper`): deletes abandoned uploads' data, partial files and
/// objects nothing refers to. Off unless enabled (it deletes); `POST /_reelbox/sweeper/run` runs
/// it on demand either way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sweeper {
    /// Run every `every_secs` (a job in the shared queue: one node at a time).
    pub enabled: bool,
    /// Count what would be deleted, and delete nothing.
    pub dry_run: bool,
    /// Blobs younger than this (by their last write) are kept whatever they are: one may be
    /// being written. At least the upload URL lifetime is wise.
    pub min_age_secs: i64,
    /// Seconds between runs (server time).
    pub every_secs: i64,
}

impl Default for Sweeper {
    fn default() -> Self {
        Sweeper {
            enabled: false,
            dry_run: false,
            min_age_secs: 24 * 3600,
            every_secs: 3600,
        }
    }
}

impl Intercept {
    /// Whether a certificate authority is needed (the proxy or the TLS listener is on).
    pub fn in_use(&self) -> bool {
        self.enabled || self.tls_listen.is_some()
    }

    pub fn ca_cert_path(&self, data_dir: &std::path::Path) -> PathBuf {
        self.ca_cert
            .clone()
            .unwrap_or_else(|| data_dir.join("ca.pem"))
    }

    pub fn ca_key_path(&self, data_dir: &std::path::Path) -> PathBuf {
        self.ca_key
            .clone()
            .unwrap_or_else(|| data_dir.join("ca-key.pem"))
    }
}

/// `GET /metrics` in Prometheus' text format (`state::metrics` lists the series). Off unless
/// asked for: the series name routes and show traffic, which not every platform wants public.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Metrics {
    /// Serve `/metrics` on the main listen address.
    pub enabled: bool,
    /// Also (or only) serve `/metrics` on an address of its own, e.g. `127.0.0.1:9464`, which a
    /// firewall can keep to the scraper. Nothing else is served there.
    pub listen: Option<SocketAddr>,
    /// A bearer token the scraper must send (`Authorization: Bearer …`); unset: none asked.
    pub token: Option<String>,
}

impl Metrics {
    /// Whether the node counts anything: with neither address, nothing is recorded at all.
    pub fn collected(&self) -> bool {
        self.enabled || self.listen.is_some()
    }
}

/// Which TikTok reelbox imitates (`reelbox_core::compat`); an app may choose its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Compat {
    /// The profile apps follow unless they choose one: `tiktok-2026-11` (TikTok's current pages)
    /// or `tiktok-2024` (the older pages).
    pub profile: String,
    /// Refuse every leniency with TikTok's answer, for apps that do not choose. Off: leniencies
    /// are served and each use is a finding in the app's guideline report.
    pub strict: bool,
    /// The name of the event sent when a post stops being public, whatever the profile says:
    /// TikTok's table prints `post.publish.no_longer_publicaly_available` (every profile's
    /// default); the clients found in the field match `post.publish.no_longer_publicly_available`.
    pub no_longer_public_event: Option<String>,
    /// New videos reach Research API results only after the profile's lag ("New videos take up
    /// to 48 hours to be added to the search engine", TikTok's Research FAQ). Unset: on for a
    /// live platform, off in the sandbox (tests see their videos at once).
    pub research_lag: Option<bool>,
}

impl Default for Compat {
    fn default() -> Self {
        Compat {
            profile: reelbox_core::compat::DEFAULT_PROFILE.into(),
            strict: false,
            no_longer_public_event: None,
            research_lag: None,
        }
    }
}

impl Compat {
    /// The platform's profile (checked when the configuration is loaded).
    pub fn platform_profile(&self) -> &'static reelbox_core::compat::Profile {
        reelbox_core::compat::profile(&self.profile)
            .unwrap_or(&reelbox_core::compat::TIKTOK_2026_11)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Direct posts per creator per rolling 24 h, all apps together (spec §9.1: "typically ~15").
    pub daily_post_cap: i64,
    /// Pending inbox shares per creator per 24 h.
    pub pending_share_cap: i64,
    /// Distinct posting creators per unaudited app per 24 h.
    pub unaudited_active_user_cap: i64,
    /// The same for audited apps, unless the app sets its own.
    pub audited_active_user_cap: i64,
    pub auth_code_ttl_secs: i64,
    /// A user access token's lifetime; unset: the compatibility profile's (7,200 s on
    /// `tiktok-2026-11`, 86,400 s on `tiktok-2024`).
    pub access_token_ttl_secs: Option<i64>,
    /// A refresh token's lifetime from the authorization; unset: the profile's (180 or 365 days).
    pub refresh_token_ttl_secs: Option<i64>,
    pub client_token_ttl_secs: i64,
    pub upload_url_ttl_secs: i64,
    pub pull_timeout_secs: i64,
    pub pull_max_bytes: u64,
    /// Largest JSON body of an API call.
    pub max_json_body_bytes: usize,
    /// Per-token requests per sliding minute, by endpoint.
    pub rate_creator_info: u32,
    pub rate_init: u32,
    pub rate_status: u32,
    pub rate_cancel: u32,
    /// Research API requests per client per sliding minute (all research endpoints together).
    pub rate_research: u32,
    /// Display API requests per app per sliding minute, by endpoint.
    pub rate_display: u32,
    /// Research API requests per client per UTC day (TikTok: 1,000), every research endpoint
    /// but the follower lists together. Counts reset at 00:00 UTC of server time.
    pub research_daily_requests: i64,
    /// Records (videos, users, comments, …) research answers may hold per client per UTC day
    /// (TikTok: 100,000).
    pub research_daily_records: i64,
    /// The follower and following lists' own daily quota of requests (TikTok: 20,000) …
    pub research_follow_daily_requests: i64,
    /// … and of records (TikTok: 2,000,000).
    pub research_follow_daily_records: i64,
    /// Failed client authentications (wrong `client_secret`) per client_key per sliding minute
    /// at the OAuth token and revoke endpoints, per node; beyond it every attempt for that
    /// client_key, right secret or not, is answered 429 `rate_limit_exceeded`. 0: no limit.
    pub rate_token_failures: u32,
    /// Seconds a non-upload request may take before it is answered with an error.
    pub request_timeout_secs: u64,
    /// Largest header block of a request (request line and all fields); larger → 431.
    pub max_header_bytes: usize,
    /// Most header fields in one request; more → 431.
    pub max_headers: usize,
    /// Seconds a client may take to send a request's header block, and the longest a connection
    /// may sit with no request started or in flight (a kept-alive one, one that sent nothing yet,
    /// an idle HTTP/2 one); then the connection is closed (slow-loris protection).
    pub header_read_timeout_secs: u64,
    /// Connections open at once from one client address; more are closed as soon as they are
    /// accepted (an idle-socket flood cannot use up the server's file descriptors). 0: no cap.
    pub max_connections_per_address: usize,
    /// Chunk PUTs in flight at once per publisher (app and creator: the grant behind the access
    /// token that made the upload URLs); more → 429 `rate_limit_exceeded`. 0: no cap.
    pub max_concurrent_uploads_per_token: usize,
    /// Seconds a chunk PUT may send no body bytes before it is cut off (answered 408) and its
    /// upload's writer slot freed. 0: no limit.
    pub upload_body_idle_timeout_secs: u64,
    /// How long the call log keeps each wire call (days of server time).
    pub call_log_retention_days: i64,
    /// Keep rate-limit windows in the database so several nodes enforce one limit. Default: on
    /// with PostgreSQL (several nodes), off with SQLite (one node; kept in memory).
    pub shared_rate_limits: Option<bool>,
    /// Milliseconds this node may answer from its cached copy of a token, grant, app or creator
    /// after another node changed it (this node's own changes are seen at once). Default: 60,000
    /// with SQLite (no other node), 1,000 with PostgreSQL. 0 turns the cache off.
    pub lookup_cache_ttl_ms: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            daily_post_cap: 15,
            pending_share_cap: 5,
            unaudited_active_user_cap: 5,
            audited_active_user_cap: 100_000,
            auth_code_ttl_secs: 600,
            access_token_ttl_secs: None,
            refresh_token_ttl_secs: None,
            client_token_ttl_secs: 7_200,
            upload_url_ttl_secs: 3_600,
            pull_timeout_secs: 3_600,
            pull_max_bytes: 4 * 1024 * 1024 * 1024,
            max_json_body_bytes: 1024 * 1024,
            rate_creator_info: 20,
            rate_init: 6,
            rate_status: 30,
            rate_cancel: 30,
            rate_research: 600,
            rate_display: 600,
            research_daily_requests: 1_000,
            research_daily_records: 100_000,
            research_follow_daily_requests: 20_000,
            research_follow_daily_records: 2_000_000,
            rate_token_failures: 10,
            request_timeout_secs: 60,
            max_header_bytes: 32 * 1024,
            max_headers: 100,
            header_read_timeout_secs: 10,
            max_connections_per_address: 64,
            max_concurrent_uploads_per_token: 6,
            upload_body_idle_timeout_secs: 30,
            call_log_retention_days: 30,
            shared_rate_limits: None,
            lookup_cache_ttl_ms: None,
        }
    }
}

impl Limits {
    /// The limits that only make sense above zero: a research quota of 0 would refuse every
    /// request, which no platform means to do.
    pub(super) fn validate(&self) -> Result<(), String> {
        // A cap of 0 stops that kind of posting; below 0 means nothing.
        let caps = [
            ("daily_post_cap", self.daily_post_cap),
            ("pending_share_cap", self.pending_share_cap),
            ("unaudited_active_user_cap", self.unaudited_active_user_cap),
            ("audited_active_user_cap", self.audited_active_user_cap),
        ];
        if let Some((name, v)) = caps.iter().find(|(_, v)| *v < 0) {
            return Err(format!("limits.{name} must be at least 0 (got {v})"));
        }
        let quotas = [
            ("research_daily_requests", self.research_daily_requests),
            ("research_daily_records", self.research_daily_records),
            (
                "research_follow_daily_requests",
                self.research_follow_daily_requests,
            ),
            (
                "research_follow_daily_records",
                self.research_follow_daily_records,
            ),
        ];
        match quotas.iter().find(|(_, v)| *v < 1) {
            Some((name, v)) => Err(format!("limits.{name} must be at least 1 (got {v})")),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Network {
    /// PULL_FROM_URL and webhooks may use plain http (TikTok requires https).
    pub allow_http: bool,
    /// Non-public ranges (CIDR) that PULL_FROM_URL and webhooks may reach, e.g. `127.0.0.1/32`.
    pub allow_private: Vec<String>,
    /// An HTTP(S) proxy for pulls and webhooks, e.g. `http://proxy.internal:3128`. The
    /// environment's `HTTP_PROXY`/`HTTPS_PROXY` are ignored; the policy above still applies to
    /// the target, which is resolved and checked before the request goes to the proxy.
    pub proxy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Probe {
    /// The executable that runs `probe FILE` in a child process; default: this binary.
    pub exe: Option<PathBuf>,
    pub timeout_secs: u64,
    pub max_memory_mb: u64,
}

impl Default for Probe {
    fn default() -> Self {
        Probe {
            exe: None,
            timeout_secs: 30,
            max_memory_mb: 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Webhooks {
    /// Retries stop after this many seconds (TikTok: 72 h).
    pub retry_window_secs: i64,
    /// First retry delay; doubles each attempt.
    pub first_retry_secs: i64,
    pub timeout_secs: u64,
}

impl Default for Webhooks {
    fn default() -> Self {
        Webhooks {
            retry_window_secs: 72 * 3600,
            first_retry_secs: 10,
            timeout_secs: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Jobs {
    /// How long a claimed job (processing, a pull, a webhook delivery) stays with its node
    /// without word from it. A running job renews its lease every third of this, so only a node
    /// that died (or lost the database) lets it lapse; then another node, or the restarted one,
    /// takes the job over. Seconds of server time.
    pub lease_secs: i64,
    /// Jobs one node runs at once, of every kind (webhook deliveries included). 0: no bound.
    pub concurrency: usize,
    /// Media jobs (processing an upload: probe, cover; pulling a URL) one node runs at once,
    /// within `concurrency`: each may hold a probe or ffmpeg child of up to
    /// `probe.max_memory_mb`. At least 1.
    pub media_concurrency: usize,
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs {
            lease_secs: 30,
            concurrency: 16,
            media_concurrency: 2,
        }
    }
}

/// Moderation (`service::moderation`): the review policy for new Direct Posts and the limits on
/// viewers' reports. The policy set here wins over the admin page's choice (shown there as
/// locked); unset, the admin chooses (default `none`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Moderation {
    pub policy: Option<reelbox_wire::control::ModerationPolicy>,
    /// Under `new_creators`, a creator with fewer published posts than this is new.
    pub new_creator_posts: i64,
    /// Reports one signed-in viewer may send per minute (the web pages' rate limiter, per node).
    pub reports_per_minute: u32,
}

impl Default for Moderation {
    fn default() -> Self {
        Moderation {
            policy: None,
            new_creator_posts: 1,
            reports_per_minute: 5,
        }
    }
}

/// Web-safe renditions (`jobs::renditions`): after a video post is made, an H.264/AAC MP4 at the
/// source's size capped at 1080p and a 480p one, served by the watch and embed pages; the
/// original is kept for its creator. Needs ffmpeg (with libx264); without it originals are served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Renditions {
    pub enabled: bool,
    /// Wall-clock limit of one rendition's ffmpeg run (the address-space cap is `probe`'s).
    pub timeout_secs: u64,
    /// Encoder threads per run (runs are media jobs: `jobs.media_concurrency` bounds how many).
    pub threads: u32,
}

impl Default for Renditions {
    fn default() -> Self {
        Renditions {
            enabled: true,
            timeout_secs: 900,
            threads: 2,
        }
    }
}

/// What a test suite sets up around the sandbox (`sandbox::testing`): the seed file a reset
/// returns to, and deterministic mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Testing {
    /// A seed file (TOML) applied at start-up and again after every reset (`--seed`).
    pub seed_file: Option<PathBuf>,
    /// Ids, keys, tokens, publish ids and log ids drawn from this seed (`--deterministic`); the
    /// clock then starts frozen at `start_ms`, so timestamps repeat too.
    pub deterministic: Option<u64>,
    /// Where a deterministic node's clock stands at start and after a reset (ms since the
    /// epoch); 2026-01-01T00:00:00Z by default.
    pub start_ms: i64,
}

impl Default for Testing {
    fn default() -> Self {
        Testing {
            seed_file: None,
            deterministic: None,
            start_ms: 1_767_225_600_000,
        }
    }
}

/// The live inspector (`GET /_reelbox/calls/live`, the portal's and the admin's inspector
/// pages): calls as they are answered, over server-sent events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Inspector {
    /// Calls held for a slow reader; one that falls further behind skips the oldest and is told
    /// how many (a `lagged` event), so no reader grows the node's memory.
    pub buffer: usize,
    /// Streams open at once on this node; one more is refused with 429 until one closes.
    pub max_streams: usize,
    /// How often a `reelbox listen` stream looks for new webhook deliveries, in milliseconds.
    pub listen_poll_ms: u64,
}

impl Default for Inspector {
    fn default() -> Self {
        Inspector {
            buffer: 256,
            max_streams: 32,
            listen_poll_ms: 250,
        }
    }
}

/// The numbers TikTok does not document for its QR login, batch compliance and Data
/// Portability products (`docs/compatibility.md` lists each choice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Products {
    /// Seconds a QR code from `get_qrcode` lives; then `check_qrcode` answers `expired`.
    pub qr_ttl_secs: i64,
    /// QR codes one client_key may ask for per sliding minute, per node (`get_qrcode` takes no
    /// secret, so this bounds what anyone knowing a client_key can make the server store).
    pub qr_codes_per_minute: u32,
    /// Seconds a batch-compliance validation task stays `Processing` before its job checks
    /// the ids.
    pub validation_delay_secs: i64,
    /// Seconds a Data Portability request stays `pending` before its archive is built.
    pub portability_ready_delay_secs: i64,
    /// Seconds a ready archive may be downloaded (TikTok: four days), then `expired`.
    pub portability_keep_secs: i64,
    /// Most `advertiser_business_ids` one ad query or report may name (TikTok states none).
    pub adlib_max_business_ids: usize,
}

impl Default for Products {
    fn default() -> Self {
        Products {
            qr_ttl_secs: 300,
            qr_codes_per_minute: 60,
            validation_delay_secs: 5,
            portability_ready_delay_secs: 10,
            portability_keep_secs: 4 * 86_400,
            adlib_max_business_ids: 100,
        }
    }
}
