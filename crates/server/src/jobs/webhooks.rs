//! Webhooks: events are queued in the same store as everything else and delivered by the worker,
//! signed at send time (`TikTok-Signature: t=…,s=…`), retried with exponential backoff for the
//! configured window (TikTok: 72 h), at least once.
use reelbox_core::secrets;
use reelbox_wire::webhook::SIGNATURE_HEADER;

use crate::state::AppState;
use crate::state::metrics::DeliveryOutcome;

/// What the worker should do after one delivery attempt.
pub enum Next {
    Done,
    RetryAt(i64),
}

fn record(st: &AppState, outcome: DeliveryOutcome) {
    if let Some(m) = &st.metrics {
        m.record_delivery(outcome);
    }
}

/// One delivery attempt of `delivery_id`.
pub async fn deliver(st: &AppState, delivery_id: &str) -> anyhow::Result<Next> {
    let Some(d) = st.store.delivery(delivery_id).await? else {
        return Ok(Next::Done);
    };
    if d.status != "pending" {
        return Ok(Next::Done);
    }
    let Some(app) = st.store.app(&d.client_key).await? else {
        return Ok(Next::Done);
    };
    let secret = st.app_secret(&app).await?;
    let now = st.now();
    let t = now / 1000;
    let signature = secrets::webhook_signature(&secret, t, d.body.as_bytes());
    let started = std::time::Instant::now();
    let outcome: Result<u16, String> =
        if crate::sandbox::faults::webhook_fails(st, &app.client_key).await {
            Err(crate::sandbox::faults::INJECTED_WEBHOOK_FAILURE.to_string())
        } else {
            match st.outbound.check(&d.url).await {
                Err(e) => Err(e.to_string()),
                Ok(u) => match st
                    .outbound
                    .client
                    .post(u)
                    .header("content-type", "application/json")
                    .header(SIGNATURE_HEADER, signature)
                    .timeout(std::time::Duration::from_secs(st.cfg.webhooks.timeout_secs))
                    .body(d.body.clone())
                    .send()
                    .await
                {
                    Ok(r) => Ok(r.status().as_u16()),
                    Err(e) => Err(e.to_string()),
                },
            }
        };
    let now = st.now();
    let attempt = reelbox_store::webhooks::Attempt {
        id: reelbox_core::ids::row_id(),
        delivery_id: d.id.clone(),
        client_key: d.client_key.clone(),
        via: "server".into(),
        url: d.url.clone(),
        status_code: outcome.as_ref().ok().map(|c| i64::from(*c)),
        error: outcome.as_ref().err().cloned(),
        latency_ms: started.elapsed().as_millis() as i64,
        created_at: now,
    };
    // The attempt list is an inspection record: its failure must not fail the delivery.
    if let Err(e) = st.store.insert_attempt(&attempt).await {
        tracing::warn!(error = %e, "recording a webhook attempt");
    }
    match outcome {
        Ok(code) if (200..300).contains(&code) => {
            st.store
                .record_delivery_attempt(&d.id, "delivered", Some(code as i64), None, Some(now))
                .await?;
            record(st, DeliveryOutcome::Delivered);
            Ok(Next::Done)
        }
        other => {
            let (code, err) = match other {
                Ok(c) => (Some(c as i64), format!("receiver answered HTTP {c}")),
                Err(e) => (None, e),
            };
            let attempt = d.attempts + 1;
            let delay = st.cfg.webhooks.first_retry_secs.max(1)
                * 1000
                * (1i64 << (attempt - 1).clamp(0, 20));
            let next = now + delay;
            if next > d.created_at + st.cfg.webhooks.retry_window_secs * 1000 {
                st.store
                    .record_delivery_attempt(&d.id, "dropped", code, Some(&err), None)
                    .await?;
                record(st, DeliveryOutcome::Dropped);
                Ok(Next::Done)
            } else {
                st.store
                    .record_delivery_attempt(&d.id, "pending", code, Some(&err), None)
                    .await?;
                record(st, DeliveryOutcome::Retrying);
                Ok(Next::RetryAt(next))
            }
        }
    }
}
