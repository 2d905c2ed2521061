//! The web pages driven without a browser: an HTTP agent that keeps cookies across requests and
//! reads CSRF tokens out of forms, and the pages it gets back.
use std::collections::HashMap;

use crate::TestServer;

/// A browser without a browser: keeps cookies, reads CSRF tokens out of pages.
pub struct Agent {
    http: reqwest::Client,
    base: String,
    /// The cookies it holds, name to value (a test may read them or plant one).
    pub cookies: HashMap<String, String>,
}

/// A response: status, headers, body.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    /// The text of the page's `<code id="…">` element (a client key or a revealed secret).
    pub fn code(&self, id: &str) -> Option<String> {
        let open = format!("<code id=\"{id}\">");
        let rest = self.body.split(&open).nth(1)?;
        rest.split('<').next().map(str::to_string)
    }

    /// The hidden fields of the page's forms, unescaped (the consent form's parameters).
    pub fn hidden_fields(&self) -> Vec<(String, String)> {
        self.body
            .split("<input type=\"hidden\" name=\"")
            .skip(1)
            .map(|cap| {
                let name = cap.split('"').next().unwrap().to_string();
                let value = cap
                    .split("value=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                (name, crate::oauth::html_unescape(value))
            })
            .collect()
    }

    /// The first form token of the page.
    pub fn csrf(&self) -> String {
        self.body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .expect("the page has a form with a CSRF token")
            .split('"')
            .next()
            .unwrap()
            .to_string()
    }
}

impl Agent {
    pub fn new(s: &TestServer) -> Agent {
        Self::build(s, reqwest::Client::builder())
    }

    /// An agent whose connections come from `ip` (any 127.x.y.z works on loopback): another
    /// client address as the server sees it.
    pub fn from_address(s: &TestServer, ip: std::net::IpAddr) -> Agent {
        Self::build(s, reqwest::Client::builder().local_address(ip))
    }

    fn build(s: &TestServer, b: reqwest::ClientBuilder) -> Agent {
        Agent {
            http: b
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: s.base.clone(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, r: reqwest::Response) -> Page {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if v.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        Page {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.unwrap();
        self.finish(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// A form post whose body is `body` as it stands (for oversized or malformed forms).
    pub async fn post_raw(&mut self, path: &str, body: Vec<u8>) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// Loads `page_path` for its token, then posts `form` (plus the token) to `action`.
    pub async fn submit(&mut self, page_path: &str, action: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.get(page_path).await.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(form);
        self.post(action, &all).await
    }

    pub async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        self.submit(
            "/signin",
            "/signin",
            &[
                ("username", username),
                ("password", password),
                ("next", "/inbox"),
            ],
        )
        .await
    }
}
