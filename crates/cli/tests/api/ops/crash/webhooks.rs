//! Webhook deliveries killed mid-flight arrive at least once.
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reelbox_store::sqlx;

use super::{Upload, platform, rounds, seed, upload_all};

/// Webhook deliveries in flight or pending when the node dies arrive after the restart: every
/// event at least once, none lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_survive_sigkill() {
    let seed = seed("webhooks_survive_sigkill");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut p = platform(10).await;
    let mut all: Vec<Upload> = Vec::new();
    let mut held_total = 0;
    for round in 0..rounds() {
        // The receiver holds every request: deliveries stay in flight until the kill.
        p.rx.hold.store(true, Ordering::SeqCst);
        let seen_before = p.rx.total();
        let batch = upload_all(&p, 20, all.len(), &mut rng).await;
        let want = rng.random_range(1..10);
        let deadline = Instant::now() + Duration::from_secs(60);
        while p.rx.total() < seen_before + want {
            assert!(Instant::now() < deadline, "no webhook delivery started");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        p.node.kill();
        let held = p.rx.total() - seen_before;
        held_total += held;
        p.rx.hold.store(false, Ordering::SeqCst);
        let store = reelbox_store::Store::open(&p.node.database_url())
            .await
            .unwrap();
        let (pending,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE status = 'pending'",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        store.close().await;
        eprintln!(
            "round {round}: SIGKILL with {held} deliveries in flight (held by the receiver), {pending} pending in the database"
        );
        assert!(pending > 0);
        p.crash_and_restart().await;
        all.extend(batch);
    }
    let ids: Vec<String> = all.iter().map(|u| u.publish_id.clone().unwrap()).collect();
    p.settled(&ids).await;
    let expected: Vec<(String, String)> = all.iter().flat_map(|u| u.events()).collect();
    p.events_arrive(&expected).await;
    let mut per_event: BTreeMap<usize, usize> = BTreeMap::new();
    for (e, id) in &expected {
        *per_event.entry(p.rx.count(e, id)).or_default() += 1;
    }
    let refs: Vec<&Upload> = all.iter().collect();
    p.final_checks(&refs).await;
    eprintln!(
        "webhooks_survive_sigkill: seed {seed}, {} events, {held_total} held in flight at the kills, deliveries per event (times: events) {per_event:?}",
        expected.len()
    );
}
