//! The client's IP address behind reverse proxies (`server.trusted_proxies`).
//!
//! `X-Forwarded-For` is whatever the client sent plus one address per proxy that appended to it,
//! so only its right end can be believed, and only when the peer is a proxy we trust: walking
//! from the right, every address of a trusted proxy is skipped and the first other address is
//! the client. A peer that is not a trusted proxy is the client itself, whatever its headers
//! claim — with no trusted proxies configured (the default) a client cannot choose the address
//! the public lookup's rate limit counts it under. Reads headers only.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;
use actix_web::web;
use ipnet::IpNet;

use crate::state::AppState;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// From `server.trusted_proxies` (validated at start-up; anything unparsable is skipped).
    pub fn from_config(entries: &[String]) -> TrustedProxies {
        TrustedProxies(
            entries
                .iter()
                .filter_map(|e| crate::config::parse_network(e))
                .collect(),
        )
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`, given the request's `X-Forwarded-For` values in order.
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        // The nearest hop known so far: the peer, then each trusted proxy passed on the way.
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // Garbage where an address should be: believe nothing further left.
                return client;
            };
            client = canonical(ip);
            if !self.contains(client) {
                return client;
            }
        }
        client
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip())
}

/// The client IP of `req` under the app's trusted proxies (unspecified when the peer is unknown).
pub fn of(req: &HttpRequest) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip());
    match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.trusted_proxies.client(
            peer,
            req.headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok()),
        ),
        None => canonical(peer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusted(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::from_config(&entries.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("10.0.0.5"), ["1.2.3.4"]), ip("10.0.0.5"));
        let proxies = trusted(&["10.0.0.0/8"]);
        // A peer outside the trusted networks cannot choose its address either.
        assert_eq!(proxies.client(ip("8.8.8.8"), ["1.2.3.4"]), ip("8.8.8.8"));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let proxies = trusted(&["10.0.0.0/8", "127.0.0.1"]);
        // The client forged "6.6.6.6"; the first proxy appended the real 1.2.3.4, another
        // trusted proxy 10.1.1.1.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), ["6.6.6.6, 1.2.3.4", "10.1.1.1"]),
            ip("1.2.3.4")
        );
        // No header: the proxy is all we know.
        assert_eq!(proxies.client(ip("10.0.0.1"), []), ip("10.0.0.1"));
        // All hops trusted: the leftmost.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), ["10.2.2.2, 10.3.3.3"]),
            ip("10.2.2.2")
        );
        // Garbage stops the walk at the last believable hop.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), ["1.2.3.4, unknown, 10.3.3.3"]),
            ip("10.3.3.3")
        );
        // Ports and IPv6.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), ["[2001:db8::7]:4711"]),
            ip("2001:db8::7")
        );
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.1"), ["1.2.3.4:80"]),
            ip("1.2.3.4")
        );
    }
}
