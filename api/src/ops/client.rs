//! Who the client is: its IP address, read from `Forwarded` (RFC 7239) or
//! `X-Forwarded-For` only when the connection comes from a trusted proxy.
//!
//! Any client can send those headers; believing them from anyone would let
//! a client choose its own rate-limit bucket. So the peer address counts,
//! unless it is one of `--trusted-proxies`: then the header's addresses are
//! read from the right (the hop nearest to us), skipping trusted proxies,
//! and the first untrusted one is the client (the method of nginx's
//! `real_ip_recursive` and of Express' `trust proxy`).
use std::net::IpAddr;

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Trusts the proxies in `networks`.
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a connection from `peer` with `headers`.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer.map(canonical)?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops = forwarded_for(headers);
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(*ip);
                    if !self.trusts(client) {
                        break;
                    }
                }
                // "unknown" or an obfuscated name: nothing further left
                // can be believed; the nearest known hop stands.
                None => break,
            }
        }
        Some(client)
    }
}

/// An IP address (`127.0.0.1`, `::1`) or CIDR network (`10.0.0.0/8`), as
/// `--trusted-proxies` takes them.
///
/// Errors: a message naming the entry.
pub fn parse_network(entry: &str) -> Result<IpNet, String> {
    let entry = entry.trim();
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!("`{entry}` is neither an IP address nor a CIDR network such as 10.0.0.0/8")
        })
}

/// IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as IPv4, so one network matches
/// both spellings.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The addresses the request passed, nearest last: from `Forwarded`'s
/// `for=` parameters if it is present, else from `X-Forwarded-For`; `None`
/// for an entry that is no address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|line| line.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| node_ip(value))
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(node_ip)
        .collect()
}

/// The address of a node: `192.0.2.43`, `"[2001:db8::1]:4711"`,
/// `192.0.2.43:47011` (RFC 7239 §6).
fn node_ip(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    node.rsplit_once(':')
        .and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn headers_count_only_from_trusted_proxies() {
        let trusted = TrustedProxies::new(vec![
            parse_network("10.0.0.0/8").unwrap(),
            parse_network(" ::1").unwrap(),
        ]);
        let xff = headers(&[("x-forwarded-for", "203.0.113.7, 10.1.1.1")]);
        // From a stranger, the header is ignored.
        assert_eq!(
            trusted.client_ip(ip("198.51.100.1"), &xff),
            ip("198.51.100.1")
        );
        // From a trusted proxy: the nearest untrusted hop.
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &xff), ip("203.0.113.7"));
        // A spoofed entry further left does not win.
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7")]);
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &spoofed),
            ip("203.0.113.7")
        );
        // RFC 7239, quoted IPv6 with a port; mapped IPv4 peers match.
        let forwarded = headers(&[(
            "forwarded",
            r#"for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711""#,
        )]);
        assert_eq!(
            trusted.client_ip(ip("::ffff:10.0.0.3"), &forwarded),
            ip("2001:db8:cafe::17")
        );
        // An obfuscated hop stops the walk at the nearest known one.
        let hidden = headers(&[("forwarded", "for=203.0.113.9, for=_hidden")]);
        assert_eq!(trusted.client_ip(ip("::1"), &hidden), ip("::1"));
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("proxy.local").is_err());
    }
}
