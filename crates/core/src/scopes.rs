//! OAuth scopes: which exist, what they mean in plain words, and how lists are spelled.
use std::collections::BTreeSet;

/// Every scope reelbox knows, with the words the consent page shows.
pub const KNOWN: &[(&str, &str)] = &[
    (
        "user.info.basic",
        "Read your profile info (avatar, display name)",
    ),
    (
        "user.info.profile",
        "Read your profile details (username, bio, verified badge)",
    ),
    (
        "user.info.stats",
        "Read your follower, following, like and video counts",
    ),
    ("video.list", "Read your public videos"),
    (
        "video.upload",
        "Upload videos and photos to your inbox as drafts for you to review and post",
    ),
    (
        "video.publish",
        "Post videos and photos to your profile directly",
    ),
    (
        "research.data.basic",
        "Read public data for research (apps only)",
    ),
    (
        "research.adlib.basic",
        "Read public ad library data for research (apps only)",
    ),
    (
        "portability.all.single",
        "Export a copy of all your reelbox data, once",
    ),
    (
        "portability.all.ongoing",
        "Export a copy of all your reelbox data, whenever the app asks",
    ),
    (
        "portability.postsandprofile.single",
        "Export a copy of your profile and posts, once",
    ),
    (
        "portability.postsandprofile.ongoing",
        "Export a copy of your profile and posts, whenever the app asks",
    ),
    (
        "portability.activity.single",
        "Export a copy of your activity (likes, comments, follows), once",
    ),
    (
        "portability.activity.ongoing",
        "Export a copy of your activity (likes, comments, follows), whenever the app asks",
    ),
    (
        "portability.directmessages.single",
        "Export a copy of your direct messages, once",
    ),
    (
        "portability.directmessages.ongoing",
        "Export a copy of your direct messages, whenever the app asks",
    ),
];

pub const USER_INFO_BASIC: &str = "user.info.basic";
pub const USER_INFO_PROFILE: &str = "user.info.profile";
pub const USER_INFO_STATS: &str = "user.info.stats";
pub const VIDEO_LIST: &str = "video.list";
pub const VIDEO_UPLOAD: &str = "video.upload";
pub const VIDEO_PUBLISH: &str = "video.publish";
pub const RESEARCH_DATA_BASIC: &str = "research.data.basic";
pub const RESEARCH_ADLIB_BASIC: &str = "research.adlib.basic";

pub fn is_known(scope: &str) -> bool {
    KNOWN.iter().any(|(s, _)| *s == scope)
}

pub fn describe(scope: &str) -> &'static str {
    KNOWN
        .iter()
        .find(|(s, _)| *s == scope)
        .map(|(_, d)| *d)
        .unwrap_or("An unknown permission")
}

/// Splits a scope list. TikTok separates with commas; RFC 6749 libraries with spaces: take both.
pub fn parse_list(s: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    s.split([',', ' ', '+'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .filter(|x| seen.insert(x.to_string()))
        .map(str::to_string)
        .collect()
}

/// TikTok's comma-separated spelling.
pub fn join(scopes: &[String]) -> String {
    scopes.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commas_and_spaces() {
        assert_eq!(parse_list("a,b c,,a"), vec!["a", "b", "c"]);
        assert!(is_known("video.publish"));
        assert!(!is_known("video.delete"));
    }
}
