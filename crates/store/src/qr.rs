//! QR logins (Login Kit with QR code). Each stage change is a compare-and-set on the stage, so
//! two nodes answering the same QR never both confirm it or both hand out its code.
use sqlx::FromRow;

use crate::oauth::AuthCode;
use crate::{Result, Store, from_json, to_json};

/// A QR login as stored. `stage` is `reelbox_core::qr::Stage`'s spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrLogin {
    /// Public: it rides in the scan URL so the scan page can find the login.
    pub id: String,
    /// SHA-256 of the polling token.
    pub token_hash: String,
    pub client_key: String,
    /// What the creator is asked to grant.
    pub scopes: Vec<String>,
    pub state: String,
    pub stage: String,
    /// The app's ticket, recorded when the phone opened the URL.
    pub client_ticket: Option<String>,
    pub creator_id: Option<String>,
    /// What the creator granted (confirmed and after).
    pub granted: Vec<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(FromRow)]
struct QrRow {
    id: String,
    token_hash: String,
    client_key: String,
    scopes: String,
    state: String,
    stage: String,
    client_ticket: Option<String>,
    creator_id: Option<String>,
    granted: Option<String>,
    created_at: i64,
    expires_at: i64,
}

impl TryFrom<QrRow> for QrLogin {
    type Error = crate::StoreError;
    fn try_from(r: QrRow) -> Result<QrLogin> {
        Ok(QrLogin {
            id: r.id,
            token_hash: r.token_hash,
            client_key: r.client_key,
            scopes: from_json(&r.scopes)?,
            state: r.state,
            stage: r.stage,
            client_ticket: r.client_ticket,
            creator_id: r.creator_id,
            granted: match r.granted {
                Some(g) => from_json(&g)?,
                None => Vec::new(),
            },
            created_at: r.created_at,
            expires_at: r.expires_at,
        })
    }
}

const COLUMNS: &str = "id, token_hash, client_key, scopes, state, stage, client_ticket, creator_id, granted, created_at, expires_at";

impl Store {
    /// Stores a new QR login and drops those expired before `purge_before`: `get_qrcode` needs no
    /// secret, so what it writes must not outlive its use.
    pub async fn insert_qr_login(&self, q: &QrLogin, purge_before: i64) -> Result<()> {
        let mut conn = self.writer.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query("DELETE FROM qr_logins WHERE expires_at < $1")
            .bind(purge_before)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO qr_logins (id, token_hash, client_key, scopes, state, stage, client_ticket, creator_id, granted, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL, NULL, $7, $8)",
        )
        .bind(&q.id)
        .bind(&q.token_hash)
        .bind(&q.client_key)
        .bind(to_json(&q.scopes))
        .bind(&q.state)
        .bind(&q.stage)
        .bind(q.created_at)
        .bind(q.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn qr_login_by_token(&self, token_hash: &str) -> Result<Option<QrLogin>> {
        let row: Option<QrRow> = sqlx::query_as(sql!(
            "SELECT {COLUMNS} FROM qr_logins WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(QrLogin::try_from).transpose()
    }

    pub async fn qr_login(&self, id: &str) -> Result<Option<QrLogin>> {
        let row: Option<QrRow> =
            sqlx::query_as(sql!("SELECT {COLUMNS} FROM qr_logins WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(QrLogin::try_from).transpose()
    }

    /// `new` → `scanned` with the app's ticket, while the QR is alive. False when it was not new.
    pub async fn scan_qr_login(&self, id: &str, ticket: &str, now: i64) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE qr_logins SET stage = 'scanned', client_ticket = $2 WHERE id = $1 AND stage = 'new' AND expires_at > $3",
        )
        .bind(id)
        .bind(ticket)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// `scanned` → `confirmed` by `creator_id` with the `granted` scopes, or → `denied` when
    /// `granted` is None, while the QR is alive. False when it was not waiting for a decision.
    pub async fn decide_qr_login(
        &self,
        id: &str,
        creator_id: Option<&str>,
        granted: Option<&[String]>,
        now: i64,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE qr_logins SET stage = $2, creator_id = $3, granted = $4 WHERE id = $1 AND stage = 'scanned' AND expires_at > $5",
        )
        .bind(id)
        .bind(if granted.is_some() { "confirmed" } else { "denied" })
        .bind(creator_id)
        .bind(granted.map(|g| to_json(&g)))
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// `confirmed` → `utilised`, storing `code` in the same transaction: of two polls only one
    /// hands out a code. False (and no code stored) when the QR was not confirmed and alive.
    pub async fn hand_out_qr_code(&self, id: &str, code: &AuthCode, now: i64) -> Result<bool> {
        let mut conn = self.writer.acquire().await?;
        let mut tx = conn.begin().await?;
        let r = sqlx::query(
            "UPDATE qr_logins SET stage = 'utilised', code_hash = $2 WHERE id = $1 AND stage = 'confirmed' AND expires_at > $3",
        )
        .bind(id)
        .bind(&code.code_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO auth_codes (code_hash, client_key, creator_id, scopes, redirect_uri, code_challenge, expires_at, used_at, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6, NULL, $7)",
        )
        .bind(&code.code_hash)
        .bind(&code.client_key)
        .bind(&code.creator_id)
        .bind(to_json(&code.scopes))
        .bind(&code.redirect_uri)
        .bind(code.expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether an authorization code was handed out by `check_qrcode` (such a code is exchanged
    /// without a `redirect_uri`).
    pub async fn is_qr_code(&self, code_hash: &str) -> Result<bool> {
        let n: Option<String> = sqlx::query_scalar("SELECT id FROM qr_logins WHERE code_hash = $1")
            .bind(code_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(n.is_some())
    }
}
