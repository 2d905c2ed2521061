//! The posting rules (spec §4–§6, §9): who may post what, where, how often. Pure functions over
//! facts the caller reads from the store; each refusal carries its exact wire code.
use reelbox_wire::ErrorCode;
use reelbox_wire::posting::PrivacyLevel;

use crate::RuleError;

/// Title limits in UTF-16 code units (TikTok counts "UTF-16 runes").
pub const VIDEO_TITLE_MAX: usize = 2200;
pub const PHOTO_TITLE_MAX: usize = 90;
pub const PHOTO_DESCRIPTION_MAX: usize = 4000;
pub const PHOTO_IMAGES_MAX: usize = 35;

pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The privacy options of an account by type (spec §4).
pub fn default_privacy_options(private_account: bool) -> Vec<PrivacyLevel> {
    if private_account {
        vec![
            PrivacyLevel::FollowerOfCreator,
            PrivacyLevel::MutualFollowFriends,
            PrivacyLevel::SelfOnly,
        ]
    } else {
        vec![
            PrivacyLevel::PublicToEveryone,
            PrivacyLevel::MutualFollowFriends,
            PrivacyLevel::SelfOnly,
        ]
    }
}

/// A creator's posting settings, as creator_info reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatorSettings {
    pub private_account: bool,
    pub privacy_level_options: Vec<PrivacyLevel>,
    pub comment_disabled: bool,
    pub duet_disabled: bool,
    pub stitch_disabled: bool,
    pub max_video_post_duration_sec: i64,
    pub banned_from_posting: bool,
}

impl CreatorSettings {
    /// Duet and Stitch are reported disabled for private accounts (spec §4).
    pub fn effective_duet_disabled(&self) -> bool {
        self.duet_disabled || self.private_account
    }
    pub fn effective_stitch_disabled(&self) -> bool {
        self.stitch_disabled || self.private_account
    }
}

/// What has already happened in the windows the caps look at (all counted in the store, across
/// every app and node).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// API posts of this creator in the last 24 h, all apps.
    pub creator_posts_24h: i64,
    pub daily_post_cap: i64,
    /// Distinct creators this app posted for in the last 24 h.
    pub app_active_creators_24h: i64,
    /// Whether this creator is already one of them (then the cap does not bite).
    pub creator_already_active: bool,
    pub active_user_cap: i64,
    /// Inbox shares of this creator made in the last 24 h and not yet posted or discarded.
    pub pending_shares_24h: i64,
    pub pending_share_cap: i64,
}

/// The app's standing: unaudited (sandbox) apps are limited to private accounts and SELF_ONLY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppStanding {
    pub audited: bool,
}

/// The creator_info gate: a code answered with HTTP 200 when the creator cannot post now.
pub fn creator_info_gate(creator: &CreatorSettings, usage: &Usage) -> Option<RuleError> {
    can_post_now(creator, usage).err()
}

fn can_post_now(creator: &CreatorSettings, usage: &Usage) -> Result<(), RuleError> {
    if creator.banned_from_posting {
        return Err(RuleError::new(
            ErrorCode::SpamRiskUserBannedFromPosting,
            "The user is banned from making new posts.",
        ));
    }
    if usage.creator_posts_24h >= usage.daily_post_cap {
        return Err(RuleError::new(
            ErrorCode::SpamRiskTooManyPosts,
            format!(
                "The daily post cap ({}) from the API is reached for the current user.",
                usage.daily_post_cap
            ),
        ));
    }
    if !usage.creator_already_active && usage.app_active_creators_24h >= usage.active_user_cap {
        return Err(RuleError::new(
            ErrorCode::ReachedActiveUserCap,
            format!(
                "The client's daily quota of {} active publishing users is reached.",
                usage.active_user_cap
            ),
        ));
    }
    Ok(())
}

/// The post settings a Direct Post asks for (video or photo).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestedPost {
    pub title: Option<String>,
    pub description: Option<String>,
    pub privacy_level: Option<PrivacyLevel>,
    pub disable_comment: Option<bool>,
    pub disable_duet: Option<bool>,
    pub disable_stitch: Option<bool>,
    pub brand_content_toggle: Option<bool>,
    pub brand_organic_toggle: Option<bool>,
    pub is_aigc: Option<bool>,
    pub auto_add_music: Option<bool>,
    pub video_cover_timestamp_ms: Option<i64>,
}

/// What will be posted once the rules have run: forced values applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PostSettings {
    pub title: String,
    pub description: String,
    pub privacy_level: PrivacyLevel,
    pub disable_comment: bool,
    pub disable_duet: bool,
    pub disable_stitch: bool,
    pub brand_content_toggle: bool,
    pub brand_organic_toggle: bool,
    pub is_aigc: bool,
    pub auto_add_music: bool,
    pub video_cover_timestamp_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostKind {
    Video,
    Photo,
}

fn invalid(msg: impl Into<String>) -> RuleError {
    RuleError::new(ErrorCode::InvalidParam, msg)
}

/// Text limits: checked before any policy rule, as a malformed request.
pub fn check_text(kind: PostKind, req: &RequestedPost) -> Result<(), RuleError> {
    let title = req.title.as_deref().unwrap_or("");
    match kind {
        PostKind::Video => {
            if utf16_len(title) > VIDEO_TITLE_MAX {
                return Err(invalid(format!(
                    "post_info.title exceeds {VIDEO_TITLE_MAX} UTF-16 code units"
                )));
            }
        }
        PostKind::Photo => {
            if utf16_len(title) > PHOTO_TITLE_MAX {
                return Err(invalid(format!(
                    "post_info.title exceeds {PHOTO_TITLE_MAX} UTF-16 code units"
                )));
            }
            if utf16_len(req.description.as_deref().unwrap_or("")) > PHOTO_DESCRIPTION_MAX {
                return Err(invalid(format!(
                    "post_info.description exceeds {PHOTO_DESCRIPTION_MAX} UTF-16 code units"
                )));
            }
        }
    }
    Ok(())
}

/// A Direct Post (video/init, content/init DIRECT_POST, or a draft posted from the inbox).
pub fn check_direct_post(
    kind: PostKind,
    creator: &CreatorSettings,
    app: AppStanding,
    usage: &Usage,
    req: &RequestedPost,
) -> Result<PostSettings, RuleError> {
    check_text(kind, req)?;
    can_post_now(creator, usage)?;
    if !app.audited && !creator.private_account {
        return Err(RuleError::new(
            ErrorCode::UnauditedClientCanOnlyPostToPrivateAccounts,
            "Unaudited clients can only post to private accounts; make the account private or get the app audited.",
        ));
    }
    let requested = req.privacy_level.ok_or_else(|| {
        RuleError::new(
            ErrorCode::PrivacyLevelOptionMismatch,
            "post_info.privacy_level is required",
        )
    })?;
    if !creator.privacy_level_options.contains(&requested) {
        return Err(RuleError::new(
            ErrorCode::PrivacyLevelOptionMismatch,
            format!(
                "privacy_level {} is not among privacy_level_options [{}]",
                requested.as_str(),
                creator
                    .privacy_level_options
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    // Content posted by unaudited clients is restricted to private viewing (spec §9.2).
    let privacy = if app.audited {
        requested
    } else {
        PrivacyLevel::SelfOnly
    };
    let brand_content = req.brand_content_toggle.unwrap_or(false);
    if brand_content && privacy == PrivacyLevel::SelfOnly {
        let why = if app.audited {
            "branded content (brand_content_toggle) cannot be posted with privacy_level SELF_ONLY"
        } else {
            "branded content (brand_content_toggle) cannot be private, and an unaudited client can only post SELF_ONLY"
        };
        return Err(invalid(why));
    }
    let photo = kind == PostKind::Photo;
    Ok(PostSettings {
        title: req.title.clone().unwrap_or_default(),
        description: req.description.clone().unwrap_or_default(),
        privacy_level: privacy,
        // A setting the creator turned off stays off whatever the request says (spec §5.1).
        disable_comment: req.disable_comment.unwrap_or(false) || creator.comment_disabled,
        disable_duet: !photo
            && (req.disable_duet.unwrap_or(false) || creator.effective_duet_disabled()),
        disable_stitch: !photo
            && (req.disable_stitch.unwrap_or(false) || creator.effective_stitch_disabled()),
        brand_content_toggle: brand_content,
        brand_organic_toggle: req.brand_organic_toggle.unwrap_or(false),
        is_aigc: req.is_aigc.unwrap_or(false),
        auto_add_music: photo && req.auto_add_music.unwrap_or(false),
        video_cover_timestamp_ms: req.video_cover_timestamp_ms.unwrap_or(0).max(0),
    })
}

/// An upload to the inbox (inbox/video/init, content/init MEDIA_UPLOAD): not audit-gated, but
/// capped by pending shares.
pub fn check_inbox_upload(creator: &CreatorSettings, usage: &Usage) -> Result<(), RuleError> {
    if creator.banned_from_posting {
        return Err(RuleError::new(
            ErrorCode::SpamRiskUserBannedFromPosting,
            "The user is banned from making new posts.",
        ));
    }
    if usage.pending_shares_24h >= usage.pending_share_cap {
        return Err(RuleError::new(
            ErrorCode::SpamRiskTooManyPendingShare,
            format!(
                "At most {} pending shares within any 24-hour period; the creator must post or discard drafts first.",
                usage.pending_share_cap
            ),
        ));
    }
    Ok(())
}

/// Hashtags (`#word`) and mentions (`@name`) in a caption, delimited by whitespace and
/// punctuation; lower-cased hashtags, de-duplicated, in order of appearance.
pub fn extract_tags(text: &str) -> (Vec<String>, Vec<String>) {
    let mut tags = Vec::new();
    let mut mentions = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at_word_start = i == 0 || chars[i - 1].is_whitespace();
        if (c == '#' || c == '@') && at_word_start {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].is_alphanumeric() || chars[j] == '_' || (c == '@' && chars[j] == '.'))
            {
                j += 1;
            }
            if j > i + 1 {
                let word: String = chars[i + 1..j].iter().collect();
                let word = word.trim_end_matches('.').to_string();
                let list = if c == '#' { &mut tags } else { &mut mentions };
                let word = if c == '#' { word.to_lowercase() } else { word };
                if !list.contains(&word) {
                    list.push(word);
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    (tags, mentions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creator(private: bool) -> CreatorSettings {
        CreatorSettings {
            private_account: private,
            privacy_level_options: default_privacy_options(private),
            comment_disabled: false,
            duet_disabled: false,
            stitch_disabled: false,
            max_video_post_duration_sec: 600,
            banned_from_posting: false,
        }
    }

    fn usage() -> Usage {
        Usage {
            daily_post_cap: 15,
            active_user_cap: 5,
            pending_share_cap: 5,
            ..Usage::default()
        }
    }

    fn req(p: PrivacyLevel) -> RequestedPost {
        RequestedPost {
            privacy_level: Some(p),
            ..Default::default()
        }
    }

    const AUDITED: AppStanding = AppStanding { audited: true };
    const UNAUDITED: AppStanding = AppStanding { audited: false };

    fn code(r: Result<PostSettings, RuleError>) -> ErrorCode {
        r.unwrap_err().code
    }

    #[test]
    fn privacy_must_be_an_option() {
        let c = creator(false);
        assert!(
            check_direct_post(
                PostKind::Video,
                &c,
                AUDITED,
                &usage(),
                &req(PrivacyLevel::PublicToEveryone)
            )
            .is_ok()
        );
        assert_eq!(
            code(check_direct_post(
                PostKind::Video,
                &c,
                AUDITED,
                &usage(),
                &req(PrivacyLevel::FollowerOfCreator)
            )),
            ErrorCode::PrivacyLevelOptionMismatch
        );
        assert_eq!(
            code(check_direct_post(
                PostKind::Video,
                &c,
                AUDITED,
                &usage(),
                &RequestedPost::default()
            )),
            ErrorCode::PrivacyLevelOptionMismatch
        );
    }

    #[test]
    fn unaudited_apps_post_self_only_to_private_accounts() {
        assert_eq!(
            code(check_direct_post(
                PostKind::Video,
                &creator(false),
                UNAUDITED,
                &usage(),
                &req(PrivacyLevel::SelfOnly)
            )),
            ErrorCode::UnauditedClientCanOnlyPostToPrivateAccounts
        );
        let s = check_direct_post(
            PostKind::Video,
            &creator(true),
            UNAUDITED,
            &usage(),
            &req(PrivacyLevel::FollowerOfCreator),
        )
        .unwrap();
        assert_eq!(s.privacy_level, PrivacyLevel::SelfOnly);
    }

    #[test]
    fn caps_and_bans() {
        let c = creator(false);
        let mut u = usage();
        u.creator_posts_24h = 15;
        assert_eq!(
            code(check_direct_post(
                PostKind::Video,
                &c,
                AUDITED,
                &u,
                &req(PrivacyLevel::SelfOnly)
            )),
            ErrorCode::SpamRiskTooManyPosts
        );
        let mut u = usage();
        u.app_active_creators_24h = 5;
        assert_eq!(
            code(check_direct_post(
                PostKind::Video,
                &c,
                AUDITED,
                &u,
                &req(PrivacyLevel::SelfOnly)
            )),
            ErrorCode::ReachedActiveUserCap
        );
        u.creator_already_active = true;
        assert!(
            check_direct_post(
                PostKind::Video,
                &c,
                AUDITED,
                &u,
                &req(PrivacyLevel::SelfOnly)
            )
            .is_ok()
        );
        let mut banned = creator(false);
        banned.banned_from_posting = true;
        assert_eq!(
            code(check_direct_post(
                PostKind::Video,
                &banned,
                AUDITED,
                &usage(),
                &req(PrivacyLevel::SelfOnly)
            )),
            ErrorCode::SpamRiskUserBannedFromPosting
        );
        assert_eq!(
            check_inbox_upload(&banned, &usage()).unwrap_err().code,
            ErrorCode::SpamRiskUserBannedFromPosting
        );
        let mut u = usage();
        u.pending_shares_24h = 5;
        assert_eq!(
            check_inbox_upload(&creator(false), &u).unwrap_err().code,
            ErrorCode::SpamRiskTooManyPendingShare
        );
        assert!(creator_info_gate(&creator(false), &usage()).is_none());
    }

    #[test]
    fn branded_content_cannot_be_private() {
        let mut r = req(PrivacyLevel::SelfOnly);
        r.brand_content_toggle = Some(true);
        assert_eq!(
            code(check_direct_post(
                PostKind::Video,
                &creator(false),
                AUDITED,
                &usage(),
                &r
            )),
            ErrorCode::InvalidParam
        );
        r.privacy_level = Some(PrivacyLevel::PublicToEveryone);
        assert!(
            check_direct_post(PostKind::Video, &creator(false), AUDITED, &usage(), &r)
                .unwrap()
                .brand_content_toggle
        );
    }

    #[test]
    fn disabled_interactions_stay_disabled() {
        let mut c = creator(false);
        c.comment_disabled = true;
        let mut r = req(PrivacyLevel::PublicToEveryone);
        r.disable_comment = Some(false);
        let s = check_direct_post(PostKind::Video, &c, AUDITED, &usage(), &r).unwrap();
        assert!(s.disable_comment);
        assert!(!s.disable_duet);
        let s = check_direct_post(
            PostKind::Video,
            &creator(true),
            AUDITED,
            &usage(),
            &req(PrivacyLevel::SelfOnly),
        )
        .unwrap();
        assert!(
            s.disable_duet && s.disable_stitch,
            "private accounts cannot be dueted or stitched"
        );
    }

    #[test]
    fn text_limits_count_utf16() {
        let mut r = req(PrivacyLevel::SelfOnly);
        r.title = Some("😀".repeat(1100));
        assert!(check_direct_post(PostKind::Video, &creator(false), AUDITED, &usage(), &r).is_ok());
        r.title = Some("😀".repeat(1101));
        assert_eq!(
            code(check_direct_post(
                PostKind::Video,
                &creator(false),
                AUDITED,
                &usage(),
                &r
            )),
            ErrorCode::InvalidParam
        );
        r.title = Some("x".repeat(91));
        assert_eq!(
            code(check_direct_post(
                PostKind::Photo,
                &creator(false),
                AUDITED,
                &usage(),
                &r
            )),
            ErrorCode::InvalidParam
        );
    }

    #[test]
    fn tags_and_mentions() {
        let (t, m) =
            extract_tags("this will be a funny #cat video on your @tiktok #fyp #Cat a#b @x.y.");
        assert_eq!(t, vec!["cat", "fyp"]);
        assert_eq!(m, vec!["tiktok", "x.y"]);
    }
}
