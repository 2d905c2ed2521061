//! What one node counts for `GET /metrics` (Prometheus' text format), and only when
//! `[metrics]` serves it: with metrics off the node holds no `Metrics` and records nothing.
//!
//! Every label takes its value from a fixed set, so the series stay few whatever the traffic: a
//! request is labelled with its route's template (`/_reelbox/apps/{client_key}`, never the raw
//! path), a path no route matches with `unmatched`, a status by its class (`2xx`), a job by its
//! kind (an unknown one as `other`). Labels are `&'static str`, so recording a request allocates
//! nothing once its series exists.
//!
//! | series | type | labels |
//! |---|---|---|
//! | `reelbox_http_requests_total` | counter | `route`, `status_class` |
//! | `reelbox_http_request_duration_seconds` | histogram | `route` |
//! | `reelbox_http_rate_limited_total` (429 answers) | counter | `route` |
//! | `reelbox_db_writer_queued_writes` | gauge | |
//! | `reelbox_db_writer_wait_seconds` | histogram | |
//! | `reelbox_jobs_pending` (read from the jobs table at each scrape) | gauge | `kind`, `state` |
//! | `reelbox_jobs_finished_total` (runs on this node) | counter | `kind`, `outcome` |
//! | `reelbox_webhook_deliveries_total` (attempts) | counter | `outcome` |
//! | `reelbox_upload_received_bytes_total` | counter | |
//! | `reelbox_blob_store_errors_total` | counter | `operation` |
//! | `reelbox_moderation_queue_length` (open review cases, read at each scrape) | gauge | |
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The route label of a path no route matches.
pub const UNMATCHED: &str = "unmatched";

/// The job kinds the worker knows; any other is counted as `other`.
pub const JOB_KINDS: [&str; 7] = [
    "process",
    "pull",
    "render",
    "expire_upload",
    "make_public",
    "webhook",
    "sweep",
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status_class: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PendingJobLabels {
    kind: &'static str,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabel {
    operation: &'static str,
}

/// How a job run ended, as the worker recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    Completed,
    /// Asked to run again later (a webhook's next attempt, a held job).
    Rescheduled,
    /// Failed; retried unless it was the last attempt.
    Failed,
}

impl JobOutcome {
    fn label(self) -> &'static str {
        match self {
            JobOutcome::Completed => "completed",
            JobOutcome::Rescheduled => "rescheduled",
            JobOutcome::Failed => "failed",
        }
    }
}

/// What one webhook delivery attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    /// Refused or unreachable; another attempt is scheduled.
    Retrying,
    /// Refused or unreachable past the retry window: given up.
    Dropped,
}

impl DeliveryOutcome {
    fn label(self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Retrying => "retrying",
            DeliveryOutcome::Dropped => "dropped",
        }
    }
}

/// Latency buckets, seconds: creator_info answers in well under a millisecond, a research query
/// or a page in tens of milliseconds, the request timeout is a minute.
const LATENCY_BUCKETS: [f64; 14] = [
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

pub struct Metrics {
    routes: matchit::Router<&'static str>,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabel, Histogram, fn() -> Histogram>,
    rate_limited: Family<RouteLabel, Counter>,
    jobs_finished: Family<JobLabels, Counter>,
    webhook_deliveries: Family<OutcomeLabel, Counter>,
    upload_bytes: Counter,
    blob_errors: Family<OperationLabel, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Metrics for a node serving `routes` (path templates in the router's `{param}` syntax),
    /// whose database writer keeps `writer`.
    pub fn new<'a>(
        routes: impl IntoIterator<Item = &'a str>,
        writer: &reelbox_store::WriterStats,
    ) -> Metrics {
        let mut table = matchit::Router::new();
        for r in routes {
            // A template listed twice (one per method) is inserted once.
            let _ = table.insert(r, intern(r));
        }
        let m = Metrics {
            routes: table,
            registry: Registry::with_prefix("reelbox"),
            requests: Family::default(),
            durations: Family::new_with_constructor(latency_histogram),
            rate_limited: Family::default(),
            jobs_finished: Family::default(),
            webhook_deliveries: Family::default(),
            upload_bytes: Counter::default(),
            blob_errors: Family::default(),
        };
        let mut registry = m.registry;
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template and status class",
            m.requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its answer, by route template",
            Unit::Seconds,
            m.durations.clone(),
        );
        registry.register(
            "http_rate_limited",
            "Requests refused with 429 (rate limits, quotas, upload slots), by route template",
            m.rate_limited.clone(),
        );
        registry.register(
            "db_writer_queued_writes",
            "Writes waiting for the database writer now",
            writer.waiting.clone(),
        );
        registry.register_with_unit(
            "db_writer_wait",
            "Time each write waited for the database writer",
            Unit::Seconds,
            writer.wait_seconds.clone(),
        );
        registry.register(
            "jobs_finished",
            "Job runs on this node, by kind and outcome",
            m.jobs_finished.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts, by outcome",
            m.webhook_deliveries.clone(),
        );
        registry.register_with_unit(
            "upload_received",
            "Chunk body bytes received on upload URLs",
            Unit::Bytes,
            m.upload_bytes.clone(),
        );
        registry.register(
            "blob_store_errors",
            "Blob store operations that failed in the store itself, by operation",
            m.blob_errors.clone(),
        );
        // Series of a fixed, small label set start at zero, so that a graph of them has no gaps
        // and a rate sees the first event.
        for kind in JOB_KINDS {
            for outcome in [
                JobOutcome::Completed,
                JobOutcome::Rescheduled,
                JobOutcome::Failed,
            ] {
                let labels = JobLabels {
                    kind,
                    outcome: outcome.label(),
                };
                let _ = m.jobs_finished.get_or_create(&labels);
            }
        }
        for outcome in [
            DeliveryOutcome::Delivered,
            DeliveryOutcome::Retrying,
            DeliveryOutcome::Dropped,
        ] {
            let labels = OutcomeLabel {
                outcome: outcome.label(),
            };
            let _ = m.webhook_deliveries.get_or_create(&labels);
        }
        for operation in BLOB_OPERATIONS {
            let _ = m.blob_errors.get_or_create(&OperationLabel { operation });
        }
        Metrics { registry, ..m }
    }

    /// The template of the route serving `path`, or [`UNMATCHED`].
    pub fn route_of(&self, path: &str) -> &'static str {
        self.routes.at(path).map(|m| *m.value).unwrap_or(UNMATCHED)
    }

    /// Records one answered request.
    pub fn record_request(&self, path: &str, status: u16, elapsed: Duration) {
        let route = self.route_of(path);
        let labels = RequestLabels {
            route,
            status_class: status_class(status),
        };
        self.requests.get_or_create(&labels).inc();
        self.durations
            .get_or_create(&RouteLabel { route })
            .observe(elapsed.as_secs_f64());
        if status == 429 {
            self.rate_limited.get_or_create(&RouteLabel { route }).inc();
        }
    }

    pub fn record_job(&self, kind: &str, outcome: JobOutcome) {
        let labels = JobLabels {
            kind: job_kind(kind),
            outcome: outcome.label(),
        };
        self.jobs_finished.get_or_create(&labels).inc();
    }

    pub fn record_delivery(&self, outcome: DeliveryOutcome) {
        let labels = OutcomeLabel {
            outcome: outcome.label(),
        };
        self.webhook_deliveries.get_or_create(&labels).inc();
    }

    pub fn record_upload_bytes(&self, n: usize) {
        self.upload_bytes.inc_by(n as u64);
    }

    pub fn record_blob_error(&self, operation: &'static str) {
        self.blob_errors
            .get_or_create(&OperationLabel { operation })
            .inc();
    }

    /// The text a scrape answers: the node's series, then the pending jobs read from the table
    /// (`pending`: kind, state, count; `None` when the read failed, and the series is left out).
    pub fn encode(&self, pending: Option<&[(String, String, i64)]>) -> String {
        self.encode_with(pending, None)
    }

    /// [`Self::encode`], with the review queue's length (`None`: its read failed, left out).
    pub fn encode_with(
        &self,
        pending: Option<&[(String, String, i64)]>,
        moderation_queue: Option<i64>,
    ) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; an encoder error would only cut the answer short.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        if let Some(rows) = pending {
            let jobs: Family<PendingJobLabels, Gauge> = Family::default();
            // Every known kind and state is shown, zeros included, so a graph has no gaps.
            for kind in JOB_KINDS {
                for state in JOB_STATES {
                    let _ = jobs.get_or_create(&PendingJobLabels { kind, state });
                }
            }
            for (kind, state, n) in rows {
                let Some(state) = JOB_STATES.iter().find(|s| **s == state.as_str()) else {
                    continue;
                };
                jobs.get_or_create(&PendingJobLabels {
                    kind: job_kind(kind),
                    state,
                })
                .inc_by(*n);
            }
            let mut registry = Registry::with_prefix("reelbox");
            registry.register(
                "jobs_pending",
                "Jobs not yet done in the shared jobs table, by kind and state",
                jobs,
            );
            let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &registry);
        }
        if let Some(n) = moderation_queue {
            let queue: Gauge = Gauge::default();
            queue.set(n);
            let mut registry = Registry::with_prefix("reelbox");
            registry.register(
                "moderation_queue_length",
                "Cases waiting for a moderator (held posts and reported posts)",
                queue,
            );
            let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &registry);
        }
        out
    }
}

/// The blob store's operations, as `reelbox_blob_store_errors_total` names them.
pub const BLOB_OPERATIONS: [&str; 10] = [
    "begin_upload",
    "write_chunk",
    "finish_upload",
    "abort_upload",
    "put_stream",
    "size",
    "read",
    "local_copy",
    "delete",
    "list",
];

/// The states of a pending job: waiting its turn, leased by a node, or waiting to retry.
pub const JOB_STATES: [&str; 3] = ["queued", "running", "retrying"];

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

fn job_kind(kind: &str) -> &'static str {
    JOB_KINDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or("other")
}

/// A route template as a `&'static str`: templates are few and fixed by the code, and every
/// server of a process (tests start many) shares one copy of each.
fn intern(s: &str) -> &'static str {
    static SEEN: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    match seen.get(s) {
        Some(k) => k,
        None => {
            let k: &'static str = Box::leak(s.to_string().into_boxed_str());
            seen.insert(k);
            k
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Metrics {
        Metrics::new(
            [
                "/v2/post/publish/creator_info/query/",
                "/_reelbox/apps/{client_key}",
                "/_reelbox/apps/{client_key}",
                "/@{username}/video/{post_id}",
            ],
            &Default::default(),
        )
    }

    #[test]
    fn a_request_is_labelled_with_its_route_template_and_an_unknown_path_with_one_label() {
        let m = metrics();
        assert_eq!(
            m.route_of("/_reelbox/apps/abc"),
            "/_reelbox/apps/{client_key}"
        );
        assert_eq!(
            m.route_of("/@alice/video/123"),
            "/@{username}/video/{post_id}"
        );
        assert_eq!(m.route_of("/nothing/here"), UNMATCHED);
        for i in 0..100 {
            m.record_request(&format!("/random/{i}"), 404, Duration::from_millis(1));
        }
        let text = m.encode(None);
        let unmatched = text
            .lines()
            .filter(|l| l.starts_with("reelbox_http_requests_total{"))
            .count();
        assert_eq!(unmatched, 1, "{text}");
        assert!(
            text.contains(r#"route="unmatched",status_class="4xx"} 100"#),
            "{text}"
        );
    }

    #[test]
    fn a_429_counts_as_a_rate_limit_refusal_and_job_kinds_stay_bounded() {
        let m = metrics();
        m.record_request("/v2/post/publish/creator_info/query/", 429, Duration::ZERO);
        m.record_job("something new", JobOutcome::Failed);
        let pending = vec![("webhook".to_string(), "queued".to_string(), 2)];
        let text = m.encode(Some(&pending));
        assert!(text.contains(
            r#"reelbox_http_rate_limited_total{route="/v2/post/publish/creator_info/query/"} 1"#
        ));
        assert!(text.contains(r#"reelbox_jobs_finished_total{kind="other",outcome="failed"} 1"#));
        assert!(text.contains(r#"reelbox_jobs_pending{kind="webhook",state="queued"} 2"#));
        assert!(text.contains(r#"reelbox_jobs_pending{kind="pull",state="running"} 0"#));
    }
}
