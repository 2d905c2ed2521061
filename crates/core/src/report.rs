//! The guideline report: TikTok's content-sharing guidelines and the usual integration pitfalls
//! (spec §11) turned into checks over an app's recorded calls. Pure: the server hands in the calls
//! and deliveries, this module judges them. Each check passes, fails (with the calls that show
//! it), or was not observed (nothing in the record could show it either way).
use std::collections::HashMap;

use reelbox_wire::posting::{
    ContentInitRequest, CreatorInfo, PostMode, PrivacyLevel, Source, VideoInitRequest,
};
use serde::Serialize;

use crate::chunks::{ChunkLimits, ChunkPlan};
use crate::compat::Leniency;

/// One recorded wire call, as the call log keeps it.
#[derive(Debug, Clone)]
pub struct Call {
    pub time: i64,
    pub endpoint: String,
    pub token: Option<String>,
    pub creator: Option<String>,
    pub status: i64,
    pub code: String,
    pub log_id: String,
    /// The request (inits, status, cancel) or the answer (creator_info), as JSON.
    pub summary: String,
    pub injected: bool,
    /// What the call relied on that TikTok refuses ([`Leniency`] ids).
    pub lenient: Vec<String>,
}

/// One webhook delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub event: String,
    pub status: String,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
}

/// Facts about the app the checks need.
#[derive(Debug, Clone)]
pub struct AppFacts {
    pub audited: bool,
    pub has_webhook: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    NotObserved,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub log_id: String,
    pub time: i64,
    pub endpoint: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub title: &'static str,
    /// What the guideline asks, in a sentence.
    pub rule: &'static str,
    pub verdict: Verdict,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChecklistItem {
    pub id: &'static str,
    pub item: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub pass: usize,
    pub fail: usize,
    pub not_observed: usize,
    pub checks: Vec<Check>,
    /// Posting-screen rules an auditor checks by looking at the app; not observable on the wire.
    pub audit_checklist: Vec<ChecklistItem>,
}

/// Settings of the checks (windows are reelbox choices, spec §11 "N = 30").
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    /// creator_info must precede a Direct Post init by at most this.
    pub creator_info_ms: i64,
    /// Calls answered 429 for one token and endpoint within a minute before it counts as hammering.
    pub hammer_429s: usize,
    /// Status polls of one publish closer than this are too fast.
    pub min_poll_interval_ms: i64,
    /// Identical inits closer than this are a re-initialisation.
    pub reinit_ms: i64,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            creator_info_ms: 30 * 60_000,
            hammer_429s: 3,
            min_poll_interval_ms: 1000,
            reinit_ms: 10 * 60_000,
        }
    }
}

const INIT_VIDEO: &str = "/v2/post/publish/video/init/";
const INIT_INBOX: &str = "/v2/post/publish/inbox/video/init/";
const INIT_CONTENT: &str = "/v2/post/publish/content/init/";
const CREATOR_INFO: &str = "/v2/post/publish/creator_info/query/";
const STATUS: &str = "/v2/post/publish/status/fetch/";

/// A Direct Post init, whatever its endpoint.
struct DirectPost {
    privacy: Option<PrivacyLevel>,
    disable_comment: Option<bool>,
    disable_duet: Option<bool>,
    disable_stitch: Option<bool>,
    brand_content: bool,
}

fn direct_post(c: &Call) -> Option<DirectPost> {
    match c.endpoint.as_str() {
        INIT_VIDEO => {
            let r: VideoInitRequest = serde_json::from_str(&c.summary).ok()?;
            let p = r.post_info.unwrap_or_default();
            Some(DirectPost {
                privacy: p.privacy_level,
                disable_comment: p.disable_comment,
                disable_duet: p.disable_duet,
                disable_stitch: p.disable_stitch,
                brand_content: p.brand_content_toggle.unwrap_or(false),
            })
        }
        INIT_CONTENT => {
            let r: ContentInitRequest = serde_json::from_str(&c.summary).ok()?;
            (r.post_mode == PostMode::DirectPost).then(|| DirectPost {
                privacy: r.post_info.privacy_level,
                disable_comment: r.post_info.disable_comment,
                disable_duet: None,
                disable_stitch: None,
                brand_content: r.post_info.brand_content_toggle.unwrap_or(false),
            })
        }
        _ => None,
    }
}

fn ev(c: &Call, detail: impl Into<String>) -> Evidence {
    Evidence {
        log_id: c.log_id.clone(),
        time: c.time,
        endpoint: c.endpoint.clone(),
        detail: detail.into(),
    }
}

fn check(
    id: &'static str,
    title: &'static str,
    rule: &'static str,
    observed: bool,
    evidence: Vec<Evidence>,
) -> Check {
    let verdict = if !evidence.is_empty() {
        Verdict::Fail
    } else if observed {
        Verdict::Pass
    } else {
        Verdict::NotObserved
    };
    Check {
        id,
        title,
        rule,
        verdict,
        evidence,
    }
}

/// Judges an app's calls (any order; injected faults are the sandbox's doing and are skipped).
pub fn evaluate(app: &AppFacts, calls: &[Call], deliveries: &[Delivery], w: Windows) -> Report {
    let mut calls: Vec<&Call> = calls.iter().filter(|c| !c.injected).collect();
    calls.sort_by(|a, b| a.time.cmp(&b.time).then(a.log_id.cmp(&b.log_id)));
    let mut checks = Vec::new();

    // Latest creator_info answer per token, as the calls go by.
    let mut latest_info: HashMap<String, (i64, Option<CreatorInfo>, String)> = HashMap::new();
    let (mut ci_seen, mut ci_ev) = (false, Vec::new());
    let (mut priv_seen, mut priv_ev) = (false, Vec::new());
    let (mut toggles_seen, mut toggles_ev) = (false, Vec::new());
    let (mut brand_seen, mut brand_ev) = (false, Vec::new());
    let (mut gate_seen, mut gate_ev) = (false, Vec::new());
    let (mut unaudited_seen, mut unaudited_ev) = (false, Vec::new());
    for c in &calls {
        let token = c.token.clone().unwrap_or_default();
        if c.endpoint == CREATOR_INFO && (c.status == 200) {
            let info: Option<CreatorInfo> = serde_json::from_str(&c.summary).ok();
            latest_info.insert(token.clone(), (c.time, info, c.code.clone()));
            continue;
        }
        let Some(dp) = direct_post(c) else { continue };
        let latest = latest_info.get(&token);
        ci_seen = true;
        match latest {
            Some((t, _, _)) if c.time - t <= w.creator_info_ms => {}
            Some((t, _, _)) => ci_ev.push(ev(
                c,
                format!(
                    "the last creator_info for this token was {} minutes earlier",
                    (c.time - t) / 60_000
                ),
            )),
            None => ci_ev.push(ev(
                c,
                "no creator_info/query from this token before the post",
            )),
        }
        if let Some((_, _, code)) = latest {
            gate_seen = true;
            if code != "ok" {
                gate_ev.push(ev(
                    c,
                    format!("posted although the latest creator_info answered {code}"),
                ));
            }
        }
        priv_seen = true;
        match (dp.privacy, latest.and_then(|l| l.1.as_ref())) {
            (None, _) => priv_ev.push(ev(
                c,
                "privacy_level missing: the user must choose it, nothing may be defaulted",
            )),
            (Some(p), Some(info)) if !info.privacy_level_options.contains(&p) => priv_ev.push(ev(
                c,
                format!(
                    "privacy_level {} is not among the creator's options",
                    p.as_str()
                ),
            )),
            _ => {}
        }
        if let Some(info) = latest.and_then(|l| l.1.as_ref()) {
            toggles_seen = true;
            for (name, asked, disabled) in [
                ("disable_comment", dp.disable_comment, info.comment_disabled),
                ("disable_duet", dp.disable_duet, info.duet_disabled),
                ("disable_stitch", dp.disable_stitch, info.stitch_disabled),
            ] {
                if asked == Some(false) && disabled {
                    toggles_ev.push(ev(
                        c,
                        format!("{name}: false requested although the creator disabled it"),
                    ));
                }
            }
        }
        brand_seen = true;
        if dp.brand_content && dp.privacy == Some(PrivacyLevel::SelfOnly) {
            brand_ev.push(ev(
                c,
                "branded content (brand_content_toggle) posted as SELF_ONLY",
            ));
        }
        if !app.audited {
            unaudited_seen = true;
            if dp.privacy.is_some_and(|p| p != PrivacyLevel::SelfOnly) {
                unaudited_ev.push(ev(
                    c,
                    format!(
                        "an unaudited app asked for {}",
                        dp.privacy.map(|p| p.as_str()).unwrap_or("")
                    ),
                ));
            }
        }
    }
    checks.push(check("creator_info_first", "Creator info queried before each post", "Query creator_info afresh each time the posting page is shown, and use that answer (guidelines UX 1).", ci_seen, ci_ev));
    checks.push(check(
        "privacy_from_options",
        "Privacy chosen from the returned options, never defaulted",
        "privacy_level must be one of the latest privacy_level_options, chosen by the user (UX 2).",
        priv_seen,
        priv_ev,
    ));
    checks.push(check("disabled_interactions", "Disabled interactions never requested", "Comment/Duet/Stitch controls are greyed out when creator_info reports them disabled (UX 2).", toggles_seen, toggles_ev));
    checks.push(check(
        "disclosure_consistent",
        "Branded content is not private",
        "Branded content needs public or friends visibility (UX 3).",
        brand_seen,
        brand_ev,
    ));
    checks.push(check(
        "respects_creator_info_gate",
        "Stops when creator_info says the creator cannot post",
        "When creator_info answers a spam or cap code, abort and ask the user to try later (UX 1).",
        gate_seen,
        gate_ev,
    ));
    checks.push(check(
        "unaudited_private_only",
        "Unaudited app posts only SELF_ONLY",
        "Content of unaudited clients is restricted to private viewing (audit rules).",
        unaudited_seen,
        unaudited_ev,
    ));

    // Daily cap: after spam_risk_too_many_posts, the same creator's next init must wait.
    let (mut cap_seen, mut cap_ev) = (false, Vec::new());
    let mut capped: HashMap<String, i64> = HashMap::new();
    for c in &calls {
        let creator = c.creator.clone().unwrap_or_default();
        let is_init = [INIT_VIDEO, INIT_CONTENT].contains(&c.endpoint.as_str());
        if c.code == "spam_risk_too_many_posts" {
            cap_seen = true;
            if is_init && capped.contains_key(&creator) {
                cap_ev.push(ev(
                    c,
                    "posted again after spam_risk_too_many_posts instead of backing off",
                ));
            }
            capped.insert(creator, c.time);
        } else if is_init && capped.get(&creator).is_some_and(|t| c.time - t < 3_600_000) {
            cap_ev.push(ev(c, "posted within an hour of spam_risk_too_many_posts"));
        }
    }
    checks.push(check("daily_cap_respected", "No posting past the daily cap", "A creator gets a limited number of API posts per 24 h; back off after spam_risk_too_many_posts.", cap_seen || !calls.is_empty(), cap_ev));

    // 429s: honoured with backoff, not hammered.
    let (mut rl_seen, mut rl_ev) = (false, Vec::new());
    let mut recent: HashMap<(String, String), Vec<i64>> = HashMap::new();
    for c in &calls {
        if c.status != 429 {
            continue;
        }
        rl_seen = true;
        let q = recent
            .entry((c.token.clone().unwrap_or_default(), c.endpoint.clone()))
            .or_default();
        q.retain(|t| c.time - t < 60_000);
        q.push(c.time);
        if q.len() == w.hammer_429s {
            rl_ev.push(ev(c, format!("{} calls answered 429 within a minute: the client kept calling instead of backing off", w.hammer_429s)));
        }
    }
    checks.push(check(
        "rate_limits_honoured",
        "429s honoured with backoff",
        "On rate_limit_exceeded, wait before calling that endpoint again.",
        rl_seen || !calls.is_empty(),
        rl_ev,
    ));

    // Tokens refreshed before expiry.
    let expired: Vec<Evidence> = calls
        .iter()
        .filter(|c| c.code == "access_token_invalid" && c.summary == "expired")
        .map(|c| {
            ev(
                c,
                "called with an expired access token instead of refreshing it first",
            )
        })
        .collect();
    checks.push(check(
        "tokens_refreshed",
        "Tokens refreshed before they expire",
        "Refresh the access token (2 h on TikTok's current pages, 24 h on the older ones) with the refresh token before it expires.",
        !calls.is_empty(),
        expired,
    ));

    // Chunk sizes within the rules.
    let (mut chunk_seen, mut chunk_ev) = (false, Vec::new());
    for c in &calls {
        if c.endpoint != INIT_VIDEO && c.endpoint != INIT_INBOX {
            continue;
        }
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&c.summary) else {
            continue;
        };
        let Ok(s) = serde_json::from_value::<reelbox_wire::posting::VideoSourceInfo>(
            v["source_info"].clone(),
        ) else {
            continue;
        };
        if s.source != Source::FileUpload {
            continue;
        }
        chunk_seen = true;
        if let Err(e) = ChunkPlan::validate(
            s.video_size.unwrap_or(0),
            s.chunk_size.unwrap_or(0),
            s.total_chunk_count.unwrap_or(0),
            &ChunkLimits::default(),
        ) {
            chunk_ev.push(ev(c, e));
        }
    }
    checks.push(check(
        "chunk_rules",
        "Chunk sizes within the rules",
        "5–64 MB chunks, total_chunk_count = floor(video_size / chunk_size), final chunk ≤ 128 MB.",
        chunk_seen,
        chunk_ev,
    ));

    // Status polled at a sane rate.
    let (mut poll_seen, mut poll_ev) = (false, Vec::new());
    let mut last_poll: HashMap<String, (i64, usize)> = HashMap::new();
    for c in &calls {
        if c.endpoint != STATUS {
            continue;
        }
        poll_seen = true;
        let id = serde_json::from_str::<serde_json::Value>(&c.summary)
            .ok()
            .and_then(|v| v["publish_id"].as_str().map(str::to_string))
            .unwrap_or_default();
        let e = last_poll.entry(id).or_insert((i64::MIN / 2, 0));
        if c.time - e.0 < w.min_poll_interval_ms {
            e.1 += 1;
            if e.1 == 3 {
                poll_ev.push(ev(
                    c,
                    format!(
                        "status polled more often than once every {} ms",
                        w.min_poll_interval_ms
                    ),
                ));
            }
        }
        e.0 = c.time;
    }
    checks.push(check(
        "status_poll_rate",
        "Status polled at a sane rate",
        "Poll status/fetch with backoff (or use webhooks) rather than in a tight loop.",
        poll_seen,
        poll_ev,
    ));

    // Outcome tracked: polls or webhooks.
    let inits = calls
        .iter()
        .filter(|c| direct_post(c).is_some() && c.code == "ok")
        .count();
    let tracked = poll_seen || app.has_webhook;
    let mut track_ev = Vec::new();
    if inits > 0
        && !tracked
        && let Some(c) = calls
            .iter()
            .find(|c| direct_post(c).is_some() && c.code == "ok")
    {
        track_ev.push(ev(
            c,
            "no status/fetch and no webhook URL: users cannot see where their post stands",
        ));
    }
    checks.push(check(
        "outcome_tracked",
        "Post outcome tracked",
        "Poll status/fetch or consume status webhooks so users see where their post stands (UX 5).",
        inits > 0,
        track_ev,
    ));

    // Webhooks answered 2xx.
    let hook_ev: Vec<Evidence> = deliveries
        .iter()
        .filter(|d| d.attempts > 1 || d.status == "dropped")
        .map(|d| Evidence {
            log_id: String::new(),
            time: 0,
            endpoint: "webhook".into(),
            detail: format!(
                "{} needed {} attempts (last answer {:?})",
                d.event, d.attempts, d.last_status_code
            ),
        })
        .collect();
    checks.push(check(
        "webhooks_answered",
        "Webhooks answered 2xx promptly",
        "Reply HTTP 200 to each delivery at once (verify the TikTok-Signature first).",
        !deliveries.is_empty(),
        hook_ev,
    ));

    // No second init of a publish still in flight: identical init bodies close together.
    let mut reinit_ev = Vec::new();
    let mut seen_bodies: HashMap<(String, String, String), i64> = HashMap::new();
    for c in &calls {
        // A client that checked the status in between knew where the first publish stood.
        if c.endpoint == STATUS {
            let token = c.token.clone().unwrap_or_default();
            seen_bodies.retain(|k, _| k.0 != token);
            continue;
        }
        if ![INIT_VIDEO, INIT_INBOX, INIT_CONTENT].contains(&c.endpoint.as_str()) || c.code != "ok"
        {
            continue;
        }
        let key = (
            c.token.clone().unwrap_or_default(),
            c.endpoint.clone(),
            c.summary.clone(),
        );
        if let Some(t) = seen_bodies.get(&key)
            && c.time - t < w.reinit_ms
        {
            reinit_ev.push(ev(c, "the same init sent again without checking the first publish's status: resume or check status instead (duplicate posts)"));
        }
        seen_bodies.insert(key, c.time);
    }
    checks.push(check("no_duplicate_inits", "Never re-initialising a publish in progress", "After an interruption, resume the upload or check status; a second init makes a duplicate post.", inits > 0, reinit_ev));

    // Leniencies: what reelbox served and TikTok would have refused.
    let lenient_ev: Vec<Evidence> = calls
        .iter()
        .flat_map(|c| {
            c.lenient
                .iter()
                .filter_map(|id| Leniency::from_id(id))
                .map(move |l| ev(c, format!("would fail on TikTok: {}", l.what())))
        })
        .collect();
    checks.push(check(
        "tiktok_would_accept",
        "Only what TikTok accepts",
        "reelbox serves a few requests TikTok refuses (for generic OAuth libraries); each would fail in production. Strict mode refuses them as TikTok does.",
        !calls.is_empty(),
        lenient_ev,
    ));

    let audit_checklist = vec![
        ChecklistItem {
            id: "nickname_shown",
            item: "The posting screen shows the creator's nickname from creator_info.",
        },
        ChecklistItem {
            id: "privacy_no_default",
            item: "Privacy is a dropdown of privacy_level_options with nothing preselected.",
        },
        ChecklistItem {
            id: "toggles_off",
            item: "Comment, Duet and Stitch start unchecked; each is greyed out when creator_info disables it.",
        },
        ChecklistItem {
            id: "disclosure",
            item: "A 'Disclose commercial content' switch, off by default, reveals 'Your brand' and 'Branded content'; with it on, one must be ticked.",
        },
        ChecklistItem {
            id: "branded_not_private",
            item: "'Branded content' and 'Only me' exclude each other, with a note saying why.",
        },
        ChecklistItem {
            id: "music_consent",
            item: "Above the post button: 'By posting, you agree to TikTok's Music Usage Confirmation' (plus the Branded Content Policy when branded).",
        },
        ChecklistItem {
            id: "preview",
            item: "The user sees a preview of exactly what will be posted, and can edit any preset caption.",
        },
        ChecklistItem {
            id: "processing_notice",
            item: "After posting, the user is told processing can take a few minutes.",
        },
    ];
    let count = |v: Verdict| checks.iter().filter(|c| c.verdict == v).count();
    Report {
        pass: count(Verdict::Pass),
        fail: count(Verdict::Fail),
        not_observed: count(Verdict::NotObserved),
        checks,
        audit_checklist,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(
        time: i64,
        endpoint: &str,
        code: &str,
        status: i64,
        summary: serde_json::Value,
    ) -> Call {
        Call {
            time,
            endpoint: endpoint.into(),
            token: Some("t".into()),
            creator: Some("c".into()),
            status,
            code: code.into(),
            log_id: format!("L{time}"),
            summary: if summary.is_string() {
                summary.as_str().unwrap_or("").to_string()
            } else {
                summary.to_string()
            },
            injected: false,
            lenient: vec![],
        }
    }

    fn info() -> serde_json::Value {
        serde_json::json!({"creator_avatar_url": "", "creator_username": "a", "creator_nickname": "A", "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"], "comment_disabled": true, "duet_disabled": false, "stitch_disabled": false, "max_video_post_duration_sec": 600})
    }

    fn init(privacy: &str, extra: serde_json::Value) -> serde_json::Value {
        let mut post = serde_json::json!({"privacy_level": privacy});
        if let (Some(p), Some(e)) = (post.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        serde_json::json!({"post_info": post, "source_info": {"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1}})
    }

    fn verdict(r: &Report, id: &str) -> Verdict {
        r.checks
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.verdict)
            .unwrap_or(Verdict::NotObserved)
    }

    const APP: AppFacts = AppFacts {
        audited: true,
        has_webhook: false,
    };

    #[test]
    fn a_careful_client_passes() {
        let calls = vec![
            call(0, CREATOR_INFO, "ok", 200, info()),
            call(
                1000,
                INIT_VIDEO,
                "ok",
                200,
                init("PUBLIC_TO_EVERYONE", serde_json::json!({})),
            ),
            call(
                5000,
                STATUS,
                "ok",
                200,
                serde_json::json!({"publish_id": "p"}),
            ),
            call(
                10000,
                STATUS,
                "ok",
                200,
                serde_json::json!({"publish_id": "p"}),
            ),
        ];
        let r = evaluate(&APP, &calls, &[], Windows::default());
        assert_eq!(r.fail, 0, "{:#?}", r.checks);
        assert_eq!(verdict(&r, "creator_info_first"), Verdict::Pass);
        assert_eq!(verdict(&r, "webhooks_answered"), Verdict::NotObserved);
    }

    #[test]
    fn a_careless_client_gets_each_finding() {
        let calls = vec![
            call(
                0,
                INIT_VIDEO,
                "ok",
                200,
                init(
                    "SELF_ONLY",
                    serde_json::json!({"brand_content_toggle": true}),
                ),
            ),
            call(10, CREATOR_INFO, "ok", 200, info()),
            call(
                20,
                INIT_VIDEO,
                "privacy_level_option_mismatch",
                403,
                init(
                    "FOLLOWER_OF_CREATOR",
                    serde_json::json!({"disable_comment": false}),
                ),
            ),
            call(
                30,
                INIT_VIDEO,
                "rate_limit_exceeded",
                429,
                init("SELF_ONLY", serde_json::json!({})),
            ),
            call(
                31,
                INIT_VIDEO,
                "rate_limit_exceeded",
                429,
                init("SELF_ONLY", serde_json::json!({})),
            ),
            call(
                32,
                INIT_VIDEO,
                "rate_limit_exceeded",
                429,
                init("SELF_ONLY", serde_json::json!({})),
            ),
            call(
                40,
                STATUS,
                "access_token_invalid",
                401,
                serde_json::json!("expired"),
            ),
            call(
                50,
                INIT_INBOX,
                "invalid_param",
                400,
                serde_json::json!({"source_info": {"source": "FILE_UPLOAD", "video_size": 50000123, "chunk_size": 10000000, "total_chunk_count": 6}}),
            ),
        ];
        let r = evaluate(
            &AppFacts {
                audited: false,
                has_webhook: false,
            },
            &calls,
            &[Delivery {
                event: "post.publish.complete".into(),
                status: "delivered".into(),
                attempts: 3,
                last_status_code: Some(200),
            }],
            Windows::default(),
        );
        for id in [
            "creator_info_first",
            "privacy_from_options",
            "disabled_interactions",
            "disclosure_consistent",
            "rate_limits_honoured",
            "tokens_refreshed",
            "chunk_rules",
            "webhooks_answered",
        ] {
            assert_eq!(
                verdict(&r, id),
                Verdict::Fail,
                "{id}: {:#?}",
                r.checks.iter().find(|c| c.id == id)
            );
        }
        let ci = r
            .checks
            .iter()
            .find(|c| c.id == "creator_info_first")
            .unwrap();
        assert_eq!(ci.evidence[0].log_id, "L0");
    }

    #[test]
    fn backing_off_after_the_cap_and_duplicates() {
        let body = init("SELF_ONLY", serde_json::json!({}));
        let calls = vec![
            call(0, CREATOR_INFO, "ok", 200, info()),
            call(1, INIT_VIDEO, "spam_risk_too_many_posts", 403, body.clone()),
            call(2, INIT_VIDEO, "spam_risk_too_many_posts", 403, body.clone()),
            call(10_000_000, CREATOR_INFO, "ok", 200, info()),
            call(10_000_001, INIT_VIDEO, "ok", 200, body.clone()),
            call(10_000_002, INIT_VIDEO, "ok", 200, body),
        ];
        let r = evaluate(&APP, &calls, &[], Windows::default());
        assert_eq!(verdict(&r, "daily_cap_respected"), Verdict::Fail);
        assert_eq!(verdict(&r, "no_duplicate_inits"), Verdict::Fail);
    }
    #[test]
    fn each_leniency_a_call_relied_on_is_a_finding_with_its_log_id() {
        let mut lenient = call(1_000, "/v2/oauth/token/", "ok", 200, "".into());
        lenient.lenient = vec![
            "client_id_for_client_key".into(),
            "no_trailing_slash".into(),
        ];
        let careful = call(2_000, "/v2/oauth/token/", "ok", 200, "".into());
        let r = evaluate(
            &AppFacts {
                audited: true,
                has_webhook: false,
            },
            &[lenient, careful.clone()],
            &[],
            Windows::default(),
        );
        let c = r
            .checks
            .iter()
            .find(|c| c.id == "tiktok_would_accept")
            .unwrap();
        assert_eq!(c.verdict, Verdict::Fail);
        assert_eq!(c.evidence.len(), 2);
        assert!(c.evidence.iter().all(|e| e.log_id == "L1000"));
        assert_eq!(
            c.evidence[0].detail,
            "would fail on TikTok: sent `client_id` instead of `client_key`"
        );
        let clean = evaluate(
            &AppFacts {
                audited: true,
                has_webhook: false,
            },
            &[careful],
            &[],
            Windows::default(),
        );
        let c = clean
            .checks
            .iter()
            .find(|c| c.id == "tiktok_would_accept")
            .unwrap();
        assert_eq!(c.verdict, Verdict::Pass);
    }
}
