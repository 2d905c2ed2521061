//! The web pages over plain HTTP: CSRF refusals, sessions and their expiry on the shared clock,
//! media Range requests, privacy enforcement, the inbox posting form, views/likes/comments,
//! the developer portal, the operator's admin view, and consent with a web session.
use std::collections::HashMap;

use reelbox_testkit::{TestServer, fixture};
use serde_json::{Value, json};

use crate::posting::{put, settle};
use crate::{World, world};

/// A browser without a browser: keeps cookies, reads CSRF tokens out of pages.
pub struct Agent {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
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
        Agent {
            http: reqwest::Client::builder()
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

/// Uploads the fixture `file` to `w`'s creator's inbox (through the real API) and waits for it.
pub async fn inbox_draft(w: &World, file: &str) -> String {
    let bytes = std::fs::read(fixture(file)).unwrap();
    let n = bytes.len();
    let (st, v) = w.s.call(&w.token, "/v2/post/publish/inbox/video/init/", Some(json!({"source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}}))).await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["publish_id"].as_str().unwrap().to_string();
    let (code, _) = put(
        &w.s,
        v["data"]["upload_url"].as_str().unwrap(),
        &bytes,
        0,
        n - 1,
        n,
    )
    .await;
    assert_eq!(code, 201);
    let v = settle(w, &id).await;
    assert_eq!(v["data"]["status"], "SEND_TO_USER_INBOX", "{v}");
    id
}

/// A post by alice with `privacy` (an inbox draft posted through the control API).
pub async fn alice_post(w: &World, privacy: &str, title: &str) -> String {
    let id = inbox_draft(w, "h264_720x1280_30fps.mp4").await;
    let v =
        w.s.admin(
            reqwest::Method::POST,
            &format!("/_reelbox/inbox/alice/{id}/post"),
            json!({"title": title, "privacy_level": privacy}),
        )
        .await;
    v["post_id"].as_str().unwrap().to_string()
}

async fn bob(w: &World) {
    w.s.create_creator(json!({"username": "bob", "password": "bob password", "nickname": "Bob"}))
        .await;
}

#[tokio::test]
async fn every_form_needs_its_csrf_token() {
    let w = world().await;
    let mut a = Agent::new(&w.s);
    // No token, a wrong token, a token from another browser: all refused before anything runs.
    let p = a
        .post(
            "/signin",
            &[("username", "alice"), ("password", "correct horse")],
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("could not be verified"));
    let page = a.get("/signin").await;
    assert_eq!(page.status, 200);
    let p = a
        .post(
            "/signin",
            &[
                ("csrf", "0000"),
                ("username", "alice"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    let mut other = Agent::new(&w.s);
    let foreign = other.get("/signin").await.csrf();
    let p = a
        .post(
            "/signin",
            &[
                ("csrf", &foreign),
                ("username", "alice"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(p.status, 403, "a token is bound to its browser");
    assert!(!a.cookies.contains_key("rb_session"));
    // The right token signs in; the session cookie is HttpOnly, SameSite=Lax, not Secure on http.
    let p = a
        .submit(
            "/signin",
            "/signin",
            &[
                ("username", "alice"),
                ("password", "correct horse"),
                ("next", "/inbox"),
            ],
        )
        .await;
    assert_eq!(p.status, 302);
    assert_eq!(p.location(), "/inbox");
    let cookie = p
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("rb_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "served over http: {cookie}");
    // Signed in, forms still need the token.
    let draft = inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    for path in [
        format!("/inbox/{draft}/post"),
        format!("/inbox/{draft}/discard"),
        "/signout".to_string(),
        "/@alice/follow".to_string(),
        "/developers/signup".to_string(),
        "/developers/apps".to_string(),
        "/admin/signin".to_string(),
    ] {
        let p = a
            .post(
                &path,
                &[
                    ("privacy_level", "PUBLIC_TO_EVERYONE"),
                    ("token", "test-admin-token"),
                ],
            )
            .await;
        assert_eq!(p.status, 403, "{path}");
    }
    let inbox =
        w.s.admin(reqwest::Method::GET, "/_reelbox/inbox/alice", Value::Null)
            .await;
    assert_eq!(
        inbox["drafts"].as_array().unwrap().len(),
        1,
        "nothing was posted or discarded"
    );
    // No open redirect after sign-in.
    let mut b = Agent::new(&w.s);
    let p = b
        .submit(
            "/signin",
            "/signin",
            &[
                ("username", "alice"),
                ("password", "correct horse"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(p.location(), "/inbox");
}

#[tokio::test]
async fn sessions_expire_on_the_clock_and_sign_out_ends_them() {
    let w = world().await;
    let mut a = Agent::new(&w.s);
    let p = a.get("/inbox").await;
    assert_eq!(p.status, 302);
    assert_eq!(p.location(), "/signin?next=%2Finbox");
    let p = a.sign_in("alice", "wrong password").await;
    assert_eq!(p.status, 401);
    assert!(p.body.contains("Wrong username or password."));
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    let p = a.get("/inbox").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("Posting as <strong>Alice</strong>"));
    assert_eq!(p.headers["cache-control"], "no-store");
    // Six days on: still signed in. Eight days on: the session has expired.
    w.s.advance_clock(6 * 86_400).await;
    assert_eq!(a.get("/inbox").await.status, 200);
    w.s.advance_clock(2 * 86_400).await;
    let p = a.get("/inbox").await;
    assert_eq!(p.status, 302, "expired sessions sign nobody in");
    // Sign out ends the session on the server, not only in the browser.
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    let stolen = a.cookies["rb_session"].clone();
    let p = a.submit("/inbox", "/signout", &[]).await;
    assert_eq!(p.status, 302);
    assert!(!a.cookies.contains_key("rb_session"));
    a.cookies.insert("rb_session".into(), stolen);
    assert_eq!(
        a.get("/inbox").await.status,
        302,
        "a signed-out session id is dead"
    );
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let w = world().await;
    let mut a = Agent::new(&w.s);
    for _ in 0..10 {
        assert_eq!(a.sign_in("alice", "guess").await.status, 401);
    }
    let p = a.sign_in("alice", "correct horse").await;
    assert_eq!(p.status, 429, "even the right password waits");
    assert!(p.body.contains("Too many sign-in attempts"));
    w.s.advance_clock(61).await;
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
}

#[tokio::test]
async fn media_is_served_by_range() {
    let w = world().await;
    let post = alice_post(&w, "PUBLIC_TO_EVERYONE", "ranges").await;
    let size = std::fs::metadata(fixture("h264_720x1280_30fps.mp4"))
        .unwrap()
        .len();
    let whole = std::fs::read(fixture("h264_720x1280_30fps.mp4")).unwrap();
    let mut a = Agent::new(&w.s);
    let path = format!("/media/{post}/video");
    let p = a.get(&path).await;
    assert_eq!(p.status, 200);
    assert_eq!(p.headers["content-type"], "video/mp4");
    assert_eq!(p.headers["accept-ranges"], "bytes");
    assert_eq!(p.headers["content-length"], size.to_string().as_str());
    assert!(
        p.headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let r = reqwest::Client::new()
        .get(w.s.url(&path))
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 100-199/{size}").as_str()
    );
    assert_eq!(r.headers()["content-length"], "100");
    assert_eq!(&r.bytes().await.unwrap()[..], &whole[100..200]);
    let p = a.get_with(&path, &[("range", "bytes=-10")]).await;
    assert_eq!(p.status, 206);
    assert_eq!(
        p.headers["content-range"],
        format!("bytes {}-{}/{size}", size - 10, size - 1).as_str()
    );
    let p = a
        .get_with(&path, &[("range", &format!("bytes={size}-"))])
        .await;
    assert_eq!(p.status, 416);
    assert_eq!(
        p.headers["content-range"],
        format!("bytes */{size}").as_str()
    );
    // Revalidation answers 304 without the body.
    let etag = a.get(&path).await.headers["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let p = a.get_with(&path, &[("if-none-match", &etag)]).await;
    assert_eq!(p.status, 304);
    // The cover: an extracted frame (ffmpeg) or the placeholder.
    let p = a.get(&format!("/media/{post}/cover")).await;
    assert_eq!(p.status, 200);
    let ct = p.headers["content-type"].to_str().unwrap();
    assert!(ct == "image/jpeg" || ct == "image/svg+xml", "{ct}");
    assert_eq!(a.get("/media/1234567890123456789/video").await.status, 404);
}

#[tokio::test]
async fn privacy_is_enforced_on_pages_and_media() {
    let w = world().await;
    bob(&w).await;
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]}),
    )
    .await;
    let public = alice_post(&w, "PUBLIC_TO_EVERYONE", "for everyone #sunny").await;
    let followers = alice_post(&w, "FOLLOWER_OF_CREATOR", "for followers").await;
    let friends = alice_post(&w, "MUTUAL_FOLLOW_FRIENDS", "for friends").await;
    let me = alice_post(&w, "SELF_ONLY", "only me").await;
    let watch = |id: &str| format!("/@alice/video/{id}");
    let media = |id: &str| format!("/media/{id}/video");
    async fn codes(a: &mut Agent, paths: &[String]) -> Vec<u16> {
        let mut out = vec![];
        for p in paths {
            out.push(a.get(p).await.status);
        }
        out
    }
    let pages: Vec<String> = [&public, &followers, &friends, &me]
        .iter()
        .map(|id| watch(id))
        .collect();
    let files: Vec<String> = [&public, &followers, &friends, &me]
        .iter()
        .map(|id| media(id))
        .collect();
    // Nobody signed in: only the public post.
    let mut anon = Agent::new(&w.s);
    assert_eq!(codes(&mut anon, &pages).await, [200, 404, 404, 404]);
    assert_eq!(codes(&mut anon, &files).await, [200, 404, 404, 404]);
    let profile = anon.get("/@alice").await;
    assert!(
        profile.body.contains("for everyone")
            && !profile.body.contains("only me")
            && !profile.body.contains("for followers")
    );
    // A wrong username in the path is not found either.
    assert_eq!(anon.get(&format!("/@bob/video/{public}")).await.status, 404);
    // Bob signed in, not following: public only. Following: followers too. Mutual: friends too.
    let mut b = Agent::new(&w.s);
    assert_eq!(b.sign_in("bob", "bob password").await.status, 302);
    assert_eq!(codes(&mut b, &pages).await, [200, 404, 404, 404]);
    let p = b
        .submit("/@alice", "/@alice/follow", &[("action", "follow")])
        .await;
    assert_eq!(p.status, 302);
    assert_eq!(codes(&mut b, &pages).await, [200, 200, 404, 404]);
    let mut a = Agent::new(&w.s);
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    assert_eq!(
        a.submit("/@bob", "/@bob/follow", &[("action", "follow")])
            .await
            .status,
        302
    );
    assert_eq!(codes(&mut b, &pages).await, [200, 200, 200, 404]);
    assert_eq!(
        codes(&mut b, &files).await,
        [200, 200, 200, 404],
        "media follow the same rule"
    );
    // The creator sees everything, SELF_ONLY included.
    assert_eq!(codes(&mut a, &pages).await, [200, 200, 200, 200]);
    assert!(a.get("/@alice").await.body.contains("only me"));
    // Unfollowing takes friends-only away again.
    assert_eq!(
        b.submit("/@alice", "/@alice/follow", &[("action", "unfollow")])
            .await
            .status,
        302
    );
    assert_eq!(codes(&mut b, &pages).await, [200, 404, 404, 404]);
    // Hashtag pages list public posts only.
    let tag = anon.get("/tag/sunny").await;
    assert_eq!(tag.status, 200);
    assert!(tag.body.contains(&public));
    let home = anon.get("/").await;
    assert!(home.body.contains(&public) && !home.body.contains(&me));
}

#[tokio::test]
async fn the_inbox_form_posts_through_the_direct_post_rules() {
    let w = world().await;
    let draft = inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    let mut a = Agent::new(&w.s);
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    let page = a.get("/inbox").await;
    assert!(page.body.contains("From Scheduler"), "the app that sent it");
    assert!(page.body.contains(&format!("src=\"/inbox/{draft}/media\"")));
    assert!(
        page.body.contains("<option value=\"\" selected disabled>"),
        "no privacy preselected"
    );
    assert!(
        !page.body.contains("name=\"allow_comment\" checked"),
        "toggles start off"
    );
    // The preview is served to its creator only.
    let p = a
        .get_with(&format!("/inbox/{draft}/media"), &[("range", "bytes=0-9")])
        .await;
    assert_eq!(p.status, 206);
    assert_eq!(
        Agent::new(&w.s)
            .get(&format!("/inbox/{draft}/media"))
            .await
            .status,
        302
    );
    let action = format!("/inbox/{draft}/post");
    // No privacy chosen; branded content made private: refused with words, the draft stays.
    let p = a.submit("/inbox", &action, &[("title", "x")]).await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("Choose who can watch this post."));
    let p = a
        .submit(
            "/inbox",
            &action,
            &[
                ("privacy_level", "SELF_ONLY"),
                ("disclose", "on"),
                ("brand_content", "on"),
            ],
        )
        .await;
    assert_eq!(p.status, 400);
    assert!(
        p.body.contains("Branded content can&#x27;t be private")
            || p.body.contains("Branded content can't be private"),
        "{}",
        p.body
    );
    // A privacy level outside the creator's options is the rules' refusal.
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"privacy_level_options": ["PUBLIC_TO_EVERYONE", "SELF_ONLY"]}),
    )
    .await;
    let p = a
        .submit(
            "/inbox",
            &action,
            &[("privacy_level", "FOLLOWER_OF_CREATOR")],
        )
        .await;
    assert_eq!(p.status, 400);
    // Posted: the same completion as a Direct Post (publish complete, public id, on the profile).
    let p = a
        .submit(
            "/inbox",
            &action,
            &[
                ("title", "from the web #inbox"),
                ("privacy_level", "PUBLIC_TO_EVERYONE"),
                ("allow_comment", "on"),
            ],
        )
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let post_id = p
        .location()
        .strip_prefix("/inbox?posted=")
        .unwrap()
        .to_string();
    let v = crate::posting::status(&w, &draft).await;
    assert_eq!(v["data"]["status"], "PUBLISH_COMPLETE");
    assert_eq!(
        v["data"]["publicaly_available_post_id"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let inbox = a.get(&p.location()).await;
    assert!(inbox.body.contains("No drafts waiting."));
    assert!(inbox.body.contains(&format!("/@alice/video/{post_id}")));
    let watch = a.get(&format!("/@alice/video/{post_id}")).await;
    assert_eq!(watch.status, 200);
    assert!(watch.body.contains("from the web"));
    assert!(
        watch.body.contains("href=\"/tag/inbox\""),
        "hashtags link to their page"
    );
    assert!(
        watch
            .body
            .contains(&format!("src=\"/media/{post_id}/video\""))
    );
    // Discard: a second draft goes away without a post.
    let second = inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    let p = a
        .submit("/inbox", &format!("/inbox/{second}/discard"), &[])
        .await;
    assert_eq!(p.status, 302);
    let inbox =
        w.s.admin(reqwest::Method::GET, "/_reelbox/inbox/alice", Value::Null)
            .await;
    assert_eq!(inbox["drafts"].as_array().unwrap().len(), 0);
    // The daily cap of Direct Posts applies to the inbox too.
    w.s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/alice",
        json!({"daily_post_cap": 1}),
    )
    .await;
    let third = inbox_draft(&w, "h264_720x1280_30fps.mp4").await;
    let p = a
        .submit(
            "/inbox",
            &format!("/inbox/{third}/post"),
            &[("privacy_level", "SELF_ONLY")],
        )
        .await;
    assert_eq!(p.status, 400, "over the daily cap");
}

fn count(body: &str, id: &str) -> String {
    body.split(&format!("<span id=\"{id}\">"))
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn views_count_once_per_viewer_per_day_likes_and_comments() {
    let w = world().await;
    bob(&w).await;
    let post = alice_post(&w, "PUBLIC_TO_EVERYONE", "count me").await;
    let path = format!("/@alice/video/{post}");
    let mut anon = Agent::new(&w.s);
    assert_eq!(count(&anon.get(&path).await.body, "views"), "1");
    assert_eq!(
        count(&anon.get(&path).await.body, "views"),
        "1",
        "same viewer, same day"
    );
    let mut b = Agent::new(&w.s);
    assert_eq!(b.sign_in("bob", "bob password").await.status, 302);
    assert_eq!(count(&b.get(&path).await.body, "views"), "2");
    w.s.advance_clock(86_400).await;
    assert_eq!(b.sign_in("bob", "bob password").await.status, 302);
    assert_eq!(
        count(&b.get(&path).await.body, "views"),
        "3",
        "a new day counts again"
    );
    // Likes: once per creator, and unlike takes it back.
    assert_eq!(
        b.submit(&path, &format!("{path}/like"), &[("action", "like")])
            .await
            .status,
        302
    );
    assert_eq!(
        b.submit(&path, &format!("{path}/like"), &[("action", "like")])
            .await
            .status,
        302
    );
    let page = b.get(&path).await;
    assert_eq!(count(&page.body, "likes"), "1");
    assert!(page.body.contains("♥ Liked"));
    assert_eq!(
        b.submit(&path, &format!("{path}/like"), &[("action", "unlike")])
            .await
            .status,
        302
    );
    assert_eq!(count(&b.get(&path).await.body, "likes"), "0");
    // Comments: signed in only, 1 to 150 characters.
    let long = "x".repeat(151);
    let p = b
        .submit(&path, &format!("{path}/comment"), &[("text", &long)])
        .await;
    assert_eq!(p.status, 400);
    assert_eq!(
        b.submit(
            &path,
            &format!("{path}/comment"),
            &[("text", "lovely <b>video</b>")]
        )
        .await
        .status,
        302
    );
    let page = anon.get(&path).await;
    assert!(
        page.body.contains("lovely &#60;b&#62;video"),
        "escaped: {}",
        page.body
    );
    let csrf = anon.get("/signin").await.csrf();
    let p = anon
        .post(
            &format!("{path}/like"),
            &[("csrf", &csrf), ("action", "like")],
        )
        .await;
    assert_eq!(p.status, 302);
    assert!(
        p.location().starts_with("/signin?next="),
        "signed-out likes go to sign-in"
    );
}

#[tokio::test]
async fn developer_portal_and_operator_admin() {
    let w = world().await;
    let mut d = Agent::new(&w.s);
    let p = d
        .submit(
            "/developers",
            "/developers/signup",
            &[("email", "dev@example.com"), ("password", "short")],
        )
        .await;
    assert_eq!(p.status, 400);
    let p = d
        .submit(
            "/developers",
            "/developers/signup",
            &[
                ("email", "Dev@Example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(p.status, 302);
    let p = d
        .submit(
            "/developers",
            "/developers/apps",
            &[
                ("name", "Clipper"),
                (
                    "redirect_uris",
                    "https://clipper.example/cb/\nhttp://127.0.0.1:8080/cb/",
                ),
                ("scope", "user.info.basic"),
                ("scope", "video.upload"),
            ],
        )
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let key = p
        .location()
        .strip_prefix("/developers/apps/")
        .unwrap()
        .to_string();
    let page = d.get(&p.location()).await;
    assert!(
        page.body
            .contains(&format!("<code id=\"client-key\">{key}</code>"))
    );
    assert!(page.body.contains("Not audited"));
    // The guideline report of the app, as a page: a careless init shows up with its evidence.
    w.s.create_creator(json!({"username": "reporter"})).await;
    let t = w.s.mint(&key, "reporter", &["video.upload"]).await;
    let (st, v) = w
        .s
        .call(
            t["access_token"].as_str().unwrap(),
            "/v2/post/publish/inbox/video/init/",
            Some(json!({"source_info": {"source": "FILE_UPLOAD", "video_size": 50_000_123, "chunk_size": 10_000_000, "total_chunk_count": 6}})),
        )
        .await;
    assert_eq!(st, 400);
    let report = d.get(&format!("/developers/apps/{key}/report")).await;
    assert_eq!(report.status, 200);
    assert!(report.body.contains("check check-fail"), "{}", report.body);
    assert!(report.body.contains("Chunk sizes within the rules"));
    assert!(
        report.body.contains(v["error"]["log_id"].as_str().unwrap()),
        "the evidence names the call"
    );
    assert!(
        report.body.contains("Music Usage Confirmation"),
        "the audit checklist is shown"
    );
    let app =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/apps/{key}"),
            Value::Null,
        )
        .await;
    assert_eq!(app["scopes"], json!(["user.info.basic", "video.upload"]));
    assert_eq!(app["redirect_uris"].as_array().unwrap().len(), 2);
    // The secret, revealed, works at the token endpoint; rotated, the old one stops working.
    let path = format!("/developers/apps/{key}");
    let p = d.submit(&path, &format!("{path}/secret"), &[]).await;
    let secret = p
        .body
        .split("<code id=\"client-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let token = |secret: String| {
        let s = &w.s;
        let key = key.clone();
        async move {
            s.http
                .post(s.url("/v2/oauth/token/"))
                .form(&[
                    ("client_key", key.as_str()),
                    ("client_secret", secret.as_str()),
                    ("grant_type", "client_credentials"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(token(secret.clone()).await, 200);
    let p = d.submit(&path, &format!("{path}/rotate"), &[]).await;
    assert!(p.body.contains("New secret issued"));
    assert_eq!(token(secret).await, 401);
    // The app page lists the app's calls (the call log is written off the request path).
    let t = w.s.mint(&key, "alice", &["video.upload"]).await;
    let (st, _) =
        w.s.call(
            t["access_token"].as_str().unwrap(),
            "/v2/post/publish/creator_info/query/",
            None,
        )
        .await;
    assert_eq!(st, 200);
    let mut listed = false;
    for _ in 0..100 {
        if d.get(&path)
            .await
            .body
            .contains("/v2/post/publish/creator_info/query/")
        {
            listed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(listed, "recent calls are listed");
    // Edit: a bad redirect URI is refused with words; a good edit is saved.
    let p = d
        .submit(
            &path,
            &path,
            &[("name", "Clipper"), ("redirect_uris", "ftp://nope")],
        )
        .await;
    assert_eq!(p.status, 400);
    let p = d
        .submit(
            &path,
            &path,
            &[
                ("name", "Clipper 2"),
                ("redirect_uris", "https://clipper.example/cb/"),
                ("scope", "user.info.basic"),
                ("webhook_url", "https://clipper.example/hook"),
            ],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("Saved."));
    // Another developer cannot see it.
    let mut other = Agent::new(&w.s);
    other
        .submit(
            "/developers",
            "/developers/signup",
            &[
                ("email", "other@example.com"),
                ("password", "another password"),
            ],
        )
        .await;
    assert_eq!(other.get(&path).await.status, 404);
    // Audit: requested in the portal, approved by the operator.
    assert_eq!(
        d.submit(&path, &format!("{path}/audit"), &[]).await.status,
        302
    );
    assert!(d.get(&path).await.body.contains("Audit requested"));
    let mut op = Agent::new(&w.s);
    let p = op
        .submit("/admin", "/admin/signin", &[("token", "not it")])
        .await;
    assert_eq!(p.status, 401);
    let p = op
        .submit("/admin", "/admin/signin", &[("token", "test-admin-token")])
        .await;
    assert_eq!(p.status, 302);
    let page = op.get("/admin").await;
    assert!(page.body.contains("Clipper 2") && page.body.contains(&key));
    let p = op
        .submit("/admin", &format!("/admin/apps/{key}/approve"), &[])
        .await;
    assert!(p.body.contains("Clipper 2 is audited."));
    let app =
        w.s.admin(
            reqwest::Method::GET,
            &format!("/_reelbox/apps/{key}"),
            Value::Null,
        )
        .await;
    assert_eq!(app["audited"], true);
    assert!(d.get(&path).await.body.contains("Audited"));
    // Ban a creator from posting.
    let p = op
        .submit(
            "/admin",
            "/admin/creators/alice",
            &[("banned", "on"), ("daily_post_cap", "3")],
        )
        .await;
    assert!(p.body.contains("Saved @alice."));
    let c =
        w.s.admin(
            reqwest::Method::GET,
            "/_reelbox/creators/alice",
            Value::Null,
        )
        .await;
    assert_eq!(c["banned_from_posting"], true);
    assert_eq!(c["daily_post_cap"], 3);
    // The admin pages are closed to everyone else.
    assert!(
        d.get("/admin")
            .await
            .body
            .contains("Sign in with the admin token")
    );
    let csrf = d.get("/admin").await.csrf();
    assert_eq!(
        d.post(&format!("/admin/apps/{key}/approve"), &[("csrf", &csrf)])
            .await
            .location(),
        "/admin"
    );
}

#[tokio::test]
async fn consent_with_a_web_session_skips_the_password() {
    let w = world().await;
    let key = w.app["client_key"].as_str().unwrap();
    let mut a = Agent::new(&w.s);
    assert_eq!(a.sign_in("alice", "correct horse").await.status, 302);
    let q = format!(
        "/v2/auth/authorize/?client_key={key}&response_type=code&scope=user.info.basic&redirect_uri={}&state=xyz",
        urlencoding("https://app.example.com/callback/")
    );
    let page = a.get(&q).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Signed in as <strong>@alice</strong>"));
    assert!(!page.body.contains("name=\"password\""));
    let csrf = page.csrf();
    let p = a
        .post(
            "/v2/auth/authorize/",
            &[
                ("csrf", &csrf),
                ("client_key", key),
                ("redirect_uri", "https://app.example.com/callback/"),
                ("state", "xyz"),
                ("scope", "user.info.basic"),
                ("grant", "user.info.basic"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(p.status, 302);
    assert!(p.location().contains("code="), "{}", p.location());
    // Without a session the same form needs the password.
    let mut anon = Agent::new(&w.s);
    let page = anon.get(&q).await;
    assert!(page.body.contains("name=\"password\""));
    let csrf = page.csrf();
    let p = anon
        .post(
            "/v2/auth/authorize/",
            &[
                ("csrf", &csrf),
                ("client_key", key),
                ("redirect_uri", "https://app.example.com/callback/"),
                ("scope", "user.info.basic"),
                ("grant", "user.info.basic"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(p.status, 401);
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
