//! The sync API as the benchmark speaks it: login, `me`, push and pull, each timed from sending the
//! request until the whole response body has arrived. Request bodies are built as JSON values, not
//! with the domain's wire structs, so the benchmark does not break when optional fields are added.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use reqwest::header::{HeaderValue, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::json;

use crate::stats::Meter;

const SESSION_COOKIE: &str = "passgenau_session";
/// A realistic working note (about 100 bytes, with umlauts).
const NOTE: &str = "Hausbesuch am Dienstag; Hilfeplangespräch vorbereiten, Schule und Kita kontaktieren.";

#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
}

/// A logged-in user: the session cookie is reused for every request of every device of this user.
pub struct Session {
    pub username: String,
    pub team_id: String,
    cookie: HeaderValue,
}

/// One answered request.
pub struct Resp {
    pub status: StatusCode,
    pub body: bytes::Bytes,
    pub elapsed: Duration,
    /// Request body bytes.
    pub sent: usize,
}

#[derive(Deserialize)]
struct SessionInfo {
    username: String,
    team_id: String,
}

#[derive(Deserialize)]
struct PushResponse {
    last_processed: u64,
    rejected: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct PullResponse {
    records: Vec<IgnoredAny>,
    cursor: u64,
    has_more: bool,
}

/// What the benchmark needs from a pull page.
pub struct Page {
    pub records: u64,
    pub cursor: u64,
    pub has_more: bool,
}

impl Api {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(256)
            .timeout(Duration::from_secs(120))
            .build()?;
        Ok(Api { client, base: base.trim_end_matches('/').to_owned() })
    }

    /// Logs in once; the login throttle makes a login per request both wrong and slow.
    pub async fn login(&self, username: &str, password: &str) -> anyhow::Result<Session> {
        let res = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .with_context(|| format!("login of {username} at {}", self.base))?;
        let status = res.status();
        let cookie = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|kv| kv.starts_with(&format!("{SESSION_COOKIE}=")))
            .map(str::to_owned);
        let body = res.bytes().await?;
        if !status.is_success() {
            bail!("login of {username} failed: {status} {}", String::from_utf8_lossy(&body));
        }
        let info: SessionInfo = serde_json::from_slice(&body).context("login response")?;
        let cookie = cookie.context("login response without a session cookie")?;
        Ok(Session {
            username: info.username,
            team_id: info.team_id,
            cookie: HeaderValue::from_str(&cookie)?,
        })
    }

    async fn send(&self, req: reqwest::RequestBuilder, sent: usize) -> anyhow::Result<Resp> {
        let start = Instant::now();
        let res = req.send().await?;
        let status = res.status();
        let body = res.bytes().await?;
        Ok(Resp { status, body, elapsed: start.elapsed(), sent })
    }

    pub async fn get(&self, s: &Session, path: &str) -> anyhow::Result<Resp> {
        let req = self.client.get(format!("{}{path}", self.base)).header(COOKIE, s.cookie.clone());
        self.send(req, 0).await
    }

    pub async fn post(&self, s: &Session, path: &str, body: bytes::Bytes) -> anyhow::Result<Resp> {
        let sent = body.len();
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, s.cookie.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        self.send(req, sent).await
    }

    /// `GET /api/v1/auth/me`, as the device does before every push.
    pub async fn me(&self, s: &Session, m: &mut Meter) -> anyhow::Result<()> {
        let r = self.get(s, "/api/v1/auth/me").await?;
        check(&r, "me")?;
        m.add(&r);
        Ok(())
    }

    /// Pushes a prepared batch and checks that the server processed it up to `expect_last` without
    /// rejections.
    pub async fn push(&self, s: &Session, batch: &Batch, m: &mut Meter) -> anyhow::Result<()> {
        let r = self.post(s, "/api/v1/sync/push", batch.body.clone()).await?;
        check(&r, "push")?;
        let p: PushResponse = serde_json::from_slice(&r.body).context("push response")?;
        if p.last_processed != batch.last_id || !p.rejected.is_empty() {
            bail!(
                "push processed up to {} (expected {}), {} rejected: {}",
                p.last_processed,
                batch.last_id,
                p.rejected.len(),
                p.rejected.first().map(|v| v.to_string()).unwrap_or_default()
            );
        }
        m.add(&r);
        Ok(())
    }

    pub async fn pull(&self, s: &Session, since: u64, limit: u32, m: &mut Meter) -> anyhow::Result<Page> {
        let r = self.get(s, &format!("/api/v1/sync/pull?since={since}&limit={limit}")).await?;
        check(&r, "pull")?;
        let p: PullResponse = serde_json::from_slice(&r.body).context("pull response")?;
        m.add(&r);
        Ok(Page { records: p.records.len() as u64, cursor: p.cursor, has_more: p.has_more })
    }

    /// The team's highest `seq`, found with pulls of one record (doubling, then bisecting), so that
    /// starting against a large database does not pull it whole.
    pub async fn head(&self, s: &Session) -> anyhow::Result<u64> {
        let mut m = Meter::default();
        // `lo` is a seq that exists (or 0), `hi` one with nothing after it.
        let (mut lo, mut hi) = (0, None);
        let mut probe = 1u64;
        while hi.is_none() {
            let p = self.pull(s, probe, 1, &mut m).await?;
            if p.records == 0 {
                hi = Some(probe);
            } else {
                lo = p.cursor;
                probe = p.cursor.saturating_mul(2);
            }
        }
        let mut hi = hi.unwrap_or(0);
        if self.pull(s, lo, 1, &mut m).await?.records == 0 {
            return Ok(lo);
        }
        // Now something comes after lo and nothing after hi: the head is in (lo, hi].
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.pull(s, mid, 1, &mut m).await?.records == 0 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    /// Pulls from `since` until the server has nothing more; returns the cursor and the records seen.
    pub async fn pull_all(&self, s: &Session, since: u64, m: &mut Meter) -> anyhow::Result<(u64, u64)> {
        let (mut cursor, mut n) = (since, 0);
        loop {
            let p = self.pull(s, cursor, 1000, m).await?;
            cursor = p.cursor;
            n += p.records;
            if !p.has_more {
                return Ok((cursor, n));
            }
        }
    }
}

fn check(r: &Resp, what: &str) -> anyhow::Result<()> {
    if r.status != StatusCode::OK {
        bail!("{what}: {} {}", r.status, String::from_utf8_lossy(&r.body));
    }
    Ok(())
}

/// A simulated device: its own client id and gapless mutation numbers 1, 2, 3, …
pub struct Device {
    pub client_id: String,
    next_id: u64,
}

/// A serialized push request.
#[derive(Clone)]
pub struct Batch {
    pub body: bytes::Bytes,
    pub last_id: u64,
    pub records: u64,
}

impl Device {
    pub fn new() -> Self {
        Device { client_id: uuid::Uuid::new_v4().to_string(), next_id: 1 }
    }

    /// The next `n` mutations, each creating a new case record.
    pub fn batch(&mut self, n: usize) -> Batch {
        let mutations: Vec<serde_json::Value> = (0..n as u64)
            .map(|i| {
                let id = self.next_id + i;
                let record_id = uuid::Uuid::new_v4().to_string();
                json!({
                    "id": id,
                    "kind": "case",
                    "record_id": record_id,
                    "op": {"type": "put", "fields": {
                        "schema": 1,
                        "id": record_id,
                        "label": format!("BENCH-{}-{id}", &self.client_id[..8]),
                        "start_date": "2026-01-05",
                        "note": NOTE,
                    }},
                    "client_time": "2026-01-05T10:00:00Z",
                })
            })
            .collect();
        self.next_id += n as u64;
        let body = json!({"protocol": 1, "client_id": self.client_id, "mutations": mutations});
        Batch {
            body: serde_json::to_vec(&body).expect("JSON values serialize").into(),
            last_id: self.next_id - 1,
            records: n as u64,
        }
    }
}
