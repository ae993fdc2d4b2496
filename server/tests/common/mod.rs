//! `spawn_app()`: the real server on port 0 with a fresh database, SQLite or PostgreSQL.
#![allow(dead_code)]

pub mod node;

use std::path::PathBuf;

use server::db::Db;
use server::{demo, AppState, Config};
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let p = std::env::temp_dir().join(format!("passgenau-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The admin URL of the test PostgreSQL, or None when PostgreSQL tests are not configured.
/// With `PASSGENAU_REQUIRE_PG=1` (the README's test command) a missing server is a failure.
pub fn pg_admin_url() -> Option<String> {
    match std::env::var("TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("PASSGENAU_REQUIRE_PG").is_err(),
                "PASSGENAU_REQUIRE_PG is set but TEST_PG_URL is not: PostgreSQL tests cannot run"
            );
            eprintln!("TEST_PG_URL not set: skipping the PostgreSQL variant (scripts/test.sh sets it)");
            None
        }
    }
}

/// Creates an empty PostgreSQL database for one test and returns its URL.
pub async fn fresh_pg_database(admin: &str) -> String {
    use sqlx::Connection;
    let name = format!("pgt_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect to TEST_PG_URL");
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    format!("{base}/{name}")
}

/// Starts the server with demo data. Returns None when the backend is not available here.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    let dir = TempDir::new();
    let database_url = match backend {
        Backend::Sqlite => format!("sqlite:{}", dir.0.join("test.db").display()),
        Backend::Postgres => fresh_pg_database(&pg_admin_url()?).await,
    };
    Some(start(database_url, dir, |_| {}).await)
}

/// Starts a server on `database_url` (seeding demo data if it is empty), its config changed by `tweak`.
async fn start(database_url: String, dir: TempDir, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let db = server::db::connect(&database_url).await.expect("connect test database");
    demo::seed_if_empty(&db).await.expect("seed demo data");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = Config {
        database_url: database_url.clone(),
        addr,
        site_root: dir.0.join("site"),
        secure_cookies: false,
        demo: true,
        trust_proxy: false,
        login_throttle: Default::default(),
        compact: Default::default(),
        closed_case_days: passgenau_domain::retention::DEFAULT_CLOSED_CASE_DAYS,
    };
    tweak(&mut config);
    let (tx, rx) = oneshot::channel::<()>();
    let state = AppState::new(db.clone(), config);
    tokio::spawn(server::serve(listener, state, async {
        let _ = rx.await;
    }));
    TestApp { base: format!("http://{addr}"), db, database_url, shutdown: Some(tx), _dir: dir }
}

impl TestApp {
    /// Another server process on the same database, as a second stateless node behind a load
    /// balancer would be, with its own config.
    pub async fn spawn_node(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        start(self.database_url.clone(), TempDir::new(), tweak).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The built site this server serves (`LEPTOS_SITE_ROOT`); empty until a test writes into it.
    pub fn site_root(&self) -> PathBuf {
        self._dir.0.join("site")
    }

    /// A browser-like client (cookie store) logged in as a demo user.
    pub async fn login(&self, username: &str) -> reqwest::Client {
        let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let res = c
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "login of {username}");
        c
    }
}

/// Runs a test body once per backend: `both!(name, |app| async move { … });`
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = common::spawn_app(common::Backend::Sqlite).await.unwrap();
                ($body)(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = common::spawn_app(common::Backend::Postgres).await {
                    ($body)(app).await;
                }
            }
        }
    };
}
