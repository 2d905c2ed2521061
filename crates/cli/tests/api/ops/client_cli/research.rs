//! `reelbox research validate`: the ids of a file that are still valid, printed one per line.
use reelbox_testkit::read::{db_rows, read_world_with};
use serde_json::Value;

use super::{reelbox, run};
use crate::server_with;

#[tokio::test]
async fn validate_prints_the_ids_still_valid() {
    let s = server_with(|c| c.products.validation_delay_secs = 0).await;
    let w = read_world_with(s, &["research.data.basic"]).await;
    let rows = db_rows(
        &w.s,
        "SELECT p.id, '' FROM posts p JOIN creators c ON c.id = p.creator_id WHERE p.deleted_at IS NULL AND p.privacy_level = 'PUBLIC_TO_EVERYONE' AND c.private_account = 0 ORDER BY p.id LIMIT 3",
    )
    .await;
    let ids: Vec<&str> = rows.iter().map(|(i, _)| i.as_str()).collect();
    w.s.admin(
        reqwest::Method::DELETE,
        &format!("/_reelbox/videos/{}", ids[1]),
        Value::Null,
    )
    .await;
    let cfg = tempfile::tempdir().unwrap();
    let file = cfg.path().join("ids.txt");
    std::fs::write(&file, format!("{}\n{}\n{}\n", ids[0], ids[1], ids[2])).unwrap();
    let mut c = reelbox(cfg.path());
    c.args(["research", "validate"]).arg(&file).args([
        "--poll-secs",
        "1",
        "--base-url",
        &w.s.base,
        "--token",
        &w.clt,
    ]);
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("{}\n{}\n", ids[0], ids[2]));
    assert!(err.contains("2 of 3 ids are valid"), "{err}");
    // A bad category: the API's refusal, exit code not 0.
    let mut c = reelbox(cfg.path());
    c.args(["research", "validate"]).arg(&file).args([
        "--category",
        "user",
        "--base-url",
        &w.s.base,
        "--token",
        &w.clt,
    ]);
    let (code, _, err) = run(c).await;
    assert_ne!(code, 0);
    assert!(err.contains("category must be video or comment"), "{err}");
}
