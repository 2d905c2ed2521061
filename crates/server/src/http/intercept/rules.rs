//! What the proxy does with a request, decided from the request line alone: serve it as
//! reelbox, open a TLS interception, tunnel it, or refuse it. Pure, so every case is a unit test.
use http::{Method, Uri, Version};

/// TikTok's API host, its upload host and the host of the authorize page.
pub const DEFAULT_HOSTS: &[&str] = &["open.tiktokapis.com", UPLOAD_HOST, "www.tiktok.com"];

/// The host TikTok's upload URLs name.
pub const UPLOAD_HOST: &str = "open-upload.tiktokapis.com";

/// Whether `s` can be a DNS host name (what `intercept.hosts` may list).
pub fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The names the proxy answers for, and what it does with the rest.
#[derive(Debug, Clone)]
pub struct Hosts {
    intercepted: Vec<String>,
    passthrough: bool,
    /// reelbox's own authorities (`host:port` of the listen address and the public URL):
    /// absolute-form requests naming them are served as if sent directly.
    own: Vec<String>,
}

impl Hosts {
    pub fn new(intercepted: &[String], passthrough: bool, own: Vec<String>) -> Hosts {
        Hosts {
            intercepted: intercepted.iter().map(|h| h.to_ascii_lowercase()).collect(),
            passthrough,
            own: own.into_iter().map(|h| h.to_ascii_lowercase()).collect(),
        }
    }

    /// The intercepted name `host` stands for, spelled as configured (DNS names are
    /// case-insensitive; a trailing dot is the same name).
    pub fn intercepted(&self, host: &str) -> Option<&str> {
        let host = host.strip_suffix('.').unwrap_or(host);
        self.intercepted
            .iter()
            .find(|h| h.eq_ignore_ascii_case(host))
            .map(String::as_str)
    }
}

/// How a connection reached reelbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// On the listen port, as itself or as a proxy.
    Direct,
    /// Through an intercepted TLS session (a `CONNECT` tunnel or the TLS listener) for `host`.
    Intercepted(String),
}

/// What becomes of one request.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Through reelbox's router; `intercepted` names the host the client believed it called.
    Serve { intercepted: Option<String> },
    /// `CONNECT` to an intercepted host: answer 200 and speak TLS as that host.
    Intercept { host: String },
    /// `CONNECT` elsewhere with passthrough on: a byte tunnel to `host:port`.
    Tunnel { host: String, port: u16 },
    /// 403 with this message.
    Refuse(String),
    /// 400 with this message.
    Malformed(&'static str),
}

/// The verdict for a request with this line on a connection that arrived so.
pub fn judge(
    hosts: &Hosts,
    method: &Method,
    version: Version,
    uri: &Uri,
    arrival: &Arrival,
) -> Verdict {
    if let Arrival::Intercepted(host) = arrival {
        if method == Method::CONNECT {
            return Verdict::Malformed("CONNECT inside an intercepted connection");
        }
        return Verdict::Serve {
            intercepted: Some(host.clone()),
        };
    }
    if method == Method::CONNECT {
        let Some(authority) = uri.authority() else {
            return Verdict::Malformed("CONNECT needs host:port");
        };
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty() {
            return Verdict::Malformed("CONNECT needs host:port");
        }
        if let Some(name) = hosts.intercepted(host) {
            return Verdict::Intercept {
                host: name.to_string(),
            };
        }
        if hosts.passthrough {
            return Verdict::Tunnel {
                host: host.to_string(),
                port: authority.port_u16().unwrap_or(443),
            };
        }
        return Verdict::Refuse(refusal(host));
    }
    // HTTP/2 always carries an authority; only HTTP/1's absolute form means "act as a proxy".
    let absolute = version < Version::HTTP_2 && uri.scheme().is_some();
    match uri.authority().filter(|_| absolute) {
        None => Verdict::Serve { intercepted: None },
        Some(authority) => {
            if let Some(name) = hosts.intercepted(authority.host()) {
                return Verdict::Serve {
                    intercepted: Some(name.to_string()),
                };
            }
            let own = authority.as_str().to_ascii_lowercase();
            if hosts.own.contains(&own) {
                return Verdict::Serve { intercepted: None };
            }
            Verdict::Refuse(refusal(authority.host()))
        }
    }
}

fn refusal(host: &str) -> String {
    format!(
        "reelbox intercepts only its configured hosts; {host} is not one of them and is not \
         forwarded (intercept.hosts lists the intercepted names; intercept.passthrough = true \
         tunnels CONNECT to any other host)\n"
    )
}

/// The base of the upload URLs an init answers: TikTok's upload host when the init itself came
/// through interception (so the PUTs come back through the proxy), else the public URL.
pub fn upload_base(hosts: &[String], intercepted: Option<&str>, public_url: &str) -> String {
    match intercepted {
        None => public_url.to_string(),
        Some(_) if hosts.iter().any(|h| h.eq_ignore_ascii_case(UPLOAD_HOST)) => {
            format!("https://{UPLOAD_HOST}")
        }
        Some(host) => format!("https://{host}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(passthrough: bool) -> Hosts {
        let list: Vec<String> = DEFAULT_HOSTS.iter().map(|h| h.to_string()).collect();
        Hosts::new(&list, passthrough, vec!["127.0.0.1:8080".into()])
    }

    fn judge_line(h: &Hosts, method: Method, uri: &str) -> Verdict {
        judge(
            h,
            &method,
            Version::HTTP_11,
            &uri.parse().unwrap(),
            &Arrival::Direct,
        )
    }

    #[test]
    fn connect_to_an_intercepted_host_is_intercepted_whatever_its_case() {
        let v = judge_line(&hosts(false), Method::CONNECT, "Open.TikTokAPIs.com:443");
        assert_eq!(
            v,
            Verdict::Intercept {
                host: "open.tiktokapis.com".into()
            }
        );
    }

    #[test]
    fn connect_elsewhere_is_refused_unless_passthrough_is_on() {
        let v = judge_line(&hosts(false), Method::CONNECT, "example.com:443");
        assert!(matches!(v, Verdict::Refuse(m) if m.contains("example.com")));
        let v = judge_line(&hosts(true), Method::CONNECT, "127.0.0.1:9000");
        assert_eq!(
            v,
            Verdict::Tunnel {
                host: "127.0.0.1".into(),
                port: 9000
            }
        );
    }

    #[test]
    fn absolute_form_requests_are_served_for_intercepted_and_own_hosts_only() {
        let h = hosts(false);
        let v = judge_line(&h, Method::GET, "http://open.tiktokapis.com/v2/user/info/");
        assert_eq!(
            v,
            Verdict::Serve {
                intercepted: Some("open.tiktokapis.com".into())
            }
        );
        let v = judge_line(&h, Method::GET, "http://127.0.0.1:8080/_reelbox/apps");
        assert_eq!(v, Verdict::Serve { intercepted: None });
        let v = judge_line(&h, Method::GET, "http://169.254.169.254/latest/meta-data/");
        assert!(matches!(v, Verdict::Refuse(_)));
        let v = judge_line(&h, Method::GET, "/v2/user/info/");
        assert_eq!(v, Verdict::Serve { intercepted: None });
    }

    #[test]
    fn http2_authorities_are_not_proxy_requests() {
        let v = judge(
            &hosts(false),
            &Method::GET,
            Version::HTTP_2,
            &"https://elsewhere.example/v2/user/info/".parse().unwrap(),
            &Arrival::Direct,
        );
        assert_eq!(v, Verdict::Serve { intercepted: None });
    }

    #[test]
    fn inside_an_interception_everything_is_served_as_that_host_but_connect() {
        let inside = Arrival::Intercepted("www.tiktok.com".into());
        let h = hosts(true);
        let v = judge(
            &h,
            &Method::GET,
            Version::HTTP_11,
            &"/v2/auth/authorize/".parse().unwrap(),
            &inside,
        );
        assert_eq!(
            v,
            Verdict::Serve {
                intercepted: Some("www.tiktok.com".into())
            }
        );
        let v = judge(
            &h,
            &Method::CONNECT,
            Version::HTTP_11,
            &"a.example:443".parse().unwrap(),
            &inside,
        );
        assert!(matches!(v, Verdict::Malformed(_)));
    }

    #[test]
    fn upload_urls_name_tiktoks_upload_host_when_the_init_was_intercepted() {
        let list: Vec<String> = DEFAULT_HOSTS.iter().map(|h| h.to_string()).collect();
        assert_eq!(
            upload_base(&list, None, "http://127.0.0.1:1"),
            "http://127.0.0.1:1"
        );
        assert_eq!(
            upload_base(&list, Some("open.tiktokapis.com"), "http://127.0.0.1:1"),
            "https://open-upload.tiktokapis.com"
        );
        let only_api = vec!["open.tiktokapis.com".to_string()];
        assert_eq!(
            upload_base(&only_api, Some("open.tiktokapis.com"), "x"),
            "https://open.tiktokapis.com"
        );
    }

    #[test]
    fn host_names_are_checked() {
        assert!(is_host_name("open.tiktokapis.com"));
        assert!(!is_host_name(""));
        assert!(!is_host_name("a..b"));
        assert!(!is_host_name("bad host"));
        assert!(!is_host_name("-x.com"));
    }
}
