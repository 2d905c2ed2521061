//! Processing killed mid-job ends once per publish after the restart.
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reelbox_store::sqlx;

use super::{Upload, platform, rounds, seed, upload_all};

/// Processing jobs in flight when the node dies are taken up again after the restart and
/// complete exactly once: one post per publish, every event delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processing_survives_sigkill() {
    let seed = seed("processing_survives_sigkill");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut p = platform(10).await;
    let mut all: Vec<Upload> = Vec::new();
    let mut in_flight_total = 0;
    // A kill that caught no job in flight shows nothing: then go another round (at most 5 more).
    let mut round = 0;
    while round < rounds() || (in_flight_total == 0 && round < rounds() + 5) {
        round += 1;
        let batch = upload_all(&p, 30, all.len(), &mut rng).await;
        let ids: Vec<String> = batch
            .iter()
            .map(|u| u.publish_id.clone().unwrap())
            .collect();
        // Kill once the first of the batch has finished processing (plus a random moment).
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let st = p.publishes().await;
            if ids
                .iter()
                .any(|id| !st[id]["status"].as_str().unwrap().starts_with("PROCESSING"))
            {
                break;
            }
            assert!(Instant::now() < deadline, "nothing finished processing");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..100))).await;
        p.node.kill();
        // What the dead node left: publishes still processing, with their jobs leased.
        let store = reelbox_store::Store::open(&p.node.database_url())
            .await
            .unwrap();
        let (in_flight,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM jobs WHERE kind = 'process' AND done_at IS NULL AND locked_until IS NOT NULL",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        store.close().await;
        eprintln!("round {round}: SIGKILL with {in_flight} of 30 processing jobs in flight");
        in_flight_total += in_flight;
        p.crash_and_restart().await;
        all.extend(batch);
    }
    let ids: Vec<String> = all.iter().map(|u| u.publish_id.clone().unwrap()).collect();
    let statuses = p.settled(&ids).await;
    for u in &all {
        let want = if u.inbox {
            "SEND_TO_USER_INBOX"
        } else {
            "PUBLISH_COMPLETE"
        };
        assert_eq!(
            statuses[u.publish_id.as_deref().unwrap()],
            want,
            "upload {}",
            u.i
        );
    }
    let expected: Vec<(String, String)> = all.iter().flat_map(|u| u.events()).collect();
    p.events_arrive(&expected).await;
    let refs: Vec<&Upload> = all.iter().collect();
    p.final_checks(&refs).await;
    eprintln!(
        "processing_survives_sigkill: seed {seed}, {} publishes, {in_flight_total} processing jobs in flight at the kills",
        all.len()
    );
    assert!(
        in_flight_total > 0,
        "the kills caught processing jobs in flight (else this test showed nothing)"
    );
}
