//! `reelbox listen`: an app's webhook deliveries, streamed from the server (server-sent events
//! parsed by `eventsource-stream`), forwarded to a local URL with TikTok's exact body and
//! `TikTok-Signature`, each delivery and its answer printed as one JSON line and reported back
//! to the server's attempt list. `reelbox trigger` and `reelbox resend` fire and repeat events.
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use reelbox_wire::control::{AttemptReport, LiveDelivery};
use reelbox_wire::webhook::SIGNATURE_HEADER;
use serde_json::json;

use crate::control::Target;

pub struct Listen {
    pub forward_to: String,
    pub app: String,
    pub events: Option<String>,
    /// Stop after this many deliveries (a script's run); unset: until interrupted.
    pub max: Option<usize>,
}

pub async fn run(l: Listen, target: &Target) -> anyhow::Result<()> {
    let (base, token) = target.network()?;
    let forward = url::Url::parse(&l.forward_to).context("--forward-to must be a URL")?;
    let http = reqwest::Client::new();
    let mut url = url::Url::parse(&format!("{base}/_reelbox/webhooks/live"))?;
    url.query_pairs_mut().append_pair("client_key", &l.app);
    if let Some(e) = &l.events {
        url.query_pairs_mut().append_pair("events", e);
    }
    let resp = http
        .get(url)
        .bearer_auth(&token)
        .send()
        .await
        .with_context(|| format!("cannot reach the server at {base}"))?;
    if !resp.status().is_success() {
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        bail!("the server refused the stream ({status}): {body}");
    }
    eprintln!(
        "listening for {}'s webhooks, forwarding to {forward}",
        l.app
    );
    let mut stream = resp.bytes_stream().eventsource();
    let mut forwarded = 0;
    while let Some(event) = stream.next().await {
        let event = event.context("reading the stream")?;
        if event.event != "delivery" {
            continue;
        }
        let d: LiveDelivery = serde_json::from_str(&event.data).context("a delivery event")?;
        let started = Instant::now();
        let answer = http
            .post(forward.clone())
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, &d.signature)
            .timeout(Duration::from_secs(30))
            .body(d.body.clone())
            .send()
            .await;
        let latency_ms = started.elapsed().as_millis() as i64;
        let (status_code, error) = match answer {
            Ok(r) => (Some(r.status().as_u16()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        println!(
            "{}",
            json!({"delivery_id": d.delivery_id, "event": d.event, "status": status_code, "error": error, "latency_ms": latency_ms})
        );
        let report = AttemptReport {
            url: forward.to_string(),
            status_code,
            error,
            latency_ms,
        };
        // The attempt list is for inspection: a failed report does not stop the forwarding.
        if let Err(e) = http
            .post(format!(
                "{base}/_reelbox/webhooks/{}/attempts",
                d.delivery_id
            ))
            .bearer_auth(&token)
            .json(&report)
            .send()
            .await
        {
            eprintln!("could not report the attempt: {e}");
        }
        forwarded += 1;
        if l.max.is_some_and(|m| forwarded >= m) {
            return Ok(());
        }
    }
    bail!("the server closed the stream")
}
