//! Login Kit with QR code (wire reference `more-v2-products.md` §2): flat OAuth JSON, like the
//! token endpoint; failures are [`crate::oauth::OAuthError`].
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Form body of `POST /v2/oauth/get_qrcode/`. No client secret: the QR is shown to anyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GetQrcodeRequest {
    #[serde(default)]
    pub client_key: Option<String>,
    /// Comma-separated scopes the creator is asked to grant.
    #[serde(default)]
    pub scope: Option<String>,
    /// Echoed back by `check_qrcode` once confirmed.
    #[serde(default)]
    pub state: Option<String>,
}

/// Success of `get_qrcode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GetQrcodeResponse {
    /// `aweme://authorize?…&client_ticket=tobefilled&…`: the app puts its ticket in place of
    /// `tobefilled` and renders the URL as a QR code.
    pub scan_qrcode_url: String,
    /// What the app polls `check_qrcode` with.
    pub token: String,
}

/// Form body of `POST /v2/oauth/check_qrcode/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckQrcodeRequest {
    #[serde(default)]
    pub client_key: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
}

/// Success of `check_qrcode`. `status` is `new`, `scanned`, `confirmed`, `expired` or
/// `utilised`; the code comes once, with `confirmed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckQrcodeResponse {
    /// The app's ticket; empty for `new` and `expired`.
    pub client_ticket: String,
    /// The authorization code (`confirmed` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The app's first registered redirect URI with `?code=` (`confirmed` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// The `state` sent to `get_qrcode` (`confirmed` only, when one was sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub status: String,
}
