//! Every route in one place: the compatibility matrix as code. The OpenAPI document is generated
//! from the same handlers and types (`/openapi.json`).
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub mod control;
pub mod display;
pub mod hints;
pub mod metrics;
pub mod native;
pub mod oauth;
pub mod pages;
pub mod portability;
pub mod posting;
pub mod research;

#[derive(OpenApi)]
#[openapi(
    info(title = "reelbox", description = "TikTok v2-compatible OAuth and Content Posting API, plus reelbox's control API (/_reelbox/)."),
    modifiers(&Security),
    components(schemas(reelbox_wire::ErrorCode, reelbox_wire::ErrorBody))
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "admin",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "Operations", responses((status = 200, description = "ok")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The routes and their OpenAPI description.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        // OAuth (Login Kit v2)
        .routes(routes!(
            oauth::authorize::authorize_page,
            oauth::authorize::authorize_submit
        ))
        .routes(routes!(oauth::token::token))
        .routes(routes!(oauth::token::revoke))
        .routes(routes!(oauth::qr::get_qrcode))
        .routes(routes!(oauth::qr::check_qrcode))
        // Content Posting API
        .routes(routes!(posting::init::creator_info))
        .routes(routes!(posting::init::video_init))
        .routes(routes!(posting::init::inbox_video_init))
        .routes(routes!(posting::init::content_init))
        .routes(routes!(posting::status::status_fetch))
        .routes(routes!(posting::status::cancel))
        // Control API
        .routes(routes!(crate::api::control::apps::post_app))
        .routes(routes!(
            crate::api::control::apps::get_app,
            crate::api::control::apps::patch_app
        ))
        .routes(routes!(crate::api::control::apps::post_app_secret))
        .routes(routes!(crate::api::control::creators::post_creator))
        .routes(routes!(
            crate::api::control::creators::get_creator,
            crate::api::control::creators::patch_creator
        ))
        .routes(routes!(crate::api::control::tokens::post_token))
        .routes(routes!(
            crate::api::control::clock::get_clock,
            crate::api::control::clock::post_clock
        ))
        .routes(routes!(crate::api::control::publishes::get_publishes))
        .routes(routes!(crate::api::control::publishes::get_inbox))
        .routes(routes!(crate::api::control::publishes::post_inbox_draft))
        .routes(routes!(crate::api::control::publishes::delete_video))
        .routes(routes!(crate::api::control::inspect::get_webhooks))
        .routes(routes!(crate::api::control::inspect::get_calls))
        .routes(routes!(crate::api::control::inspect::live_calls))
        .routes(routes!(crate::api::control::workbench::live_deliveries))
        .routes(routes!(crate::api::control::workbench::trigger))
        .routes(routes!(crate::api::control::workbench::resend))
        .routes(routes!(
            crate::api::control::workbench::attempts,
            crate::api::control::workbench::report_attempt
        ))
        .routes(routes!(
            crate::api::control::faults::post_fault,
            crate::api::control::faults::get_faults,
            crate::api::control::faults::delete_faults
        ))
        .routes(routes!(crate::api::control::faults::get_fault_scenarios))
        .routes(routes!(crate::api::control::report::get_report))
        .routes(routes!(crate::api::control::sweeper::get_sweeper))
        .routes(routes!(crate::api::control::sweeper::post_sweeper_run))
        .routes(routes!(crate::api::control::moderation::get_queue))
        .routes(routes!(crate::api::control::moderation::post_decision))
        .routes(routes!(
            crate::api::control::moderation::get_terms,
            crate::api::control::moderation::put_terms
        ))
        .routes(routes!(
            crate::api::control::moderation::get_policy,
            crate::api::control::moderation::put_policy
        ))
        .routes(routes!(crate::api::control::moderation::get_audit))
        // Control API for test suites: reset, snapshots, seed files
        .routes(routes!(crate::api::control::testing::post_reset))
        .routes(routes!(
            crate::api::control::testing::get_snapshot,
            crate::api::control::testing::put_snapshot
        ))
        .routes(routes!(crate::api::control::testing::post_seed_apply))
        .routes(routes!(
            crate::api::control::settings::get_settings,
            crate::api::control::settings::put_settings
        ))
        // Control API of the read side: a synthetic corpus, engagement, lists and shops
        .routes(routes!(crate::api::control::corpus::post_seed))
        .routes(routes!(crate::api::control::corpus::post_activity))
        .routes(routes!(crate::api::control::lists::post_like))
        .routes(routes!(crate::api::control::lists::post_repost))
        .routes(routes!(crate::api::control::lists::put_pins))
        .routes(routes!(crate::api::control::lists::post_playlist))
        .routes(routes!(crate::api::control::lists::patch_list_privacy))
        .routes(routes!(crate::api::control::lists::post_shop))
        .routes(routes!(crate::api::control::ads::post_ad))
        // Display API, Research API, reelbox research extensions
        .routes(routes!(crate::api::display::user_info))
        .routes(routes!(crate::api::display::video_list))
        .routes(routes!(crate::api::display::video_query))
        .routes(routes!(crate::api::research::videos::video_query))
        .routes(routes!(crate::api::research::videos::user_info))
        .routes(routes!(crate::api::research::videos::comment_list))
        .routes(routes!(crate::api::research::videos::followers))
        .routes(routes!(crate::api::research::videos::following))
        .routes(routes!(crate::api::native::hashtag_query))
        .routes(routes!(crate::api::native::hashtag_trend))
        .routes(routes!(crate::api::native::music_query))
        .routes(routes!(crate::api::native::music_trend))
        .routes(routes!(crate::api::native::shop::product_query))
        .routes(routes!(crate::api::research::lists::liked_videos))
        .routes(routes!(crate::api::research::lists::pinned_videos))
        .routes(routes!(crate::api::research::lists::reposted_videos))
        .routes(routes!(crate::api::research::lists::playlist_info))
        .routes(routes!(crate::api::research::tts::shop))
        .routes(routes!(crate::api::research::tts::product))
        .routes(routes!(crate::api::research::tts::review))
        .routes(routes!(crate::api::research::compliance::create))
        .routes(routes!(crate::api::research::compliance::status))
        .routes(routes!(crate::api::research::compliance::download))
        .routes(routes!(crate::api::research::adlib::ad_query))
        .routes(routes!(crate::api::research::adlib::ad_detail))
        .routes(routes!(crate::api::research::adlib::advertiser_query))
        .routes(routes!(crate::api::research::adlib::ad_report))
        // Data Portability
        .routes(routes!(crate::api::portability::add))
        .routes(routes!(crate::api::portability::check))
        .routes(routes!(crate::api::portability::cancel))
        .routes(routes!(crate::api::portability::download))
        .split_for_parts()
}

/// The whole document: the API routes plus the upload URL (served apart, without a timeout).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api().1;
    let (_, uploads): (Router<AppState>, _) = OpenApiRouter::new()
        .routes(routes!(posting::upload::put_chunk))
        .split_for_parts();
    doc.merge(uploads);
    doc
}

/// Every path template the main listener routes (the metrics' route labels).
pub fn route_templates() -> Vec<String> {
    let doc = openapi();
    let mut paths: Vec<String> = doc.paths.paths.keys().cloned().collect();
    paths.extend(
        ["/openapi.json", STYLESHEET, metrics::PATH]
            .into_iter()
            .chain(pages::paths())
            .map(str::to_string),
    );
    paths
}

/// What `metrics.listen` serves: `/metrics` alone.
pub fn metrics_router(st: AppState) -> Router {
    Router::new()
        .route(metrics::PATH, get(metrics::scrape))
        .with_state(st)
}

const STYLESHEET: &str = "/static/reelbox.css";

async fn openapi_json() -> Response {
    axum::Json(openapi()).into_response()
}

/// The whole service. The middleware wraps the router once, as a tower stack, rather than
/// through `Router::layer`, which wraps every route on its own and so boxes each layer's future
/// (and clones each boxed service) on every request.
pub fn router(
    st: AppState,
) -> impl tower::Service<
    Request,
    Response = Response,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    let limits = st.cfg.limits.clone();
    let (api, _) = api();
    let mut timed = api
        .route("/openapi.json", get(openapi_json))
        .route(STYLESHEET, get(crate::api::pages::render::stylesheet))
        .merge(crate::api::pages::router());
    if st.cfg.metrics.enabled {
        timed = timed.route(metrics::PATH, get(metrics::scrape));
    }
    // Uploads stream for as long as the client sends: the request middleware exempts this path
    // from the request timeout.
    let uploads = Router::new().route(
        crate::http::limits::UPLOAD_PATH,
        axum::routing::put(posting::upload::put_chunk),
    );
    let app = timed
        .merge(uploads)
        .fallback(crate::http::fallback::fallback)
        .method_not_allowed_fallback(crate::http::fallback::method_not_allowed)
        .with_state(st.clone());
    tower::ServiceBuilder::new()
        // Runs last, on the answer as the client gets it.
        .map_response(crate::http::page_headers::add)
        .map_response(IntoResponse::into_response)
        .layer(CatchPanicLayer::custom(
            crate::http::fallback::panic_response,
        ))
        // Also refuses oversized header blocks before any handler runs.
        .layer(axum::middleware::from_fn_with_state(
            st,
            crate::http::context::request_context,
        ))
        .layer(DefaultBodyLimit::max(limits.max_json_body_bytes))
        .service(app)
}
