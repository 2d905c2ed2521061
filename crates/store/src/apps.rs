//! Apps (OAuth clients).
use sqlx::FromRow;

use crate::{Result, Store, conflict, flag, from_json, to_json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub client_key: String,
    pub name: String,
    pub secret_hash: String,
    pub secret_generation: i64,
    pub audited: bool,
    pub audit_requested_at: Option<i64>,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub verified_url_prefixes: Vec<String>,
    pub webhook_url: Option<String>,
    pub test_users: Vec<String>,
    pub active_user_cap: Option<i64>,
    pub developer_id: Option<String>,
    pub created_at: i64,
    /// Asked for in the portal on a live platform and waiting for the operator's review.
    pub pending_scopes: Vec<String>,
    pub pending_url_prefixes: Vec<String>,
    /// The compatibility profile the app chose (`reelbox_core::compat`); `None` follows the platform.
    pub compat_profile: Option<String>,
    /// Strict mode the app chose; `None` follows the platform.
    pub compat_strict: Option<bool>,
}

impl App {
    /// What waits for the operator's review, scopes first.
    pub fn awaiting_review(&self) -> Vec<String> {
        [self.pending_scopes.as_slice(), &self.pending_url_prefixes].concat()
    }
}

#[derive(FromRow)]
struct AppRow {
    client_key: String,
    name: String,
    secret_hash: String,
    secret_generation: i64,
    audited: i64,
    audit_requested_at: Option<i64>,
    scopes: String,
    redirect_uris: String,
    verified_url_prefixes: String,
    webhook_url: Option<String>,
    test_users: String,
    active_user_cap: Option<i64>,
    developer_id: Option<String>,
    created_at: i64,
    pending_scopes: String,
    pending_url_prefixes: String,
    compat_profile: Option<String>,
    compat_strict: Option<i64>,
}

impl TryFrom<AppRow> for App {
    type Error = crate::StoreError;
    fn try_from(r: AppRow) -> Result<App> {
        Ok(App {
            client_key: r.client_key,
            name: r.name,
            secret_hash: r.secret_hash,
            secret_generation: r.secret_generation,
            audited: flag(r.audited),
            audit_requested_at: r.audit_requested_at,
            scopes: from_json(&r.scopes)?,
            redirect_uris: from_json(&r.redirect_uris)?,
            verified_url_prefixes: from_json(&r.verified_url_prefixes)?,
            webhook_url: r.webhook_url,
            test_users: from_json(&r.test_users)?,
            active_user_cap: r.active_user_cap,
            developer_id: r.developer_id,
            created_at: r.created_at,
            pending_scopes: from_json(&r.pending_scopes)?,
            pending_url_prefixes: from_json(&r.pending_url_prefixes)?,
            compat_profile: r.compat_profile,
            compat_strict: r.compat_strict.map(flag),
        })
    }
}

const COLUMNS: &str = "client_key, name, secret_hash, secret_generation, audited, audit_requested_at, scopes, redirect_uris, verified_url_prefixes, webhook_url, test_users, active_user_cap, developer_id, created_at, pending_scopes, pending_url_prefixes, compat_profile, compat_strict";

impl Store {
    pub async fn insert_app(&self, a: &App) -> Result<()> {
        sqlx::query(sql!(
            "INSERT INTO apps ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        ))
        .bind(&a.client_key)
        .bind(&a.name)
        .bind(&a.secret_hash)
        .bind(a.secret_generation)
        .bind(a.audited as i64)
        .bind(a.audit_requested_at)
        .bind(to_json(&a.scopes))
        .bind(to_json(&a.redirect_uris))
        .bind(to_json(&a.verified_url_prefixes))
        .bind(&a.webhook_url)
        .bind(to_json(&a.test_users))
        .bind(a.active_user_cap)
        .bind(&a.developer_id)
        .bind(a.created_at)
        .bind(to_json(&a.pending_scopes))
        .bind(to_json(&a.pending_url_prefixes))
        .bind(&a.compat_profile)
        .bind(a.compat_strict.map(i64::from))
        .execute(&mut *self.writer.acquire().await?)
        .await
        .map_err(conflict)?;
        Ok(())
    }

    /// Writes every mutable field of `a` (keyed by its client_key).
    pub async fn update_app(&self, a: &App) -> Result<()> {
        sqlx::query(
            "UPDATE apps SET name = $2, secret_hash = $3, secret_generation = $4, audited = $5, audit_requested_at = $6, scopes = $7, redirect_uris = $8, verified_url_prefixes = $9, webhook_url = $10, test_users = $11, active_user_cap = $12, developer_id = $13, pending_scopes = $14, pending_url_prefixes = $15, compat_profile = $16, compat_strict = $17 WHERE client_key = $1",
        )
        .bind(&a.client_key)
        .bind(&a.name)
        .bind(&a.secret_hash)
        .bind(a.secret_generation)
        .bind(a.audited as i64)
        .bind(a.audit_requested_at)
        .bind(to_json(&a.scopes))
        .bind(to_json(&a.redirect_uris))
        .bind(to_json(&a.verified_url_prefixes))
        .bind(&a.webhook_url)
        .bind(to_json(&a.test_users))
        .bind(a.active_user_cap)
        .bind(&a.developer_id)
        .bind(to_json(&a.pending_scopes))
        .bind(to_json(&a.pending_url_prefixes))
        .bind(&a.compat_profile)
        .bind(a.compat_strict.map(i64::from))
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        self.cache.invalidate();
        Ok(())
    }

    pub async fn app(&self, client_key: &str) -> Result<Option<std::sync::Arc<App>>> {
        self.cache
            .through(&self.cache.apps, client_key, || async {
                let row: Option<AppRow> =
                    sqlx::query_as(sql!("SELECT {COLUMNS} FROM apps WHERE client_key = $1"))
                        .bind(client_key)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(App::try_from).transpose()
            })
            .await
    }

    pub async fn apps(&self) -> Result<Vec<App>> {
        let rows: Vec<AppRow> =
            sqlx::query_as(sql!("SELECT {COLUMNS} FROM apps ORDER BY created_at"))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(App::try_from).collect()
    }

    pub async fn apps_of_developer(&self, developer_id: &str) -> Result<Vec<App>> {
        let rows: Vec<AppRow> = sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM apps WHERE developer_id = $1 ORDER BY created_at"
        ))
        .bind(developer_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(App::try_from).collect()
    }
}

impl Store {
    /// Keeps (or with `None` forgets) the sealed client secret a seed file fixed for an app.
    pub async fn set_fixed_secret(&self, client_key: &str, sealed: Option<&str>) -> Result<()> {
        let mut conn = self.writer.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query("DELETE FROM app_fixed_secrets WHERE client_key = $1")
            .bind(client_key)
            .execute(&mut *tx)
            .await?;
        if let Some(s) = sealed {
            sqlx::query("INSERT INTO app_fixed_secrets (client_key, sealed) VALUES ($1, $2)")
                .bind(client_key)
                .bind(s)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The sealed client secret a seed file fixed for the app, if any.
    pub async fn fixed_secret(&self, client_key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT sealed FROM app_fixed_secrets WHERE client_key = $1")
                .bind(client_key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.0))
    }
}

impl Store {
    /// No app and no creator: a platform a seed file may be applied to at start.
    pub async fn is_empty_platform(&self) -> Result<bool> {
        let n: (i64,) = sqlx::query_as(
            "SELECT CAST((SELECT COUNT(*) FROM apps) + (SELECT COUNT(*) FROM creators) AS BIGINT)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n.0 == 0)
    }
}
