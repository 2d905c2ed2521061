//! Tenant isolation: no token of app A (or of creator X through app A) reads or changes what
//! belongs to app B or creator Y, and revoked, expired, wrong-kind and missing tokens are refused
//! on every route the server documents (the list comes from /openapi.json, so a new route is
//! covered as soon as it exists).
use reelbox_testkit::World;
use reelbox_testkit::posting::put;
use serde_json::{Value, json};

use crate::world_with;

async fn two_tenants() -> (World, Value, String) {
    let w = world_with(
        json!({"name": "App A", "audited": true, "scopes": ["user.info.basic", "video.list", "video.publish", "video.upload"], "redirect_uris": ["https://a.example/cb/"]}),
        json!({"username": "xavier", "password": "correct horse"}),
        &["user.info.basic", "video.list", "video.publish", "video.upload"],
    )
    .await;
    let app_b = w
        .s
        .create_app(json!({"name": "App B", "audited": true, "scopes": ["user.info.basic", "video.list", "video.publish", "video.upload", "research.data.basic"], "redirect_uris": ["https://b.example/cb/"]}))
        .await;
    w.s.create_creator(json!({"username": "yvonne"})).await;
    let t =
        w.s.mint(
            app_b["client_key"].as_str().unwrap(),
            "yvonne",
            &[
                "user.info.basic",
                "video.list",
                "video.publish",
                "video.upload",
            ],
        )
        .await;
    (w, app_b, t["access_token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn no_app_or_creator_reaches_anothers_data() {
    let (w, _app_b, token_b) = two_tenants().await;
    let s = &w.s;
    let bytes = std::fs::read(reelbox_testkit::fixture("h264_720x1280_30fps.mp4")).unwrap();
    let n = bytes.len();
    let init = json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "FILE_UPLOAD", "video_size": n, "chunk_size": n, "total_chunk_count": 1}});
    let (_, vb) = s
        .call(&token_b, "/v2/post/publish/video/init/", Some(init.clone()))
        .await;
    let id_b = vb["data"]["publish_id"].as_str().unwrap().to_string();
    let url_b = vb["data"]["upload_url"].as_str().unwrap().to_string();
    let (_, va) = s
        .call(&w.token, "/v2/post/publish/video/init/", Some(init))
        .await;
    let url_a = va["data"]["upload_url"].as_str().unwrap().to_string();
    // A's token on B's publish.
    for path in ["/v2/post/publish/status/fetch/", "/v2/post/publish/cancel/"] {
        let (st, v) = s
            .call(&w.token, path, Some(json!({"publish_id": id_b})))
            .await;
        assert_eq!(
            (st, v["error"]["code"].as_str().unwrap()),
            (400, "token_not_authorized_for_specified_publish_id"),
            "{path}"
        );
    }
    // One publish's upload credentials do not open another's: B's token with A's upload_id.
    let token_of = |u: &str| u.split("upload_token=").nth(1).unwrap().to_string();
    let id_of = |u: &str| {
        u.split("upload_id=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_string()
    };
    let crossed = format!(
        "{}/upload/video/?upload_id={}&upload_token={}",
        s.base,
        id_of(&url_a),
        token_of(&url_b)
    );
    assert_eq!(put(s, &crossed, &bytes, 0, n - 1, n).await.0, 404);
    assert_eq!(put(s, &url_b, &bytes, 0, n - 1, n).await.0, 201);
    // B's finished video is not in A's Display calls, even by id.
    let settled = {
        let mut v = Value::Null;
        for _ in 0..200 {
            let (_, x) = s
                .call(
                    &token_b,
                    "/v2/post/publish/status/fetch/",
                    Some(json!({"publish_id": id_b})),
                )
                .await;
            if x["data"]["status"] == "PUBLISH_COMPLETE" {
                v = x;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        v
    };
    assert_eq!(settled["data"]["status"], "PUBLISH_COMPLETE");
    let list = s
        .admin(
            reqwest::Method::GET,
            "/_reelbox/publishes?username=yvonne",
            Value::Null,
        )
        .await;
    let post_b = list["publishes"][0]["post_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s
        .http
        .post(s.url("/v2/video/query/?fields=id,title"))
        .bearer_auth(&w.token)
        .json(&json!({"filters": {"video_ids": [post_b]}}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["data"]["videos"].as_array().map(|a| a.len()).unwrap_or(0),
        0,
        "{v}"
    );
    // A's user info is A's creator, never B's.
    let r = s
        .http
        .get(s.url("/v2/user/info/?fields=open_id,display_name"))
        .bearer_auth(&w.token)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_ne!(v["data"]["user"]["display_name"], "yvonne");
}

#[tokio::test]
async fn bad_tokens_are_refused_on_every_documented_route() {
    let (w, app_b, token_b) = two_tenants().await;
    let s = &w.s;
    // Revoked (B's grant), expired (A's, after 25 h), a client token, a creator token on the control API.
    let r = s
        .http
        .post(s.url("/v2/oauth/token/"))
        .form(&[
            ("client_key", app_b["client_key"].as_str().unwrap()),
            ("client_secret", app_b["client_secret"].as_str().unwrap()),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    let client_token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s
        .http
        .post(s.url("/v2/oauth/revoke/"))
        .form(&[
            ("client_key", app_b["client_key"].as_str().unwrap()),
            ("client_secret", app_b["client_secret"].as_str().unwrap()),
            ("token", token_b.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc = s.openapi().await;
    let fresh_a = s
        .mint(
            w.app["client_key"].as_str().unwrap(),
            "xavier",
            &["user.info.basic"],
        )
        .await;
    let expired = w.token.clone();
    s.advance_clock(25 * 3600).await;
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let public = path.starts_with("/v2/oauth/")
            || path.starts_with("/v2/auth/")
            || path == "/healthz"
            || path.starts_with("/upload/")
            || path == "/openapi.json";
        if public {
            continue;
        }
        let research = path.starts_with("/v2/research/");
        for method in ops.as_object().unwrap().keys() {
            let concrete = path
                .replace("{client_key}", "x")
                .replace("{username}", "xavier")
                .replace("{publish_id}", "p")
                .replace("{post_id}", "1");
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut bad: Vec<(&str, Option<String>)> = vec![
                ("missing", None),
                ("revoked", Some(token_b.clone())),
                ("expired", Some(expired.clone())),
                ("garbage", Some("act.nothing".into())),
            ];
            if path.starts_with("/_reelbox/") {
                bad.push((
                    "a creator's token on the control API",
                    Some(fresh_a["access_token"].as_str().unwrap().to_string()),
                ));
                bad.push((
                    "a client token on the control API",
                    Some(client_token.clone()),
                ));
            } else if research {
                bad.push((
                    "a user token on the Research API",
                    Some(fresh_a["access_token"].as_str().unwrap().to_string()),
                ));
            } else {
                bad.push((
                    "a client token on a user endpoint",
                    Some(client_token.clone()),
                ));
            }
            for (what, token) in bad {
                let mut req = s
                    .http
                    .request(m.clone(), s.url(&format!("{concrete}?fields=id")))
                    .json(&json!({}));
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                let r = req.send().await.unwrap();
                let status = r.status().as_u16();
                let v: Value = r.json().await.unwrap_or(Value::Null);
                let code = v["error"]["code"].as_str().unwrap_or("").to_string();
                assert!(
                    status == 401
                        && (code == "access_token_invalid" || code == "scope_not_authorized"),
                    "{method} {path} with {what}: {status} {v}"
                );
                checked += 1;
            }
            if path.starts_with("/_reelbox/") {
                // Wrong admin tokens are throttled per address: spread them over server minutes so
                // each refusal above is the route's own, not the throttle's.
                s.advance_clock(61).await;
            }
        }
    }
    assert!(checked > 100, "only {checked} combinations were checked");
}

#[tokio::test]
async fn no_developer_watches_anothers_app_and_no_app_moves_anothers_clock() {
    let (w, app_b, token_b) = two_tenants().await;
    let s = &w.s;
    let key_a = w.app["client_key"].as_str().unwrap();
    let key_b = app_b["client_key"].as_str().unwrap();
    // A developer with an app of their own sees neither the page nor the stream of another app.
    let mut d = reelbox_testkit::web::Agent::new(s);
    let p = d
        .submit(
            "/developers",
            "/developers/signup",
            &[
                ("email", "nosy@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(p.status, 302);
    for path in [
        format!("/developers/apps/{key_b}/inspector"),
        format!("/developers/apps/{key_b}/inspector/stream"),
        format!("/developers/apps/{key_a}/inspector/stream?client_key={key_a}"),
    ] {
        assert_eq!(d.get(&path).await.status, 404, "{path}");
    }
    // Anonymous: no stream at all.
    let r = s
        .http
        .get(s.url("/admin/inspector/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Moving A's creator's clock leaves B's creator alone.
    let v = s
        .admin(
            reqwest::Method::POST,
            "/_reelbox/clock",
            json!({"creator": "xavier", "advance_seconds": 30 * 86_400}),
        )
        .await;
    assert_eq!(v["creator_offset_ms"], 30 * 86_400_000_i64, "{v}");
    let (st, v) = s
        .call(&token_b, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, _) = s
        .call(&w.token, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(st, 401);
    // Moving A's clock leaves B's tokens and time alone.
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/clock",
        json!({"client_key": key_a, "advance_seconds": 30 * 86_400}),
    )
    .await;
    let (st, v) = s
        .call(&token_b, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, _) = s
        .call(&w.token, "/v2/post/publish/creator_info/query/", None)
        .await;
    assert_eq!(st, 401);
}

#[tokio::test]
async fn a_qr_login_is_seen_only_by_the_app_that_asked_for_it() {
    let (w, app_b, _) = two_tenants().await;
    let s = &w.s;
    let key_a = w.app["client_key"].as_str().unwrap();
    let (scan_url, token_a) = crate::oauth::qr::get_qrcode(s, key_a, "user.info.basic", "").await;
    // App B polls A's token with its own credentials: answered as an unknown token.
    let (st, v) = crate::oauth::qr::qr_form(
        s,
        "/v2/oauth/check_qrcode/",
        &[
            ("client_key", app_b["client_key"].as_str().unwrap()),
            ("client_secret", app_b["client_secret"].as_str().unwrap()),
            ("token", &token_a),
        ],
    )
    .await;
    assert_eq!(
        (st, v["error"].as_str().unwrap()),
        (400, "invalid_request"),
        "{v}"
    );
    // A's QR opened under B's client_key is no login of B's.
    let path = crate::oauth::qr::phone_path(&scan_url, "t")
        .replace(key_a, app_b["client_key"].as_str().unwrap());
    let r = s.http.get(s.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // And A still sees its QR untouched.
    let (_, v) = crate::oauth::qr::qr_form(
        s,
        "/v2/oauth/check_qrcode/",
        &[
            ("client_key", key_a),
            ("client_secret", w.app["client_secret"].as_str().unwrap()),
            ("token", &token_a),
        ],
    )
    .await;
    assert_eq!(v["status"], "new");
}

#[tokio::test]
async fn a_validation_task_is_seen_only_by_the_app_that_created_it() {
    let (w, app_b, _) = two_tenants().await;
    let s = &w.s;
    let research = s
        .create_app(json!({"name": "Research A", "audited": true, "scopes": ["research.data.basic"], "redirect_uris": ["https://r.example/cb/"]}))
        .await;
    let clt_a = reelbox_testkit::oauth::app_client_token(s, &research).await;
    let clt_b = reelbox_testkit::oauth::app_client_token(s, &app_b).await;
    let body = "--b\r\nContent-Disposition: form-data; name=\"file_data\"; filename=\"ids.txt\"\r\n\r\n1\n2\r\n--b\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nvideo\r\n--b--\r\n";
    let r = s
        .http
        .post(s.url("/v2/research/validation_task/create/"))
        .bearer_auth(&clt_a)
        .header("content-type", "multipart/form-data; boundary=b")
        .body(body)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let task_id = v["data"]["task_id"].clone();
    assert!(task_id.is_i64(), "{v}");
    for path in [
        "/v2/research/validation_task_status/get/",
        "/v2/research/validation_task/download/",
    ] {
        let (st, v) = s
            .call(&clt_b, path, Some(json!({"task_id": task_id})))
            .await;
        assert_eq!(
            (st, v["error"]["message"].as_str().unwrap()),
            (400, "task_id does not exist."),
            "{path}: {v}"
        );
    }
    let (st, v) = s
        .call(
            &clt_a,
            "/v2/research/validation_task_status/get/",
            Some(json!({"task_id": task_id})),
        )
        .await;
    assert_eq!(
        (st, v["data"]["task_status"].as_str()),
        (200, Some("Processing"))
    );
}

#[tokio::test]
async fn a_data_request_and_its_archive_belong_to_one_app_and_creator() {
    let (w, app_b, _) = two_tenants().await;
    let s = &w.s;
    let scopes = ["portability.all.ongoing"];
    let app_a = s
        .create_app(json!({"name": "Export A", "audited": true, "scopes": scopes, "redirect_uris": ["https://e.example/cb/"]}))
        .await;
    s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/yvonne",
        json!({"region_code": "DE"}),
    )
    .await;
    s.admin(
        reqwest::Method::PATCH,
        "/_reelbox/creators/xavier",
        json!({"region_code": "DE"}),
    )
    .await;
    let key_a = app_a["client_key"].as_str().unwrap();
    let yvonne_a = s.mint(key_a, "yvonne", &scopes).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, v) = s
        .call(
            &yvonne_a,
            "/v2/user/data/add/",
            Some(json!({"data_format": "json", "category_selection_list": ["profile"]})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["request_id"].clone();
    s.advance_clock(11).await;
    // Another creator through the same app, and the same creator through another app.
    let xavier_a = s.mint(key_a, "xavier", &scopes).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    s.admin(
        reqwest::Method::PATCH,
        &format!("/_reelbox/apps/{}", app_b["client_key"].as_str().unwrap()),
        json!({"scopes": ["portability.all.ongoing"]}),
    )
    .await;
    let yvonne_b = s
        .mint(app_b["client_key"].as_str().unwrap(), "yvonne", &scopes)
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    for t in [&xavier_a, &yvonne_b] {
        for path in [
            "/v2/user/data/check/?fields=status",
            "/v2/user/data/download/",
            "/v2/user/data/cancel/",
        ] {
            let (st, v) = s.call(t, path, Some(json!({"request_id": id}))).await;
            assert_eq!(
                (st, v["error"]["message"].as_str().unwrap()),
                (400, "Incorrect `request_id`. Please validate the request."),
                "{path}: {v}"
            );
        }
    }
    let (st, v) = s
        .call(
            &yvonne_a,
            "/v2/user/data/check/?fields=request_id",
            Some(json!({"request_id": id})),
        )
        .await;
    assert_eq!((st, &v["data"]["request_id"]), (200, &id));
}

#[tokio::test]
async fn an_ad_query_search_id_is_honoured_only_for_the_app_that_made_it() {
    let (s, clt_a) = crate::research::adlib::ad_world().await;
    let other = s
        .create_app(json!({"name": "Ad Library B", "audited": true, "scopes": ["research.adlib.basic"], "redirect_uris": ["https://adb.example/cb/"]}))
        .await;
    let clt_b = reelbox_testkit::oauth::app_client_token(&s, &other).await;
    let body = json!({"filters": {"ad_published_date_range": {"min": "20230101", "max": "20230131"}}, "max_count": 1});
    let path = "/v2/research/adlib/ad/query/?fields=ad.first_shown_date";
    let (st, v) = s.call(&clt_a, path, Some(body.clone())).await;
    assert_eq!(st, 200, "{v}");
    let mut next = body;
    next["search_id"] = v["data"]["search_id"].clone();
    let (st, v) = s.call(&clt_b, path, Some(next.clone())).await;
    assert_eq!(
        (st, v["error"]["message"].as_str()),
        (400, Some("Invalid search_id")),
        "{v}"
    );
    let (st, v) = s.call(&clt_a, path, Some(next)).await;
    assert_eq!(
        (st, v["data"]["ads"][0]["ad"]["first_shown_date"].as_i64()),
        (200, Some(20230103))
    );
}
