//! The client commands (`login`, `post`, `status`, `creator-info`, `schedule`, `doctor`,
//! `export`, `research validate`): the
//! `reelbox-sdk` from the terminal, against a reelbox server or TikTok itself.
pub mod creator_info;
pub mod doctor;
pub mod export;
pub mod login;
pub mod post;
pub mod research;
pub mod schedule;
pub mod status;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use reelbox_sdk::oauth::write_private_atomic;
use reelbox_sdk::{Client, Credentials, OAuthClient, TokenHolder, TokenStore, Tokens};
use serde::{Deserialize, Serialize};

/// The local server a fresh install talks to.
pub const DEFAULT_BASE: &str = "http://127.0.0.1:8080";

/// Options every client command shares.
#[derive(Args, Clone, Debug)]
pub struct ClientArgs {
    /// API base URL: a reelbox server, or https://open.tiktokapis.com (default: the account's, else
    /// http://127.0.0.1:8080).
    #[arg(long, env = "REELBOX_BASE_URL")]
    pub base_url: Option<String>,
    /// Use this access token instead of a stored login.
    #[arg(long, env = "REELBOX_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The stored login to use (see `reelbox login --account`).
    #[arg(long, default_value = "default")]
    pub account: String,
}

/// The user's config dir: `$REELBOX_CONFIG_DIR`, else `$XDG_CONFIG_HOME/reelbox`, else
/// `~/.config/reelbox`.
pub fn config_dir() -> anyhow::Result<PathBuf> {
    if let Some(d) = std::env::var_os("REELBOX_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("reelbox"));
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".config").join("reelbox")),
        None => bail!("no config dir: set REELBOX_CONFIG_DIR or HOME"),
    }
}

/// One stored login: the app, the server, and the user's tokens (file mode 0600).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// API base URL.
    pub base_url: String,
    /// The app's client key.
    pub client_key: String,
    /// The app's client secret, when the app has one (refresh needs it on TikTok).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// The user's tokens.
    pub tokens: Tokens,
}

/// Where account `name` is stored.
pub fn account_path(name: &str) -> anyhow::Result<PathBuf> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        || name.starts_with('.')
    {
        bail!("account names use letters, digits, '-', '_' and '.' only: {name:?}");
    }
    Ok(config_dir()?.join("accounts").join(format!("{name}.json")))
}

/// Reads account `name`.
pub fn load_account(name: &str) -> anyhow::Result<Account> {
    let p = account_path(name)?;
    let bytes = std::fs::read(&p).with_context(|| {
        format!(
            "no stored login {name:?} ({}): run `reelbox login --client-key K --account {name}` or pass --token",
            p.display()
        )
    })?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not a stored login", p.display()))
}

/// Writes account `name` atomically with mode 0600.
pub fn save_account(name: &str, a: &Account) -> anyhow::Result<PathBuf> {
    let p = account_path(name)?;
    write_private_atomic(&p, &serde_json::to_vec_pretty(a)?)?;
    #[cfg(unix)]
    if let Some(dir) = p.parent() {
        use std::os::unix::fs::PermissionsExt;
        // Only the owner may list the logins, too.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(p)
}

/// Saves refreshed tokens back into the account file.
struct AccountStore {
    name: String,
    account: std::sync::Mutex<Account>,
}

impl TokenStore for AccountStore {
    fn save(&self, tokens: &Tokens) -> std::io::Result<()> {
        let mut a = self.account.lock().unwrap_or_else(|e| e.into_inner());
        a.tokens = tokens.clone();
        save_account(&self.name, &a).map_err(std::io::Error::other)?;
        Ok(())
    }
}

/// A client for the command line's options: `--token` as is, or the stored login with refresh.
/// Returns the client and the base URL it talks to.
pub fn connect(args: &ClientArgs) -> anyhow::Result<Client> {
    let http = http_client()?;
    if let Some(t) = args.token.as_ref().filter(|t| !t.is_empty()) {
        let base = args.base_url.clone().unwrap_or_else(|| DEFAULT_BASE.into());
        return Ok(Client::with_http(http, base, Credentials::Token(t.clone())));
    }
    let a = load_account(&args.account)?;
    let base = args.base_url.clone().unwrap_or_else(|| a.base_url.clone());
    let holder = account_holder(http.clone(), &args.account, a, &base);
    Ok(Client::with_http(http, base, Credentials::Holder(holder)))
}

/// A token holder over a stored account.
pub fn account_holder(
    http: reqwest::Client,
    name: &str,
    a: Account,
    base: &str,
) -> Arc<TokenHolder> {
    let oauth = OAuthClient::new(http, base, a.client_key.clone(), a.client_secret.clone());
    let tokens = a.tokens.clone();
    let store = Arc::new(AccountStore {
        name: name.to_string(),
        account: std::sync::Mutex::new(a),
    });
    Arc::new(TokenHolder::new(oauth, tokens, store))
}

/// The HTTP client of every command.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .user_agent(concat!("reelbox-cli/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(15))
        .build()?)
}

/// The authorize page for an API base: TikTok's own host for TikTok, `{base}/v2/auth/authorize/`
/// for a reelbox server.
pub fn authorize_endpoint(base: &str) -> String {
    if base.contains("tiktokapis.com") {
        reelbox_sdk::oauth::TIKTOK_AUTHORIZE_URL.to_string()
    } else {
        format!("{}/v2/auth/authorize/", base.trim_end_matches('/'))
    }
}

/// Prints JSON on stdout.
pub fn print_json(v: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// A readable error for an SDK failure, with the advice of docs/errors.md.
pub fn explain(e: reelbox_sdk::Error) -> anyhow::Error {
    let advice = match e.action() {
        reelbox_sdk::Action::Retry => "this is temporary: try again later",
        reelbox_sdk::Action::Reconnect => "log in again with `reelbox login`",
        reelbox_sdk::Action::AskUser => "",
    };
    if advice.is_empty() {
        anyhow::anyhow!("{e}")
    } else {
        anyhow::anyhow!("{e} ({advice})")
    }
}

/// The journal directory of `post`.
pub fn journal_dir() -> anyhow::Result<PathBuf> {
    Ok(config_dir()?.join("journal"))
}

/// Whether a path looks like a URL.
pub fn is_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

/// Whether a path or URL names an image by its extension.
pub fn is_image(s: &str) -> bool {
    let s = s.split(['?', '#']).next().unwrap_or(s).to_ascii_lowercase();
    [".jpg", ".jpeg", ".webp", ".png"]
        .iter()
        .any(|e| s.ends_with(e))
}

/// Canonical form of a local path for journal keys.
pub fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}
