//! The moderation part of the control API (`/_reelbox/moderation/`): the review queue, the
//! listed terms, the policy and the audit log. Answer fields are in alphabetical order.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The operator's review policy for new Direct Posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModerationPolicy {
    /// Posts are published as soon as their media passes the checks.
    #[default]
    None,
    /// The first posts of a creator (fewer than `moderation.new_creator_posts` published) wait
    /// for a moderator.
    NewCreators,
    /// Every post waits for a moderator.
    All,
    /// Posts whose text matches a term listed to flag, or whose creator had a post rejected or
    /// taken down, wait for a moderator.
    Flagged,
}

impl ModerationPolicy {
    pub const ALL: [ModerationPolicy; 4] = [
        ModerationPolicy::None,
        ModerationPolicy::NewCreators,
        ModerationPolicy::All,
        ModerationPolicy::Flagged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModerationPolicy::None => "none",
            ModerationPolicy::NewCreators => "new_creators",
            ModerationPolicy::All => "all",
            ModerationPolicy::Flagged => "flagged",
        }
    }

    pub fn parse(s: &str) -> Option<ModerationPolicy> {
        ModerationPolicy::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Plain words for the admin page.
    pub fn label(self) -> &'static str {
        match self {
            ModerationPolicy::None => "No review: posts go live once their media passes the checks",
            ModerationPolicy::NewCreators => "Review the first posts of new creators",
            ModerationPolicy::All => "Review every post",
            ModerationPolicy::Flagged => {
                "Review flagged posts (flag terms, creators with removed posts)"
            }
        }
    }
}

/// What a listed term does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TermAction {
    /// The init is refused with `spam_risk_text`.
    Block,
    /// The post waits for review under the `flagged` policy.
    Flag,
}

impl TermAction {
    pub fn as_str(self) -> &'static str {
        match self {
            TermAction::Block => "block",
            TermAction::Flag => "flag",
        }
    }

    pub fn parse(s: &str) -> Option<TermAction> {
        [TermAction::Block, TermAction::Flag]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// A moderator's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModerationAction {
    /// A held post is published.
    Approve,
    /// A held post fails with a `spam_risk*` reason.
    Reject,
    /// A reported post is removed from every page and read API.
    TakeDown,
    /// A reported post stays; the case closes.
    Dismiss,
}

impl ModerationAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationAction::Approve => "approve",
            ModerationAction::Reject => "reject",
            ModerationAction::TakeDown => "take_down",
            ModerationAction::Dismiss => "dismiss",
        }
    }

    /// The case's status once decided.
    pub fn outcome(self) -> &'static str {
        match self {
            ModerationAction::Approve => "approved",
            ModerationAction::Reject => "rejected",
            ModerationAction::TakeDown => "taken_down",
            ModerationAction::Dismiss => "dismissed",
        }
    }
}

/// A case in the review queue (`GET /_reelbox/moderation/queue`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModerationCase {
    /// Why it was opened: the policy's words, or `reports`.
    pub cause: String,
    pub closed_at: Option<i64>,
    pub creator_username: String,
    pub id: String,
    /// Server time, epoch milliseconds.
    pub opened_at: i64,
    /// The post a held publish becomes, once approved; the reported post.
    pub post_id: Option<String>,
    pub publish_id: Option<String>,
    /// The `fail_reason` a rejection gave.
    pub reject_reason: Option<String>,
    /// Viewers' reports by reason (reported posts).
    pub reports: Vec<ReportCount>,
    /// `open`, `approved`, `rejected`, `taken_down`, `dismissed`.
    pub status: String,
    /// `publish`: held before it was posted (approve or reject); `post`: reported after
    /// (take_down or dismiss).
    pub subject: String,
    pub title: String,
}

/// How many viewers reported a post for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportCount {
    pub count: i64,
    pub reason: String,
}

/// `GET /_reelbox/moderation/queue` answer: the open cases, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModerationQueue {
    pub cases: Vec<ModerationCase>,
}

/// Body of `POST /_reelbox/moderation/cases/{case_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModerationDecision {
    pub action: ModerationAction,
    /// A rejection's `fail_reason`: `spam_risk` (default), `spam_risk_text` or
    /// `spam_risk_user_banned_from_posting`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A listed term: a word or phrase, or a link's host (`spam.example`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModerationTerm {
    pub action: TermAction,
    pub term: String,
}

/// `GET` and `PUT /_reelbox/moderation/terms`: the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModerationTerms {
    pub terms: Vec<ModerationTerm>,
}

/// `GET /_reelbox/moderation/policy` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModerationPolicyView {
    /// Set in the configuration file (`moderation.policy`), which wins over the admin's choice.
    pub locked: bool,
    /// A creator with fewer published posts than this is new (`new_creators`).
    pub new_creator_posts: i64,
    pub policy: ModerationPolicy,
}

/// Body of `PUT /_reelbox/moderation/policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModerationPolicyChange {
    pub policy: ModerationPolicy,
}

/// One moderator action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditLine {
    /// `approve`, `reject`, `take_down`, `dismiss`, `ban`, `unban`, `terms`, `policy`.
    pub action: String,
    /// `admin` (the admin token, by the control API or the admin page).
    pub actor: String,
    /// Server time, epoch milliseconds.
    pub at: i64,
    /// What changed, as JSON.
    pub detail: String,
    pub id: String,
    /// What it acted on: a case id, `@username`, `terms`, `policy`.
    pub subject: String,
}

/// `GET /_reelbox/moderation/audit` answer, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditLog {
    pub entries: Vec<AuditLine>,
}

/// Query of `GET /_reelbox/moderation/audit`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 1 to 1000 (default 100).
    #[serde(default)]
    pub limit: Option<i64>,
}
