//! What the proxy and the TLS listener refuse, what passthrough tunnels, and the CA's life.
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{ca_pem, intercepting};

/// Sends `request` to `addr` raw and reads the answer until the connection closes or 2 s pass.
async fn raw(addr: &str, request: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn addr(w: &reelbox_testkit::World) -> String {
    w.s.base.trim_start_matches("http://").to_string()
}

/// A client that trusts only `ca` and sends https through `proxy` (when given).
fn trusting_only(ca: &[u8], proxy: Option<&str>) -> reqwest::Client {
    let b = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca).unwrap()])
        .no_proxy();
    match proxy {
        Some(p) => b.proxy(reqwest::Proxy::https(p).unwrap()),
        None => b,
    }
    .build()
    .unwrap()
}

#[tokio::test]
async fn hosts_not_intercepted_are_refused_with_403_and_bad_requests_closed_cleanly() {
    let w = intercepting(|_| {}).await;
    let a = addr(&w);
    let r = raw(
        &a,
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    )
    .await;
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    assert!(r.contains("example.com is not one of them"), "{r}");
    let r = raw(&a, "GET http://169.254.169.254/latest/ HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    // Plain-HTTP absolute form for an intercepted host is served, marked, as reelbox.
    let r = raw(&a, "GET http://open.tiktokapis.com/v2/user/info/ HTTP/1.1\r\nHost: open.tiktokapis.com\r\nConnection: close\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 401"), "{r}");
    assert!(r.contains("access_token_invalid"), "{r}");
    // No authority, then garbage where the TLS handshake should be: an error or a close.
    let r = raw(&a, "CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 400") || r.is_empty(), "{r}");
    let r = raw(
        &a,
        "CONNECT open.tiktokapis.com:443 HTTP/1.1\r\nHost: x\r\n\r\nnot a TLS hello\r\n\r\n",
    )
    .await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    // The server still serves.
    let ok = trusting_only(&ca_pem(&w.s), Some(&w.s.base))
        .get("https://open.tiktokapis.com/v2/user/info/")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 401);
}

/// A one-answer HTTP server on loopback: the host passthrough tunnels to.
async fn hello_server() -> std::net::SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
                )
                .await;
        }
    });
    a
}

#[tokio::test]
async fn passthrough_tunnels_connect_to_the_named_host_only_when_on() {
    let target = hello_server().await;
    let connect = format!(
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\nGET / HTTP/1.1\r\nHost: {target}\r\n\r\n"
    );
    let off = intercepting(|_| {}).await;
    let r = raw(&addr(&off), &connect).await;
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    let on = intercepting(|c| c.intercept.passthrough = true).await;
    let r = raw(&addr(&on), &connect).await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(
        r.ends_with("hello"),
        "the target's answer came through: {r}"
    );
    // Intercepted hosts are still answered by reelbox itself.
    let ok = trusting_only(&ca_pem(&on.s), Some(&on.s.base))
        .get("https://open.tiktokapis.com/v2/user/info/")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 401);
}

#[tokio::test]
async fn the_tls_listener_answers_as_tiktok_to_a_client_trusting_only_ca_pem_and_refuses_other_names()
 {
    let w = intercepting(|c| c.intercept.tls_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let tls = w.s.handle.as_ref().unwrap().tls_addr.expect("TLS listener");
    let ca = ca_pem(&w.s);
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .no_proxy()
        .resolve("open.tiktokapis.com", tls)
        .resolve("example.com", tls)
        .build()
        .unwrap();
    let r = client
        .post(format!(
            "https://open.tiktokapis.com:{}/v2/post/publish/creator_info/query/",
            tls.port()
        ))
        .bearer_auth(&w.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2, "ALPN offers h2");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "ok", "{v}");
    // A name that is not intercepted gets no certificate: the handshake fails.
    let e = client
        .get(format!("https://example.com:{}/", tls.port()))
        .send()
        .await
        .unwrap_err();
    assert!(e.is_connect(), "{e:?}");
    // The same through the proxy: CONNECT to an intercepted host, then another name in the hello.
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pki_types::CertificateDer::pem_slice_iter(&ca) {
        roots.add(c.unwrap()).unwrap();
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    let mut s = tokio::net::TcpStream::connect(addr(&w)).await.unwrap();
    s.write_all(
        b"CONNECT open.tiktokapis.com:443 HTTP/1.1\r\nHost: open.tiktokapis.com:443\r\n\r\n",
    )
    .await
    .unwrap();
    let mut head = [0u8; 39];
    s.read_exact(&mut head).await.unwrap();
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let name = rustls_pki_types::ServerName::try_from("api.example.com").unwrap();
    assert!(
        connector.connect(name, s).await.is_err(),
        "no certificate for api.example.com"
    );
}

#[tokio::test]
async fn the_ca_is_kept_across_restarts_and_a_client_that_trusted_it_keeps_working() {
    let mut w = intercepting(|_| {}).await;
    let ca = ca_pem(&w.s);
    let before = trusting_only(&ca, Some(&w.s.base))
        .get("https://open.tiktokapis.com/v2/user/info/")
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), 401);
    w.s.restart().await;
    assert_eq!(ca_pem(&w.s), ca, "the same ca.pem");
    let after = trusting_only(&ca, Some(&w.s.base))
        .post("https://open.tiktokapis.com/v2/post/publish/creator_info/query/")
        .bearer_auth(&w.token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
}
