//! Start-up and shutdown: open storage, build the node's state, start the worker and the
//! background loops, serve, and stop gracefully.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use reelbox_core::clock::MovableClock;
use reelbox_core::{ids, secrets};
use reelbox_media::LocalBlobStore;
use reelbox_store::Store;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::state::{AppState, Inner};

/// The shortest admin token `serve` accepts: it opens the whole control API, so it must not be
/// guessable (the generated one has 50 characters).
pub const MIN_ADMIN_TOKEN_CHARS: usize = 32;

/// Everything `serve` prints at start-up.
pub struct Started {
    pub addr: SocketAddr,
    /// The TLS listener's address (`intercept.tls_listen`).
    pub tls_addr: Option<SocketAddr>,
    /// The certificate clients trust for intercepted hosts, when interception is on.
    pub ca_cert: Option<std::path::PathBuf>,
    /// Where `metrics.listen` serves `/metrics`, once bound.
    pub metrics_addr: Option<SocketAddr>,
    pub admin_token: Option<String>,
    pub admin_token_file: Option<std::path::PathBuf>,
}

/// Creates the data directory, or narrows an existing one, to 0700: it holds the databases,
/// media and secrets, none of which other local users may read.
fn make_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Opens storage and builds the shared state (also used by the CLI's direct-database commands).
pub async fn build_state(cfg: Config) -> anyhow::Result<(AppState, Option<String>)> {
    make_private_dir(&cfg.data_dir)
        .with_context(|| format!("creating {}", cfg.data_dir.display()))?;
    let store = Store::open(&cfg.database_url())
        .await
        .with_context(|| format!("opening {}", cfg.database_url()))?;
    if let Some(ms) = cfg.limits.lookup_cache_ttl_ms {
        store.set_lookup_cache_ttl(std::time::Duration::from_millis(ms));
    }
    let metrics = cfg.metrics.collected().then(|| {
        let routes = crate::api::route_templates();
        Arc::new(crate::state::metrics::Metrics::new(
            routes.iter().map(String::as_str),
            store.writer.stats(),
        ))
    });
    let mut blobs = open_blobs(cfg.storage.as_deref(), &cfg.data_dir)?;
    if let Some(m) = &metrics {
        blobs = Arc::new(crate::state::metered_blobs::MeteredBlobs::new(
            blobs,
            m.clone(),
        ));
    }
    let master_key = match &cfg.secret_key {
        Some(k) => k.as_bytes().to_vec(),
        None => {
            let (k, _) =
                crate::state::read_or_create_secret(&cfg.data_dir.join("master-key"), || {
                    match cfg.testing.deterministic {
                        // Client secrets are derived from it: the same seed, the same secrets.
                        Some(seed) => secrets::sha256_hex(&format!("reelbox master key {seed}")),
                        None => hex::encode(rand::random::<[u8; 32]>()),
                    }
                })?;
            k.into_bytes()
        }
    };
    let (admin_token, generated) = match &cfg.admin_token {
        Some(t) => (t.clone(), false),
        None => crate::state::read_or_create_secret(&cfg.data_dir.join("admin-token"), || {
            format!("rbx_admin_{}", ids::random_alnum(40))
        })?,
    };
    let outbound = crate::state::outbound::Outbound::new(
        cfg.network.allow_http,
        &cfg.network.allow_private,
        cfg.network.proxy.as_deref(),
        Duration::from_secs(cfg.limits.pull_timeout_secs.max(1) as u64),
    )
    .map_err(|e| anyhow::anyhow!("network.allow_private: {e}"))?;
    let public_url = cfg.public_url();
    let st = AppState(Arc::new(Inner {
        live_cfg: std::sync::RwLock::new((std::time::Instant::now(), Arc::new(cfg.clone()))),
        store: store.clone(),
        clock: Arc::new(MovableClock::default()),
        blobs,
        master_key,
        admin_token_hash: secrets::sha256_hex(&admin_token),
        rate: Default::default(),
        outbound,
        work: Default::default(),
        faults: Default::default(),
        calls: crate::state::calllog::CallLog::start(store),
        research_tally: Default::default(),
        app_clocks: Default::default(),
        creator_clocks: Default::default(),
        last_prune: Default::default(),
        public_url,
        uploads: Default::default(),
        metrics,
        ids: cfg.testing.deterministic.map(|seed| {
            crate::state::ids::install();
            Arc::new(reelbox_core::ids::SeededIds::new(seed))
        }),
        hints: crate::api::hints::table(),
        live: tokio::sync::broadcast::channel(cfg.inspector.buffer.max(1)).0,
        live_streams: Arc::new(tokio::sync::Semaphore::new(cfg.inspector.max_streams)),
        stopping: CancellationToken::new(),
        cfg,
    }));
    st.load_clock().await?;
    Ok((st, generated.then_some(admin_token)))
}

/// The blob store a storage URL names: `file:///dir`, `s3://bucket?endpoint=…&region=…`, or
/// (none) `<data_dir>/media`.
pub fn open_blobs(
    storage: Option<&str>,
    data_dir: &std::path::Path,
) -> anyhow::Result<Arc<dyn reelbox_media::BlobStore>> {
    Ok(match storage {
        None => Arc::new(LocalBlobStore::new(data_dir.join("media"))),
        Some(s) if s.starts_with("file://") => Arc::new(LocalBlobStore::new(
            std::path::PathBuf::from(&s["file://".len()..]),
        )),
        Some(s) if s.starts_with("s3://") => Arc::new(
            reelbox_media::S3BlobStore::from_url(s, data_dir.join("tmp"))
                .map_err(|e| anyhow::anyhow!("storage: {e}"))?,
        ),
        Some(other) => anyhow::bail!(
            "unsupported storage URL {other} (file:///dir or s3://bucket?endpoint=…&region=…)"
        ),
    })
}

/// A running server: its address and how to stop it.
pub struct Handle {
    pub addr: SocketAddr,
    pub tls_addr: Option<SocketAddr>,
    pub metrics_addr: Option<SocketAddr>,
    pub state: AppState,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// The job claimer and the clock follower.
    loops: Vec<tokio::task::JoinHandle<()>>,
    jobs: TaskTracker,
}

/// How long a stop waits for running jobs; one still running then is cut off with the process,
/// and its lease hands it to the next start (or another node).
const JOB_GRACE: Duration = Duration::from_secs(10);

impl Handle {
    /// Graceful stop: no new connections, in-flight requests finish, no new jobs are claimed and
    /// running ones get a grace period; the call log is written out; then the database closes, so
    /// nothing is left to hit a closed pool.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let served = self.task.await;
        for l in self.loops {
            let _ = l.await;
        }
        self.jobs.close();
        if tokio::time::timeout(JOB_GRACE, self.jobs.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                running = self.jobs.len(),
                "stopping with jobs still running; their leases will hand them on"
            );
        }
        self.state.calls.flush().await;
        self.state.research_tally.flush(&self.state.store).await;
        self.state.store.close().await;
        served?
    }
}

/// Binds and serves in the background. `stop` on the handle (or SIGINT/SIGTERM via `run`) ends it.
pub async fn start(mut cfg: Config) -> anyhow::Result<(Handle, Started)> {
    if let Some(t) = &cfg.admin_token {
        let n = t.chars().count();
        anyhow::ensure!(
            n >= MIN_ADMIN_TOKEN_CHARS,
            "admin_token is {n} characters; it must be at least {MIN_ADMIN_TOKEN_CHARS} (or unset \
             it, and a random one is generated into <data dir>/admin-token)"
        );
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("binding {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let metrics_listener = match cfg.metrics.listen {
        Some(a) => Some(
            tokio::net::TcpListener::bind(a)
                .await
                .with_context(|| format!("binding metrics.listen {a}"))?,
        ),
        None => None,
    };
    let metrics_addr = match &metrics_listener {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };
    // With an ephemeral port, the upload URLs must name the real one.
    if cfg.public_url.is_none() {
        cfg.public_url = Some(format!("http://{addr}"));
    }
    let tls_listener = match cfg.intercept.tls_listen {
        Some(a) => Some(
            tokio::net::TcpListener::bind(a)
                .await
                .with_context(|| format!("binding {a} (intercept.tls_listen)"))?,
        ),
        None => None,
    };
    let tls_addr = tls_listener.as_ref().map(|l| l.local_addr()).transpose()?;
    let (st, generated) = build_state(cfg).await?;
    let own = own_authorities(addr, &st.public_url);
    let intercept = crate::http::intercept::Interceptor::from_config(&st.cfg, own)
        .context("intercept: the local certificate authority")?;
    let ca_cert = intercept
        .as_ref()
        .map(|_| st.cfg.intercept.ca_cert_path(&st.cfg.data_dir));
    if st.store.backend == reelbox_store::Backend::Sqlite {
        // One process serves a SQLite file: leases found at start are a killed process's, and
        // its jobs should run now, not when the lease lapses.
        let n = st.store.release_job_leases().await?;
        if n > 0 {
            tracing::info!(jobs = n, "released the leases of an earlier process");
        }
    }
    crate::service::sweeper::arm(&st).await?;
    crate::sandbox::testing::at_start(&st).await?;
    let shutdown = st.stopping.clone();
    let jobs = TaskTracker::new();
    let mut loops = vec![tokio::spawn(crate::jobs::worker::run(
        st.clone(),
        shutdown.clone(),
        jobs.clone(),
    ))];
    {
        let st = st.clone();
        let stop = shutdown.clone();
        loops.push(tokio::spawn(async move {
            // Other nodes may move the shared clock; follow it.
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {
                        let _ = st.load_clock().await;
                        prune_call_log(&st).await;
                    }
                    _ = stop.cancelled() => return,
                }
            }
        }));
    }
    {
        let st = st.clone();
        let stop = shutdown.clone();
        loops.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(crate::state::research_tally::FLUSH_EVERY) => st.research_tally.flush(&st.store).await,
                    _ = stop.cancelled() => return,
                }
            }
        }));
    }
    if let Some(listener) = metrics_listener {
        let app = crate::api::metrics_router(st.clone());
        let (limits, stop) = (st.cfg.limits.clone(), shutdown.clone());
        loops.push(tokio::spawn(async move {
            let served = crate::http::listener::serve(listener, None, app, limits, None, stop);
            if let Err(e) = served.await {
                tracing::error!(error = %format!("{e:#}"), "the metrics listener stopped");
            }
        }));
    }
    let app = crate::api::router(st.clone());
    let task = tokio::spawn(crate::http::listener::serve(
        listener,
        tls_listener,
        app,
        st.cfg.limits.clone(),
        intercept,
        shutdown.clone(),
    ));
    let file = generated
        .as_ref()
        .map(|_| st.cfg.data_dir.join("admin-token"));
    Ok((
        Handle {
            addr,
            tls_addr,
            metrics_addr,
            state: st,
            shutdown,
            task,
            loops,
            jobs,
        },
        Started {
            addr,
            tls_addr,
            ca_cert,
            metrics_addr,
            admin_token: generated,
            admin_token_file: file,
        },
    ))
}

/// The `host:port` spellings under which clients reach this node itself: an absolute-form
/// request naming one is served as if sent directly.
fn own_authorities(addr: SocketAddr, public_url: &str) -> Vec<String> {
    let mut own = vec![addr.to_string(), format!("localhost:{}", addr.port())];
    if let Ok(u) = url::Url::parse(public_url)
        && let (Some(h), Some(p)) = (u.host_str(), u.port_or_known_default())
    {
        own.push(format!("{h}:{p}"));
        if u.port().is_none() {
            own.push(h.to_string());
        }
    }
    own
}

/// Applies the call log's retention policy, at most once a minute of server time.
async fn prune_call_log(st: &AppState) {
    use std::sync::atomic::Ordering;
    let now = st.now();
    let last = st.last_prune.load(Ordering::Relaxed);
    if (0..60_000).contains(&(now - last)) {
        return;
    }
    st.last_prune.store(now, Ordering::Relaxed);
    let before = now - st.cfg.limits.call_log_retention_days.max(1) * 86_400_000;
    if let Err(e) = st.store.prune_calls(before).await {
        tracing::warn!(error = %e, "call log pruning failed");
    }
}

/// `reelbox serve`: start, print, wait for SIGINT/SIGTERM, stop gracefully.
pub async fn run(cfg: Config) -> anyhow::Result<()> {
    let (handle, started) = start(cfg).await?;
    eprintln!("reelbox listening on http://{}", started.addr);
    if let Some(m) = started.metrics_addr {
        eprintln!("reelbox metrics on http://{m}/metrics");
    }
    eprintln!("data dir: {}", handle.state.cfg.data_dir.display());
    if let Some(ca) = &started.ca_cert {
        if handle.state.cfg.intercept.enabled {
            eprintln!(
                "intercepting {} through the proxy http://{} (CA: {}; `reelbox ca --env` prints the client settings)",
                handle.state.cfg.intercept.hosts.join(", "),
                started.addr,
                ca.display()
            );
        }
        if let Some(t) = started.tls_addr {
            eprintln!(
                "TLS as {} on {t}",
                handle.state.cfg.intercept.hosts.join(", ")
            );
        }
    }
    if let Some(t) = &started.admin_token {
        eprintln!("admin token: {t}");
        if let Some(f) = &started.admin_token_file {
            eprintln!("(saved to {})", f.display());
        }
    } else {
        eprintln!(
            "admin token: from configuration or {}",
            handle.state.cfg.data_dir.join("admin-token").display()
        );
    }
    wait_for_signal().await;
    eprintln!("shutting down: finishing in-flight requests");
    handle.stop().await
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
