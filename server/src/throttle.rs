//! Login throttling policy (issue 4 item 1, issue 6 item 7). Failed logins are counted per username
//! and per client address in the database (`db::LoginThrottle`), so all server processes on one
//! database share them. Too many failures within the window lock the key; while locked, every login
//! for it is refused with 429 and `Retry-After`, even with the right password, before any password
//! check. Unknown usernames are counted exactly like known ones: the answers do not tell them apart.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::db::Limit;
use crate::AppState;

/// The throttling settings (environment variables in `Config::from_env`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// `PASSGENAU_LOGIN_MAX_FAILURES`: failures per username within the window that lock it (5).
    pub max_failures_per_user: u32,
    /// `PASSGENAU_LOGIN_MAX_FAILURES_PER_IP`: failures per client address (20; an office behind
    /// one NAT address shares it, so it is higher than per user).
    pub max_failures_per_ip: u32,
    /// `PASSGENAU_LOGIN_WINDOW_SECS`: the window failures are counted in (900 = 15 min).
    pub window_secs: i64,
    /// `PASSGENAU_LOGIN_LOCK_SECS`: how long a key stays locked (900 = 15 min).
    pub lock_secs: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy { max_failures_per_user: 5, max_failures_per_ip: 20, window_secs: 900, lock_secs: 900 }
    }
}

impl ThrottlePolicy {
    pub fn user_limit(&self) -> Limit {
        Limit {
            max_failures: self.max_failures_per_user,
            window_secs: self.window_secs,
            lock_secs: self.lock_secs,
        }
    }

    pub fn ip_limit(&self) -> Limit {
        Limit {
            max_failures: self.max_failures_per_ip,
            window_secs: self.window_secs,
            lock_secs: self.lock_secs,
        }
    }
}

/// The two keys a login attempt is counted under, as stored: SHA-256 hex, so the table holds no
/// username (or password typed into the username field) and no address in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    pub user: String,
    pub ip: String,
}

impl Keys {
    pub fn new(username: &str, ip: Option<IpAddr>) -> Keys {
        let ip = ip.map_or_else(|| "unknown".to_owned(), |ip| address_group(ip).to_string());
        Keys { user: hashed("user", &normalize_username(username)), ip: hashed("ip", &ip) }
    }
}

fn hashed(kind: &str, value: &str) -> String {
    hex::encode(Sha256::digest(format!("{kind}:{value}").as_bytes()))
}

/// Spelling variants of one username share one count.
pub fn normalize_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// The address a client is counted under: IPv4 as is, IPv6 by its /64 network (one end user usually
/// has a whole /64), an IPv4-mapped IPv6 address as IPv4.
pub fn address_group(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The client's address: the TCP peer; behind a reverse proxy (`PASSGENAU_TRUST_PROXY=1`) the last
/// address in `X-Forwarded-For`, the one our proxy appended. Without that setting the header is
/// ignored, since any client can send it.
pub fn client_ip(headers: &HeaderMap, peer: Option<IpAddr>, trust_proxy: bool) -> Option<IpAddr> {
    if trust_proxy {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|a| a.trim().parse::<IpAddr>().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer
}

/// The client address of a request (see [`client_ip`]); `None` when the server was not started with
/// connection info (then all such requests share one count).
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientIp(client_ip(&parts.headers, peer, state.config.trust_proxy)))
    }
}

/// "in 15 Minuten", "in einer Minute": how long a lock still runs, rounded up to minutes.
pub fn minutes_de(secs: i64) -> String {
    match (secs.max(1) + 59) / 60 {
        1 => "in einer Minute".into(),
        n => format!("in {n} Minuten"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalized_and_never_stored_in_clear() {
        let a = Keys::new(" Anna ", None);
        assert_eq!(a, Keys::new("anna", None));
        assert_ne!(a.user, Keys::new("ben", None).user);
        assert!(!a.user.contains("anna") && a.user.len() == 64);
        assert_ne!(a.user, a.ip, "user and address keys never collide");
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.2.3.4, 203.0.113.7".parse().unwrap());
        assert_eq!(client_ip(&h, Some(peer), false), Some(peer), "a client can send any header");
        assert_eq!(client_ip(&h, Some(peer), true), "203.0.113.7".parse().ok(), "the proxy's entry is last");
        h.insert("x-forwarded-for", "kein-ip".parse().unwrap());
        assert_eq!(client_ip(&h, Some(peer), true), Some(peer));
    }

    #[test]
    fn ipv6_is_counted_per_64_network() {
        let a = address_group("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = address_group("2001:db8:1:2:bbbb::2".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, address_group("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(
            address_group("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn minutes_are_rounded_up() {
        assert_eq!(minutes_de(900), "in 15 Minuten");
        assert_eq!(minutes_de(899), "in 15 Minuten");
        assert_eq!(minutes_de(61), "in 2 Minuten");
        assert_eq!(minutes_de(60), "in einer Minute");
        assert_eq!(minutes_de(1), "in einer Minute");
        assert_eq!(minutes_de(0), "in einer Minute");
    }
}
