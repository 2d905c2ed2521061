//! Which TikTok reelbox imitates. A **profile** is a named, dated set of TikTok behaviours (token
//! lifetimes and rotation, event spellings, fields), one per generation of TikTok's pages, so a
//! client written against either is tested against what it expects. A **leniency** is something
//! reelbox accepts and TikTok does not: served by default (generic OAuth libraries need some),
//! recorded against the app, and refused in strict mode with the answer TikTok gives.
//!
//! Adding a profile is one entry in [`PROFILES`] plus its tests; docs/compatibility.md shows the
//! table with the page each value comes from.
use reelbox_wire::ErrorCode;

pub use crate::oauth::Rotation;

/// A dated set of TikTok behaviours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// `compat.profile` and the per-app setting name it.
    pub name: &'static str,
    /// The month of the TikTok pages it follows.
    pub docs_as_of: &'static str,
    /// `expires_in` of a user access token.
    pub access_token_ttl_secs: i64,
    /// Lifetime of a refresh token from the authorization; `refresh_expires_in` counts down.
    pub refresh_token_ttl_secs: i64,
    pub rotation: Rotation,
    /// The Display API's video object has `is_aigc`.
    pub display_is_aigc: bool,
    /// The event sent when a post stops being public (TikTok's table prints "publicaly").
    pub no_longer_public_event: &'static str,
    /// How long a new video takes to appear in Research API results (when the lag is on).
    pub research_lag_secs: i64,
}

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;

/// What TikTok's current pages (2026) document: the default.
pub const TIKTOK_2026_11: Profile = Profile {
    name: "tiktok-2026-11",
    docs_as_of: "2026-11",
    access_token_ttl_secs: 2 * HOUR,
    refresh_token_ttl_secs: 180 * DAY,
    rotation: Rotation::Strict,
    display_is_aigc: true,
    no_longer_public_event: "post.publish.no_longer_publicaly_available",
    research_lag_secs: 48 * HOUR,
};

/// What TikTok's older `doc/…` pages document, which clients in the field were written against.
pub const TIKTOK_2024: Profile = Profile {
    name: "tiktok-2024",
    docs_as_of: "2024",
    access_token_ttl_secs: DAY,
    refresh_token_ttl_secs: 365 * DAY,
    rotation: Rotation::Grace,
    display_is_aigc: false,
    no_longer_public_event: "post.publish.no_longer_publicaly_available",
    research_lag_secs: 48 * HOUR,
};

/// Every profile, the default first.
pub const PROFILES: &[Profile] = &[TIKTOK_2026_11, TIKTOK_2024];

pub const DEFAULT_PROFILE: &str = TIKTOK_2026_11.name;

/// The profile named `name`.
pub fn profile(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// The profile in force for an app: its own choice, else the platform's.
pub fn effective<'a>(app: Option<&str>, platform: &'a Profile) -> &'a Profile {
    app.and_then(profile).unwrap_or(platform)
}

/// Where a leniency's refusal is answered: each surface has its own error form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `{"error", "error_description", "log_id"}` (token and revoke endpoints).
    OAuth,
    /// The consent page: the error goes back to the redirect URI (or is shown when there is none).
    Authorize,
    /// The v2 envelope `{"data", "error": {"code", "message", "log_id"}}`.
    Envelope,
}

/// What strict mode answers instead of serving the leniency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub surface: Surface,
    /// The OAuth `error` or the envelope's `code`.
    pub code: &'static str,
    pub status: u16,
    pub message: &'static str,
}

/// Something reelbox accepts that TikTok refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leniency {
    TokenJsonBody,
    ClientIdForClientKey,
    BasicClientAuth,
    PkceBase64Url,
    SpaceSeparatedScopes,
    MissingState,
    NoTrailingSlash,
    NumericFieldValues,
    UploadContentType,
    LenientChunkEdges,
    DirectPostWithSpace,
}

impl Leniency {
    pub const ALL: [Leniency; 11] = [
        Leniency::TokenJsonBody,
        Leniency::ClientIdForClientKey,
        Leniency::BasicClientAuth,
        Leniency::PkceBase64Url,
        Leniency::SpaceSeparatedScopes,
        Leniency::MissingState,
        Leniency::NoTrailingSlash,
        Leniency::NumericFieldValues,
        Leniency::UploadContentType,
        Leniency::LenientChunkEdges,
        Leniency::DirectPostWithSpace,
    ];

    /// Stable name, as stored and shown in the report.
    pub fn id(self) -> &'static str {
        match self {
            Leniency::TokenJsonBody => "token_json_body",
            Leniency::ClientIdForClientKey => "client_id_for_client_key",
            Leniency::BasicClientAuth => "basic_client_auth",
            Leniency::PkceBase64Url => "pkce_base64url",
            Leniency::SpaceSeparatedScopes => "space_separated_scopes",
            Leniency::MissingState => "missing_state",
            Leniency::NoTrailingSlash => "no_trailing_slash",
            Leniency::NumericFieldValues => "numeric_field_values",
            Leniency::UploadContentType => "upload_content_type",
            Leniency::LenientChunkEdges => "lenient_chunk_edges",
            Leniency::DirectPostWithSpace => "direct_post_with_space",
        }
    }

    pub fn from_id(id: &str) -> Option<Leniency> {
        Leniency::ALL.into_iter().find(|l| l.id() == id)
    }

    /// The report's words: "would fail on TikTok: …".
    pub fn what(self) -> &'static str {
        match self {
            Leniency::TokenJsonBody => {
                "sent a JSON body to /v2/oauth/token/ (TikTok reads application/x-www-form-urlencoded)"
            }
            Leniency::ClientIdForClientKey => "sent `client_id` instead of `client_key`",
            Leniency::BasicClientAuth => {
                "authenticated the client with HTTP Basic instead of client_key and client_secret in the body"
            }
            Leniency::PkceBase64Url => {
                "sent a base64url PKCE code_challenge (TikTok's is the hex SHA-256 of the verifier)"
            }
            Leniency::SpaceSeparatedScopes => {
                "separated scopes with spaces (TikTok's scope parameter is comma-separated)"
            }
            Leniency::MissingState => "sent no `state` to /v2/auth/authorize/",
            Leniency::NoTrailingSlash => "called an endpoint without its trailing slash",
            Leniency::NumericFieldValues => {
                "sent numbers in a research query's field_values (TikTok's are strings)"
            }
            Leniency::UploadContentType => {
                "uploaded a chunk with a Content-Type other than video/mp4, video/quicktime or video/webm"
            }
            Leniency::LenientChunkEdges => {
                "used a chunk size at an edge TikTok refuses (5 MB must be 5 MiB; at most 64 MB)"
            }
            Leniency::DirectPostWithSpace => "sent post_mode \"DIRECT POST\" (TikTok: DIRECT_POST)",
        }
    }

    /// What strict mode answers instead (TikTok's answer, or the closest documented one).
    pub fn refusal(self) -> Refusal {
        let oauth = |code, message| Refusal {
            surface: Surface::OAuth,
            code,
            status: 400,
            message,
        };
        let envelope = |code: ErrorCode, status, message| Refusal {
            surface: Surface::Envelope,
            code: code.as_str(),
            status,
            message,
        };
        match self {
            Leniency::TokenJsonBody => oauth(
                "invalid_request",
                "Content-Type must be application/x-www-form-urlencoded.",
            ),
            Leniency::ClientIdForClientKey | Leniency::BasicClientAuth => {
                oauth("invalid_request", "Client key is missed in request.")
            }
            Leniency::PkceBase64Url => oauth("invalid_grant", "Code verifier is invalid."),
            Leniency::SpaceSeparatedScopes => Refusal {
                surface: Surface::Authorize,
                code: "invalid_scope",
                status: 400,
                message: "Scopes are separated by commas.",
            },
            Leniency::MissingState => Refusal {
                surface: Surface::Authorize,
                code: "invalid_request",
                status: 400,
                message: "The state parameter is required.",
            },
            Leniency::NoTrailingSlash => envelope(
                ErrorCode::InvalidParams,
                404,
                "No such endpoint: TikTok's paths end with a slash.",
            ),
            Leniency::NumericFieldValues => envelope(
                ErrorCode::InvalidParams,
                400,
                "field_values must be strings.",
            ),
            Leniency::UploadContentType => envelope(
                ErrorCode::InvalidParam,
                400,
                "Content-Type must be video/mp4, video/quicktime or video/webm.",
            ),
            Leniency::LenientChunkEdges => envelope(
                ErrorCode::InvalidParam,
                400,
                "chunk_size must be between 5 MiB (5,242,880 bytes) and 64 MB (64,000,000 bytes).",
            ),
            Leniency::DirectPostWithSpace => envelope(
                ErrorCode::InvalidParam,
                400,
                "post_mode must be DIRECT_POST or MEDIA_UPLOAD.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_profile_is_the_default_and_follows_the_2026_pages() {
        let p = profile(DEFAULT_PROFILE).unwrap();
        assert_eq!(p.access_token_ttl_secs, 7_200);
        assert_eq!(p.refresh_token_ttl_secs, 15_552_000);
        assert_eq!(p.rotation, Rotation::Strict);
        assert!(p.display_is_aigc);
        let old = profile("tiktok-2024").unwrap();
        assert_eq!(
            (
                old.access_token_ttl_secs,
                old.refresh_token_ttl_secs,
                old.rotation
            ),
            (86_400, 31_536_000, Rotation::Grace)
        );
        assert!(profile("tiktok-1999").is_none());
    }

    #[test]
    fn an_app_without_a_choice_follows_the_platform() {
        assert_eq!(effective(None, &TIKTOK_2024).name, "tiktok-2024");
        assert_eq!(
            effective(Some("tiktok-2026-11"), &TIKTOK_2024).name,
            "tiktok-2026-11"
        );
        assert_eq!(effective(Some("unknown"), &TIKTOK_2024).name, "tiktok-2024");
    }

    #[test]
    fn every_leniency_has_a_stable_id_and_a_refusal() {
        let mut ids: Vec<_> = Leniency::ALL.iter().map(|l| l.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), Leniency::ALL.len());
        for l in Leniency::ALL {
            assert_eq!(Leniency::from_id(l.id()), Some(l));
            let r = l.refusal();
            assert!((400..500).contains(&r.status), "{l:?}");
            assert!(!r.message.is_empty() && !l.what().is_empty());
        }
    }
}
