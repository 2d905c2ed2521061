//! The listener: hyper's connection builder rather than `axum::serve`, for the limits the latter
//! does not expose: a header-read timeout against slow clients, the parser's header-count ceiling,
//! an idle timer on every connection (one that sends nothing, or an HTTP/2 connection that starts
//! no request, is closed), and a cap on the connections one client address may hold open.
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::http::intercept::rules::{self, Arrival, Verdict};
use crate::http::intercept::{InterceptedHost, Interceptor};

/// The router as the listener calls it.
pub trait App:
    tower::Service<
        axum::extract::Request,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> App for S where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// A connection's byte stream: a TCP socket, a TLS session, or a TLS session inside a `CONNECT`
/// tunnel; one type, so that a connection can be served from within another's request.
trait Stream: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> Stream for T {}
type Io = Pin<Box<dyn Stream>>;

type Answer = Pin<
    Box<
        dyn std::future::Future<Output = Result<axum::response::Response, std::convert::Infallible>>
            + Send,
    >,
>;

/// Accepts connections until `stop`, then lets in-flight requests finish (idle connections are
/// closed). With an interceptor, the listen port also acts as a proxy and `tls_listener` (if
/// any) speaks TLS as the intercepted hosts.
pub async fn serve<S: App>(
    listener: tokio::net::TcpListener,
    tls_listener: Option<tokio::net::TcpListener>,
    app: S,
    limits: crate::config::Limits,
    intercept: Option<Arc<Interceptor>>,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let idle = Duration::from_secs(limits.header_read_timeout_secs.max(1));
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    {
        let mut h1 = builder.http1();
        h1.timer(TokioTimer::new()).header_read_timeout(idle);
        // hyper parses up to 100 fields without allocating; more only when configured.
        if limits.max_headers > 100 {
            h1.max_headers(limits.max_headers);
        }
    }
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    let conns = Conns {
        builder,
        app,
        idle,
        per_address: PerAddress::new(limits.max_connections_per_address),
        tracker: tokio_util::task::TaskTracker::new(),
        stop: stop.clone(),
        intercept,
    };
    loop {
        let (accepted, tls) = tokio::select! {
            r = listener.accept() => (r, false),
            r = accept_on(tls_listener.as_ref()) => (r, true),
            _ = stop.cancelled() => break,
        };
        let (stream, peer) = match accepted {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors, typically: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Over the cap: dropping the stream closes it at once.
        let Some(slot) = conns.per_address.enter(peer.ip()) else {
            tracing::debug!(peer = %peer, "connection refused: too many from this address");
            continue;
        };
        let _ = stream.set_nodelay(true);
        if tls {
            conns.spawn_tls(Box::pin(stream), peer, slot, None);
        } else {
            conns.spawn(Box::pin(stream), peer, Arrival::Direct, slot);
        }
    }
    drop(listener);
    drop(tls_listener);
    conns.tracker.close();
    conns.tracker.wait().await;
    Ok(())
}

async fn accept_on(
    listener: Option<&tokio::net::TcpListener>,
) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

/// What every connection task shares.
#[derive(Clone)]
struct Conns<S> {
    builder: hyper_util::server::conn::auto::Builder<TokioExecutor>,
    app: S,
    idle: Duration,
    per_address: PerAddress,
    tracker: tokio_util::task::TaskTracker,
    stop: CancellationToken,
    intercept: Option<Arc<Interceptor>>,
}

impl<S: App> Conns<S> {
    fn spawn(&self, io: Io, peer: SocketAddr, arrival: Arrival, slot: Slot) {
        self.tracker
            .spawn(self.clone().run(io, peer, arrival, slot));
    }

    /// Speaks TLS as an intercepted host on `io`, then serves it; a handshake that fails (no
    /// name, a name not intercepted, not TLS at all) or takes longer than the idle limit closes
    /// the connection. Inside a `CONNECT` tunnel the name must be the one `CONNECT` gave.
    fn spawn_tls(&self, io: Io, peer: SocketAddr, slot: Slot, connected_to: Option<String>) {
        let Some(ic) = self.intercept.clone() else {
            return;
        };
        let conns = self.clone();
        self.tracker.spawn(async move {
            let tls = match tokio::time::timeout(conns.idle, ic.tls.accept(io)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, peer = %peer, "TLS handshake failed");
                    return;
                }
                Err(_) => return,
            };
            let name = tls
                .get_ref()
                .1
                .server_name()
                .and_then(|n| ic.hosts.intercepted(n));
            let Some(name) = name.map(str::to_string) else {
                return;
            };
            if connected_to.is_some_and(|c| c != name) {
                tracing::debug!(peer = %peer, sni = name, "TLS name differs from CONNECT's host");
                return;
            }
            conns
                .run(Box::pin(tls), peer, Arrival::Intercepted(name), slot)
                .await;
        });
    }

    /// The request's verdict: without the proxy on, every request on the listen port is reelbox's.
    fn judge<B>(&self, req: &http::Request<B>, arrival: &Arrival) -> Verdict {
        match &self.intercept {
            Some(ic) if ic.proxy || *arrival != Arrival::Direct => {
                rules::judge(&ic.hosts, req.method(), req.version(), req.uri(), arrival)
            }
            _ => Verdict::Serve { intercepted: None },
        }
    }

    async fn run(self, io: Io, peer: SocketAddr, arrival: Arrival, slot: Slot) {
        let _slot = slot;
        let idle = self.idle;
        let activity = Activity::new();
        let seen = activity.clone();
        let conns = self.clone();
        let svc =
            hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
                let intercepted = match conns.judge(&req, &arrival) {
                    Verdict::Serve { intercepted } => intercepted,
                    v @ (Verdict::Intercept { .. } | Verdict::Tunnel { .. }) => {
                        return Box::pin(conns.clone().connect(req, v, peer)) as Answer;
                    }
                    Verdict::Refuse(message) => return plain(http::StatusCode::FORBIDDEN, message),
                    Verdict::Malformed(message) => {
                        return plain(http::StatusCode::BAD_REQUEST, format!("{message}\n"));
                    }
                };
                if let Some(host) = intercepted {
                    // An absolute-form request is routed by its path, as if sent to the host itself.
                    if let Some(pq) = req.uri().path_and_query().cloned() {
                        *req.uri_mut() = http::Uri::from(pq);
                    }
                    req.extensions_mut().insert(InterceptedHost(host.into()));
                }
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                crate::http::fallback::add_trailing_slash(&mut req);
                // The connection counts as busy until the answer's body is sent or dropped.
                let busy = seen.begin();
                let answer =
                    tower::ServiceExt::oneshot(conns.app.clone(), req.map(axum::body::Body::new));
                Box::pin(async move {
                    let response = answer.await?;
                    Ok::<_, std::convert::Infallible>(response.map(move |body| {
                        axum::body::Body::new(body.map_frame(move |frame| {
                            let _ = &busy;
                            frame
                        }))
                    }))
                }) as Answer
            });
        let conn = self
            .builder
            .serve_connection_with_upgrades(TokioIo::new(io), svc);
        tokio::pin!(conn);
        let mut closing = false;
        // Set once the connection is closed for idleness: HTTP/2's graceful close waits for
        // the client to answer a PING, which an idle client need not do.
        let mut drop_at: Option<Instant> = None;
        let result = loop {
            tokio::select! {
                r = conn.as_mut() => break Some(r),
                _ = self.stop.cancelled(), if !closing => {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
                _ = tokio::time::sleep_until(activity.idle_deadline(idle)), if !closing => {
                    // Nothing sent, no request started, or nothing in flight for `idle`:
                    // h1 already has hyper's header timer; this also covers a socket that
                    // sends no byte (hyper waits for the protocol preface without a limit)
                    // and HTTP/2, whose pings a live but idle client answers for ever.
                    if activity.idle_for(idle) {
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                        drop_at = Some(Instant::now() + idle);
                    }
                }
                _ = tokio::time::sleep_until(drop_at.unwrap_or_else(Instant::now)), if drop_at.is_some() => {
                    if activity.idle_for(idle) {
                        break None;
                    }
                    drop_at = Some(Instant::now() + idle);
                }
            }
        };
        if let Some(Err(e)) = result {
            tracing::debug!(error = %e, peer = %peer, "connection ended with an error");
        }
    }

    /// Answers `CONNECT`: 200, then the tunnel is spoken to as the intercepted host, or (with
    /// passthrough) joined to the named host; 502 when that host cannot be reached.
    async fn connect(
        self,
        req: http::Request<hyper::body::Incoming>,
        verdict: Verdict,
        peer: SocketAddr,
    ) -> Result<axum::response::Response, std::convert::Infallible> {
        let upgrade = hyper::upgrade::on(req);
        match verdict {
            Verdict::Intercept { host } => {
                let conns = self.clone();
                self.tracker.spawn(async move {
                    let Ok(upgraded) = upgrade.await else {
                        return;
                    };
                    // The tunnel is a connection of its own, under the same per-address cap.
                    let Some(slot) = conns.per_address.enter(peer.ip()) else {
                        return;
                    };
                    conns.spawn_tls(Box::pin(TokioIo::new(upgraded)), peer, slot, Some(host));
                });
            }
            Verdict::Tunnel { host, port } => {
                let dialled = tokio::time::timeout(
                    self.idle,
                    tokio::net::TcpStream::connect((host.as_str(), port)),
                )
                .await;
                let Ok(Ok(mut upstream)) = dialled else {
                    return plain(
                        http::StatusCode::BAD_GATEWAY,
                        format!("passthrough: {host}:{port} cannot be reached\n"),
                    )
                    .await;
                };
                let stop = self.stop.clone();
                self.tracker.spawn(async move {
                    let Ok(upgraded) = upgrade.await else {
                        return;
                    };
                    let mut client = TokioIo::new(upgraded);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
                        _ = stop.cancelled() => {}
                    }
                });
            }
            _ => return plain(http::StatusCode::BAD_REQUEST, "not a CONNECT\n".into()).await,
        }
        Ok(axum::response::Response::new(axum::body::Body::empty()))
    }
}

/// A short plain-text answer from the proxy itself.
fn plain(status: http::StatusCode, message: String) -> Answer {
    let mut resp = axum::response::Response::new(axum::body::Body::from(message));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Box::pin(std::future::ready(Ok(resp)))
}

/// When a connection last started or finished a request, and how many are in flight.
#[derive(Clone)]
struct Activity(Arc<ActivityInner>);

struct ActivityInner {
    opened: Instant,
    /// Milliseconds after `opened`.
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

/// A request in flight on its connection; its drop is the request's end.
struct Busy(Activity);

impl Activity {
    fn new() -> Self {
        Activity(Arc::new(ActivityInner {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }))
    }

    fn touch(&self) {
        let ms = u64::try_from(self.0.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.0.last_ms.store(ms, Ordering::Relaxed);
    }

    fn begin(&self) -> Busy {
        self.0.in_flight.fetch_add(1, Ordering::Relaxed);
        self.touch();
        Busy(self.clone())
    }

    fn last(&self) -> Instant {
        self.0.opened + Duration::from_millis(self.0.last_ms.load(Ordering::Relaxed))
    }

    /// When the connection may next be found idle (a busy one is looked at again after `idle`).
    fn idle_deadline(&self, idle: Duration) -> Instant {
        if self.0.in_flight.load(Ordering::Relaxed) > 0 {
            Instant::now() + idle
        } else {
            self.last() + idle
        }
    }

    fn idle_for(&self, idle: Duration) -> bool {
        self.0.in_flight.load(Ordering::Relaxed) == 0 && self.last().elapsed() >= idle
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Open connections per client address, capped (0: no cap).
#[derive(Clone)]
struct PerAddress {
    cap: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One open connection of `ip`; its drop gives the place back.
struct Slot(PerAddress, IpAddr);

impl PerAddress {
    fn new(cap: usize) -> Self {
        PerAddress {
            cap,
            open: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn enter(&self, ip: IpAddr) -> Option<Slot> {
        if self.cap > 0 {
            let mut open = self.lock();
            let n = open.entry(ip).or_insert(0);
            if *n >= self.cap {
                return None;
            }
            *n += 1;
        }
        Some(Slot(self.clone(), ip))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.0.cap == 0 {
            return;
        }
        let mut open = self.0.lock();
        if let Some(n) = open.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                // Addresses with nothing open are forgotten, so the map holds only live ones.
                open.remove(&self.1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_per_address_cap_counts_open_connections_and_forgets_closed_ones() {
        let cap = PerAddress::new(2);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let first = cap.enter(a);
        let second = cap.enter(a);
        assert!(first.is_some() && second.is_some());
        assert!(cap.enter(a).is_none(), "a third from one address");
        assert!(cap.enter(b).is_some(), "another address is counted apart");
        drop(first);
        assert!(cap.enter(a).is_some(), "a place freed by a close");
        drop(second);
        assert!(cap.lock().is_empty(), "nothing open, nothing kept");
    }

    #[test]
    fn no_cap_when_zero() {
        let cap = PerAddress::new(0);
        let a: IpAddr = [10, 0, 0, 1].into();
        let held: Vec<_> = (0..1000).map(|_| cap.enter(a)).collect();
        assert!(held.iter().all(Option::is_some));
    }
}
