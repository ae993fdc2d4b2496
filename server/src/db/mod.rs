//! Storage. Only this module touches the database. One [`Database`] trait, one implementation per
//! backend; the SQL is written once with `?` placeholders and rewritten for PostgreSQL (see [`pg_sql`]).
//! Queries are runtime-checked (no compile-time database needed to build).

mod backend;
mod throttle;

use std::sync::Arc;

use async_trait::async_trait;
use passgenau_domain::sync::{Mutation, PullResponse, PushResponse};

pub use backend::{connect, Backend};
pub use throttle::{Counter, Limit, LoginThrottle};

/// A user as the server knows them. `password_hash` never leaves the server.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub team_id: String,
    pub team_name: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub team_id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
}

/// Who is pushing or pulling: the server checks every record against this team.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub team_id: String,
    pub display_name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported DATABASE_URL scheme (use sqlite: or postgres:)")]
    UnsupportedUrl,
    #[error("this device id belongs to another user")]
    ForeignClient,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

#[async_trait]
pub trait Database: LoginThrottle + Send + Sync + 'static {
    fn backend(&self) -> Backend;
    async fn migrate(&self) -> Result<(), DbError>;
    async fn ping(&self) -> Result<(), DbError>;

    async fn team_count(&self) -> Result<i64, DbError>;
    async fn team_id_by_name(&self, name: &str) -> Result<Option<String>, DbError>;
    async fn create_team(&self, id: &str, name: &str) -> Result<(), DbError>;
    async fn create_user(&self, user: NewUser<'_>) -> Result<(), DbError>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, DbError>;

    async fn create_session(&self, token_hash: &str, user_id: &str, expires_at: i64) -> Result<(), DbError>;
    async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<UserRow>, DbError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), DbError>;

    /// Applies a device's mutations in one transaction; see `docs/sync-protocol.md`.
    async fn push(
        &self,
        actor: &Actor,
        client_id: &str,
        mutations: &[Mutation],
    ) -> Result<PushResponse, DbError>;
    /// Records of the actor's team changed after `since`, in server order.
    async fn pull(&self, actor: &Actor, since: u64, limit: u32) -> Result<PullResponse, DbError>;
}

pub type Db = Arc<dyn Database>;

/// Rewrites `?` placeholders to PostgreSQL's `$1, $2, …`. Our SQL never contains a literal `?`.
pub fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pg_placeholders_are_numbered_in_order() {
        assert_eq!(super::pg_sql("a = ? AND b > ? LIMIT ?"), "a = $1 AND b > $2 LIMIT $3");
    }
}
