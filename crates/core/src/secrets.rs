//! Hashing and comparison of credentials. Tokens and codes are stored as SHA-256 (they carry
//! ≥ 256 bits of entropy, so a fast hash is right); passwords with argon2. Every comparison of a
//! secret is constant-time.
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Lower-case hex SHA-256 of `s`: the stored form of tokens, codes and client secrets.
pub fn sha256_hex(s: &str) -> String {
    // Every authenticated request hashes its token: encode into a buffer of the final size
    // (hex::encode collects char by char).
    let mut out = [0u8; 64];
    hex::encode_to_slice(Sha256::digest(s.as_bytes()), &mut out).expect("64 bytes for 32");
    String::from_utf8_lossy(&out).into_owned()
}

/// Constant-time equality of two byte strings.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Checks `presented` against a stored SHA-256 hex hash in constant time.
pub fn verify_sha256(presented: &str, stored_hex: &str) -> bool {
    ct_eq(sha256_hex(presented).as_bytes(), stored_hex.as_bytes())
}

/// Argon2id hash of a password in PHC string form.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt: [u8; 16] = rand::random();
    argon2::Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Verifies a password against its PHC hash (argon2 compares in constant time).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// HMAC-SHA256 of `msg` under `key`, lower-case hex.
pub fn hmac_sha256_hex(key: &[u8], msg: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg);
    hex::encode(mac.finalize().into_bytes())
}

/// An app's client secret is derived from the server's master key, the client key and a
/// generation counter (bumped on rotation). The database keeps only its SHA-256, yet the server
/// can still sign webhooks with it and show it again to the app's owner.
pub fn derive_client_secret(master_key: &[u8], client_key: &str, generation: i64) -> String {
    let mac = hmac_sha256_hex(
        master_key,
        format!("client_secret/{client_key}/{generation}").as_bytes(),
    );
    mac[..32].to_string()
}

/// A client secret fixed by a seed file cannot be derived, so it is kept sealed: XORed with a
/// keystream of HMAC(master key, client key, block), hex-encoded. Only a holder of the master
/// key can open it (to sign webhooks); the database still compares presented secrets with the
/// SHA-256 it keeps beside.
pub fn seal_secret(master_key: &[u8], client_key: &str, secret: &str) -> String {
    hex::encode(xor_stream(master_key, client_key, secret.as_bytes()))
}

/// The secret [`seal_secret`] sealed; `None` when `sealed` is not one of its outputs.
pub fn open_secret(master_key: &[u8], client_key: &str, sealed: &str) -> Option<String> {
    let bytes = hex::decode(sealed).ok()?;
    String::from_utf8(xor_stream(master_key, client_key, &bytes)).ok()
}

fn xor_stream(master_key: &[u8], client_key: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (block, chunk) in data.chunks(32).enumerate() {
        let mut mac =
            HmacSha256::new_from_slice(master_key).expect("HMAC takes keys of any length");
        mac.update(format!("fixed_secret/{client_key}/{block}").as_bytes());
        let pad = mac.finalize().into_bytes();
        out.extend(chunk.iter().zip(pad.iter()).map(|(a, b)| a ^ b));
    }
    out
}

/// The `TikTok-Signature` header value for a webhook body sent at `t` (unix seconds).
pub fn webhook_signature(client_secret: &str, t: i64, body: &[u8]) -> String {
    let mut msg = format!("{t}.").into_bytes();
    msg.extend_from_slice(body);
    format!(
        "t={t},s={}",
        hmac_sha256_hex(client_secret.as_bytes(), &msg)
    )
}

/// Parses `t=<secs>,s=<hex>`; tolerant of spaces and field order, strict about content.
pub fn parse_signature_header(value: &str) -> Option<(i64, String)> {
    let mut t = None;
    let mut s = None;
    for part in value.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k.trim() {
            "t" => t = Some(v.trim().parse::<i64>().ok()?),
            "s" => {
                let v = v.trim();
                if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                s = Some(v.to_ascii_lowercase());
            }
            _ => {}
        }
    }
    Some((t?, s?))
}

/// What a webhook receiver does: recompute and compare in constant time.
pub fn verify_webhook_signature(client_secret: &str, header: &str, body: &[u8]) -> bool {
    match parse_signature_header(header) {
        Some((t, s)) => {
            let expected = webhook_signature(client_secret, t, body);
            let expected_s = &expected[expected.len() - 64..];
            ct_eq(expected_s.as_bytes(), s.as_bytes())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("hunter2!").unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify_password("hunter2!", &h));
        assert!(!verify_password("hunter3!", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn sha256_hex_is_the_lowercase_digest() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn token_hash_compare() {
        let h = sha256_hex("act.abc");
        assert!(verify_sha256("act.abc", &h));
        assert!(!verify_sha256("act.abd", &h));
    }

    #[test]
    fn webhook_signature_round_trip() {
        let sig = webhook_signature("secret", 1633174587, b"{\"a\":1}");
        assert!(sig.starts_with("t=1633174587,s="));
        assert!(verify_webhook_signature("secret", &sig, b"{\"a\":1}"));
        assert!(!verify_webhook_signature("secret", &sig, b"{\"a\":2}"));
        assert!(!verify_webhook_signature("other", &sig, b"{\"a\":1}"));
        assert!(parse_signature_header("garbage").is_none());
        assert!(parse_signature_header("t=1,s=zz").is_none());
    }

    #[test]
    fn derived_secrets_are_stable_and_rotate() {
        let sealed = seal_secret(b"k", "aw1", "a fixed secret that is longer than one block");
        assert!(!sealed.contains("fixed"));
        assert_eq!(
            open_secret(b"k", "aw1", &sealed).as_deref(),
            Some("a fixed secret that is longer than one block")
        );
        assert_ne!(
            open_secret(b"k2", "aw1", &sealed).as_deref(),
            Some("a fixed secret that is longer than one block")
        );
        let a = derive_client_secret(b"k", "aw1", 0);
        assert_eq!(a, derive_client_secret(b"k", "aw1", 0));
        assert_ne!(a, derive_client_secret(b"k", "aw1", 1));
        assert_ne!(a, derive_client_secret(b"k2", "aw1", 0));
        assert_eq!(a.len(), 32);
    }
}
