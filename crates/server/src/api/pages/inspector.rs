//! The live inspector pages: a developer's app (`/developers/apps/{key}/inspector`) and every
//! app for the operator (`/admin/inspector`). Each page reads its own stream (server-sent
//! events, `service::live`) behind the page's session, filtered by endpoint, code and creator.
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use reelbox_wire::control::LiveQuery;

use super::session::Ctx;
use super::{Nav, PageError, PageResult, html};

#[derive(Template)]
#[template(path = "inspector.html")]
struct InspectorPage {
    nav: Nav,
    title: String,
    back: String,
    stream: String,
    /// The guideline report page whose findings cite calls (per app only).
    report: Option<String>,
    report_js: String,
    all_apps: bool,
}

/// One of the developer's apps, live.
pub async fn app_page(ctx: Ctx, Path(key): Path<String>) -> PageResult {
    let a = super::portal::owned_app(&ctx, &key).await?;
    let base = format!("/developers/apps/{}", a.client_key);
    let report = format!("{base}/report");
    let page = html(&InspectorPage {
        nav: ctx.nav(),
        title: a.name.clone(),
        back: base.clone(),
        stream: format!("{base}/inspector/stream"),
        report_js: serde_json::to_string(&report).unwrap_or_default(),
        report: Some(report),
        all_apps: false,
    });
    Ok(ctx.respond((StatusCode::OK, page)))
}

/// The stream behind [`app_page`]: that app's calls only, whatever the query says.
pub async fn app_stream(
    ctx: Ctx,
    Path(key): Path<String>,
    Query(mut q): Query<LiveQuery>,
) -> PageResult {
    let a = super::portal::owned_app(&ctx, &key).await?;
    q.client_key = Some(a.client_key.clone());
    let s = crate::service::live::stream(&ctx.st, q)
        .map_err(|e| PageError::Message(e.status(), e.message))?;
    Ok(s.into_response())
}

/// Every app's calls, for the operator.
pub async fn admin_page(ctx: Ctx) -> PageResult {
    if !ctx.admin {
        return Err(PageError::Redirect("/admin".into()));
    }
    let page = html(&InspectorPage {
        nav: ctx.nav(),
        title: "all apps".into(),
        back: "/admin".into(),
        stream: "/admin/inspector/stream".into(),
        report: None,
        report_js: "null".into(),
        all_apps: true,
    });
    Ok(ctx.respond((StatusCode::OK, page)))
}

/// The stream behind [`admin_page`].
pub async fn admin_stream(ctx: Ctx, Query(q): Query<LiveQuery>) -> PageResult {
    if !ctx.admin {
        return Err(PageError::NotFound);
    }
    let s = crate::service::live::stream(&ctx.st, q)
        .map_err(|e| PageError::Message(e.status(), e.message))?;
    Ok(s.into_response())
}
