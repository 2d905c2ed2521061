//! `reelbox login`: a loopback redirect listener on 127.0.0.1 with a random port (register
//! `http://127.0.0.1:*/callback/` for the app), the authorize URL with PKCE and state, the code
//! exchange, and the tokens saved in the config dir with mode 0600.
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use reelbox_sdk::oauth::system_now_ms;
use reelbox_sdk::wire::oauth::TokenResponse;
use reelbox_sdk::{AuthorizeUrl, Callback, OAuthClient, Tokens};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{
    Account, DEFAULT_BASE, authorize_endpoint, explain, http_client, print_json, save_account,
};

/// Options of `reelbox login`.
#[derive(Args, Clone, Debug)]
pub struct LoginArgs {
    /// The app's client key.
    #[arg(long)]
    pub client_key: String,
    /// The app's client secret (TikTok requires it for the token endpoint).
    #[arg(long, env = "REELBOX_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Scopes to ask for, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "user.info.basic,video.publish,video.upload"
    )]
    pub scopes: Vec<String>,
    /// API base URL (a reelbox server, or https://open.tiktokapis.com).
    #[arg(long, env = "REELBOX_BASE_URL", default_value = DEFAULT_BASE)]
    pub base_url: String,
    /// The authorize page (default: TikTok's for TikTok, else {base-url}/v2/auth/authorize/).
    #[arg(long)]
    pub authorize_url: Option<String>,
    /// Name to store this login under (several accounts can be logged in at once).
    #[arg(long, default_value = "default")]
    pub account: String,
    /// Port of the loopback listener (default: a random free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Do not try to open a browser; only print the URL.
    #[arg(long)]
    pub no_browser: bool,
    /// Give up waiting for the browser after this many seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
    /// Store tokens from a token-endpoint answer in this file ('-' for stdin) instead of the
    /// browser flow (for tokens minted elsewhere, e.g. `reelbox token mint`).
    #[arg(long)]
    pub tokens_file: Option<String>,
}

/// Runs `reelbox login`.
pub async fn run(a: LoginArgs) -> anyhow::Result<()> {
    let base = a.base_url.trim_end_matches('/').to_string();
    let r: TokenResponse = match &a.tokens_file {
        Some(f) => {
            let text = if f == "-" {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
                s
            } else {
                std::fs::read_to_string(f).with_context(|| format!("reading {f}"))?
            };
            serde_json::from_str(&text).context("the tokens file is not a token-endpoint answer")?
        }
        None => browser_flow(&a, &base).await?,
    };
    let tokens = Tokens::from_response(&r, system_now_ms());
    let account = Account {
        base_url: base,
        client_key: a.client_key.clone(),
        client_secret: a.client_secret.clone(),
        tokens: tokens.clone(),
    };
    let path = save_account(&a.account, &account)?;
    let asked: Vec<&str> = a.scopes.iter().map(String::as_str).collect();
    let granted = tokens.scopes();
    let missing: Vec<&&str> = asked.iter().filter(|s| !granted.contains(s)).collect();
    if a.tokens_file.is_none() && !missing.is_empty() {
        eprintln!(
            "note: not granted: {} (the user switched them off)",
            missing.iter().map(|s| **s).collect::<Vec<_>>().join(", ")
        );
    }
    eprintln!("Logged in; tokens saved in {}", path.display());
    print_json(&serde_json::json!({
        "account": a.account,
        "open_id": tokens.open_id,
        "scope": tokens.scope,
        "expires_at_ms": tokens.expires_at_ms,
        "refresh_expires_at_ms": tokens.refresh_expires_at_ms,
        "path": path,
    }))
}

async fn browser_flow(a: &LoginArgs, base: &str) -> anyhow::Result<TokenResponse> {
    let listener = TcpListener::bind(("127.0.0.1", a.port))
        .await
        .context("cannot listen on 127.0.0.1 for the redirect")?;
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback/");
    let endpoint = a
        .authorize_url
        .clone()
        .unwrap_or_else(|| authorize_endpoint(base));
    let auth = AuthorizeUrl::new(endpoint, &a.client_key, &a.scopes, &redirect_uri);
    let url = auth.url().map_err(explain)?;
    eprintln!(
        "Open this URL in a browser to authorize reelbox (the app must register http://127.0.0.1:*/callback/):"
    );
    eprintln!("{url}");
    if !a.no_browser {
        open_browser(&url);
    }
    let query = tokio::time::timeout(
        Duration::from_secs(a.timeout_secs),
        wait_for_callback(&listener),
    )
    .await
    .context("no answer from the browser in time")??;
    let code = match Callback::parse(&query, &auth.state).map_err(explain)? {
        Callback::Code { code, .. } => code,
        Callback::Denied { error, description } => {
            bail!("authorization refused: {error} {description}")
        }
    };
    let oauth = OAuthClient::new(
        http_client()?,
        base,
        a.client_key.clone(),
        a.client_secret.clone(),
    );
    oauth
        .exchange_code(&code, &redirect_uri, Some(&auth.pkce.verifier))
        .await
        .map_err(explain)
}

/// Accepts connections until one is the callback; answers each with a small page.
async fn wait_for_callback(listener: &TcpListener) -> anyhow::Result<String> {
    loop {
        let (mut sock, _) = listener.accept().await?;
        let mut buf = vec![0u8; 16 * 1024];
        let mut n = 0;
        // Read the request head (the query is all that matters).
        while n < buf.len() {
            let m = match sock.read(&mut buf[n..]).await {
                Ok(0) | Err(_) => break,
                Ok(m) => m,
            };
            n += m;
            if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buf[..n]).to_string();
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("")
            .to_string();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        if path.trim_end_matches('/') != "/callback" {
            let _ = sock
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let body = "<!doctype html><title>reelbox</title><p>Done: you can close this window and return to the terminal.</p>";
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = sock.write_all(resp.as_bytes()).await;
        let _ = sock.shutdown().await;
        return Ok(query.to_string());
    }
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    // Best effort: where no browser exists the printed URL is enough.
    let _ = std::process::Command::new(cmd)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
