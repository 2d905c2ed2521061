//! The listener: hyper's connection builder rather than `axum::serve`, for the limits the latter
//! does not expose: a header-read timeout against slow clients, the parser's header-count ceiling,
//! an idle timer on every connection (one that sends nothing, or an HTTP/2 connection that starts
//! no request, is closed), and a cap on the connections one client address may hold open.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::BodyExt;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Accepts connections until `stop`, then lets in-flight requests finish (idle connections are
/// closed).
pub async fn serve<S>(
    listener: tokio::net::TcpListener,
    app: S,
    limits: crate::config::Limits,
    stop: CancellationToken,
) -> anyhow::Result<()>
where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt;
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
    let per_address = PerAddress::new(limits.max_connections_per_address);
    let connections = tokio_util::task::TaskTracker::new();
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors, typically: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.cancelled() => break,
        };
        // Over the cap: dropping the stream closes it at once.
        let Some(slot) = per_address.enter(peer.ip()) else {
            tracing::debug!(peer = %peer, "connection refused: too many from this address");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let activity = Activity::new();
        let seen = activity.clone();
        let svc =
            hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                crate::http::fallback::add_trailing_slash(&mut req);
                // The connection counts as busy until the answer's body is sent or dropped.
                let busy = seen.begin();
                let answer = app.clone().oneshot(req.map(axum::body::Body::new));
                async move {
                    let response = answer.await?;
                    Ok::<_, std::convert::Infallible>(response.map(move |body| {
                        axum::body::Body::new(body.map_frame(move |frame| {
                            let _ = &busy;
                            frame
                        }))
                    }))
                }
            });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), svc)
            .into_owned();
        let stop = stop.clone();
        connections.spawn(async move {
            let _slot = slot;
            tokio::pin!(conn);
            let mut closing = false;
            // Set once the connection is closed for idleness: HTTP/2's graceful close waits for
            // the client to answer a PING, which an idle client need not do.
            let mut drop_at: Option<Instant> = None;
            let result = loop {
                tokio::select! {
                    r = conn.as_mut() => break Some(r),
                    _ = stop.cancelled(), if !closing => {
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
        });
    }
    drop(listener);
    connections.close();
    connections.wait().await;
    Ok(())
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
