//! `reelbox post`: asks the platform what this creator may post (creator_info) and refuses what
//! would be refused anyway, asks for the privacy level when none is given (no default), uploads
//! with a progress bar through the journaled publisher, and waits for the outcome.
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use reelbox_sdk::wire::posting::{
    CreatorInfo, PhotoPostInfo, PostMode, PrivacyLevel, PublishStatus, StatusData, VideoPostInfo,
};
use reelbox_sdk::{Journal, Media, Publisher, VideoTarget};
use sha2::{Digest, Sha256};

use super::{ClientArgs, canonical, connect, explain, is_image, is_url, journal_dir, print_json};

/// Options of `reelbox post`.
#[derive(Args, Clone, Debug)]
pub struct PostArgs {
    /// A video file, a video URL, or image URLs (photos are pulled from verified URL prefixes).
    #[arg(required = true)]
    pub files: Vec<String>,
    /// Caption (videos) or title (photos).
    #[arg(long)]
    pub title: Option<String>,
    /// Photo description.
    #[arg(long)]
    pub description: Option<String>,
    /// PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR or SELF_ONLY. Asked for when
    /// missing and a terminal is attached; there is no default.
    #[arg(long)]
    pub privacy: Option<String>,
    /// Upload to the creator's inbox as a draft instead of posting.
    #[arg(long)]
    pub inbox: bool,
    /// Turn comments off.
    #[arg(long)]
    pub disable_comment: bool,
    /// Allow Duets (off unless asked for).
    #[arg(long)]
    pub allow_duet: bool,
    /// Allow Stitches (off unless asked for).
    #[arg(long)]
    pub allow_stitch: bool,
    /// Promotes the creator's own business ("Your brand").
    #[arg(long)]
    pub brand_organic: bool,
    /// A paid partnership promoting a third party ("Branded content").
    #[arg(long)]
    pub brand_content: bool,
    /// AI-generated content.
    #[arg(long)]
    pub aigc: bool,
    /// Cover frame, milliseconds into the video.
    #[arg(long)]
    pub cover_ms: Option<i64>,
    /// Cover photo, 0-based index (photos).
    #[arg(long, default_value_t = 0)]
    pub cover_index: i64,
    /// Chunk size in bytes (the chunk rules still apply).
    #[arg(long, default_value_t = reelbox_sdk::upload::PREFERRED_CHUNK)]
    pub chunk_size: u64,
    /// Return after the upload instead of waiting for processing.
    #[arg(long)]
    pub no_wait: bool,
    /// Post again even though the journal says this exact post was already made.
    #[arg(long)]
    pub again: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Checks a Direct Post against the creator's options; `Err` says what the user must change.
pub fn check_against_creator(
    info: &CreatorInfo,
    privacy: PrivacyLevel,
    a: &PostArgs,
    duration_ms: Option<u64>,
    photo: bool,
) -> Result<(), String> {
    if !info.privacy_level_options.contains(&privacy) {
        return Err(format!(
            "{} may not post with privacy {}: choose one of {}",
            info.creator_username,
            privacy.as_str(),
            options(info)
        ));
    }
    if info.comment_disabled && !a.disable_comment {
        return Err(format!(
            "{} has turned comments off for their posts: pass --disable-comment",
            info.creator_username
        ));
    }
    if !photo && info.duet_disabled && a.allow_duet {
        return Err(format!(
            "{} does not allow Duets: drop --allow-duet",
            info.creator_username
        ));
    }
    if !photo && info.stitch_disabled && a.allow_stitch {
        return Err(format!(
            "{} does not allow Stitches: drop --allow-stitch",
            info.creator_username
        ));
    }
    if a.brand_content && privacy == PrivacyLevel::SelfOnly {
        return Err(
            "branded content cannot be private: choose another privacy level or drop --brand-content"
                .into(),
        );
    }
    if let Some(ms) = duration_ms {
        let max = info.max_video_post_duration_sec.max(0) as u64;
        if ms > max * 1000 {
            return Err(format!(
                "the video lasts {:.1} s; {} may post at most {max} s",
                ms as f64 / 1000.0,
                info.creator_username
            ));
        }
    }
    Ok(())
}

fn options(info: &CreatorInfo) -> String {
    info.privacy_level_options
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn ask_privacy(info: &CreatorInfo) -> anyhow::Result<PrivacyLevel> {
    eprintln!("Who can see this post?");
    for (i, p) in info.privacy_level_options.iter().enumerate() {
        eprintln!("  {}) {} ({})", i + 1, p.label(), p.as_str());
    }
    loop {
        eprint!("Choose 1-{}: ", info.privacy_level_options.len());
        let mut line = String::new();
        if std::io::stdin().read_line(&mut line)? == 0 {
            bail!("no privacy level chosen");
        }
        let t = line.trim();
        if let Some(p) = t
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| info.privacy_level_options.get(i))
        {
            return Ok(*p);
        }
        if let Some(p) = PrivacyLevel::parse(&t.to_ascii_uppercase())
            && info.privacy_level_options.contains(&p)
        {
            return Ok(p);
        }
    }
}

/// Probes the video's duration in a short-lived child process (`reelbox probe`, with a wall-clock
/// kill and a memory cap), so a file that trips the parser cannot hang the command.
async fn probe_duration_ms(path: &Path) -> anyhow::Result<u64> {
    let exe = std::env::current_exe()?;
    let p = reelbox_media::probe_video_isolated(&exe, path, Duration::from_secs(30), 512 << 20)
        .await
        .map_err(|e| anyhow::anyhow!("{} is not a readable video: {e}", path.display()))?;
    Ok(p.duration_ms)
}

fn journal_key(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    format!("post-{}", &hex::encode(h.finalize())[..32])
}

/// Runs `reelbox post`.
pub async fn run(a: PostArgs) -> anyhow::Result<()> {
    let client = connect(&a.client)?;
    let urls = a.files.iter().all(|f| is_url(f));
    let photos = a.files.iter().all(|f| is_image(f));
    if photos && !urls {
        bail!(
            "photos are pulled by the platform from a verified URL prefix: host them there and pass their https URLs"
        );
    }
    if !photos && a.files.len() > 1 {
        bail!("post one video at a time (several files are only for photos)");
    }
    if photos && a.files.len() > 35 {
        bail!("at most 35 photos per post");
    }
    let file = (!urls).then(|| PathBuf::from(&a.files[0]));
    let duration_ms = match &file {
        Some(p) => {
            if !p.is_file() {
                bail!("{}: no such file", p.display());
            }
            Some(probe_duration_ms(p).await?)
        }
        None => None,
    };
    // Direct Post: the creator's options decide what may be sent (and a person picks privacy).
    let mut privacy = None;
    // Who posts: the creator's handle when known (a refreshed token is the same creator), else
    // the token or the stored login's name.
    let mut who = a
        .client
        .token
        .clone()
        .unwrap_or_else(|| format!("account:{}", a.client.account));
    if !a.inbox {
        let reply = client.creator_info_reply().await.map_err(explain)?;
        if let Some(g) = reply.gate {
            bail!("{} cannot post now: {g}", reply.info.creator_username);
        }
        let info = reply.info;
        let p = match &a.privacy {
            Some(s) => PrivacyLevel::parse(&s.to_ascii_uppercase()).with_context(|| {
                format!(
                    "--privacy {s}: unknown level; this creator allows {}",
                    options(&info)
                )
            })?,
            None if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
                ask_privacy(&info)?
            }
            None => bail!(
                "--privacy is required (there is no default): {} allows {}",
                info.creator_username,
                options(&info)
            ),
        };
        check_against_creator(&info, p, &a, duration_ms, photos).map_err(anyhow::Error::msg)?;
        privacy = Some(p);
        who = format!("creator:{}", info.creator_username);
    }
    let media = if photos {
        Media::Photos {
            urls: a.files.clone(),
            cover_index: a.cover_index,
            mode: if a.inbox {
                PostMode::MediaUpload
            } else {
                PostMode::DirectPost
            },
            post_info: if a.inbox {
                PhotoPostInfo {
                    title: a.title.clone(),
                    description: a.description.clone(),
                    ..Default::default()
                }
            } else {
                PhotoPostInfo {
                    title: a.title.clone(),
                    description: a.description.clone(),
                    privacy_level: privacy,
                    disable_comment: Some(a.disable_comment),
                    brand_content_toggle: Some(a.brand_content),
                    brand_organic_toggle: Some(a.brand_organic),
                    ..Default::default()
                }
            },
        }
    } else {
        let target = if a.inbox {
            VideoTarget::Inbox
        } else {
            VideoTarget::Direct(VideoPostInfo {
                title: a.title.clone(),
                privacy_level: privacy,
                disable_duet: Some(!a.allow_duet),
                disable_stitch: Some(!a.allow_stitch),
                disable_comment: Some(a.disable_comment),
                video_cover_timestamp_ms: a.cover_ms,
                brand_content_toggle: Some(a.brand_content),
                brand_organic_toggle: Some(a.brand_organic),
                is_aigc: Some(a.aigc),
            })
        };
        match &file {
            Some(p) => Media::File {
                path: canonical(p),
                target,
            },
            None => Media::VideoUrl {
                url: a.files[0].clone(),
                target,
            },
        }
    };
    let fingerprint = match &file {
        Some(p) => reelbox_sdk::upload::file_fingerprint(p)
            .await
            .map_err(explain)?,
        None => String::new(),
    };
    let key = journal_key(&[client.base(), &who, &format!("{media:?}"), &fingerprint]);
    let journal = Journal::new(journal_dir()?);
    if a.again {
        journal.remove(&key).map_err(explain)?;
    }
    let mut publisher = Publisher::new(client.clone(), journal);
    publisher.chunk_size = a.chunk_size;
    let bar = progress_bar(&a, file.as_deref());
    let progress: Option<reelbox_sdk::upload::Progress> = bar.clone().map(|b| {
        Arc::new(move |done: u64, total: u64| {
            b.set_length(total);
            b.set_position(done);
        }) as reelbox_sdk::upload::Progress
    });
    let started = publisher
        .start(&key, &media, progress)
        .await
        .map_err(explain)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if started.resumed && !a.json {
        eprintln!(
            "Resumed the earlier attempt {} instead of posting again",
            started.publish_id
        );
    }
    let status = match (&started.finished, a.no_wait) {
        (Some(f), _) => Some(f.clone()),
        (None, true) => None,
        (None, false) => Some(wait(&publisher, &key, &started.publish_id, a.json).await?),
    };
    report(&a, &started, status.as_ref())
}

fn progress_bar(a: &PostArgs, file: Option<&Path>) -> Option<ProgressBar> {
    file?;
    if a.json || !std::io::stderr().is_terminal() {
        return None;
    }
    let b = ProgressBar::new(0);
    b.set_style(
        ProgressStyle::with_template(
            "{spinner} uploading [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    Some(b)
}

async fn wait(
    publisher: &Publisher,
    key: &str,
    publish_id: &str,
    quiet: bool,
) -> anyhow::Result<StatusData> {
    let spinner = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let s = ProgressBar::new_spinner();
        s.enable_steady_tick(Duration::from_millis(120));
        s.set_message("processing");
        s
    });
    let sp = spinner.clone();
    let st = publisher
        .finish(key, publish_id, None, move |s| {
            if let Some(sp) = &sp {
                sp.set_message(format!("processing: {}", s.status.as_str()));
            }
        })
        .await
        .map_err(explain)?;
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    Ok(st)
}

fn report(a: &PostArgs, s: &reelbox_sdk::Started, st: Option<&StatusData>) -> anyhow::Result<()> {
    if a.json {
        return print_json(&serde_json::json!({
            "publish_id": s.publish_id,
            "resumed": s.resumed,
            "status": st,
        }));
    }
    match st.map(|s| s.status) {
        None => println!(
            "Uploaded: {} (check with `reelbox status {}`)",
            s.publish_id, s.publish_id
        ),
        Some(PublishStatus::PublishComplete) => {
            let ids = st
                .map(|s| {
                    s.publicaly_available_post_id
                        .iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            println!(
                "Posted: {} {}",
                s.publish_id,
                if ids.is_empty() {
                    String::new()
                } else {
                    format!("(post {ids})")
                }
            );
            eprintln!("It can take a few minutes before the post shows on the profile.");
        }
        Some(PublishStatus::SendToUserInbox) => {
            println!("Sent to the creator's inbox: {}", s.publish_id);
            eprintln!("Open the TikTok inbox notification to finish the post.");
        }
        Some(PublishStatus::Failed) => bail!(
            "the publish {} failed: {}",
            s.publish_id,
            st.and_then(|s| s.fail_reason.clone()).unwrap_or_default()
        ),
        Some(other) => println!("{}: {}", s.publish_id, other.as_str()),
    }
    Ok(())
}
