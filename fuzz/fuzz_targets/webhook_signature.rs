//! The `TikTok-Signature` header of webhook deliveries.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reelbox_core::secrets::{parse_signature_header, verify_webhook_signature, webhook_signature};

fuzz_target!(|data: &[u8]| {
    // First line is the header value, the rest the body.
    let (header, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(header) = std::str::from_utf8(header) else {
        return;
    };
    if let Some((t, s)) = parse_signature_header(header) {
        assert_eq!(s.len(), 64);
        // A signature we produce always verifies.
        let own = webhook_signature("secret", t, body);
        assert!(verify_webhook_signature("secret", &own, body));
    }
    let _ = verify_webhook_signature("secret", header, body);
});
