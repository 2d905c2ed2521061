//! Headers every answer gets for the browser's sake: no page may be framed by another site
//! (clickjacking of the consent and sign-in forms), nothing is content-sniffed (an uploaded file
//! is never run as HTML or script), and a page's address (which may carry `next`, `state` or a
//! post id) is not sent to other sites as the Referer.
use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Adds the headers: `nosniff` to every answer, the framing and referrer rules to HTML pages.
pub fn add(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("frame-ancestors 'none'"),
            );
        }
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    resp
}
