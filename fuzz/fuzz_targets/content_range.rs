//! `Content-Range` of a chunk PUT, checked against a plan and the acknowledged offset.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reelbox_core::chunks::{ChunkLimits, ChunkPlan, ContentRange, check_chunk};

fn word(data: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(s) = data.get(i * 8..i * 8 + 8) {
        b.copy_from_slice(s);
    }
    u64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    // 32 leading bytes pick the plan and progress; the rest is the header value.
    let (nums, header) = data.split_at(data.len().min(32));
    let Ok(header) = std::str::from_utf8(header) else {
        return;
    };
    let Some(range) = ContentRange::parse(header) else {
        return;
    };
    let _ = (range.len(), range.is_empty());
    let l = ChunkLimits::default();
    let plan = ChunkPlan::validate(
        word(nums, 0) as i64,
        word(nums, 1) as i64,
        word(nums, 2) as i64,
        &l,
    )
    .or_else(|_| ChunkPlan::for_file(range.total, word(nums, 1), &l));
    let Ok(plan) = plan else { return };
    let acknowledged = word(nums, 3) % plan.video_size.saturating_add(1);
    let content_length = (word(nums, 0) & 1 == 1).then(|| range.len());
    if let Ok(idx) = check_chunk(&plan, acknowledged, &range, content_length) {
        assert!(idx < plan.count);
        assert_eq!(plan.chunk_offset(idx), range.first);
    }
    // The chunk under the range's first byte, if any, is always inside the plan.
    if let Some(i) = plan.chunk_at(range.first % plan.video_size) {
        let _ = (plan.chunk_offset(i), plan.chunk_len(i));
    }
});
