//! OAuth 2.0 as TikTok speaks it (Login Kit v2): the authorize URL with PKCE and state, the token
//! endpoint's three grants, revoke, and a [`TokenHolder`] that refreshes before expiry and hands
//! new tokens to a caller-supplied [`TokenStore`].
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use rand::distr::Alphanumeric;
use reelbox_wire::oauth::{ClientTokenResponse, TokenResponse};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// TikTok's authorize page (a browser URL, not on the API host).
pub const TIKTOK_AUTHORIZE_URL: &str = "https://www.tiktok.com/v2/auth/authorize/";

fn random_string(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A PKCE pair. TikTok wants the challenge as the **lower-case hex** of SHA-256(verifier), not
/// RFC 7636's base64url; reelbox accepts both, TikTok only hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkce {
    /// Kept by the client and sent at code exchange.
    pub verifier: String,
    /// Sent in the authorize URL.
    pub challenge: String,
}

impl Pkce {
    /// A fresh random verifier (64 characters of `[A-Za-z0-9]`) and its hex challenge.
    pub fn new() -> Pkce {
        Pkce::from_verifier(random_string(64))
    }

    /// The hex challenge of a given verifier.
    pub fn from_verifier(verifier: String) -> Pkce {
        let challenge = hex::encode(Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Pkce::new()
    }
}

/// Builds the browser URL that starts a login: `client_key`, comma-separated `scope`,
/// `redirect_uri`, `state`, `response_type=code` and the PKCE challenge.
#[derive(Debug, Clone)]
pub struct AuthorizeUrl {
    /// Where the authorize page lives ([`TIKTOK_AUTHORIZE_URL`] or `{reelbox}/v2/auth/authorize/`).
    pub endpoint: String,
    /// The app's client key.
    pub client_key: String,
    /// Scopes to ask for; the user may grant a subset.
    pub scopes: Vec<String>,
    /// Must match a registered redirect URI exactly (a `*` port matches any port on loopback).
    pub redirect_uri: String,
    /// CSRF protection: check that the callback echoes it.
    pub state: String,
    /// The PKCE pair; keep `verifier` for the exchange.
    pub pkce: Pkce,
}

impl AuthorizeUrl {
    /// A builder with a random `state` and a fresh PKCE pair.
    pub fn new(
        endpoint: impl Into<String>,
        client_key: impl Into<String>,
        scopes: &[impl AsRef<str>],
        redirect_uri: impl Into<String>,
    ) -> AuthorizeUrl {
        AuthorizeUrl {
            endpoint: endpoint.into(),
            client_key: client_key.into(),
            scopes: scopes.iter().map(|s| s.as_ref().to_string()).collect(),
            redirect_uri: redirect_uri.into(),
            state: random_string(32),
            pkce: Pkce::new(),
        }
    }

    /// The URL to open in a browser.
    pub fn url(&self) -> Result<String> {
        let mut u = url::Url::parse(&self.endpoint)
            .map_err(|e| Error::Invalid(format!("authorize endpoint {}: {e}", self.endpoint)))?;
        u.query_pairs_mut()
            .append_pair("client_key", &self.client_key)
            .append_pair("response_type", "code")
            .append_pair("scope", &self.scopes.join(","))
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("state", &self.state)
            .append_pair("code_challenge", &self.pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(u.to_string())
    }
}

/// What the redirect URI received: either a code (with the granted scopes) or an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// The user agreed.
    Code {
        /// The authorization code (already URL-decoded).
        code: String,
        /// Granted scopes (comma-separated on the wire).
        scopes: Vec<String>,
    },
    /// The user declined, or the request was refused.
    Denied {
        /// `error`, e.g. `access_denied`.
        error: String,
        /// `error_description`.
        description: String,
    },
}

impl Callback {
    /// Parses the query of the redirect and checks `state`; a wrong state is an error (CSRF).
    pub fn parse(query: &str, expected_state: &str) -> Result<Callback> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if get("state").as_deref() != Some(expected_state) {
            return Err(Error::Invalid(
                "the callback's state does not match: the login was not started here".into(),
            ));
        }
        if let Some(error) = get("error") {
            return Ok(Callback::Denied {
                error,
                description: get("error_description").unwrap_or_default(),
            });
        }
        match get("code") {
            Some(code) => Ok(Callback::Code {
                code,
                scopes: get("scopes")
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            }),
            None => Err(Error::Protocol(
                "the callback carries neither code nor error".into(),
            )),
        }
    }
}

/// A user's tokens with absolute expiry times (epoch milliseconds), as a [`TokenStore`] keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// `act.…`
    pub access_token: String,
    /// `rft.…`
    pub refresh_token: String,
    /// The user's id for this app.
    pub open_id: String,
    /// Granted scopes, comma-separated.
    pub scope: String,
    /// When the access token expires.
    pub expires_at_ms: i64,
    /// When the refresh token expires.
    pub refresh_expires_at_ms: i64,
}

impl Tokens {
    /// From a token-endpoint answer received at `now_ms`.
    pub fn from_response(r: &TokenResponse, now_ms: i64) -> Tokens {
        Tokens {
            access_token: r.access_token.clone(),
            refresh_token: r.refresh_token.clone(),
            open_id: r.open_id.clone(),
            scope: r.scope.clone(),
            expires_at_ms: now_ms.saturating_add(r.expires_in.saturating_mul(1000)),
            refresh_expires_at_ms: now_ms.saturating_add(r.refresh_expires_in.saturating_mul(1000)),
        }
    }

    /// Granted scopes as a list.
    pub fn scopes(&self) -> Vec<&str> {
        self.scope.split(',').filter(|s| !s.is_empty()).collect()
    }
}

/// Milliseconds since the Unix epoch by the system clock.
pub fn system_now_ms() -> i64 {
    reelbox_core::clock::system_now_ms()
}

/// Talks to `/v2/oauth/token/` and `/v2/oauth/revoke/` for one app.
#[derive(Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    base: String,
    /// The app's client key.
    pub client_key: String,
    pub(crate) client_secret: Option<String>,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("base", &self.base)
            .field("client_key", &self.client_key)
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    /// `base` is the API host, e.g. `https://open.tiktokapis.com` or a reelbox server. The secret
    /// is optional only because a desktop app may not have one; TikTok requires it.
    pub fn new(
        http: reqwest::Client,
        base: impl Into<String>,
        client_key: impl Into<String>,
        client_secret: Option<String>,
    ) -> OAuthClient {
        OAuthClient {
            http,
            base: base.into().trim_end_matches('/').to_string(),
            client_key: client_key.into(),
            client_secret,
        }
    }

    pub(crate) async fn form<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<T> {
        let mut attempt = 0u32;
        loop {
            let resp = self
                .http
                .post(format!("{}{path}", self.base))
                .header("cache-control", "no-cache")
                .form(form)
                .send()
                .await?;
            let status = resp.status().as_u16();
            let retry_after = crate::client::retry_after(resp.headers());
            let text = resp.text().await?;
            let v: serde_json::Value =
                serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
            // TikTok may answer token errors with HTTP 200: the `error` key decides.
            if let Some(err) = v.get("error").and_then(|e| e.as_str()) {
                return Err(Error::OAuth {
                    error: err.to_string(),
                    description: v["error_description"].as_str().unwrap_or("").to_string(),
                    log_id: v["log_id"].as_str().unwrap_or("").to_string(),
                });
            }
            if (status == 429 || status >= 500) && attempt < 3 {
                attempt += 1;
                let wait = retry_after
                    .map(Duration::from_secs)
                    .unwrap_or(Duration::from_millis(500 << attempt));
                tokio::time::sleep(wait.min(Duration::from_secs(60))).await;
                continue;
            }
            if status >= 400 {
                return Err(Error::Protocol(format!(
                    "HTTP {status} from {path}: {text}"
                )));
            }
            return serde_json::from_value(v)
                .map_err(|e| Error::Protocol(format!("{path}: {e}: {text}")));
        }
    }

    /// The `authorization_code` grant: trades the callback's code (and the PKCE verifier) for tokens.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        code_verifier: Option<&str>,
    ) -> Result<TokenResponse> {
        let mut f = vec![
            ("client_key", self.client_key.as_str()),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        if let Some(s) = &self.client_secret {
            f.push(("client_secret", s));
        }
        if let Some(v) = code_verifier {
            f.push(("code_verifier", v));
        }
        self.form("/v2/oauth/token/", &f).await
    }

    /// The `refresh_token` grant. The answer may carry a new refresh token: always keep the newest.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse> {
        let mut f = vec![
            ("client_key", self.client_key.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        if let Some(s) = &self.client_secret {
            f.push(("client_secret", s));
        }
        self.form("/v2/oauth/token/", &f).await
    }

    /// The `client_credentials` grant: a `clt.` token for the Research API (not for posting).
    pub async fn client_credentials(&self) -> Result<ClientTokenResponse> {
        let mut f = vec![
            ("client_key", self.client_key.as_str()),
            ("grant_type", "client_credentials"),
        ];
        if let Some(s) = &self.client_secret {
            f.push(("client_secret", s));
        }
        self.form("/v2/oauth/token/", &f).await
    }

    /// Revokes the user's grant (access token and its refresh token).
    pub async fn revoke(&self, access_token: &str) -> Result<()> {
        let mut f = vec![
            ("client_key", self.client_key.as_str()),
            ("token", access_token),
        ];
        if let Some(s) = &self.client_secret {
            f.push(("client_secret", s));
        }
        let _: serde_json::Value = self.form("/v2/oauth/revoke/", &f).await?;
        Ok(())
    }
}

/// Where a [`TokenHolder`] keeps the newest tokens. Called after every refresh, before the new
/// access token is used, so a crash never leaves only a rotated-away refresh token on disk.
pub trait TokenStore: Send + Sync {
    /// Persists `tokens`.
    fn save(&self, tokens: &Tokens) -> std::io::Result<()>;
}

/// Keeps tokens in memory only.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    /// The last saved tokens.
    pub last: std::sync::Mutex<Option<Tokens>>,
}

impl TokenStore for MemoryTokenStore {
    fn save(&self, tokens: &Tokens) -> std::io::Result<()> {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens.clone());
        Ok(())
    }
}

/// Keeps tokens in a JSON file, written atomically with mode 0600.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    /// The file.
    pub path: PathBuf,
}

impl FileTokenStore {
    /// A store at `path`.
    pub fn new(path: impl Into<PathBuf>) -> FileTokenStore {
        FileTokenStore { path: path.into() }
    }

    /// Reads the stored tokens, if any.
    pub fn load(&self) -> std::io::Result<Option<Tokens>> {
        match std::fs::read(&self.path) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(std::io::Error::other),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl TokenStore for FileTokenStore {
    fn save(&self, tokens: &Tokens) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(tokens).map_err(std::io::Error::other)?;
        write_private_atomic(&self.path, &bytes)
    }
}

/// Writes `bytes` to `path` through a temporary file, fsync and rename, readable by the owner only.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        // The rename is durable once the directory is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// A clock for expiry decisions: milliseconds since the epoch.
pub type NowFn = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Holds a user's tokens, refreshes the access token shortly before it expires (or when the
/// server says it is invalid), and saves every new pair through the [`TokenStore`].
pub struct TokenHolder {
    oauth: OAuthClient,
    store: Arc<dyn TokenStore>,
    tokens: tokio::sync::Mutex<Tokens>,
    now: NowFn,
    /// Refresh this long before expiry.
    pub margin_ms: i64,
}

impl std::fmt::Debug for TokenHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenHolder")
            .field("oauth", &self.oauth)
            .finish_non_exhaustive()
    }
}

impl TokenHolder {
    /// A holder for `tokens`, refreshing through `oauth`, saving to `store`, by the system clock.
    pub fn new(oauth: OAuthClient, tokens: Tokens, store: Arc<dyn TokenStore>) -> TokenHolder {
        TokenHolder {
            oauth,
            store,
            tokens: tokio::sync::Mutex::new(tokens),
            now: Arc::new(system_now_ms),
            margin_ms: 5 * 60 * 1000,
        }
    }

    /// Uses another clock for expiry decisions (for example a sandbox server's clock).
    pub fn with_clock(mut self, now: NowFn) -> TokenHolder {
        self.now = now;
        self
    }

    /// The current tokens.
    pub async fn tokens(&self) -> Tokens {
        self.tokens.lock().await.clone()
    }

    /// A valid access token, refreshed first when it expires within the margin.
    pub async fn access_token(&self) -> Result<String> {
        let mut t = self.tokens.lock().await;
        if (self.now)() + self.margin_ms >= t.expires_at_ms {
            self.refresh_locked(&mut t).await?;
        }
        Ok(t.access_token.clone())
    }

    /// Refreshes unless another task already replaced `stale` (the token the server refused).
    pub async fn refresh_after_rejection(&self, stale: &str) -> Result<String> {
        let mut t = self.tokens.lock().await;
        if t.access_token == stale {
            self.refresh_locked(&mut t).await?;
        }
        Ok(t.access_token.clone())
    }

    async fn refresh_locked(&self, t: &mut Tokens) -> Result<()> {
        let now = (self.now)();
        let r = self.oauth.refresh(&t.refresh_token).await?;
        let new = Tokens::from_response(&r, now);
        self.store.save(&new)?;
        *t = new;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_is_hex_of_sha256() {
        // RFC 7636 appendix B's verifier, hex-encoded as TikTok wants.
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(
            p.challenge,
            "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3"
        );
        assert!(reelbox_core::oauth::pkce_matches(&p.challenge, &p.verifier));
        let fresh = Pkce::new();
        assert!(reelbox_core::oauth::verifier_is_well_formed(
            &fresh.verifier
        ));
        assert_eq!(fresh.challenge.len(), 64);
    }

    #[test]
    fn authorize_url_carries_every_parameter() {
        let a = AuthorizeUrl::new(
            TIKTOK_AUTHORIZE_URL,
            "ck",
            &["user.info.basic", "video.publish"],
            "http://127.0.0.1:5000/callback/",
        );
        let u = url::Url::parse(&a.url().unwrap()).unwrap();
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["scope"], "user.info.basic,video.publish");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["code_challenge"], a.pkce.challenge);
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], a.state);
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:5000/callback/");
    }

    #[test]
    fn callback_checks_state() {
        let ok = Callback::parse("code=a%2Bb&scopes=x,y&state=s1", "s1").unwrap();
        assert_eq!(
            ok,
            Callback::Code {
                code: "a+b".into(),
                scopes: vec!["x".into(), "y".into()]
            }
        );
        assert!(Callback::parse("code=a&state=evil", "s1").is_err());
        assert!(matches!(
            Callback::parse("error=access_denied&state=s1", "s1").unwrap(),
            Callback::Denied { .. }
        ));
    }

    #[test]
    fn file_store_is_private_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileTokenStore::new(dir.path().join("t.json"));
        assert_eq!(s.load().unwrap(), None);
        let t = Tokens {
            access_token: "act.a".into(),
            refresh_token: "rft.b".into(),
            open_id: "o".into(),
            scope: "video.publish".into(),
            expires_at_ms: 1,
            refresh_expires_at_ms: 2,
        };
        s.save(&t).unwrap();
        assert_eq!(s.load().unwrap(), Some(t));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&s.path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
