//! `reelbox status PUBLISH_ID [--wait]`: the publish's status as JSON.
use clap::Args;

use super::{ClientArgs, connect, explain, print_json};

/// Options of `reelbox status`.
#[derive(Args, Clone, Debug)]
pub struct StatusArgs {
    /// The publish id from init (or from `reelbox post`).
    pub publish_id: String,
    /// Poll until a terminal state (PUBLISH_COMPLETE, SEND_TO_USER_INBOX or FAILED).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this many seconds.
    #[arg(long)]
    pub timeout_secs: Option<u64>,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Runs `reelbox status`.
pub async fn run(a: StatusArgs) -> anyhow::Result<()> {
    let client = connect(&a.client)?;
    let st = if a.wait {
        client
            .wait_for_status(
                &a.publish_id,
                a.timeout_secs.map(std::time::Duration::from_secs),
                |s| eprintln!("{}", s.status.as_str()),
            )
            .await
    } else {
        client.status(&a.publish_id).await
    }
    .map_err(explain)?;
    print_json(&st)
}
