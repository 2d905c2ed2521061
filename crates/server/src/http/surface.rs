//! Which surface a path belongs to. TikTok's products answer errors in different forms and
//! spellings (OAuth's `{error, error_description}`, posting's `invalid_param`, the read side's
//! `invalid_params`), so an answer no handler gives (an unknown path, a wrong method, a body
//! axum refused) is written in the form of the surface it was asked of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/v2/oauth/…` and `/v2/auth/…`: the OAuth error form.
    OAuth,
    /// `/v2/post/…`: the v2 envelope, `invalid_param`.
    Posting,
    /// `/v2/user/`, `/v2/video/`, `/v2/research/` and any other `/v2/` path: the v2 envelope,
    /// `invalid_params`.
    Reading,
    /// reelbox's own JSON APIs, `/_reelbox/…` and `/reelbox/v1/…`: the envelope, with
    /// `not_found` for an unknown route.
    Own,
    /// Web pages: HTML.
    Pages,
}

pub fn of(path: &str) -> Surface {
    if path.starts_with("/v2/oauth/") || path.starts_with("/v2/auth/") {
        Surface::OAuth
    } else if path.starts_with("/v2/post/") {
        Surface::Posting
    } else if path.starts_with("/v2/") {
        Surface::Reading
    } else if path.starts_with("/_reelbox/") || path.starts_with(NATIVE_PREFIX) {
        Surface::Own
    } else {
        Surface::Pages
    }
}

/// reelbox's own data endpoints (hashtag and music trends, shop products): a namespace TikTok's
/// can never collide with.
pub const NATIVE_PREFIX: &str = "/reelbox/v1/";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_answers_in_its_products_form() {
        assert_eq!(of("/v2/oauth/token/"), Surface::OAuth);
        assert_eq!(of("/v2/auth/authorize/"), Surface::OAuth);
        assert_eq!(of("/v2/post/publish/nope/"), Surface::Posting);
        assert_eq!(of("/v2/research/video/query/"), Surface::Reading);
        assert_eq!(of("/v2/nothing/"), Surface::Reading);
        assert_eq!(of("/reelbox/v1/hashtag/trend/"), Surface::Own);
        assert_eq!(of("/_reelbox/apps"), Surface::Own);
        assert_eq!(of("/@someone"), Surface::Pages);
        // A prefix, not a substring.
        assert_eq!(of("/v2oauth/token/"), Surface::Pages);
    }
}
