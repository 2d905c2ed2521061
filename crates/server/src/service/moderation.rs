//! Moderation: the operator's review policy, the review queue and its decisions, viewers'
//! reports, the listed terms and the audit log. A held Direct Post stays in
//! `PROCESSING_UPLOAD`/`PROCESSING_DOWNLOAD` (what TikTok shows while it reviews) until a
//! moderator approves it (the usual completion path) or rejects it (`post.publish.failed` with a
//! `spam_risk*` reason, its media deleted). A take-down is `publishes::remove_post`, which sends
//! the "no longer publicly available" event. The rules are `reelbox_core::moderation`.
use reelbox_core::ids;
use reelbox_core::moderation::{self as rules, Action, Candidate, Policy, Subject, TermAction};
use reelbox_core::rules::PostSettings;
use reelbox_store::StoreError;
use reelbox_store::moderation::{AuditEntry, Case};
use reelbox_store::publishes::Publish;
use reelbox_wire::ErrorCode;
use reelbox_wire::control::{
    AuditLine, AuditLog, ModerationCase, ModerationDecision, ModerationPolicyView, ModerationQueue,
    ModerationTerm, ModerationTerms, ReportCount,
};
use reelbox_wire::posting::{PublishStatus, fail_reason};

use crate::http::error::{ApiError, ApiResult};
use crate::service::publishes;
use crate::state::AppState;

/// The settings key of the admin's policy choice.
const POLICY_KEY: &str = "moderation.policy";
/// The most terms the list holds: every init's text is matched against all of them.
pub const MAX_TERMS: usize = 1000;
/// Who acts through the admin token (the control API and the admin page alike).
const ADMIN: &str = "admin";
/// The statuses a held publish waits in.
const HELD_IN: [PublishStatus; 2] = [
    PublishStatus::ProcessingUpload,
    PublishStatus::ProcessingDownload,
];

/// The policy in force and whether the configuration file set it.
pub async fn policy(st: &AppState) -> Result<(Policy, bool), StoreError> {
    if let Some(p) = st.cfg.moderation.policy {
        return Ok((p, true));
    }
    let chosen = st.store.setting(POLICY_KEY).await?;
    Ok((
        chosen
            .as_deref()
            .and_then(Policy::parse)
            .unwrap_or_default(),
        false,
    ))
}

pub async fn policy_view(st: &AppState) -> ApiResult<ModerationPolicyView> {
    let (policy, locked) = policy(st).await?;
    Ok(ModerationPolicyView {
        locked,
        new_creator_posts: st.cfg.moderation.new_creator_posts,
        policy,
    })
}

/// The admin chooses the policy; refused when the configuration file set it.
pub async fn set_policy(st: &AppState, p: Policy) -> ApiResult<ModerationPolicyView> {
    if st.cfg.moderation.policy.is_some() {
        return Err(ApiError::new(
            ErrorCode::InvalidParam,
            "policy: set in the configuration file (moderation.policy), which wins; change it there.",
        ));
    }
    st.store.put_setting(POLICY_KEY, p.as_str()).await?;
    audit(
        st,
        "policy",
        "policy",
        &serde_json::json!({"policy": p.as_str()}).to_string(),
    )
    .await?;
    policy_view(st).await
}

/// The listed terms.
pub async fn terms(st: &AppState) -> Result<Vec<(String, TermAction)>, StoreError> {
    Ok(st
        .store
        .moderation_terms()
        .await?
        .into_iter()
        .filter_map(|(t, a)| TermAction::parse(&a).map(|a| (t, a)))
        .collect())
}

pub async fn terms_view(st: &AppState) -> ApiResult<ModerationTerms> {
    Ok(ModerationTerms {
        terms: terms(st)
            .await?
            .into_iter()
            .map(|(term, action)| ModerationTerm { action, term })
            .collect(),
    })
}

/// Replaces the list; each term is normalized (`reelbox_core::moderation::normalize_term`), and
/// a term given twice keeps its last action.
pub async fn set_terms(st: &AppState, list: ModerationTerms) -> ApiResult<ModerationTerms> {
    if list.terms.len() > MAX_TERMS {
        return Err(crate::service::invalid(format!(
            "terms: at most {MAX_TERMS} (got {})",
            list.terms.len()
        )));
    }
    let mut rows: Vec<(String, String)> = Vec::new();
    for t in &list.terms {
        let term = rules::normalize_term(&t.term)
            .map_err(|m| crate::service::invalid(format!("terms: {m}")))?;
        rows.retain(|(x, _)| *x != term);
        rows.push((term, t.action.as_str().to_string()));
    }
    st.store.replace_moderation_terms(&rows, st.now()).await?;
    let view = terms_view(st).await?;
    audit(
        st,
        "terms",
        "terms",
        &serde_json::to_string(&view).unwrap_or_default(),
    )
    .await?;
    Ok(view)
}

/// The first blocked term a post's title and caption contain: its init is refused with
/// `spam_risk_text`.
pub async fn blocked_term(st: &AppState, text: &str) -> Result<Option<String>, StoreError> {
    let terms = terms(st).await?;
    Ok(rules::first_match(&terms, TermAction::Block, text).map(str::to_string))
}

/// Opens a review case for a Direct Post whose media passed the checks when the policy holds
/// it; true when it waits (now or already).
pub async fn hold_for_review(
    st: &AppState,
    p: &Publish,
    settings: &PostSettings,
) -> Result<bool, StoreError> {
    if st
        .store
        .open_moderation_case_for(Subject::Publish.as_str(), &p.id)
        .await?
        .is_some()
    {
        return Ok(true);
    }
    let (policy, _) = policy(st).await?;
    if policy == Policy::None {
        return Ok(false);
    }
    let text = format!("{} {}", settings.title, settings.description);
    let terms = terms(st).await?;
    let candidate = Candidate {
        creator_posts: st.store.count_posts_of_creator(&p.creator_id).await?,
        text_flagged: rules::first_match(&terms, TermAction::Flag, &text).is_some(),
        creator_flagged: st.store.creator_has_removed_posts(&p.creator_id).await?,
    };
    let Some(cause) = rules::hold(policy, st.cfg.moderation.new_creator_posts, candidate) else {
        return Ok(false);
    };
    st.store
        .open_moderation_case(&Case {
            id: ids::row_id(),
            subject: Subject::Publish.as_str().into(),
            subject_id: p.id.clone(),
            creator_id: p.creator_id.clone(),
            cause: cause.into(),
            status: "open".into(),
            reject_reason: None,
            opened_at: st.now(),
            closed_at: None,
        })
        .await?;
    tracing::info!(publish_id = %p.id, cause, "post held for review");
    Ok(true)
}

/// Whether a publish waits in the review queue (its processing job has nothing left to do).
pub async fn is_held(st: &AppState, publish_id: &str) -> Result<bool, StoreError> {
    Ok(st
        .store
        .open_moderation_case_for(Subject::Publish.as_str(), publish_id)
        .await?
        .is_some())
}

/// A signed-in viewer reports a post; its case opens (once) in the queue. False when this viewer
/// had reported it already.
pub async fn report(
    st: &AppState,
    post: &reelbox_store::posts::Post,
    reporter_id: &str,
    reason: &str,
) -> ApiResult<bool> {
    let reason = rules::report_reason(reason)
        .ok_or_else(|| crate::service::invalid("reason: choose one of the listed reasons"))?;
    let now = st.now();
    let new = st
        .store
        .add_report(&ids::row_id(), &post.id, reporter_id, reason, now)
        .await?;
    st.store
        .open_moderation_case(&Case {
            id: ids::row_id(),
            subject: Subject::Post.as_str().into(),
            subject_id: post.id.clone(),
            creator_id: post.creator_id.clone(),
            cause: "reports".into(),
            status: "open".into(),
            reject_reason: None,
            opened_at: now,
            closed_at: None,
        })
        .await?;
    Ok(new)
}

/// The open cases, oldest first.
pub async fn queue(st: &AppState, limit: i64) -> ApiResult<ModerationQueue> {
    let mut cases = Vec::new();
    for c in st.store.open_moderation_cases(limit).await? {
        cases.push(case_view(st, c).await?);
    }
    Ok(ModerationQueue { cases })
}

async fn case_view(st: &AppState, c: Case) -> Result<ModerationCase, StoreError> {
    let creator_username = st
        .store
        .creator(&c.creator_id)
        .await?
        .map(|c| c.username.clone())
        .unwrap_or_default();
    let (publish_id, post_id, title, reports) = match Subject::parse(&c.subject) {
        Some(Subject::Publish) => {
            let p = st.store.publish(&c.subject_id).await?;
            let post = match &p {
                Some(p) => st.store.posts_of_publish(&p.id).await?.into_iter().next(),
                None => None,
            };
            let title = p
                .as_ref()
                .and_then(|p| p.settings.as_deref())
                .and_then(|s| serde_json::from_str::<PostSettings>(s).ok())
                .map(|s| s.title)
                .unwrap_or_default();
            (
                Some(c.subject_id.clone()),
                post.map(|p| p.id),
                title,
                vec![],
            )
        }
        _ => {
            let reports = st
                .store
                .report_reasons(&c.subject_id)
                .await?
                .into_iter()
                .map(|(reason, count)| ReportCount { count, reason })
                .collect();
            let post = st.store.post(&c.subject_id).await?;
            (
                post.as_ref().and_then(|p| p.publish_id.clone()),
                Some(c.subject_id.clone()),
                post.map(|p| p.title).unwrap_or_default(),
                reports,
            )
        }
    };
    Ok(ModerationCase {
        cause: c.cause,
        closed_at: c.closed_at,
        creator_username,
        id: c.id,
        opened_at: c.opened_at,
        post_id,
        publish_id,
        reject_reason: c.reject_reason,
        reports,
        status: c.status,
        subject: c.subject,
        title,
    })
}

/// A moderator decides a case: approve or reject a held post, take down or dismiss a reported
/// one. The publish or post changes first (each change a compare-and-set), then the case closes
/// with its audit line.
pub async fn decide(
    st: &AppState,
    case_id: &str,
    d: &ModerationDecision,
) -> ApiResult<ModerationCase> {
    let case = st
        .store
        .moderation_case(case_id)
        .await?
        .ok_or_else(|| ApiError::not_found("case"))?;
    if case.status != "open" {
        return Err(crate::service::invalid(format!(
            "case_id: this case is closed ({})",
            case.status
        )));
    }
    let subject = Subject::parse(&case.subject).ok_or_else(|| ApiError::not_found("case"))?;
    rules::fits(d.action, subject).map_err(|m| crate::service::invalid(format!("action: {m}")))?;
    let reason = match d.action {
        Action::Reject => {
            let r = d.reason.as_deref().unwrap_or(fail_reason::SPAM_RISK);
            Some(
                *rules::REJECT_REASONS
                    .iter()
                    .find(|x| **x == r)
                    .ok_or_else(|| {
                        crate::service::invalid(format!(
                            "reason: one of {}",
                            rules::REJECT_REASONS.join(", ")
                        ))
                    })?,
            )
        }
        _ => None,
    };
    let mut detail = serde_json::json!({"subject": case.subject, "subject_id": case.subject_id});
    let mut outcome = d.action.outcome();
    match d.action {
        Action::Approve | Action::Reject if held_publish(st, &case).await?.is_none() => {
            // Revoked or failed meanwhile: nothing is left to decide.
            outcome = "withdrawn";
        }
        Action::Approve => {
            let p = held_publish(st, &case)
                .await?
                .ok_or_else(|| ApiError::not_found("case"))?;
            let settings: PostSettings =
                serde_json::from_str(p.settings.as_deref().unwrap_or("null"))
                    .map_err(ApiError::internal)?;
            let media = publishes::stored_media(st, &p, settings.video_cover_timestamp_ms)
                .await
                .map_err(ApiError::internal)?;
            let post = publishes::complete(st, &p, &HELD_IN, &settings, media, false)
                .await
                .map_err(ApiError::internal)?;
            detail["post_id"] = post.into();
        }
        Action::Reject => {
            let p = held_publish(st, &case)
                .await?
                .ok_or_else(|| ApiError::not_found("case"))?;
            let reason = reason.unwrap_or(fail_reason::SPAM_RISK);
            if publishes::fail(st, &p, &HELD_IN, reason).await? {
                delete_media(st, &p).await;
            }
            detail["reason"] = reason.into();
        }
        Action::TakeDown => {
            detail["removed"] = publishes::remove_post(st, &case.subject_id).await?.into();
        }
        Action::Dismiss => {}
    }
    let entry = entry(st, d.action.as_str(), case_id, &detail.to_string());
    if !st
        .store
        .close_moderation_case(case_id, outcome, reason, st.now(), &entry)
        .await?
    {
        return Err(crate::service::invalid(
            "case_id: another moderator decided this case meanwhile",
        ));
    }
    let case = st
        .store
        .moderation_case(case_id)
        .await?
        .ok_or_else(|| ApiError::not_found("case"))?;
    Ok(case_view(st, case).await?)
}

/// The publish a held case is about, if it still waits.
async fn held_publish(st: &AppState, case: &Case) -> Result<Option<Publish>, StoreError> {
    Ok(st
        .store
        .publish_fresh(&case.subject_id)
        .await?
        .filter(|p| HELD_IN.contains(&p.status)))
}

/// A rejected post's media: never posted nor played, so nothing is kept of it.
async fn delete_media(st: &AppState, p: &Publish) {
    let mut keys = vec![publishes::media_key(p)];
    let n = serde_json::from_str::<Vec<String>>(p.photo_images.as_deref().unwrap_or("[]"))
        .map(|v| v.len())
        .unwrap_or(0);
    keys.extend((0..n).map(|i| ids::publish_photo_key(&p.id, i)));
    for key in keys {
        if let Err(e) = st.blobs.delete(&key).await {
            tracing::warn!(publish_id = %p.id, key, error = %e, "deleting rejected media failed");
        }
    }
}

fn entry(st: &AppState, action: &str, subject: &str, detail: &str) -> AuditEntry {
    AuditEntry {
        // Sorts by creation: lines written in one millisecond keep their order.
        id: ids::ordered_row_id(),
        at: st.now(),
        actor: ADMIN.into(),
        action: action.into(),
        subject: subject.into(),
        detail: detail.into(),
    }
}

/// Records one moderator action whose change was written on its own.
pub async fn audit(
    st: &AppState,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), StoreError> {
    st.store
        .add_audit(&entry(st, action, subject, detail))
        .await
}

pub async fn audit_log(st: &AppState, limit: Option<i64>) -> ApiResult<AuditLog> {
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(crate::service::invalid("limit: 1 to 1000"));
    }
    Ok(AuditLog {
        entries: st
            .store
            .audit_log(limit)
            .await?
            .into_iter()
            .map(|e| AuditLine {
                action: e.action,
                actor: e.actor,
                at: e.at,
                detail: e.detail,
                id: e.id,
                subject: e.subject,
            })
            .collect(),
    })
}
