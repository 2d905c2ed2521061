//! Small server-wide values (the sandbox clock's state, generated keys) shared by every node.
use crate::{Result, Store};

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let r: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|x| x.0))
    }

    pub async fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Every app's clock offset (milliseconds ahead of the shared clock).
    pub async fn app_clocks(&self) -> Result<Vec<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT client_key, offset_ms FROM app_clocks")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Moves one app's clock `ms` further ahead, in one statement so that two nodes advancing
    /// it at once add both moves; answers the new offset.
    pub async fn advance_app_clock(&self, client_key: &str, ms: i64) -> Result<i64> {
        let (offset,): (i64,) = sqlx::query_as(
            "INSERT INTO app_clocks (client_key, offset_ms) VALUES ($1, $2) ON CONFLICT (client_key) DO UPDATE SET offset_ms = app_clocks.offset_ms + excluded.offset_ms RETURNING offset_ms",
        )
        .bind(client_key)
        .bind(ms)
        .fetch_one(&mut *self.writer.acquire().await?)
        .await?;
        Ok(offset)
    }

    /// Puts an app (or every app, with `None`) back on the shared clock.
    pub async fn reset_app_clocks(&self, client_key: Option<&str>) -> Result<()> {
        let mut conn = self.writer.acquire().await?;
        match client_key {
            Some(k) => {
                sqlx::query("DELETE FROM app_clocks WHERE client_key = $1")
                    .bind(k)
                    .execute(&mut *conn)
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM app_clocks")
                    .execute(&mut *conn)
                    .await?
            }
        };
        Ok(())
    }
}
