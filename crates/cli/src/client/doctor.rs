//! `reelbox doctor`: checks an integration's setup against the server and says what is wrong and
//! how to fix it: reachability, clock skew, the loopback redirect URI and PKCE, the stored login's
//! expiry and scopes, and (on reelbox, with the admin token) the app's registration.
use clap::Args;
use reelbox_sdk::oauth::system_now_ms;
use reelbox_sdk::{AuthorizeUrl, Client, Credentials};
use serde::Serialize;

use super::{DEFAULT_BASE, authorize_endpoint, config_dir, http_client, print_json};

/// Options of `reelbox doctor`.
#[derive(Args, Clone, Debug)]
pub struct DoctorArgs {
    /// The app's client key.
    #[arg(long)]
    pub client_key: String,
    /// API base URL.
    #[arg(long, env = "REELBOX_BASE_URL", default_value = DEFAULT_BASE)]
    pub base_url: String,
    /// Admin token (reelbox only): also inspect the app's registration.
    #[arg(long, env = "REELBOX_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Check {
    check: &'static str,
    /// ok, warn, fail or skip.
    result: &'static str,
    detail: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    fix: String,
}

fn check(
    check: &'static str,
    result: &'static str,
    detail: impl Into<String>,
    fix: impl Into<String>,
) -> Check {
    Check {
        check,
        result,
        detail: detail.into(),
        fix: fix.into(),
    }
}

/// Runs `reelbox doctor`.
pub async fn run(a: DoctorArgs) -> anyhow::Result<()> {
    let base = a.base_url.trim_end_matches('/').to_string();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()?;
    let mut out = Vec::new();

    // 1. The API answers in TikTok's envelope (a call without a token must say access_token_invalid).
    let t0 = system_now_ms();
    let probe = http
        .post(format!("{base}/v2/post/publish/creator_info/query/"))
        .send()
        .await;
    match probe {
        Err(e) => {
            out.push(check(
                "api",
                "fail",
                format!("{base} is unreachable: {e}"),
                "check --base-url and that the server runs",
            ));
            return finish(&a, out);
        }
        Ok(r) => {
            let date = r
                .headers()
                .get("date")
                .and_then(|d| d.to_str().ok())
                .map(str::to_string);
            let v: serde_json::Value = r.json().await.unwrap_or_default();
            let code = v["error"]["code"].as_str().unwrap_or("");
            if code == "access_token_invalid" {
                out.push(check(
                    "api",
                    "ok",
                    format!("{base} speaks the v2 envelope"),
                    "",
                ));
            } else {
                out.push(check("api", "fail", format!("{base} answered an unauthenticated call with {v}"), "point --base-url at the API host (https://open.tiktokapis.com or a reelbox server)"));
            }
            // 2. Clock skew: token expiry and webhook signature windows assume agreeing clocks.
            let server_ms = v["error"]["log_id"]
                .as_str()
                .and_then(log_id_time)
                .or_else(|| date.as_deref().and_then(http_date_ms));
            match server_ms {
                Some(s) => {
                    let skew = (s - t0) / 1000;
                    if skew.abs() > 300 {
                        out.push(check("clock", "warn", format!("the server's clock is {skew} s from this machine's"), "sync this machine's clock (NTP); on a reelbox sandbox a moved clock is expected: expiries follow the server"));
                    } else {
                        out.push(check("clock", "ok", format!("skew {skew} s"), ""));
                    }
                }
                None => out.push(check("clock", "skip", "the server sent no time", "")),
            }
        }
    }

    // 3. The loopback redirect URI and a hex PKCE challenge are accepted by the authorize page.
    let redirect = "http://127.0.0.1:53682/callback/";
    let auth = AuthorizeUrl::new(
        authorize_endpoint(&base),
        &a.client_key,
        &["user.info.basic"],
        redirect,
    );
    if base.contains("tiktokapis.com") {
        out.push(check("redirect_uri", "skip", "TikTok's authorize page needs a browser", "register http://127.0.0.1:*/callback/ (desktop) in the developer portal for `reelbox login`"));
    } else if let Ok(url) = auth.url() {
        match http.get(&url).send().await {
            Ok(r) if r.status().is_success() => out.push(check("redirect_uri", "ok", "the app accepts the loopback redirect http://127.0.0.1:*/callback/ and a hex PKCE challenge", "")),
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                let short: String = body.chars().take(200).collect();
                out.push(check("redirect_uri", "fail", format!("the authorize page answered {status}: {short}"), "register http://127.0.0.1:*/callback/ as a redirect URI of the app (ports may be *), and check the client key"));
            }
            Err(e) => out.push(check("redirect_uri", "fail", format!("authorize page unreachable: {e}"), "")),
        }
    }
    out.push(check("pkce", "ok", "this client sends code_challenge = lower-case hex SHA-256 of the verifier (TikTok's rule; RFC 7636 base64url is refused by TikTok, accepted by reelbox)", ""));

    // 4. Stored logins of this app: expiry and scopes.
    let mut found = false;
    if let Some(rd) = config_dir()
        .ok()
        .and_then(|d| std::fs::read_dir(d.join("accounts")).ok())
    {
        for f in rd.flatten() {
            let Ok(acct) = serde_json::from_slice::<super::Account>(
                &std::fs::read(f.path()).unwrap_or_default(),
            ) else {
                continue;
            };
            if acct.client_key != a.client_key {
                continue;
            }
            found = true;
            let name = f
                .path()
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            let now = system_now_ms();
            let t = &acct.tokens;
            if t.refresh_expires_at_ms <= now {
                out.push(check(
                    "login",
                    "fail",
                    format!("{name}: the refresh token expired"),
                    format!(
                        "run `reelbox login --client-key {} --account {name}`",
                        a.client_key
                    ),
                ));
            } else if t.expires_at_ms <= now {
                out.push(check(
                    "login",
                    "ok",
                    format!("{name}: access token expired; it is refreshed on next use"),
                    "",
                ));
            } else {
                out.push(check(
                    "login",
                    "ok",
                    format!(
                        "{name}: access token valid for {} min",
                        (t.expires_at_ms - now) / 60_000
                    ),
                    "",
                ));
            }
            let scopes = t.scopes();
            let missing: Vec<&str> = ["video.publish", "video.upload"]
                .into_iter()
                .filter(|s| !scopes.contains(s))
                .collect();
            if missing.is_empty() {
                out.push(check(
                    "scopes",
                    "ok",
                    format!("{name}: granted {}", t.scope),
                    "",
                ));
            } else {
                out.push(check("scopes", "warn", format!("{name}: granted {}; missing {}", t.scope, missing.join(", ")), "request the scopes at login (--scopes) and make sure the app has them; the user may have switched them off"));
            }
            let client = Client::with_http(
                http_client()?,
                &base,
                Credentials::Token(t.access_token.clone()),
            );
            match client.creator_info_reply().await {
                Ok(r) => match r.gate {
                    None => out.push(check(
                        "creator_info",
                        "ok",
                        format!("{name}: may post with {:?}", r.info.privacy_level_options),
                        "",
                    )),
                    Some(g) => out.push(check(
                        "creator_info",
                        "warn",
                        format!("{name}: {g}"),
                        "the creator cannot post now; see docs/errors.md",
                    )),
                },
                Err(e) => out.push(check(
                    "creator_info",
                    "warn",
                    format!("{name}: {e}"),
                    "see docs/errors.md for this code",
                )),
            }
        }
    }
    if !found {
        out.push(check(
            "login",
            "skip",
            "no stored login for this client key",
            format!("run `reelbox login --client-key {}`", a.client_key),
        ));
    }

    // 5. The app's registration (reelbox control API).
    match &a.admin_token {
        None => out.push(check(
            "app",
            "skip",
            "no admin token: the app's registration is not inspected",
            "on reelbox, pass --admin-token; on TikTok, check the developer portal",
        )),
        Some(tok) => {
            let r = http
                .get(format!("{base}/_reelbox/apps/{}", a.client_key))
                .bearer_auth(tok)
                .send()
                .await?;
            let v: serde_json::Value = r.json().await.unwrap_or_default();
            if v["error"]["code"] != "ok" {
                out.push(check(
                    "app",
                    "fail",
                    format!("the app is unknown: {}", v["error"]["message"]),
                    "check --client-key",
                ));
            } else {
                let app = &v["data"];
                let audited = app["audited"].as_bool().unwrap_or(false);
                out.push(if audited {
                    check("audit", "ok", "audited: posts may be public", "")
                } else {
                    check("audit", "warn", "unaudited (sandbox): only SELF_ONLY posts to private accounts, at most 5 users a day", "apply for the audit before going live")
                });
                let uris: Vec<String> = app["redirect_uris"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|u| u.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                for u in &uris {
                    if let Err(e) = reelbox_core::oauth::validate_redirect_uri(u) {
                        out.push(check(
                            "redirect_uri",
                            "fail",
                            format!("{u}: {e}"),
                            "fix the registered URI",
                        ));
                    }
                }
                if !reelbox_core::oauth::redirect_uri_matches(&uris, redirect) {
                    out.push(check(
                        "redirect_uri",
                        "fail",
                        "no registered redirect URI matches http://127.0.0.1:PORT/callback/",
                        "add http://127.0.0.1:*/callback/",
                    ));
                }
                let prefixes = app["verified_url_prefixes"]
                    .as_array()
                    .map(|a| a.len())
                    .unwrap_or(0);
                out.push(if prefixes == 0 {
                    check("pull_from_url", "warn", "no verified URL prefixes: PULL_FROM_URL and photo posts answer url_ownership_unverified", "verify a domain or an https URL prefix ending in /")
                } else {
                    check("pull_from_url", "ok", format!("{prefixes} verified URL prefix(es)"), "")
                });
            }
        }
    }
    finish(&a, out)
}

fn finish(a: &DoctorArgs, out: Vec<Check>) -> anyhow::Result<()> {
    if a.json {
        print_json(&out)?;
    } else {
        for c in &out {
            println!("[{:>4}] {}: {}", c.result, c.check, c.detail);
            if !c.fix.is_empty() && c.result != "ok" {
                println!("       fix: {}", c.fix);
            }
        }
    }
    if out.iter().any(|c| c.result == "fail") {
        anyhow::bail!("some checks failed");
    }
    Ok(())
}

/// The time in a log_id: 14 digits `YYYYMMDDhhmmss` (UTC) first.
fn log_id_time(id: &str) -> Option<i64> {
    let d = id.get(..14)?;
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| d[r].parse::<i32>().ok();
    let date = time::Date::from_calendar_date(
        n(0..4)?,
        time::Month::try_from(n(4..6)? as u8).ok()?,
        n(6..8)? as u8,
    )
    .ok()?;
    let t = time::Time::from_hms(n(8..10)? as u8, n(10..12)? as u8, n(12..14)? as u8).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, t)
            .assume_utc()
            .unix_timestamp()
            * 1000,
    )
}

fn http_date_ms(s: &str) -> Option<i64> {
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let t = time::PrimitiveDateTime::parse(s, f).ok()?;
    Some(t.assume_utc().unix_timestamp() * 1000)
}
