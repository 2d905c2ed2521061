//! The webhook workbench: an app's deliveries streamed to `reelbox listen` (which forwards each
//! to a local URL with TikTok's body and signature and reports what it saw), documented events
//! fired on demand for a real publish or grant, past deliveries sent again, and every attempt
//! listed. The stream reads the deliveries table, so a listener on one node sees what any node
//! queued; it holds one of the node's stream slots and a bounded set of ids it already sent.
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use axum::response::sse::Event;
use reelbox_core::{ids, secrets};
use reelbox_store::webhooks::{Attempt, Delivery, Outbox};
use reelbox_wire::control::{
    AttemptList, AttemptReport, AttemptView, DeliveryList, DeliveryLiveQuery, DeliveryView,
    LiveDelivery, WebhookTrigger,
};
use reelbox_wire::webhook::events;

use crate::http::error::{ApiError, ApiResult, invalid_param as invalid};
use crate::service::inspect::delivery_view;
use crate::service::live::{LiveStream, permit, sse};
use crate::state::AppState;

/// How far back each look reaches: a delivery's row may commit a little after its `created_at`.
const LOOKBACK_MS: i64 = 5_000;
/// Deliveries read per look.
const BATCH: i64 = 500;

/// The app's deliveries queued from now on, as `delivery` events.
pub async fn stream(st: &AppState, q: DeliveryLiveQuery) -> ApiResult<LiveStream> {
    let app = st
        .store
        .app(&q.client_key)
        .await?
        .ok_or_else(|| invalid(format!("unknown client_key {}", q.client_key)))?;
    let secret = st.client_secret(&app.client_key, app.secret_generation);
    let permit = permit(st)?;
    let state = Listen {
        poll: Duration::from_millis(st.cfg.inspector.listen_poll_ms.max(10)),
        opened: st.now(),
        st: st.clone(),
        q,
        secret,
        seen: HashMap::new(),
        ready: VecDeque::new(),
        _permit: permit,
    };
    let events = futures::stream::unfold(state, |mut l| async move {
        loop {
            if let Some(d) = l.ready.pop_front() {
                if !l.q.admits(&d.event) {
                    continue;
                }
                let event = l.event(&d);
                return Some((Ok(event), l));
            }
            tokio::select! {
                _ = tokio::time::sleep(l.poll) => {}
                _ = l.st.stopping.cancelled() => return None,
            }
            l.look().await;
        }
    });
    Ok(sse(events))
}

struct Listen {
    st: AppState,
    q: DeliveryLiveQuery,
    secret: String,
    /// How often the deliveries table is read (`inspector.listen_poll_ms`).
    poll: Duration,
    /// When the stream opened: nothing queued before is sent.
    opened: i64,
    /// Ids already sent, with their `created_at`, while they are inside the look-back window.
    seen: HashMap<String, i64>,
    ready: VecDeque<Delivery>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Listen {
    async fn look(&mut self) {
        // Deliveries from the stream's opening on, reaching back a little for rows that commit
        // after their `created_at`; ids older than the window cannot come back and are dropped.
        let from = self.opened.max(self.st.now() - LOOKBACK_MS);
        self.seen.retain(|_, at| *at >= from);
        let Ok(rows) = self
            .st
            .store
            .deliveries_since(&self.q.client_key, from, BATCH)
            .await
        else {
            return;
        };
        for d in rows {
            if self.seen.insert(d.id.clone(), d.created_at).is_none() {
                self.ready.push_back(d);
            }
        }
    }

    fn event(&self, d: &Delivery) -> Event {
        let t = self.st.now() / 1000;
        let live = LiveDelivery {
            body: d.body.clone(),
            created_at: d.created_at,
            delivery_id: d.id.clone(),
            event: d.event.clone(),
            signature: secrets::webhook_signature(&self.secret, t, d.body.as_bytes()),
        };
        Event::default()
            .event("delivery")
            .id(d.id.clone())
            .data(serde_json::to_string(&live).unwrap_or_default())
    }
}

/// Fires `t.event` for the app with the content TikTok sends for it, about a real publish
/// (`post.publish.*`, `publish_id`) or grant (`authorization.removed`, `username`).
pub async fn trigger(st: &AppState, t: WebhookTrigger) -> ApiResult<DeliveryList> {
    let app = st
        .store
        .app(&t.client_key)
        .await?
        .ok_or_else(|| invalid(format!("unknown client_key {}", t.client_key)))?;
    if app.webhook_url.as_deref().is_none_or(str::is_empty) {
        return Err(invalid(
            "the app has no webhook_url: set one (PATCH /_reelbox/apps/{client_key}) so events are queued",
        ));
    }
    let (open_id, content) = match t.event.as_str() {
        events::AUTHORIZATION_REMOVED => {
            let name = t
                .username
                .as_deref()
                .ok_or_else(|| invalid("username is required for authorization.removed"))?;
            let c = st
                .store
                .creator_by_username(name)
                .await?
                .ok_or_else(|| invalid(format!("unknown username {name}")))?;
            let g = st
                .store
                .grant_for(&app.client_key, &c.id)
                .await?
                .ok_or_else(|| invalid(format!("{name} never authorized this app")))?;
            // 1: the creator removed the app (TikTok's reason codes).
            (g.open_id, serde_json::json!({ "reason": 1 }))
        }
        e if e.starts_with("post.publish.") => {
            let id = t
                .publish_id
                .as_deref()
                .ok_or_else(|| invalid(format!("publish_id is required for {e}")))?;
            let p = st
                .store
                .publish(id)
                .await?
                .filter(|p| p.client_key == app.client_key)
                .ok_or_else(|| invalid(format!("unknown publish_id {id} for this app")))?;
            let kind = crate::service::publishes::kind_of(&p);
            let post_id = serde_json::from_str::<Vec<String>>(&p.post_ids)
                .ok()
                .and_then(|v| v.into_iter().next());
            let content = match e {
                events::PUBLISH_COMPLETE | events::INBOX_DELIVERED => {
                    serde_json::json!({"publish_id": p.id, "publish_type": kind})
                }
                events::PUBLISH_FAILED => serde_json::json!({
                    "publish_id": p.id,
                    "reason": p.fail_reason.clone().unwrap_or_else(|| "internal".into()),
                    "publish_type": kind,
                }),
                e if e == events::PUBLICLY_AVAILABLE
                    || events::NO_LONGER_PUBLIC_SPELLINGS.contains(&e) =>
                {
                    let post = post_id
                        .ok_or_else(|| invalid(format!("{e} needs a publish that made a post")))?;
                    serde_json::json!({"publish_id": p.id, "post_id": post, "publish_type": kind})
                }
                _ => return Err(invalid(format!("unknown event {e}"))),
            };
            (crate::service::publishes::open_id(st, &p).await?, content)
        }
        e => return Err(invalid(format!("unknown event {e}"))),
    };
    let outbox =
        crate::service::events::prepare(st, &app.client_key, &open_id, &t.event, content).await?;
    write(st, &outbox).await?;
    Ok(DeliveryList {
        deliveries: outbox.deliveries.into_iter().map(delivery_view).collect(),
    })
}

/// Sends a past delivery again: a new delivery of the same body, queued now.
pub async fn resend(st: &AppState, delivery_id: &str) -> ApiResult<DeliveryView> {
    let d = st
        .store
        .delivery(delivery_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no delivery {delivery_id}")))?;
    let now = st.now();
    let copy = Delivery {
        id: ids::row_id(),
        status: "pending".into(),
        attempts: 0,
        last_status_code: None,
        last_error: None,
        created_at: now,
        delivered_at: None,
        ..d
    };
    let outbox = Outbox {
        jobs: vec![(
            ids::row_id(),
            "webhook".into(),
            copy.id.clone(),
            now,
            copy.client_key.clone(),
        )],
        deliveries: vec![copy.clone()],
    };
    write(st, &outbox).await?;
    Ok(delivery_view(copy))
}

async fn write(st: &AppState, outbox: &Outbox) -> ApiResult<()> {
    let mut conn = st.store.writer.acquire().await?;
    let mut tx = conn.begin().await?;
    reelbox_store::Store::write_outbox_tx(&mut tx, outbox, st.now()).await?;
    tx.commit()
        .await
        .map_err(|e| ApiError::internal(reelbox_store::StoreError::from(e)))?;
    drop(conn);
    st.work.notify_one();
    Ok(())
}

/// Every attempt at a delivery, oldest first.
pub async fn attempts(st: &AppState, delivery_id: &str) -> ApiResult<AttemptList> {
    if st.store.delivery(delivery_id).await?.is_none() {
        return Err(ApiError::not_found(format!("no delivery {delivery_id}")));
    }
    Ok(AttemptList {
        attempts: st
            .store
            .attempts_of(delivery_id)
            .await?
            .into_iter()
            .map(attempt_view)
            .collect(),
    })
}

/// Records what a forwarder (`reelbox listen`) saw of a delivery.
pub async fn report(st: &AppState, delivery_id: &str, r: AttemptReport) -> ApiResult<AttemptView> {
    let d = st
        .store
        .delivery(delivery_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no delivery {delivery_id}")))?;
    if r.url.len() > 2048 || r.error.as_ref().is_some_and(|e| e.len() > 2048) {
        return Err(invalid("url and error are at most 2048 bytes"));
    }
    let a = Attempt {
        id: ids::row_id(),
        delivery_id: d.id,
        client_key: d.client_key,
        via: "listen".into(),
        url: r.url,
        status_code: r.status_code.map(i64::from),
        error: r.error,
        latency_ms: r.latency_ms.max(0),
        created_at: st.now(),
    };
    st.store.insert_attempt(&a).await?;
    Ok(attempt_view(a))
}

fn attempt_view(a: Attempt) -> AttemptView {
    AttemptView {
        created_at: a.created_at,
        delivery_id: a.delivery_id,
        error: a.error,
        id: a.id,
        latency_ms: a.latency_ms,
        status_code: a.status_code,
        url: a.url,
        via: a.via,
    }
}
