//! `reelbox creator-info`: what the logged-in creator may post, as JSON.
use clap::Args;

use super::{ClientArgs, connect, explain, print_json};

/// Options of `reelbox creator-info`.
#[derive(Args, Clone, Debug)]
pub struct CreatorInfoArgs {
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Runs `reelbox creator-info`. A cap or ban (answered with HTTP 200) is shown next to the
/// options as `gate`, and makes the command fail.
pub async fn run(a: CreatorInfoArgs) -> anyhow::Result<()> {
    let client = connect(&a.client)?;
    let r = client.creator_info_reply().await.map_err(explain)?;
    let mut v = serde_json::to_value(&r.info)?;
    if let Some(g) = &r.gate {
        v["gate"] = serde_json::json!({"code": g.code, "message": g.message, "log_id": g.log_id});
    }
    print_json(&v)?;
    if let Some(g) = r.gate {
        anyhow::bail!("{} cannot post now: {g}", r.info.creator_username);
    }
    Ok(())
}
