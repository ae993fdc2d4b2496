//! Storage. Only this module touches the database. One [`Database`] trait, one implementation per
//! backend; the SQL is written once with `?` placeholders and rewritten for PostgreSQL (see [`pg_sql`]).
//! Queries are runtime-checked (no compile-time database needed to build).

mod admin;
mod audit;
mod backend;
mod throttle;

use std::sync::Arc;

use async_trait::async_trait;
use passgenau_domain::sync::{Mutation, PullResponse, PushResponse, RecordKind};

pub use admin::{AdminStore, UserChanges};
pub use audit::{AuditLog, TeamVerdict};
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
    /// An inactive account cannot log in and has no session (deactivated by an admin).
    pub active: bool,
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
    /// Whether the actor's role may set a Hilfesetting's approval fields
    /// (`roles::Permission::ApproveSetting`); a push that changes one without it is rejected.
    pub may_approve: bool,
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
    /// A unique name (username, team name) or catalog version is taken.
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error(
        "cursor {since} is below the compacted tombstones (up to {compacted_upto}); the device must reset"
    )]
    ResetRequired { since: u64, compacted_upto: u64 },
}

/// A live (not deleted) record as stored, of any team: what a server-side evaluation reads
/// ([`Database::live_records`]). The body is the stored JSON text, unparsed, so one unreadable record
/// does not fail the whole read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRecord {
    pub kind: RecordKind,
    pub id: String,
    pub body: String,
}

/// Which tombstones [`Database::compact_tombstones`] may remove (RFC 3339 UTC times).
#[derive(Debug, Clone)]
pub struct CompactPolicy {
    /// Devices seen at or after this time are active: tombstones above the oldest cursor among a
    /// team's active devices stay. Devices not seen since then reset when they return.
    pub active_since: String,
    /// Only tombstones written before this time are removed.
    pub deleted_before: String,
}

/// What one compaction did for one team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compaction {
    pub team_id: String,
    pub removed: u64,
    /// Devices pulling from a cursor below this must reset.
    pub compacted_upto: u64,
}

#[async_trait]
pub trait Database: LoginThrottle + AuditLog + AdminStore + Send + Sync + 'static {
    fn backend(&self) -> Backend;
    async fn migrate(&self) -> Result<(), DbError>;
    async fn ping(&self) -> Result<(), DbError>;
    /// Moves SQLite's write-ahead log into the database file, off the request path (no-op on
    /// PostgreSQL). The server calls it every second.
    async fn checkpoint(&self) -> Result<(), DbError>;

    async fn team_count(&self) -> Result<i64, DbError>;
    async fn team_id_by_name(&self, name: &str) -> Result<Option<String>, DbError>;
    async fn create_team(&self, id: &str, name: &str) -> Result<(), DbError>;
    async fn create_user(&self, user: NewUser<'_>) -> Result<(), DbError>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, DbError>;

    async fn create_session(&self, token_hash: &str, user_id: &str, expires_at: i64) -> Result<(), DbError>;
    /// The user of a live session; `None` when it expired, was ended or the user is inactive.
    async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<UserRow>, DbError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), DbError>;

    /// Applies a device's mutations in one transaction; see `docs/sync-protocol.md`.
    async fn push(
        &self,
        actor: &Actor,
        client_id: &str,
        mutations: &[Mutation],
    ) -> Result<PushResponse, DbError>;
    /// Records of the actor's team changed after `since`, in server order. With the device's
    /// `client_id`, `since` is remembered as what that device has applied (it bounds compaction).
    /// `DbError::ResetRequired` when tombstones above `since` were compacted away.
    async fn pull(
        &self,
        actor: &Actor,
        client_id: Option<&str>,
        since: u64,
        limit: u32,
    ) -> Result<PullResponse, DbError>;
    /// Every live (not deleted) record of the given kinds, across all teams, ordered by id. For
    /// aggregates only (the provider profile); never hand these to a device.
    async fn live_records(&self, kinds: &[RecordKind]) -> Result<Vec<LiveRecord>, DbError>;
    /// Removes tombstones no active device still needs, per team; see `docs/sync-protocol.md`.
    async fn compact_tombstones(&self, policy: &CompactPolicy) -> Result<Vec<Compaction>, DbError>;
}

pub type Db = Arc<dyn Database>;

/// Checkpoints the database every second for as long as the server runs (see
/// [`Database::checkpoint`]); a failure is logged and retried.
pub fn spawn_checkpoints(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = db.checkpoint().await {
                tracing::warn!(error = %e, "checkpoint failed; will retry");
            }
        }
    });
}

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
