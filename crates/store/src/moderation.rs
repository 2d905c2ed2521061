//! Moderation's rows: the listed terms, the review queue's cases (a held publish or a reported
//! post; at most one open case per subject, by a partial unique index), viewers' reports and the
//! moderators' audit log. The rules deciding what goes where are `reelbox_core::moderation`.
use sqlx::FromRow;

use crate::{Result, Store};

/// A case in the review queue.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Case {
    pub id: String,
    /// `publish` (held before posting) or `post` (reported after).
    pub subject: String,
    pub subject_id: String,
    pub creator_id: String,
    /// Why it was opened: the policy's words, or `reports`.
    pub cause: String,
    /// `open`, `approved`, `rejected`, `taken_down`, `dismissed`.
    pub status: String,
    pub reject_reason: Option<String>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
}

const CASE_COLUMNS: &str =
    "id, subject, subject_id, creator_id, cause, status, reject_reason, opened_at, closed_at";

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AuditEntry {
    pub id: String,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// JSON: what the action changed.
    pub detail: String,
}

impl Store {
    /// The listed terms with their actions, alphabetically.
    pub async fn moderation_terms(&self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT term, action FROM moderation_terms ORDER BY term")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Replaces the whole list in one transaction.
    pub async fn replace_moderation_terms(
        &self,
        terms: &[(String, String)],
        now: i64,
    ) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        sqlx::query("DELETE FROM moderation_terms")
            .execute(&mut *tx)
            .await?;
        for (term, action) in terms {
            sqlx::query(
                "INSERT INTO moderation_terms (term, action, created_at) VALUES ($1, $2, $3) ON CONFLICT (term) DO UPDATE SET action = excluded.action",
            )
            .bind(term)
            .bind(action)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Opens a case unless one is open for the subject already; true when this call opened it.
    pub async fn open_moderation_case(&self, c: &Case) -> Result<bool> {
        let r = sqlx::query(sql!(
            "INSERT INTO moderation_cases ({CASE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, 'open', NULL, $6, NULL) ON CONFLICT DO NOTHING"
        ))
        .bind(&c.id)
        .bind(&c.subject)
        .bind(&c.subject_id)
        .bind(&c.creator_id)
        .bind(&c.cause)
        .bind(c.opened_at)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn moderation_case(&self, id: &str) -> Result<Option<Case>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {CASE_COLUMNS} FROM moderation_cases WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The open case about a subject, if any.
    pub async fn open_moderation_case_for(
        &self,
        subject: &str,
        subject_id: &str,
    ) -> Result<Option<Case>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {CASE_COLUMNS} FROM moderation_cases WHERE subject = $1 AND subject_id = $2 AND status = 'open'"
        ))
        .bind(subject)
        .bind(subject_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Open cases, oldest first.
    pub async fn open_moderation_cases(&self, limit: i64) -> Result<Vec<Case>> {
        Ok(sqlx::query_as(sql!(
            "SELECT {CASE_COLUMNS} FROM moderation_cases WHERE status = 'open' ORDER BY opened_at, id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many cases wait for a moderator.
    pub async fn moderation_queue_length(&self) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM moderation_cases WHERE status = 'open'")
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    /// Closes an open case with `status` (compare-and-set: false when another moderator decided
    /// first), writing the audit line in the same transaction.
    pub async fn close_moderation_case(
        &self,
        id: &str,
        status: &str,
        reject_reason: Option<&str>,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        let r = sqlx::query(
            "UPDATE moderation_cases SET status = $2, reject_reason = $3, closed_at = $4 WHERE id = $1 AND status = 'open'",
        )
        .bind(id)
        .bind(status)
        .bind(reject_reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether a post of the creator was rejected or taken down before.
    pub async fn creator_has_removed_posts(&self, creator_id: &str) -> Result<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM moderation_cases WHERE creator_id = $1 AND status IN ('rejected', 'taken_down')",
        )
        .bind(creator_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// The creator's posts still shown.
    pub async fn count_posts_of_creator(&self, creator_id: &str) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM posts WHERE creator_id = $1 AND deleted_at IS NULL",
        )
        .bind(creator_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Records a viewer's report; false when this viewer had reported the post already.
    pub async fn add_report(
        &self,
        id: &str,
        post_id: &str,
        reporter_id: &str,
        reason: &str,
        now: i64,
    ) -> Result<bool> {
        let r = sqlx::query(
            "INSERT INTO moderation_reports (id, post_id, reporter_id, reason, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(post_id)
        .bind(reporter_id)
        .bind(reason)
        .bind(now)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// A post's reports counted by reason, most frequent first.
    pub async fn report_reasons(&self, post_id: &str) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT reason, COUNT(*) FROM moderation_reports WHERE post_id = $1 GROUP BY reason ORDER BY COUNT(*) DESC, reason",
        )
        .bind(post_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Writes one audit line on its own (actions whose change is written elsewhere).
    pub async fn add_audit(&self, e: &AuditEntry) -> Result<()> {
        let mut writer_conn = self.writer.acquire().await?;
        let mut tx = writer_conn.begin().await?;
        insert_audit(&mut tx, e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest audit lines first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, action, subject, detail FROM moderation_audit ORDER BY at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

async fn insert_audit(tx: &mut sqlx::Transaction<'_, sqlx::Any>, e: &AuditEntry) -> Result<()> {
    sqlx::query(
        "INSERT INTO moderation_audit (id, at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&e.id)
    .bind(e.at)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.subject)
    .bind(&e.detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
