//! Body of `POST /v2/research/video/query/`: the query language, date range and paging.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reelbox_core::research::{VideoQueryBody, cursor_index, page_size, validate_query};
use reelbox_wire::parse_json_body;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = parse_json_body::<VideoQueryBody>(data) else {
        return;
    };
    if let Ok(q) = validate_query(
        body.query.as_ref(),
        body.start_date.as_deref(),
        body.end_date.as_deref(),
    ) {
        assert!(q.start_day <= q.end_day);
    }
    let _ = page_size(body.max_count, 20, 100);
    let _ = cursor_index(body.cursor);
});
