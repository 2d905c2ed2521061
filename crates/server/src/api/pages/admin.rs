//! The operator's admin view `/admin`: sign in with the admin token, approve audit requests, ban
//! creators from posting and edit their settings.
use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::StatusCode;
use reelbox_core::secrets;
use reelbox_wire::control::UpdateCreator;

use super::session::{Ctx, FORM_TOO_LARGE, Kind, read_signin_form};
use super::{FormData, Nav, PageError, PageResult, html, when};
use crate::api::pages::render::found;

/// An app waiting for the operator: its audit, or privileges its developer asked for.
pub struct AuditRow {
    pub client_key: String,
    pub name: String,
    pub requested: String,
    pub audit: bool,
    /// Research scopes and URL prefixes asked for in the portal, comma-separated.
    pub privileges: String,
}

/// A creator row with its editable settings.
pub struct CreatorRow {
    pub username: String,
    pub nickname: String,
    pub private_account: bool,
    pub comment_disabled: bool,
    pub duet_disabled: bool,
    pub stitch_disabled: bool,
    pub banned: bool,
    pub daily_post_cap: String,
}

/// An editable setting on the settings form (`config::EDITABLE`).
pub struct SettingRow {
    pub key: String,
    pub value: String,
    /// Set in the configuration file, which wins: shown, not editable.
    pub locked: bool,
    /// Why the value sent for it was refused.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    nav: Nav,
    signed_in: bool,
    error: Option<String>,
    notice: Option<String>,
    awaiting: Vec<AuditRow>,
    creators: Vec<CreatorRow>,
    default_cap: i64,
    mode: String,
    /// The storage sweeper: whether it runs, and what its last run freed.
    sweeper: String,
    /// The review queue's length and the policy.
    moderation: String,
    /// Whether renditions are made here, and why not.
    renditions: String,
    settings: Vec<SettingRow>,
}

/// One line on the storage sweeper for the platform card.
async fn sweeper_summary(st: &crate::state::AppState) -> Result<String, PageError> {
    let cfg = &st.cfg.sweeper;
    let schedule = match (cfg.enabled, cfg.dry_run) {
        (false, _) => "off (sweeper.enabled); runs on demand only".to_string(),
        (true, dry) => format!(
            "every {} s{}",
            cfg.every_secs,
            if dry { ", dry run" } else { "" }
        ),
    };
    let last = crate::service::sweeper::last_run(st)
        .await
        .map_err(PageError::Internal)?;
    Ok(match last {
        None => format!("{schedule}; never run."),
        Some(r) => {
            let freed = r.freed();
            format!(
                "{schedule}; last run {} UTC{}: {} {} blobs ({} bytes): {} of abandoned uploads, {} partial files, {} orphaned objects; {} errors.",
                when(r.finished_at),
                if r.dry_run { " (dry run)" } else { "" },
                if r.dry_run { "would free" } else { "freed" },
                freed.blobs,
                freed.bytes,
                r.abandoned_uploads.blobs,
                r.partial_writes.blobs,
                r.orphans.blobs,
                r.errors
            )
        }
    })
}

/// One line on web-safe renditions for the platform card.
fn renditions_summary(st: &crate::state::AppState) -> String {
    if !st.cfg.renditions.enabled {
        "off (renditions.enabled): pages serve the originals as uploaded.".into()
    } else if !reelbox_media::ffmpeg_available() {
        "ffmpeg is not installed on this node: pages serve the originals as uploaded, which some browsers cannot play (HEVC in Chromium). Install ffmpeg with libx264.".into()
    } else {
        "H.264/AAC MP4 at the source size (up to 1080p) and 480p, made after each video post."
            .into()
    }
}

async fn render(
    ctx: Ctx,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> PageResult {
    render_with(ctx, status, error, notice, None).await
}

/// The page, with `refused` (a setting's key, the value sent and why it was refused) shown beside
/// its field.
async fn render_with(
    ctx: Ctx,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
    refused: Option<(String, String, String)>,
) -> PageResult {
    let settings = if ctx.admin {
        let live = crate::service::settings::live(&ctx.st).await?;
        crate::config::EDITABLE
            .iter()
            .map(|k| {
                let mine = refused.as_ref().filter(|r| r.0 == *k);
                SettingRow {
                    key: k.to_string(),
                    value: mine
                        .map(|r| r.1.clone())
                        .unwrap_or_else(|| live.editable_value(k).unwrap_or_default()),
                    locked: live.set_outside.contains(*k),
                    error: mine.map(|r| r.2.clone()),
                }
            })
            .collect()
    } else {
        vec![]
    };
    let (awaiting, creators) = if ctx.admin {
        let awaiting = ctx
            .st
            .store
            .apps_awaiting_review()
            .await?
            .into_iter()
            .map(|a| AuditRow {
                requested: a.audit_requested_at.map(when).unwrap_or_default(),
                audit: a.audit_requested_at.is_some() && !a.audited,
                privileges: a.awaiting_review().join(", "),
                client_key: a.client_key,
                name: a.name,
            })
            .collect();
        let creators = ctx
            .st
            .store
            .creators(500)
            .await?
            .into_iter()
            .map(|c| CreatorRow {
                username: c.username,
                nickname: c.nickname,
                private_account: c.private_account,
                comment_disabled: c.comment_disabled,
                duet_disabled: c.duet_disabled,
                stitch_disabled: c.stitch_disabled,
                banned: c.banned_from_posting,
                daily_post_cap: c.daily_post_cap.map(|n| n.to_string()).unwrap_or_default(),
            })
            .collect();
        (awaiting, creators)
    } else {
        (vec![], vec![])
    };
    let sweeper = if ctx.admin {
        sweeper_summary(&ctx.st).await?
    } else {
        String::new()
    };
    let moderation = if ctx.admin {
        let (policy, _) = crate::service::moderation::policy(&ctx.st).await?;
        format!(
            "{} open in the review queue · policy: {}",
            ctx.st.store.moderation_queue_length().await?,
            policy.as_str()
        )
    } else {
        String::new()
    };
    let page = html(&AdminPage {
        nav: ctx.nav(),
        signed_in: ctx.admin,
        error,
        notice,
        awaiting,
        creators,
        default_cap: crate::service::settings::last_live(&ctx.st)
            .limits
            .daily_post_cap,
        mode: format!("{:?}", ctx.st.cfg.mode).to_lowercase(),
        sweeper,
        moderation,
        renditions: renditions_summary(&ctx.st),
        settings,
    });
    Ok(ctx.respond((status, page)))
}

/// Sign-in, or the operator's dashboard.
pub async fn admin_page(ctx: Ctx) -> PageResult {
    render(ctx, StatusCode::OK, None, None).await
}

/// Signs the operator in with the admin token.
pub async fn signin(mut ctx: Ctx, body: Body) -> PageResult {
    let Some(f) = read_signin_form(body).await else {
        return render(
            ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            Some(FORM_TOO_LARGE.into()),
            None,
        )
        .await;
    };
    ctx.check_csrf(&f.get("csrf"))?;
    if !ctx.signin_allowed(Kind::Admin, "admin") {
        return render(
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many attempts; wait a minute.".into()),
            None,
        )
        .await;
    }
    let token = f.get("token");
    let presented = secrets::sha256_hex(&token);
    if token.is_empty() || !secrets::ct_eq(presented.as_bytes(), ctx.st.admin_token_hash.as_bytes())
    {
        return render(
            ctx,
            StatusCode::UNAUTHORIZED,
            Some("That is not the admin token.".into()),
            None,
        )
        .await;
    }
    ctx.sign_in(Kind::Admin, "admin").await?;
    Ok(ctx.respond(found("/admin")))
}

/// Signs the operator out.
pub async fn signout(mut ctx: Ctx, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    ctx.sign_out(Kind::Admin).await?;
    Ok(ctx.respond(found("/admin")))
}

fn require_admin(ctx: &Ctx) -> Result<(), PageError> {
    if ctx.admin {
        Ok(())
    } else {
        Err(PageError::Redirect("/admin".into()))
    }
}

/// Grants what the app's developer asked for: the audit (the same change as `reelbox app audit`)
/// and any research scopes and URL prefixes waiting for review.
pub async fn approve(ctx: Ctx, Path(key): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    require_admin(&ctx)?;
    let v = crate::service::apps::approve(&ctx.st, &key).await?;
    render(
        ctx,
        StatusCode::OK,
        None,
        Some(format!("{} is approved.", v.name)),
    )
    .await
}

/// Saves a creator's settings (ban from posting, interaction switches, daily cap, privacy).
pub async fn update_creator(ctx: Ctx, Path(username): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    require_admin(&ctx)?;
    let cap = f.get("daily_post_cap");
    let daily_post_cap = if cap.is_empty() {
        None
    } else {
        match cap.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                return render(
                    ctx,
                    StatusCode::BAD_REQUEST,
                    Some("The daily cap is a whole number.".into()),
                    None,
                )
                .await;
            }
        }
    };
    let req = UpdateCreator {
        private_account: Some(f.checked("private_account")),
        comment_disabled: Some(f.checked("comment_disabled")),
        duet_disabled: Some(f.checked("duet_disabled")),
        stitch_disabled: Some(f.checked("stitch_disabled")),
        banned_from_posting: Some(f.checked("banned")),
        daily_post_cap,
        ..Default::default()
    };
    match crate::service::creators::update_creator(&ctx.st, &username, req).await {
        Ok(v) => {
            render(
                ctx,
                StatusCode::OK,
                None,
                Some(format!("Saved @{}.", v.username)),
            )
            .await
        }
        Err(e) if e.cause.is_none() => {
            let msg = e.message;
            render(ctx, StatusCode::BAD_REQUEST, Some(msg), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Saves the settings form: the fields whose value changed, checked as `PUT /_reelbox/settings`
/// checks them; a refused one is shown beside its field and nothing is stored.
pub async fn save_settings(ctx: Ctx, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    require_admin(&ctx)?;
    let live = crate::service::settings::live(&ctx.st).await?;
    let mut change = std::collections::BTreeMap::new();
    for k in crate::config::EDITABLE {
        let sent = f.get(k);
        // A locked field is not sent (disabled); an unchanged one is not an edit.
        if !sent.is_empty() && Some(sent.trim()) != live.editable_value(k).as_deref() {
            change.insert(k.to_string(), serde_json::Value::String(sent));
        }
    }
    if change.is_empty() {
        return render(
            ctx,
            StatusCode::OK,
            None,
            Some("No setting changed.".into()),
        )
        .await;
    }
    let req = reelbox_wire::control::SettingsChange {
        settings: change.clone(),
    };
    match crate::service::settings::set(&ctx.st, req).await {
        Ok(_) => {
            let keys: Vec<_> = change.keys().cloned().collect();
            render(
                ctx,
                StatusCode::OK,
                None,
                Some(format!("Saved {}.", keys.join(", "))),
            )
            .await
        }
        Err(e) if e.cause.is_none() => {
            // The message starts with the key it is about.
            let key = change
                .keys()
                .find(|k| e.message.starts_with(k.as_str()))
                .cloned()
                .unwrap_or_default();
            let sent = change
                .get(&key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            render_with(
                ctx,
                StatusCode::BAD_REQUEST,
                None,
                None,
                Some((key, sent, e.message)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
