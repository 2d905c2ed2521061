//! Which URLs reelbox may fetch: URL ownership (the spec's verified domain / URL prefix rule) and
//! the network policy that keeps PULL_FROM_URL and webhooks away from loopback and private
//! addresses unless the operator allows them.
use std::net::IpAddr;

/// Does `url` fall under one of the app's verified properties?
/// A property is either a URL prefix (`https://example.com/videos/user/`: the URL must start with
/// it exactly) or a bare domain (`static.example.com`: that host and its subdomains, not its parent).
/// Both sides are compared as WHATWG serializes them, which is what the download requests: `../`
/// and `%2e%2e` segments are resolved first, so they cannot climb out of a verified prefix.
pub fn url_is_verified(url: &str, verified: &[String]) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    let host = parsed.host_str().unwrap_or("").to_ascii_lowercase();
    verified.iter().any(|p| {
        if p.contains("://") {
            url::Url::parse(p).is_ok_and(|prefix| parsed.as_str().starts_with(prefix.as_str()))
        } else {
            let d = p.trim_end_matches('/').to_ascii_lowercase();
            !d.is_empty() && (host == d || host.ends_with(&format!(".{d}")))
        }
    })
}

/// An IP range an operator can allow, in CIDR form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a
            .trim()
            .parse()
            .map_err(|_| format!("{s}: not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .map_err(|_| format!("{s}: bad prefix length"))?,
            None => max,
        };
        if prefix > max {
            return Err(format!("{s}: prefix longer than the address"));
        }
        Ok(Cidr { addr, prefix })
    }

    /// Whether the range holds `ip`, as written or as the IPv4 address it carries.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.holds(ip) || self.holds(canonical(ip))
    }

    fn holds(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix)
                };
                (u32::from(net) & mask) == (u32::from(ip) & mask)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix)
                };
                (u128::from(net) & mask) == (u128::from(ip) & mask)
            }
            _ => false,
        }
    }
}

/// IPv6 addresses that carry an IPv4 address are judged as the address they reach: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96` and the local-use
/// `64:ff9b:1::/48`, RFC 6052 and 8215) and 6to4 (`2002:aabb:ccdd::/48`, RFC 3056).
fn canonical(ip: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = ip else {
        return ip;
    };
    let s = v6.segments();
    let o = v6.octets();
    let v4 = |a: u8, b: u8, c: u8, d: u8| IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d));
    if let Some(m) = v6.to_ipv4_mapped() {
        return IpAddr::V4(m);
    }
    // `::` and `::1` are IPv6's own unspecified and loopback addresses, judged as such.
    if s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1) {
        return v4(o[12], o[13], o[14], o[15]);
    }
    // NAT64: the well-known prefix 64:ff9b::/96 and the local-use 64:ff9b:1::/48.
    if s[0] == 0x64 && s[1] == 0xff9b && (s[2..6] == [0; 4] || s[2] == 1) {
        return v4(o[12], o[13], o[14], o[15]);
    }
    if s[0] == 0x2002 {
        return v4(o[2], o[3], o[4], o[5]);
    }
    ip
}

/// Addresses that are not on the public internet: loopback, private, link-local (cloud metadata),
/// CGNAT, benchmarking (198.18.0.0/15), unspecified, multicast, documentation and unique-local
/// ranges, and IPv6 addresses that carry one of them (see `canonical`).
pub fn is_non_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || s[0] == 0x2001 && s[1] == 0x0db8
        }
    }
}

/// The outbound policy: non-public addresses are refused unless an allowed range covers them.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    pub allowed: Vec<Cidr>,
}

impl OutboundPolicy {
    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_non_public(ip) || self.allowed.iter().any(|c| c.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_domain_rules_follow_the_spec() {
        let v = vec![
            "https://example.com/videos/user/".to_string(),
            "static.example.org".to_string(),
        ];
        assert!(url_is_verified(
            "https://example.com/videos/user/123/example.mp4",
            &v
        ));
        assert!(!url_is_verified(
            "https://example.com/videos/2023/user/123/example.mp4",
            &v
        ));
        assert!(url_is_verified(
            "https://video.static.example.org/a.mp4",
            &v
        ));
        assert!(url_is_verified("https://static.example.org/a.mp4", &v));
        assert!(!url_is_verified("https://example.org/a.mp4", &v));
        assert!(!url_is_verified(
            "https://evilstatic.example.org.attacker.io/a.mp4",
            &v
        ));
        assert!(!url_is_verified("not a url", &v));
    }

    #[test]
    fn private_ranges_are_refused_unless_allowed() {
        let p = OutboundPolicy::default();
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
        ] {
            assert!(!p.permits(ip.parse().unwrap()), "{ip} must be refused");
        }
        assert!(p.permits("93.184.216.34".parse().unwrap()));
        let allow = OutboundPolicy {
            allowed: vec![Cidr::parse("127.0.0.1/32").unwrap()],
        };
        assert!(allow.permits("127.0.0.1".parse().unwrap()));
        assert!(!allow.permits("127.0.0.2".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn a_verified_prefix_is_matched_after_the_url_is_normalised() {
        let v = vec!["https://example.com/videos/user/".to_string()];
        for escape in [
            "https://example.com/videos/user/../../admin/x.mp4",
            "https://example.com/videos/user/%2e%2e/%2e%2e/admin/x.mp4",
            "https://example.com/videos/user/%2E%2E/other/x.mp4",
            "https://example.com/videos/user/.%2e/x.mp4",
        ] {
            assert!(!url_is_verified(escape, &v), "{escape} leaves the prefix");
        }
        // Normalisation that stays under the prefix is fine, and so is the host's case.
        assert!(url_is_verified(
            "https://EXAMPLE.com/videos/user/a/../b.mp4",
            &v
        ));
    }

    #[test]
    fn embedded_and_translated_ipv4_addresses_are_judged_as_ipv4() {
        let p = OutboundPolicy::default();
        for ip in [
            "::127.0.0.1",        // IPv4-compatible
            "::a00:1",            // ::10.0.0.1
            "64:ff9b::7f00:1",    // NAT64 of 127.0.0.1
            "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
            "64:ff9b:1::a00:1",   // local-use NAT64 prefix
            "2002:7f00:1::1",     // 6to4 of 127.0.0.1
            "2002:a9fe:a9fe::1",  // 6to4 of 169.254.169.254
            "198.18.0.1",         // benchmarking
            "198.19.255.254",
        ] {
            assert!(!p.permits(ip.parse().unwrap()), "{ip} must be refused");
        }
        assert!(
            p.permits("64:ff9b::5db8:d822".parse().unwrap()),
            "NAT64 of a public address"
        );
        assert!(
            p.permits("2002:5db8:d822::1".parse().unwrap()),
            "6to4 of a public address"
        );
        assert!(p.permits("198.20.0.1".parse().unwrap()));
    }
}
