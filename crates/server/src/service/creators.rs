//! Creators: accounts with their posting settings, created and changed by the operator.
use crate::http::error::{ApiError, ApiResult};
use crate::service::invalid;
use crate::state::AppState;
use reelbox_core::rules::{self};
use reelbox_core::{ids, secrets};
use reelbox_store::creators::Creator;
use reelbox_wire::control::{CreateCreator, CreatorView, UpdateCreator};

pub fn creator_view(c: &Creator) -> CreatorView {
    CreatorView {
        creator_id: c.id.clone(),
        username: c.username.clone(),
        nickname: c.nickname.clone(),
        avatar_url: c.avatar_url.clone(),
        bio: c.bio.clone(),
        region_code: c.region_code.clone(),
        private_account: c.private_account,
        privacy_level_options: c.privacy_level_options.clone(),
        comment_disabled: c.comment_disabled,
        duet_disabled: c.duet_disabled,
        stitch_disabled: c.stitch_disabled,
        max_video_post_duration_sec: c.max_video_post_duration_sec,
        banned_from_posting: c.banned_from_posting,
        daily_post_cap: c.daily_post_cap,
        has_password: c.password_hash.is_some(),
        created_at: c.created_at,
    }
}
fn valid_username(u: &str) -> bool {
    (2..=24).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}
pub(crate) fn hash(password: &str) -> ApiResult<String> {
    if password.len() < 8 {
        return Err(invalid("password must be at least 8 characters"));
    }
    secrets::hash_password(password).map_err(|e| ApiError::internal(anyhow::anyhow!(e)))
}
/// A creator as the control API shows it.
pub async fn show_creator(st: &AppState, username: &str) -> ApiResult<CreatorView> {
    let c = st
        .store
        .creator_by_username(username)
        .await?
        .ok_or_else(|| ApiError::not_found("creator"))?;
    Ok(creator_view(&c))
}

pub async fn create_creator(st: &AppState, req: CreateCreator) -> ApiResult<CreatorView> {
    let username = req.username.trim().trim_start_matches('@').to_string();
    if !valid_username(&username) {
        return Err(invalid(
            "username must be 2 to 24 letters, digits, '_' or '.'",
        ));
    }
    let private = req.private_account.unwrap_or(false);
    let c = Creator {
        id: ids::row_id(),
        nickname: req.nickname.unwrap_or_else(|| username.clone()),
        password_hash: req.password.as_deref().map(hash).transpose()?,
        avatar_url: req.avatar_url.unwrap_or_default(),
        bio: req.bio.unwrap_or_default(),
        region_code: req
            .region_code
            .unwrap_or_else(|| "US".into())
            .to_uppercase(),
        private_account: private,
        privacy_level_options: req
            .privacy_level_options
            .unwrap_or_else(|| rules::default_privacy_options(private)),
        comment_disabled: req.comment_disabled.unwrap_or(false),
        duet_disabled: req.duet_disabled.unwrap_or(false),
        stitch_disabled: req.stitch_disabled.unwrap_or(false),
        max_video_post_duration_sec: req.max_video_post_duration_sec.unwrap_or(600),
        banned_from_posting: req.banned_from_posting.unwrap_or(false),
        daily_post_cap: req.daily_post_cap,
        created_at: st.now(),
        username,
    };
    st.store.insert_creator(&c).await.map_err(|e| match e {
        reelbox_store::StoreError::Conflict => invalid(format!("username {} is taken", c.username)),
        other => other.into(),
    })?;
    Ok(creator_view(&c))
}
pub async fn update_creator(
    st: &AppState,
    username: &str,
    req: UpdateCreator,
) -> ApiResult<CreatorView> {
    let mut c = st
        .store
        .creator_by_username(username)
        .await?
        .ok_or_else(|| ApiError::not_found("creator"))?;
    if let Some(p) = req.password {
        c.password_hash = Some(hash(&p)?);
    }
    if let Some(v) = req.nickname {
        c.nickname = v;
    }
    if let Some(v) = req.avatar_url {
        c.avatar_url = v;
    }
    if let Some(v) = req.bio {
        c.bio = v;
    }
    if let Some(v) = req.region_code {
        c.region_code = v.to_uppercase();
    }
    if let Some(v) = req.private_account {
        c.private_account = v;
        if req.privacy_level_options.is_none() {
            c.privacy_level_options = rules::default_privacy_options(v);
        }
    }
    if let Some(v) = req.privacy_level_options {
        c.privacy_level_options = v;
    }
    if let Some(v) = req.comment_disabled {
        c.comment_disabled = v;
    }
    if let Some(v) = req.duet_disabled {
        c.duet_disabled = v;
    }
    if let Some(v) = req.stitch_disabled {
        c.stitch_disabled = v;
    }
    if let Some(v) = req.max_video_post_duration_sec {
        c.max_video_post_duration_sec = v;
    }
    let ban_changed = req
        .banned_from_posting
        .filter(|v| *v != c.banned_from_posting);
    if let Some(v) = req.banned_from_posting {
        c.banned_from_posting = v;
    }
    if let Some(v) = req.daily_post_cap {
        c.daily_post_cap = Some(v);
    }
    st.store.update_creator(&c).await?;
    if let Some(banned) = ban_changed {
        let action = if banned { "ban" } else { "unban" };
        crate::service::moderation::audit(st, action, &format!("@{}", c.username), "{}").await?;
    }
    Ok(creator_view(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_2_to_24_letters_digits_underscores_or_dots() {
        for ok in ["ab", "user_1.x", &"a".repeat(24)] {
            assert!(valid_username(ok), "{ok}");
        }
        for bad in [
            "a",
            &"a".repeat(25),
            "with space",
            "dash-ed",
            "émile",
            "@at",
        ] {
            assert!(!valid_username(bad), "{bad}");
        }
    }

    #[test]
    fn a_password_shorter_than_8_characters_is_refused_before_hashing() {
        let e = hash("short").expect_err("too short");
        assert_eq!(e.message, "password must be at least 8 characters");
    }
}
