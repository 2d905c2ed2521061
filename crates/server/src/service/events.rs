//! Webhook events: queued in the same store (and, where a state change causes one, the same
//! transaction) as everything else, so no crash can lose one; `jobs::webhooks` delivers them.
use reelbox_core::ids;
use reelbox_store::webhooks::{Delivery, Outbox};
use reelbox_store::{Store, StoreError};
use reelbox_wire::webhook::{WebhookEvent, events};

use crate::state::AppState;

/// Queues `event` for the app (nothing when it has no callback URL).
pub async fn emit(
    st: &AppState,
    client_key: &str,
    open_id: &str,
    event: &str,
    content: serde_json::Value,
) -> Result<(), StoreError> {
    let outbox = prepare(st, client_key, open_id, event, content).await?;
    if outbox.is_empty() {
        return Ok(());
    }
    let mut writer_conn = st.store.writer.acquire().await?;
    let mut tx = writer_conn.begin().await?;
    Store::write_outbox_tx(&mut tx, &outbox, st.now()).await?;
    tx.commit().await?;
    drop(writer_conn);
    st.work.notify_one();
    Ok(())
}

/// The deliveries (and their jobs) of `event`, for the caller to write in the same transaction
/// as the state change that causes it; empty when the app has no callback URL.
pub async fn prepare(
    st: &AppState,
    client_key: &str,
    open_id: &str,
    event: &str,
    content: serde_json::Value,
) -> Result<Outbox, StoreError> {
    let mut outbox = Outbox::default();
    let Some(app) = st.store.app(client_key).await? else {
        return Ok(outbox);
    };
    let Some(url) = app.webhook_url.clone().filter(|u| !u.is_empty()) else {
        return Ok(outbox);
    };
    let now = st.now();
    let body = WebhookEvent {
        client_key: client_key.to_string(),
        event: event.to_string(),
        // The event happens at the app's time (per-app clocks); the delivery runs on the shared one.
        create_time: st.now_for(client_key) / 1000,
        user_openid: open_id.to_string(),
        content: content.to_string(),
    };
    let d = Delivery {
        id: ids::row_id(),
        client_key: client_key.to_string(),
        event: event.to_string(),
        url,
        body: serde_json::to_string(&body).unwrap_or_default(),
        status: "pending".into(),
        attempts: 0,
        last_status_code: None,
        last_error: None,
        created_at: now,
        delivered_at: None,
    };
    let creator_id = st
        .store
        .grant_by_open_id(open_id)
        .await?
        .map(|g| g.creator_id)
        .unwrap_or_default();
    let duplicate =
        crate::sandbox::faults::scenario(st, "duplicate_webhooks", client_key, &creator_id)
            .await
            .is_some();
    let held = if [events::PUBLISH_COMPLETE, events::INBOX_DELIVERED].contains(&event) {
        crate::sandbox::faults::scenario(st, "out_of_order_webhooks", client_key, &creator_id)
            .await
            .map(|f| f.hold_seconds.unwrap_or(5).max(1) * 1000)
    } else {
        None
    };
    let run_at = now + held.unwrap_or(0);
    if duplicate {
        let copy = Delivery {
            id: ids::row_id(),
            ..d.clone()
        };
        outbox.deliveries.push(copy);
    }
    outbox.deliveries.insert(0, d);
    outbox.jobs = outbox
        .deliveries
        .iter()
        .map(|d| {
            (
                ids::row_id(),
                "webhook".to_string(),
                d.id.clone(),
                run_at,
                d.client_key.clone(),
            )
        })
        .collect();
    Ok(outbox)
}
