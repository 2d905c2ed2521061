//! `reelbox schedule PLAN.toml`: posts across several accounts from a persistent local queue. Each
//! account's posts respect its daily cap (the plan's `daily_cap`, and the platform's own word
//! through creator_info's `spam_risk_too_many_posts`) and the per-token init rate, spread over the
//! day; every step is saved before it is taken (the queue's state file and the publisher's
//! journal), so a killed run resumes where it stopped and never posts twice.
//!
//! ```toml
//! [settings]
//! clock = "reelbox"      # "system" (default) or "reelbox": the server's clock, GET /_reelbox/clock
//! spread = true          # space each account's posts 24 h / daily_cap apart (default true)
//! rate_per_minute = 6    # video/init calls per token and minute (TikTok: 6)
//!
//! [accounts.alice]       # a stored login (`reelbox login --account alice`)
//! daily_cap = 15
//!
//! [[posts]]
//! id = "launch-1"        # stable id: the key against posting twice (default: its position)
//! account = "alice"
//! file = "clips/one.mp4" # relative to the plan
//! title = "Day one #launch"
//! privacy = "SELF_ONLY"
//! not_before = "2026-12-01T09:00:00Z"
//! ```
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use reelbox_sdk::wire::ErrorCode;
use reelbox_sdk::wire::posting::{PrivacyLevel, PublishStatus, VideoPostInfo};
use reelbox_sdk::{Action, Client, Credentials, Journal, Media, Publisher, VideoTarget};
use serde::{Deserialize, Serialize};

use super::{account_holder, explain, http_client, load_account, print_json};

use reelbox_core::clock::DAY_MS;
const MINUTE_MS: i64 = 60_000;
/// Slack on window edges: the platform stamps a post a little after this client decided to make it.
const MARGIN_MS: i64 = 60_000;

/// Options of `reelbox schedule`.
#[derive(Args, Clone, Debug)]
pub struct ScheduleArgs {
    /// The plan (TOML).
    pub plan: PathBuf,
    /// Print the timeline without posting.
    #[arg(long)]
    pub dry_run: bool,
    /// Make one pass (post what is due now), report, and exit.
    #[arg(long)]
    pub once: bool,
    /// Where the queue's state lives (default: PLAN.state.json next to the plan).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Admin token for `clock = "reelbox"` (reads the server's clock).
    #[arg(long, env = "REELBOX_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
}

/// The plan file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Settings for the whole plan.
    #[serde(default)]
    pub settings: Settings,
    /// Accounts by name.
    #[serde(default)]
    pub accounts: BTreeMap<String, PlanAccount>,
    /// The posts, in order.
    #[serde(default)]
    pub posts: Vec<PlanPost>,
}

/// `[settings]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `system` or `reelbox`.
    pub clock: String,
    /// Space posts evenly over the day.
    pub spread: bool,
    /// Init calls per token and minute.
    pub rate_per_minute: u32,
    /// Preferred chunk size.
    pub chunk_size: u64,
    /// API base URL for every account (else each login's own).
    pub base_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clock: "system".into(),
            spread: true,
            rate_per_minute: 6,
            chunk_size: reelbox_sdk::upload::PREFERRED_CHUNK,
            base_url: None,
        }
    }
}

/// `[accounts.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanAccount {
    /// The stored login (default: the account's name).
    #[serde(default)]
    pub login: Option<String>,
    /// Posts per rolling 24 hours (TikTok's typical cap is 15).
    #[serde(default = "default_cap")]
    pub daily_cap: u32,
}

fn default_cap() -> u32 {
    15
}

/// `[[posts]]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanPost {
    /// Stable id (default `post-N`, by position).
    #[serde(default)]
    pub id: Option<String>,
    /// The account it goes to.
    pub account: String,
    /// The video, relative to the plan.
    pub file: PathBuf,
    /// Caption.
    #[serde(default)]
    pub title: Option<String>,
    /// Privacy level (required for Direct Post).
    #[serde(default)]
    pub privacy: Option<String>,
    /// Not before this RFC 3339 time.
    #[serde(default)]
    pub not_before: Option<String>,
    /// To the inbox instead.
    #[serde(default)]
    pub inbox: bool,
    /// Turn comments off.
    #[serde(default)]
    pub disable_comment: bool,
    /// "Your brand".
    #[serde(default)]
    pub brand_organic: bool,
    /// "Branded content".
    #[serde(default)]
    pub brand_content: bool,
    /// AI-generated.
    #[serde(default)]
    pub aigc: bool,
}

/// How often one account may post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Posts per rolling 24 hours.
    pub cap: u32,
    /// Least time between two posts.
    pub min_interval_ms: i64,
    /// Inits per rolling minute.
    pub per_minute: u32,
}

impl Pacing {
    fn new(cap: u32, spread: bool, per_minute: u32) -> Pacing {
        let cap = cap.max(1);
        Pacing {
            cap,
            min_interval_ms: if spread {
                (DAY_MS + cap as i64 - 1) / cap as i64
            } else {
                0
            },
            per_minute: per_minute.max(1),
        }
    }
}

/// The earliest time at or after `from` when one more post fits the account's `history` (post
/// times, ascending): the spacing, the daily cap and the per-minute rate.
pub fn earliest(history: &[i64], from: i64, p: &Pacing) -> i64 {
    let mut t = from;
    loop {
        let mut moved = false;
        if let Some(&last) = history.last()
            && t < last + p.min_interval_ms
        {
            t = last + p.min_interval_ms;
        }
        let day: Vec<i64> = history
            .iter()
            .copied()
            .filter(|h| h + DAY_MS + MARGIN_MS > t)
            .collect();
        if day.len() >= p.cap as usize {
            t = day[day.len() - p.cap as usize] + DAY_MS + MARGIN_MS;
            moved = true;
        }
        let minute: Vec<i64> = history
            .iter()
            .copied()
            .filter(|h| h + MINUTE_MS + 1000 > t)
            .collect();
        if minute.len() >= p.per_minute as usize {
            t = minute[minute.len() - p.per_minute as usize] + MINUTE_MS + 1000;
            moved = true;
        }
        if !moved {
            return t;
        }
    }
}

/// Where an item of the queue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Not started.
    Pending,
    /// Started (init sent or about to be); the journal knows the details.
    Posting,
    /// All bytes sent; waiting for the outcome.
    Uploaded,
    /// Terminal: posted (or in the inbox).
    Done,
    /// Terminal: failed or refused.
    Failed,
}

/// One item's record in the state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item {
    /// Where it stands.
    pub state: ItemState,
    /// Its account.
    pub account: String,
    /// When it was started, by the schedule's clock (epoch ms).
    #[serde(default)]
    pub started_at_ms: Option<i64>,
    /// The platform's id.
    #[serde(default)]
    pub publish_id: Option<String>,
    /// The final status or the refusal.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Post ids once public.
    #[serde(default)]
    pub post_ids: Vec<u64>,
}

/// The state file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueueState {
    /// Items by id.
    pub items: BTreeMap<String, Item>,
    /// Inits the platform refused for a cap (should stay 0).
    pub cap_errors: u32,
}

fn load_state(p: &Path) -> anyhow::Result<QueueState> {
    match std::fs::read(p) {
        Ok(b) => {
            serde_json::from_slice(&b).with_context(|| format!("{} is unreadable", p.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(QueueState::default()),
        Err(e) => Err(e.into()),
    }
}

fn save_state(p: &Path, s: &QueueState) -> anyhow::Result<()> {
    reelbox_sdk::oauth::write_private_atomic(p, &serde_json::to_vec_pretty(s)?)?;
    Ok(())
}

fn parse_time(s: &str) -> anyhow::Result<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .with_context(|| format!("not_before {s:?} is not an RFC 3339 time"))?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn fmt_time(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}

/// The schedule's clock: the system's, or a reelbox server's (so a sandbox can move days).
struct Clock {
    base_ms: i64,
    at: Instant,
}

impl Clock {
    async fn read(plan: &Plan, args: &ScheduleArgs, base: &str) -> anyhow::Result<Clock> {
        let base_ms = match plan.settings.clock.as_str() {
            "system" => reelbox_sdk::oauth::system_now_ms(),
            "reelbox" => {
                let Some(tok) = &args.admin_token else {
                    bail!(
                        "clock = \"reelbox\" reads the server's clock: pass --admin-token or REELBOX_ADMIN_TOKEN"
                    );
                };
                let v: serde_json::Value = http_client()?
                    .get(format!("{}/_reelbox/clock", base.trim_end_matches('/')))
                    .bearer_auth(tok)
                    .send()
                    .await?
                    .json()
                    .await?;
                v["data"]["now"]
                    .as_i64()
                    .with_context(|| format!("the server's clock answered {v}"))?
            }
            other => bail!("settings.clock = {other:?}: use \"system\" or \"reelbox\""),
        };
        Ok(Clock {
            base_ms,
            at: Instant::now(),
        })
    }

    fn now(&self) -> i64 {
        self.base_ms + self.at.elapsed().as_millis() as i64
    }
}

struct Ctx {
    plan: Plan,
    dir: PathBuf,
    ids: Vec<String>,
    state_path: PathBuf,
}

fn load_plan(args: &ScheduleArgs) -> anyhow::Result<Ctx> {
    let text = std::fs::read_to_string(&args.plan)
        .with_context(|| format!("reading {}", args.plan.display()))?;
    let plan: Plan =
        toml::from_str(&text).with_context(|| format!("{} is not a plan", args.plan.display()))?;
    let dir = args
        .plan
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut ids = Vec::new();
    for (i, p) in plan.posts.iter().enumerate() {
        let id = p.id.clone().unwrap_or_else(|| format!("post-{}", i + 1));
        if ids.contains(&id) {
            bail!("post id {id:?} appears twice");
        }
        if !plan.accounts.contains_key(&p.account) {
            bail!("post {id}: account {:?} is not under [accounts]", p.account);
        }
        if !p.inbox && p.privacy.is_none() {
            bail!("post {id}: privacy is required for a Direct Post (there is no default)");
        }
        if let Some(nb) = &p.not_before {
            parse_time(nb)?;
        }
        ids.push(id);
    }
    let state_path = args.state.clone().unwrap_or_else(|| {
        let mut s = args.plan.clone().into_os_string();
        s.push(".state.json");
        PathBuf::from(s)
    });
    Ok(Ctx {
        plan,
        dir,
        ids,
        state_path,
    })
}

fn pacing_of(ctx: &Ctx, account: &str) -> Pacing {
    let cap = ctx
        .plan
        .accounts
        .get(account)
        .map(|a| a.daily_cap)
        .unwrap_or(15);
    Pacing::new(
        cap,
        ctx.plan.settings.spread,
        ctx.plan.settings.rate_per_minute,
    )
}

fn history(state: &QueueState, account: &str) -> Vec<i64> {
    let mut h: Vec<i64> = state
        .items
        .values()
        .filter(|i| i.account == account && i.state != ItemState::Pending)
        .filter_map(|i| i.started_at_ms)
        .collect();
    h.sort_unstable();
    h
}

fn not_before(p: &PlanPost) -> i64 {
    p.not_before
        .as_deref()
        .and_then(|s| parse_time(s).ok())
        .unwrap_or(i64::MIN)
}

/// Runs `reelbox schedule`.
pub async fn run(args: ScheduleArgs) -> anyhow::Result<()> {
    let ctx = load_plan(&args)?;
    let mut state = load_state(&ctx.state_path)?;
    for (id, p) in ctx.ids.iter().zip(&ctx.plan.posts) {
        state.items.entry(id.clone()).or_insert_with(|| Item {
            state: ItemState::Pending,
            account: p.account.clone(),
            started_at_ms: None,
            publish_id: None,
            outcome: None,
            post_ids: vec![],
        });
    }
    let clock_base = ctx
        .plan
        .settings
        .base_url
        .clone()
        .or_else(|| {
            ctx.plan
                .accounts
                .iter()
                .next()
                .and_then(|(n, a)| load_account(a.login.as_deref().unwrap_or(n)).ok())
                .map(|a| a.base_url)
        })
        .unwrap_or_else(|| super::DEFAULT_BASE.into());
    if args.dry_run {
        let clock = Clock::read(&ctx.plan, &args, &clock_base).await?;
        return dry_run(&ctx, &state, clock.now());
    }
    let mut clients = BTreeMap::new();
    for (name, acct) in &ctx.plan.accounts {
        let login = acct.login.clone().unwrap_or_else(|| name.clone());
        let a = load_account(&login)?;
        let base = ctx
            .plan
            .settings
            .base_url
            .clone()
            .unwrap_or_else(|| a.base_url.clone());
        let http = http_client()?;
        let holder = account_holder(http.clone(), &login, a, &base);
        let client = Client::with_http(http, base, Credentials::Holder(holder));
        let mut p = Publisher::new(client, Journal::new(journal_dir(&ctx.state_path)));
        p.chunk_size = ctx.plan.settings.chunk_size;
        clients.insert(name.clone(), p);
    }
    loop {
        let clock = Clock::read(&ctx.plan, &args, &clock_base).await?;
        let report = pass(&ctx, &mut state, &clients, &clock).await?;
        let finished = state
            .items
            .values()
            .all(|i| matches!(i.state, ItemState::Done | ItemState::Failed));
        if args.once || finished {
            print_json(&report)?;
            return Ok(());
        }
        eprintln!(
            "{} done, {} waiting; next at {}",
            report["done"], report["waiting"], report["next_at"]
        );
        let wait_ms = report["next_at_ms"]
            .as_i64()
            .map(|t| t - clock.now())
            .unwrap_or(60_000)
            .clamp(1_000, 60_000);
        tokio::time::sleep(Duration::from_millis(wait_ms as u64)).await;
    }
}

fn journal_dir(state_path: &Path) -> PathBuf {
    let mut s = state_path.as_os_str().to_os_string();
    s.push(".journal");
    PathBuf::from(s)
}

fn media_of(ctx: &Ctx, p: &PlanPost) -> anyhow::Result<Media> {
    let target = if p.inbox {
        VideoTarget::Inbox
    } else {
        let privacy = p
            .privacy
            .as_deref()
            .and_then(|s| PrivacyLevel::parse(&s.to_ascii_uppercase()))
            .context("privacy is not a known level")?;
        VideoTarget::Direct(VideoPostInfo {
            title: p.title.clone(),
            privacy_level: Some(privacy),
            disable_duet: Some(true),
            disable_stitch: Some(true),
            disable_comment: Some(p.disable_comment),
            video_cover_timestamp_ms: None,
            brand_content_toggle: Some(p.brand_content),
            brand_organic_toggle: Some(p.brand_organic),
            is_aigc: Some(p.aigc),
        })
    };
    Ok(Media::File {
        path: super::canonical(&ctx.dir.join(&p.file)),
        target,
    })
}

async fn pass(
    ctx: &Ctx,
    state: &mut QueueState,
    clients: &BTreeMap<String, Publisher>,
    clock: &Clock,
) -> anyhow::Result<serde_json::Value> {
    let mut posted = Vec::new();
    let mut notes = Vec::new();
    let mut next_at: Option<i64> = None;
    let mut blocked: Vec<String> = Vec::new();
    let mut checked: Vec<String> = Vec::new();
    let soonest = |n: &mut Option<i64>, t: i64| *n = Some(n.map_or(t, |x: i64| x.min(t)));
    for (id, p) in ctx.ids.iter().zip(&ctx.plan.posts) {
        let item = state.items.get(id).cloned().context("item")?;
        let Some(publisher) = clients.get(&p.account) else {
            continue;
        };
        match item.state {
            ItemState::Done | ItemState::Failed | ItemState::Uploaded => continue,
            ItemState::Posting => {} // interrupted: the journal resumes it, no new slot needed
            ItemState::Pending => {
                if blocked.contains(&p.account) {
                    continue;
                }
                let now = clock.now();
                let slot = earliest(
                    &history(state, &p.account),
                    now.max(not_before(p)),
                    &pacing_of(ctx, &p.account),
                );
                if slot > now {
                    soonest(&mut next_at, slot);
                    continue;
                }
                // Ask the platform first: a cap reached elsewhere (other apps post too) shows here.
                if !p.inbox && !checked.contains(&p.account) {
                    checked.push(p.account.clone());
                    match publisher.client.creator_info_reply().await {
                        Ok(r) => {
                            if let Some(g) = r.gate {
                                notes.push(format!("{}: {g}", p.account));
                                blocked.push(p.account.clone());
                                soonest(&mut next_at, now + 3_600_000);
                                continue;
                            }
                        }
                        Err(e) if e.action() == Action::Retry => {
                            notes.push(format!("{}: {e}", p.account));
                            blocked.push(p.account.clone());
                            soonest(&mut next_at, now + 60_000);
                            continue;
                        }
                        Err(e) => return Err(explain(e)).context(format!("account {}", p.account)),
                    }
                }
                let it = state.items.get_mut(id).context("item")?;
                it.state = ItemState::Posting;
                it.started_at_ms = Some(clock.now());
                save_state(&ctx.state_path, state)?;
            }
        }
        let media = media_of(ctx, p)?;
        let result = publisher.start(id, &media, None).await;
        let it = state.items.get_mut(id).context("item")?;
        match result {
            Ok(s) => {
                it.publish_id = Some(s.publish_id.clone());
                it.state = ItemState::Uploaded;
                if let Some(f) = s.finished {
                    apply_status(it, &f, &mut state.cap_errors);
                }
                posted.push(id.clone());
            }
            Err(e) => {
                if e.is(ErrorCode::SpamRiskTooManyPosts) {
                    state.cap_errors += 1;
                }
                notes.push(format!("{id}: {e}"));
                // The journal knows whether an init went through: then the item stays started
                // (and counted against the cap) and the next pass resumes it.
                let in_flight = publisher
                    .journal
                    .load(id)
                    .ok()
                    .flatten()
                    .is_some_and(|j| j.publish_id.is_some());
                match e.action() {
                    Action::Retry | Action::Reconnect if in_flight => {
                        it.state = ItemState::Posting;
                        blocked.push(p.account.clone());
                        soonest(&mut next_at, clock.now() + 60_000);
                    }
                    // Nothing was made (a refused init frees its journal key): try again later.
                    Action::Retry | Action::Reconnect => {
                        it.state = ItemState::Pending;
                        it.started_at_ms = None;
                        blocked.push(p.account.clone());
                        soonest(&mut next_at, clock.now() + 60_000);
                    }
                    _ if e.is(ErrorCode::SpamRiskTooManyPosts) => {
                        it.state = ItemState::Pending;
                        it.started_at_ms = None;
                        blocked.push(p.account.clone());
                        soonest(&mut next_at, clock.now() + 3_600_000);
                    }
                    _ => {
                        it.state = ItemState::Failed;
                        it.outcome = Some(e.to_string());
                    }
                }
            }
        }
        save_state(&ctx.state_path, state)?;
    }
    // Learn the outcome of what was sent (bounded: the next pass looks again).
    for (id, p) in ctx.ids.iter().zip(&ctx.plan.posts) {
        let Some(it) = state.items.get(id) else {
            continue;
        };
        let (ItemState::Uploaded, Some(pid)) = (it.state, it.publish_id.clone()) else {
            continue;
        };
        let Some(publisher) = clients.get(&p.account) else {
            continue;
        };
        match publisher
            .finish(id, &pid, Some(Duration::from_secs(60)), |_| {})
            .await
        {
            Ok(st) => {
                let it = state.items.get_mut(id).context("item")?;
                apply_status(it, &st, &mut state.cap_errors);
            }
            Err(e) => notes.push(format!("{id}: status: {e}")),
        }
        save_state(&ctx.state_path, state)?;
    }
    let count = |s: ItemState| state.items.values().filter(|i| i.state == s).count();
    Ok(serde_json::json!({
        "now_ms": clock.now(),
        "posted": posted,
        "done": count(ItemState::Done),
        "failed": count(ItemState::Failed),
        "waiting": count(ItemState::Pending) + count(ItemState::Posting) + count(ItemState::Uploaded),
        "cap_errors": state.cap_errors,
        "next_at_ms": next_at,
        "next_at": next_at.map(fmt_time),
        "notes": notes,
    }))
}

fn apply_status(it: &mut Item, st: &reelbox_sdk::wire::posting::StatusData, cap_errors: &mut u32) {
    match st.status {
        PublishStatus::PublishComplete | PublishStatus::SendToUserInbox => {
            it.state = ItemState::Done;
            it.outcome = Some(st.status.as_str().into());
            it.post_ids = st.publicaly_available_post_id.clone();
        }
        PublishStatus::Failed => {
            it.state = ItemState::Failed;
            let reason = st.fail_reason.clone().unwrap_or_default();
            if reason == "spam_risk_too_many_posts" {
                *cap_errors += 1;
            }
            it.outcome = Some(format!("FAILED: {reason}"));
        }
        _ => {}
    }
}

fn dry_run(ctx: &Ctx, state: &QueueState, now: i64) -> anyhow::Result<()> {
    let mut histories: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut timeline = Vec::new();
    for (id, p) in ctx.ids.iter().zip(&ctx.plan.posts) {
        let h = histories
            .entry(p.account.clone())
            .or_insert_with(|| history(state, &p.account));
        let item = state.items.get(id);
        if item.is_some_and(|i| i.state != ItemState::Pending) {
            continue;
        }
        let at = earliest(h, now.max(not_before(p)), &pacing_of(ctx, &p.account));
        h.push(at);
        h.sort_unstable();
        timeline.push((at, id.clone(), p.account.clone(), p.file.clone()));
    }
    timeline.sort();
    let last = timeline.last().map(|t| t.0).unwrap_or(now);
    let rows: Vec<_> = timeline
        .iter()
        .map(|(at, id, account, file)| {
            serde_json::json!({"at": fmt_time(*at), "at_ms": at, "id": id, "account": account, "file": file})
        })
        .collect();
    print_json(&serde_json::json!({
        "now": fmt_time(now),
        "posts": rows,
        "days": if rows.is_empty() { 0 } else { (last - now) / DAY_MS + 1 },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_and_rate_and_spacing() {
        let p = Pacing::new(3, false, 2);
        assert_eq!(earliest(&[], 100, &p), 100);
        // Two in the last minute: the rate waits for the older one to leave.
        assert_eq!(earliest(&[0, 10], 20, &p), 61_000);
        // Three in the day: the cap waits for the oldest, plus the margin.
        let h = [0, 100_000, 200_000];
        assert_eq!(earliest(&h, 300_000, &p), DAY_MS + MARGIN_MS);
        let spread = Pacing::new(15, true, 6);
        assert_eq!(spread.min_interval_ms, 5_760_000);
        let mut h = Vec::new();
        let mut t = 0;
        for _ in 0..40 {
            t = earliest(&h, t, &spread);
            h.push(t);
        }
        // Never more than 15 in any 24 hours.
        for (i, a) in h.iter().enumerate() {
            assert!(h[i..].iter().filter(|b| **b < a + DAY_MS).count() <= 15);
        }
    }
}
