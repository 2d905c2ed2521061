//! Posts one video with the SDK: creator info first, then a journaled, chunked, resumable upload,
//! then the outcome. Run it again after an interruption and it resumes instead of posting twice.
//!
//! ```sh
//! REELBOX_TOKEN=act.… cargo run -p reelbox-sdk --example post_video -- clip.mp4 "my caption"
//! ```
//! `REELBOX_BASE_URL` defaults to a local reelbox server; `https://open.tiktokapis.com` works too.
use std::sync::Arc;

use reelbox_sdk::wire::posting::{PrivacyLevel, VideoPostInfo};
use reelbox_sdk::{Client, Credentials, Journal, Media, Publisher, VideoTarget};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: post_video FILE [CAPTION]")?;
    let caption = args.next();
    let base = std::env::var("REELBOX_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let token =
        std::env::var("REELBOX_TOKEN").map_err(|_| "set REELBOX_TOKEN to an access token")?;
    let client = Client::new(base, Credentials::Token(token));

    // The guidelines: offer only what the creator allows; here the most private option.
    let info = client.creator_info().await?;
    let privacy = if info.privacy_level_options.contains(&PrivacyLevel::SelfOnly) {
        PrivacyLevel::SelfOnly
    } else {
        info.privacy_level_options[0]
    };
    println!(
        "posting as @{} ({})",
        info.creator_username,
        privacy.as_str()
    );

    let publisher = Publisher::new(client, Journal::new(".reelbox-journal"));
    let media = Media::File {
        path: path.clone().into(),
        target: VideoTarget::Direct(VideoPostInfo {
            title: caption,
            privacy_level: Some(privacy),
            disable_comment: Some(info.comment_disabled),
            disable_duet: Some(true),
            disable_stitch: Some(true),
            ..Default::default()
        }),
    };
    let progress: reelbox_sdk::upload::Progress = Arc::new(|done, total| {
        eprint!("\r{done}/{total} bytes");
    });
    // The key names this publish: the same key never posts twice.
    let (started, status) = publisher
        .publish(&path, &media, Some(progress), None)
        .await?;
    eprintln!();
    println!(
        "{} {}{}",
        started.publish_id,
        status.status.as_str(),
        status
            .fail_reason
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    );
    Ok(())
}
