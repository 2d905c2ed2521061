//! The listener: hyper's connection builder rather than `axum::serve`, for the limits the latter
//! does not expose (a header-read timeout against slow clients, the parser's header-count ceiling).
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Accepts connections until `stop`, then lets in-flight requests finish (idle connections are
/// closed). hyper's connection builder rather than `axum::serve`, for the limits the latter does
/// not expose: a header-read timeout (slow-loris clients are disconnected) and the parser's
/// header-count ceiling.
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
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    {
        let mut h1 = builder.http1();
        h1.timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(limits.header_read_timeout_secs.max(1)));
        // hyper parses up to 100 fields without allocating; more only when configured.
        if limits.max_headers > 100 {
            h1.max_headers(limits.max_headers);
        }
    }
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
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
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let svc =
            hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                crate::http::fallback::add_trailing_slash(&mut req);
                app.clone().oneshot(req.map(axum::body::Body::new))
            });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), svc)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, peer = %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
