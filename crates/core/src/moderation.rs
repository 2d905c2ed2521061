//! Moderation rules, apart from storage: which posts the operator's policy holds for review,
//! which titles and captions a blocked term refuses, and what a moderator may decide about a case.
//! TikTok reviews posts after they are made ("`publicaly_available_post_id` stays `[]` until
//! moderation finishes") and refuses risky text with `spam_risk_text`; these rules give an operator
//! the same powers over their own platform.

pub use reelbox_wire::control::{
    ModerationAction as Action, ModerationPolicy as Policy, TermAction,
};

/// What the policy knows of a post about to be published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Candidate {
    /// The creator's posts already published (not removed).
    pub creator_posts: i64,
    /// The title or caption matches a term listed to flag.
    pub text_flagged: bool,
    /// The creator had a post rejected or taken down before.
    pub creator_flagged: bool,
}

/// Why a post waits for review; `None` when it goes live.
pub fn hold(policy: Policy, new_creator_posts: i64, c: Candidate) -> Option<&'static str> {
    match policy {
        Policy::None => None,
        Policy::All => Some("policy: review every post"),
        Policy::NewCreators => {
            (c.creator_posts < new_creator_posts).then_some("policy: a new creator's first posts")
        }
        Policy::Flagged if c.text_flagged => Some("policy: the text matches a flag term"),
        Policy::Flagged if c.creator_flagged => Some("policy: the creator had a post removed"),
        Policy::Flagged => None,
    }
}

/// Longest term accepted, in characters.
pub const MAX_TERM_CHARS: usize = 100;

/// A term as stored: lower case, inner whitespace single, trimmed. A term with a dot and no
/// space is a link's host (`spam.example` also matches `www.spam.example/x`).
pub fn normalize_term(raw: &str) -> Result<String, String> {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = t.to_lowercase();
    let t = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(&t)
        .trim_end_matches('/')
        .to_string();
    if t.is_empty() {
        return Err("A term cannot be empty.".into());
    }
    if t.chars().count() > MAX_TERM_CHARS {
        return Err(format!(
            "A term is at most {MAX_TERM_CHARS} characters: {raw:?}"
        ));
    }
    if !t.chars().any(char::is_alphanumeric) {
        return Err(format!(
            "A term needs a letter or a digit: {raw:?} would match nothing."
        ));
    }
    Ok(t)
}

fn is_link_term(term: &str) -> bool {
    term.contains('.') && !term.contains(' ')
}

/// The words of `text`, lower case: runs of letters and digits (so punctuation, `#` and `@`
/// separate them).
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The hosts of the links in `text`: each whitespace-separated token that looks like a URL or a
/// bare domain, without its scheme, path and port.
fn hosts(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter_map(|tok| {
            let t = tok.to_lowercase();
            let t = t.trim_matches(|c: char| "()[]<>\"',;!?".contains(c));
            let rest = t.split_once("://").map(|(_, r)| r).unwrap_or(t);
            let host = rest.split(['/', '?', '#']).next()?;
            let host = host.rsplit('@').next()?.split(':').next()?;
            let host = host.trim_end_matches('.');
            (host.contains('.')
                && host
                    .chars()
                    .all(|c| c.is_alphanumeric() || "-.".contains(c)))
            .then(|| host.to_string())
        })
        .collect()
}

/// Whether `term` (normalized) occurs in `text`: a word term as whole words in sequence, a link
/// term as a link's host or a parent domain of it.
pub fn matches(term: &str, text: &str) -> bool {
    if is_link_term(term) {
        return hosts(text)
            .iter()
            .any(|h| h == term || h.ends_with(&format!(".{term}")));
    }
    let needle = words(term);
    if needle.is_empty() {
        return false;
    }
    let hay = words(text);
    hay.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// The first term of `terms` (normalized, with their actions) that `text` matches with `action`.
pub fn first_match<'a>(
    terms: &'a [(String, TermAction)],
    action: TermAction,
    text: &str,
) -> Option<&'a str> {
    terms
        .iter()
        .filter(|(_, a)| *a == action)
        .find(|(t, _)| matches(t, text))
        .map(|(t, _)| t.as_str())
}

/// What a case is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A publish held before it became a post.
    Publish,
    /// A published post viewers reported.
    Post,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Publish => "publish",
            Subject::Post => "post",
        }
    }

    pub fn parse(s: &str) -> Option<Subject> {
        [Subject::Publish, Subject::Post]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Whether `action` applies to a case about `subject`.
pub fn fits(action: Action, subject: Subject) -> Result<(), String> {
    match (action, subject) {
        (Action::Approve | Action::Reject, Subject::Publish)
        | (Action::TakeDown | Action::Dismiss, Subject::Post) => Ok(()),
        (a, Subject::Publish) => Err(format!(
            "A held post is approved or rejected, not {}.",
            a.as_str()
        )),
        (a, Subject::Post) => Err(format!(
            "A reported post is taken down or dismissed, not {}.",
            a.as_str()
        )),
    }
}

/// The `fail_reason`s a rejection may give (TikTok's `spam_risk*` family; status/fetch and the
/// `post.publish.failed` webhook carry it). `spam_risk` is the default.
pub const REJECT_REASONS: [&str; 3] = [
    "spam_risk",
    "spam_risk_text",
    "spam_risk_user_banned_from_posting",
];

/// Why a viewer reports a post.
pub const REPORT_REASONS: [(&str, &str); 6] = [
    ("spam", "Spam or misleading"),
    ("harassment", "Harassment or bullying"),
    ("violence", "Violence or dangerous acts"),
    ("nudity", "Nudity or sexual content"),
    ("hate", "Hate speech"),
    ("other", "Something else"),
];

pub fn report_reason(s: &str) -> Option<&'static str> {
    REPORT_REASONS
        .iter()
        .find(|(k, _)| *k == s)
        .map(|(k, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_policy_holds_what_it_says() {
        let fresh = Candidate::default();
        let known = Candidate {
            creator_posts: 5,
            ..Default::default()
        };
        assert_eq!(hold(Policy::None, 3, fresh), None);
        assert!(hold(Policy::All, 3, known).is_some());
        assert!(hold(Policy::NewCreators, 3, fresh).is_some());
        assert_eq!(hold(Policy::NewCreators, 3, known), None);
        assert_eq!(hold(Policy::Flagged, 3, fresh), None);
        let flagged = Candidate {
            text_flagged: true,
            ..known
        };
        assert!(hold(Policy::Flagged, 3, flagged).is_some());
        let repeat = Candidate {
            creator_flagged: true,
            ..known
        };
        assert!(hold(Policy::Flagged, 3, repeat).is_some());
        for p in Policy::ALL {
            assert_eq!(Policy::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn word_terms_match_whole_words_in_any_case() {
        assert!(matches("free money", "Get FREE   money now!"));
        assert!(matches("scam", "#scam alert"));
        assert!(!matches("scam", "scampi for dinner"));
        assert!(!matches("free money", "money free"));
    }

    #[test]
    fn link_terms_match_the_host_and_its_subdomains_only() {
        assert!(matches("spam.example", "see https://spam.example/x"));
        assert!(matches("spam.example", "(www.spam.example)"));
        assert!(matches(
            "spam.example",
            "http://user@cdn.spam.example:8080/a?b"
        ));
        assert!(!matches("spam.example", "notspam.example is fine"));
        assert!(!matches("spam.example", "spam example"));
    }

    #[test]
    fn terms_are_normalized_and_refused_when_empty_or_symbols() {
        assert_eq!(normalize_term("  Free\tMoney "), Ok("free money".into()));
        assert_eq!(
            normalize_term("https://Spam.Example/"),
            Ok("spam.example".into())
        );
        assert!(normalize_term("   ").is_err());
        assert!(normalize_term("!!!").is_err());
        assert!(normalize_term(&"a".repeat(101)).is_err());
    }

    #[test]
    fn the_first_matching_term_of_the_asked_action_is_named() {
        let terms = vec![
            ("crypto".to_string(), TermAction::Flag),
            ("spam.example".to_string(), TermAction::Block),
        ];
        let text = "crypto tips at spam.example";
        assert_eq!(
            first_match(&terms, TermAction::Block, text),
            Some("spam.example")
        );
        assert_eq!(first_match(&terms, TermAction::Flag, text), Some("crypto"));
        assert_eq!(first_match(&terms, TermAction::Block, "crypto"), None);
    }

    #[test]
    fn actions_fit_their_subjects() {
        assert!(fits(Action::Approve, Subject::Publish).is_ok());
        assert!(fits(Action::Reject, Subject::Publish).is_ok());
        assert!(fits(Action::TakeDown, Subject::Post).is_ok());
        assert!(fits(Action::Dismiss, Subject::Post).is_ok());
        assert!(fits(Action::TakeDown, Subject::Publish).is_err());
        assert!(fits(Action::Approve, Subject::Post).is_err());
    }
}
