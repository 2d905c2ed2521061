//! The whole in-process media probe (MP4/MOV via `re_mp4`, WebM via `matroska-demuxer`, JPEG/WebP
//! via `imagesize`) on a file holding the input. Parser panics come back as
//! `ProbeError::Crashed` by design; this target looks for hangs, aborts and runaway allocations.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("reelbox-fuzz-probe-{}", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = reelbox_media::probe_video_file(&path);
    let _ = reelbox_media::probe_image_file(&path);
});
