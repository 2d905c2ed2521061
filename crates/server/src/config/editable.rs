//! The settings an operator may change on the running platform (the admin page,
//! `PUT /_reelbox/settings`): stored in the database for every node, checked by the same
//! `Config::validate` as the file, and never over a value the file, the environment or a flag set.
use super::Config;

/// The editable keys, as the configuration file spells them.
pub const EDITABLE: &[&str] = &[
    "limits.daily_post_cap",
    "limits.pending_share_cap",
    "limits.unaudited_active_user_cap",
    "limits.audited_active_user_cap",
    "limits.rate_creator_info",
    "limits.rate_init",
    "limits.rate_status",
    "limits.rate_cancel",
    "limits.rate_display",
    "limits.rate_research",
    "compat.profile",
];

impl Config {
    /// The value of an editable key, as the form shows it.
    pub fn editable_value(&self, key: &str) -> Option<String> {
        let v = serde_json::to_value(self).ok()?;
        let (section, name) = key.split_once('.')?;
        Some(match v.get(section)?.get(name)? {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// This configuration with `key` set to `raw`, or why not. The result is checked whole by
    /// `validate`, the file's own checks.
    pub fn with_edit(&self, key: &str, raw: &str) -> Result<Config, String> {
        if !EDITABLE.contains(&key) {
            return Err(format!("{key}: not an editable setting"));
        }
        if self.set_outside.contains(key) {
            return Err(format!(
                "{key}: set in the configuration file (or the environment), which wins; change it there."
            ));
        }
        let mut v = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let (section, name) = key.split_once('.').expect("editable keys are dotted");
        let slot = v
            .get_mut(section)
            .and_then(|s| s.get_mut(name))
            .expect("editable keys exist");
        let raw = raw.trim();
        *slot = if slot.is_number() {
            let n: i64 = raw
                .parse()
                .map_err(|_| format!("{key} must be a whole number (got {raw:?})"))?;
            serde_json::Value::from(n)
        } else {
            serde_json::Value::from(raw)
        };
        let mut edited: Config = serde_json::from_value(v)
            .map_err(|_| format!("{key} is out of range (got {raw:?})"))?;
        edited.set_outside = self.set_outside.clone();
        edited.validate()?;
        Ok(edited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_pass_the_file_checks() {
        let c = Config::default();
        assert_eq!(
            c.with_edit("limits.daily_post_cap", "3")
                .unwrap()
                .limits
                .daily_post_cap,
            3
        );
        assert_eq!(
            c.editable_value("compat.profile").unwrap(),
            "tiktok-2026-11"
        );
        assert_eq!(
            c.with_edit("limits.daily_post_cap", "lots").unwrap_err(),
            "limits.daily_post_cap must be a whole number (got \"lots\")"
        );
        assert_eq!(
            c.with_edit("limits.daily_post_cap", "-1").unwrap_err(),
            "limits.daily_post_cap must be at least 0 (got -1)"
        );
        assert_eq!(
            c.with_edit("limits.rate_init", "-1").unwrap_err(),
            "limits.rate_init is out of range (got \"-1\")"
        );
        assert!(
            c.with_edit("compat.profile", "tiktok-1999")
                .unwrap_err()
                .starts_with("compat.profile \"tiktok-1999\" is not a profile")
        );
        assert!(c.with_edit("listen", "0.0.0.0:1").is_err());
        let mut locked = Config::default();
        locked.set_outside.insert("limits.rate_init".into());
        assert!(
            locked
                .with_edit("limits.rate_init", "2")
                .unwrap_err()
                .contains("set in the configuration file")
        );
    }
}
