//! The typed client of the Content Posting API: one method per endpoint, every non-`ok` code an
//! [`ApiError`], 429 and 5xx retried with backoff where retrying is safe, and an expired access
//! token refreshed once without the caller noticing.
use std::sync::Arc;
use std::time::Duration;

use reelbox_wire::ErrorCode;
use reelbox_wire::posting::{
    ContentInitRequest, CreatorInfo, InboxVideoInitRequest, InitData, PublishIdRequest,
    PublishStatus, StatusData, VideoInitRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Error, Result};
use crate::oauth::TokenHolder;

/// TikTok's API host.
pub const TIKTOK_API: &str = "https://open.tiktokapis.com";

/// How to retry: exponential from `base` to `max`, at most `retries` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// First wait.
    pub base: Duration,
    /// Longest wait (a server's `Retry-After` is honoured up to this).
    pub max: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(500),
            max: Duration::from_secs(60),
            retries: 5,
        }
    }
}

impl Backoff {
    /// The wait before retry number `attempt` (1-based), with up to 25% jitter so that many
    /// clients do not retry in step.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let d = exp.min(self.max);
        let jitter = rand::random::<f64>() * 0.25;
        d.mul_f64(1.0 + jitter).min(self.max)
    }
}

/// Where the access token comes from.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// A fixed access token (no refresh).
    Token(String),
    /// A holder that refreshes and persists.
    Holder(Arc<TokenHolder>),
}

impl Credentials {
    async fn access_token(&self) -> Result<String> {
        match self {
            Credentials::Token(t) => Ok(t.clone()),
            Credentials::Holder(h) => h.access_token().await,
        }
    }
}

/// `creator_info/query/` answers its caps with HTTP 200 and the options attached: both parts.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatorInfoReply {
    /// The creator's posting options.
    pub info: CreatorInfo,
    /// `spam_risk_too_many_posts`, `spam_risk_user_banned_from_posting` or
    /// `reached_active_user_cap`: the creator cannot post now.
    pub gate: Option<ApiError>,
}

/// A Content Posting API client for one user.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) http: reqwest::Client,
    base: String,
    creds: Credentials,
    /// Retry policy for 429, 5xx and network errors.
    pub backoff: Backoff,
}

/// Reads `Retry-After` (seconds).
pub(crate) fn retry_after(h: &reqwest::header::HeaderMap) -> Option<u64> {
    h.get("retry-after")?.to_str().ok()?.trim().parse().ok()
}

impl Client {
    /// A client for `base` (e.g. [`TIKTOK_API`] or `http://127.0.0.1:8080`).
    pub fn new(base: impl Into<String>, creds: Credentials) -> Client {
        Client::with_http(reqwest::Client::new(), base, creds)
    }

    /// The same, on a caller's `reqwest::Client`.
    pub fn with_http(http: reqwest::Client, base: impl Into<String>, creds: Credentials) -> Client {
        Client {
            http,
            base: base.into().trim_end_matches('/').to_string(),
            creds,
            backoff: Backoff::default(),
        }
    }

    /// The API base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The HTTP client (uploads use it too).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The current access token (refreshed first when it is about to expire).
    pub(crate) async fn access_token(&self) -> Result<String> {
        self.creds.access_token().await
    }

    /// One POST with the envelope decoded: `(http status, data, error)`. Retries 429 always
    /// (nothing happened), 5xx and network errors only when `idempotent`, and refreshes the token
    /// once on `access_token_invalid`.
    async fn raw<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<(serde_json::Value, Option<ApiError>)> {
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            let token = self.creds.access_token().await?;
            let mut req = self
                .http
                .post(format!("{}{path}", self.base))
                .bearer_auth(&token);
            req = match body {
                Some(b) => req.json(b),
                // creator_info is sent without a body, as TikTok's own example does.
                None => req.header("content-type", "application/json; charset=UTF-8"),
            };
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) if idempotent && attempt < self.backoff.retries => {
                    attempt += 1;
                    tracing::debug!(error = %e, attempt, "network error, retrying");
                    tokio::time::sleep(self.backoff.delay(attempt)).await;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let status = resp.status().as_u16();
            let wait = retry_after(resp.headers());
            let text = resp.text().await?;
            let v: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(_) if status >= 500 && idempotent && attempt < self.backoff.retries => {
                    attempt += 1;
                    tokio::time::sleep(self.backoff.delay(attempt)).await;
                    continue;
                }
                Err(_) => {
                    return Err(Error::Protocol(format!(
                        "HTTP {status} from {path} without a JSON envelope: {}",
                        text.chars().take(200).collect::<String>()
                    )));
                }
            };
            let err = &v["error"];
            let code = err["code"].as_str().unwrap_or("");
            if code == "ok" {
                return Ok((
                    v.get("data").cloned().unwrap_or(serde_json::Value::Null),
                    None,
                ));
            }
            if code.is_empty() {
                return Err(Error::Protocol(format!(
                    "HTTP {status} from {path} without error.code"
                )));
            }
            let api = ApiError {
                code: code.to_string(),
                message: err["message"].as_str().unwrap_or("").to_string(),
                log_id: err["log_id"].as_str().unwrap_or("").to_string(),
                http_status: status,
                retry_after: wait,
            };
            let retryable = api.is(ErrorCode::RateLimitExceeded)
                || (idempotent && (api.is(ErrorCode::InternalError) || status >= 500));
            if retryable && attempt < self.backoff.retries {
                attempt += 1;
                let d = match wait {
                    Some(s) => Duration::from_secs(s).min(self.backoff.max),
                    None => self.backoff.delay(attempt),
                };
                tracing::debug!(code, attempt, ?d, "retrying");
                tokio::time::sleep(d).await;
                continue;
            }
            if api.is(ErrorCode::AccessTokenInvalid)
                && !refreshed
                && let Credentials::Holder(h) = &self.creds
            {
                refreshed = true;
                h.refresh_after_rejection(&token).await?;
                continue;
            }
            return Ok((
                v.get("data").cloned().unwrap_or(serde_json::Value::Null),
                Some(api),
            ));
        }
    }

    pub(crate) async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<T> {
        match self.raw(path, body, idempotent).await? {
            (_, Some(e)) => Err(Error::Api(e)),
            (data, None) => serde_json::from_value(data)
                .map_err(|e| Error::Protocol(format!("{path}: data does not decode: {e}"))),
        }
    }

    /// `POST /v2/post/publish/creator_info/query/`, with a soft gate kept apart from the data.
    pub async fn creator_info_reply(&self) -> Result<CreatorInfoReply> {
        let path = "/v2/post/publish/creator_info/query/";
        let (data, gate) = self.raw::<()>(path, None, true).await?;
        // A hard error (401, 429 exhausted, 5xx) carries no usable data.
        if let Some(g) = &gate
            && g.http_status != 200
        {
            return Err(Error::Api(g.clone()));
        }
        let info = serde_json::from_value(data)
            .map_err(|e| Error::Protocol(format!("{path}: data does not decode: {e}")))?;
        Ok(CreatorInfoReply { info, gate })
    }

    /// `POST /v2/post/publish/creator_info/query/`: the options a posting form must offer. A cap
    /// or ban is an error here; use [`Client::creator_info_reply`] to see the options anyway.
    pub async fn creator_info(&self) -> Result<CreatorInfo> {
        let r = self.creator_info_reply().await?;
        match r.gate {
            Some(g) => Err(Error::Api(g)),
            None => Ok(r.info),
        }
    }

    /// `POST /v2/post/publish/video/init/` (Direct Post). A FILE_UPLOAD init is retried on 5xx
    /// (an init without its upload never posts); a PULL_FROM_URL init is not (it might).
    pub async fn video_init(&self, req: &VideoInitRequest) -> Result<InitData> {
        let idem = req.source_info.source == reelbox_wire::posting::Source::FileUpload;
        self.call("/v2/post/publish/video/init/", Some(req), idem)
            .await
    }

    /// `POST /v2/post/publish/inbox/video/init/` (upload a draft to the creator's inbox).
    pub async fn inbox_video_init(&self, req: &InboxVideoInitRequest) -> Result<InitData> {
        let idem = req.source_info.source == reelbox_wire::posting::Source::FileUpload;
        self.call("/v2/post/publish/inbox/video/init/", Some(req), idem)
            .await
    }

    /// `POST /v2/post/publish/content/init/` (photos, always pulled from URLs).
    pub async fn content_init(&self, req: &ContentInitRequest) -> Result<InitData> {
        self.call("/v2/post/publish/content/init/", Some(req), false)
            .await
    }

    /// `POST /v2/post/publish/status/fetch/`.
    pub async fn status(&self, publish_id: &str) -> Result<StatusData> {
        let body = PublishIdRequest {
            publish_id: publish_id.to_string(),
        };
        self.call("/v2/post/publish/status/fetch/", Some(&body), true)
            .await
    }

    /// `POST /v2/post/publish/cancel/` (an ongoing PULL_FROM_URL download).
    pub async fn cancel(&self, publish_id: &str) -> Result<()> {
        let body = PublishIdRequest {
            publish_id: publish_id.to_string(),
        };
        let (_, err) = self
            .raw("/v2/post/publish/cancel/", Some(&body), true)
            .await?;
        match err {
            Some(e) => Err(Error::Api(e)),
            None => Ok(()),
        }
    }

    /// Polls `status/fetch/` until a terminal state: `PUBLISH_COMPLETE`, `FAILED`, or (for inbox
    /// uploads, which wait for the creator) `SEND_TO_USER_INBOX`. Waits grow from 1 s to 10 s
    /// (the guideline report counts polls of one publish closer than 1 s as a tight loop);
    /// `on_status` sees every answer. `None` for `timeout` polls until the end.
    pub async fn wait_for_status(
        &self,
        publish_id: &str,
        timeout: Option<Duration>,
        mut on_status: impl FnMut(&StatusData),
    ) -> Result<StatusData> {
        let start = std::time::Instant::now();
        let mut wait = Duration::from_secs(1);
        loop {
            let s = self.status(publish_id).await?;
            on_status(&s);
            if is_terminal(s.status) {
                return Ok(s);
            }
            if timeout.is_some_and(|t| start.elapsed() >= t) {
                return Ok(s);
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 3 / 2).min(Duration::from_secs(10));
        }
    }
}

/// Whether a status is where polling stops.
pub fn is_terminal(s: PublishStatus) -> bool {
    matches!(
        s,
        PublishStatus::PublishComplete | PublishStatus::Failed | PublishStatus::SendToUserInbox
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
            retries: 5,
        };
        assert!(
            b.delay(1) >= Duration::from_millis(100) && b.delay(1) <= Duration::from_millis(125)
        );
        assert!(b.delay(3) >= Duration::from_millis(400));
        assert_eq!(b.delay(30), Duration::from_secs(1));
    }
}
