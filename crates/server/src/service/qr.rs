//! Login Kit with QR code (wire reference `more-v2-products.md` §2): `get_qrcode` hands out a
//! login and its polling token, the creator opens the scan URL on a phone (the `/qr/authorize`
//! page) and confirms, and `check_qrcode` reports the stage and hands the code out once. The
//! code is then exchanged at `/v2/oauth/token/` like a web one.
use reelbox_core::qr::{self, Reported, Stage};
use reelbox_core::{ids, scopes, secrets};
use reelbox_store::apps::App;
use reelbox_store::oauth::AuthCode;
use reelbox_store::qr::QrLogin;
use reelbox_wire::qr::{
    CheckQrcodeRequest, CheckQrcodeResponse, GetQrcodeRequest, GetQrcodeResponse,
};

use crate::http::context::CallSlot;
use crate::http::oauth_error::OAuthFailure;
use crate::service::oauth::{ClientCredentials, authenticate_client};
use crate::state::AppState;

/// The rate limiter's window for QR codes handed out, per client_key.
const QR_CODES: &str = "oauth_qr_codes";
/// How long an expired QR login is kept (for `expired` answers) before it is deleted.
const KEEP_EXPIRED_MS: i64 = 86_400_000;

/// `POST /v2/oauth/get_qrcode/`.
pub async fn get_qrcode(
    st: &AppState,
    slot: &CallSlot,
    req: &GetQrcodeRequest,
) -> Result<GetQrcodeResponse, OAuthFailure> {
    let key = req.client_key.as_deref().unwrap_or("").trim();
    if key.is_empty() {
        return Err(OAuthFailure::new(
            "invalid_request",
            "Client key is missed in request.",
        ));
    }
    let requested = scopes::parse_list(req.scope.as_deref().unwrap_or(""));
    if requested.is_empty() {
        return Err(OAuthFailure::new("invalid_request", "scope is required."));
    }
    let app = st
        .store
        .app(key)
        .await?
        .ok_or_else(|| OAuthFailure::new("invalid_client", "Client key is invalid."))?;
    slot.set(&app.client_key, None, None);
    let not_allowed: Vec<&str> = requested
        .iter()
        .filter(|s| !app.scopes.contains(s))
        .map(String::as_str)
        .collect();
    if !not_allowed.is_empty() {
        return Err(OAuthFailure::new(
            "invalid_scope",
            format!("The app is not approved for: {}.", not_allowed.join(",")),
        ));
    }
    let now = st.now();
    if let Err(secs) = st.rate.check(
        &app.client_key,
        QR_CODES,
        st.cfg.products.qr_codes_per_minute,
        now,
    ) {
        return Err(OAuthFailure {
            retry_after: Some(secs),
            ..OAuthFailure::new(
                "rate_limit_exceeded",
                "Too many QR codes requested for this client_key; retry later.",
            )
        });
    }
    let id = ids::random_alnum(24);
    let token = ids::random_alnum(32).to_ascii_uppercase();
    st.store
        .insert_qr_login(
            &QrLogin {
                id: id.clone(),
                token_hash: secrets::sha256_hex(&token),
                client_key: app.client_key.clone(),
                scopes: requested,
                state: req.state.clone().unwrap_or_default(),
                stage: Stage::New.as_str().into(),
                client_ticket: None,
                creator_id: None,
                granted: Vec::new(),
                created_at: now,
                expires_at: now + st.cfg.products.qr_ttl_secs * 1000,
            },
            now - KEEP_EXPIRED_MS,
        )
        .await?;
    Ok(GetQrcodeResponse {
        scan_qrcode_url: qr::scan_url(&app.client_key, &id),
        token,
    })
}

/// `POST /v2/oauth/check_qrcode/`: the client authenticates like at the token endpoint; a token
/// of another app is answered like an unknown one.
pub async fn check_qrcode(
    st: &AppState,
    slot: &CallSlot,
    authorization: Option<&str>,
    req: &CheckQrcodeRequest,
) -> Result<CheckQrcodeResponse, OAuthFailure> {
    let (app, _) = authenticate_client(
        st,
        slot,
        ClientCredentials {
            client_key: req.client_key.as_deref(),
            client_id: None,
            client_secret: req.client_secret.as_deref(),
            authorization,
        },
    )
    .await?;
    let token = req.token.as_deref().unwrap_or("").trim();
    if token.is_empty() {
        return Err(OAuthFailure::new("invalid_request", "token is required."));
    }
    let unknown = || OAuthFailure::new("invalid_request", "The QR code token is invalid.");
    let login = st
        .store
        .qr_login_by_token(&secrets::sha256_hex(token))
        .await?
        .filter(|q| q.client_key == app.client_key)
        .ok_or_else(unknown)?;
    let now = st.now();
    let reported = reported(&login, now);
    if reported == Reported::Confirmed
        && let Some(answer) = hand_out(st, &app, &login, now).await?
    {
        return Ok(answer);
    }
    // Lost a race with another poll: read what it left.
    let login = match reported {
        Reported::Confirmed => st.store.qr_login(&login.id).await?.ok_or_else(unknown)?,
        _ => login,
    };
    let reported = self::reported(&login, now);
    Ok(CheckQrcodeResponse {
        client_ticket: ticket_shown(&login, reported),
        code: None,
        redirect_uri: None,
        state: None,
        status: reported.as_str().into(),
    })
}

fn reported(login: &QrLogin, now: i64) -> Reported {
    let stage = Stage::parse(&login.stage).unwrap_or(Stage::Denied);
    qr::report(stage, login.expires_at, now)
}

fn ticket_shown(login: &QrLogin, reported: Reported) -> String {
    if reported.shows_ticket() {
        login.client_ticket.clone().unwrap_or_default()
    } else {
        String::new()
    }
}

/// Mints the code of a confirmed QR and marks it utilised; None when another poll did first.
async fn hand_out(
    st: &AppState,
    app: &App,
    login: &QrLogin,
    now: i64,
) -> Result<Option<CheckQrcodeResponse>, OAuthFailure> {
    let creator_id = login
        .creator_id
        .clone()
        .ok_or_else(|| OAuthFailure::new("server_error", "A confirmed QR has no creator."))?;
    let redirect_uri = app.redirect_uris.first().cloned().unwrap_or_default();
    let code = ids::auth_code();
    let record = AuthCode {
        code_hash: secrets::sha256_hex(&code),
        client_key: app.client_key.clone(),
        creator_id,
        scopes: login.granted.clone(),
        redirect_uri: redirect_uri.clone(),
        code_challenge: None,
        expires_at: now + st.cfg.limits.auth_code_ttl_secs * 1000,
        used_at: None,
        family_id: None,
        revoked_at: None,
    };
    if !st.store.hand_out_qr_code(&login.id, &record, now).await? {
        return Ok(None);
    }
    Ok(Some(CheckQrcodeResponse {
        client_ticket: login.client_ticket.clone().unwrap_or_default(),
        redirect_uri: Some(qr::redirect_with_code(&redirect_uri, &code)),
        code: Some(code),
        state: Some(login.state.clone()).filter(|s| !s.is_empty()),
        status: Reported::Confirmed.as_str().into(),
    }))
}

/// Why the scan page cannot go on with a QR login.
pub enum ScanRefusal {
    /// Unknown QR, or the URL's client_key is not the login's.
    Invalid,
    Expired,
    /// Confirmed, utilised, or opened again after a decision.
    Used,
}

/// The scan page opened the URL: the login and its app, moved to `scanned` with the app's ticket
/// if it was new. Opening it again while it waits for the decision is allowed (a reload).
pub async fn open_scan(
    st: &AppState,
    scanned: &qr::Scanned,
) -> Result<Result<(QrLogin, App), ScanRefusal>, reelbox_store::StoreError> {
    let Some(login) = st
        .store
        .qr_login(&scanned.qr_id)
        .await?
        .filter(|q| q.client_key == scanned.client_key)
    else {
        return Ok(Err(ScanRefusal::Invalid));
    };
    let Some(app) = st.store.app(&login.client_key).await? else {
        return Ok(Err(ScanRefusal::Invalid));
    };
    let now = st.now();
    match reported(&login, now) {
        Reported::New => {
            if !st
                .store
                .scan_qr_login(&login.id, &scanned.client_ticket, now)
                .await?
            {
                // Another phone opened it in between, or it just expired.
                return Ok(Err(ScanRefusal::Used));
            }
        }
        Reported::Scanned => {}
        Reported::Expired => return Ok(Err(ScanRefusal::Expired)),
        Reported::Confirmed | Reported::Utilised => return Ok(Err(ScanRefusal::Used)),
    }
    Ok(Ok((login, std::sync::Arc::unwrap_or_clone(app))))
}

/// The creator's decision on the scan page: `granted` scopes, or None to deny. False when the
/// QR was no longer waiting for one (expired, or decided elsewhere).
pub async fn decide(
    st: &AppState,
    login: &QrLogin,
    creator_id: Option<&str>,
    granted: Option<Vec<String>>,
) -> Result<bool, reelbox_store::StoreError> {
    st.store
        .decide_qr_login(&login.id, creator_id, granted.as_deref(), st.now())
        .await
}

/// The status the TV page shows (no code, no ticket), by the login's public id.
pub async fn status(
    st: &AppState,
    qr_id: &str,
) -> Result<Option<&'static str>, reelbox_store::StoreError> {
    Ok(st
        .store
        .qr_login(qr_id)
        .await?
        .map(|q| reported(&q, st.now()).as_str()))
}
