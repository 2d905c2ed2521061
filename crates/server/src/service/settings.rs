//! The settings an operator edits on the running platform (`config::EDITABLE`): caps, rate
//! limits, the default compatibility profile. Stored in the `settings` table (one row per key,
//! `config.<key>`) so every node reads the same; the configuration file wins where it sets a key.
use reelbox_store::StoreError;
use reelbox_wire::control::{Setting, Settings, SettingsChange};

use crate::config::{Config, EDITABLE};
use crate::http::error::ApiResult;
use crate::state::AppState;

/// The prefix of the stored edits' keys.
const PREFIX: &str = "config.";

/// How long a node answers from the settings it last read before reading them again: an edit
/// made on this node applies at once (the edit rereads them), another node's within this
/// window, and a busy node reads the table once a second rather than once a request.
const REREAD: std::time::Duration = std::time::Duration::from_secs(1);

/// The configuration in force: the node's own with the stored edits over it. An edit the file
/// now locks, or one no longer valid, is passed over.
pub async fn live(st: &AppState) -> Result<Config, StoreError> {
    let mut cfg = st.cfg.clone();
    for (k, v) in st.store.settings_under(PREFIX).await? {
        if let Ok(c) = cfg.with_edit(&k[PREFIX.len()..], &v) {
            cfg = c;
        }
    }
    *st.live_cfg.write().unwrap_or_else(|e| e.into_inner()) =
        (std::time::Instant::now(), std::sync::Arc::new(cfg.clone()));
    Ok(cfg)
}

/// The configuration in force, read again when the last reading is older than [`REREAD`].
pub async fn current(st: &AppState) -> Result<std::sync::Arc<Config>, StoreError> {
    {
        let last = st.live_cfg.read().unwrap_or_else(|e| e.into_inner());
        if last.0.elapsed() < REREAD {
            return Ok(last.1.clone());
        }
    }
    Ok(std::sync::Arc::new(live(st).await?))
}

/// The configuration in force as this node last read it: another node's edit shows after this
/// node's next API call.
pub fn last_live(st: &AppState) -> std::sync::Arc<Config> {
    st.live_cfg
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .1
        .clone()
}

/// The limits in force ([`current`]'s).
pub async fn limits(st: &AppState) -> Result<crate::config::Limits, StoreError> {
    Ok(current(st).await?.limits.clone())
}

pub fn view_of(cfg: &Config) -> Settings {
    Settings {
        settings: EDITABLE
            .iter()
            .map(|k| {
                let shown = cfg.editable_value(k).unwrap_or_default();
                Setting {
                    key: k.to_string(),
                    locked: cfg.set_outside.contains(*k),
                    value: shown
                        .parse::<i64>()
                        .map(serde_json::Value::from)
                        .unwrap_or(serde_json::Value::String(shown)),
                }
            })
            .collect(),
    }
}

pub async fn view(st: &AppState) -> ApiResult<Settings> {
    Ok(view_of(&live(st).await?))
}

/// Applies the changes, all checked before any is stored; each one stored is in the audit log.
/// A refused change is a 400 `invalid_param` naming the key and the rule.
pub async fn set(st: &AppState, change: SettingsChange) -> ApiResult<Settings> {
    let mut cfg = live(st).await?;
    let mut changed = Vec::new();
    for (k, v) in &change.settings {
        let raw = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        cfg = cfg.with_edit(k, &raw).map_err(crate::service::invalid)?;
        // Stored as the configuration spells it (`" 3"` → `3`).
        changed.push((k.clone(), cfg.editable_value(k).unwrap_or(raw)));
    }
    for (k, v) in &changed {
        st.store.put_setting(&format!("{PREFIX}{k}"), v).await?;
        crate::service::moderation::audit(
            st,
            "setting",
            k,
            &serde_json::json!({"key": k, "value": v}).to_string(),
        )
        .await?;
    }
    Ok(view_of(&live(st).await?))
}
