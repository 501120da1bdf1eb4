//! Where webhook deliveries may go (ASVS 5.2.6 / 12.6.1, server-side request forgery): unless
//! `webhooks.allow_private_targets` is set, only to public addresses. A subscription URL may not
//! name a non-public IP address or `localhost`; a host name is resolved at each delivery by
//! [`PublicOnly`], which hands reqwest only the public addresses it resolved to, so the address
//! checked is the address connected to (a name that resolves to a private address, or starts
//! to after it was checked, is refused rather than reached).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether `ip` is an address on the public internet: not loopback, private (RFC 1918, ULA),
/// link-local (cloud metadata lives there), shared (CGNAT), unspecified, broadcast, multicast,
/// documentation, benchmarking or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        || (first == 0x0064 && ip.segments()[1] == 0xff9b))
}

/// Why a URL's host is refused before any connection: an IP literal that is not public, or
/// `localhost`. `None` for a host name, which [`PublicOnly`] checks at delivery.
pub fn refused_host(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    if let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return (!is_public(ip)).then(|| ip.to_string());
    }
    let lower = host.to_ascii_lowercase();
    (lower == "localhost" || lower.ends_with(".localhost")).then(|| host.to_owned())
}

/// The system resolver, keeping only public addresses; a name with none left is an error.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|addr| is_public(addr.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!(
                    "{host} resolves only to non-public addresses ({}); deliveries go to public addresses unless webhooks.allow_private_targets is set",
                    resolved
                        .iter()
                        .map(|a| a.ip().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
                .into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for text in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(text.parse().unwrap()), "{text}");
        }
        for text in [
            "1.1.1.1",
            "123.125.114.144",
            "202.96.128.86",
            "2400:3200::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(text.parse().unwrap()), "{text}");
        }
    }

    #[test]
    fn ip_literals_and_localhost_are_refused_host_names_left_to_the_resolver() {
        let refused = |url: &str| refused_host(&reqwest::Url::parse(url).unwrap());
        assert_eq!(
            refused("http://127.0.0.1:8080/hook").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(refused("http://[::1]/hook").as_deref(), Some("::1"));
        assert_eq!(
            refused("http://169.254.169.254/latest/meta-data").as_deref(),
            Some("169.254.169.254")
        );
        assert_eq!(refused("http://LOCALHOST/x").as_deref(), Some("localhost"));
        assert_eq!(refused("http://2130706433/x").as_deref(), Some("127.0.0.1"));
        assert_eq!(
            refused("http://api.localhost/x").as_deref(),
            Some("api.localhost")
        );
        assert_eq!(refused("https://hooks.example.cn/x"), None);
        assert_eq!(refused("https://1.1.1.1/x"), None);
    }

    #[tokio::test]
    async fn a_name_that_resolves_only_to_loopback_is_refused() {
        let name: Name = "localhost".parse().unwrap();
        let err = match PublicOnly.resolve(name).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("non-public"), "{err}");
    }
}
