//! Which TikTok a request is served: the app's compatibility profile (token lifetimes, rotation,
//! event spellings, fields) and whether leniencies are served or refused. The app's own choice
//! wins, else the platform's `[compat]`. Every leniency a call relies on is noted in its call-log
//! record, so the guideline report can name it with the call's log id; in strict mode it is
//! refused with the answer TikTok gives, in the form of the surface it was asked of.
use reelbox_core::compat::{self, Leniency, Profile, Refusal, Surface};
use reelbox_store::apps::App;
use reelbox_wire::ErrorCode;

use crate::http::context::CallSlot;
use crate::http::error::ApiError;
use crate::http::oauth_error::OAuthFailure;
use crate::http::surface;
use crate::state::AppState;

/// The TikTok one app is served.
#[derive(Debug, Clone, Copy)]
pub struct Compat {
    pub profile: &'static Profile,
    pub strict: bool,
}

impl Compat {
    /// The platform's, for calls no app can be named for.
    pub fn platform(st: &AppState) -> Compat {
        Compat {
            profile: crate::service::settings::last_live(st)
                .compat
                .platform_profile(),
            strict: st.cfg.compat.strict,
        }
    }

    pub fn of(st: &AppState, app: &App) -> Compat {
        let platform = Compat::platform(st);
        Compat {
            profile: compat::effective(app.compat_profile.as_deref(), platform.profile),
            strict: app.compat_strict.unwrap_or(platform.strict),
        }
    }

    /// The app's, or the platform's for an unknown key.
    pub async fn of_key(
        st: &AppState,
        client_key: &str,
    ) -> Result<Compat, reelbox_store::StoreError> {
        Ok(match st.store.app(client_key).await? {
            Some(app) => Compat::of(st, &app),
            None => Compat::platform(st),
        })
    }

    /// The event sent when a post stops being public: the platform's setting, else the profile's
    /// spelling.
    pub fn no_longer_public_event<'a>(&self, st: &'a AppState) -> &'a str {
        st.cfg
            .compat
            .no_longer_public_event
            .as_deref()
            .unwrap_or(self.profile.no_longer_public_event)
    }

    /// How long a new video waits before Research API results can hold it, in milliseconds.
    pub fn research_lag_ms(&self, st: &AppState) -> i64 {
        let on = st
            .cfg
            .compat
            .research_lag
            .unwrap_or(st.cfg.mode == crate::config::Mode::Production);
        if on {
            self.profile.research_lag_secs * 1000
        } else {
            0
        }
    }

    /// A leniency this call relies on: noted for the report, and refused in strict mode with
    /// TikTok's answer.
    pub fn allow(&self, slot: &CallSlot, l: Leniency) -> Result<(), Refusal> {
        slot.note_lenient(l);
        if self.strict {
            Err(l.refusal())
        } else {
            Ok(())
        }
    }

    /// Judges the leniencies noted before the app was known (the trailing slash, a JSON token
    /// body): the first is refused in strict mode.
    pub fn judge_noted(&self, slot: &CallSlot) -> Result<(), Refusal> {
        match slot.lenient().first() {
            Some(l) if self.strict => Err(l.refusal()),
            _ => Ok(()),
        }
    }
}

/// For the bearer extractors: once the token names the app, the leniencies noted before it was
/// known are judged by the app's choice. Costs nothing for a request that relied on none.
pub async fn judge_noted_for(
    st: &AppState,
    slot: Option<&CallSlot>,
    client_key: &str,
    path: &str,
) -> Result<(), ApiError> {
    let Some(slot) = slot.filter(|s| s.has_lenient()) else {
        return Ok(());
    };
    let c = Compat::of_key(st, client_key).await?;
    c.judge_noted(slot).map_err(|r| envelope_refusal(r, path))
}

/// A refusal in the v2 envelope, with the "bad request" code of the path's surface.
pub fn envelope_refusal(r: Refusal, path: &str) -> ApiError {
    let status = axum::http::StatusCode::from_u16(r.status).unwrap_or_default();
    let code = match surface::of(path) {
        surface::Surface::Posting => ErrorCode::InvalidParam,
        surface::Surface::Reading => ErrorCode::InvalidParams,
        _ => ErrorCode::parse(r.code).unwrap_or(ErrorCode::InvalidParam),
    };
    ApiError::new(code, r.message).with_status(status)
}

impl From<Refusal> for OAuthFailure {
    fn from(r: Refusal) -> Self {
        let error = match r.surface {
            Surface::OAuth | Surface::Authorize => r.code,
            Surface::Envelope => "invalid_request",
        };
        OAuthFailure::new(error, r.message)
            .with_status(axum::http::StatusCode::from_u16(r.status).unwrap_or_default())
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        let code = match r.surface {
            Surface::Envelope => ErrorCode::parse(r.code).unwrap_or(ErrorCode::InvalidParam),
            Surface::OAuth | Surface::Authorize => ErrorCode::InvalidParam,
        };
        ApiError::new(code, r.message)
            .with_status(axum::http::StatusCode::from_u16(r.status).unwrap_or_default())
    }
}
