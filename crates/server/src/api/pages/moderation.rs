//! Moderation on the web pages: a signed-in viewer reports a post from its watch page, and the
//! operator works the review queue, the listed terms and the policy at `/admin/moderation`, with
//! the audit log below. Every change goes through `service::moderation`, as the control API's do.
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use reelbox_core::moderation::{Policy, TermAction};
use reelbox_wire::control::{
    ModerationAction, ModerationDecision, ModerationTerm, ModerationTerms,
};

use super::session::Ctx;
use super::{FormData, Nav, PageError, PageResult, html, when};
use crate::service::moderation as m;

/// A viewer reports a post (signed in, one report per post, a few a minute).
pub async fn report(
    ctx: Ctx,
    Path((username, post_id)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let back = format!("/@{username}/video/{post_id}");
    let me = ctx.require_creator(&back)?.clone();
    let post = super::media::visible_post(&ctx, &post_id).await?;
    let limit = ctx.st.cfg.moderation.reports_per_minute;
    if ctx
        .st
        .rate
        .check(&me.id, "web_report", limit, ctx.st.now())
        .is_err()
    {
        return Err(PageError::Message(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many reports in a minute; wait a little and try again.".into(),
        ));
    }
    let new = m::report(&ctx.st, &post, &me.id, &f.get("reason")).await?;
    let notice = if new {
        "Thank you. A moderator will look at this post."
    } else {
        "You reported this post already; a moderator will look at it."
    };
    super::profile::watch(ctx, username, post_id, None, Some(notice.into())).await
}

/// A case as the queue shows it.
struct CaseRow {
    id: String,
    held: bool,
    creator: String,
    title: String,
    cause: String,
    opened: String,
    reports: String,
    link: Option<String>,
}

/// A line of the audit log.
struct AuditRow {
    at: String,
    action: String,
    subject: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin_moderation.html")]
struct ModerationPage {
    nav: Nav,
    error: Option<String>,
    notice: Option<String>,
    cases: Vec<CaseRow>,
    policies: Vec<(&'static str, &'static str, bool)>,
    locked: bool,
    blocked: String,
    flagged: String,
    reject_reasons: &'static [&'static str],
    audit: Vec<AuditRow>,
}

async fn render(
    ctx: Ctx,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> PageResult {
    if !ctx.admin {
        return Err(PageError::Redirect("/admin".into()));
    }
    let st = &ctx.st;
    let queue = m::queue(st, 200).await?;
    let cases = queue
        .cases
        .into_iter()
        .map(|c| CaseRow {
            held: c.subject == "publish",
            link: c
                .post_id
                .as_ref()
                .filter(|_| c.subject == "post")
                .map(|id| format!("/@{}/video/{id}", c.creator_username)),
            reports: c
                .reports
                .iter()
                .map(|r| format!("{} × {}", r.count, r.reason))
                .collect::<Vec<_>>()
                .join(", "),
            id: c.id,
            creator: c.creator_username,
            title: c.title,
            cause: c.cause,
            opened: when(c.opened_at),
        })
        .collect();
    let (policy, locked) = m::policy(st).await?;
    let terms = m::terms(st).await?;
    let list = |a: TermAction| {
        terms
            .iter()
            .filter(|(_, x)| *x == a)
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let audit = m::audit_log(st, Some(50))
        .await?
        .entries
        .into_iter()
        .map(|e| AuditRow {
            at: when(e.at),
            action: e.action,
            subject: e.subject,
            detail: e.detail,
        })
        .collect();
    let page = html(&ModerationPage {
        nav: ctx.nav(),
        error,
        notice,
        cases,
        policies: Policy::ALL
            .iter()
            .map(|p| (p.as_str(), p.label(), *p == policy))
            .collect(),
        locked,
        blocked: list(TermAction::Block),
        flagged: list(TermAction::Flag),
        reject_reasons: &reelbox_core::moderation::REJECT_REASONS,
        audit,
    });
    Ok(ctx.respond((status, page)))
}

/// The review queue, the policy, the terms and the audit log.
pub async fn moderation_page(ctx: Ctx) -> PageResult {
    render(ctx, StatusCode::OK, None, None).await
}

/// Renders the page after a change: the notice, or the refusal with its status.
async fn after(ctx: Ctx, r: Result<String, crate::http::error::ApiError>) -> PageResult {
    match r {
        Ok(notice) => render(ctx, StatusCode::OK, None, Some(notice)).await,
        Err(e) if e.cause.is_none() => {
            let status = e.status();
            render(ctx, status, Some(e.message), None).await
        }
        Err(e) => Err(e.into()),
    }
}

fn admin_form(ctx: &Ctx, body: &Bytes) -> Result<FormData, PageError> {
    let f = FormData::parse(body);
    ctx.check_csrf(&f.get("csrf"))?;
    if !ctx.admin {
        return Err(PageError::Redirect("/admin".into()));
    }
    Ok(f)
}

/// Decides a case (`action` = approve | reject | take_down | dismiss, `reason` for a rejection).
pub async fn decide(ctx: Ctx, Path(case_id): Path<String>, body: Bytes) -> PageResult {
    let f = admin_form(&ctx, &body)?;
    let action = match f.get("action").as_str() {
        "approve" => ModerationAction::Approve,
        "reject" => ModerationAction::Reject,
        "take_down" => ModerationAction::TakeDown,
        "dismiss" => ModerationAction::Dismiss,
        _ => {
            return render(
                ctx,
                StatusCode::BAD_REQUEST,
                Some("Choose an action.".into()),
                None,
            )
            .await;
        }
    };
    let reason = Some(f.get("reason")).filter(|r| !r.is_empty());
    let d = ModerationDecision { action, reason };
    let r = m::decide(&ctx.st, &case_id, &d)
        .await
        .map(|c| format!("Case {}: {}.", c.id, c.status.replace('_', " ")));
    after(ctx, r).await
}

/// Saves the listed terms: one per line, blocked and flagged.
pub async fn save_terms(ctx: Ctx, body: Bytes) -> PageResult {
    let f = admin_form(&ctx, &body)?;
    let mut terms = Vec::new();
    for (field, action) in [
        ("flagged", TermAction::Flag),
        ("blocked", TermAction::Block),
    ] {
        for line in f.get(field).lines().filter(|l| !l.trim().is_empty()) {
            terms.push(ModerationTerm {
                action,
                term: line.to_string(),
            });
        }
    }
    let r = m::set_terms(&ctx.st, ModerationTerms { terms })
        .await
        .map(|v| format!("Saved {} terms.", v.terms.len()));
    after(ctx, r).await
}

/// Chooses the review policy.
pub async fn save_policy(ctx: Ctx, body: Bytes) -> PageResult {
    let f = admin_form(&ctx, &body)?;
    let Some(p) = Policy::parse(&f.get("policy")) else {
        return render(
            ctx,
            StatusCode::BAD_REQUEST,
            Some("Choose a policy.".into()),
            None,
        )
        .await;
    };
    let r = m::set_policy(&ctx.st, p)
        .await
        .map(|v| format!("Policy: {}.", v.policy.label()));
    after(ctx, r).await
}
