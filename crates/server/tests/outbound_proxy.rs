//! The outbound client and the server's environment: a proxy named in `HTTP_PROXY` /
//! `HTTPS_PROXY` must not carry pulls and webhooks past the network policy (the proxy resolves
//! the target, so the policy's resolver never sees it). A test binary of its own because it sets
//! process-wide environment variables.
use std::time::Duration;

use reelbox_server::state::outbound::Outbound;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A one-line HTTP server that answers every request with `body`.
async fn answering(body: &'static str) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn environment_proxies_are_ignored_and_a_configured_proxy_cannot_reach_refused_targets() {
    let proxy = answering("through the proxy").await;
    let target = answering("direct").await;
    // SAFETY: this test binary holds this one test, so no other thread reads the environment.
    unsafe {
        std::env::set_var("HTTP_PROXY", format!("http://{proxy}"));
        std::env::set_var("HTTPS_PROXY", format!("http://{proxy}"));
        std::env::set_var("ALL_PROXY", format!("http://{proxy}"));
        std::env::remove_var("NO_PROXY");
    }
    let allowed = ["127.0.0.1/32".to_string()];
    let out = Outbound::new(true, &allowed, None, Duration::from_secs(5)).expect("client");
    let body = out
        .get(&format!("http://{target}/v.mp4"))
        .await
        .expect("allowed target")
        .text()
        .await
        .expect("body");
    assert_eq!(
        body, "direct",
        "the environment's proxy carried the request"
    );

    // Through a configured proxy, a target outside the policy is refused before any request.
    let proxied = Outbound::new(
        true,
        &[],
        Some(&format!("http://{proxy}")),
        Duration::from_secs(5),
    )
    .expect("client");
    let refused = proxied
        .get(&format!("http://localhost:{}/v.mp4", target.port()))
        .await;
    assert!(refused.is_err(), "a configured proxy reached localhost");
    let refused = proxied.get("http://internal.invalid/v.mp4").await;
    assert!(
        refused.is_err(),
        "a name that does not resolve is refused, not left to the proxy"
    );
}
