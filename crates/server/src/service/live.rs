//! The live inspector's stream: the node's answered calls (`state::live`) filtered for one
//! watcher, as server-sent events. A watcher that falls more than `inspector.buffer` calls
//! behind gets a `lagged` event with the number skipped and goes on from the oldest call still
//! held; streams are capped per node and end when the node stops.
use std::convert::Infallible;
use std::sync::Arc;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use reelbox_wire::ErrorCode;
use reelbox_wire::control::{LiveCall, LiveQuery};
use tokio::sync::broadcast::error::RecvError;

use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;

type Events = std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>>;

pub type LiveStream = Sse<axum::response::sse::KeepAliveStream<Events>>;

/// One of the node's stream slots (`inspector.max_streams`), held while a stream is open.
pub fn permit(st: &AppState) -> ApiResult<tokio::sync::OwnedSemaphorePermit> {
    st.live_streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(
            ErrorCode::RateLimitExceeded,
            "Too many inspector streams are open on this server; close one and retry.",
        )
        .with_status(axum::http::StatusCode::TOO_MANY_REQUESTS)
    })
}

/// `events` as a server-sent-event answer with keep-alives.
pub fn sse(events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> LiveStream {
    let events: Events = Box::pin(events);
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// A stream of the calls `q` admits, from now on.
pub fn stream(st: &AppState, q: LiveQuery) -> ApiResult<LiveStream> {
    let permit = permit(st)?;
    let rx = st.live.subscribe();
    let stop = st.stopping.clone();
    let events = futures::stream::unfold(
        (rx, q, permit, stop),
        |(mut rx, q, permit, stop)| async move {
            loop {
                let next = tokio::select! {
                    n = rx.recv() => n,
                    _ = stop.cancelled() => return None,
                };
                let event = match next {
                    Ok(c) if q.admits(&c) => call_event(&c),
                    Ok(_) => continue,
                    Err(RecvError::Lagged(n)) => Event::default()
                        .event("lagged")
                        .data(format!("{{\"skipped\":{n}}}")),
                    Err(RecvError::Closed) => return None,
                };
                return Some((Ok(event), (rx, q, permit, stop)));
            }
        },
    );
    Ok(sse(events))
}

fn call_event(c: &Arc<LiveCall>) -> Event {
    Event::default()
        .event("call")
        .id(c.log_id.clone())
        .data(serde_json::to_string(&**c).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;

    fn call(n: usize) -> LiveCall {
        LiveCall {
            client_key: Some("k".into()),
            created_at: 0,
            username: None,
            endpoint: format!("/v2/call/{n}/"),
            error_code: "ok".into(),
            hint: None,
            injected: false,
            latency_ms: 0,
            log_id: format!("L{n}"),
            method: "POST".into(),
            outcome: "served".into(),
            status: 200,
            summary: String::new(),
        }
    }

    #[tokio::test]
    async fn a_reader_that_falls_behind_skips_the_oldest_calls_and_is_told_how_many() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = crate::config::Config {
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        cfg.inspector.buffer = 2;
        let (st, _) = crate::boot::build_state(cfg).await.unwrap();
        let mut body = stream(&st, LiveQuery::default())
            .unwrap()
            .into_response()
            .into_body();
        // Five calls before the reader reads anything: the ring holds the last two.
        for n in 0..5 {
            st.live.send(Arc::new(call(n))).unwrap();
        }
        let mut text = String::new();
        while text.matches("event: ").count() < 3 {
            let frame = body.frame().await.unwrap().unwrap();
            if let Ok(data) = frame.into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
        }
        let events: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("event: "))
            .collect();
        assert_eq!(events, ["lagged", "call", "call"], "{text}");
        assert!(text.contains(r#"{"skipped":3}"#), "{text}");
        assert!(
            text.contains("/v2/call/3/") && text.contains("/v2/call/4/"),
            "{text}"
        );
        st.store.close().await;
    }
}
