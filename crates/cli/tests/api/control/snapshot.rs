//! Snapshots over the control API: the whole state of a SQLite server saved, loaded into a
//! PostgreSQL + S3 server (on the passes that name one; else another SQLite server), saved
//! there and loaded into a third server on SQLite, every table and object compared by checksums.
use reqwest::Method;
use serde_json::{Value, json};

use super::{post_small, wait_complete};

/// Checksums of every table and every stored object of a server.
async fn sums(
    s: &reelbox_testkit::TestServer,
) -> (Vec<(String, u64, String)>, Vec<(String, String)>) {
    let st = &s.handle.as_ref().expect("running").state;
    let (tables, objects) = reelbox_server::sandbox::snapshot::sums(st)
        .await
        .expect("sums");
    (
        tables
            .into_iter()
            .map(|t| (t.table, t.rows, t.checksum))
            .collect(),
        objects,
    )
}

/// The sums once two readings a moment apart agree (the worker has finished what was due).
async fn settled(
    s: &reelbox_testkit::TestServer,
) -> (Vec<(String, u64, String)>, Vec<(String, String)>) {
    let mut last = sums(s).await;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let now = sums(s).await;
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("the state never settled");
}

async fn save(s: &reelbox_testkit::TestServer) -> Vec<u8> {
    let r = s
        .http
        .get(s.url("/_reelbox/snapshot"))
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    r.bytes().await.unwrap().to_vec()
}

async fn load(s: &reelbox_testkit::TestServer, file: Vec<u8>) -> (u16, Value) {
    let r = s
        .http
        .put(s.url("/_reelbox/snapshot"))
        .bearer_auth(&s.admin_token)
        .header("content-type", "application/octet-stream")
        .body(file)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// A server on SQLite and local disk, whatever the pass.
async fn sqlite_server() -> reelbox_testkit::TestServer {
    crate::server_with(|c| {
        c.database_url = None;
        c.storage = None;
    })
    .await
}

#[tokio::test]
async fn a_snapshot_round_trips_sqlite_to_postgres_and_s3_and_back() {
    let a = sqlite_server().await;
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed.toml");
    a.admin(
        Method::POST,
        "/_reelbox/seed/apply",
        json!({"toml": std::fs::read_to_string(&seed).unwrap(), "base_dir": seed.parent().unwrap()}),
    )
    .await;
    // And a publish through the API, with the seed's token.
    let w = reelbox_testkit::World {
        s: a,
        app: json!({}),
        token: "act.seed-alice-scheduler-access".into(),
        refresh: "rft.seed-alice-scheduler-refresh".into(),
    };
    let id = post_small(&w, "PUBLIC_TO_EVERYONE").await;
    assert_eq!(
        wait_complete(&w, &id).await["data"]["status"],
        "PUBLISH_COMPLETE"
    );
    w.s.advance_clock(90).await;
    // A still state to compare: with the clock frozen no retry falls due, and once the due jobs
    // are done nothing changes any more.
    w.s.admin(Method::POST, "/_reelbox/clock", json!({"freeze": true}))
        .await;
    let a = w.s;
    let (a_tables, a_objects) = settled(&a).await;
    assert!(a_objects.len() >= 4, "videos and covers: {a_objects:?}");

    let b = crate::server().await; // PostgreSQL + S3 on those passes
    let (st, loaded) = load(&b, save(&a).await).await;
    assert_eq!(st, 200, "{loaded}");
    let (b_tables, b_objects) = sums(&b).await;
    assert_eq!(b_objects, a_objects, "objects by SHA-256");
    assert_eq!(b_tables, a_tables, "tables by row count and checksum");
    let answered: Vec<(String, u64, String)> = loaded["data"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap().into(),
                t["rows"].as_u64().unwrap(),
                t["checksum"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        answered, a_tables,
        "the answer's checksums are the source's"
    );
    assert_eq!(loaded["data"]["taken_on"], "sqlite");

    let c = sqlite_server().await;
    let (st, loaded) = load(&c, save(&b).await).await;
    assert_eq!(st, 200, "{loaded}");
    let (c_tables, c_objects) = sums(&c).await;
    assert_eq!(c_objects, a_objects);
    assert_eq!(c_tables, a_tables);

    let clock_a = a.admin(Method::GET, "/_reelbox/clock", Value::Null).await;
    for s in [&b, &c] {
        let clock = s.admin(Method::GET, "/_reelbox/clock", Value::Null).await;
        assert_eq!(
            clock["now"], clock_a["now"],
            "the (frozen) clock comes along"
        );
        let (st, v) = s
            .call("act.seed-alice-scheduler-access", super::CI, None)
            .await;
        assert_eq!(
            st, 200,
            "a token of the snapshot works on the loaded server: {v}"
        );
    }
    insta::assert_json_snapshot!(
        "snapshot_loaded",
        json!({
            "format_version": loaded["data"]["format_version"],
            "schema": "[schema]",
            "taken_on": "[backend]",
            "tables": "[tables]",
            "objects": loaded["data"]["objects"],
            "bytes": "[bytes]",
        })
    );
}

#[tokio::test]
async fn a_snapshot_that_cannot_be_taken_is_refused_before_anything_changes() {
    let s = crate::server().await;
    s.create_creator(json!({"username": "keeper"})).await;
    let refusals = [
        (b"not a snapshot at all".to_vec(), "not a reelbox snapshot (it does not begin with REELBOX-SNAPSHOT)".to_string()),
        (frame_file(json!({"format": "reelbox-snapshot", "version": 2, "schema": 1, "backend": "sqlite", "taken_at": 0})),
         "snapshot format reelbox-snapshot version 2 cannot be read: this reelbox reads reelbox-snapshot version 1".to_string()),
    ];
    for (file, message) in refusals {
        let (st, v) = load(&s, file).await;
        assert_eq!(st, 400, "{v}");
        assert_eq!(v["error"]["code"], "invalid_param");
        assert_eq!(v["error"]["message"], message);
    }
    let (st, v) = load(&s, frame_file(json!({"format": "reelbox-snapshot", "version": 1, "schema": 9999, "backend": "postgres", "taken_at": 0}))).await;
    assert_eq!(st, 400);
    let m = v["error"]["message"].as_str().unwrap();
    assert!(
        m.starts_with("the snapshot's schema (9999, taken on postgres) is newer than this "),
        "{m}"
    );
    assert!(
        m.ends_with(": load it with the reelbox that took it or a newer one"),
        "{m}"
    );
    let c = s
        .admin(Method::GET, "/_reelbox/creators/keeper", Value::Null)
        .await;
    assert_eq!(c["username"], "keeper", "nothing changed");

    // A good snapshot cut short: refused, and the answer says the state is partial.
    let whole = save(&s).await;
    let (st, v) = load(&s, whole[..whole.len() - 3].to_vec()).await;
    assert_eq!(st, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("(the state is now partly loaded: load a good snapshot or reset)"),
        "{v}"
    );
    let (st, v) = load(&s, whole).await;
    assert_eq!(st, 200, "{v}");
}

/// A file holding only the magic and a header frame.
fn frame_file(header: Value) -> Vec<u8> {
    let mut f = b"REELBOX-SNAPSHOT\n".to_vec();
    let h = serde_json::to_vec(&header).unwrap();
    f.push(b'H');
    f.extend_from_slice(&(h.len() as u32).to_be_bytes());
    f.extend_from_slice(&h);
    f
}
