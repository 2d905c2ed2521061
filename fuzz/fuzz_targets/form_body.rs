//! url-encoded form bodies of the web pages and the consent form.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reelbox_core::form::FormData;

fuzz_target!(|data: &[u8]| {
    let f = FormData::parse(data);
    let _ = (f.get("csrf"), f.all("scope"), f.checked("allow"));
    // The consent form reads the same body with form_urlencoded directly.
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
    assert_eq!(pairs.len(), f.0.len());
});
