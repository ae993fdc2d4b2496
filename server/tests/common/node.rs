//! The server binary as a separate process (`Node`), a cookie session that is sent explicitly to
//! whichever node a request goes to (`Session`), and a direct look into the database (`Observer`)
//! for what HTTP cannot show: the team counter, the device's `last_processed`, live connections.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One server process. Killed on drop, so a failing test leaves no server behind.
pub struct Node {
    child: Option<Child>,
    pub port: u16,
    pub base: String,
    database_url: String,
    dir: PathBuf,
    demo: bool,
    log: PathBuf,
    starts: u32,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Node {
    /// Starts `server serve [--demo]` on a free port and waits until `/healthz` answers.
    pub async fn start(database_url: &str, dir: &Path, demo: bool) -> Node {
        let port = free_port();
        let mut node = Node {
            child: None,
            port,
            base: format!("http://127.0.0.1:{port}"),
            database_url: database_url.to_owned(),
            dir: dir.to_owned(),
            demo,
            log: dir.join(format!("server-{port}.log")),
            starts: 0,
        };
        node.spawn().await;
        node
    }

    async fn spawn(&mut self) {
        assert!(self.child.is_none(), "node already running");
        self.starts += 1;
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
        cmd.arg("serve")
            .env_remove("PASSGENAU_DEMO")
            .env("DATABASE_URL", &self.database_url)
            .env("PASSGENAU_ADDR", format!("127.0.0.1:{}", self.port))
            .env("LEPTOS_SITE_ROOT", self.dir.join("site"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log));
        if self.demo {
            cmd.arg("--demo");
        }
        self.child = Some(cmd.spawn().expect("start the server binary"));
        self.wait_ready().await;
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(res) = http.get(self.url("/healthz")).send().await {
                if res.status() == 200 {
                    return;
                }
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("server exited with {status} during start:\n{}", self.log_text());
            }
            assert!(Instant::now() < deadline, "server not ready after 60 s:\n{}", self.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown handler runs, open transactions are cut off where they are.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `Child::kill` is SIGKILL on Unix, the same as `kill -KILL <pid>`.
            child.kill().expect("SIGKILL the server");
            child.wait().expect("reap the server");
        }
    }

    /// Starts the binary again on the same port and database.
    pub async fn restart(&mut self) {
        self.spawn().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the server wrote to stderr (all starts), for failure messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Log lines that point at a crash or a storage failure.
    pub fn log_problems(&self) -> Vec<String> {
        self.log_text()
            .lines()
            .filter(|l| l.contains("panicked") || l.contains("ERROR"))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A logged-in user whose session cookie is sent explicitly, so one session can talk to any node.
#[derive(Clone)]
pub struct Session {
    http: reqwest::Client,
    cookie: String,
    pub username: String,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap()
}

/// Logs `username` in (demo password) at `base` and keeps the session cookie.
pub async fn login(base: &str, username: &str) -> Session {
    let http = client();
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": server::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "login of {username}");
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    assert!(cookie.starts_with("passgenau_session="), "{set_cookie}");
    Session { http, cookie, username: username.to_owned() }
}

impl Session {
    /// POSTs a JSON text. Transport errors (a killed server) are returned, not unwrapped.
    pub async fn post(&self, base: &str, path: &str, body: String) -> reqwest::Result<(u16, Value)> {
        let res = self
            .http
            .post(format!("{base}{path}"))
            .header("cookie", &self.cookie)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    pub async fn get(&self, base: &str, path: &str) -> reqwest::Result<(u16, Value)> {
        let res = self.http.get(format!("{base}{path}")).header("cookie", &self.cookie).send().await?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    /// One pull page, checked against the protocol: records after `since`, in strictly increasing
    /// `seq`, at most `limit`, a full page when `has_more`, and `cursor` = the last `seq` returned.
    pub async fn pull_page(&self, base: &str, since: u64, limit: u32) -> Value {
        let (status, page) =
            self.get(base, &format!("/api/v1/sync/pull?since={since}&limit={limit}")).await.unwrap();
        assert_eq!(status, 200, "pull from {base}: {page}");
        let records = page["records"].as_array().expect("records");
        assert!(records.len() <= limit as usize, "page larger than its limit");
        let mut prev = since;
        for r in records {
            let seq = r["seq"].as_u64().unwrap();
            assert!(seq > prev, "seq {seq} after {prev}: pages come in strictly increasing seq order");
            prev = seq;
        }
        assert_eq!(page["cursor"].as_u64().unwrap(), prev, "cursor is the last seq of the page");
        if page["has_more"].as_bool().unwrap() {
            assert_eq!(records.len(), limit as usize, "has_more only on a full page");
        }
        page
    }

    /// Every record of the team, following the cursor with pages of `limit`.
    pub async fn pull_all(&self, base: &str, limit: u32) -> Vec<Value> {
        let mut since = 0;
        let mut out = Vec::new();
        loop {
            let page = self.pull_page(base, since, limit).await;
            out.extend(page["records"].as_array().unwrap().iter().cloned());
            since = page["cursor"].as_u64().unwrap();
            if !page["has_more"].as_bool().unwrap() {
                return out;
            }
        }
    }
}

/// Reads the database directly (one connection), beside the server processes.
pub enum Observer {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Observer {
    pub async fn connect(database_url: &str) -> Observer {
        if database_url.starts_with("sqlite:") {
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect(database_url)
                .await
                .unwrap();
            Observer::Sqlite(pool)
        } else {
            let pool =
                sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(database_url).await.unwrap();
            Observer::Postgres(pool)
        }
    }

    /// One integer from `sql` (with `?` placeholders) bound to `args`.
    pub async fn int(&self, sql: &str, args: &[&str]) -> i64 {
        match self {
            Observer::Sqlite(pool) => {
                let mut q = sqlx::query_scalar::<_, i64>(sql);
                for a in args {
                    q = q.bind(*a);
                }
                q.fetch_one(pool).await.unwrap()
            }
            Observer::Postgres(pool) => {
                let sql = server::db::pg_sql(sql);
                let mut q = sqlx::query_scalar::<_, i64>(&sql);
                for a in args {
                    q = q.bind(*a);
                }
                q.fetch_one(pool).await.unwrap()
            }
        }
    }

    /// The device's `last_processed` as stored (0 for a device the server has not seen).
    pub async fn last_processed(&self, client_id: &str) -> u64 {
        self.int(
            "SELECT COALESCE(MAX(last_processed), 0) FROM client_state WHERE client_id = ?",
            &[client_id],
        )
        .await as u64
    }

    /// The team's change counter: one step per applied mutation.
    pub async fn team_counter(&self, team_id: &str) -> u64 {
        self.int("SELECT seq FROM team_counters WHERE team_id = ?", &[team_id]).await as u64
    }

    pub async fn team_records(&self, team_id: &str) -> u64 {
        self.int("SELECT COUNT(*) FROM records WHERE team_id = ?", &[team_id]).await as u64
    }

    pub async fn rejected(&self, client_id: &str) -> u64 {
        self.int("SELECT COUNT(*) FROM rejected_mutations WHERE client_id = ?", &[client_id]).await as u64
    }

    /// Whether another connection holds an open write transaction (for PostgreSQL: one open for at
    /// least 100 ms). SQLite: `BEGIN IMMEDIATE` without waiting fails exactly when another connection
    /// holds the write lock, which a push takes with its first statement and keeps until commit.
    pub async fn write_transaction_open(&self) -> bool {
        match self {
            Observer::Sqlite(pool) => {
                let mut conn = pool.acquire().await.unwrap();
                sqlx::query("PRAGMA busy_timeout = 0").execute(&mut *conn).await.unwrap();
                let open = sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await.is_err();
                if !open {
                    sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
                }
                sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut *conn).await.unwrap();
                open
            }
            Observer::Postgres(_) => {
                self.int(
                    "SELECT COUNT(*) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid() \
                     AND backend_type = 'client backend' AND backend_xid IS NOT NULL \
                     AND now() - xact_start > interval '100 milliseconds'",
                    &[],
                )
                .await
                    > 0
            }
        }
    }

    /// PostgreSQL: waits until no other session is connected to this database, i.e. the backends of
    /// a killed server have noticed and ended (rolled back or committed what was in flight).
    /// SQLite: nothing to wait for once the process is reaped.
    pub async fn wait_for_no_other_sessions(&self) {
        if let Observer::Postgres(_) = self {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let n = self
                    .int(
                        "SELECT COUNT(*) FROM pg_stat_activity \
                         WHERE datname = current_database() AND pid <> pg_backend_pid() \
                         AND backend_type = 'client backend'",
                        &[],
                    )
                    .await;
                if n == 0 {
                    return;
                }
                assert!(Instant::now() < deadline, "{n} sessions of a killed server still open after 30 s");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}
