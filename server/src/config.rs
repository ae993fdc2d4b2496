//! Configuration from the environment. Every setting has a safe local default.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::compact::CompactSettings;
use crate::throttle::ThrottlePolicy;

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite:…` (default `sqlite:data/passgenau.db`) or `postgres://…`.
    pub database_url: String,
    /// `PASSGENAU_ADDR` (default `127.0.0.1:3000`).
    pub addr: SocketAddr,
    /// `LEPTOS_SITE_ROOT`: the built site (default `target/site`).
    pub site_root: PathBuf,
    /// `PASSGENAU_SECURE_COOKIES=1` when the server sits behind TLS.
    pub secure_cookies: bool,
    /// `--demo` or `PASSGENAU_DEMO=1`: seed demo team, users and cases into an empty database.
    pub demo: bool,
    /// `PASSGENAU_TRUST_PROXY=1` when exactly one reverse proxy in front appends the client address to
    /// `X-Forwarded-For`; only then is that header used to count login failures per address.
    pub trust_proxy: bool,
    /// Login throttling (`PASSGENAU_LOGIN_*`, see [`ThrottlePolicy`]).
    pub login_throttle: ThrottlePolicy,
    /// Tombstone compaction (`PASSGENAU_ACTIVE_DEVICE_DAYS`, default 60; `PASSGENAU_TOMBSTONE_DAYS`,
    /// default 30; see [`CompactSettings`]).
    pub compact: CompactSettings,
    /// `PASSGENAU_CLOSED_CASE_DAYS` (default 30): days a closed case stays on the devices before
    /// they remove their copy (the server keeps the file, § 9b SGB VIII).
    pub closed_case_days: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("PASSGENAU_ADDR is not a socket address: {0:?}")]
    Addr(String),
    #[error("{0} must be a whole number of at least 1 (closed-case days: at most 36500), not {1:?}")]
    Number(&'static str, String),
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let addr_s = var("PASSGENAU_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr = addr_s.parse().map_err(|_| ConfigError::Addr(addr_s.clone()))?;
        let number = |k: &'static str, default: u32| -> Result<u32, ConfigError> {
            match var(k) {
                None => Ok(default),
                Some(v) => v.trim().parse().ok().filter(|n| *n >= 1).ok_or(ConfigError::Number(k, v)),
            }
        };
        let d = ThrottlePolicy::default();
        let login_throttle = ThrottlePolicy {
            max_failures_per_user: number("PASSGENAU_LOGIN_MAX_FAILURES", d.max_failures_per_user)?,
            max_failures_per_ip: number("PASSGENAU_LOGIN_MAX_FAILURES_PER_IP", d.max_failures_per_ip)?,
            window_secs: number("PASSGENAU_LOGIN_WINDOW_SECS", d.window_secs as u32)?.into(),
            lock_secs: number("PASSGENAU_LOGIN_LOCK_SECS", d.lock_secs as u32)?.into(),
        };
        let c = CompactSettings::default();
        let compact = CompactSettings {
            active_days: number("PASSGENAU_ACTIVE_DEVICE_DAYS", c.active_days)?,
            tombstone_days: number("PASSGENAU_TOMBSTONE_DAYS", c.tombstone_days)?,
            every: c.every,
        };
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite:data/passgenau.db".into()),
            addr,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()).into(),
            secure_cookies: var("PASSGENAU_SECURE_COOKIES").is_some_and(|v| v == "1" || v == "true"),
            demo: var("PASSGENAU_DEMO").is_some_and(|v| v == "1" || v == "true"),
            trust_proxy: var("PASSGENAU_TRUST_PROXY").is_some_and(|v| v == "1" || v == "true"),
            login_throttle,
            compact,
            // At most a century: the devices add it to a date.
            closed_case_days: match number(
                "PASSGENAU_CLOSED_CASE_DAYS",
                passgenau_domain::retention::DEFAULT_CLOSED_CASE_DAYS,
            )? {
                n if n <= 36_500 => n,
                n => return Err(ConfigError::Number("PASSGENAU_CLOSED_CASE_DAYS", n.to_string())),
            },
        })
    }
}

/// The URL without its password, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match (base.find("://"), base.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &base[..s], &base[at + 1..]),
        _ => base.to_owned(),
    };
    match query {
        None => base,
        Some(q) => {
            let q: Vec<String> = q
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{base}?{}", q.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(super::redact_url("postgres://u:geheim@127.0.0.1/db"), "postgres://***@127.0.0.1/db");
        assert_eq!(super::redact_url("sqlite:data/x.db"), "sqlite:data/x.db");
        assert_eq!(
            super::redact_url("postgres://h/db?user=u&password=geheim&sslmode=require"),
            "postgres://h/db?user=u&password=***&sslmode=require"
        );
    }
}
