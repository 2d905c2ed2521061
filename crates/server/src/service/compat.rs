//! An app's choice of TikTok as the control API, the CLI and the portal show and change it; how
//! a request is judged by it is `http::compat`.
use reelbox_core::compat;
use reelbox_store::apps::App;
use reelbox_wire::control::{AppCompat, CompatChoice};

pub use crate::http::compat::Compat;
use crate::http::error::ApiError;
use crate::state::AppState;

/// How the control API, the CLI and the portal show an app's choice.
pub fn view(st: &AppState, app: &App) -> AppCompat {
    let c = Compat::of(st, app);
    AppCompat {
        profile: c.profile.name.to_string(),
        docs_as_of: c.profile.docs_as_of.to_string(),
        strict: c.strict,
        chosen: CompatChoice {
            profile: app.compat_profile.clone(),
            strict: app.compat_strict,
        },
    }
}

/// Checks an app's choice: the profile must exist.
pub fn check_choice(choice: &CompatChoice) -> Result<(), ApiError> {
    match choice.profile.as_deref() {
        Some(p) if compat::profile(p).is_none() => {
            let known: Vec<_> = compat::PROFILES.iter().map(|p| p.name).collect();
            Err(crate::service::invalid(format!(
                "compat.profile {p:?} is not a profile (known: {})",
                known.join(", ")
            )))
        }
        _ => Ok(()),
    }
}
