//! Browser sessions and CSRF protection for the web pages.
//!
//! A session id is 43 random characters in an HttpOnly, SameSite=Lax cookie (Secure when the
//! platform is served over https); the database keeps only its SHA-256, so a leaked table opens
//! no session. Creators, developers and the operator each have their own cookie, so one browser
//! can be signed in to the portal and as a creator at once.
//!
//! CSRF: every browser gets a random anchor cookie (`rb_csrf`, HttpOnly); each form carries
//! `HMAC(master key, anchor and the browser's session cookies)`. A cross-site page can neither
//! read the anchor nor compute the token; and because the token is bound to the sessions, an
//! attacker who plants their own anchor and their own valid token in a victim's browser (cookie
//! tossing from a sibling host) still holds no token for the victim's session.
//!
//! The whole API for a form: render [`Ctx::csrf`] into a hidden `csrf` field, call
//! [`Ctx::check_csrf`] with the submitted field before anything else, and answer through
//! [`Ctx::respond`] (which sets the anchor cookie on a browser's first visit). Signing in or out
//! changes the token: forms rendered before it are refused as expired.
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use reelbox_core::{ids, secrets};
use reelbox_store::creators::Creator;
use reelbox_store::web::{Developer, WebSession};

use super::PageError;
use crate::api::pages::render::{cookie_value, secure_attr};
use crate::state::AppState;

/// How long a sign-in lasts (server clock).
pub const SESSION_TTL_MS: i64 = 7 * 86_400_000;
/// Sign-in attempts per account name and per client address, per minute.
pub const SIGNIN_PER_MINUTE: u32 = 10;
/// Largest body of a sign-in or sign-up form: a name, a password and a few hidden fields. Larger
/// forms are refused (413) before they are read.
pub const SIGNIN_FORM_MAX_BYTES: usize = 8 * 1024;

/// Reads a sign-in form of at most [`SIGNIN_FORM_MAX_BYTES`]; `None` when it is larger (or the
/// body broke off), which the page answers with 413 and its own form.
pub async fn read_signin_form(body: axum::body::Body) -> Option<super::FormData> {
    let bytes = axum::body::to_bytes(body, SIGNIN_FORM_MAX_BYTES)
        .await
        .ok()?;
    Some(super::FormData::parse(&bytes))
}

/// What a page says when its sign-in form was too large.
pub const FORM_TOO_LARGE: &str = "That form is too large; check what you typed and try again.";

/// The rate-limit key of an account name: fixed-size, whatever was submitted.
pub fn account_key(kind: Kind, account: &str) -> String {
    secrets::sha256_hex(&format!(
        "{}:{}",
        kind.as_str(),
        account.trim().to_lowercase()
    ))
}

/// Counts a sign-in attempt for `account` from `client`; refused when the client address or
/// the account is over its limit. The address is counted first, and only an attempt within the
/// address's limit counts against the account: one address cannot fill the windows of many.
pub fn signin_allowed(st: &AppState, client: &str, kind: Kind, account: &str) -> bool {
    let now = st.now();
    st.rate
        .check(
            &format!("client:{client}"),
            "web_signin_client",
            SIGNIN_PER_MINUTE * 3,
            now,
        )
        .is_ok()
        && st
            .rate
            .check(
                &account_key(kind, account),
                "web_signin",
                SIGNIN_PER_MINUTE,
                now,
            )
            .is_ok()
}
const CSRF_COOKIE: &str = "rb_csrf";

/// Who a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Creator,
    Developer,
    Admin,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Creator => "creator",
            Kind::Developer => "developer",
            Kind::Admin => "admin",
        }
    }

    pub fn cookie(self) -> &'static str {
        match self {
            Kind::Creator => "rb_session",
            Kind::Developer => "rb_dev_session",
            Kind::Admin => "rb_admin_session",
        }
    }
}

/// The creator signed in by the request's session cookie, if any (also used by the consent page).
pub async fn creator_of(st: &AppState, headers: &HeaderMap) -> Option<Creator> {
    let s = load(st, headers, Kind::Creator).await?;
    st.store
        .creator(&s.subject_id)
        .await
        .ok()
        .flatten()
        .map(std::sync::Arc::unwrap_or_clone)
}

async fn load(st: &AppState, headers: &HeaderMap, kind: Kind) -> Option<WebSession> {
    let id = cookie_value(headers, kind.cookie()).filter(|v| !v.is_empty())?;
    match st
        .store
        .web_session(&secrets::sha256_hex(&id), kind.as_str(), st.now())
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    }
}

/// The request as the pages see it: who is signed in, the CSRF token for forms, the client.
pub struct Ctx {
    pub st: AppState,
    pub creator: Option<Creator>,
    pub developer: Option<Developer>,
    pub admin: bool,
    /// The token every form of this page carries (`csrf`).
    pub csrf: String,
    anchor: String,
    new_anchor: bool,
    /// Client address and user agent: the anonymous viewer key and the sign-in limit.
    pub client: String,
    pub user_agent: String,
    pub headers: HeaderMap,
    set_cookies: Vec<String>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Ctx, Self::Rejection> {
        let headers = parts.headers.clone();
        let (anchor, new_anchor) = match cookie_value(&headers, CSRF_COOKIE)
            .filter(|v| v.len() >= 16 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            Some(a) => (a, false),
            None => (ids::random_alnum(32), true),
        };
        let creator = match load(st, &headers, Kind::Creator).await {
            Some(s) => st
                .store
                .creator(&s.subject_id)
                .await
                .ok()
                .flatten()
                .map(std::sync::Arc::unwrap_or_clone),
            None => None,
        };
        let developer = match load(st, &headers, Kind::Developer).await {
            Some(s) => st.store.developer(&s.subject_id).await.ok().flatten(),
            None => None,
        };
        let admin = load(st, &headers, Kind::Admin).await.is_some();
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default();
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        Ok(Ctx {
            csrf: csrf_token(st, &anchor, &headers),
            st: st.clone(),
            creator,
            developer,
            admin,
            anchor,
            new_anchor,
            client,
            user_agent,
            headers,
            set_cookies: Vec::new(),
        })
    }
}

/// The form token of a browser: its anchor and the session cookies it presents (of every kind;
/// an unknown or expired session id binds as well as a live one, it opens nothing).
fn csrf_token(st: &AppState, anchor: &str, headers: &HeaderMap) -> String {
    let mut msg = format!("csrf:{anchor}");
    for kind in [Kind::Creator, Kind::Developer, Kind::Admin] {
        let session = cookie_value(headers, kind.cookie()).unwrap_or_default();
        msg.push_str(&format!(
            "|{}:{}",
            kind.as_str(),
            secrets::sha256_hex(&session)
        ));
    }
    secrets::hmac_sha256_hex(&st.master_key, msg.as_bytes())
}

impl Ctx {
    /// Refuses a form whose `csrf` field does not match this browser's token.
    pub fn check_csrf(&self, form_token: &str) -> Result<(), PageError> {
        if self.new_anchor
            || form_token.is_empty()
            || !secrets::ct_eq(form_token.as_bytes(), self.csrf.as_bytes())
        {
            return Err(PageError::Csrf);
        }
        Ok(())
    }

    /// Signs `subject_id` in as `kind`: a new session row and its cookie on the response.
    pub async fn sign_in(&mut self, kind: Kind, subject_id: &str) -> Result<(), PageError> {
        let id = ids::random_alnum(43);
        let now = self.st.now();
        self.st
            .store
            .insert_web_session(&WebSession {
                id_hash: secrets::sha256_hex(&id),
                kind: kind.as_str().into(),
                subject_id: subject_id.into(),
                created_at: now,
                expires_at: now + SESSION_TTL_MS,
            })
            .await?;
        self.set_cookies.push(format!(
            "{}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
            kind.cookie(),
            SESSION_TTL_MS / 1000,
            secure_attr(&self.st)
        ));
        Ok(())
    }

    /// Ends the `kind` session of this browser.
    pub async fn sign_out(&mut self, kind: Kind) -> Result<(), PageError> {
        if let Some(id) = cookie_value(&self.headers, kind.cookie()) {
            self.st
                .store
                .delete_web_session(&secrets::sha256_hex(&id), self.st.now())
                .await?;
        }
        self.set_cookies.push(format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            kind.cookie(),
            secure_attr(&self.st)
        ));
        Ok(())
    }

    /// Counts a sign-in attempt for `account`; refused when it or this client is over the limit.
    pub fn signin_allowed(&self, kind: Kind, account: &str) -> bool {
        signin_allowed(&self.st, &self.client, kind, account)
    }

    /// The response with this request's cookies (a new CSRF anchor, session changes) and
    /// `Cache-Control: no-store` unless the handler chose another.
    pub fn respond(self, resp: impl IntoResponse) -> Response {
        let mut resp = resp.into_response();
        let h = resp.headers_mut();
        if self.new_anchor {
            let c = format!(
                "{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{}",
                self.anchor,
                secure_attr(&self.st)
            );
            if let Ok(v) = HeaderValue::from_str(&c) {
                h.append(header::SET_COOKIE, v);
            }
        }
        for c in &self.set_cookies {
            if let Ok(v) = HeaderValue::from_str(c) {
                h.append(header::SET_COOKIE, v);
            }
        }
        if !h.contains_key(header::CACHE_CONTROL) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        resp
    }

    /// What the page header shows.
    pub fn nav(&self) -> super::Nav {
        super::Nav {
            username: self.creator.as_ref().map(|c| c.username.clone()),
            developer: self.developer.as_ref().map(|d| d.email.clone()),
            admin: self.admin,
            csrf: self.csrf.clone(),
        }
    }

    /// The signed-in creator, or a redirect to the sign-in page that comes back to `next`.
    pub fn require_creator(&self, next: &str) -> Result<&Creator, PageError> {
        self.creator.as_ref().ok_or_else(|| {
            PageError::Redirect(format!("/signin?next={}", urlencoding::encode(next)))
        })
    }

    /// A key for "one view per viewer": the creator when signed in, else the client address and
    /// user agent (hashed; never stored in the clear).
    pub fn viewer_key(&self) -> String {
        match &self.creator {
            Some(c) => format!("c:{}", c.id),
            None => format!(
                "a:{}",
                &secrets::sha256_hex(&format!("{}|{}", self.client, self.user_agent))[..32]
            ),
        }
    }
}
