//! The control API (`/_reelbox/`): apps, creators, tokens, the clock, inspection, faults. Each
//! operation is a plain function over the state, so the CLI's direct-database mode runs exactly
//! the same code as the HTTP handlers.
pub mod corpus;
pub mod lists;
pub mod report;

use axum::Json;
use axum::extract::{Path, Query, State};
use reelbox_core::rules::{self, RequestedPost};
use reelbox_core::{ids, oauth, scopes, secrets};
use reelbox_store::apps::App;
use reelbox_store::creators::Creator;
use reelbox_store::publishes::PublishFilter;
use reelbox_wire::ErrorCode;
use reelbox_wire::control::{
    AppView, ClockChange, ClockView, CreateApp, CreateCreator, CreatorView, MintToken, UpdateApp,
    UpdateCreator,
};
use reelbox_wire::oauth::TokenResponse;
use reelbox_wire::posting::PrivacyLevel;
use serde::Deserialize;

use crate::http::auth::Admin;
use crate::http::error::{ApiError, ApiResult, Data, Posting, WireJson};
use crate::sandbox::faults::{Fault, FaultSpec};
use crate::state::AppState;

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParam, msg)
}

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
        active_user_cap: a.active_user_cap.unwrap_or(if a.audited {
            st.cfg.limits.audited_active_user_cap
        } else {
            st.cfg.limits.unaudited_active_user_cap
        }),
        created_at: a.created_at,
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
        url::Url::parse(w).map_err(|e| invalid(format!("webhook_url {w}: {e}")))?;
    }
    Ok(())
}

/// Registers an app; the answer is the only place its secret is shown (the portal can derive it
/// again for its owner).
pub async fn create_app(
    st: &AppState,
    req: CreateApp,
    developer_id: Option<String>,
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
    let client_key = ids::client_key();
    let secret = st.client_secret(&client_key, 0);
    let app = App {
        client_key: client_key.clone(),
        name,
        secret_hash: secrets::sha256_hex(&secret),
        secret_generation: 0,
        audited: req.audited,
        audit_requested_at: None,
        scopes: req.scopes,
        redirect_uris: req.redirect_uris,
        verified_url_prefixes: req.verified_url_prefixes,
        webhook_url: req.webhook_url.filter(|w| !w.is_empty()),
        test_users: vec![],
        active_user_cap: None,
        developer_id,
        created_at: st.now(),
    };
    st.store.insert_app(&app).await?;
    Ok(app_view(&app, Some(secret), st))
}

pub async fn update_app(st: &AppState, client_key: &str, req: UpdateApp) -> ApiResult<AppView> {
    let mut a = st
        .store
        .app(client_key)
        .await?
        .map(std::sync::Arc::unwrap_or_clone)
        .ok_or_else(|| ApiError::not_found("app"))?;
    if let Some(n) = req.name {
        a.name = n;
    }
    if let Some(v) = req.audited {
        a.audited = v;
    }
    if let Some(v) = req.scopes {
        a.scopes = v;
    }
    if let Some(v) = req.redirect_uris {
        a.redirect_uris = v;
    }
    if let Some(v) = req.verified_url_prefixes {
        a.verified_url_prefixes = v;
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
    check_app_fields(
        &a.scopes,
        &a.redirect_uris,
        &a.verified_url_prefixes,
        a.webhook_url.as_deref(),
    )?;
    st.store.update_app(&a).await?;
    Ok(app_view(&a, None, st))
}

/// A new client secret; the old one stops working at once.
pub async fn rotate_secret(st: &AppState, client_key: &str) -> ApiResult<AppView> {
    let mut a = st
        .store
        .app(client_key)
        .await?
        .map(std::sync::Arc::unwrap_or_clone)
        .ok_or_else(|| ApiError::not_found("app"))?;
    a.secret_generation += 1;
    let secret = st.client_secret(&a.client_key, a.secret_generation);
    a.secret_hash = secrets::sha256_hex(&secret);
    st.store.update_app(&a).await?;
    Ok(app_view(&a, Some(secret), st))
}

pub fn creator_view(c: &Creator) -> CreatorView {
    CreatorView {
        creator_id: c.id.clone(),
        username: c.username.clone(),
        nickname: c.nickname.clone(),
        avatar_url: c.avatar_url.clone(),
        bio: c.bio.clone(),
        region_code: c.region_code.clone(),
        private_account: c.private_account,
        privacy_level_options: c.privacy_level_options.clone(),
        comment_disabled: c.comment_disabled,
        duet_disabled: c.duet_disabled,
        stitch_disabled: c.stitch_disabled,
        max_video_post_duration_sec: c.max_video_post_duration_sec,
        banned_from_posting: c.banned_from_posting,
        daily_post_cap: c.daily_post_cap,
        has_password: c.password_hash.is_some(),
        created_at: c.created_at,
    }
}

fn valid_username(u: &str) -> bool {
    (2..=24).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

fn hash(password: &str) -> ApiResult<String> {
    if password.len() < 8 {
        return Err(invalid("password must be at least 8 characters"));
    }
    secrets::hash_password(password).map_err(|e| ApiError::internal(anyhow::anyhow!(e)))
}

pub async fn create_creator(st: &AppState, req: CreateCreator) -> ApiResult<CreatorView> {
    let username = req.username.trim().trim_start_matches('@').to_string();
    if !valid_username(&username) {
        return Err(invalid(
            "username must be 2 to 24 letters, digits, '_' or '.'",
        ));
    }
    let private = req.private_account.unwrap_or(false);
    let c = Creator {
        id: ids::row_id(),
        nickname: req.nickname.unwrap_or_else(|| username.clone()),
        password_hash: req.password.as_deref().map(hash).transpose()?,
        avatar_url: req.avatar_url.unwrap_or_default(),
        bio: req.bio.unwrap_or_default(),
        region_code: req
            .region_code
            .unwrap_or_else(|| "US".into())
            .to_uppercase(),
        private_account: private,
        privacy_level_options: req
            .privacy_level_options
            .unwrap_or_else(|| rules::default_privacy_options(private)),
        comment_disabled: req.comment_disabled.unwrap_or(false),
        duet_disabled: req.duet_disabled.unwrap_or(false),
        stitch_disabled: req.stitch_disabled.unwrap_or(false),
        max_video_post_duration_sec: req.max_video_post_duration_sec.unwrap_or(600),
        banned_from_posting: req.banned_from_posting.unwrap_or(false),
        daily_post_cap: req.daily_post_cap,
        created_at: st.now(),
        username,
    };
    st.store.insert_creator(&c).await.map_err(|e| match e {
        reelbox_store::StoreError::Conflict => invalid(format!("username {} is taken", c.username)),
        other => other.into(),
    })?;
    Ok(creator_view(&c))
}

pub async fn update_creator(
    st: &AppState,
    username: &str,
    req: UpdateCreator,
) -> ApiResult<CreatorView> {
    let mut c = st
        .store
        .creator_by_username(username)
        .await?
        .ok_or_else(|| ApiError::not_found("creator"))?;
    if let Some(p) = req.password {
        c.password_hash = Some(hash(&p)?);
    }
    if let Some(v) = req.nickname {
        c.nickname = v;
    }
    if let Some(v) = req.avatar_url {
        c.avatar_url = v;
    }
    if let Some(v) = req.bio {
        c.bio = v;
    }
    if let Some(v) = req.region_code {
        c.region_code = v.to_uppercase();
    }
    if let Some(v) = req.private_account {
        c.private_account = v;
        if req.privacy_level_options.is_none() {
            c.privacy_level_options = rules::default_privacy_options(v);
        }
    }
    if let Some(v) = req.privacy_level_options {
        c.privacy_level_options = v;
    }
    if let Some(v) = req.comment_disabled {
        c.comment_disabled = v;
    }
    if let Some(v) = req.duet_disabled {
        c.duet_disabled = v;
    }
    if let Some(v) = req.stitch_disabled {
        c.stitch_disabled = v;
    }
    if let Some(v) = req.max_video_post_duration_sec {
        c.max_video_post_duration_sec = v;
    }
    if let Some(v) = req.banned_from_posting {
        c.banned_from_posting = v;
    }
    if let Some(v) = req.daily_post_cap {
        c.daily_post_cap = Some(v);
    }
    st.store.update_creator(&c).await?;
    Ok(creator_view(&c))
}

/// A consent given without the web page: the same grant and tokens the token endpoint issues.
pub async fn mint_token(st: &AppState, req: MintToken) -> ApiResult<TokenResponse> {
    let app = st
        .store
        .app(&req.client_key)
        .await?
        .ok_or_else(|| ApiError::not_found("app"))?;
    let creator = match (&req.username, &req.creator_id) {
        (Some(u), _) => {
            st.store
                .creator_by_username(u.trim_start_matches('@'))
                .await?
        }
        (None, Some(id)) => st
            .store
            .creator(id)
            .await?
            .map(std::sync::Arc::unwrap_or_clone),
        (None, None) => return Err(invalid("username or creator_id is required")),
    }
    .ok_or_else(|| ApiError::not_found("creator"))?;
    let scopes_: Vec<String> = if req.scopes.is_empty() {
        app.scopes.clone()
    } else {
        req.scopes.clone()
    };
    if let Some(s) = scopes_.iter().find(|s| !app.scopes.contains(s)) {
        return Err(invalid(format!("the app does not have scope {s}")));
    }
    Ok(crate::service::tokens::issue_user_tokens(st, &app, &creator.id, &scopes_).await?)
}

pub fn clock_view(st: &AppState) -> ClockView {
    let s = st.clock.state();
    ClockView {
        now: st.now(),
        offset_ms: s.offset_ms,
        frozen: s.frozen_at.is_some(),
    }
}

pub async fn change_clock(st: &AppState, req: ClockChange) -> ApiResult<ClockView> {
    if !st.sandbox() {
        return Err(invalid("the clock cannot be moved in production mode"));
    }
    if req.reset == Some(true) {
        st.clock.set_state(Default::default());
    }
    if let Some(secs) = req.advance_seconds {
        if secs < 0 {
            return Err(invalid(
                "advance_seconds must not be negative: time never moves backwards",
            ));
        }
        st.clock.advance(secs.saturating_mul(1000));
    }
    if let Some(f) = req.freeze {
        st.clock.freeze(f);
    }
    st.save_clock().await.map_err(ApiError::internal)?;
    st.work.notify_one();
    Ok(clock_view(st))
}

// ---- HTTP handlers ----

/// Register an app.
#[utoipa::path(post, path = "/_reelbox/apps", tag = "Control", request_body = CreateApp, responses((status = 200, body = reelbox_wire::Envelope<AppView>)), security(("admin" = [])))]
pub async fn post_app(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<CreateApp, Posting>,
) -> ApiResult<Data<AppView>> {
    Ok(Data(create_app(&st, req, None).await?))
}

/// Show an app.
#[utoipa::path(get, path = "/_reelbox/apps/{client_key}", tag = "Control", params(("client_key" = String, Path)), responses((status = 200, body = reelbox_wire::Envelope<AppView>)), security(("admin" = [])))]
pub async fn get_app(
    State(st): State<AppState>,
    _: Admin,
    Path(key): Path<String>,
) -> ApiResult<Data<AppView>> {
    let a = st
        .store
        .app(&key)
        .await?
        .ok_or_else(|| ApiError::not_found("app"))?;
    Ok(Data(app_view(&a, None, &st)))
}

/// Change an app (audit status, scopes, redirect URIs, verified prefixes, webhook, test users).
#[utoipa::path(patch, path = "/_reelbox/apps/{client_key}", tag = "Control", params(("client_key" = String, Path)), request_body = UpdateApp, responses((status = 200, body = reelbox_wire::Envelope<AppView>)), security(("admin" = [])))]
pub async fn patch_app(
    State(st): State<AppState>,
    _: Admin,
    Path(key): Path<String>,
    WireJson(req, _): WireJson<UpdateApp, Posting>,
) -> ApiResult<Data<AppView>> {
    Ok(Data(update_app(&st, &key, req).await?))
}

/// Rotate an app's client secret.
#[utoipa::path(post, path = "/_reelbox/apps/{client_key}/secret", tag = "Control", params(("client_key" = String, Path)), responses((status = 200, body = reelbox_wire::Envelope<AppView>)), security(("admin" = [])))]
pub async fn post_app_secret(
    State(st): State<AppState>,
    _: Admin,
    Path(key): Path<String>,
) -> ApiResult<Data<AppView>> {
    Ok(Data(rotate_secret(&st, &key).await?))
}

/// Create a creator.
#[utoipa::path(post, path = "/_reelbox/creators", tag = "Control", request_body = CreateCreator, responses((status = 200, body = reelbox_wire::Envelope<CreatorView>)), security(("admin" = [])))]
pub async fn post_creator(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<CreateCreator, Posting>,
) -> ApiResult<Data<CreatorView>> {
    Ok(Data(create_creator(&st, req).await?))
}

/// Show a creator.
#[utoipa::path(get, path = "/_reelbox/creators/{username}", tag = "Control", params(("username" = String, Path)), responses((status = 200, body = reelbox_wire::Envelope<CreatorView>)), security(("admin" = [])))]
pub async fn get_creator(
    State(st): State<AppState>,
    _: Admin,
    Path(u): Path<String>,
) -> ApiResult<Data<CreatorView>> {
    let c = st
        .store
        .creator_by_username(&u)
        .await?
        .ok_or_else(|| ApiError::not_found("creator"))?;
    Ok(Data(creator_view(&c)))
}

/// Change a creator's settings.
#[utoipa::path(patch, path = "/_reelbox/creators/{username}", tag = "Control", params(("username" = String, Path)), request_body = UpdateCreator, responses((status = 200, body = reelbox_wire::Envelope<CreatorView>)), security(("admin" = [])))]
pub async fn patch_creator(
    State(st): State<AppState>,
    _: Admin,
    Path(u): Path<String>,
    WireJson(req, _): WireJson<UpdateCreator, Posting>,
) -> ApiResult<Data<CreatorView>> {
    Ok(Data(update_creator(&st, &u, req).await?))
}

/// Mint tokens for a creator without the consent page. Answers exactly like `/v2/oauth/token/`.
#[utoipa::path(post, path = "/_reelbox/tokens", tag = "Control", request_body = MintToken, responses((status = 200, body = TokenResponse)), security(("admin" = [])))]
pub async fn post_token(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<MintToken, Posting>,
) -> ApiResult<Json<TokenResponse>> {
    Ok(Json(mint_token(&st, req).await?))
}

/// The server's clock.
#[utoipa::path(get, path = "/_reelbox/clock", tag = "Control", responses((status = 200, body = reelbox_wire::Envelope<ClockView>)), security(("admin" = [])))]
pub async fn get_clock(State(st): State<AppState>, _: Admin) -> ApiResult<Data<ClockView>> {
    Ok(Data(clock_view(&st)))
}

/// Move the clock forward, freeze or reset it (sandbox mode only).
#[utoipa::path(post, path = "/_reelbox/clock", tag = "Control", request_body = ClockChange, responses((status = 200, body = reelbox_wire::Envelope<ClockView>)), security(("admin" = [])))]
pub async fn post_clock(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<ClockChange, Posting>,
) -> ApiResult<Data<ClockView>> {
    Ok(Data(change_clock(&st, req).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PublishQuery {
    client_key: Option<String>,
    username: Option<String>,
    status: Option<String>,
    limit: Option<i64>,
}

/// Publishes, newest first, with what was asked and what happened.
#[utoipa::path(get, path = "/_reelbox/publishes", tag = "Control", params(PublishQuery), responses((status = 200, description = "{publishes: [...]}")), security(("admin" = [])))]
pub async fn get_publishes(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<PublishQuery>,
) -> ApiResult<Data<serde_json::Value>> {
    let creator_id = match &q.username {
        Some(u) => Some(
            st.store
                .creator_by_username(u)
                .await?
                .ok_or_else(|| ApiError::not_found("creator"))?
                .id,
        ),
        None => None,
    };
    let list = st
        .store
        .publishes(&PublishFilter {
            client_key: q.client_key,
            creator_id,
            status: q.status,
            limit: q.limit.unwrap_or(100).clamp(1, 1000),
        })
        .await?;
    let mut out = Vec::new();
    for p in list {
        let username = st
            .store
            .creator(&p.creator_id)
            .await?
            .map(|c| c.username.clone())
            .unwrap_or_default();
        out.push(serde_json::json!({
            "publish_id": p.id, "client_key": p.client_key, "username": username, "mode": p.mode,
            "media_type": p.media_type, "source": p.source, "status": p.status, "fail_reason": p.fail_reason,
            "post_info": serde_json::from_str::<serde_json::Value>(&p.post_info).unwrap_or_default(),
            "settings": p.settings.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()),
            "uploaded_bytes": p.uploaded_bytes, "downloaded_bytes": p.downloaded_bytes,
            "post_id": serde_json::from_str::<Vec<String>>(&p.post_ids).unwrap_or_default().first().cloned(),
            "inbox_state": p.inbox_state, "created_at": p.created_at, "updated_at": p.updated_at,
        }));
    }
    Ok(Data(serde_json::json!({ "publishes": out })))
}

/// The drafts waiting in a creator's inbox.
#[utoipa::path(get, path = "/_reelbox/inbox/{username}", tag = "Control", params(("username" = String, Path)), responses((status = 200, description = "{drafts: [...]}")), security(("admin" = [])))]
pub async fn get_inbox(
    State(st): State<AppState>,
    _: Admin,
    Path(u): Path<String>,
) -> ApiResult<Data<serde_json::Value>> {
    let c = st
        .store
        .creator_by_username(&u)
        .await?
        .ok_or_else(|| ApiError::not_found("creator"))?;
    let drafts = st.store.inbox_drafts(&c.id).await?;
    let list: Vec<_> = drafts
        .iter()
        .map(|p| serde_json::json!({"publish_id": p.id, "client_key": p.client_key, "media_type": p.media_type, "created_at": p.created_at}))
        .collect();
    Ok(Data(serde_json::json!({ "drafts": list })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DraftPost {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub privacy_level: Option<PrivacyLevel>,
    #[serde(default)]
    pub disable_comment: Option<bool>,
    #[serde(default)]
    pub disable_duet: Option<bool>,
    #[serde(default)]
    pub disable_stitch: Option<bool>,
    #[serde(default)]
    pub brand_content_toggle: Option<bool>,
    #[serde(default)]
    pub brand_organic_toggle: Option<bool>,
    #[serde(default)]
    pub is_aigc: Option<bool>,
    #[serde(default)]
    pub video_cover_timestamp_ms: Option<i64>,
}

impl DraftPost {
    pub fn requested(&self) -> RequestedPost {
        RequestedPost {
            title: self.title.clone(),
            description: self.description.clone(),
            privacy_level: self.privacy_level,
            disable_comment: self.disable_comment,
            disable_duet: self.disable_duet,
            disable_stitch: self.disable_stitch,
            brand_content_toggle: self.brand_content_toggle,
            brand_organic_toggle: self.brand_organic_toggle,
            is_aigc: self.is_aigc,
            auto_add_music: None,
            video_cover_timestamp_ms: self.video_cover_timestamp_ms,
        }
    }
}

/// Post a draft from a creator's inbox as the creator would in the app.
#[utoipa::path(post, path = "/_reelbox/inbox/{username}/{publish_id}/post", tag = "Control", params(("username" = String, Path), ("publish_id" = String, Path)), request_body = DraftPost, responses((status = 200, description = "{post_id}")), security(("admin" = [])))]
pub async fn post_inbox_draft(
    State(st): State<AppState>,
    _: Admin,
    Path((u, id)): Path<(String, String)>,
    WireJson(req, _): WireJson<DraftPost, Posting>,
) -> ApiResult<Data<serde_json::Value>> {
    let c = st
        .store
        .creator_by_username(&u)
        .await?
        .ok_or_else(|| ApiError::not_found("creator"))?;
    let p = st
        .store
        .publish(&id)
        .await?
        .filter(|p| p.creator_id == c.id)
        .ok_or_else(|| ApiError::not_found("draft"))?;
    let post_id = crate::jobs::process::post_draft(&st, &p, &req.requested()).await?;
    Ok(Data(serde_json::json!({ "post_id": post_id })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AppQuery {
    client_key: String,
    limit: Option<i64>,
}

/// An app's webhook delivery log, newest first.
#[utoipa::path(get, path = "/_reelbox/webhooks", tag = "Control", params(AppQuery), responses((status = 200, description = "{deliveries: [...]}")), security(("admin" = [])))]
pub async fn get_webhooks(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<AppQuery>,
) -> ApiResult<Data<serde_json::Value>> {
    let list = st
        .store
        .deliveries_of_app(&q.client_key, q.limit.unwrap_or(100).clamp(1, 1000))
        .await?;
    Ok(Data(serde_json::json!({ "deliveries": list })))
}

/// An app's recent wire API calls, newest first.
#[utoipa::path(get, path = "/_reelbox/calls", tag = "Control", params(AppQuery), responses((status = 200, description = "{calls: [...]}")), security(("admin" = [])))]
pub async fn get_calls(
    State(st): State<AppState>,
    _: Admin,
    Query(q): Query<AppQuery>,
) -> ApiResult<Data<serde_json::Value>> {
    st.calls.flush().await;
    let list = st
        .store
        .calls_of_app(&q.client_key, q.limit.unwrap_or(100).clamp(1, 1000))
        .await?;
    let list: Vec<_> = list
        .into_iter()
        .map(|c| {
            let injected = c.injected.0;
            let mut v = serde_json::to_value(&c).unwrap_or_default();
            v["injected"] = serde_json::json!(injected);
            v
        })
        .collect();
    Ok(Data(serde_json::json!({ "calls": list })))
}

/// Inject a fault or switch on a scenario: the next matching calls fail (or slow down).
#[utoipa::path(post, path = "/_reelbox/faults", tag = "Control", request_body = FaultSpec, responses((status = 200, body = reelbox_wire::Envelope<Fault>)), security(("admin" = [])))]
pub async fn post_fault(
    State(st): State<AppState>,
    _: Admin,
    WireJson(req, _): WireJson<FaultSpec, Posting>,
) -> ApiResult<Data<Fault>> {
    Ok(Data(add_fault(&st, req)?))
}

/// Checks and adds a fault (shared with the CLI's direct mode).
pub fn add_fault(st: &AppState, req: FaultSpec) -> ApiResult<Fault> {
    if !st.sandbox() {
        return Err(invalid("faults cannot be injected in production mode"));
    }
    if let Some(s) = &req.scenario {
        if !crate::sandbox::faults::SCENARIOS
            .iter()
            .any(|(n, _)| n == s)
        {
            return Err(invalid(format!(
                "unknown scenario {s}; GET /_reelbox/faults/scenarios lists them"
            )));
        }
        return Ok(st.faults.add(req, st.now()));
    }
    const ENDPOINTS: &[&str] = &[
        "video/init",
        "inbox/video/init",
        "content/init",
        "creator_info",
        "status",
        "cancel",
        "upload",
        "processing",
        "webhook",
        "*",
    ];
    if !ENDPOINTS.contains(&req.endpoint.as_str()) {
        return Err(invalid(format!(
            "endpoint must be one of {}",
            ENDPOINTS.join(", ")
        )));
    }
    match (req.endpoint.as_str(), req.error_code.as_deref()) {
        ("processing", Some(r)) if !reelbox_wire::posting::fail_reason::ALL.contains(&r) => {
            return Err(invalid(format!("unknown fail_reason {r}")));
        }
        ("processing", _) | ("webhook", _) => {}
        (_, Some(c)) if ErrorCode::parse(c).is_none() => {
            return Err(invalid(format!("unknown error_code {c}")));
        }
        ("upload", None) if req.drop_connection != Some(true) && req.latency_ms.is_none() => {
            return Err(invalid(
                "an upload fault needs error_code, drop_connection or latency_ms",
            ));
        }
        (e, None) if e != "upload" && req.latency_ms.is_none() => {
            return Err(invalid("error_code or latency_ms is required"));
        }
        _ => {}
    }
    Ok(st.faults.add(req, st.now()))
}

/// The active faults.
#[utoipa::path(get, path = "/_reelbox/faults", tag = "Control", responses((status = 200, description = "{faults: [...]}")), security(("admin" = [])))]
pub async fn get_faults(
    State(st): State<AppState>,
    _: Admin,
) -> ApiResult<Data<serde_json::Value>> {
    Ok(Data(
        serde_json::json!({ "faults": st.faults.list(st.now()) }),
    ))
}

/// Clear every fault.
#[utoipa::path(delete, path = "/_reelbox/faults", tag = "Control", responses((status = 200, description = "{}")), security(("admin" = [])))]
pub async fn delete_faults(
    State(st): State<AppState>,
    _: Admin,
) -> ApiResult<Data<serde_json::Value>> {
    st.faults.clear();
    Ok(Data(serde_json::json!({})))
}

/// The named scenarios and what each reproduces.
#[utoipa::path(get, path = "/_reelbox/faults/scenarios", tag = "Control", responses((status = 200, description = "{scenarios: [{name, reproduces}]}")), security(("admin" = [])))]
pub async fn get_fault_scenarios(_: Admin) -> ApiResult<Data<serde_json::Value>> {
    let list: Vec<_> = crate::sandbox::faults::SCENARIOS
        .iter()
        .map(|(n, d)| serde_json::json!({"name": n, "reproduces": d}))
        .collect();
    Ok(Data(serde_json::json!({ "scenarios": list })))
}
