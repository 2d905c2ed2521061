//! Where a research query writes on SQLite: its result set and quota counters go to the call
//! log's file, so a query never waits for the main writer.
use super::searches::Search;
use crate::Store;

async fn sqlite_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&crate::sqlite_url_for(&dir.path().join("r.db")))
        .await
        .unwrap();
    (dir, store)
}

fn search(id: &str) -> Search {
    Search {
        id: id.into(),
        client_key: "app".into(),
        query: "{}".into(),
        max_id: "0".into(),
        snapshot_at: 5,
        pages: "{}".into(),
        created_at: 10,
    }
}

#[tokio::test]
async fn result_sets_and_quota_counters_are_written_while_the_main_writer_is_held() {
    let (_dir, store) = sqlite_store().await;
    // A long write transaction holds the main writer for the whole test.
    let mut held = store.writer.acquire().await.unwrap();
    let _tx = held.begin().await.unwrap();
    let research = async {
        store.insert_search(&search("s1")).await.unwrap();
        store.record_search_page("s1", 20, "123").await.unwrap();
        store
            .add_research_usage(&[("app".into(), 7, "data", 1, 20)])
            .await
            .unwrap();
        (
            store.search("s1", "app", 0).await.unwrap().unwrap().pages,
            store.research_usage("app", 7, "data").await.unwrap(),
        )
    };
    // Before the move these waited for the main writer (its acquire gives up after 30 s).
    let (pages, usage) = tokio::time::timeout(std::time::Duration::from_secs(10), research)
        .await
        .expect("research state is written without the main writer");
    assert_eq!(pages, r#"{"20":"123"}"#);
    assert_eq!(usage, (1, 20));
}

#[tokio::test]
async fn counters_kept_in_the_main_file_are_moved_once_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::sqlite_url_for(&dir.path().join("r.db"));
    let store = Store::open(&url).await.unwrap();
    // A database from before the move: the counters in the main file.
    {
        let mut w = store.writer.acquire().await.unwrap();
        for stmt in [
            "CREATE TABLE research_usage (client_key TEXT NOT NULL, day BIGINT NOT NULL, kind TEXT NOT NULL, requests BIGINT NOT NULL DEFAULT 0, records BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (client_key, day, kind))",
            "INSERT INTO research_usage VALUES ('app', 7, 'data', 3, 300)",
        ] {
            sqlx::query(stmt).execute(&mut *w).await.unwrap();
        }
    }
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    assert_eq!(
        store.research_usage("app", 7, "data").await.unwrap(),
        (3, 300)
    );
    let (left,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM sqlite_master WHERE name = 'research_usage'",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!(left, 0, "the main file's table is gone");
    // A second start finds nothing to move and keeps the counters.
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    assert_eq!(
        store.research_usage("app", 7, "data").await.unwrap(),
        (3, 300)
    );
}
