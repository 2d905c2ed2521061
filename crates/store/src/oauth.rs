//! Grants, authorization codes and tokens. Only hashes of codes and tokens are stored.
use sqlx::FromRow;

use crate::{Result, Store, StoreError, from_json, to_json};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct GrantRow {
    pub id: String,
    pub client_key: String,
    pub creator_id: String,
    pub open_id: String,
    pub scopes: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCode {
    pub code_hash: String,
    pub client_key: String,
    pub creator_id: String,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// The token family the code was exchanged for (set by its first use).
    pub family_id: Option<String>,
    /// Set when the grant was revoked before the code was used.
    pub revoked_at: Option<i64>,
}

#[derive(FromRow)]
struct AuthCodeRow {
    code_hash: String,
    client_key: String,
    creator_id: String,
    scopes: String,
    redirect_uri: String,
    code_challenge: Option<String>,
    expires_at: i64,
    used_at: Option<i64>,
    family_id: Option<String>,
    revoked_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
    Client,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
            TokenKind::Client => "client",
        }
    }
    fn parse(s: &str) -> Result<TokenKind> {
        match s {
            "access" => Ok(TokenKind::Access),
            "refresh" => Ok(TokenKind::Refresh),
            "client" => Ok(TokenKind::Client),
            other => Err(StoreError::Corrupt(format!("token kind {other}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub hash: String,
    pub kind: TokenKind,
    pub client_key: String,
    pub grant_id: Option<String>,
    pub creator_id: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub parent_hash: Option<String>,
    pub used_at: Option<i64>,
    pub created_at: i64,
    /// Every token descended from one code exchange shares it; None for client tokens.
    pub family_id: Option<String>,
}

#[derive(FromRow)]
struct TokenRow {
    hash: String,
    kind: String,
    client_key: String,
    grant_id: Option<String>,
    creator_id: Option<String>,
    scopes: String,
    expires_at: i64,
    revoked_at: Option<i64>,
    parent_hash: Option<String>,
    used_at: Option<i64>,
    created_at: i64,
    family_id: Option<String>,
}

impl TryFrom<TokenRow> for Token {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<Token> {
        Ok(Token {
            hash: r.hash,
            kind: TokenKind::parse(&r.kind)?,
            client_key: r.client_key,
            grant_id: r.grant_id,
            creator_id: r.creator_id,
            scopes: from_json(&r.scopes)?,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            parent_hash: r.parent_hash,
            used_at: r.used_at,
            created_at: r.created_at,
            family_id: r.family_id,
        })
    }
}

const TOKEN_COLUMNS: &str = "hash, kind, client_key, grant_id, creator_id, scopes, expires_at, revoked_at, parent_hash, used_at, created_at, family_id";

impl Store {
    /// The (app, creator) grant, created on first authorization, re-activated with the new scopes
    /// afterwards. The open_id never changes for the pair.
    pub async fn upsert_grant(
        &self,
        id: &str,
        client_key: &str,
        creator_id: &str,
        open_id: &str,
        scopes: &[String],
        now: i64,
    ) -> Result<GrantRow> {
        sqlx::query(
            "INSERT INTO grants (id, client_key, creator_id, open_id, scopes, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, NULL) \
             ON CONFLICT (client_key, creator_id) DO UPDATE SET scopes = excluded.scopes, revoked_at = NULL",
        )
        .bind(id)
        .bind(client_key)
        .bind(creator_id)
        .bind(open_id)
        .bind(to_json(&scopes))
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        self.cache.invalidate();
        let g: GrantRow = sqlx::query_as(
            "SELECT id, client_key, creator_id, open_id, scopes, created_at, revoked_at FROM grants WHERE client_key = $1 AND creator_id = $2",
        )
        .bind(client_key)
        .bind(creator_id)
        .fetch_one(&mut *self.writer.acquire().await?)
        .await?;
        Ok(g)
    }

    pub async fn grant(&self, id: &str) -> Result<Option<std::sync::Arc<GrantRow>>> {
        self.cache
            .through(&self.cache.grants, id, || async {
                Ok(sqlx::query_as(
                    "SELECT id, client_key, creator_id, open_id, scopes, created_at, revoked_at FROM grants WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            })
            .await
    }

    pub async fn grant_for(&self, client_key: &str, creator_id: &str) -> Result<Option<GrantRow>> {
        Ok(sqlx::query_as(
            "SELECT id, client_key, creator_id, open_id, scopes, created_at, revoked_at FROM grants WHERE client_key = $1 AND creator_id = $2",
        )
        .bind(client_key)
        .bind(creator_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn grants_of_creator(&self, creator_id: &str) -> Result<Vec<GrantRow>> {
        Ok(sqlx::query_as(
            "SELECT id, client_key, creator_id, open_id, scopes, created_at, revoked_at FROM grants WHERE creator_id = $1 AND revoked_at IS NULL ORDER BY created_at",
        )
        .bind(creator_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes a grant, every token issued under it and its unused codes, and writes `outbox` (the
    /// `authorization.removed` webhook), in one transaction. Returns false, writing nothing, when
    /// the grant was already revoked, so concurrent revocations send one event.
    pub async fn revoke_grant(
        &self,
        grant_id: &str,
        now: i64,
        outbox: &crate::webhooks::Outbox,
    ) -> Result<bool> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        let changed =
            sqlx::query("UPDATE grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(grant_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if changed == 0 {
            tx.rollback().await?;
            drop(writer_conn);
            return Ok(false);
        }
        Self::write_outbox_tx(&mut tx, outbox, now).await?;
        sqlx::query("UPDATE tokens SET revoked_at = $2 WHERE grant_id = $1 AND revoked_at IS NULL")
            .bind(grant_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        // Codes handed out before the revoke must not re-activate the grant.
        sqlx::query(
            "UPDATE auth_codes SET revoked_at = $2 WHERE used_at IS NULL AND revoked_at IS NULL \
             AND EXISTS (SELECT 1 FROM grants g WHERE g.id = $1 AND g.client_key = auth_codes.client_key AND g.creator_id = auth_codes.creator_id)",
        )
        .bind(grant_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        drop(writer_conn);
        self.cache.invalidate();
        Ok(true)
    }

    pub async fn insert_auth_code(&self, c: &AuthCode, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO auth_codes (code_hash, client_key, creator_id, scopes, redirect_uri, code_challenge, expires_at, used_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)",
        )
        .bind(&c.code_hash)
        .bind(&c.client_key)
        .bind(&c.creator_id)
        .bind(to_json(&c.scopes))
        .bind(&c.redirect_uri)
        .bind(&c.code_challenge)
        .bind(c.expires_at)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }

    /// Returns a code as it was before this call and, when `client_key` is the one it was issued
    /// to and it is neither used nor revoked, marks it used for token family `family_id`,
    /// atomically: of two concurrent exchanges only one sees `used_at == None`. A code presented
    /// by another client is left as it was, so that client cannot burn it.
    pub async fn consume_auth_code(
        &self,
        code_hash: &str,
        client_key: &str,
        family_id: &str,
        now: i64,
    ) -> Result<Option<AuthCode>> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        let row: Option<AuthCodeRow> = sqlx::query_as(sql!(
            "SELECT code_hash, client_key, creator_id, scopes, redirect_uri, code_challenge, expires_at, used_at, family_id, revoked_at FROM auth_codes WHERE code_hash = $1{}",
            self.backend.for_update()
        ))
        .bind(code_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = row else { return Ok(None) };
        if r.used_at.is_none() && r.revoked_at.is_none() && r.client_key == client_key {
            sqlx::query("UPDATE auth_codes SET used_at = $2, family_id = $3 WHERE code_hash = $1")
                .bind(code_hash)
                .bind(now)
                .bind(family_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        drop(writer_conn);
        Ok(Some(AuthCode {
            code_hash: r.code_hash,
            client_key: r.client_key,
            creator_id: r.creator_id,
            scopes: from_json(&r.scopes)?,
            redirect_uri: r.redirect_uri,
            code_challenge: r.code_challenge,
            expires_at: r.expires_at,
            used_at: r.used_at,
            family_id: r.family_id,
            revoked_at: r.revoked_at,
        }))
    }

    /// Narrows the grant's live tokens to `scopes` (a narrower re-consent), revoking those left
    /// with none: no token keeps a scope the creator no longer grants.
    pub async fn narrow_grant_tokens(
        &self,
        grant_id: &str,
        scopes: &[String],
        now: i64,
    ) -> Result<()> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT hash, scopes FROM tokens WHERE grant_id = $1 AND revoked_at IS NULL",
        )
        .bind(grant_id)
        .fetch_all(&self.pool)
        .await?;
        let mut changed = false;
        for (hash, held) in rows {
            let held: Vec<String> = from_json(&held)?;
            let kept: Vec<&String> = held.iter().filter(|s| scopes.contains(s)).collect();
            if kept.len() == held.len() {
                continue;
            }
            changed = true;
            let mut w = self.writer.acquire().await?;
            if kept.is_empty() {
                sqlx::query("UPDATE tokens SET revoked_at = $2 WHERE hash = $1")
                    .bind(&hash)
                    .bind(now)
                    .execute(&mut *w)
                    .await?;
            } else {
                sqlx::query("UPDATE tokens SET scopes = $2 WHERE hash = $1")
                    .bind(&hash)
                    .bind(to_json(&kept))
                    .execute(&mut *w)
                    .await?;
            }
        }
        if changed {
            self.cache.invalidate();
        }
        Ok(())
    }

    /// Revokes every token of a family (a replayed code or refresh token).
    pub async fn revoke_family(&self, family_id: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        )
        .bind(family_id)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        self.cache.invalidate();
        Ok(())
    }

    pub async fn insert_token(&self, t: &Token) -> Result<()> {
        insert_token_on(&mut *self.writer.acquire().await?, t).await
    }

    pub async fn token(&self, hash: &str) -> Result<Option<std::sync::Arc<Token>>> {
        self.cache
            .through(&self.cache.tokens, hash, || async {
                let row: Option<TokenRow> =
                    sqlx::query_as(sql!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = $1"))
                        .bind(hash)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(Token::try_from).transpose()
            })
            .await
    }

    /// Rotates a refresh token: inserts the new access and refresh tokens, marks the presented
    /// refresh token used, and revokes its own parent (the refresh token it replaced), which stayed
    /// valid only until this first use of its successor.
    pub async fn rotate_refresh(
        &self,
        used: &Token,
        access: &Token,
        refresh: &Token,
        now: i64,
    ) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        for t in [access, refresh] {
            insert_token_on(&mut *tx, t).await?;
        }
        sqlx::query("UPDATE tokens SET used_at = $2 WHERE hash = $1 AND used_at IS NULL")
            .bind(&used.hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        // One chain per family: a retry within the grace abandons the chain the lost answer began.
        if let Some(f) = &used.family_id {
            sqlx::query(
                "UPDATE tokens SET revoked_at = $2 WHERE family_id = $1 AND kind = 'refresh' \
                 AND revoked_at IS NULL AND hash <> $3 AND hash <> $4",
            )
            .bind(f)
            .bind(now)
            .bind(&used.hash)
            .bind(&refresh.hash)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(parent) = &used.parent_hash {
            sqlx::query("UPDATE tokens SET revoked_at = $2 WHERE hash = $1 AND revoked_at IS NULL")
                .bind(parent)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        drop(writer_conn);
        self.cache.invalidate();
        Ok(())
    }

    /// Has a refresh token issued from `hash` already been used? Then `hash` is spent.
    pub async fn successor_used(&self, hash: &str) -> Result<bool> {
        let r: Option<(String,)> = sqlx::query_as(
            "SELECT hash FROM tokens WHERE parent_hash = $1 AND kind = 'refresh' AND used_at IS NOT NULL",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.is_some())
    }

    pub async fn revoke_token(&self, hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE tokens SET revoked_at = $2 WHERE hash = $1 AND revoked_at IS NULL")
            .bind(hash)
            .bind(now)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        self.cache.invalidate();
        Ok(())
    }
}

/// One INSERT for tokens, on the pool or inside a transaction.
async fn insert_token_on<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    t: &Token,
) -> Result<()> {
    sqlx::query(sql!(
        "INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&t.hash)
    .bind(t.kind.as_str())
    .bind(&t.client_key)
    .bind(&t.grant_id)
    .bind(&t.creator_id)
    .bind(to_json(&t.scopes))
    .bind(t.expires_at)
    .bind(t.revoked_at)
    .bind(&t.parent_hash)
    .bind(t.used_at)
    .bind(t.created_at)
    .bind(&t.family_id)
    .execute(ex)
    .await?;
    Ok(())
}

impl Store {
    /// Makes a token expire now (the `token_expires_while_polling` scenario).
    pub async fn expire_token(&self, hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE tokens SET expires_at = $2 WHERE hash = $1 AND expires_at > $2")
            .bind(hash)
            .bind(now)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        self.cache.invalidate();
        Ok(())
    }
}

impl Store {
    pub async fn grant_by_open_id(&self, open_id: &str) -> Result<Option<GrantRow>> {
        Ok(sqlx::query_as(
            "SELECT id, client_key, creator_id, open_id, scopes, created_at, revoked_at FROM grants WHERE open_id = $1",
        )
        .bind(open_id)
        .fetch_optional(&self.pool)
        .await?)
    }
}
