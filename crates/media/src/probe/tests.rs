use std::path::PathBuf;
use std::time::Instant;

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/media")
        .join(name)
}

fn file_len(name: &str) -> u64 {
    std::fs::metadata(fixture(name))
        .expect("fixture exists; run testdata/media/make-fixtures.sh")
        .len()
}

/// Asserts the probe of `name` (fps within 0.01, duration within 50 ms, the rest exact).
#[track_caller]
fn assert_video(
    name: &str,
    container: Container,
    codec: VideoCodec,
    w: u32,
    h: u32,
    fps: f64,
    ms: u64,
) {
    let p = probe_video_file(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(p.container, container, "{name}");
    assert_eq!(p.video_codec, codec, "{name}");
    assert_eq!((p.width, p.height), (w, h), "{name}");
    assert!((p.fps - fps).abs() < 0.01, "{name}: fps {}", p.fps);
    assert!(
        p.duration_ms.abs_diff(ms) <= 50,
        "{name}: duration {} ms",
        p.duration_ms
    );
    assert_eq!(p.rotation, 0, "{name}");
    assert_eq!(p.size_bytes, file_len(name), "{name}");
}

#[test]
fn valid_videos() {
    assert_video(
        "h264_720x1280_30fps.mp4",
        Container::Mp4,
        VideoCodec::H264,
        720,
        1280,
        30.0,
        3000,
    );
    assert_video(
        "hevc_720x1280_30fps.mov",
        Container::Mov,
        VideoCodec::Hevc,
        720,
        1280,
        30.0,
        2000,
    );
    assert_video(
        "vp9_720x1280_30fps.webm",
        Container::Webm,
        VideoCodec::Vp9,
        720,
        1280,
        30.0,
        2000,
    );
}

#[test]
fn webm_without_duration_uses_frame_timestamps() {
    let name = "vp8_720x1280_30fps_live.webm";
    assert_video(
        name,
        Container::Webm,
        VideoCodec::Vp8,
        720,
        1280,
        30.0,
        2000,
    );
    // Also without DefaultDuration (as MediaRecorder writes it): rename that element's ID to an
    // unknown one, so the frame rate comes from the timestamps alone.
    let mut bytes = fixture_bytes(name);
    let at = bytes
        .windows(3)
        .position(|w| w == [0x23, 0xE3, 0x83])
        .expect("DefaultDuration");
    bytes[at + 2] = 0x84;
    let file = temp_with(&bytes);
    let p = probe_video_file(file.path()).expect("probe");
    assert!((p.fps - 30.0).abs() < 0.01, "fps {}", p.fps);
    assert!(
        p.duration_ms.abs_diff(2000) <= 50,
        "duration {}",
        p.duration_ms
    );
}

#[test]
fn videos_that_break_rules_still_probe() {
    assert_video(
        "h264_10fps.mp4",
        Container::Mp4,
        VideoCodec::H264,
        720,
        1280,
        10.0,
        2000,
    );
    assert_video(
        "h264_200x200.mp4",
        Container::Mp4,
        VideoCodec::H264,
        200,
        200,
        30.0,
        2000,
    );
    assert_video(
        "h264_long_12s.mp4",
        Container::Mp4,
        VideoCodec::H264,
        360,
        640,
        30.0,
        12_000,
    );
}

#[test]
fn invalid_videos() {
    let err = probe_video_file(&fixture("not_a_video.mp4"));
    assert!(matches!(err, Err(ProbeError::Unrecognized(_))), "{err:?}");
    let err = probe_video_file(&fixture("truncated.mp4"));
    assert!(matches!(err, Err(ProbeError::Corrupt(_))), "{err:?}");
    // An image is not a video, whatever it is called.
    let err = probe_video_file(&fixture("photo_1080x1350.jpg"));
    assert!(
        matches!(&err, Err(ProbeError::Unrecognized(m)) if m.contains("jpeg")),
        "{err:?}"
    );
    let err = probe_video_file(&fixture("does-not-exist.mp4"));
    assert!(matches!(err, Err(ProbeError::Io(_))), "{err:?}");
}

#[test]
fn images() {
    let cases = [
        ("photo_1080x1350.jpg", ImageFormat::Jpeg, 1080, 1350),
        ("photo_1080x1920.webp", ImageFormat::Webp, 1080, 1920),
        ("photo_4000x3000.jpg", ImageFormat::Jpeg, 4000, 3000),
    ];
    for (name, format, width, height) in cases {
        let p = probe_image_file(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            p,
            ImageProbe {
                format,
                width,
                height,
                size_bytes: file_len(name)
            },
            "{name}"
        );
    }
    for name in ["not_a_video.mp4", "h264_720x1280_30fps.mp4"] {
        let err = probe_image_file(&fixture(name));
        assert!(
            matches!(err, Err(ProbeError::Unrecognized(_))),
            "{name}: {err:?}"
        );
    }
}

fn temp_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(bytes).expect("write");
    f.flush().expect("flush");
    f
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture")
}

/// Offset of the first box of type `kind` (the size field), found by its fourcc.
fn find_box(bytes: &[u8], kind: &[u8; 4]) -> usize {
    bytes
        .windows(4)
        .position(|w| w == kind)
        .expect("box present")
        - 4
}

#[test]
fn a_box_of_size_4_is_corrupt_and_fast() {
    use boxes::tests::bx;
    // ftyp, then a moov whose first child claims 4 bytes: re_mp4 would spin on it forever.
    let mut child = bx(b"mvhd", &[0; 100]);
    child[..4].copy_from_slice(&4u32.to_be_bytes());
    let bytes = [bx(b"ftyp", b"isom\0\0\x02\0isom"), bx(b"moov", &child)].concat();
    assert!(matches!(
        check_box_structure(&bytes),
        Err(ProbeError::Corrupt(_))
    ));

    let file = temp_with(&bytes);
    let started = Instant::now();
    let err = probe_video_file(file.path());
    assert!(matches!(err, Err(ProbeError::Corrupt(_))), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn the_fixtures_pass_the_box_check() {
    for name in [
        "h264_720x1280_30fps.mp4",
        "hevc_720x1280_30fps.mov",
        "h264_long_12s.mp4",
    ] {
        check_box_structure(&fixture_bytes(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert!(matches!(
        check_box_structure(&fixture_bytes("truncated.mp4")),
        Err(ProbeError::Corrupt(_))
    ));
}

#[test]
fn rotation_swaps_width_and_height() {
    let mut bytes = fixture_bytes("h264_720x1280_30fps.mp4");
    // tkhd matrix {a, b, u, c, d, …} starts 48 bytes into the (version 0) box: rotate 90°.
    let m = find_box(&bytes, b"tkhd") + 48;
    for (i, v) in [0i32, 0x1_0000, 0, -0x1_0000, 0].into_iter().enumerate() {
        bytes[m + 4 * i..m + 4 * i + 4].copy_from_slice(&v.to_be_bytes());
    }
    let file = temp_with(&bytes);
    let p = probe_video_file(file.path()).expect("probe");
    assert_eq!((p.width, p.height, p.rotation), (1280, 720, 90));
}

/// Writes sizes into the fixture's tkhd (16.16 fixed point, 84 bytes into the version 0 box) and
/// its avc1 sample entry (u16s, 32 bytes in).
fn with_sizes(mut bytes: Vec<u8>, tkhd: (u32, u32), avc1: (u16, u16)) -> Vec<u8> {
    let t = find_box(&bytes, b"tkhd") + 84;
    bytes[t..t + 4].copy_from_slice(&(tkhd.0 << 16).to_be_bytes());
    bytes[t + 4..t + 8].copy_from_slice(&(tkhd.1 << 16).to_be_bytes());
    // The sample entry inside stsd (ftyp names "avc1" too, as a brand).
    let stsd = find_box(&bytes, b"stsd");
    let a = stsd + find_box(&bytes[stsd..], b"avc1") + 32;
    bytes[a..a + 2].copy_from_slice(&avc1.0.to_be_bytes());
    bytes[a + 2..a + 4].copy_from_slice(&avc1.1.to_be_bytes());
    bytes
}

#[test]
fn a_video_is_judged_by_its_coded_size_not_the_size_its_header_claims() {
    // An 8192×8192 stream under a track header that says 720×1280: the decoder (and ffmpeg's
    // cover) allocates for the coded size, so the rules must see that one.
    let bytes = with_sizes(
        fixture_bytes("h264_720x1280_30fps.mp4"),
        (720, 1280),
        (8192, 8192),
    );
    let file = temp_with(&bytes);
    let p = probe_video_file(file.path()).expect("probe");
    assert_eq!((p.width, p.height), (8192, 8192));
    assert!(crate::check_video(&p, 600, &crate::VideoLimits::default()).is_err());

    // A header smaller than the coded size counts no more than a larger one.
    let bytes = with_sizes(
        fixture_bytes("h264_720x1280_30fps.mp4"),
        (360, 640),
        (720, 1280),
    );
    let file = temp_with(&bytes);
    let p = probe_video_file(file.path()).expect("probe");
    assert_eq!((p.width, p.height), (720, 1280));
}

#[test]
fn a_parser_panic_is_a_crash() {
    let mut bytes = fixture_bytes("h264_720x1280_30fps.mp4");
    // An empty sample-to-chunk table: re_mp4 indexes its first entry and panics.
    let stsc = find_box(&bytes, b"stsc");
    bytes[stsc + 12..stsc + 16].copy_from_slice(&0u32.to_be_bytes());
    let file = temp_with(&bytes);
    let err = probe_video_file(file.path());
    assert!(matches!(err, Err(ProbeError::Crashed(_))), "{err:?}");
}

#[test]
fn a_file_without_video_has_no_video_track() {
    let mut bytes = fixture_bytes("h264_720x1280_30fps.mp4");
    // Relabel the handler as sound.
    let hdlr = find_box(&bytes, b"hdlr");
    bytes[hdlr + 16..hdlr + 20].copy_from_slice(b"soun");
    let file = temp_with(&bytes);
    let err = probe_video_file(file.path());
    assert!(matches!(err, Err(ProbeError::NoVideoTrack)), "{err:?}");
}

#[test]
fn empty_and_tiny_files() {
    for bytes in [&b""[..], b"\0\0\0", b"\0\0\0\x20ftyp"] {
        let file = temp_with(bytes);
        let err = probe_video_file(file.path());
        assert!(
            matches!(
                err,
                Err(ProbeError::Unrecognized(_) | ProbeError::Corrupt(_))
            ),
            "{bytes:?}: {err:?}"
        );
    }
}

#[test]
fn serde_names() {
    let p = VideoProbe {
        container: Container::Mov,
        video_codec: VideoCodec::Other("mp4v".into()),
        width: 1,
        height: 2,
        duration_ms: 3,
        fps: 4.5,
        rotation: 90,
        size_bytes: 6,
    };
    let json = serde_json::to_value(&p).expect("json");
    assert_eq!(json["container"], "mov");
    assert_eq!(json["video_codec"], serde_json::json!({"other": "mp4v"}));
    assert_eq!(
        serde_json::to_value(VideoCodec::H264).expect("json"),
        "h264"
    );
    assert_eq!(
        serde_json::to_value(VideoCodec::Hevc).expect("json"),
        "hevc"
    );
    assert_eq!(
        serde_json::to_value(ImageFormat::Webp).expect("json"),
        "webp"
    );
}

#[test]
fn reply_lines_round_trip() {
    let probe = probe_video_file(&fixture("h264_720x1280_30fps.mp4")).expect("probe");
    let (line, code) = reply_line(Ok(probe.clone()));
    assert_eq!(code, 0);
    assert!(line.starts_with(r#"{"ok":{"#), "{line}");
    let back: VideoProbe = decode_reply(line.as_bytes(), b"", exit_ok()).expect("decode");
    assert_eq!(back, probe);

    let errors = [
        ProbeError::Unrecognized("u".into()),
        ProbeError::Corrupt("c".into()),
        ProbeError::NoVideoTrack,
        ProbeError::Io(io::Error::other("i")),
        ProbeError::Timeout,
        ProbeError::Crashed("x".into()),
    ];
    for e in errors {
        let kind = e.kind();
        let (line, code) = reply_line::<VideoProbe>(Err(e));
        assert_eq!(code, 1);
        let back = decode_reply::<VideoProbe>(format!("{line}\n").as_bytes(), b"", exit_ok());
        assert_eq!(back.err().map(|e| e.kind()), Some(kind), "{line}");
    }
    let err = decode_reply::<VideoProbe>(
        br#"{"error":{"kind":"corrupt","message":"moov missing"}}"#,
        b"",
        exit_ok(),
    );
    assert!(
        matches!(&err, Err(ProbeError::Corrupt(m)) if m == "moov missing"),
        "{err:?}"
    );
}

fn exit_ok() -> ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    ExitStatus::from_raw(0)
}

#[test]
fn garbage_output_is_a_crash() {
    for out in [&b""[..], b"hello\n", b"{\"ok\": 5}\n", b"\xff\xfe"] {
        let err = decode_reply::<VideoProbe>(out, b"boom", exit_ok());
        assert!(
            matches!(err, Err(ProbeError::Crashed(_))),
            "{out:?}: {err:?}"
        );
    }
}

#[test]
fn probe_main_usage_errors() {
    assert_eq!(probe_main(&[]), 2);
    assert_eq!(probe_main(&["--bogus".into(), "x".into()]), 2);
    assert_eq!(probe_main(&["a".into(), "b".into()]), 2);
}

#[test]
fn probe_main_exit_codes() {
    let ok = fixture("h264_720x1280_30fps.mp4").display().to_string();
    assert_eq!(probe_main(std::slice::from_ref(&ok)), 0);
    let image = fixture("photo_1080x1920.webp").display().to_string();
    assert_eq!(probe_main(&[image, "--image".into()]), 0);
    let bad = fixture("not_a_video.mp4").display().to_string();
    assert_eq!(probe_main(&[bad]), 1);
}

#[tokio::test]
async fn isolated_probe_kills_a_child_that_never_answers() {
    // `yes probe FILE` prints forever and never exits: the reader drains it, the clock kills it.
    let started = Instant::now();
    let err = probe_video_isolated(
        Path::new("/usr/bin/yes"),
        &fixture("h264_720x1280_30fps.mp4"),
        Duration::from_millis(300),
        512 << 20,
    )
    .await;
    assert!(matches!(err, Err(ProbeError::Timeout)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn isolated_probe_handles_garbage() {
    // `echo probe FILE` answers with a line that is not JSON.
    let err = probe_video_isolated(
        Path::new("/bin/echo"),
        &fixture("h264_720x1280_30fps.mp4"),
        Duration::from_secs(10),
        512 << 20,
    )
    .await;
    assert!(
        matches!(&err, Err(ProbeError::Crashed(m)) if m.contains("probe")),
        "{err:?}"
    );
    // A child that fails without output (`false`) is a crash too.
    let err = probe_image_isolated(
        Path::new("/bin/false"),
        &fixture("x"),
        Duration::from_secs(10),
        0,
    )
    .await;
    assert!(matches!(err, Err(ProbeError::Crashed(_))), "{err:?}");
}

#[tokio::test]
async fn isolated_probe_reports_a_missing_executable() {
    let err = probe_video_isolated(
        Path::new("/nonexistent/reelbox"),
        &fixture("h264_720x1280_30fps.mp4"),
        Duration::from_secs(10),
        0,
    )
    .await;
    assert!(matches!(err, Err(ProbeError::Io(_))), "{err:?}");
}
