//! `reelbox export`: a creator's data saved as the archive's zip.
use serde_json::json;

use super::{reelbox, run};
use crate::server_with;

#[tokio::test]
async fn export_saves_the_creators_archive() {
    let s = server_with(|c| c.products.portability_ready_delay_secs = 0).await;
    let app = s
        .create_app(json!({"name": "Export", "audited": true, "scopes": ["portability.all.ongoing"], "redirect_uris": ["https://e.example/cb/"]}))
        .await;
    s.create_creator(json!({"username": "ines", "region_code": "PT", "nickname": "Inês"}))
        .await;
    let t = s
        .mint(
            app["client_key"].as_str().unwrap(),
            "ines",
            &["portability.all.ongoing"],
        )
        .await;
    let cfg = tempfile::tempdir().unwrap();
    let out = cfg.path().join("ines.zip");
    let mut c = reelbox(cfg.path());
    c.args([
        "export",
        "--poll-secs",
        "1",
        "--category",
        "profile",
        "--out",
    ])
    .arg(&out)
    .args([
        "--base-url",
        &s.base,
        "--token",
        t["access_token"].as_str().unwrap(),
    ]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("bytes saved to"), "{err}");
    let mut z = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut z.by_name("user_data_tiktok.json").unwrap(), &mut text)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["Profile"]["Profile Information"]["ProfileMap"]["displayName"],
        "Inês"
    );
    // An unknown token: a clear refusal, exit code not 0.
    let mut c = reelbox(cfg.path());
    c.args(["export", "--out"])
        .arg(&out)
        .args(["--base-url", &s.base, "--token", "act.nosuch"]);
    let (code, _, err) = run(c).await;
    assert_ne!(code, 0);
    assert!(err.contains("access_token_invalid"), "{err}");
}
