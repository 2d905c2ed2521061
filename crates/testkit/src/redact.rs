//! Redaction of what changes from run to run (ids, tokens, timestamps), so answers can be compared
//! with insta snapshots.
use serde_json::{Value, json};

/// [`redact`], then every non-null value under one of `keys` becomes `"[key]"` and every element
/// of an array under `(key, placeholder)` of `lists` becomes `placeholder`, at any depth: the
/// values that move with the clock or the random parts of ids, for snapshots of shapes.
pub fn redact_keys(v: Value, keys: &[&str], lists: &[(&str, &str)]) -> Value {
    fn walk(v: &mut Value, keys: &[&str], lists: &[(&str, &str)]) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if keys.contains(&k.as_str()) {
                        if !x.is_null() {
                            *x = json!(format!("[{k}]"));
                        }
                    } else if let Some((_, p)) = lists.iter().find(|(l, _)| l == k) {
                        if let Value::Array(a) = x {
                            a.iter_mut().for_each(|e| *e = json!(p));
                        }
                    } else {
                        walk(x, keys, lists);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, keys, lists)),
            _ => {}
        }
    }
    let mut v = redact(v);
    walk(&mut v, keys, lists);
    v
}

/// Every non-null log id, token, client credential, publish id, upload URL, creator id or avatar
/// and creation time becomes `"[key]"`, and every published post id `"[post_id]"`, at any depth.
pub fn redact(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    match k.as_str() {
                        "log_id" | "access_token" | "refresh_token" | "open_id" | "client_key"
                        | "client_secret" | "publish_id" | "upload_url" | "creator_avatar_url"
                        | "created_at" | "creator_id" => {
                            if !x.is_null() {
                                *x = json!(format!("[{k}]"));
                            }
                        }
                        "publicaly_available_post_id" => {
                            if let Value::Array(a) = x {
                                for e in a.iter_mut() {
                                    *e = json!("[post_id]");
                                }
                            }
                        }
                        _ => walk(x),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}
