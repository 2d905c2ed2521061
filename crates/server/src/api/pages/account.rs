//! Creator sign-in and sign-out, and the account page: connected apps, each with Disconnect.
use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use reelbox_core::secrets;
use std::collections::HashMap;

use super::session::{Ctx, FORM_TOO_LARGE, Kind, read_signin_form};
use super::{FormData, Nav, PageResult, html, when};
use crate::api::pages::render::found;

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    nav: Nav,
    next: String,
    username: String,
    error: Option<String>,
}

/// Only paths of this site are followed after sign-in (no open redirect): `next` is resolved the
/// way a browser resolves a `Location` (WHATWG URL parsing strips tabs and newlines and reads `\\`
/// as `/`, so `/\t/evil` is `//evil`), and kept only if it stays on this origin and was written
/// as a path; the answer is its path and query, re-serialised.
pub fn safe_next(next: &str) -> String {
    const FALLBACK: &str = "/inbox";
    // Any origin does: only whether the origin changes matters.
    let base = url::Url::parse("http://reelbox.invalid/").expect("literal");
    let written_as_path = next.starts_with('/') && !next.bytes().any(|b| b.is_ascii_control());
    match base.join(next) {
        // A path that normalises to `//…` would read as another host once emitted alone.
        Ok(u) if written_as_path && u.origin() == base.origin() && !u.path().starts_with("//") => {
            match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            }
        }
        _ => FALLBACK.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_path_of_this_site_or_the_inbox() {
        for bad in [
            "//evil.example/",
            "/\\evil.example/",
            "\\\\evil.example",
            "/\t/evil.example/",
            "/\n/evil.example/",
            " //evil.example/",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/.//evil.example/",
            "/x/..//evil.example/",
            "",
        ] {
            assert_eq!(safe_next(bad), "/inbox", "{bad:?}");
        }
        assert_eq!(safe_next("/@alice?tab=liked"), "/@alice?tab=liked");
        assert_eq!(safe_next("/%2F%2Fevil.example/"), "/%2F%2Fevil.example/");
        assert_eq!(safe_next("/inbox#x"), "/inbox");
    }
}

/// The creator sign-in form.
pub async fn signin_page(ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let next = safe_next(q.get("next").map(String::as_str).unwrap_or("/inbox"));
    let page = html(&SigninPage {
        nav: ctx.nav(),
        next,
        username: String::new(),
        error: None,
    });
    Ok(ctx.respond(page))
}

/// Checks the password, starts a session and goes on to `next`.
pub async fn signin(mut ctx: Ctx, body: Body) -> PageResult {
    let Some(f) = read_signin_form(body).await else {
        let page = html(&SigninPage {
            nav: ctx.nav(),
            next: "/inbox".into(),
            username: String::new(),
            error: Some(FORM_TOO_LARGE.into()),
        });
        return Ok(ctx.respond((StatusCode::PAYLOAD_TOO_LARGE, page)));
    };
    ctx.check_csrf(&f.get("csrf"))?;
    let username = f.get("username").trim_start_matches('@').to_string();
    let next = safe_next(&f.get("next"));
    let refuse = |ctx: Ctx, status: StatusCode, msg: &str| {
        let page = html(&SigninPage {
            nav: ctx.nav(),
            next: next.clone(),
            username: username.clone(),
            error: Some(msg.to_string()),
        });
        ctx.respond((status, page))
    };
    if !ctx.signin_allowed(Kind::Creator, &username) {
        return Ok(refuse(
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-in attempts; wait a minute and try again.",
        ));
    }
    let creator = ctx.st.store.creator_by_username(&username).await?;
    let password =
        f.0.iter()
            .find(|(k, _)| k == "password")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
    match creator {
        Some(c)
            if c.password_hash
                .as_deref()
                .is_some_and(|h| secrets::verify_password(password, h)) =>
        {
            ctx.sign_in(Kind::Creator, &c.id).await?;
            Ok(ctx.respond(found(&next)))
        }
        _ => Ok(refuse(
            ctx,
            StatusCode::UNAUTHORIZED,
            "Wrong username or password.",
        )),
    }
}

/// Ends the creator's session.
pub async fn signout(mut ctx: Ctx, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    ctx.sign_out(Kind::Creator).await?;
    Ok(ctx.respond(found("/").into_response()))
}

/// One app the creator has authorized.
struct ConnectedApp {
    client_key: String,
    name: String,
    since: String,
    scopes: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    nav: Nav,
    username: String,
    apps: Vec<ConnectedApp>,
    disconnected: bool,
}

/// The creator's account page: the apps holding a live authorization.
pub async fn account_page(ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let c = ctx.require_creator("/account")?.clone();
    let mut apps = Vec::new();
    for g in ctx.st.store.grants_of_creator(&c.id).await? {
        let name = match ctx.st.store.app(&g.client_key).await? {
            Some(a) => a.name.clone(),
            None => continue,
        };
        let scopes: Vec<String> = serde_json::from_str(&g.scopes).unwrap_or_default();
        apps.push(ConnectedApp {
            client_key: g.client_key.clone(),
            name,
            since: when(g.created_at),
            scopes: scopes.join(", "),
        });
    }
    let page = html(&AccountPage {
        nav: ctx.nav(),
        username: c.username.clone(),
        apps,
        disconnected: q.contains_key("disconnected"),
    });
    Ok(ctx.respond(page))
}

/// Disconnects an app: revokes every token and unused code of its grant and sends the app
/// `authorization.removed` with reason 1 (the user disconnected it).
pub async fn disconnect_app(ctx: Ctx, Path(client_key): Path<String>, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let c = ctx.require_creator("/account")?.clone();
    if let Some(g) = ctx.st.store.grant_for(&client_key, &c.id).await? {
        crate::service::tokens::revoke_grant(&ctx.st, &g.id, 1).await?;
    }
    Ok(ctx.respond(found("/account?disconnected=1")))
}
