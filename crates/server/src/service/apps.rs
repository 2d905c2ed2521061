//! Apps: registration, changes and secret rotation, with the checks the control API, the CLI and
//! the developer portal share.
use crate::http::error::{ApiError, ApiResult};
use crate::service::invalid;
use crate::state::AppState;
use reelbox_core::review::{self, Split};
use reelbox_core::{ids, oauth, scopes, secrets};
use reelbox_store::apps::App;
use reelbox_wire::control::{AppView, CreateApp, UpdateApp};

pub fn app_view(a: &App, secret: Option<String>, st: &AppState) -> AppView {
    AppView {
        client_key: a.client_key.clone(),
        client_secret: secret,
        name: a.name.clone(),
        audited: a.audited,
        scopes: a.scopes.clone(),
        redirect_uris: a.redirect_uris.clone(),
        verified_url_prefixes: a.verified_url_prefixes.clone(),
        webhook_url: a.webhook_url.clone(),
        test_users: a.test_users.clone(),
        active_user_cap: a.active_user_cap.unwrap_or({
            let l = &crate::service::settings::last_live(st).limits;
            if a.audited {
                l.audited_active_user_cap
            } else {
                l.unaudited_active_user_cap
            }
        }),
        created_at: a.created_at,
        compat: crate::service::compat::view(st, a),
    }
}
fn check_app_fields(
    scopes_: &[String],
    redirect_uris: &[String],
    prefixes: &[String],
    webhook: Option<&str>,
) -> ApiResult<()> {
    if let Some(s) = scopes_.iter().find(|s| !scopes::is_known(s)) {
        return Err(invalid(format!("unknown scope {s}")));
    }
    if redirect_uris.len() > 10 {
        return Err(invalid("at most 10 redirect URIs"));
    }
    for u in redirect_uris {
        oauth::validate_redirect_uri(u).map_err(|e| invalid(format!("{u}: {e}")))?;
    }
    for p in prefixes {
        if p.contains("://") {
            let u = url::Url::parse(p).map_err(|e| invalid(format!("{p}: {e}")))?;
            if !p.ends_with('/') || u.query().is_some() {
                return Err(invalid(format!(
                    "{p}: a URL prefix is scheme + host + path ending in /"
                )));
            }
        } else if p.is_empty() || p.contains('/') {
            return Err(invalid(format!(
                "{p}: a domain property is a bare host name"
            )));
        }
    }
    if let Some(w) = webhook.filter(|w| !w.is_empty()) {
        let u = url::Url::parse(w).map_err(|e| invalid(format!("webhook_url {w}: {e}")))?;
        // Refused here rather than at every delivery: TikTok's callbacks are https.
        if !matches!(u.scheme(), "https" | "http") {
            return Err(invalid(format!(
                "webhook_url {w}: the scheme must be https (or http where network.allow_http is set)"
            )));
        }
    }
    Ok(())
}
/// Registers an app; the answer is the only place its secret is shown (the portal can derive it
/// again for its owner).
/// An app as the control API shows it (no secret).
pub async fn show_app(st: &AppState, client_key: &str) -> ApiResult<AppView> {
    let a = st
        .store
        .app(client_key)
        .await?
        .ok_or_else(|| ApiError::not_found("app"))?;
    Ok(app_view(&a, None, st))
}

pub async fn create_app(
    st: &AppState,
    req: CreateApp,
    developer_id: Option<String>,
) -> ApiResult<AppView> {
    create_app_as(st, req, developer_id, None).await
}

/// A client key and, optionally, a client secret chosen rather than made (a seed file's).
pub struct FixedCredentials {
    pub client_key: String,
    pub client_secret: Option<String>,
}

/// [`create_app`], with the credentials `fixed` gives; a fixed secret is kept sealed with the
/// master key (it cannot be derived) and its SHA-256 compared as any other.
pub async fn create_app_as(
    st: &AppState,
    req: CreateApp,
    developer_id: Option<String>,
    fixed: Option<FixedCredentials>,
) -> ApiResult<AppView> {
    let name = req.name.trim().to_string();
    if name.is_empty() || name.len() > 100 {
        return Err(invalid("name must be 1 to 100 characters"));
    }
    check_app_fields(
        &req.scopes,
        &req.redirect_uris,
        &req.verified_url_prefixes,
        req.webhook_url.as_deref(),
    )?;
    let (scopes, prefixes) = if developer_id.is_some() {
        under_review(st, &[], &[], req.scopes, req.verified_url_prefixes)
    } else {
        (
            unreviewed(req.scopes),
            unreviewed(req.verified_url_prefixes),
        )
    };
    let (client_key, fixed_secret) = match fixed {
        Some(f) => (f.client_key, f.client_secret),
        None => (ids::client_key(), None),
    };
    if st.store.app(&client_key).await?.is_some() {
        return Err(invalid(format!(
            "client_key {client_key}: an app with this key exists"
        )));
    }
    let secret = fixed_secret
        .clone()
        .unwrap_or_else(|| st.client_secret(&client_key, 0));
    let app = App {
        client_key: client_key.clone(),
        name,
        secret_hash: secrets::sha256_hex(&secret),
        secret_generation: 0,
        audited: req.audited,
        audit_requested_at: None,
        scopes: scopes.effective,
        redirect_uris: req.redirect_uris,
        verified_url_prefixes: prefixes.effective,
        webhook_url: req.webhook_url.filter(|w| !w.is_empty()),
        test_users: vec![],
        active_user_cap: None,
        developer_id,
        created_at: st.now(),
        pending_scopes: scopes.pending,
        pending_url_prefixes: prefixes.pending,
        compat_profile: None,
        compat_strict: None,
    };
    st.store.insert_app(&app).await?;
    if fixed_secret.is_some() {
        let sealed = secrets::seal_secret(&st.master_key, &client_key, &secret);
        st.store
            .set_fixed_secret(&client_key, Some(&sealed))
            .await?;
    }
    Ok(app_view(&app, Some(secret), st))
}
/// The operator's change (control API, CLI, admin page): takes effect as asked.
pub async fn update_app(st: &AppState, client_key: &str, req: UpdateApp) -> ApiResult<AppView> {
    update(st, client_key, req, false).await
}

/// The app's developer's change in the portal: on a live platform new research scopes and URL
/// prefixes wait for the operator's review.
pub async fn update_own_app(st: &AppState, client_key: &str, req: UpdateApp) -> ApiResult<AppView> {
    update(st, client_key, req, true).await
}

/// The operator grants what the app's developer asked for: the audit, if requested, and the
/// pending scopes and URL prefixes.
pub async fn approve(st: &AppState, client_key: &str) -> ApiResult<AppView> {
    let mut a = load(st, client_key).await?;
    if a.audit_requested_at.is_some() {
        a.audited = true;
    }
    a.scopes = review::approve(&a.scopes, &std::mem::take(&mut a.pending_scopes));
    a.verified_url_prefixes = review::approve(
        &a.verified_url_prefixes,
        &std::mem::take(&mut a.pending_url_prefixes),
    );
    st.store.update_app(&a).await?;
    Ok(app_view(&a, None, st))
}

/// The app to change, or 404.
async fn load(st: &AppState, client_key: &str) -> ApiResult<App> {
    st.store
        .app(client_key)
        .await?
        .map(std::sync::Arc::unwrap_or_clone)
        .ok_or_else(|| ApiError::not_found("app"))
}

fn unreviewed(items: Vec<String>) -> Split {
    Split {
        effective: items,
        pending: vec![],
    }
}

/// A developer's request against what the app holds; only a live platform holds anything back
/// (in the sandbox the developer is their own operator).
fn under_review(
    st: &AppState,
    scopes_held: &[String],
    prefixes_held: &[String],
    scopes: Vec<String>,
    prefixes: Vec<String>,
) -> (Split, Split) {
    if st.cfg.mode != crate::config::Mode::Production {
        return (unreviewed(scopes), unreviewed(prefixes));
    }
    (
        review::split(scopes_held, &scopes, review::scope_needs_review),
        review::split(prefixes_held, &prefixes, |_| true),
    )
}

async fn update(
    st: &AppState,
    client_key: &str,
    req: UpdateApp,
    by_developer: bool,
) -> ApiResult<AppView> {
    let mut a = load(st, client_key).await?;
    if let Some(n) = req.name {
        a.name = n;
    }
    if let Some(v) = req.audited {
        a.audited = v;
    }
    if by_developer {
        let (scopes, prefixes) = under_review(
            st,
            &a.scopes,
            &a.verified_url_prefixes,
            req.scopes.unwrap_or_else(|| a.scopes.clone()),
            req.verified_url_prefixes
                .unwrap_or_else(|| a.verified_url_prefixes.clone()),
        );
        (a.scopes, a.pending_scopes) = (scopes.effective, scopes.pending);
        (a.verified_url_prefixes, a.pending_url_prefixes) = (prefixes.effective, prefixes.pending);
    } else {
        if let Some(v) = req.scopes {
            a.scopes = v;
        }
        if let Some(v) = req.verified_url_prefixes {
            a.verified_url_prefixes = v;
        }
    }
    if let Some(v) = req.redirect_uris {
        a.redirect_uris = v;
    }
    if let Some(v) = req.webhook_url {
        a.webhook_url = Some(v).filter(|w| !w.is_empty());
    }
    if let Some(v) = req.test_users {
        a.test_users = v;
    }
    if let Some(v) = req.active_user_cap {
        a.active_user_cap = Some(v);
    }
    if let Some(c) = req.compat {
        crate::service::compat::check_choice(&c)?;
        (a.compat_profile, a.compat_strict) = (c.profile, c.strict);
    }
    check_app_fields(
        &a.scopes,
        &a.redirect_uris,
        &a.verified_url_prefixes,
        a.webhook_url.as_deref(),
    )?;
    check_app_fields(&a.pending_scopes, &[], &a.pending_url_prefixes, None)?;
    st.store.update_app(&a).await?;
    Ok(app_view(&a, None, st))
}
/// A new client secret; the old one stops working at once.
pub async fn rotate_secret(st: &AppState, client_key: &str) -> ApiResult<AppView> {
    let mut a = load(st, client_key).await?;
    a.secret_generation += 1;
    let secret = st.client_secret(&a.client_key, a.secret_generation);
    a.secret_hash = secrets::sha256_hex(&secret);
    st.store.update_app(&a).await?;
    // A rotated secret is derived again, whatever a seed file fixed.
    st.store.set_fixed_secret(&a.client_key, None).await?;
    Ok(app_view(&a, Some(secret), st))
}

#[cfg(test)]
mod tests {
    use super::check_app_fields;

    #[test]
    fn a_webhook_url_is_refused_at_registration_unless_it_is_http_or_https() {
        for bad in [
            "file:///etc/passwd",
            "gopher://127.0.0.1:6379/_INFO",
            "ftp://example.com/hook",
            "javascript:alert(1)",
        ] {
            let e = check_app_fields(&[], &[], &[], Some(bad)).expect_err(bad);
            assert_eq!(e.code, reelbox_wire::ErrorCode::InvalidParam, "{bad}");
            assert!(e.message.contains("webhook_url"), "{bad}: {}", e.message);
        }
        assert!(check_app_fields(&[], &[], &[], Some("https://app.example.com/hooks")).is_ok());
    }
}
