//! A PKCS#12 trust store holding one certificate, for Java (`-Djavax.net.ssl.trustStore`):
//! an unencrypted certificate bag with Java's "trusted for any purpose" attribute (what
//! `keytool -importcert` writes), under an HMAC-SHA256 integrity MAC (RFC 7292).
use hmac::Mac;
use sha2::Digest;
use yasna::models::ObjectIdentifier;

/// The password Java's documentation and `keytool` default to; the store holds no secret.
pub const PASSWORD: &str = "changeit";
const MAC_ITERATIONS: u64 = 10_000;

fn oid(parts: &[u64]) -> ObjectIdentifier {
    ObjectIdentifier::from_slice(parts)
}

/// The store's bytes: `cert_der` under `alias`; `salt` randomises the MAC.
pub fn build(cert_der: &[u8], alias: &str, salt: [u8; 16]) -> anyhow::Result<Vec<u8>> {
    let data = oid(&[1, 2, 840, 113549, 1, 7, 1]);
    let safe_contents = yasna::construct_der(|w| {
        w.write_sequence_of(|w| {
            w.next().write_sequence(|w| {
                // certBag
                w.next()
                    .write_oid(&oid(&[1, 2, 840, 113549, 1, 12, 10, 1, 3]));
                w.next().write_tagged(yasna::Tag::context(0), |w| {
                    w.write_sequence(|w| {
                        // x509Certificate
                        w.next().write_oid(&oid(&[1, 2, 840, 113549, 1, 9, 22, 1]));
                        w.next()
                            .write_tagged(yasna::Tag::context(0), |w| w.write_bytes(cert_der));
                    })
                });
                w.next().write_set_of(|w| {
                    w.next().write_sequence(|w| {
                        // friendlyName
                        w.next().write_oid(&oid(&[1, 2, 840, 113549, 1, 9, 20]));
                        w.next().write_set_of(|w| w.next().write_bmp_string(alias));
                    });
                    w.next().write_sequence(|w| {
                        // Oracle's trusted key usage: anyExtendedKeyUsage.
                        w.next()
                            .write_oid(&oid(&[2, 16, 840, 1, 113894, 746875, 1, 1]));
                        w.next()
                            .write_set_of(|w| w.next().write_oid(&oid(&[2, 5, 29, 37, 0])));
                    });
                });
            });
        })
    });
    let auth_safe = yasna::construct_der(|w| {
        w.write_sequence_of(|w| {
            w.next().write_sequence(|w| {
                w.next().write_oid(&data);
                w.next()
                    .write_tagged(yasna::Tag::context(0), |w| w.write_bytes(&safe_contents));
            });
        })
    });
    let key = pkcs12_mac_key(PASSWORD, &salt, MAC_ITERATIONS);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key)?;
    mac.update(&auth_safe);
    let digest = mac.finalize().into_bytes();
    Ok(yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_u8(3);
            w.next().write_sequence(|w| {
                w.next().write_oid(&data);
                w.next()
                    .write_tagged(yasna::Tag::context(0), |w| w.write_bytes(&auth_safe));
            });
            w.next().write_sequence(|w| {
                w.next().write_sequence(|w| {
                    w.next().write_sequence(|w| {
                        w.next().write_oid(&oid(&[2, 16, 840, 1, 101, 3, 4, 2, 1]));
                        w.next().write_null();
                    });
                    w.next().write_bytes(&digest);
                });
                w.next().write_bytes(&salt);
                w.next().write_u64(MAC_ITERATIONS);
            });
        })
    }))
}

/// RFC 7292 appendix B.2 with SHA-256, purpose 3 (MAC key), one block (32 bytes).
fn pkcs12_mac_key(password: &str, salt: &[u8], iterations: u64) -> Vec<u8> {
    const V: usize = 64;
    let mut pass: Vec<u8> = password
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect();
    pass.extend_from_slice(&[0, 0]);
    let stretch = |s: &[u8]| -> Vec<u8> {
        let n = s.len().div_ceil(V) * V;
        s.iter().copied().cycle().take(n).collect()
    };
    let mut input = vec![3u8; V];
    input.extend(stretch(salt));
    input.extend(stretch(&pass));
    let mut a = sha2::Sha256::digest(&input).to_vec();
    for _ in 1..iterations {
        a = sha2::Sha256::digest(&a).to_vec();
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keytool_reads_the_store_as_one_trusted_certificate() {
        let Ok(keytool) = which("keytool") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let (c, k) = (dir.path().join("ca.pem"), dir.path().join("ca-key.pem"));
        reelbox_server::http::intercept::ca::Authority::load_or_create(&c, &k).unwrap();
        let pem = std::fs::read_to_string(&c).unwrap();
        let der = pem_body(&pem);
        let store = dir.path().join("t.p12");
        std::fs::write(&store, build(&der, "reelbox", [7; 16]).unwrap()).unwrap();
        let out = std::process::Command::new(keytool)
            .args([
                "-list",
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD,
                "-keystore",
            ])
            .arg(&store)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("reelbox") && text.contains("trustedCertEntry"),
            "{text}"
        );
    }

    fn which(name: &str) -> Result<std::path::PathBuf, ()> {
        std::env::var_os("PATH")
            .and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(name))
                    .find(|f| f.exists())
            })
            .ok_or(())
    }

    fn pem_body(pem: &str) -> Vec<u8> {
        use base64::Engine;
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    }
}
