//! A job running longer than its lease stays with its node (the heartbeat renews it).
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{Upload, platform, seed, upload_all};

/// A job that runs longer than its lease stays with its live node: the receiver holds the
/// first delivery for three leases (6 s), and no second runner picks the job up meanwhile, so
/// every event arrives exactly once. Without the renewal the worker itself reclaims the lapsed
/// job after 2 s and delivers the held event again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_longer_than_its_lease_stays_with_its_node() {
    let mut rng = StdRng::seed_from_u64(seed("a_job_longer_than_its_lease_stays_with_its_node"));
    let mut p = platform(1).await;
    p.rx.hold.store(true, Ordering::SeqCst);
    let batch = upload_all(&p, 1, 0, &mut rng).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while p.rx.total() == 0 {
        assert!(Instant::now() < deadline, "no webhook delivery started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        p.rx.total(),
        1,
        "a second runner took the held delivery's job"
    );
    p.rx.hold.store(false, Ordering::SeqCst);
    let ids: Vec<String> = batch
        .iter()
        .map(|u| u.publish_id.clone().unwrap())
        .collect();
    p.settled(&ids).await;
    let expected: Vec<(String, String)> = batch.iter().flat_map(|u| u.events()).collect();
    p.events_arrive(&expected).await;
    let refs: Vec<&Upload> = batch.iter().collect();
    p.final_checks(&refs).await;
    for (e, id) in &expected {
        assert_eq!(
            p.rx.count(e, id),
            1,
            "{e} for {id} delivered more than once"
        );
    }
}
