//! OAuth as an app and a creator drive it: the consent page submitted as the creator would, and
//! form posts to the token endpoint.
use serde_json::Value;

use crate::TestServer;

/// Loads the consent page and submits it as the creator would: returns the Location header.
pub async fn consent(
    s: &TestServer,
    authorize_url: &str,
    username: &str,
    password: &str,
    decision: &str,
) -> (u16, String, String) {
    let page = s.http.get(authorize_url).send().await.unwrap();
    assert_eq!(page.status(), 200, "consent page loads");
    let cookie = page
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    let mut form: Vec<(String, String)> = Vec::new();
    for cap in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let name = cap.split('"').next().unwrap().to_string();
        let value = cap
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&#x2f;", "/")
            .replace("&amp;", "&")
            .replace("&#x3a;", ":");
        form.push((name, html_unescape(&value)));
    }
    for cap in html.split("name=\"grant\" value=\"").skip(1) {
        form.push(("grant".into(), cap.split('"').next().unwrap().to_string()));
    }
    form.push(("username".into(), username.into()));
    form.push(("password".into(), password.into()));
    form.push(("decision".into(), decision.into()));
    let resp = s
        .http
        .post(s.url("/v2/auth/authorize/"))
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let loc = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, loc, resp.text().await.unwrap_or_default())
}

pub(crate) fn html_unescape(s: &str) -> String {
    s.replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&amp;", "&")
}

/// A form post to the token endpoint: (HTTP status, JSON body).
pub async fn token_form(s: &TestServer, form: &[(&str, &str)]) -> (u16, Value) {
    let r = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// A client-credentials access token for the app `key`/`secret`.
pub async fn client_token(s: &TestServer, key: &str, secret: &str) -> String {
    let r: Value = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .form(&[
            ("client_key", key),
            ("client_secret", secret),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    r["access_token"]
        .as_str()
        .expect("client token")
        .to_string()
}

/// [`client_token`] of an app as the control API answered its creation.
pub async fn app_client_token(s: &TestServer, app: &Value) -> String {
    client_token(
        s,
        app["client_key"].as_str().expect("client_key"),
        app["client_secret"].as_str().expect("client_secret"),
    )
    .await
}
