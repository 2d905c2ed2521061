//! `[[tokens]]`: a creator's grant to an app, with fixed token values and remaining lifetimes.
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError};
use crate::service::tokens::{FixedTokens, issue_user_tokens_as};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The app's client key.
    app: Spanned<String>,
    /// The creator's username.
    creator: Spanned<String>,
    /// Default: every scope of the app.
    #[serde(default)]
    scopes: Vec<Spanned<String>>,
    access_token: Option<Spanned<String>>,
    refresh_token: Option<Spanned<String>>,
    /// Seconds the access token has left (default: the app's profile).
    access_expires_in: Option<Spanned<i64>>,
    /// Seconds the refresh token has left (default: the app's profile).
    refresh_expires_in: Option<Spanned<i64>>,
}

/// A fixed token: its kind's prefix, then enough characters not to collide by accident.
fn check_token(t: &str, prefix: &str) -> Result<(), String> {
    if t.starts_with(prefix)
        && (prefix.len() + 8..=256).contains(&t.len())
        && t.bytes().all(|b| b.is_ascii_graphic())
    {
        Ok(())
    } else {
        Err(format!(
            "must start with \"{prefix}\" and be 8 to 248 printable characters after it"
        ))
    }
}

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    use reelbox_core::ids::{ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX};
    for (i, e) in entries.iter().enumerate() {
        let e = e.get_ref();
        let at = |f: &str| format!("tokens[{i}].{f}");
        let app = match ctx.st.store.app(e.app.get_ref()).await {
            Ok(Some(a)) => a,
            Ok(None) => {
                return Err(ctx.err(
                    e.app.span(),
                    at("app"),
                    format!(
                        "no app with client_key \"{}\" (declare it under [[apps]])",
                        e.app.get_ref()
                    ),
                ));
            }
            Err(err) => return Err(ctx.failed(e.app.span(), at("app"), err)),
        };
        let creator_id = ctx.creator_id(&e.creator, at("creator")).await?;
        for s in &e.scopes {
            if !app.scopes.contains(s.get_ref()) {
                return Err(ctx.err(
                    s.span(),
                    at("scopes"),
                    format!("the app does not have scope {}", s.get_ref()),
                ));
            }
        }
        if let Some(t) = &e.access_token {
            check_token(t.get_ref(), ACCESS_TOKEN_PREFIX)
                .map_err(|m| ctx.err(t.span(), at("access_token"), m))?;
        }
        if let Some(t) = &e.refresh_token {
            check_token(t.get_ref(), REFRESH_TOKEN_PREFIX)
                .map_err(|m| ctx.err(t.span(), at("refresh_token"), m))?;
        }
        for (f, v) in [
            ("access_expires_in", &e.access_expires_in),
            ("refresh_expires_in", &e.refresh_expires_in),
        ] {
            if let Some(v) = v
                && *v.get_ref() <= 0
            {
                return Err(ctx.err(v.span(), at(f), "must be a positive number of seconds"));
            }
        }
        let scopes: Vec<String> = if e.scopes.is_empty() {
            app.scopes.clone()
        } else {
            e.scopes.iter().map(|s| s.get_ref().clone()).collect()
        };
        let fixed = FixedTokens {
            access_token: e.access_token.as_ref().map(|t| t.get_ref().clone()),
            refresh_token: e.refresh_token.as_ref().map(|t| t.get_ref().clone()),
            access_secs: e.access_expires_in.as_ref().map(|v| *v.get_ref()),
            refresh_secs: e.refresh_expires_in.as_ref().map(|v| *v.get_ref()),
        };
        issue_user_tokens_as(
            ctx.st,
            &app,
            &creator_id,
            &scopes,
            &reelbox_core::ids::row_id(),
            &fixed,
        )
        .await
        .map_err(|err| match err {
            reelbox_store::StoreError::Conflict => ctx.err(
                e.app.span(),
                format!("tokens[{i}]"),
                "a token with this value exists",
            ),
            other => ctx.failed(e.app.span(), format!("tokens[{i}]"), other),
        })?;
    }
    Ok(entries.len() as u64)
}
