//! Every request reelbox makes (PULL_FROM_URL downloads, webhook deliveries) goes through here:
//! https only unless allowed, no redirects, and no loopback/private/link-local address unless an
//! allowed range covers it, checked on the addresses the name actually resolves to. Proxies named
//! in the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`) are ignored: a proxy resolves
//! the target itself, out of the policy's sight. An operator can name one (`network.proxy`); the
//! target's addresses are then resolved and checked here before the request goes to the proxy.
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reelbox_core::net::{Cidr, OutboundPolicy};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

#[derive(Clone)]
pub struct Outbound {
    pub client: reqwest::Client,
    pub policy: Arc<OutboundPolicy>,
    pub allow_http: bool,
    /// Set when requests go through `network.proxy`: targets are resolved and checked first.
    proxied: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("URL not allowed: {0}")]
    Refused(String),
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
}

struct CheckedResolver {
    policy: Arc<OutboundPolicy>,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| policy.permits(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(
                    format!("{host} resolves only to addresses reelbox may not reach").into(),
                );
            }
            let it: Addrs = Box::new(allowed.into_iter());
            Ok(it)
        })
    }
}

impl Outbound {
    pub fn new(
        allow_http: bool,
        allow_private: &[String],
        proxy: Option<&str>,
        timeout: Duration,
    ) -> Result<Outbound, String> {
        let ranges = allow_private
            .iter()
            .map(|s| Cidr::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        let policy = Arc::new(OutboundPolicy { allowed: ranges });
        let builder = match proxy {
            None => reqwest::Client::builder().no_proxy(),
            Some(p) => reqwest::Client::builder()
                .proxy(reqwest::Proxy::all(p).map_err(|e| format!("network.proxy: {e}"))?),
        };
        let client = builder
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(CheckedResolver {
                policy: policy.clone(),
            }))
            .connect_timeout(Duration::from_secs(10))
            .timeout(timeout)
            .user_agent("reelbox")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Outbound {
            client,
            policy,
            allow_http,
            proxied: proxy.is_some(),
        })
    }

    /// Behind a proxy the resolver never sees the target: resolve it here and refuse it unless
    /// every address it has is one the policy permits.
    async fn check_target(&self, u: &url::Url) -> Result<(), OutboundError> {
        let Some(host) = u.host_str() else {
            return Err(OutboundError::Refused("URL has no host".into()));
        };
        let port = u.port_or_known_default().unwrap_or(443);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| OutboundError::Refused(format!("{host}: {e}")))?
            .collect();
        if addrs.is_empty() || addrs.iter().any(|a| !self.policy.permits(a.ip())) {
            return Err(OutboundError::Refused(format!(
                "{host} resolves to addresses reelbox may not reach"
            )));
        }
        Ok(())
    }

    /// Checks scheme and literal-IP hosts (a literal address never reaches the resolver).
    pub fn check_url(&self, url: &str) -> Result<url::Url, OutboundError> {
        let u = url::Url::parse(url).map_err(|e| OutboundError::Refused(format!("{url}: {e}")))?;
        match u.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            s => {
                return Err(OutboundError::Refused(format!(
                    "scheme {s} is not allowed (https only)"
                )));
            }
        }
        match u.host() {
            Some(url::Host::Ipv4(ip)) if !self.policy.permits(IpAddr::V4(ip)) => {
                return Err(OutboundError::Refused(format!(
                    "address {ip} is not reachable from reelbox"
                )));
            }
            Some(url::Host::Ipv6(ip)) if !self.policy.permits(IpAddr::V6(ip)) => {
                return Err(OutboundError::Refused(format!(
                    "address {ip} is not reachable from reelbox"
                )));
            }
            None => return Err(OutboundError::Refused("URL has no host".into())),
            _ => {}
        }
        Ok(u)
    }

    /// The whole policy for a request about to be sent: the URL's own checks, and behind a
    /// proxy the target's resolved addresses. Every request goes through this first.
    pub async fn check(&self, url: &str) -> Result<url::Url, OutboundError> {
        let u = self.check_url(url)?;
        if self.proxied {
            self.check_target(&u).await?;
        }
        Ok(u)
    }

    /// GET with the policy applied; any 3xx is an error (TikTok: the URL must not redirect).
    pub async fn get(&self, url: &str) -> Result<reqwest::Response, OutboundError> {
        let u = self.check(url).await?;
        let resp = self.client.get(u).send().await?;
        if resp.status().is_redirection() {
            return Err(OutboundError::Refused(format!(
                "{url} redirects ({}); redirects are not followed",
                resp.status()
            )));
        }
        Ok(resp)
    }
}
