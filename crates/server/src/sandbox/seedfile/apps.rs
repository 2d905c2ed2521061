//! `[[apps]]`: apps with a fixed `client_key` and `client_secret`, scopes, audit state, redirect
//! URIs, webhook URL, test users and compatibility profile.
use reelbox_wire::control::{CompatChoice, CreateApp, UpdateApp};
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError};
use crate::service::apps::{FixedCredentials, create_app_as, update_app};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    name: String,
    /// Made as usual when absent (deterministic mode then makes the same one each run).
    client_key: Option<Spanned<String>>,
    /// Derived from the master key as usual when absent.
    client_secret: Option<Spanned<String>>,
    #[serde(default)]
    audited: bool,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    verified_url_prefixes: Vec<String>,
    webhook_url: Option<String>,
    #[serde(default)]
    test_users: Vec<String>,
    /// `profile` (`tiktok-2026-11`, `tiktok-2024`) and `strict`.
    compat: Option<CompatChoice>,
}

/// A fixed key: what TikTok's keys are made of, and short enough for every column holding one.
fn check_key(k: &str) -> Result<(), &'static str> {
    if (4..=64).contains(&k.len())
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Ok(())
    } else {
        Err("must be 4 to 64 letters, digits, '_' or '-'")
    }
}

/// A fixed secret: printable, no spaces, long enough not to be guessed by a neighbour's test.
fn check_secret(s: &str) -> Result<(), &'static str> {
    if (16..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err("must be 16 to 128 printable characters without spaces")
    }
}

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    for (i, e) in entries.iter().enumerate() {
        let span = e.span();
        let e = e.get_ref();
        let at = |f: &str| format!("apps[{i}].{f}");
        if let Some(k) = &e.client_key {
            check_key(k.get_ref()).map_err(|m| ctx.err(k.span(), at("client_key"), m))?;
        }
        if let Some(s) = &e.client_secret {
            check_secret(s.get_ref()).map_err(|m| ctx.err(s.span(), at("client_secret"), m))?;
            if e.client_key.is_none() {
                return Err(ctx.err(
                    s.span(),
                    at("client_secret"),
                    "a fixed client_secret needs a fixed client_key",
                ));
            }
        }
        let fixed = e.client_key.as_ref().map(|k| FixedCredentials {
            client_key: k.get_ref().clone(),
            client_secret: e.client_secret.as_ref().map(|s| s.get_ref().clone()),
        });
        let req = CreateApp {
            name: e.name.clone(),
            audited: e.audited,
            scopes: e.scopes.clone(),
            redirect_uris: e.redirect_uris.clone(),
            verified_url_prefixes: e.verified_url_prefixes.clone(),
            webhook_url: e.webhook_url.clone(),
        };
        let view = create_app_as(ctx.st, req, None, fixed)
            .await
            .map_err(|err| ctx.refused(span.clone(), format!("apps[{i}]"), err))?;
        if !e.test_users.is_empty() || e.compat.is_some() {
            let change = UpdateApp {
                test_users: (!e.test_users.is_empty()).then(|| e.test_users.clone()),
                compat: e.compat.clone(),
                ..Default::default()
            };
            update_app(ctx.st, &view.client_key, change)
                .await
                .map_err(|err| ctx.refused(span.clone(), format!("apps[{i}]"), err))?;
        }
    }
    Ok(entries.len() as u64)
}
