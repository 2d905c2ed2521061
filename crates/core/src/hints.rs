//! Near misses: the route or field a request probably meant, for the `X-Reelbox-Hint` header and
//! the live inspector. TikTok answers such a request with its usual body; the hint never changes
//! it. Pure: the candidates (routes, a body's known fields) come from the caller.
use std::collections::HashMap;

/// Below this Jaro-Winkler similarity nothing is offered: a guess far off helps no one.
/// Chosen so that one typo in a path or a field cut short (`privacy` → `privacy_level`) passes.
pub const MIN_SIMILARITY: f64 = 0.85;

/// The candidate closest to `word`, when it is close enough (ties: the first).
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let s = strsim::jaro_winkler(word, c);
        if s >= MIN_SIMILARITY && best.is_none_or(|(_, b)| s > b) {
            best = Some((c, s));
        }
    }
    best.map(|(c, _)| c)
}

/// "did you mean `/v2/post/publish/video/init/`?" for a path no route serves. Compared with a
/// trailing slash, as routing does; templated routes (`{id}`) are left out.
pub fn route_hint<'a>(path: &str, routes: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let path = if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    let candidates = routes.into_iter().filter(|r| !r.contains('{'));
    nearest(&path, candidates)
        .filter(|r| *r != path)
        .map(|r| format!("did you mean `{r}`?"))
}

/// The fields a request body knows, by the dotted path of the object holding them (`""` for the
/// top level, `post_info` for its `post_info` object).
pub type KnownFields = HashMap<String, Vec<String>>;

/// "unknown field `privacy`: did you mean `privacy_level`?" for each key of `body` its endpoint
/// does not know (a nested key is named by its path: `post_info.privacy`); empty when every key
/// is known). At most `max` hints.
pub fn field_hints(body: &serde_json::Value, known: &KnownFields, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    walk(body, "", known, max, &mut out);
    out
}

fn walk(v: &serde_json::Value, at: &str, known: &KnownFields, max: usize, out: &mut Vec<String>) {
    let (Some(obj), Some(names)) = (v.as_object(), known.get(at)) else {
        return;
    };
    for (k, child) in obj {
        if out.len() >= max {
            return;
        }
        let path = if at.is_empty() {
            k.clone()
        } else {
            format!("{at}.{k}")
        };
        if names.iter().any(|n| n == k) {
            walk(child, &path, known, max, out);
            continue;
        }
        let shown = if at.is_empty() { k.clone() } else { path };
        out.push(match nearest(k, names.iter().map(String::as_str)) {
            Some(m) => format!("unknown field `{shown}`: did you mean `{m}`?"),
            None => format!("unknown field `{shown}` (ignored)"),
        });
    }
}

/// What the hints compare against, built once from the API's own description: every routed path
/// and, per path, the fields its JSON body knows.
#[derive(Debug, Default, Clone)]
pub struct Hints {
    pub routes: Vec<String>,
    pub bodies: HashMap<String, KnownFields>,
}

impl Hints {
    /// The near miss of a path no route serves.
    pub fn route(&self, path: &str) -> Option<String> {
        route_hint(path, self.routes.iter().map(String::as_str))
    }

    /// Whether `path` takes a JSON body whose fields are known (so one worth reading for hints).
    pub fn knows_body(&self, path: &str) -> bool {
        self.bodies.contains_key(path)
    }

    /// The unknown fields of a body sent to `path` (at most three), joined for one header.
    pub fn body(&self, path: &str, body: &serde_json::Value) -> Option<String> {
        let hints = field_hints(body, self.bodies.get(path)?, 3);
        (!hints.is_empty()).then(|| hints.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROUTES: &[&str] = &[
        "/v2/post/publish/video/init/",
        "/v2/post/publish/inbox/video/init/",
        "/v2/post/publish/status/fetch/",
        "/v2/research/video/query/",
        "/_reelbox/apps/{client_key}",
    ];

    #[test]
    fn a_mistyped_route_is_pointed_to_the_nearest_one() {
        assert_eq!(
            route_hint("/v2/post/publish/video/int/", ROUTES.iter().copied()).as_deref(),
            Some("did you mean `/v2/post/publish/video/init/`?")
        );
        assert_eq!(
            route_hint("/v2/post/publish/status/fetch", ROUTES.iter().copied()),
            None,
            "the route itself is no near miss"
        );
        assert_eq!(
            route_hint("/v2/nothing/like/it/", ROUTES.iter().copied()),
            None
        );
    }

    #[test]
    fn unknown_fields_are_named_with_their_nearest_known_field() {
        let known: KnownFields = [
            (
                "".to_string(),
                vec!["post_info".into(), "source_info".into()],
            ),
            (
                "post_info".to_string(),
                vec!["privacy_level".into(), "title".into()],
            ),
        ]
        .into_iter()
        .collect();
        let body = json!({"post_info": {"privacy": "SELF_ONLY", "title": "x"}, "source_info": {}, "zzz": 1});
        assert_eq!(
            field_hints(&body, &known, 5),
            vec![
                "unknown field `post_info.privacy`: did you mean `privacy_level`?".to_string(),
                "unknown field `zzz` (ignored)".to_string(),
            ]
        );
        assert!(field_hints(&json!({"post_info": {}}), &known, 5).is_empty());
        assert_eq!(field_hints(&body, &known, 1).len(), 1);
    }
}
