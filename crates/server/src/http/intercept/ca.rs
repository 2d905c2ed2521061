//! The local certificate authority: created on first start (certificate readable by all, key
//! 0600), or loaded from the paths the configuration gives so that several nodes present one
//! CA. Leaf certificates are issued per intercepted name on first use and kept in memory; a name
//! that is not intercepted gets none, so its handshake fails.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// How long a leaf certificate is valid. Short enough for every client's rules (Apple's limit is
/// 398 days), long enough to outlive a test run; a leaf older than `REISSUE_AFTER` is replaced.
const LEAF_VALIDITY_DAYS: i64 = 90;
const REISSUE_AFTER: Duration = Duration::from_secs(30 * 86_400);
/// The CA is made once per data directory and then trusted by hand: ten years.
const CA_VALIDITY_DAYS: i64 = 3_650;

pub struct Authority {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    ca_der: CertificateDer<'static>,
    pub cert_path: PathBuf,
    provider: Arc<CryptoProvider>,
    /// One entry per intercepted name at most (the resolver asks for no other), so the cache is
    /// bounded by the configuration, not by clients.
    leaves: Mutex<HashMap<String, (Instant, Arc<CertifiedKey>)>>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// Loads the CA at `cert_path`/`key_path`, creating both when neither exists.
    pub fn load_or_create(cert_path: &Path, key_path: &Path) -> anyhow::Result<Authority> {
        match (cert_path.exists(), key_path.exists()) {
            (false, false) => create(cert_path, key_path)?,
            (true, true) => {}
            (true, false) => anyhow::bail!(
                "{} exists but its key {} does not (give both, or remove the certificate)",
                cert_path.display(),
                key_path.display()
            ),
            (false, true) => anyhow::bail!(
                "{} exists but its certificate {} does not (give both, or remove the key)",
                key_path.display(),
                cert_path.display()
            ),
        }
        let cert_pem = std::fs::read_to_string(cert_path)
            .with_context(|| format!("reading {}", cert_path.display()))?;
        let key_pem = std::fs::read_to_string(key_path)
            .with_context(|| format!("reading {}", key_path.display()))?;
        let key = rcgen::KeyPair::from_pem(&key_pem)
            .with_context(|| format!("{}: not a PEM private key", key_path.display()))?;
        let ca_der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .map_err(|e| anyhow::anyhow!("{}: not a PEM certificate: {e}", cert_path.display()))?;
        let issuer = rcgen::Issuer::from_ca_cert_der(&ca_der, key)
            .with_context(|| format!("{}: not a usable CA certificate", cert_path.display()))?;
        Ok(Authority {
            issuer,
            ca_der,
            cert_path: cert_path.to_path_buf(),
            provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
            leaves: Mutex::default(),
        })
    }

    /// The certificate and key to present as `host` (the caller checks that it is intercepted).
    pub fn leaf(&self, host: &str) -> anyhow::Result<Arc<CertifiedKey>> {
        let mut leaves = self.leaves.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((issued, key)) = leaves.get(host)
            && issued.elapsed() < REISSUE_AFTER
        {
            return Ok(key.clone());
        }
        let key = Arc::new(self.issue(host)?);
        leaves.insert(host.to_string(), (Instant::now(), key.clone()));
        Ok(key)
    }

    fn issue(&self, host: &str) -> anyhow::Result<CertifiedKey> {
        let mut params = rcgen::CertificateParams::new(vec![host.to_string()])?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, host);
        let now = time::OffsetDateTime::now_utc();
        // A day's slack for clients whose clock is behind.
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(LEAF_VALIDITY_DAYS);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        // Python 3.13's strict verification requires the authority key identifier.
        params.use_authority_key_identifier_extension = true;
        let key = rcgen::KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signer = self
            .provider
            .key_provider
            .load_private_key(der)
            .map_err(|e| anyhow::anyhow!("leaf key: {e}"))?;
        Ok(CertifiedKey::new(
            vec![cert.der().clone(), self.ca_der.clone()],
            signer,
        ))
    }

    /// A rustls server configuration presenting leaves for the names `hosts` intercepts, with
    /// HTTP/2 and HTTP/1.1 offered by ALPN.
    pub fn server_config(
        self: &Arc<Self>,
        hosts: super::rules::Hosts,
    ) -> anyhow::Result<Arc<rustls::ServerConfig>> {
        let mut cfg = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Resolver {
                authority: self.clone(),
                hosts,
            }));
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(cfg))
    }
}

/// Writes a new CA: the key first and private from its creation (never briefly readable), then
/// the certificate.
fn create(cert_path: &Path, key_path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "reelbox local CA");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "reelbox");
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(CA_VALIDITY_DAYS);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key)?;
    for p in [cert_path, key_path] {
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(key_path)
        .with_context(|| format!("creating {}", key_path.display()))?;
    f.write_all(key.serialize_pem().as_bytes())?;
    f.sync_all()?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(cert_path)
        .with_context(|| format!("creating {}", cert_path.display()))?;
    f.write_all(cert.pem().as_bytes())?;
    f.sync_all()?;
    tracing::info!(path = %cert_path.display(), "created the local certificate authority");
    Ok(())
}

/// Picks the leaf by the client's SNI name; no name, or one not intercepted, gets nothing and
/// the handshake fails.
#[derive(Debug)]
struct Resolver {
    authority: Arc<Authority>,
    hosts: super::rules::Hosts,
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = self.hosts.intercepted(hello.server_name()?)?;
        match self.authority.leaf(name) {
            Ok(key) => Some(key),
            Err(e) => {
                tracing::warn!(error = %e, host = name, "issuing a leaf certificate failed");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_ca_is_loaded_again_with_a_private_key_and_issues_for_its_names() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (c, k) = (dir.path().join("ca.pem"), dir.path().join("ca-key.pem"));
        let first = Authority::load_or_create(&c, &k).unwrap();
        let pem = std::fs::read(&c).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&k), 0o600);
        assert_eq!(mode(&c), 0o644);
        let leaf = first.leaf("open.tiktokapis.com").unwrap();
        assert_eq!(leaf.cert.len(), 2, "leaf and CA");
        assert!(
            Arc::ptr_eq(&leaf, &first.leaf("open.tiktokapis.com").unwrap()),
            "cached"
        );
        drop(first);
        let again = Authority::load_or_create(&c, &k).unwrap();
        assert_eq!(
            std::fs::read(&c).unwrap(),
            pem,
            "the same CA after a restart"
        );
        assert_eq!(again.ca_der.as_ref(), leaf.cert[1].as_ref());
        std::fs::remove_file(&k).unwrap();
        assert!(
            Authority::load_or_create(&c, &k).is_err(),
            "a certificate without its key"
        );
    }
}
