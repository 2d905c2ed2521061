//! Configuration: defaults < `reelbox.toml` < `REELBOX_*` environment < command-line flags.
//! Every number the spec marks as unverified is a setting here (see docs/compatibility.md).
use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

mod editable;
mod sections;
pub use editable::EDITABLE;
pub use sections::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The sandbox: the control API may move the clock and inject faults.
    #[default]
    Sandbox,
    /// A live platform: the clock is the system clock and cannot be moved.
    Production,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the embedded database, media and generated keys live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: `<data_dir>/reelbox.db`.
    pub database_url: Option<String>,
    /// `file:///dir` (default `<data_dir>/media`).
    pub storage: Option<String>,
    /// Bearer token of the control API; generated and saved to `<data_dir>/admin-token` when unset.
    pub admin_token: Option<String>,
    /// Base URL clients reach this server at (used in upload URLs); default `http://<listen>`.
    pub public_url: Option<String>,
    pub mode: Mode,
    /// Key from which client secrets are derived (hex); generated into `<data_dir>/master-key`
    /// when unset. Every node of one platform needs the same key.
    pub secret_key: Option<String>,
    pub limits: Limits,
    pub network: Network,
    pub probe: Probe,
    pub webhooks: Webhooks,
    pub jobs: Jobs,
    pub compat: Compat,
    pub intercept: Intercept,
    pub metrics: Metrics,
    pub sweeper: Sweeper,
    pub moderation: Moderation,
    pub renditions: Renditions,
    pub testing: Testing,
    pub inspector: Inspector,
    pub products: Products,
    /// The editable keys (`EDITABLE`) the file, the environment or a flag set: they win over
    /// the admin's edits.
    #[serde(skip)]
    pub set_outside: std::collections::BTreeSet<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".parse().expect("valid literal"),
            data_dir: PathBuf::from("reelbox-data"),
            database_url: None,
            storage: None,
            admin_token: None,
            public_url: None,
            mode: Mode::Sandbox,
            secret_key: None,
            limits: Limits::default(),
            network: Network::default(),
            probe: Probe::default(),
            webhooks: Webhooks::default(),
            jobs: Jobs::default(),
            compat: Compat::default(),
            intercept: Intercept::default(),
            metrics: Metrics::default(),
            sweeper: Sweeper::default(),
            moderation: Moderation::default(),
            renditions: Renditions::default(),
            testing: Testing::default(),
            inspector: Inspector::default(),
            products: Products::default(),
            set_outside: Default::default(),
        }
    }
}

/// Values given on the command line; `None` leaves the lower layers' value.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    #[serde(skip_serializing_if = "InterceptOverrides::is_empty")]
    pub intercept: InterceptOverrides,
    #[serde(skip_serializing_if = "TestingOverrides::is_empty")]
    pub testing: TestingOverrides,
}

/// `--seed` and `--deterministic`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TestingOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deterministic: Option<u64>,
}

impl TestingOverrides {
    fn is_empty(&self) -> bool {
        self.seed_file.is_none() && self.deterministic.is_none()
    }
}

/// `--intercept` and `--tls-listen`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InterceptOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_listen: Option<SocketAddr>,
}

impl InterceptOverrides {
    fn is_empty(&self) -> bool {
        self.enabled.is_none() && self.tls_listen.is_none()
    }
}

impl Config {
    /// Loads the layers. `file` defaults to `reelbox.toml` in the working directory when present.
    pub fn load(file: Option<&std::path::Path>, flags: &Overrides) -> Result<Config, String> {
        // The layers above the defaults, kept apart to tell which keys they set.
        let mut fig = Figment::new();
        match file {
            Some(f) => {
                if !f.exists() {
                    return Err(format!("config file {} does not exist", f.display()));
                }
                fig = fig.merge(Toml::file(f));
            }
            None => fig = fig.merge(Toml::file("reelbox.toml")),
        }
        // REELBOX_LIMITS__DAILY_POST_CAP=3 sets limits.daily_post_cap.
        fig = fig
            .merge(
                Env::prefixed("REELBOX_")
                    .ignore(&[
                        "CONFIG",
                        "TOKEN",
                        "SERVER",
                        "TEST_DATABASE_URL",
                        "TEST_S3_ENDPOINT",
                        "LOG",
                        // The scripts' own (tests/schemathesis/run.sh: which binary to run).
                        "BIN",
                    ])
                    .split("__"),
            )
            .merge(Serialized::defaults(flags));
        let mut cfg: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(fig.clone())
            .extract()
            .map_err(|e| e.to_string())?;
        cfg.set_outside = EDITABLE
            .iter()
            .filter(|k| fig.find_value(k).is_ok())
            .map(|k| k.to_string())
            .collect();
        cfg.validate()?;
        Ok(cfg)
    }

    /// The checks every configuration passes, loaded or edited on the admin page.
    pub fn validate(&self) -> Result<(), String> {
        let cfg = self;
        if cfg.jobs.lease_secs < 1 {
            return Err(format!(
                "jobs.lease_secs must be at least 1 (got {})",
                cfg.jobs.lease_secs
            ));
        }
        cfg.limits.validate()?;
        if reelbox_core::compat::profile(&cfg.compat.profile).is_none() {
            let known: Vec<_> = reelbox_core::compat::PROFILES
                .iter()
                .map(|p| p.name)
                .collect();
            return Err(format!(
                "compat.profile {:?} is not a profile (known: {})",
                cfg.compat.profile,
                known.join(", ")
            ));
        }
        if let Some(e) = &cfg.compat.no_longer_public_event
            && !reelbox_wire::webhook::events::NO_LONGER_PUBLIC_SPELLINGS.contains(&e.as_str())
        {
            return Err(format!(
                "compat.no_longer_public_event {e:?} is neither of TikTok's spellings ({})",
                reelbox_wire::webhook::events::NO_LONGER_PUBLIC_SPELLINGS.join(", ")
            ));
        }
        for (name, v) in [
            (
                "limits.access_token_ttl_secs",
                cfg.limits.access_token_ttl_secs,
            ),
            (
                "limits.refresh_token_ttl_secs",
                cfg.limits.refresh_token_ttl_secs,
            ),
        ] {
            if v.is_some_and(|v| v < 1) {
                return Err(format!("{name} must be at least 1 (got {v:?})"));
            }
        }
        for h in &cfg.intercept.hosts {
            if !crate::http::intercept::rules::is_host_name(h) {
                return Err(format!("intercept.hosts: {h:?} is not a host name"));
            }
        }
        if cfg.sweeper.min_age_secs < 0 || cfg.sweeper.every_secs < 60 {
            return Err(format!(
                "sweeper.min_age_secs must be at least 0 and sweeper.every_secs at least 60 (got {} and {})",
                cfg.sweeper.min_age_secs, cfg.sweeper.every_secs
            ));
        }
        if cfg.moderation.new_creator_posts < 1 || cfg.moderation.reports_per_minute < 1 {
            return Err(format!(
                "moderation.new_creator_posts and moderation.reports_per_minute must be at least 1 (got {} and {})",
                cfg.moderation.new_creator_posts, cfg.moderation.reports_per_minute
            ));
        }
        if cfg.renditions.timeout_secs < 1 || cfg.renditions.threads < 1 {
            return Err("renditions.timeout_secs and renditions.threads must be at least 1".into());
        }
        if cfg.metrics.token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err("metrics.token must be at least 16 characters".into());
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| reelbox_store::sqlite_url_for(&self.data_dir.join("reelbox.db")))
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }

    /// A documented example file with every key and its default.
    pub fn example_toml() -> String {
        let body = toml::to_string_pretty(&Config::default()).unwrap_or_default();
        format!(
            "# reelbox.toml: every key with its default. Precedence: defaults < this file < REELBOX_* env\n# (nested keys with a double underscore: REELBOX_LIMITS__DAILY_POST_CAP=3) < command-line flags.\n\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        let dir = std::env::temp_dir().join(format!("reelbox-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("r.toml");
        std::fs::write(
            &f,
            "listen = \"127.0.0.1:9000\"\n[limits]\ndaily_post_cap = 3\n",
        )
        .unwrap();
        let c = Config::load(Some(&f), &Overrides::default()).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.limits.daily_post_cap, 3);
        assert_eq!(c.limits.pending_share_cap, 5);
        let flags = Overrides {
            listen: Some("127.0.0.1:9100".parse().unwrap()),
            ..Default::default()
        };
        let c = Config::load(Some(&f), &flags).unwrap();
        assert_eq!(c.listen.port(), 9100, "flags win");
        std::fs::write(&f, "nonsense_key = 1\n").unwrap();
        assert!(
            Config::load(Some(&f), &Overrides::default()).is_err(),
            "unknown keys are reported"
        );
        std::fs::write(&f, "[jobs]\nlease_secs = 0\n").unwrap();
        let e = Config::load(Some(&f), &Overrides::default()).unwrap_err();
        assert!(e.contains("jobs.lease_secs"), "{e}");
        std::fs::write(&f, "[limits]\nresearch_daily_records = 0\n").unwrap();
        let e = Config::load(Some(&f), &Overrides::default()).unwrap_err();
        assert!(e.contains("limits.research_daily_records"), "{e}");
        std::fs::write(&f, "[compat]\nprofile = \"tiktok-1999\"\n").unwrap();
        let e = Config::load(Some(&f), &Overrides::default()).unwrap_err();
        assert!(e.contains("tiktok-2026-11, tiktok-2024"), "{e}");
        std::fs::write(&f, "[compat]\nno_longer_public_event = \"post.gone\"\n").unwrap();
        let e = Config::load(Some(&f), &Overrides::default()).unwrap_err();
        assert!(e.contains("no_longer_publicaly_available"), "{e}");
        std::fs::write(&f, "[limits]\naccess_token_ttl_secs = 0\n").unwrap();
        let e = Config::load(Some(&f), &Overrides::default()).unwrap_err();
        assert!(e.contains("limits.access_token_ttl_secs"), "{e}");
        std::fs::write(&f, "[metrics]\nenabled = true\ntoken = \"short\"\n").unwrap();
        let e = Config::load(Some(&f), &Overrides::default()).unwrap_err();
        assert!(e.contains("metrics.token"), "{e}");
        assert!(Config::example_toml().contains("daily_post_cap = 15"));
        assert!(Config::example_toml().contains("lease_secs = 30"));
    }
}
