//! The media probe's box-tree screen (MP4/MOV) and image header reading (JPEG/WebP).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = reelbox_media::check_box_structure(data);
    // probe_image_file reads through imagesize; this is its in-memory equivalent.
    if let Ok(kind) = imagesize::image_type(data) {
        let _ = (kind, imagesize::blob_size(data));
    }
});
