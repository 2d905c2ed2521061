//! The web pages: sign-in, the creator's inbox, public profiles and watch pages (with media served
//! by byte ranges), hashtags, the developer portal and the operator's admin view. Server-rendered
//! askama templates; every form works without JavaScript and carries a CSRF token.
pub mod account;
pub mod admin;
pub mod embed;
pub mod inbox;
pub mod inspector;
pub mod media;
pub mod moderation;
pub mod portal;
pub mod profile;
pub mod qr;
pub mod render;
pub mod session;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use reelbox_wire::posting::PrivacyLevel;

use crate::api::pages::render::{MessagePage, found, render};
use crate::state::AppState;

/// All page routes; merged into the main router by `routes::router`.
pub fn router() -> Router<AppState> {
    routes().router
}

/// The page routes' path templates (the metrics' route labels).
pub fn paths() -> Vec<&'static str> {
    routes().paths
}

/// A router that remembers the paths it was given.
#[derive(Default)]
struct Pages {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Pages {
    fn route(mut self, path: &'static str, handler: axum::routing::MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, handler);
        self.paths.push(path);
        self
    }
}

fn routes() -> Pages {
    Pages::default()
        .route("/", get(profile::home))
        .route("/signin", get(account::signin_page).post(account::signin))
        .route("/signout", post(account::signout))
        .route("/account", get(account::account_page))
        .route(
            "/account/apps/{client_key}/disconnect",
            post(account::disconnect_app),
        )
        .route("/inbox", get(inbox::inbox_page))
        .route("/inbox/{publish_id}/post", post(inbox::post_draft))
        .route("/inbox/{publish_id}/discard", post(inbox::discard_draft))
        .route("/inbox/{publish_id}/media", get(media::draft_media))
        .route("/@{username}", get(profile::profile_page))
        .route("/@{username}/follow", post(profile::follow))
        .route("/@{username}/video/{post_id}", get(profile::watch_page))
        .route("/@{username}/video/{post_id}/like", post(profile::like))
        .route(
            "/@{username}/video/{post_id}/comment",
            post(profile::comment),
        )
        .route(
            "/@{username}/video/{post_id}/report",
            post(moderation::report),
        )
        .route("/tag/{name}", get(profile::tag_page))
        .route("/media/{post_id}/video", get(media::post_video))
        .route("/media/{post_id}/cover", get(media::post_cover))
        .route(
            "/media/{post_id}/rendition/{side}",
            get(media::post_rendition),
        )
        .route("/embed/v2/{post_id}", get(embed::embed_page))
        .route("/media/{post_id}/photo/{index}", get(media::post_photo))
        .route("/developers", get(portal::portal_page))
        .route("/developers/signup", post(portal::signup))
        .route("/developers/signin", post(portal::signin))
        .route("/developers/signout", post(portal::signout))
        .route("/developers/apps", post(portal::create_app))
        .route(
            "/developers/apps/{client_key}",
            get(portal::app_page).post(portal::update_app),
        )
        .route(
            "/developers/apps/{client_key}/secret",
            post(portal::reveal_secret),
        )
        .route(
            "/developers/apps/{client_key}/rotate",
            post(portal::rotate_secret),
        )
        .route(
            "/developers/apps/{client_key}/compat",
            post(portal::choose_compat),
        )
        .route(
            "/developers/apps/{client_key}/report",
            get(portal::report_page),
        )
        .route(
            "/developers/apps/{client_key}/audit",
            post(portal::request_audit),
        )
        .route(
            "/developers/apps/{client_key}/inspector",
            get(inspector::app_page),
        )
        .route(
            "/developers/apps/{client_key}/inspector/stream",
            get(inspector::app_stream),
        )
        .route("/admin/inspector", get(inspector::admin_page))
        .route("/admin/inspector/stream", get(inspector::admin_stream))
        .route("/admin", get(admin::admin_page))
        .route("/admin/signin", post(admin::signin))
        .route("/admin/signout", post(admin::signout))
        .route("/admin/apps/{client_key}/approve", post(admin::approve))
        .route("/admin/creators/{username}", post(admin::update_creator))
        .route("/admin/settings", post(admin::save_settings))
        .route("/admin/moderation", get(moderation::moderation_page))
        .route(
            "/admin/moderation/cases/{case_id}",
            post(moderation::decide),
        )
        .route("/admin/moderation/terms", post(moderation::save_terms))
        .route("/admin/moderation/policy", post(moderation::save_policy))
        .route(
            "/qr/authorize",
            get(qr::phone_page_get).post(qr::phone_page_post),
        )
        .route("/qr/tv", get(qr::tv_page))
        .route("/qr/code.png", get(qr::code_png))
        .route("/qr/status", get(qr::status_json))
}

/// What the page header shows on every page.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub username: Option<String>,
    pub developer: Option<String>,
    pub admin: bool,
    pub csrf: String,
}

/// Why a page could not be shown; rendered as an HTML page (never the JSON envelope).
#[derive(Debug)]
pub enum PageError {
    NotFound,
    Csrf,
    Redirect(String),
    /// A refusal the person can act on, with its status.
    Message(StatusCode, String),
    Internal(anyhow::Error),
}

impl From<reelbox_store::StoreError> for PageError {
    fn from(e: reelbox_store::StoreError) -> Self {
        PageError::Internal(e.into())
    }
}

impl From<crate::http::error::ApiError> for PageError {
    fn from(e: crate::http::error::ApiError) -> Self {
        match e.cause {
            Some(c) => PageError::Internal(c),
            None => PageError::Message(e.status(), e.message),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            PageError::Redirect(to) => return found(&to),
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here, or it is not shared with you.".to_string(),
            ),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "The form could not be verified. Go back, reload the page and try again.".into(),
            ),
            PageError::Message(s, m) => (s, "Cannot do that", m),
            PageError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Something went wrong on the server; try again later.".into(),
                )
            }
        };
        let mut resp = (
            status,
            render(&MessagePage {
                title,
                message: &message,
            }),
        )
            .into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

pub type PageResult = Result<Response, PageError>;

/// Renders a template as a 200 page.
pub fn html<T: Template>(t: &T) -> Html<String> {
    render(t)
}

pub use reelbox_core::form::FormData;

/// Who looks at a post, relative to its creator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    pub is_creator: bool,
    /// The viewer follows the creator.
    pub follows: bool,
    /// The creator follows the viewer.
    pub followed_by: bool,
}

/// Whether a post with `privacy_level` may be shown to a viewer in `rel`: public posts to all,
/// followers-only to followers, friends-only to mutual followers, `SELF_ONLY` to the creator;
/// anything unknown to nobody but the creator.
pub fn visible(privacy_level: &str, rel: Relation) -> bool {
    if rel.is_creator {
        return true;
    }
    match PrivacyLevel::parse(privacy_level) {
        Some(PrivacyLevel::PublicToEveryone) => true,
        Some(PrivacyLevel::FollowerOfCreator) => rel.follows,
        Some(PrivacyLevel::MutualFollowFriends) => rel.follows && rel.followed_by,
        Some(PrivacyLevel::SelfOnly) | None => false,
    }
}

/// The viewer's relation to `creator_id` (two indexed lookups when signed in).
pub async fn relation(
    st: &AppState,
    viewer: Option<&reelbox_store::creators::Creator>,
    creator_id: &str,
) -> Result<Relation, PageError> {
    let Some(v) = viewer else {
        return Ok(Relation::default());
    };
    if v.id == creator_id {
        return Ok(Relation {
            is_creator: true,
            follows: false,
            followed_by: false,
        });
    }
    Ok(Relation {
        is_creator: false,
        follows: st.store.follows(&v.id, creator_id).await?,
        followed_by: st.store.follows(creator_id, &v.id).await?,
    })
}

/// Plain words for a privacy level.
pub fn privacy_label(level: &str) -> &'static str {
    PrivacyLevel::parse(level)
        .map(|p| p.label())
        .unwrap_or("Unknown")
}

/// A compact count: 1234 → "1.2K".
pub fn compact(n: i64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1_000_000.0),
        n if n >= 10_000 => format!("{}K", n / 1000),
        n if n >= 1_000 => format!("{:.1}K", n as f64 / 1000.0),
        n => n.to_string(),
    }
}

/// A UTC date-time for people: "2026-11-26 14:05".
pub fn when(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000) / 1000;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(is_creator: bool, follows: bool, followed_by: bool) -> Relation {
        Relation {
            is_creator,
            follows,
            followed_by,
        }
    }

    #[test]
    fn privacy_rules() {
        let anon = Relation::default();
        assert!(visible("PUBLIC_TO_EVERYONE", anon));
        assert!(!visible("SELF_ONLY", anon));
        assert!(!visible("SELF_ONLY", rel(false, true, true)));
        assert!(visible("SELF_ONLY", rel(true, false, false)));
        assert!(!visible("FOLLOWER_OF_CREATOR", anon));
        assert!(visible("FOLLOWER_OF_CREATOR", rel(false, true, false)));
        assert!(!visible("FOLLOWER_OF_CREATOR", rel(false, false, true)));
        assert!(!visible("MUTUAL_FOLLOW_FRIENDS", rel(false, true, false)));
        assert!(!visible("MUTUAL_FOLLOW_FRIENDS", rel(false, false, true)));
        assert!(visible("MUTUAL_FOLLOW_FRIENDS", rel(false, true, true)));
        assert!(!visible("SOMETHING_ELSE", rel(false, true, true)));
    }

    #[test]
    fn forms_keep_repeated_names() {
        let f = FormData::parse(
            b"scope=a&scope=b&x=+1+&c=on&uris=https%3A%2F%2Fa%2F%0Ahttps%3A%2F%2Fb%2F",
        );
        assert_eq!(f.all("scope"), vec!["a", "b"]);
        assert_eq!(f.get("x"), "1");
        assert!(f.checked("c"));
        assert!(!f.checked("d"));
        assert_eq!(f.list("uris"), vec!["https://a/", "https://b/"]);
    }

    #[test]
    fn dates_and_counts() {
        assert_eq!(when(0), "1970-01-01 00:00");
        assert_eq!(when(1_795_000_000_000), "2026-11-18 11:06");
        assert_eq!(compact(999), "999");
        assert_eq!(compact(1234), "1.2K");
        assert_eq!(compact(25_000), "25K");
        assert_eq!(compact(3_400_000), "3.4M");
    }
}
