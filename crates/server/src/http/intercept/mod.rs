//! Answering for TikTok's hosts so that an unchanged client runs against reelbox: the listen
//! port also acts as an HTTP proxy; `CONNECT` to an intercepted host is answered 200 and the
//! tunnel is spoken to as that host with a leaf certificate of the local CA, and the requests
//! inside go through reelbox's router marked with the host the client believed it called
//! (`InterceptedHost`, kept in the call log). `rules` decides from the request line; this module
//! only moves bytes.
pub mod ca;
pub mod rules;

use std::sync::Arc;

use crate::config::Config;

/// Marks a request that came through interception with the host its client addressed.
#[derive(Debug, Clone)]
pub struct InterceptedHost(pub Arc<str>);

/// What the listener needs to intercept: the rules, and TLS as the intercepted hosts.
pub struct Interceptor {
    pub hosts: rules::Hosts,
    /// Whether the listen port acts as a proxy (off: only the TLS listener uses the CA).
    pub proxy: bool,
    pub tls: tokio_rustls::TlsAcceptor,
}

impl Interceptor {
    /// The interceptor `cfg` asks for (None when neither the proxy nor the TLS listener is on);
    /// creates the CA on first use. `own` are reelbox's own authorities (`host:port`).
    pub fn from_config(cfg: &Config, own: Vec<String>) -> anyhow::Result<Option<Arc<Interceptor>>> {
        let ic = &cfg.intercept;
        if !ic.in_use() {
            return Ok(None);
        }
        let authority = Arc::new(ca::Authority::load_or_create(
            &ic.ca_cert_path(&cfg.data_dir),
            &ic.ca_key_path(&cfg.data_dir),
        )?);
        let hosts = rules::Hosts::new(&ic.hosts, ic.passthrough, own);
        let tls = authority.server_config(hosts.clone())?;
        Ok(Some(Arc::new(Interceptor {
            hosts,
            proxy: ic.enabled,
            tls: tokio_rustls::TlsAcceptor::from(tls),
        })))
    }
}
