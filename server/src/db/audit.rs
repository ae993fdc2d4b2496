//! Storage of the audit log (`crate::audit`): appending to a team's chain inside a transaction that
//! holds the team's counter row, reading, and verifying. The SQL is written once, like `backend.rs`.

use std::borrow::Cow;

use async_trait::async_trait;

use super::backend::{PgStore, SqliteStore};
use super::{pg_sql, DbError};
use crate::audit::{verify, AuditEntry, ChainError, NewEntry};

/// One team's verification result: the number of entries, or where the chain breaks.
pub type TeamVerdict = (String, Result<i64, ChainError>);

#[async_trait]
pub trait AuditLog {
    /// Appends device-reported entries to the team's chain; events already recorded (same
    /// `event_id`) are skipped. Returns how many were new.
    async fn audit_append(&self, team_id: &str, entries: Vec<NewEntry>) -> Result<usize, DbError>;
    /// The team's entries, of one case or all, in chain order.
    async fn audit_entries(&self, team_id: &str, case_id: Option<&str>) -> Result<Vec<AuditEntry>, DbError>;
    /// Verifies every team's chain against its stored head.
    async fn audit_verify(&self) -> Result<Vec<TeamVerdict>, DbError>;
}

type Row = (
    String,
    i64,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

fn entry(r: Row) -> AuditEntry {
    AuditEntry {
        team_id: r.0,
        n: r.1,
        at: r.2,
        device_at: r.3,
        actor: r.4,
        client_id: r.5,
        action: r.6,
        record_kind: r.7,
        record_id: r.8,
        case_id: r.9,
        event_id: r.10,
        detail: r.11,
        prev_hash: r.12,
        hash: r.13,
    }
}

const COLUMNS: &str =
    "team_id, n, at, device_at, actor, client_id, action, record_kind, record_id, case_id, \
     event_id, detail, prev_hash, hash";

fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    Cow::Borrowed(sql)
}

fn postgres_sql(sql: &str) -> Cow<'_, str> {
    Cow::Owned(pg_sql(sql))
}

macro_rules! impl_audit {
    ($store:ty, $db:ty, $sql:path) => {
        impl $store {
            /// Appends `entries` to the team's chain inside `tx`. The caller must hold the team's
            /// `team_counters` row (a push does; [`AuditLog::audit_append`] takes it here).
            pub(super) async fn audit_in_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                team_id: &str,
                entries: Vec<NewEntry>,
                now: &str,
            ) -> Result<(), DbError> {
                if entries.is_empty() {
                    return Ok(());
                }
                let (mut n, mut hash): (i64, String) = sqlx::query_as(&$sql(
                    "SELECT audit_n, audit_hash FROM team_counters WHERE team_id = ?",
                ))
                .bind(team_id)
                .fetch_one(&mut **tx)
                .await?;
                for e in entries {
                    let e = e.chain(team_id, n, &hash, now);
                    sqlx::query(&$sql(&format!(
                        "INSERT INTO audit_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    )))
                    .bind(&e.team_id)
                    .bind(e.n)
                    .bind(&e.at)
                    .bind(&e.device_at)
                    .bind(&e.actor)
                    .bind(&e.client_id)
                    .bind(&e.action)
                    .bind(&e.record_kind)
                    .bind(&e.record_id)
                    .bind(&e.case_id)
                    .bind(&e.event_id)
                    .bind(&e.detail)
                    .bind(&e.prev_hash)
                    .bind(&e.hash)
                    .execute(&mut **tx)
                    .await?;
                    n = e.n;
                    hash = e.hash;
                }
                sqlx::query(&$sql("UPDATE team_counters SET audit_n = ?, audit_hash = ? WHERE team_id = ?"))
                    .bind(n)
                    .bind(&hash)
                    .bind(team_id)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl AuditLog for $store {
            async fn audit_append(&self, team_id: &str, entries: Vec<NewEntry>) -> Result<usize, DbError> {
                let now = super::backend::now_rfc3339();
                let mut tx = self.pool.begin().await?;
                // Lock the team's row first (SQLite: the write lock), as a push does.
                sqlx::query(&$sql("UPDATE team_counters SET seq = seq WHERE team_id = ?"))
                    .bind(team_id)
                    .execute(&mut *tx)
                    .await?;
                let mut fresh = Vec::new();
                for e in entries {
                    let seen: Option<(i64,)> = match &e.event_id {
                        Some(id) => {
                            sqlx::query_as(&$sql("SELECT n FROM audit_log WHERE team_id = ? AND event_id = ?"))
                                .bind(team_id)
                                .bind(id)
                                .fetch_optional(&mut *tx)
                                .await?
                        }
                        None => None,
                    };
                    let doubled = fresh.iter().any(|f: &NewEntry| f.event_id.is_some() && f.event_id == e.event_id);
                    if seen.is_none() && !doubled {
                        fresh.push(e);
                    }
                }
                let count = fresh.len();
                Self::audit_in_tx(&mut tx, team_id, fresh, &now).await?;
                tx.commit().await?;
                Ok(count)
            }

            async fn audit_entries(
                &self,
                team_id: &str,
                case_id: Option<&str>,
            ) -> Result<Vec<AuditEntry>, DbError> {
                let rows: Vec<Row> = match case_id {
                    Some(case) => {
                        sqlx::query_as(&$sql(&format!(
                            "SELECT {COLUMNS} FROM audit_log WHERE team_id = ? AND case_id = ? ORDER BY n"
                        )))
                        .bind(team_id)
                        .bind(case)
                        .fetch_all(&self.pool)
                        .await?
                    }
                    None => {
                        sqlx::query_as(&$sql(&format!("SELECT {COLUMNS} FROM audit_log WHERE team_id = ? ORDER BY n")))
                            .bind(team_id)
                            .fetch_all(&self.pool)
                            .await?
                    }
                };
                Ok(rows.into_iter().map(entry).collect())
            }

            async fn audit_verify(&self) -> Result<Vec<TeamVerdict>, DbError> {
                let heads: Vec<(String, i64, String)> =
                    sqlx::query_as(&$sql("SELECT team_id, audit_n, audit_hash FROM team_counters ORDER BY team_id"))
                        .fetch_all(&self.pool)
                        .await?;
                let mut out = Vec::new();
                for (team, n, hash) in heads {
                    let entries = self.audit_entries(&team, None).await?;
                    let verdict = verify(&entries, (n, &hash)).map(|()| n);
                    out.push((team, verdict));
                }
                Ok(out)
            }
        }
    };
}

impl_audit!(SqliteStore, sqlx::Sqlite, sqlite_sql);
impl_audit!(PgStore, sqlx::Postgres, postgres_sql);
