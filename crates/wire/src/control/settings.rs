//! `/_reelbox/settings`: the settings an operator changes on the running platform.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One editable setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Setting {
    /// The key as the configuration file spells it, e.g. `limits.daily_post_cap`.
    pub key: String,
    /// Set in the configuration file or the environment, which wins: not editable here.
    pub locked: bool,
    /// The value in force (a number or a string).
    pub value: serde_json::Value,
}

/// `GET /_reelbox/settings` answer, and `PUT`'s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    pub settings: Vec<Setting>,
}

/// Body of `PUT /_reelbox/settings`: the keys to change and their new values. All are
/// checked before any is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SettingsChange {
    pub settings: BTreeMap<String, serde_json::Value>,
}
