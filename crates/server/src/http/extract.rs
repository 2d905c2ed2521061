//! Body extractors: a JSON body parsed whatever the Content-Type says, and any malformed input
//! answered with the endpoint family's own "bad request" code.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use reelbox_wire::ErrorCode;
use serde::de::DeserializeOwned;

use crate::http::context::{BodyHints, CallSlot};
use crate::http::error::ApiError;

/// Which "bad request" code an endpoint family speaks.
pub trait Dialect: Send + Sync + 'static {
    const INVALID: ErrorCode;
}

/// Posting endpoints: `invalid_param`.
pub struct Posting;
impl Dialect for Posting {
    const INVALID: ErrorCode = ErrorCode::InvalidParam;
}

/// Read endpoints: `invalid_params`.
pub struct Reading;
impl Dialect for Reading {
    const INVALID: ErrorCode = ErrorCode::InvalidParams;
}

/// The control API (`/_reelbox/`): `invalid_param`, the code of its other bad requests too.
pub struct Control;
impl Dialect for Control {
    const INVALID: ErrorCode = ErrorCode::InvalidParam;
}

/// A JSON body parsed whatever the Content-Type says (some clients send none, TikTok's own
/// examples send text/plain). An empty body reads as `{}`; unknown fields are ignored; anything
/// malformed, mistyped or oversized answers the dialect's code with the parser's explanation.
pub struct WireJson<T, D: Dialect = Posting>(pub T, pub std::marker::PhantomData<D>);

impl<S, T, D> FromRequest<S> for WireJson<T, D>
where
    S: Send + Sync,
    T: DeserializeOwned,
    D: Dialect,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let watch = req
            .extensions()
            .get::<BodyHints>()
            .cloned()
            .zip(req.extensions().get::<CallSlot>().cloned())
            .map(|(h, slot)| (h, slot, req.uri().path().to_string()));
        let WireBytes(bytes, _) = WireBytes::<D>::from_request(req, state).await?;
        let parsed = parse_json_body::<T>(&bytes).map_err(|m| ApiError::new(D::INVALID, m))?;
        // Unknown fields are ignored as TikTok ignores them; the near miss goes in a header.
        if let Some((BodyHints(st), slot, path)) = watch
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && let Some(hint) = st.hints.body(&path, &v)
        {
            slot.hint(hint);
        }
        Ok(WireJson(parsed, std::marker::PhantomData))
    }
}

/// The raw body of a request, for handlers that must look at it before parsing; a body that
/// cannot be read answers the dialect's code, as [`WireJson`] does.
pub struct WireBytes<D: Dialect = Posting>(pub Bytes, pub std::marker::PhantomData<D>);

impl<S, D> FromRequest<S> for WireBytes<D>
where
    S: Send + Sync,
    D: Dialect,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let msg = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "The request body is too large.".to_string()
            } else {
                format!("The request body could not be read: {e}")
            };
            ApiError::new(D::INVALID, msg)
        })?;
        Ok(WireBytes(bytes, std::marker::PhantomData))
    }
}

/// The parsing rule of [`WireJson`].
pub use reelbox_wire::parse_json_body;
