//! The developer portal `/developers`: sign up and sign in (email + password, argon2), create and
//! edit apps through the control API's own functions, see the client key, reveal and rotate the
//! secret, request an audit, and see the app's recent API calls and webhook deliveries.
use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::StatusCode;
use reelbox_core::{ids, scopes, secrets};
use reelbox_store::StoreError;
use reelbox_store::apps::App;
use reelbox_store::web::Developer;
use reelbox_wire::control::{AppCompat, CompatChoice, CreateApp, UpdateApp};

use super::session::{Ctx, FORM_TOO_LARGE, Kind, read_signin_form};
use super::{FormData, Nav, PageError, PageResult, html, when};
use crate::api::pages::render::found;

/// A scope checkbox.
pub struct ScopeBox {
    pub name: &'static str,
    pub words: &'static str,
    pub checked: bool,
}

fn scope_boxes(chosen: &[String]) -> Vec<ScopeBox> {
    scopes::KNOWN
        .iter()
        .map(|(name, words)| ScopeBox {
            name,
            words,
            checked: chosen.iter().any(|c| c == name),
        })
        .collect()
}

/// An app in the list.
pub struct AppRow {
    pub client_key: String,
    pub name: String,
    pub audit: String,
}

fn audit_status(a: &App) -> String {
    match (a.audited, a.audit_requested_at) {
        (true, _) => "Audited".into(),
        (false, Some(t)) => format!("Audit requested {} UTC", when(t)),
        (false, None) => "Not audited (sandbox: private posts, test users only)".into(),
    }
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    nav: Nav,
    email: Option<String>,
    apps: Vec<AppRow>,
    scopes: Vec<ScopeBox>,
    error: Option<String>,
    form_email: String,
}

async fn render_portal(
    ctx: Ctx,
    status: StatusCode,
    error: Option<String>,
    form_email: String,
) -> PageResult {
    let apps = match &ctx.developer {
        Some(d) => ctx
            .st
            .store
            .apps_of_developer(&d.id)
            .await?
            .iter()
            .map(|a| AppRow {
                client_key: a.client_key.clone(),
                name: a.name.clone(),
                audit: audit_status(a),
            })
            .collect(),
        None => vec![],
    };
    let page = html(&PortalPage {
        nav: ctx.nav(),
        email: ctx.developer.as_ref().map(|d| d.email.clone()),
        apps,
        scopes: scope_boxes(&["user.info.basic".to_string()]),
        error,
        form_email,
    });
    Ok(ctx.respond((status, page)))
}

/// The portal's front page: sign-in/sign-up, or the developer's apps.
pub async fn portal_page(ctx: Ctx) -> PageResult {
    render_portal(ctx, StatusCode::OK, None, String::new()).await
}

fn valid_email(e: &str) -> bool {
    let Some((user, host)) = e.split_once('@') else {
        return false;
    };
    !user.is_empty() && host.contains('.') && e.len() <= 254 && !e.contains(char::is_whitespace)
}

/// Creates a developer account and signs it in.
pub async fn signup(mut ctx: Ctx, body: Body) -> PageResult {
    let Some(f) = read_signin_form(body).await else {
        return render_portal(
            ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            Some(FORM_TOO_LARGE.into()),
            String::new(),
        )
        .await;
    };
    ctx.check_csrf(&f.get("csrf"))?;
    let email = f.get("email").to_lowercase();
    let password =
        f.0.iter()
            .find(|(k, _)| k == "password")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
    if !valid_email(&email) {
        return render_portal(
            ctx,
            StatusCode::BAD_REQUEST,
            Some("Enter a valid email address.".into()),
            email,
        )
        .await;
    }
    if password.chars().count() < 10 {
        return render_portal(
            ctx,
            StatusCode::BAD_REQUEST,
            Some("Choose a password of at least 10 characters.".into()),
            email,
        )
        .await;
    }
    let hash =
        secrets::hash_password(&password).map_err(|e| PageError::Internal(anyhow::anyhow!(e)))?;
    let d = Developer {
        id: ids::row_id(),
        email: email.clone(),
        password_hash: hash,
        created_at: ctx.st.now(),
    };
    match ctx.st.store.insert_developer(&d).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            return render_portal(
                ctx,
                StatusCode::BAD_REQUEST,
                Some("That email already has an account; sign in instead.".into()),
                email,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    }
    ctx.sign_in(Kind::Developer, &d.id).await?;
    Ok(ctx.respond(found("/developers")))
}

/// Signs a developer in.
pub async fn signin(mut ctx: Ctx, body: Body) -> PageResult {
    let Some(f) = read_signin_form(body).await else {
        return render_portal(
            ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            Some(FORM_TOO_LARGE.into()),
            String::new(),
        )
        .await;
    };
    ctx.check_csrf(&f.get("csrf"))?;
    let email = f.get("email").to_lowercase();
    if !ctx.signin_allowed(Kind::Developer, &email) {
        return render_portal(
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many sign-in attempts; wait a minute and try again.".into()),
            email,
        )
        .await;
    }
    let password =
        f.0.iter()
            .find(|(k, _)| k == "password")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
    match ctx.st.store.developer_by_email(&email).await? {
        Some(d) if secrets::verify_password(password, &d.password_hash) => {
            ctx.sign_in(Kind::Developer, &d.id).await?;
            Ok(ctx.respond(found("/developers")))
        }
        _ => {
            render_portal(
                ctx,
                StatusCode::UNAUTHORIZED,
                Some("Wrong email or password.".into()),
                email,
            )
            .await
        }
    }
}

/// Signs the developer out.
pub async fn signout(mut ctx: Ctx, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    ctx.sign_out(Kind::Developer).await?;
    Ok(ctx.respond(found("/developers")))
}

fn require_dev(ctx: &Ctx) -> Result<Developer, PageError> {
    ctx.developer
        .clone()
        .ok_or_else(|| PageError::Redirect("/developers".into()))
}

/// Registers an app for the signed-in developer.
pub async fn create_app(ctx: Ctx, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let d = require_dev(&ctx)?;
    let req = CreateApp {
        name: f.get("name"),
        audited: false,
        scopes: f.all("scope"),
        redirect_uris: f.list("redirect_uris"),
        verified_url_prefixes: f.list("verified_url_prefixes"),
        webhook_url: Some(f.get("webhook_url")).filter(|w| !w.is_empty()),
    };
    match crate::service::apps::create_app(&ctx.st, req, Some(d.id.clone())).await {
        Ok(v) => Ok(ctx.respond(found(&format!("/developers/apps/{}", v.client_key)))),
        Err(e) if e.cause.is_none() => {
            let msg = e.message;
            render_portal(ctx, StatusCode::BAD_REQUEST, Some(msg), String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A recent call as the portal lists it.
pub struct CallRow {
    pub when: String,
    pub method: String,
    pub endpoint: String,
    pub status: i64,
    pub code: String,
    pub latency_ms: i64,
}

/// A webhook delivery as the portal lists it.
pub struct DeliveryRow {
    pub when: String,
    pub event: String,
    pub status: String,
    pub attempts: i64,
    pub last: String,
    /// Every attempt: who made it (the server, `reelbox listen`), the answer and its latency.
    pub tries: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal_app.html")]
struct AppPage {
    nav: Nav,
    client_key: String,
    name: String,
    audit: String,
    audited: bool,
    audit_requested: bool,
    redirect_uris: String,
    verified_url_prefixes: String,
    webhook_url: String,
    scopes: Vec<ScopeBox>,
    /// Research scopes and URL prefixes waiting for the operator (a live platform), comma-separated.
    pending: String,
    secret: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    calls: Vec<CallRow>,
    deliveries: Vec<DeliveryRow>,
    compat: AppCompat,
    /// (name, month of TikTok's pages, chosen by the app)
    profiles: Vec<(&'static str, &'static str, bool)>,
}

pub(super) async fn owned_app(ctx: &Ctx, key: &str) -> Result<App, PageError> {
    let d = require_dev(ctx)?;
    ctx.st
        .store
        .app(key)
        .await?
        .map(std::sync::Arc::unwrap_or_clone)
        .filter(|a| a.developer_id.as_deref() == Some(d.id.as_str()))
        .ok_or(PageError::NotFound)
}

async fn render_app(
    ctx: Ctx,
    a: &App,
    status: StatusCode,
    secret: Option<String>,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let calls = ctx
        .st
        .store
        .calls_of_app(&a.client_key, 20)
        .await?
        .into_iter()
        .map(|c| CallRow {
            when: when(c.created_at),
            method: c.method,
            // A call through interception shows the URL its client believed it called.
            endpoint: match c.intercepted_host {
                Some(host) => format!("https://{host}{}", c.endpoint),
                None => c.endpoint,
            },
            status: c.status,
            code: c.error_code,
            latency_ms: c.latency_ms,
        })
        .collect();
    let mut tries: std::collections::HashMap<String, Vec<String>> = Default::default();
    for t in ctx.st.store.attempts_of_app(&a.client_key, 200).await? {
        let answer = match (t.status_code, &t.error) {
            (Some(code), _) => format!("HTTP {code}"),
            (None, Some(e)) => e.clone(),
            _ => String::new(),
        };
        tries
            .entry(t.delivery_id)
            .or_default()
            .push(format!("{}: {answer} · {} ms", t.via, t.latency_ms));
    }
    let deliveries = ctx
        .st
        .store
        .deliveries_of_app(&a.client_key, 20)
        .await?
        .into_iter()
        .map(|d| DeliveryRow {
            tries: tries.remove(&d.id).unwrap_or_default(),
            when: when(d.created_at),
            event: d.event,
            status: d.status,
            attempts: d.attempts,
            last: match (d.last_status_code, d.last_error) {
                (Some(code), _) => format!("HTTP {code}"),
                (None, Some(e)) => e,
                _ => String::new(),
            },
        })
        .collect();
    let page = html(&AppPage {
        nav: ctx.nav(),
        client_key: a.client_key.clone(),
        name: a.name.clone(),
        audit: audit_status(a),
        audited: a.audited,
        audit_requested: a.audit_requested_at.is_some(),
        redirect_uris: a.redirect_uris.join("\n"),
        // What waits for review stays in the form, so saving again keeps asking for it.
        verified_url_prefixes: [a.verified_url_prefixes.as_slice(), &a.pending_url_prefixes]
            .concat()
            .join("\n"),
        webhook_url: a.webhook_url.clone().unwrap_or_default(),
        scopes: scope_boxes(&[a.scopes.as_slice(), &a.pending_scopes].concat()),
        pending: a.awaiting_review().join(", "),
        secret,
        notice,
        error,
        calls,
        deliveries,
        compat: crate::service::compat::view(&ctx.st, a),
        profiles: reelbox_core::compat::PROFILES
            .iter()
            .map(|p| {
                (
                    p.name,
                    p.docs_as_of,
                    a.compat_profile.as_deref() == Some(p.name),
                )
            })
            .collect(),
    });
    Ok(ctx.respond((status, page)))
}

/// One app: key, audit status, settings, secret, calls and deliveries.
pub async fn app_page(ctx: Ctx, Path(key): Path<String>) -> PageResult {
    let a = owned_app(&ctx, &key).await?;
    render_app(ctx, &a, StatusCode::OK, None, None, None).await
}

/// Saves the app's settings.
pub async fn update_app(ctx: Ctx, Path(key): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let a = owned_app(&ctx, &key).await?;
    let req = UpdateApp {
        name: Some(f.get("name")).filter(|n| !n.is_empty()),
        scopes: Some(f.all("scope")),
        redirect_uris: Some(f.list("redirect_uris")),
        verified_url_prefixes: Some(f.list("verified_url_prefixes")),
        webhook_url: Some(f.get("webhook_url")),
        ..Default::default()
    };
    save(ctx, a, req).await
}

/// Applies a change of the developer's own app and shows the page again, with what went wrong.
async fn save(ctx: Ctx, a: App, req: UpdateApp) -> PageResult {
    match crate::service::apps::update_own_app(&ctx.st, &a.client_key, req).await {
        Ok(_) => {
            let a = owned_app(&ctx, &a.client_key).await?;
            render_app(ctx, &a, StatusCode::OK, None, Some("Saved.".into()), None).await
        }
        Err(e) if e.cause.is_none() => {
            let msg = e.message;
            render_app(ctx, &a, StatusCode::BAD_REQUEST, None, None, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Saves which TikTok the app is served: a profile (or the platform's) and strict mode.
pub async fn choose_compat(ctx: Ctx, Path(key): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let a = owned_app(&ctx, &key).await?;
    let choice = |v: String| (v != "platform").then_some(v);
    let req = UpdateApp {
        compat: Some(CompatChoice {
            profile: choice(f.get("profile")),
            strict: choice(f.get("strict")).map(|v| v == "on"),
        }),
        ..Default::default()
    };
    save(ctx, a, req).await
}

/// Shows the current client secret (derived again from the master key; never stored).
pub async fn reveal_secret(ctx: Ctx, Path(key): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let a = owned_app(&ctx, &key).await?;
    let secret = ctx
        .st
        .app_secret(&a)
        .await
        .map_err(crate::http::error::ApiError::internal)?;
    render_app(ctx, &a, StatusCode::OK, Some(secret), None, None).await
}

/// A new secret; the old one stops working at once.
pub async fn rotate_secret(ctx: Ctx, Path(key): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let a = owned_app(&ctx, &key).await?;
    let v = crate::service::apps::rotate_secret(&ctx.st, &a.client_key).await?;
    let a = owned_app(&ctx, &key).await?;
    render_app(
        ctx,
        &a,
        StatusCode::OK,
        v.client_secret,
        Some("New secret issued; the old one no longer works.".into()),
        None,
    )
    .await
}

/// Asks the operator to audit the app.
pub async fn request_audit(ctx: Ctx, Path(key): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let mut a = owned_app(&ctx, &key).await?;
    if !a.audited && a.audit_requested_at.is_none() {
        a.audit_requested_at = Some(ctx.st.now());
        ctx.st.store.update_app(&a).await?;
    }
    Ok(ctx.respond(found(&format!("/developers/apps/{key}"))))
}

/// One check on the report page.
pub struct CheckRow {
    pub id: &'static str,
    pub title: &'static str,
    pub rule: &'static str,
    pub verdict: &'static str,
    pub verdict_words: &'static str,
    pub evidence: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "portal_report.html")]
struct ReportPage {
    nav: Nav,
    client_key: String,
    name: String,
    calls: usize,
    pass: usize,
    fail: usize,
    not_observed: usize,
    checks: Vec<CheckRow>,
    checklist: Vec<&'static str>,
}

/// The guideline report of one of the developer's apps, as a page.
pub async fn report_page(ctx: Ctx, Path(key): Path<String>) -> PageResult {
    use reelbox_core::report::Verdict;
    let a = owned_app(&ctx, &key).await?;
    let view = crate::sandbox::report::build(&ctx.st, &a.client_key).await?;
    let r = view.report;
    let checks = r
        .checks
        .into_iter()
        .map(|c| {
            let (verdict, verdict_words) = match c.verdict {
                Verdict::Pass => ("pass", "Pass"),
                Verdict::Fail => ("fail", "Fail"),
                Verdict::NotObserved => ("not_observed", "Not observed"),
            };
            CheckRow {
                id: c.id,
                title: c.title,
                rule: c.rule,
                verdict,
                verdict_words,
                evidence: c
                    .evidence
                    .into_iter()
                    .map(|e| (e.log_id, e.endpoint, e.detail))
                    .collect(),
            }
        })
        .collect();
    let page = html(&ReportPage {
        nav: ctx.nav(),
        client_key: a.client_key.clone(),
        name: a.name.clone(),
        calls: view.calls_examined,
        pass: r.pass,
        fail: r.fail,
        not_observed: r.not_observed,
        checks,
        checklist: r.audit_checklist.iter().map(|i| i.item).collect(),
    });
    Ok(ctx.respond((StatusCode::OK, page)))
}
