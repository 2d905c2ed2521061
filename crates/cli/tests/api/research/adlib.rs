//! Commercial Content API (ad library) over HTTP: ads made through the control API, queried by
//! date, country, advertiser, search term and reach, with `fields`, pages continued by
//! `search_id`, TikTok's envelope with `http_status_code`, and every refusal.
use reelbox_testkit::TestServer;
use reelbox_testkit::redact::redact;
use serde_json::{Value, json};

use crate::server;

const QUERY: &str = "/v2/research/adlib/ad/query/";
const ALL_FIELDS: &str = "ad.id,ad.first_shown_date,ad.last_shown_date,ad.status,ad.status_statement,ad.videos,ad.image_urls,ad.reach,advertiser.business_id,advertiser.business_name,advertiser.paid_for_by";

/// A server with two advertisers and five ads, and a client token with `research.adlib.basic`.
pub(crate) async fn ad_world() -> (TestServer, String) {
    let s = server().await;
    let app = s
        .create_app(json!({"name": "Ad Library", "audited": true, "scopes": ["research.adlib.basic"], "redirect_uris": ["https://ads.example/cb/"]}))
        .await;
    let clt = reelbox_testkit::oauth::app_client_token(&s, &app).await;
    let food = json!({"business_id": 3847236290405i64, "business_name": "Awe Food Co.", "paid_by": "Awe Co.", "country_code": "US"});
    let games = json!({"business_id": 319282903829i64, "business_name": "Mobile Games Ltd", "country_code": "CA"});
    for (id, (adv, title, day, countries, reach)) in (1i64..).zip([
        (
            &food,
            "Fresh bread daily",
            "20230102",
            json!(["FR", "IT"]),
            11_400,
        ),
        (
            &games,
            "Play mobile games now",
            "20230103",
            json!(["FR"]),
            2_500_000,
        ),
        (&food, "Cheese of the month", "20230104", json!(["DE"]), 900),
        (
            &games,
            "Puzzle games for two",
            "20230105",
            json!(["IT", "GB"]),
            120_000,
        ),
        (&food, "Old offer", "20221105", json!(["FR"]), 50_000),
    ]) {
        let v = s
            .admin(
                reqwest::Method::POST,
                "/_reelbox/ads",
                json!({"id": id, "advertiser": adv, "title": title, "first_shown_date": day, "countries": countries, "reach": reach,
                       "videos": [format!("https://cdn.example/ads/{day}.mp4?mime_type=video_mp4")],
                       "image_urls": [format!("https://cdn.example/ads/{day}.jpeg")]}),
            )
            .await;
        assert_eq!(v["id"], id, "{v}");
    }
    (s, clt)
}

async fn query(s: &TestServer, clt: &str, fields: &str, body: Value) -> (u16, Value) {
    s.call(clt, &format!("{QUERY}?fields={fields}"), Some(body))
        .await
}

fn ids_of(v: &Value) -> Vec<String> {
    v["data"]["ads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ad"]["first_shown_date"].to_string())
        .collect()
}

fn shape(v: Value) -> Value {
    let mut v = redact(v);
    if v["data"]["search_id"]
        .as_str()
        .is_some_and(|s| !s.is_empty())
    {
        v["data"]["search_id"] = json!("[search_id]");
    }
    v
}

#[tokio::test]
async fn ads_are_filtered_selected_and_paged_by_search_id() {
    let (s, clt) = ad_world().await;
    let range = json!({"min": "20230101", "max": "20230131"});
    // All fields, every ad of January: pages of two continued by search_id.
    let body = json!({"filters": {"ad_published_date_range": range}, "max_count": 2});
    let (st, p1) = query(&s, &clt, ALL_FIELDS, body.clone()).await;
    assert_eq!(st, 200, "{p1}");
    assert_eq!(p1["data"]["has_more"], true);
    insta::assert_json_snapshot!("ad_query_page1", shape(p1.clone()));
    // The body's filters are ignored once a search_id is sent.
    let mut next = json!({"filters": {"ad_published_date_range": {"min": "20230105", "max": "20230105"}}, "max_count": 2});
    next["search_id"] = p1["data"]["search_id"].clone();
    let (st, p2) = query(&s, &clt, "ad.first_shown_date", next).await;
    assert_eq!(st, 200, "{p2}");
    assert_eq!(ids_of(&p2), ["20230104", "20230105"]);
    assert_ne!(p2["data"]["search_id"], p1["data"]["search_id"]);
    assert_eq!(p2["data"]["has_more"], false);
    assert_eq!(p2["data"]["search_id"], "");
    // Filters: country (and its alias), advertiser, search term, reach; bare group names.
    let cases = [
        (
            json!({"country_code": "FR"}),
            None,
            vec!["20230102", "20230103"],
        ),
        (json!({"country": "it"}), None, vec!["20230102", "20230105"]),
        (
            json!({"advertiser_business_ids": [319282903829i64]}),
            None,
            vec!["20230103", "20230105"],
        ),
        (
            json!({"unique_users_seen_size_range": {"min": "10K", "max": "1M"}}),
            None,
            vec!["20230102", "20230105"],
        ),
        // The term overrides advertiser_business_ids.
        (
            json!({"advertiser_business_ids": [3847236290405i64]}),
            Some(("GAMES", None)),
            vec!["20230103", "20230105"],
        ),
        (json!({}), Some(("awe cheese", None)), vec![]),
        (
            json!({}),
            Some(("awe cheese", Some("fuzzy_phrase"))),
            vec!["20230102", "20230104"],
        ),
    ];
    for (extra, term, want) in cases {
        let mut filters = extra.clone();
        filters["ad_published_date_range"] = range.clone();
        let mut body = json!({"filters": filters});
        if let Some((t, kind)) = term {
            body["search_term"] = json!(t);
            if let Some(k) = kind {
                body["search_type"] = json!(k);
            }
        }
        let (st, v) = query(&s, &clt, "ad.first_shown_date", body.clone()).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(ids_of(&v), want, "{body}");
    }
    let (_, v) = query(
        &s,
        &clt,
        "advertiser%2Cad_group",
        json!({"filters": {"ad_published_date_range": {"min": 20230105, "max": 20230105}}}),
    )
    .await;
    insta::assert_json_snapshot!("ad_query_advertiser_group", shape(v));
}

#[tokio::test]
async fn every_refusal_of_the_ad_query() {
    let (s, clt) = ad_world().await;
    let r = s
        .http
        .post(s.url(&format!("{QUERY}?fields=ad.id")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    insta::assert_json_snapshot!("ad_query_no_token", redact(r.json().await.unwrap()));
    let other = s
        .create_app(json!({"name": "Other", "audited": true, "scopes": ["research.data.basic"], "redirect_uris": ["https://o.example/cb/"]}))
        .await;
    let other_clt = reelbox_testkit::oauth::app_client_token(&s, &other).await;
    let ok =
        json!({"filters": {"ad_published_date_range": {"min": "20230101", "max": "20230131"}}});
    let (st, v) = query(&s, &other_clt, "ad.id", ok.clone()).await;
    assert_eq!(
        (
            st,
            v["error"]["code"].as_str(),
            v["error"]["http_status_code"].as_i64()
        ),
        (401, Some("scope_not_authorized"), Some(401)),
        "{v}"
    );
    let with = |k: &str, x: Value| {
        let mut b = ok.clone();
        b["filters"][k] = x;
        b
    };
    let bad = [
        ("ad.nothing", ok.clone(), "fields"),
        ("ad.id", json!({}), "filters is required"),
        (
            "ad.id",
            json!({"filters": {"ad_published_date_range": {"min": "20220930", "max": "20230101"}}}),
            "after 20221001",
        ),
        (
            "ad.id",
            json!({"filters": {"ad_published_date_range": {"min": "20230105", "max": "20230101"}}}),
            "before min",
        ),
        (
            "ad.id",
            json!({"filters": {"ad_published_date_range": {"min": "2023-01-01", "max": "20230101"}}}),
            "YYYYMMDD",
        ),
        ("ad.id", with("country_code", json!("US")), "not supported"),
        (
            "ad.id",
            with("unique_users_seen_size_range", json!({"min": "1.1M"})),
            "like 120K",
        ),
        (
            "ad.id",
            with("unique_users_seen_size_range", json!({"max": "0K"})),
            "greater than 0",
        ),
        (
            "ad.id",
            with("advertiser_business_ids", json!(["x"])),
            "integers",
        ),
        (
            "ad.id",
            json!({"filters": ok["filters"], "search_term": "x".repeat(51)}),
            "50 characters",
        ),
        (
            "ad.id",
            json!({"filters": ok["filters"], "search_type": "regex"}),
            "search_type",
        ),
        (
            "ad.id",
            json!({"filters": ok["filters"], "max_count": 51}),
            "max_count",
        ),
        (
            "ad.id",
            json!({"filters": ok["filters"], "search_id": "12345"}),
            "Invalid search_id",
        ),
    ];
    for (fields, body, says) in bad {
        let (st, v) = query(&s, &clt, fields, body.clone()).await;
        assert_eq!(
            (
                st,
                v["error"]["code"].as_str(),
                v["error"]["http_status_code"].as_i64()
            ),
            (400, Some("invalid_params"), Some(400)),
            "{body}: {v}"
        );
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{body}: {msg}");
        assert_eq!(v["data"], json!({}));
    }
    let r = s
        .http
        .post(s.url(&format!("{QUERY}?fields=ad.id")))
        .bearer_auth(&clt)
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    insta::assert_json_snapshot!("ad_query_not_json", redact(r.json().await.unwrap()));
    // The control API refuses a bad ad in its own envelope.
    let r = s
        .http
        .post(s.url("/_reelbox/ads"))
        .bearer_auth(&s.admin_token)
        .json(&json!({"advertiser": {"business_name": "X"}, "first_shown_date": "20230101", "countries": ["US"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_param", "{v}");
}

const DETAIL: &str = "/v2/research/adlib/ad/detail/";
const ADVERTISERS: &str = "/v2/research/adlib/advertiser/query/";
const DETAIL_FIELDS: &str = "ad,advertiser.business_id,advertiser.business_name,advertiser.paid_for_by,advertiser.follower_count,advertiser.avatar_url,advertiser.profile_url,ad_group.targeting_info";

#[tokio::test]
async fn an_ads_detail_shows_its_reach_by_country_targeting_and_rejection() {
    let (s, clt) = ad_world().await;
    s.admin(
        reqwest::Method::POST,
        "/_reelbox/ads",
        json!({"id": 6, "advertiser": {"business_id": 1755645247067185i64, "business_name": "Awesome Co.", "country_code": "US",
                "follower_count": 26374, "avatar_url": "https://cdn.example/awesome.jpeg", "profile_url": "https://reelbox.example/@awesome_co"},
               "title": "Awesome summer", "status": "inactive", "status_statement": "Ended", "first_shown_date": "20230110", "last_shown_date": "20230120",
               "countries": ["IT", "GB"], "reach": 30_500, "videos": ["https://cdn.example/ads/6.mp4?mime_type=video_mp4"],
               "detail": {"external_url": "https://awesome.example/", "call_to_action": "Shop now", "advertising_objective": "Traffic",
                          "reach_by_country": {"GB": 18_200, "IT": 12_300},
                          "rejection_info": {"reasons": ["Misleading claims"], "affected_countries": ["FR", "IT"], "reporting_source": "Users and third parties", "automated_notice": null},
                          "targeting": {"users_targeted": 50_000, "ages": ["35-44", "45-54", "55+"], "audience_targeting": false,
                                        "video_interactions": "Entertainment", "creator_interactions": "Talent", "interests": ["News & Entertainment", "Business Services"]}}}),
    )
    .await;
    let (st, v) = s
        .call(
            &clt,
            &format!("{DETAIL}?fields={DETAIL_FIELDS}"),
            Some(json!({"ad_id": 6})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    insta::assert_json_snapshot!("ad_detail_all", redact(v));
    // Only the targeting: no ad, no advertiser; the id as a decimal string.
    let (st, v) = s
        .call(
            &clt,
            &format!("{DETAIL}?fields=ad_group.targeting_info"),
            Some(json!({"ad_id": "6"})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["data"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["ad_group"]
    );
    for (body, says) in [
        (json!({}), "ad_id is required."),
        (json!({"ad_id": 999}), "ad_id does not exist."),
        (json!({"ad_id": "x"}), "ad_id must be an integer."),
    ] {
        let (st, v) = s
            .call(&clt, &format!("{DETAIL}?fields=ad.id"), Some(body))
            .await;
        assert_eq!(
            (
                st,
                v["error"]["code"].as_str(),
                v["error"]["message"].as_str()
            ),
            (400, Some("invalid_params"), Some(says))
        );
    }
}

#[tokio::test]
async fn advertisers_are_found_by_part_of_their_name() {
    let (s, clt) = ad_world().await;
    let (st, v) = s
        .call(
            &clt,
            &format!("{ADVERTISERS}?fields=business_id,business_name,country_code"),
            Some(json!({"search_term": "co"})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    insta::assert_json_snapshot!("advertiser_query", redact(v));
    let (_, v) = s
        .call(
            &clt,
            &format!("{ADVERTISERS}?fields=business_name"),
            Some(json!({"search_term": "GAMES", "max_count": 1})),
        )
        .await;
    assert_eq!(
        v["data"]["advertisers"],
        json!([{"business_name": "Mobile Games Ltd"}])
    );
    for (body, says) in [
        (json!({}), "search_term is required."),
        (
            json!({"search_term": "x".repeat(51)}),
            "search_term must be at most 50 characters.",
        ),
        (
            json!({"search_term": "co", "max_count": 0}),
            "max_count must be an integer from 1 to 50.",
        ),
    ] {
        let (st, v) = s
            .call(
                &clt,
                &format!("{ADVERTISERS}?fields=business_id"),
                Some(body),
            )
            .await;
        assert_eq!(
            (
                st,
                v["error"]["code"].as_str(),
                v["error"]["message"].as_str()
            ),
            (400, Some("invalid_params"), Some(says))
        );
    }
}

const REPORT: &str = "/v2/research/adlib/ad/report/";

#[tokio::test]
async fn the_report_counts_ads_per_day_and_country() {
    let (s, clt) = ad_world().await;
    // Two more ads on 2023-01-02: one for FR, one for IT and DE by the games advertiser.
    for (id, adv, countries) in [
        (7, 3847236290405i64, json!(["FR"])),
        (8, 319282903829i64, json!(["IT", "DE"])),
    ] {
        s.admin(
            reqwest::Method::POST,
            "/_reelbox/ads",
            json!({"id": id, "advertiser": {"business_id": adv}, "first_shown_date": "20230102", "countries": countries}),
        )
        .await;
    }
    let range = json!({"min": "20230101", "max": "20230104"});
    let (st, v) = s
        .call(
            &clt,
            &format!("{REPORT}?fields=count_time_series_by_country"),
            Some(json!({"filters": {"ad_published_date_range": range}})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    insta::assert_json_snapshot!("ad_report_all", redact(v));
    let (_, v) = s
        .call(
            &clt,
            &format!("{REPORT}?fields=count_time_series_by_country"),
            Some(json!({"filters": {"ad_published_date_range": range, "country_code": "IT", "advertiser_business_ids": [319282903829i64]}})),
        )
        .await;
    assert_eq!(
        v["data"]["count_time_series_by_country"],
        json!({"IT": [{"date": "20230102", "count": 1}]})
    );
    for (fields, body, says) in [
        (
            "ad.id",
            json!({"filters": {"ad_published_date_range": range}}),
            "fields",
        ),
        (
            "count_time_series_by_country",
            json!({}),
            "filters is required.",
        ),
        (
            "count_time_series_by_country",
            json!({"filters": {"ad_published_date_range": range, "country_code": "JP"}}),
            "not supported",
        ),
    ] {
        let (st, v) = s
            .call(&clt, &format!("{REPORT}?fields={fields}"), Some(body))
            .await;
        assert_eq!(
            (st, v["error"]["code"].as_str()),
            (400, Some("invalid_params")),
            "{v}"
        );
        assert!(
            v["error"]["message"].as_str().unwrap().contains(says),
            "{v}"
        );
    }
}
