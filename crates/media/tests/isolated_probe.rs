//! End-to-end tests of the probe process boundary.
//!
//! This test binary (`harness = false`) doubles as the `reelbox probe` executable: run as
//! `<this> probe FILE [--image]` it behaves like the CLI subcommand (it calls `probe_main`), so
//! the isolated probes below start a real child running the real probe. A few file names select
//! misbehaving children (hang, runaway allocation, garbage output) to exercise the failure paths.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reelbox_media::{
    Container, ImageFormat, ProbeError, VideoCodec, probe_image_isolated, probe_main,
    probe_video_file, probe_video_isolated,
};

type TestFn = fn() -> futures::future::BoxFuture<'static, ()>;

const MEMORY: u64 = 512 << 20;
const TIMEOUT: Duration = Duration::from_secs(20);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("probe") {
        std::process::exit(fake_reelbox_probe(&args[2..]));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tests: &[(&str, TestFn)] = &[
        ("probes_videos_in_a_child", || {
            Box::pin(probes_videos_in_a_child())
        }),
        ("probes_images_in_a_child", || {
            Box::pin(probes_images_in_a_child())
        }),
        ("carries_probe_errors_back", || {
            Box::pin(carries_probe_errors_back())
        }),
        (
            "kills_a_hanging_child",
            || Box::pin(kills_a_hanging_child()),
        ),
        ("caps_the_childs_memory", || {
            Box::pin(caps_the_childs_memory())
        }),
        ("rejects_garbage_output", || {
            Box::pin(rejects_garbage_output())
        }),
        ("survives_mutated_files", || {
            Box::pin(survives_mutated_files())
        }),
    ];
    let filter = args.iter().skip(1).find(|a| !a.starts_with('-'));
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        if filter.is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(test())));
        if outcome.is_ok() {
            println!("test {name} ... ok");
            passed += 1;
        } else {
            println!("test {name} ... FAILED");
            failed += 1;
        }
    }
    println!("{passed} passed, {failed} failed");
    std::process::exit(i32::from(failed > 0));
}

/// `reelbox probe` as the CLI will run it, plus the misbehaviours named by the file.
fn fake_reelbox_probe(args: &[String]) -> i32 {
    let file = args.first().map(String::as_str).unwrap_or_default();
    if file.ends_with("hang-forever") {
        loop {
            std::thread::sleep(Duration::from_secs(60));
        }
    }
    if file.ends_with("allocate-forever") {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![1; 16 << 20]);
        }
    }
    if file.ends_with("garbage") {
        println!("this is not JSON");
        return 0;
    }
    probe_main(args)
}

fn exe() -> PathBuf {
    std::env::current_exe().expect("current exe")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/media")
        .join(name)
}

async fn probes_videos_in_a_child() {
    for (name, container, codec) in [
        ("h264_720x1280_30fps.mp4", Container::Mp4, VideoCodec::H264),
        ("hevc_720x1280_30fps.mov", Container::Mov, VideoCodec::Hevc),
        ("vp9_720x1280_30fps.webm", Container::Webm, VideoCodec::Vp9),
    ] {
        let isolated = probe_video_isolated(&exe(), &fixture(name), TIMEOUT, MEMORY).await;
        let isolated = isolated.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (isolated.container, isolated.video_codec.clone()),
            (container, codec)
        );
        // Same answer as in-process.
        assert_eq!(
            isolated,
            probe_video_file(&fixture(name)).expect("in-process probe")
        );
    }
}

async fn probes_images_in_a_child() {
    let p = probe_image_isolated(&exe(), &fixture("photo_1080x1920.webp"), TIMEOUT, MEMORY).await;
    let p = p.expect("probe");
    assert_eq!(
        (p.format, p.width, p.height),
        (ImageFormat::Webp, 1080, 1920)
    );
}

async fn carries_probe_errors_back() {
    let err = probe_video_isolated(&exe(), &fixture("not_a_video.mp4"), TIMEOUT, MEMORY).await;
    assert!(matches!(err, Err(ProbeError::Unrecognized(_))), "{err:?}");
    let err = probe_video_isolated(&exe(), &fixture("truncated.mp4"), TIMEOUT, MEMORY).await;
    assert!(
        matches!(&err, Err(ProbeError::Corrupt(m)) if m.contains("mdat")),
        "{err:?}"
    );
    let err = probe_video_isolated(&exe(), &fixture("missing.mp4"), TIMEOUT, MEMORY).await;
    assert!(matches!(err, Err(ProbeError::Io(_))), "{err:?}");
}

async fn kills_a_hanging_child() {
    let started = Instant::now();
    let err = probe_video_isolated(
        &exe(),
        Path::new("hang-forever"),
        Duration::from_millis(500),
        MEMORY,
    )
    .await;
    assert!(matches!(err, Err(ProbeError::Timeout)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

async fn caps_the_childs_memory() {
    // With a 256 MiB address space the hoarding child's allocation fails and it aborts long before
    // the machine notices.
    let started = Instant::now();
    let err = probe_video_isolated(&exe(), Path::new("allocate-forever"), TIMEOUT, 256 << 20).await;
    assert!(matches!(err, Err(ProbeError::Crashed(_))), "{err:?}");
    assert!(started.elapsed() < TIMEOUT);
}

async fn rejects_garbage_output() {
    let err = probe_video_isolated(&exe(), Path::new("garbage"), TIMEOUT, MEMORY).await;
    assert!(matches!(err, Err(ProbeError::Crashed(_))), "{err:?}");
}

/// Flips bytes of the valid fixtures (a fixed pseudo-random sequence) and probes each mutant in a
/// child: every run must end with an answer — a probe or an error — within its time limit.
async fn survives_mutated_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let sources = [
        "h264_720x1280_30fps.mp4",
        "hevc_720x1280_30fps.mov",
        "vp9_720x1280_30fps.webm",
    ];
    let mut outcomes = std::collections::BTreeMap::<&str, u32>::new();
    for round in 0..60 {
        let name = sources[round % sources.len()];
        let mut bytes = std::fs::read(fixture(name)).expect("fixture");
        // Mutations land in the headers, where the parsers look (moov sits at the end of the MP4).
        let len = bytes.len() as u64;
        for _ in 0..4 {
            let r = next();
            let at = if r % 2 == 0 {
                r % 4096
            } else {
                len.saturating_sub(1 + (r >> 8) % 4096)
            };
            if let Some(b) = bytes.get_mut(usize::try_from(at).unwrap_or(0)) {
                *b ^= (next() % 255 + 1) as u8;
            }
        }
        let path = dir.path().join(format!("mutant-{round}"));
        std::fs::write(&path, &bytes).expect("write mutant");
        let result = probe_video_isolated(&exe(), &path, Duration::from_secs(10), MEMORY).await;
        let kind = match &result {
            Ok(_) => "ok",
            Err(e) => e.kind(),
        };
        *outcomes.entry(kind).or_default() += 1;
    }
    eprintln!("mutants: {outcomes:?}");
    // An I/O error would mean the harness, not the parser, failed.
    assert!(!outcomes.contains_key("io"), "{outcomes:?}");
}
