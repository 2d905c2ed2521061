//! The tables behind near-miss hints (`reelbox_core::hints`), read from the OpenAPI document so
//! that a new route or body field is known without a second list: every path, and for each
//! JSON body the fields of each object in it.
use std::collections::HashMap;

use reelbox_core::hints::{Hints, KnownFields};
use serde_json::Value;

/// How deep a body's objects are followed (TikTok's go two levels deep).
const MAX_DEPTH: usize = 4;

pub fn table() -> Hints {
    let doc = serde_json::to_value(super::openapi()).unwrap_or_default();
    let mut bodies = HashMap::new();
    let mut routes = super::route_templates();
    routes.sort();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for op in item.values() {
                let schema = &op["requestBody"]["content"]["application/json"]["schema"];
                let mut known = KnownFields::new();
                fields(&doc, schema, "", 0, &mut known);
                if !known.is_empty() {
                    bodies.insert(path.clone(), known);
                }
            }
        }
    }
    Hints { routes, bodies }
}

/// Records the properties of `schema` (following `$ref`, `allOf`, `oneOf`, `anyOf`) under `at`,
/// and those of each property that is an object in turn.
fn fields(doc: &Value, schema: &Value, at: &str, depth: usize, out: &mut KnownFields) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut props = Vec::new();
    collect(doc, schema, 0, &mut props);
    if props.is_empty() {
        return;
    }
    let names = out.entry(at.to_string()).or_default();
    for (name, _) in &props {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    for (name, child) in props {
        let path = if at.is_empty() {
            name
        } else {
            format!("{at}.{name}")
        };
        fields(doc, &child, &path, depth + 1, out);
    }
}

fn collect(doc: &Value, schema: &Value, hops: usize, props: &mut Vec<(String, Value)>) {
    if hops > 8 {
        return;
    }
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        collect(doc, &doc["components"]["schemas"][name], hops + 1, props);
        return;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for s in schema[key].as_array().into_iter().flatten() {
            collect(doc, s, hops + 1, props);
        }
    }
    if let Some(p) = schema["properties"].as_object() {
        props.extend(p.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_knows_the_posting_bodies_nested_fields() {
        let t = super::table();
        let init = &t.bodies["/v2/post/publish/video/init/"];
        assert!(init[""].contains(&"post_info".to_string()), "{init:?}");
        assert!(
            init["post_info"].contains(&"privacy_level".to_string()),
            "{init:?}"
        );
        assert!(t.routes.iter().any(|r| r == "/v2/research/video/query/"));
    }
}
