//! `[[creators]]`: creators with their password (stored hashed) and settings.
use reelbox_wire::control::CreateCreator;
use reelbox_wire::posting::PrivacyLevel;
use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, SeedError};
use crate::service::creators::create_creator;

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

pub(super) async fn apply(ctx: &mut Ctx<'_>, entries: &[Spanned<Entry>]) -> Result<u64, SeedError> {
    for (i, e) in entries.iter().enumerate() {
        create_creator(ctx.st, e.get_ref().into())
            .await
            .map_err(|err| ctx.refused(e.span(), format!("creators[{i}]"), err))?;
    }
    Ok(entries.len() as u64)
}
