//! /openapi.json describes the control API as one thing: every `/_reelbox` operation under the tag
//! "Control API", behind the admin token, with a typed answer (JSON, or the events of a stream),
//! and with its one bad-request code documented wherever it reads a body.

#[tokio::test]
async fn every_control_operation_is_tagged_secured_typed_and_documents_invalid_param() {
    let s = crate::server().await;
    let doc = s.openapi().await;
    let mut ops = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if !path.starts_with("/_reelbox") {
            continue;
        }
        for (method, op) in item.as_object().expect("path item") {
            ops += 1;
            let at = format!("{} {path}", method.to_uppercase());
            assert_eq!(op["tags"], serde_json::json!(["Control API"]), "{at}");
            let security = op["security"].as_array().expect("security");
            assert!(
                security.iter().any(|s| s.get("admin").is_some()),
                "{at}: {security:?}"
            );
            let ok = &op["responses"]["200"];
            // A stream's answer is typed per event (server-sent events); a snapshot is a
            // file: its answer is binary, described as such.
            let file = ok["content"]["application/octet-stream"]["schema"]["$ref"]
                == "#/components/schemas/SnapshotFile"
                && doc["components"]["schemas"]["SnapshotFile"]["format"] == "binary";
            assert!(
                ok["content"]["application/json"]["schema"].is_object()
                    || ok["content"]["text/event-stream"]["schema"].is_object()
                    || (file && at == "GET /_reelbox/snapshot"),
                "{at}: the 200 answer is an untyped placeholder: {ok}"
            );
            if op.get("requestBody").is_some() {
                let bad = &op["responses"]["400"];
                assert!(
                    bad["description"]
                        .as_str()
                        .is_some_and(|d| d.contains("`invalid_param`")),
                    "{at}: the 400 answer does not name invalid_param: {bad}"
                );
                assert!(
                    bad["content"]["application/json"]["schema"].is_object(),
                    "{at}: {bad}"
                );
            }
        }
    }
    assert!(ops >= 28, "only {ops} control operations");
}
