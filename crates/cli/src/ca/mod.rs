//! `reelbox ca`: where the interception CA is, and how each common HTTP stack is told to trust
//! it and to use the proxy, printed as lines for a shell to evaluate.
mod truststore;

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use reelbox_server::{Config, Overrides};
use rustls_pki_types::pem::PemObject;

/// Java's trust store, written beside the CA certificate.
const TRUSTSTORE: &str = "ca-truststore.p12";

#[derive(Args)]
pub struct CaArgs {
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Print environment settings for this shell instead of the path.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "sh")]
    env: Option<Shell>,
    /// The proxy URL to print (default: http:// and the configured listen address).
    #[arg(long)]
    proxy: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Shell {
    Sh,
    Fish,
    Powershell,
}

/// The file Node loads with `--require` to send the built-in fetch through the proxy on Node
/// versions that ignore `HTTPS_PROXY` (before 22.21/24): it installs undici's
/// `EnvHttpProxyAgent` from the application's own `node_modules`, and does nothing without it.
const NODE_PRELOAD: &str = r#"// Written by `reelbox ca --env`: routes Node's built-in fetch through HTTPS_PROXY.
try {
  const { setGlobalDispatcher, EnvHttpProxyAgent } = require(
    require.resolve("undici", { paths: [process.cwd(), __dirname] }),
  );
  setGlobalDispatcher(new EnvHttpProxyAgent());
} catch (e) {
  if (process.env.HTTPS_PROXY) {
    console.error("reelbox: `npm install undici@6` so that fetch uses HTTPS_PROXY (" + e.message + ")");
  }
}
"#;

pub fn run(a: CaArgs) -> anyhow::Result<()> {
    let flags = Overrides {
        data_dir: a.data_dir,
        ..Default::default()
    };
    let cfg = Config::load(a.config.as_deref(), &flags).map_err(anyhow::Error::msg)?;
    let cert = cfg.intercept.ca_cert_path(&cfg.data_dir);
    let key = cfg.intercept.ca_key_path(&cfg.data_dir);
    if !cfg.data_dir.exists() {
        // As `serve` makes it: the data directory holds secrets (the CA key among them).
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&cfg.data_dir)?;
    }
    // Created here when missing, so that clients can be set up before the first start.
    reelbox_server::http::intercept::ca::Authority::load_or_create(&cert, &key)?;
    let cert = std::path::absolute(&cert)?;
    let Some(shell) = a.env else {
        println!("{}", cert.display());
        return Ok(());
    };
    let proxy = a.proxy.unwrap_or_else(|| {
        let mut listen = cfg.listen;
        if listen.ip().is_unspecified() {
            listen.set_ip([127, 0, 0, 1].into());
        }
        format!("http://{listen}")
    });
    let dir = cert.parent().unwrap_or(Path::new("."));
    let preload = dir.join("reelbox-node-proxy.cjs");
    std::fs::write(&preload, NODE_PRELOAD)?;
    let pem = std::fs::read(&cert)?;
    let der = rustls_pki_types::CertificateDer::from_pem_slice(&pem)
        .map_err(|e| anyhow::anyhow!("{}: {e}", cert.display()))?;
    let store = truststore::build(&der, "reelbox", rand::random())?;
    std::fs::write(cert.with_file_name(TRUSTSTORE), store)?;
    print!("{}", env_lines(shell, &cert, &preload, &proxy));
    Ok(())
}

/// One setting: its variable, its value and why it is there.
struct Setting {
    name: &'static str,
    value: String,
    why: &'static str,
}

fn settings(cert: &Path, preload: &Path, proxy: &str) -> Vec<Setting> {
    let c = cert.display().to_string();
    let s = |name, value: &str, why| Setting {
        name,
        value: value.to_string(),
        why,
    };
    vec![
        s(
            "HTTPS_PROXY",
            proxy,
            "Python requests/httpx, curl, Go, Rust reqwest, Node with the lines below",
        ),
        s(
            "NO_PROXY",
            "localhost,127.0.0.1",
            "reelbox's own URLs go direct",
        ),
        s("REQUESTS_CA_BUNDLE", &c, "Python requests"),
        s(
            "SSL_CERT_FILE",
            &c,
            "Python httpx and ssl, Go, OpenSSL, Rust reqwest (native-tls, or rustls with native or platform roots; a webpki-roots build needs add_root_certificate in code)",
        ),
        s("CURL_CA_BUNDLE", &c, "curl"),
        s(
            "NODE_EXTRA_CA_CERTS",
            &c,
            "Node (https, fetch, axios, undici)",
        ),
        s(
            "NODE_USE_ENV_PROXY",
            "1",
            "Node >= 22.21 and 24: built-in fetch and https use HTTPS_PROXY",
        ),
        s(
            "NODE_OPTIONS",
            &format!("--require {}", preload.display()),
            "Node 20 and older 22: built-in fetch through the proxy (needs `npm install undici@6` in the app)",
        ),
        s(
            "JAVA_TOOL_OPTIONS",
            &format!(
                "-Djavax.net.ssl.trustStore={} -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword={} -Dhttps.proxyHost={} -Dhttps.proxyPort={} -Dhttp.nonProxyHosts=localhost|127.0.0.1",
                cert.with_file_name(TRUSTSTORE).display(),
                truststore::PASSWORD,
                proxy_host(proxy).0,
                proxy_host(proxy).1,
            ),
            "Java: a PKCS#12 trust store holding the CA (written beside ca.pem), and the proxy",
        ),
    ]
}

/// Host and port of the proxy URL, for Java's properties.
fn proxy_host(proxy: &str) -> (String, u16) {
    url::Url::parse(proxy)
        .ok()
        .and_then(|u| Some((u.host_str()?.to_string(), u.port_or_known_default()?)))
        .unwrap_or_else(|| ("127.0.0.1".into(), 8080))
}

fn env_lines(shell: Shell, cert: &Path, preload: &Path, proxy: &str) -> String {
    let mut out = format!(
        "# reelbox interception: proxy {proxy}, CA {}\n",
        cert.display()
    );
    for s in settings(cert, preload, proxy) {
        let v = s.value.replace('\'', "'\\''");
        let line = match shell {
            Shell::Sh => format!("export {}='{v}'", s.name),
            Shell::Fish => format!("set -gx {} '{}'", s.name, s.value.replace('\'', "\\'")),
            Shell::Powershell => format!("$env:{} = '{}'", s.name, s.value.replace('\'', "''")),
        };
        out.push_str(&format!("{line}  # {}\n", s.why));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shell_gets_one_line_per_setting_with_its_value_quoted() {
        let cert = Path::new("/d/ca.pem");
        let pre = Path::new("/d/p.cjs");
        let sh = env_lines(Shell::Sh, cert, pre, "http://127.0.0.1:8080");
        assert!(sh.contains("export REQUESTS_CA_BUNDLE='/d/ca.pem'"));
        assert!(sh.contains("export HTTPS_PROXY='http://127.0.0.1:8080'"));
        assert!(sh.contains("-Dhttps.proxyPort=8080"));
        let fish = env_lines(Shell::Fish, cert, pre, "http://127.0.0.1:8080");
        assert!(fish.contains("set -gx NODE_EXTRA_CA_CERTS '/d/ca.pem'"));
        let ps = env_lines(Shell::Powershell, cert, pre, "http://127.0.0.1:8080");
        assert!(ps.contains("$env:SSL_CERT_FILE = '/d/ca.pem'"));
    }
}
