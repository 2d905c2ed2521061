//! `GET/POST /v2/auth/authorize/`: the creator signs in, sees the app and each scope in plain
//! words, and approves or denies. The answer goes back to the app's registered redirect URI.
use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use reelbox_core::compat::{self, Leniency, Surface};
use reelbox_core::{ids, oauth as rules, scopes, secrets};
use reelbox_store::apps::App;
use reelbox_store::oauth::AuthCode;

use crate::api::pages::render::{MessagePage, render};
use crate::api::pages::session::{Ctx, Kind};
use crate::http::compat::Compat;
use crate::http::context::CallSlot;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "authorize.html")]
struct AuthorizePage<'a> {
    app_name: &'a str,
    client_key: &'a str,
    redirect_uri: &'a str,
    state: &'a str,
    scope: String,
    code_challenge: &'a str,
    code_challenge_method: &'a str,
    scopes: Vec<(String, &'static str)>,
    csrf: &'a str,
    username: &'a str,
    error: Option<String>,
    signed_in_as: Option<String>,
}

/// The authorize parameters after validation.
struct Request {
    app: App,
    redirect_uri: String,
    state: String,
    scopes: Vec<String>,
    code_challenge: Option<String>,
    code_challenge_method: String,
}

/// A failure either shown on a page (when the redirect URI cannot be trusted) or sent back to the
/// app as `?error=…&error_description=…&state=…`.
enum Refusal {
    Page(StatusCode, String),
    Redirect(String),
}

fn error_redirect(redirect_uri: &str, error: &str, description: &str, state: &str) -> String {
    let mut u = url::Url::parse(redirect_uri).expect("registered redirect URIs are absolute");
    u.query_pairs_mut()
        .append_pair("error", error)
        .append_pair("error_description", description);
    if !state.is_empty() {
        u.query_pairs_mut().append_pair("state", state);
    }
    u.to_string()
}

/// Checks an authorization request. With `slot` (the page's first request, not the form that
/// repeats it) the leniencies it relies on are noted and judged by the app's compat.
async fn validate(
    st: &AppState,
    p: &HashMap<String, String>,
    slot: Option<&CallSlot>,
) -> Result<Request, Refusal> {
    let get = |k: &str| p.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let client_key = if p.contains_key("client_key") {
        get("client_key")
    } else {
        get("client_id")
    };
    let app = match st.store.app(&client_key).await {
        Ok(Some(a)) => std::sync::Arc::unwrap_or_clone(a),
        Ok(None) => {
            return Err(Refusal::Page(
                StatusCode::BAD_REQUEST,
                "This app is not registered with reelbox (unknown client_key).".into(),
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "authorize: store");
            return Err(Refusal::Page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong; try again.".into(),
            ));
        }
    };
    let redirect_uri = get("redirect_uri");
    if !rules::redirect_uri_matches(&app.redirect_uris, &redirect_uri) {
        return Err(Refusal::Page(
            StatusCode::BAD_REQUEST,
            "The redirect_uri does not match any redirect URI registered for this app.".into(),
        ));
    }
    let state = get("state");
    if let Some(slot) = slot {
        judge_leniencies(st, &app, p, slot).map_err(|r| match r.surface {
            Surface::Authorize => {
                Refusal::Redirect(error_redirect(&redirect_uri, r.code, r.message, &state))
            }
            _ => Refusal::Page(StatusCode::BAD_REQUEST, r.message.into()),
        })?;
    }
    if get("response_type") != "code" {
        return Err(Refusal::Redirect(error_redirect(
            &redirect_uri,
            "unsupported_response_type",
            "response_type must be code",
            &state,
        )));
    }
    let requested = scopes::parse_list(&get("scope"));
    if requested.is_empty() {
        return Err(Refusal::Redirect(error_redirect(
            &redirect_uri,
            "invalid_scope",
            "scope is required",
            &state,
        )));
    }
    let not_allowed: Vec<&String> = requested
        .iter()
        .filter(|s| !app.scopes.contains(s))
        .collect();
    if !not_allowed.is_empty() {
        let list = not_allowed
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        return Err(Refusal::Redirect(error_redirect(
            &redirect_uri,
            "invalid_scope",
            &format!("the app is not approved for: {list}"),
            &state,
        )));
    }
    let challenge = Some(get("code_challenge")).filter(|c| !c.is_empty());
    let method = get("code_challenge_method");
    if challenge.is_some() && !(method.is_empty() || method == "S256") {
        return Err(Refusal::Redirect(error_redirect(
            &redirect_uri,
            "invalid_request",
            "code_challenge_method must be S256",
            &state,
        )));
    }
    Ok(Request {
        app,
        redirect_uri,
        state,
        scopes: requested,
        code_challenge: challenge,
        code_challenge_method: if method.is_empty() {
            "S256".into()
        } else {
            method
        },
    })
}

/// What TikTok's authorize page would refuse: `client_id` for `client_key`, scopes separated by
/// spaces (or `+`) instead of commas, no `state`. A request relying on one is kept in the call log.
fn judge_leniencies(
    st: &AppState,
    app: &App,
    p: &HashMap<String, String>,
    slot: &CallSlot,
) -> Result<(), compat::Refusal> {
    let mut relied = Vec::new();
    if !p.contains_key("client_key") {
        relied.push(Leniency::ClientIdForClientKey);
    }
    if p.get("scope")
        .is_some_and(|s| s.trim().contains([' ', '+']))
    {
        relied.push(Leniency::SpaceSeparatedScopes);
    }
    if p.get("state").is_none_or(|s| s.trim().is_empty()) {
        relied.push(Leniency::MissingState);
    }
    if relied.is_empty() {
        return Ok(());
    }
    slot.set(&app.client_key, None, None);
    let c = Compat::of(st, app);
    relied.into_iter().try_for_each(|l| c.allow(slot, l))
}

fn refusal_response(r: Refusal) -> Response {
    match r {
        Refusal::Page(status, msg) => (
            status,
            render(&MessagePage {
                title: "Cannot authorize",
                message: &msg,
            }),
        )
            .into_response(),
        Refusal::Redirect(to) => crate::api::pages::render::found(&to).into_response(),
    }
}

fn page(
    req: &Request,
    csrf: &str,
    username: &str,
    error: Option<String>,
    signed_in_as: Option<String>,
) -> Html<String> {
    render(&AuthorizePage {
        app_name: &req.app.name,
        client_key: &req.app.client_key,
        redirect_uri: &req.redirect_uri,
        state: &req.state,
        scope: scopes::join(&req.scopes),
        code_challenge: req.code_challenge.as_deref().unwrap_or(""),
        code_challenge_method: &req.code_challenge_method,
        scopes: req
            .scopes
            .iter()
            .map(|s| (s.clone(), scopes::describe(s)))
            .collect(),
        csrf,
        username,
        error,
        signed_in_as,
    })
}

/// The form came without credentials: the creator's web session (checked above) signs in.
fn session_creator_used(username: &str, password: &str) -> bool {
    username.is_empty() && password.is_empty()
}

/// The consent page (HTML).
#[utoipa::path(get, path = "/v2/auth/authorize/", tag = "OAuth",
    params(("client_key" = String, Query), ("scope" = String, Query), ("redirect_uri" = String, Query), ("state" = Option<String>, Query), ("response_type" = String, Query), ("code_challenge" = Option<String>, Query), ("code_challenge_method" = Option<String>, Query)),
    responses((status = 200, description = "HTML consent page", content_type = "text/html"), (status = 302, description = "redirect with an error"), (status = 400, description = "HTML error page", content_type = "text/html")))]
pub async fn authorize_page(
    ctx: Ctx,
    Extension(slot): Extension<CallSlot>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let req = match validate(&ctx.st, &p, Some(&slot)).await {
        Ok(r) => r,
        Err(r) => return ctx.respond(refusal_response(r)),
    };
    // A creator already signed in to the web pages approves without typing the password again.
    let signed_in = ctx.creator.as_ref().map(|c| c.username.clone());
    let resp = page(&req, &ctx.csrf, "", None, signed_in);
    // The form token is the web pages' own, bound to this browser's session (`session`).
    ctx.respond(resp)
}

/// The consent form's submission (HTML form): sign in and approve or deny.
#[utoipa::path(post, path = "/v2/auth/authorize/", tag = "OAuth",
    request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    responses((status = 302, description = "redirect to the app with code or error"), (status = 401, description = "HTML page: wrong password", content_type = "text/html"), (status = 403, description = "HTML page: CSRF check failed", content_type = "text/html")))]
pub async fn authorize_submit(ctx: Ctx, body: axum::body::Body) -> Response {
    let st = ctx.st.clone();
    let Some(form) = crate::api::pages::session::read_signin_form(body).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            render(&MessagePage {
                title: "Form too large",
                message: crate::api::pages::session::FORM_TOO_LARGE,
            }),
        )
            .into_response();
    };
    let pairs = form.0;
    let mut p: HashMap<String, String> = HashMap::new();
    let mut granted_boxes: Vec<String> = Vec::new();
    for (k, v) in &pairs {
        if k == "grant" {
            granted_boxes.push(v.clone());
        } else {
            p.insert(k.clone(), v.clone());
        }
    }
    let form_csrf = p.get("csrf").cloned().unwrap_or_default();
    if ctx.check_csrf(&form_csrf).is_err() {
        return (
            StatusCode::FORBIDDEN,
            render(&MessagePage { title: "Form expired", message: "The form could not be verified (CSRF). Go back to the app and start again." }),
        )
            .into_response();
    }
    p.insert("response_type".into(), "code".into());
    let req = match validate(&st, &p, None).await {
        Ok(r) => r,
        Err(r) => return refusal_response(r),
    };
    if p.get("decision").map(String::as_str) != Some("approve") {
        return crate::api::pages::render::found(&error_redirect(
            &req.redirect_uri,
            "access_denied",
            "The user denied the request.",
            &req.state,
        ))
        .into_response();
    }
    let username = p.get("username").cloned().unwrap_or_default();
    let password = p.get("password").cloned().unwrap_or_default();
    let session_creator = if username.is_empty() && password.is_empty() {
        ctx.creator.clone()
    } else {
        None
    };
    // A password is limited per client address and per account, with the same windows as the
    // sign-in page; approving with a web session is no password attempt and is never limited.
    if session_creator.is_none() && !ctx.signin_allowed(Kind::Creator, &username) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            page(
                &req,
                &form_csrf,
                &username,
                Some("Too many sign-in attempts; wait a minute.".into()),
                None,
            ),
        )
            .into_response();
    }
    let creator = match session_creator {
        Some(c) => Ok(Some(c)),
        None => st.store.creator_by_username(&username).await,
    };
    let creator = match creator {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "authorize: store");
            return (StatusCode::INTERNAL_SERVER_ERROR, "server error").into_response();
        }
    };
    let signed_in = session_creator_used(&username, &password);
    let creator = match creator {
        Some(c) if signed_in => c,
        Some(c)
            if c.password_hash
                .as_deref()
                .is_some_and(|h| secrets::verify_password(&password, h)) =>
        {
            c
        }
        _ => {
            return (
                StatusCode::UNAUTHORIZED,
                page(
                    &req,
                    &form_csrf,
                    &username,
                    Some("Wrong username or password.".into()),
                    None,
                ),
            )
                .into_response();
        }
    };
    if let Err(why) = crate::service::audit::may_authorize(&req.app, &creator.username) {
        return crate::api::pages::render::found(&error_redirect(
            &req.redirect_uri,
            "access_denied",
            &why,
            &req.state,
        ))
        .into_response();
    }
    let granted: Vec<String> = req
        .scopes
        .iter()
        .filter(|s| granted_boxes.contains(s))
        .cloned()
        .collect();
    if granted.is_empty() {
        return crate::api::pages::render::found(&error_redirect(
            &req.redirect_uri,
            "access_denied",
            "No permission was granted.",
            &req.state,
        ))
        .into_response();
    }
    let code = ids::auth_code();
    let now = st.now();
    let record = AuthCode {
        code_hash: secrets::sha256_hex(&code),
        client_key: req.app.client_key.clone(),
        creator_id: creator.id.clone(),
        scopes: granted.clone(),
        redirect_uri: req.redirect_uri.clone(),
        code_challenge: req.code_challenge.clone(),
        expires_at: now + st.cfg.limits.auth_code_ttl_secs * 1000,
        used_at: None,
        family_id: None,
        revoked_at: None,
    };
    if let Err(e) = st.store.insert_auth_code(&record, now).await {
        tracing::error!(error = %e, "authorize: store");
        return (StatusCode::INTERNAL_SERVER_ERROR, "server error").into_response();
    }
    let mut to = url::Url::parse(&req.redirect_uri).expect("registered redirect URIs are absolute");
    to.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("scopes", &scopes::join(&granted));
    if !req.state.is_empty() {
        to.query_pairs_mut().append_pair("state", &req.state);
    }
    crate::api::pages::render::found(to.as_str()).into_response()
}
