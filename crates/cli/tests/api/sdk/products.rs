//! The SDK's typed calls for the QR-code login and Data Portability against a real server.
use reelbox_sdk::oauth::OAuthClient;
use reelbox_sdk::{Client, Credentials};
use reelbox_testkit::web::Agent;
use serde_json::json;

use crate::oauth::qr::{confirm, phone_path};
use crate::world;

#[tokio::test]
async fn the_sdk_runs_a_qr_login_and_an_export() {
    let w = world().await;
    let s = &w.s;
    let key = w.app["client_key"].as_str().unwrap();
    let secret = w.app["client_secret"].as_str().unwrap();
    let oauth = OAuthClient::new(reqwest::Client::new(), &s.base, key, Some(secret.into()));
    let qr = oauth
        .get_qrcode("user.info.basic", Some("st"))
        .await
        .unwrap();
    assert_eq!(oauth.check_qrcode(&qr.token).await.unwrap().status, "new");
    let mut phone = Agent::new(s);
    let page = phone
        .get(&phone_path(&qr.scan_qrcode_url, "sdk-ticket"))
        .await;
    confirm(
        &mut phone,
        &page,
        Some(("alice", "correct horse")),
        &["user.info.basic"],
        "approve",
    )
    .await;
    let c = oauth.check_qrcode(&qr.token).await.unwrap();
    assert_eq!(
        (
            c.status.as_str(),
            c.client_ticket.as_str(),
            c.state.as_deref()
        ),
        ("confirmed", "sdk-ticket", Some("st"))
    );
    let tokens = oauth
        .exchange_qr_code(c.code.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(tokens.scope, "user.info.basic");
    let e = oauth.check_qrcode("NOSUCH").await.unwrap_err();
    assert!(e.to_string().contains("invalid_request"), "{e}");

    // Data Portability with a creator token.
    let app = s
        .create_app(json!({"name": "Export", "audited": true, "scopes": ["portability.activity.ongoing"], "redirect_uris": ["https://e.example/cb/"]}))
        .await;
    s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"region_code": "IE"}),
    )
    .await;
    let t = s
        .mint(
            app["client_key"].as_str().unwrap(),
            "alice",
            &["portability.activity.ongoing"],
        )
        .await;
    let client = Client::new(
        &s.base,
        Credentials::Token(t["access_token"].as_str().unwrap().into()),
    );
    let id = client.data_add("json", &["activity"]).await.unwrap();
    let other = client.data_add("text", &["activity"]).await.unwrap();
    client.data_cancel(other).await.unwrap();
    assert_eq!(
        client.data_check(other).await.unwrap()["status"],
        "cancelled"
    );
    s.advance_clock(11).await;
    let mut status = String::new();
    for _ in 0..600 {
        status = client.data_check(id).await.unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string();
        if status != "pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "downloading");
    let zip_bytes = client
        .data_download(id)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let z = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    assert_eq!(
        z.file_names().collect::<Vec<_>>(),
        ["user_data_tiktok.json"]
    );
    let e = client.data_download(other).await.unwrap_err();
    assert!(e.to_string().contains("invalid_params"), "{e}");
}
