//! `[[creators]]`: creators with their password (stored hashed) and settings.
use reelbox_wire::control::CreateCreator;
use reelbox_wire::posting::PrivacyLevel;
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError};
use std::collections::HashMap;

use crate::service::creators::{create_creator, hash};

/// The control API's `CreateCreator`, with unknown keys refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    username: String,
    password: Option<String>,
    nickname: Option<String>,
    avatar_url: Option<String>,
    bio: Option<String>,
    region_code: Option<String>,
    private_account: Option<bool>,
    privacy_level_options: Option<Vec<PrivacyLevel>>,
    comment_disabled: Option<bool>,
    duet_disabled: Option<bool>,
    stitch_disabled: Option<bool>,
    max_video_post_duration_sec: Option<i64>,
    banned_from_posting: Option<bool>,
    daily_post_cap: Option<i64>,
}

impl From<&Entry> for CreateCreator {
    fn from(e: &Entry) -> CreateCreator {
        CreateCreator {
            username: e.username.clone(),
            password: e.password.clone(),
            nickname: e.nickname.clone(),
            avatar_url: e.avatar_url.clone(),
            bio: e.bio.clone(),
            region_code: e.region_code.clone(),
            private_account: e.private_account,
            privacy_level_options: e.privacy_level_options.clone(),
            comment_disabled: e.comment_disabled,
            duet_disabled: e.duet_disabled,
            stitch_disabled: e.stitch_disabled,
            max_video_post_duration_sec: e.max_video_post_duration_sec,
            banned_from_posting: e.banned_from_posting,
            daily_post_cap: e.daily_post_cap,
        }
    }
}

/// Password hashes made for this process's seed files, by (username, password): hashing is
/// slow on purpose, and a reset applies the same passwords again.
static HASHES: std::sync::LazyLock<std::sync::Mutex<HashMap<(String, String), String>>> =
    std::sync::LazyLock::new(Default::default);

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    for (i, e) in entries.iter().enumerate() {
        let refused = |err| ctx.refused(e.span(), format!("creators[{i}]"), err);
        let mut req: CreateCreator = e.get_ref().into();
        // Hashed (or found) first: a refused password refuses the creator.
        let hashed = match req.password.take() {
            Some(p) => {
                let key = (req.username.clone(), p);
                let known = HASHES
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&key)
                    .cloned();
                Some(match known {
                    Some(h) => h,
                    None => {
                        let h = hash(&key.1).map_err(refused)?;
                        HASHES
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(key, h.clone());
                        h
                    }
                })
            }
            None => None,
        };
        let created = create_creator(ctx.st, req).await.map_err(refused)?;
        if let Some(h) = hashed {
            set_password_hash(ctx, &created.username, h)
                .await
                .map_err(|err| ctx.failed(e.span(), format!("creators[{i}].password"), err))?;
        }
    }
    Ok(entries.len() as u64)
}

async fn set_password_hash(
    ctx: &Ctx<'_>,
    username: &str,
    hash: String,
) -> reelbox_store::Result<()> {
    if let Some(mut c) = ctx.st.store.creator_by_username(username).await? {
        c.password_hash = Some(hash);
        ctx.st.store.update_creator(&c).await?;
    }
    Ok(())
}
