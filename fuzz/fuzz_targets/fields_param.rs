//! The `fields` query parameter of the read endpoints.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reelbox_core::research::{select_fields, split_fields};
use reelbox_wire::display::VIDEO_FIELDS;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let all = split_fields(s);
    assert!(all.iter().all(|f| !f.is_empty()));
    if let Ok(kept) = select_fields(Some(s), VIDEO_FIELDS) {
        assert!(!kept.is_empty() && kept.iter().all(|f| VIDEO_FIELDS.contains(&f.as_str())));
    }
});
