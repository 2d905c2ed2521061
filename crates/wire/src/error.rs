use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every `error.code` reelbox emits in the v2 envelope. The spelling is the wire contract
/// (note `invalid_param` on posting endpoints and the control API, `invalid_params` on read
/// endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Ok,
    InvalidParam,
    InvalidParams,
    AppVersionCheckFailed,
    InvalidPublishId,
    TokenNotAuthorizedForSpecifiedPublishId,
    PublishNotCancellable,
    SpamRiskTooManyPosts,
    SpamRiskUserBannedFromPosting,
    SpamRiskTooManyPendingShare,
    ReachedActiveUserCap,
    UnauditedClientCanOnlyPostToPrivateAccounts,
    UrlOwnershipUnverified,
    PrivacyLevelOptionMismatch,
    AccessTokenInvalid,
    ScopeNotAuthorized,
    ScopePermissionMissed,
    RateLimitExceeded,
    DailyQuotaLimitExceeded,
    InternalError,
    /// reelbox extension for the control API and unknown routes: the addressed resource does not exist.
    NotFound,
}

impl ErrorCode {
    /// Every code, for docs, fault injection and tests.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::Ok,
        ErrorCode::InvalidParam,
        ErrorCode::InvalidParams,
        ErrorCode::AppVersionCheckFailed,
        ErrorCode::InvalidPublishId,
        ErrorCode::TokenNotAuthorizedForSpecifiedPublishId,
        ErrorCode::PublishNotCancellable,
        ErrorCode::SpamRiskTooManyPosts,
        ErrorCode::SpamRiskUserBannedFromPosting,
        ErrorCode::SpamRiskTooManyPendingShare,
        ErrorCode::ReachedActiveUserCap,
        ErrorCode::UnauditedClientCanOnlyPostToPrivateAccounts,
        ErrorCode::UrlOwnershipUnverified,
        ErrorCode::PrivacyLevelOptionMismatch,
        ErrorCode::AccessTokenInvalid,
        ErrorCode::ScopeNotAuthorized,
        ErrorCode::ScopePermissionMissed,
        ErrorCode::RateLimitExceeded,
        ErrorCode::DailyQuotaLimitExceeded,
        ErrorCode::InternalError,
        ErrorCode::NotFound,
    ];

    /// The wire spelling, e.g. `"invalid_param"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Ok => "ok",
            ErrorCode::InvalidParam => "invalid_param",
            ErrorCode::InvalidParams => "invalid_params",
            ErrorCode::AppVersionCheckFailed => "app_version_check_failed",
            ErrorCode::InvalidPublishId => "invalid_publish_id",
            ErrorCode::TokenNotAuthorizedForSpecifiedPublishId => {
                "token_not_authorized_for_specified_publish_id"
            }
            ErrorCode::PublishNotCancellable => "publish_not_cancellable",
            ErrorCode::SpamRiskTooManyPosts => "spam_risk_too_many_posts",
            ErrorCode::SpamRiskUserBannedFromPosting => "spam_risk_user_banned_from_posting",
            ErrorCode::SpamRiskTooManyPendingShare => "spam_risk_too_many_pending_share",
            ErrorCode::ReachedActiveUserCap => "reached_active_user_cap",
            ErrorCode::UnauditedClientCanOnlyPostToPrivateAccounts => {
                "unaudited_client_can_only_post_to_private_accounts"
            }
            ErrorCode::UrlOwnershipUnverified => "url_ownership_unverified",
            ErrorCode::PrivacyLevelOptionMismatch => "privacy_level_option_mismatch",
            ErrorCode::AccessTokenInvalid => "access_token_invalid",
            ErrorCode::ScopeNotAuthorized => "scope_not_authorized",
            ErrorCode::ScopePermissionMissed => "scope_permission_missed",
            ErrorCode::RateLimitExceeded => "rate_limit_exceeded",
            ErrorCode::DailyQuotaLimitExceeded => "daily_quota_limit_exceeded",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::NotFound => "not_found",
        }
    }

    /// Parses a wire spelling.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// TikTok's HTTP status for this code. Endpoint exceptions (creator_info answers the spam and
    /// cap codes with 200; read endpoints answer `scope_permission_missed` with 400) are applied by
    /// the endpoint, not here.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Ok => 200,
            ErrorCode::InvalidParam
            | ErrorCode::InvalidParams
            | ErrorCode::AppVersionCheckFailed
            | ErrorCode::InvalidPublishId
            | ErrorCode::TokenNotAuthorizedForSpecifiedPublishId
            | ErrorCode::PublishNotCancellable => 400,
            ErrorCode::SpamRiskTooManyPosts
            | ErrorCode::SpamRiskUserBannedFromPosting
            | ErrorCode::SpamRiskTooManyPendingShare
            | ErrorCode::ReachedActiveUserCap
            | ErrorCode::UnauditedClientCanOnlyPostToPrivateAccounts
            | ErrorCode::UrlOwnershipUnverified
            | ErrorCode::PrivacyLevelOptionMismatch => 403,
            ErrorCode::AccessTokenInvalid
            | ErrorCode::ScopeNotAuthorized
            | ErrorCode::ScopePermissionMissed => 401,
            ErrorCode::RateLimitExceeded | ErrorCode::DailyQuotaLimitExceeded => 429,
            ErrorCode::InternalError => 500,
            ErrorCode::NotFound => 404,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_spelling_matches_as_str() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
        }
    }

    #[test]
    fn statuses_follow_the_spec_tables() {
        assert_eq!(ErrorCode::InvalidParam.http_status(), 400);
        assert_eq!(ErrorCode::PrivacyLevelOptionMismatch.http_status(), 403);
        assert_eq!(ErrorCode::ScopeNotAuthorized.http_status(), 401);
        assert_eq!(ErrorCode::RateLimitExceeded.http_status(), 429);
        assert_eq!(ErrorCode::InternalError.http_status(), 500);
    }
}
