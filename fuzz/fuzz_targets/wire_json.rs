//! Wire bodies of the posting endpoints (JSON) and of `/v2/oauth/token/` (url-encoded).
#![no_main]
use libfuzzer_sys::fuzz_target;
use reelbox_wire::parse_json_body;
use reelbox_wire::oauth::TokenRequest;
use reelbox_wire::posting::{
    ContentInitRequest, InboxVideoInitRequest, PublishIdRequest, VideoInitRequest,
};

fuzz_target!(|data: &[u8]| {
    let _ = parse_json_body::<VideoInitRequest>(data);
    let _ = parse_json_body::<ContentInitRequest>(data);
    let _ = parse_json_body::<InboxVideoInitRequest>(data);
    let _ = parse_json_body::<PublishIdRequest>(data);
    let _ = serde_urlencoded::from_bytes::<TokenRequest>(data);
});
