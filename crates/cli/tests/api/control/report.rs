//! The guideline report: clean for a careful client and for the SDK, each finding with evidence for a careless one.
use std::time::Duration;

use reelbox_testkit::posting::status;
use reelbox_testkit::redact::redact;
use reelbox_testkit::{World, fixture};
use serde_json::{Value, json};

use super::{CI, INIT, post_small, small_file};
use crate::world_local;

async fn report(w: &World) -> Value {
    w.s.admin(
        reqwest::Method::GET,
        &format!(
            "/_reelbox/report?client_key={}",
            w.app["client_key"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await
}

fn verdict<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

#[tokio::test]
async fn a_careful_client_gets_a_clean_report() {
    let (w, _l) = world_local(true, false).await;
    for _ in 0..2 {
        let (st, v) = w.s.call(&w.token, CI, None).await;
        assert_eq!(st, 200);
        let privacy = v["data"]["privacy_level_options"][0]
            .as_str()
            .unwrap()
            .to_string();
        let id = post_small(&w, &privacy).await;
        loop {
            w.s.advance_clock(3).await; // polls spaced out, as a client with backoff does
            let v = status(&w, &id).await;
            if v["data"]["status"] != "PROCESSING_UPLOAD" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        w.s.advance_clock(61).await;
    }
    let r = report(&w).await;
    assert_eq!(r["report"]["fail"], 0, "{r:#}");
    assert!(r["report"]["pass"].as_u64().unwrap() >= 8);
    assert_eq!(verdict(&r, "creator_info_first")["verdict"], "pass");
    assert_eq!(r["report"]["audit_checklist"].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn a_careless_client_gets_each_finding_with_evidence() {
    let w = crate::world().await;
    let (_, src) = small_file();
    // Skips creator_info, posts branded content as SELF_ONLY.
    let (st, v) = w.s.call(&w.token, INIT, Some(json!({"post_info": {"privacy_level": "SELF_ONLY", "brand_content_toggle": true}, "source_info": src}))).await;
    assert_eq!(st, 400);
    let first_log = v["error"]["log_id"].as_str().unwrap().to_string();
    // Hammers after 429.
    for _ in 0..10 {
        w.s.call(
            &w.token,
            INIT,
            Some(json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": src})),
        )
        .await;
    }
    // Lets its token expire.
    w.s.advance_clock(25 * 3600).await;
    let (st, _) = w.s.call(&w.token, CI, None).await;
    assert_eq!(st, 401);
    let r = report(&w).await;
    for id in [
        "creator_info_first",
        "disclosure_consistent",
        "rate_limits_honoured",
        "tokens_refreshed",
    ] {
        assert_eq!(verdict(&r, id)["verdict"], "fail", "{id}: {r:#}");
        assert!(!verdict(&r, id)["evidence"].as_array().unwrap().is_empty());
    }
    let ev = &verdict(&r, "disclosure_consistent")["evidence"][0];
    assert_eq!(ev["log_id"], first_log, "the evidence names the call");
    let mut shape = r.clone();
    shape["generated_at"] = json!("[time]");
    for c in shape["report"]["checks"].as_array_mut().unwrap() {
        for e in c["evidence"].as_array_mut().unwrap() {
            e["time"] = json!("[time]");
        }
    }
    insta::assert_json_snapshot!("careless_report", redact(shape), {".report.checks[].evidence[].log_id" => "[log_id]"});
}

#[tokio::test]
async fn the_sdk_as_a_client_gets_a_clean_report() {
    use reelbox_sdk::wire::posting::VideoPostInfo;
    use reelbox_sdk::{Client, Credentials, Journal, Media, Publisher, VideoTarget};
    let (w, _l) = world_local(true, false).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(&w.s.base, Credentials::Token(w.token.clone()));
    let publisher = Publisher::new(client.clone(), Journal::new(dir.path().join("journal")));
    for i in 0..2 {
        // As the guidelines ask: creator info first, privacy chosen from its options.
        let info = client.creator_info().await.unwrap();
        let media = Media::File {
            path: fixture("h264_720x1280_30fps.mp4"),
            target: VideoTarget::Direct(VideoPostInfo {
                title: Some(format!("clip {i}")),
                privacy_level: Some(info.privacy_level_options[0]),
                ..Default::default()
            }),
        };
        let (_, status) = publisher
            .publish(
                &format!("clip-{i}"),
                &media,
                None,
                Some(Duration::from_secs(60)),
            )
            .await
            .unwrap();
        assert_eq!(status.status.as_str(), "PUBLISH_COMPLETE");
    }
    let r = report(&w).await;
    assert_eq!(r["report"]["fail"], 0, "{r:#}");
    assert_eq!(verdict(&r, "creator_info_first")["verdict"], "pass");
    assert_eq!(verdict(&r, "privacy_from_options")["verdict"], "pass");
}
