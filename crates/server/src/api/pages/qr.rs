//! The QR login's pages (Login Kit with QR code, `service::qr`): the phone page the scan URL
//! stands for, where the creator signs in and confirms with the web flow's consent rules and
//! words, and a TV page that shows the QR code as a real image and follows the login's status.
use askama::Template;
use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use bytes::Bytes;
use reelbox_core::qr::{self, Scanned};
use reelbox_core::{scopes, secrets};
use reelbox_store::apps::App;
use reelbox_store::creators::Creator;
use reelbox_store::qr::QrLogin;
use serde::Deserialize;

use super::render::{MessagePage, render};
use super::session::{Ctx, Kind};
use super::{FormData, PageError, PageResult};
use crate::service::qr::{self as service, ScanRefusal};

/// Pixels per QR module, and the quiet zone in modules (ISO/IEC 18004 asks for four).
const MODULE_PX: usize = 8;
const QUIET_MODULES: usize = 4;

#[derive(Template)]
#[template(path = "qr_authorize.html")]
struct PhonePage<'a> {
    app_name: &'a str,
    client_key: &'a str,
    client_ticket: &'a str,
    qr_id: &'a str,
    scopes: Vec<(String, &'static str)>,
    csrf: &'a str,
    username: &'a str,
    error: Option<String>,
    signed_in_as: Option<String>,
}

#[derive(Template)]
#[template(path = "qr_tv.html")]
struct TvPage<'a> {
    app_name: &'a str,
    scan_url_encoded: String,
    phone_query: String,
    qr_id: &'a str,
    status: &'a str,
    size: usize,
}

fn refusal(r: ScanRefusal) -> PageError {
    let msg = match r {
        ScanRefusal::Invalid => "This QR code is not a reelbox login code.",
        ScanRefusal::Expired => {
            "This QR code has expired. Ask the app on your other device for a new one."
        }
        ScanRefusal::Used => {
            "This QR code was already used. Ask the app on your other device for a new one."
        }
    };
    PageError::Message(StatusCode::BAD_REQUEST, msg.into())
}

fn phone_page(
    ctx: &Ctx,
    app: &App,
    login: &QrLogin,
    scanned: &Scanned,
    username: &str,
    error: Option<String>,
) -> axum::response::Html<String> {
    render(&PhonePage {
        app_name: &app.name,
        client_key: &app.client_key,
        client_ticket: &scanned.client_ticket,
        qr_id: &login.id,
        scopes: login
            .scopes
            .iter()
            .map(|s| (s.clone(), scopes::describe(s)))
            .collect(),
        csrf: &ctx.csrf,
        username,
        error,
        signed_in_as: ctx.creator.as_ref().map(|c| c.username.clone()),
    })
}

/// `GET /qr/authorize?client_key=…&client_ticket=…&qr_id=…`: what scanning the code opens (the
/// scan URL's parameters). Opening it moves the login to `scanned`.
pub async fn phone_page_get(ctx: Ctx, Query(pairs): Query<Vec<(String, String)>>) -> PageResult {
    let scanned = qr::scanned_from_pairs(pairs).map_err(|m| {
        PageError::Message(
            StatusCode::BAD_REQUEST,
            format!("Not a login QR code: {m}."),
        )
    })?;
    let (login, app) = service::open_scan(&ctx.st, &scanned)
        .await?
        .map_err(refusal)?;
    let page = phone_page(&ctx, &app, &login, &scanned, "", None);
    Ok(ctx.respond(page))
}

/// `POST /qr/authorize`: sign in (or the web session) and confirm or cancel.
pub async fn phone_page_post(ctx: Ctx, body: Bytes) -> PageResult {
    let f = FormData::parse(&body);
    ctx.check_csrf(&f.get("csrf"))?;
    let scanned = qr::scanned_from_pairs(
        ["client_key", "client_ticket", "qr_id"].map(|k| (k.to_string(), f.get(k))),
    )
    .map_err(|m| {
        PageError::Message(
            StatusCode::BAD_REQUEST,
            format!("Not a login QR code: {m}."),
        )
    })?;
    let (login, app) = service::open_scan(&ctx.st, &scanned)
        .await?
        .map_err(refusal)?;
    let done = |title: &'static str, message: String| {
        Ok::<_, PageError>(
            render(&MessagePage {
                title,
                message: &message,
            })
            .into_response(),
        )
    };
    if f.get("decision") != "approve" {
        service::decide(&ctx.st, &login, None, None).await?;
        let r = done("Cancelled", format!("You did not log in to {}.", app.name))?;
        return Ok(ctx.respond(r));
    }
    let username = f.get("username");
    let creator = match consenting_creator(&ctx, &username, &f.get("password")).await? {
        Ok(c) => c,
        Err((status, msg)) => {
            let page = phone_page(&ctx, &app, &login, &scanned, &username, Some(msg.into()));
            return Ok(ctx.respond((status, page)));
        }
    };
    if let Err(why) = crate::service::audit::may_authorize(&app, &creator.username) {
        service::decide(&ctx.st, &login, Some(&creator.id), None).await?;
        return Err(PageError::Message(StatusCode::FORBIDDEN, why));
    }
    let boxes = f.all("grant");
    let granted: Vec<String> = login
        .scopes
        .iter()
        .filter(|s| boxes.iter().any(|b| b == *s))
        .cloned()
        .collect();
    if granted.is_empty() {
        service::decide(&ctx.st, &login, Some(&creator.id), None).await?;
        let r = done("Cancelled", "No permission was granted.".into())?;
        return Ok(ctx.respond(r));
    }
    if !service::decide(&ctx.st, &login, Some(&creator.id), Some(granted)).await? {
        return Err(refusal(ScanRefusal::Expired));
    }
    let r = done(
        "Confirmed",
        format!("You are logging in to {} on your other device.", app.name),
    )?;
    Ok(ctx.respond(r))
}

/// The creator behind the form: the web session when no credentials were typed, else the
/// username and password, limited per address and account like the sign-in page.
async fn consenting_creator(
    ctx: &Ctx,
    username: &str,
    password: &str,
) -> Result<Result<Creator, (StatusCode, &'static str)>, PageError> {
    if username.is_empty()
        && password.is_empty()
        && let Some(c) = &ctx.creator
    {
        return Ok(Ok(c.clone()));
    }
    if !ctx.signin_allowed(Kind::Creator, username) {
        return Ok(Err((
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-in attempts; wait a minute.",
        )));
    }
    let c = ctx.st.store.creator_by_username(username).await?;
    Ok(match c {
        Some(c)
            if c.password_hash
                .as_deref()
                .is_some_and(|h| secrets::verify_password(password, h)) =>
        {
            Ok(c)
        }
        _ => Err((StatusCode::UNAUTHORIZED, "Wrong username or password.")),
    })
}

#[derive(Deserialize)]
pub struct ScanUrl {
    scan_url: String,
}

/// `GET /qr/tv?scan_url=…`: the QR code of a scan URL (ticket filled in), as a TV shows it,
/// with the login's status kept current.
pub async fn tv_page(ctx: Ctx, Query(q): Query<ScanUrl>) -> PageResult {
    let scanned = qr::parse_scan_url(&q.scan_url).map_err(|m| {
        PageError::Message(
            StatusCode::BAD_REQUEST,
            format!("Not a login QR code: {m}."),
        )
    })?;
    let login = ctx
        .st
        .store
        .qr_login(&scanned.qr_id)
        .await?
        .filter(|l| l.client_key == scanned.client_key)
        .ok_or_else(|| refusal(ScanRefusal::Invalid))?;
    let app = ctx
        .st
        .store
        .app(&login.client_key)
        .await?
        .ok_or_else(|| refusal(ScanRefusal::Invalid))?;
    let status = service::status(&ctx.st, &login.id)
        .await?
        .unwrap_or("expired");
    let width = qr_png(&q.scan_url).map(|(_, w)| w).unwrap_or(0);
    let phone_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_key", &scanned.client_key)
        .append_pair("client_ticket", &scanned.client_ticket)
        .append_pair("qr_id", &scanned.qr_id)
        .finish();
    let page = render(&TvPage {
        app_name: &app.name,
        scan_url_encoded: urlencoding::encode(&q.scan_url).into_owned(),
        phone_query,
        qr_id: &login.id,
        status,
        size: width,
    });
    Ok(ctx.respond(page))
}

/// `GET /qr/code.png?scan_url=…`: the scan URL as a QR code image (PNG).
pub async fn code_png(Query(q): Query<ScanUrl>) -> PageResult {
    qr::parse_scan_url(&q.scan_url).map_err(|m| {
        PageError::Message(
            StatusCode::BAD_REQUEST,
            format!("Not a login QR code: {m}."),
        )
    })?;
    let (png, _) = qr_png(&q.scan_url).ok_or_else(|| {
        PageError::Message(
            StatusCode::BAD_REQUEST,
            "The URL is too long for a QR code.".into(),
        )
    })?;
    let mut resp = png.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[derive(Deserialize)]
pub struct QrId {
    qr_id: String,
}

/// `GET /qr/status?qr_id=…`: `{"status": …}` for the TV page (no code, no ticket).
pub async fn status_json(ctx: Ctx, Query(q): Query<QrId>) -> PageResult {
    let status = service::status(&ctx.st, &q.qr_id)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok(ctx.respond(axum::Json(serde_json::json!({ "status": status }))))
}

/// A QR code as an 8-bit greyscale PNG and its width in pixels; None when `text` does not fit.
fn qr_png(text: &str) -> Option<(Vec<u8>, usize)> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_MODULES) * MODULE_PX;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET_MODULES, i / modules + QUIET_MODULES);
        for y in my * MODULE_PX..(my + 1) * MODULE_PX {
            pixels[y * side + mx * MODULE_PX..y * side + (mx + 1) * MODULE_PX].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header().ok()?.write_image_data(&pixels).ok()?;
    }
    Some((out, side))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_image_holds_the_url() {
        let url = "aweme://authorize?authType=100&client_key=k&client_ticket=t&qr_id=q";
        let (png, side) = super::qr_png(url).unwrap();
        let mut dec = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; dec.output_buffer_size()];
        let info = dec.next_frame(&mut buf).unwrap();
        assert_eq!((info.width as usize, info.height as usize), (side, side));
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| buf[y * side + x]);
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].decode().unwrap().1, url);
    }
}
