//! The backends a test server runs on besides the embedded defaults: a PostgreSQL database and an
//! S3 bucket of its own, when the environment points at such servers.

/// With `REELBOX_TEST_DATABASE_URL=postgres://user@host:port/db`, creates a database of its own
/// for one test server (dropping those left by earlier runs first) and returns its URL.
pub async fn fresh_database() -> Option<String> {
    use sqlx::Connection;
    let base = std::env::var("REELBOX_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))?;
    let mut admin = sqlx::postgres::PgConnection::connect(&base)
        .await
        .expect("REELBOX_TEST_DATABASE_URL is reachable");
    static CLEANED: std::sync::Once = std::sync::Once::new();
    let mut stale: Vec<String> = Vec::new();
    let mut first = false;
    CLEANED.call_once(|| first = true);
    if first {
        let prefix = format!("rbt_{}_", std::process::id());
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'rbt\\_%'")
                .fetch_all(&mut admin)
                .await
                .unwrap_or_default();
        stale = rows
            .into_iter()
            .map(|r| r.0)
            .filter(|n| !n.starts_with(&prefix))
            .collect();
    }
    for name in stale {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await;
    }
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "rbt_{}_{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .expect("create the test database");
    let mut url = url_with_db(&base, &name);
    if !url.contains("sslmode") {
        url.push_str(if url.contains('?') {
            "&sslmode=disable"
        } else {
            "?sslmode=disable"
        });
    }
    Some(url)
}

fn url_with_db(base: &str, db: &str) -> String {
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (base, None),
    };
    let rest = head.splitn(4, '/').collect::<Vec<_>>();
    // postgres://user@host:port[/db]
    let root = if rest.len() == 4 {
        format!("{}//{}", rest[0], rest[2])
    } else {
        head.trim_end_matches('/').to_string()
    };
    match query {
        Some(q) => format!("{root}/{db}?{q}"),
        None => format!("{root}/{db}"),
    }
}

/// With `REELBOX_TEST_S3_ENDPOINT=http://127.0.0.1:PORT` (an S3-compatible server; credentials
/// from the AWS environment variables), creates a bucket of its own for one test server.
pub async fn fresh_bucket() -> Option<String> {
    let endpoint = std::env::var("REELBOX_TEST_S3_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())?;
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let bucket = format!(
        "rbt-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let r = reqwest::Client::new()
        .put(format!("{}/{bucket}", endpoint.trim_end_matches('/')))
        .send()
        .await
        .expect("S3 endpoint reachable");
    assert!(
        r.status().is_success(),
        "bucket creation answered {}",
        r.status()
    );
    Some(format!(
        "s3://{bucket}?endpoint={}&region=us-east-1",
        endpoint.trim_end_matches('/')
    ))
}
