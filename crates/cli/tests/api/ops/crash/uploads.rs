//! Chunked uploads killed mid-flight resume from what the server reports; every stored file is byte-identical.
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::{CHUNK, Tally, Upload, drive, platform, rounds, seed, sha};

/// 100 concurrent chunked uploads and publishes; the node is killed at random points of their
/// progress, restarted, and every client resumes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uploads_survive_sigkill() {
    let started = Instant::now();
    let seed = seed("uploads_survive_sigkill");
    let mut rng = StdRng::seed_from_u64(seed);
    let rounds = rounds();
    let mut p = platform(20).await;
    // 30 multi-chunk uploads (2 or 3 chunks of 5 MB), 70 single-chunk ones (0.2–3 MB).
    let mut uploads: Vec<Upload> = (0..100)
        .map(|i| {
            let size = if i % 10 < 3 {
                let n = if i % 10 == 0 { 3 } else { 2 };
                n * CHUNK as usize + rng.random_range(0..2_000_000)
            } else {
                rng.random_range(200_000..3_000_000)
            };
            Upload::new(i, &p.tokens[i % 20], size, &mut rng)
        })
        .collect();
    let bytes_total: u64 = uploads.iter().map(|u| u.bytes.len() as u64).sum();
    let tally = Arc::new(Tally::default());
    let mut kills = 0;
    for round in 0..=rounds {
        let kill = round < rounds;
        let killed = Arc::new(AtomicBool::new(false));
        let remaining: u64 = uploads.iter().map(|u| u.plan.video_size - u.acked).sum();
        let before = tally.bytes_acked.load(Ordering::Relaxed);
        // Kill once this share of the remaining bytes is acknowledged (0: at once, mid-init);
        // the share is smaller while more kills are to come, so later kills still land mid-upload.
        let share = rng.random_range(0.0..0.9 / (rounds - round).max(1) as f64);
        let threshold = before + (remaining as f64 * share) as u64;
        let extra_ms = rng.random_range(0..40u64);
        let todo: Vec<Upload> = std::mem::take(&mut uploads);
        let finished = Arc::new(AtomicUsize::new(0));
        let n = todo.iter().filter(|u| !u.done).count();
        let mut tasks = Vec::new();
        for mut u in todo {
            let (http, base, killed, tally, finished) = (
                p.http.clone(),
                p.node.base.clone(),
                killed.clone(),
                tally.clone(),
                finished.clone(),
            );
            tasks.push(tokio::spawn(async move {
                if !u.done {
                    let _ = drive(&http, &base, &mut u, &killed, &tally).await;
                    finished.fetch_add(1, Ordering::SeqCst);
                }
                u
            }));
        }
        if kill {
            while tally.bytes_acked.load(Ordering::Relaxed) < threshold
                && finished.load(Ordering::SeqCst) < n
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            tokio::time::sleep(Duration::from_millis(extra_ms)).await;
            killed.store(true, Ordering::SeqCst);
            p.node.kill();
            kills += 1;
        }
        for t in tasks {
            uploads.push(t.await.unwrap());
        }
        let done = uploads.iter().filter(|u| u.done).count();
        if kill {
            eprintln!(
                "round {round}: SIGKILL after {:.0}% of the remaining bytes (+{extra_ms} ms); {done}/100 uploads complete",
                share * 100.0
            );
        } else {
            eprintln!("round {round}: no kill; {done}/100 uploads complete");
        }
        if kill {
            p.crash_and_restart().await;
        }
    }
    assert!(uploads.iter().all(|u| u.done));
    let ids: Vec<String> = uploads
        .iter()
        .map(|u| u.publish_id.clone().unwrap())
        .collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 100);
    let statuses = p.settled(&ids).await;
    for u in &uploads {
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
    // Publishes whose init answer was lost with the node: nothing was uploaded to them.
    let all = p.publishes().await;
    let orphans: Vec<&Value> = all
        .values()
        .filter(|x| !ids.contains(&x["publish_id"].as_str().unwrap().to_string()))
        .collect();
    for o in &orphans {
        assert_eq!(
            (
                o["status"].as_str().unwrap(),
                o["uploaded_bytes"].as_i64().unwrap()
            ),
            ("PROCESSING_UPLOAD", 0),
            "an unacknowledged init never got bytes: {o}"
        );
    }
    // Every stored file is its source, byte for byte.
    for u in &uploads {
        let key = reelbox_core::ids::publish_media_key(u.publish_id.as_deref().unwrap());
        assert_eq!(
            sha(&p.node.object(&key).await),
            sha(&u.bytes),
            "stored object of upload {}",
            u.i
        );
    }
    let expected: Vec<(String, String)> = uploads.iter().flat_map(|u| u.events()).collect();
    p.events_arrive(&expected).await;
    let refs: Vec<&Upload> = uploads.iter().collect();
    p.final_checks(&refs).await;
    let chunks: u64 = uploads.iter().map(|u| u.plan.count).sum();
    eprintln!(
        "uploads_survive_sigkill: seed {seed}, {rounds} round(s), {kills} SIGKILL(s), 100 uploads ({} multi-chunk), \
         {chunks} chunks / {bytes_total} bytes verified (sha256), {} chunk PUTs acknowledged, {} resumes \
         ({} found the server ahead of the client), {} answered 416, {} unacknowledged inits, \
         {} webhook deliveries for {} events, {:.1} s",
        uploads.iter().filter(|u| u.plan.count > 1).count(),
        tally.chunks_acked.load(Ordering::Relaxed),
        tally.resumes.load(Ordering::Relaxed),
        tally.ahead.load(Ordering::Relaxed),
        tally.refused_416.load(Ordering::Relaxed),
        orphans.len(),
        p.rx.total(),
        expected.len(),
        started.elapsed().as_secs_f64()
    );
}
