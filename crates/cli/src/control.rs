//! The operator's control commands (`app`, `creator`, `token`, `clock`, `fault`, `report`): each
//! is one request to the control API (`/_reelbox/…`) with the admin token, described once as a
//! [`Call`] and sent by one of two transports:
//!
//! - **network**: to a running server (`--server`, else `REELBOX_SERVER`, else
//!   http://127.0.0.1:8080), with `--admin-token` / `REELBOX_ADMIN_TOKEN` /
//!   `./reelbox-data/admin-token`;
//! - **in process** (`--data-dir` / `--database-url`): the server's state is built on that
//!   database and the request goes through the server's own router, exactly as a running server
//!   would serve it, with the installation's admin token (configured, or `<data-dir>/admin-token`,
//!   created on first use). No listener and no background worker run; once answered, the state is
//!   stopped the way a server stops it: the call log and research tallies are written out and the
//!   database is closed.
//!
//! Either way the answer is the control API's envelope, read by one function: its `data` (or the
//! whole body when it has no envelope, like the token endpoint's), or an error `code: message`.
use std::convert::Infallible;
use std::path::PathBuf;

use anyhow::{Context, bail};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::response::Response;
use futures::future::BoxFuture;
use reelbox_server::{Config, Overrides};
use serde_json::Value;
use tower::ServiceExt;
use tower::util::BoxCloneService;

/// Where control commands go: a running server over HTTP, or the database directly.
#[derive(clap::Args, Clone)]
pub struct Target {
    /// A running server (default http://127.0.0.1:8080).
    #[arg(long, env = "REELBOX_SERVER")]
    server: Option<String>,
    /// Work on this data dir's database directly instead of a running server.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Work on this database directly instead of a running server.
    #[arg(long)]
    database_url: Option<String>,
    /// Admin token for --server (else REELBOX_ADMIN_TOKEN, else ./reelbox-data/admin-token).
    #[arg(long, env = "REELBOX_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

impl Target {
    /// Sends one call where the flags say and returns its answer.
    pub async fn call(&self, call: Call) -> anyhow::Result<Value> {
        let client = ControlClient::connect(self).await?;
        let answer = client.send(&call).await;
        client.close().await;
        answer
    }

    /// Connects once for calls that are not one JSON request (snapshots).
    pub async fn client(&self) -> anyhow::Result<ControlClient> {
        ControlClient::connect(self).await
    }

    /// For what only a serving process holds (faults): refuses the direct flags before anything
    /// is opened.
    pub fn server_only(&self) -> anyhow::Result<&Target> {
        if self.is_direct() {
            bail!("faults live in the running server: use --server");
        }
        Ok(self)
    }

    /// The server's base URL and the admin token, for what only a connection can do (streams).
    pub fn network(&self) -> anyhow::Result<(String, String)> {
        let base = self
            .server
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1:8080".into())
            .trim_end_matches('/')
            .to_string();
        let token = match &self.admin_token {
            Some(t) => t.clone(),
            None => std::fs::read_to_string("reelbox-data/admin-token")
                .map(|s| s.trim().to_string())
                .context("no admin token: pass --admin-token, set REELBOX_ADMIN_TOKEN, or run where ./reelbox-data/admin-token exists")?,
        };
        Ok((base, token))
    }

    fn is_direct(&self) -> bool {
        self.data_dir.is_some() || self.database_url.is_some()
    }
}

/// One control API request: method, path (with its query) and JSON body.
pub struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
}

impl Call {
    pub fn get(path: impl Into<String>) -> Call {
        Call::new(Method::GET, path.into(), None)
    }

    pub fn delete(path: impl Into<String>) -> Call {
        Call::new(Method::DELETE, path.into(), None)
    }

    pub fn post(path: impl Into<String>, body: &impl serde::Serialize) -> anyhow::Result<Call> {
        Ok(Call::new(
            Method::POST,
            path.into(),
            Some(serde_json::to_value(body)?),
        ))
    }

    pub fn patch(path: impl Into<String>, body: &impl serde::Serialize) -> anyhow::Result<Call> {
        Ok(Call::new(
            Method::PATCH,
            path.into(),
            Some(serde_json::to_value(body)?),
        ))
    }

    fn new(method: Method, path: String, body: Option<Value>) -> Call {
        Call { method, path, body }
    }
}

/// A connection to the control API through one of the two transports.
pub enum ControlClient {
    Network {
        base: String,
        token: String,
        http: reqwest::Client,
    },
    InProcess {
        router: BoxCloneService<Request, Response, Infallible>,
        token: String,
        /// Writes out what the state holds and closes the database.
        stop: BoxFuture<'static, ()>,
    },
}

impl ControlClient {
    pub async fn connect(target: &Target) -> anyhow::Result<ControlClient> {
        if target.is_direct() {
            let mut cfg = Config::load(None, &Overrides::default()).map_err(anyhow::Error::msg)?;
            if let Some(d) = &target.data_dir {
                cfg.data_dir = d.clone();
            }
            if let Some(u) = &target.database_url {
                cfg.database_url = Some(u.clone());
            }
            let (st, generated) = reelbox_server::build_state(cfg).await?;
            // The token `build_state` checks requests against: configured, generated just now,
            // or the one saved in the data dir.
            let token = match generated.or_else(|| st.cfg.admin_token.clone()) {
                Some(t) => t,
                None => {
                    let f = st.cfg.data_dir.join("admin-token");
                    std::fs::read_to_string(&f)
                        .with_context(|| format!("reading {}", f.display()))?
                        .trim()
                        .to_string()
                }
            };
            let router = BoxCloneService::new(reelbox_server::router(st.clone()));
            let stop = Box::pin(async move {
                st.calls.flush().await;
                st.research_tally.flush(&st.store).await;
                st.store.close().await;
            });
            return Ok(ControlClient::InProcess {
                router,
                token,
                stop,
            });
        }
        let (base, token) = target.network()?;
        Ok(ControlClient::Network {
            base,
            token,
            http: reqwest::Client::new(),
        })
    }

    /// Sends the call and reads the answer.
    pub async fn send(&self, call: &Call) -> anyhow::Result<Value> {
        let body = match self {
            ControlClient::Network { base, token, http } => {
                let mut req = http
                    .request(call.method.clone(), format!("{base}{}", call.path))
                    .bearer_auth(token);
                if let Some(b) = &call.body {
                    req = req.json(b);
                }
                let resp = req
                    .send()
                    .await
                    .with_context(|| format!("cannot reach the server at {base}"))?;
                resp.bytes()
                    .await
                    .context("reading the server's answer")?
                    .to_vec()
            }
            ControlClient::InProcess { router, token, .. } => {
                let resp = router
                    .clone()
                    .oneshot(in_process_request(call, token)?)
                    .await
                    .unwrap_or_else(|never| match never {});
                axum::body::to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .context("reading the server's answer")?
                    .to_vec()
            }
        };
        answer(&body)
    }

    /// Streams the answer of `GET path` into the file `to` (a snapshot); its size. An error
    /// answer is read as the envelope's error.
    pub async fn download(&self, path: &str, to: &std::path::Path) -> anyhow::Result<u64> {
        use futures::TryStreamExt;
        use tokio::io::AsyncWriteExt;
        let (ok, stream): (
            bool,
            futures::stream::BoxStream<'static, anyhow::Result<axum::body::Bytes>>,
        ) = match self {
            ControlClient::Network { base, token, http } => {
                let resp = http
                    .get(format!("{base}{path}"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .with_context(|| format!("cannot reach the server at {base}"))?;
                (
                    resp.status().is_success(),
                    Box::pin(resp.bytes_stream().map_err(anyhow::Error::from)),
                )
            }
            ControlClient::InProcess { router, token, .. } => {
                let resp = router
                    .clone()
                    .oneshot(in_process_request(&Call::get(path), token)?)
                    .await
                    .unwrap_or_else(|never| match never {});
                (
                    resp.status().is_success(),
                    Box::pin(
                        resp.into_body()
                            .into_data_stream()
                            .map_err(anyhow::Error::from),
                    ),
                )
            }
        };
        if !ok {
            let body: Vec<u8> = stream
                .try_fold(Vec::new(), |mut v, b| async move {
                    v.extend_from_slice(&b);
                    Ok(v)
                })
                .await?;
            answer(&body)?;
            bail!("the server refused the request");
        }
        // Written beside the target and renamed once whole, so a broken transfer leaves no
        // file that looks like a snapshot.
        let part = to.with_extension("part");
        let mut f = tokio::fs::File::create(&part)
            .await
            .with_context(|| format!("creating {}", part.display()))?;
        let mut n = 0u64;
        let mut stream = stream;
        while let Some(b) = stream.try_next().await.context("the transfer broke off")? {
            f.write_all(&b).await?;
            n += b.len() as u64;
        }
        f.sync_all().await?;
        drop(f);
        tokio::fs::rename(&part, to).await?;
        Ok(n)
    }

    /// Sends the file `from` streamed as the body of `PUT path` (a snapshot) and reads the answer.
    pub async fn upload(&self, path: &str, from: &std::path::Path) -> anyhow::Result<Value> {
        let f = tokio::fs::File::open(from)
            .await
            .with_context(|| format!("opening {}", from.display()))?;
        let stream = file_stream(f);
        let body = match self {
            ControlClient::Network { base, token, http } => http
                .put(format!("{base}{path}"))
                .bearer_auth(token)
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(reqwest::Body::wrap_stream(stream))
                .send()
                .await
                .with_context(|| format!("cannot reach the server at {base}"))?
                .bytes()
                .await
                .context("reading the server's answer")?
                .to_vec(),
            ControlClient::InProcess { router, token, .. } => {
                let req = Request::builder()
                    .method(Method::PUT)
                    .uri(path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/octet-stream")
                    .body(Body::from_stream(stream))?;
                let resp = router
                    .clone()
                    .oneshot(req)
                    .await
                    .unwrap_or_else(|never| match never {});
                axum::body::to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .context("reading the server's answer")?
                    .to_vec()
            }
        };
        answer(&body)
    }

    /// Stops the in-process state (nothing to do over the network).
    pub async fn close(self) {
        if let ControlClient::InProcess { router, stop, .. } = self {
            drop(router);
            stop.await;
        }
    }
}

/// A file as a stream of pieces, read as they are sent.
fn file_stream(
    f: tokio::fs::File,
) -> impl futures::Stream<Item = std::io::Result<axum::body::Bytes>> + Send + 'static {
    use tokio::io::AsyncReadExt;
    futures::stream::try_unfold(f, |mut f| async move {
        let mut buf = vec![0u8; 256 * 1024];
        let n = f.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((axum::body::Bytes::from(buf), f)))
    })
}

/// The request a client would send: the path and query encoded as a URL would encode them, the
/// admin token as a Bearer token, the body as JSON.
fn in_process_request(call: &Call, token: &str) -> anyhow::Result<Request> {
    let url = url::Url::parse(&format!("http://reelbox.invalid{}", call.path))
        .with_context(|| format!("not a control API path: {}", call.path))?;
    let uri = &url[url::Position::BeforePath..];
    let req = Request::builder()
        .method(call.method.clone())
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    Ok(match &call.body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(b)?))?,
        None => req.body(Body::empty())?,
    })
}

/// The envelope's `data` (the whole body when there is no envelope), or its error.
fn answer(body: &[u8]) -> anyhow::Result<Value> {
    let v: Value = serde_json::from_slice(body).context("the server's answer is not JSON")?;
    match v
        .get("error")
        .and_then(|e| e.get("code"))
        .and_then(|c| c.as_str())
    {
        Some("ok") | None => Ok(v.get("data").cloned().unwrap_or(v)),
        Some(code) => bail!("{code}: {}", v["error"]["message"].as_str().unwrap_or("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_reads_the_envelope() {
        let ok = br#"{"data":{"a":1},"error":{"code":"ok","message":"","log_id":"x"}}"#;
        assert_eq!(answer(ok).unwrap(), serde_json::json!({"a": 1}));
        let bare = br#"{"access_token":"act.1"}"#;
        assert_eq!(answer(bare).unwrap()["access_token"], "act.1");
        let err = br#"{"data":{},"error":{"code":"not_found","message":"app not found"}}"#;
        assert_eq!(
            answer(err).unwrap_err().to_string(),
            "not_found: app not found"
        );
        assert!(answer(b"<html>").is_err());
    }

    #[test]
    fn in_process_paths_are_encoded_like_urls() {
        let call = Call::get("/_reelbox/report?client_key=a b");
        let req = in_process_request(&call, "t").unwrap();
        assert_eq!(req.uri(), "/_reelbox/report?client_key=a%20b");
        assert_eq!(req.headers()[header::AUTHORIZATION], "Bearer t");
        assert!(req.headers().get(header::CONTENT_TYPE).is_none());
        let call = Call::post(
            "/_reelbox/clock",
            &serde_json::json!({"advance_seconds": 1}),
        )
        .unwrap();
        let req = in_process_request(&call, "t").unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.headers()[header::CONTENT_TYPE], "application/json");
    }
}
