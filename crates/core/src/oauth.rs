//! OAuth checks: PKCE (TikTok's hex quirk and RFC 7636's base64url), redirect URI registration
//! rules and matching.
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::secrets::ct_eq;

/// Is `verifier` a well-formed PKCE code verifier (43–128 unreserved characters)?
pub fn verifier_is_well_formed(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// How a PKCE verifier matched its challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkceMatch {
    /// The hex SHA-256 of the verifier: TikTok's rule.
    Hex,
    /// Its unpadded base64url (RFC 7636 S256): what generic OAuth libraries send, a leniency.
    Base64Url,
    No,
}

/// Matches the stored challenge against the hex SHA-256 of the verifier (TikTok's rule) and its
/// unpadded base64url (RFC 7636 S256).
pub fn pkce_match(challenge: &str, verifier: &str) -> PkceMatch {
    let digest = Sha256::digest(verifier.as_bytes());
    let hex = hex::encode(digest);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    if ct_eq(challenge.to_ascii_lowercase().as_bytes(), hex.as_bytes()) {
        PkceMatch::Hex
    } else if ct_eq(challenge.as_bytes(), b64.as_bytes()) {
        PkceMatch::Base64Url
    } else {
        PkceMatch::No
    }
}

/// Whether the verifier matches in either form.
pub fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    pkce_match(challenge, verifier) != PkceMatch::No
}

/// Why a redirect URI cannot be registered.
pub fn validate_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.len() >= 512 {
        return Err("redirect URI must be shorter than 512 characters".into());
    }
    if uri.contains('#') {
        return Err("redirect URI must not contain a fragment".into());
    }
    // A wildcard port is legal only for loopback desktop URIs; url cannot parse it, so swap it out.
    let parsable = uri.replace(":*/", ":1/");
    let parsed =
        url::Url::parse(&parsable).map_err(|e| format!("redirect URI is not absolute: {e}"))?;
    if parsed.query().is_some() {
        return Err("redirect URI must be static (no query parameters)".into());
    }
    let host = parsed.host_str().unwrap_or("");
    let loopback = host == "localhost" || host == "127.0.0.1";
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err("redirect URI must use https (http only for localhost/127.0.0.1)".into());
        }
        other => return Err(format!("redirect URI scheme {other} is not allowed")),
    }
    if loopback && parsed.port().is_none() && !uri.contains(":*/") {
        return Err("a loopback (desktop) redirect URI must name a port".into());
    }
    if uri.contains(":*/") && !loopback {
        return Err("a wildcard port is allowed only for localhost/127.0.0.1".into());
    }
    Ok(())
}

/// Does the redirect URI of a request match one registered? Exact string match, except that a
/// registered loopback URI with port `*` matches any port.
pub fn redirect_uri_matches(registered: &[String], requested: &str) -> bool {
    registered.iter().any(|r| {
        if r == requested {
            return true;
        }
        if let Some((before, after)) = r.split_once(":*/")
            && let Some(rest) = requested
                .strip_prefix(before)
                .and_then(|x| x.strip_prefix(':'))
            && let Some((port, path)) = rest.split_once('/')
        {
            return port_is_canonical(port) && path == after && url::Url::parse(requested).is_ok();
        }
        false
    })
}

/// A TCP port as a URL names it: 1..=65535 in decimal, no sign, no leading zero. Anything else
/// would not parse as a URL later (a port over 65535), or would name the same port two ways.
fn port_is_canonical(port: &str) -> bool {
    !port.starts_with('0')
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u16>().is_ok_and(|p| p > 0)
}

/// How long a rotated refresh token keeps working (each compatibility profile says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The previous token works until its successor is first used (lost answers can be retried).
    Grace,
    /// The previous token stops working as soon as a new one is issued.
    Strict,
}

/// What is known of a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshState {
    /// Revoked: by a revoke, a replay, or because a newer token of its family took over.
    pub revoked: bool,
    /// Already exchanged once for a successor.
    pub used: bool,
    /// A successor of it has itself been used.
    pub successor_used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshDecision {
    Accept,
    /// A superseded token came back: it was stolen or leaked, so every token of its family goes
    /// (RFC 9700 §4.14).
    RevokeFamily,
}

/// Whether a refresh token may be exchanged under `rotation`.
pub fn refresh_decision(rotation: Rotation, t: RefreshState) -> RefreshDecision {
    let superseded = match rotation {
        Rotation::Grace => t.successor_used,
        Rotation::Strict => t.used,
    };
    if t.revoked || superseded {
        RefreshDecision::RevokeFamily
    } else {
        RefreshDecision::Accept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn pkce_accepts_hex_and_base64url() {
        // RFC 7636 appendix B.
        assert!(pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            VERIFIER
        ));
        let hex = hex::encode(Sha256::digest(VERIFIER.as_bytes()));
        assert!(pkce_matches(&hex, VERIFIER));
        assert!(pkce_matches(&hex.to_uppercase(), VERIFIER));
        assert!(!pkce_matches(
            &hex,
            "another-verifier-another-verifier-another-verifier"
        ));
        assert!(verifier_is_well_formed(VERIFIER));
        assert!(!verifier_is_well_formed("short"));
    }

    #[test]
    fn redirect_rules() {
        assert!(validate_redirect_uri("https://app.example.com/cb/").is_ok());
        assert!(validate_redirect_uri("http://app.example.com/cb/").is_err());
        assert!(validate_redirect_uri("https://app.example.com/cb/?x=1").is_err());
        assert!(validate_redirect_uri("https://app.example.com/cb/#f").is_err());
        assert!(validate_redirect_uri("http://127.0.0.1:*/callback/").is_ok());
        assert!(validate_redirect_uri("http://127.0.0.1/callback/").is_err());
        assert!(validate_redirect_uri("https://example.com:*/cb/").is_err());
        assert!(validate_redirect_uri("relative/path").is_err());
    }

    #[test]
    fn redirect_matching() {
        let reg = vec![
            "https://a.example/cb/".to_string(),
            "http://127.0.0.1:*/callback/".to_string(),
        ];
        assert!(redirect_uri_matches(&reg, "https://a.example/cb/"));
        assert!(!redirect_uri_matches(&reg, "https://a.example/cb"));
        assert!(!redirect_uri_matches(&reg, "https://a.example/cb/?x"));
        assert!(redirect_uri_matches(
            &reg,
            "http://127.0.0.1:53412/callback/"
        ));
        assert!(!redirect_uri_matches(&reg, "http://127.0.0.1:53412/other/"));
        assert!(!redirect_uri_matches(&reg, "http://127.0.0.1:/callback/"));
        for port in ["99999", "65536", "0", "080", "+80", "18446744073709551697"] {
            let uri = format!("http://127.0.0.1:{port}/callback/");
            assert!(!redirect_uri_matches(&reg, &uri), "{uri}");
        }
        assert!(redirect_uri_matches(
            &reg,
            "http://127.0.0.1:65535/callback/"
        ));
        assert!(!redirect_uri_matches(
            &reg,
            "http://127.0.0.1:1@evil/callback/"
        ));
    }

    #[test]
    fn refresh_rotation_rules() {
        use RefreshDecision::*;
        let st = |revoked, used, successor_used| RefreshState {
            revoked,
            used,
            successor_used,
        };
        for r in [Rotation::Grace, Rotation::Strict] {
            assert_eq!(refresh_decision(r, st(false, false, false)), Accept);
            assert_eq!(refresh_decision(r, st(true, false, false)), RevokeFamily);
            assert_eq!(refresh_decision(r, st(false, true, true)), RevokeFamily);
        }
        // Used once, successor not yet used: a retry under grace, a replay under strict.
        assert_eq!(
            refresh_decision(Rotation::Grace, st(false, true, false)),
            Accept
        );
        assert_eq!(
            refresh_decision(Rotation::Strict, st(false, true, false)),
            RevokeFamily
        );
    }
}
