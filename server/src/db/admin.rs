//! Storage of the administration (`crate::admin_api`): accounts, teams and catalog versions. Every
//! change is appended to the acting admin's team audit chain in the same transaction, which holds
//! that team's `team_counters` row as every other writer of the chain does. The SQL is written once,
//! like `backend.rs`.

use std::borrow::Cow;

use async_trait::async_trait;
use passgenau_domain::admin::{TeamSummary, UserSummary};

use super::backend::{now_rfc3339, PgStore, SqliteStore};
use super::{pg_sql, Actor, DbError, NewUser};
use crate::audit::NewEntry;

/// What an admin changes of an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub team_id: Option<String>,
    pub active: Option<bool>,
    /// The new password's hash (never the password).
    pub password_hash: Option<String>,
}

impl UserChanges {
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.role.is_none()
            && self.team_id.is_none()
            && self.active.is_none()
            && self.password_hash.is_none()
    }

    /// Whether the account's sessions end: deactivated, a new password, or another team (a session
    /// of the old team must not sync into the new one).
    pub fn ends_sessions(&self) -> bool {
        self.active == Some(false) || self.password_hash.is_some() || self.team_id.is_some()
    }
}

#[async_trait]
pub trait AdminStore {
    /// Every account of every team, by team name and username.
    async fn admin_users(&self) -> Result<Vec<UserSummary>, DbError>;
    async fn admin_user(&self, id: &str) -> Result<Option<UserSummary>, DbError>;
    /// Creates an account; `DbError::Duplicate` when the username is taken.
    async fn admin_create_user(&self, by: &Actor, user: NewUser<'_>, detail: &str) -> Result<(), DbError>;
    /// Changes an account; `Ok(false)` when there is none with this id. Ends the account's sessions
    /// when [`UserChanges::ends_sessions`].
    async fn admin_update_user(
        &self,
        by: &Actor,
        id: &str,
        changes: &UserChanges,
        detail: &str,
    ) -> Result<bool, DbError>;
    /// Every team with its number of active accounts, by name.
    async fn admin_teams(&self) -> Result<Vec<TeamSummary>, DbError>;
    async fn admin_team(&self, id: &str) -> Result<Option<TeamSummary>, DbError>;
    /// Creates a team and its counter row; `DbError::Duplicate` when the name is taken.
    async fn admin_create_team(&self, by: &Actor, id: &str, name: &str) -> Result<(), DbError>;
    /// Renames a team; `Ok(false)` when there is none with this id, `DbError::Duplicate` when another
    /// team has the name.
    async fn admin_rename_team(
        &self,
        by: &Actor,
        id: &str,
        name: &str,
        detail: &str,
    ) -> Result<bool, DbError>;
    /// The newest catalog version an admin stored: its number and JSON text.
    async fn catalog_current(&self) -> Result<Option<(i64, String)>, DbError>;
    /// Stores a new catalog version and returns its number (from 1); `DbError::Duplicate` when
    /// another admin stored one at the same moment.
    async fn catalog_store(&self, by: &Actor, body: &str, detail: &str) -> Result<i64, DbError>;
}

type UserTuple = (String, String, String, String, String, String, i64);

fn user_summary(r: UserTuple) -> UserSummary {
    UserSummary {
        id: r.0,
        username: r.1,
        display_name: r.2,
        role: r.3,
        team_id: r.4,
        team_name: r.5,
        active: r.6 != 0,
    }
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.team_id, t.name, u.active \
     FROM users u JOIN teams t ON t.id = u.team_id";

const TEAM_SELECT: &str = "SELECT t.id, t.name, COUNT(u.id) FROM teams t \
     LEFT JOIN users u ON u.team_id = t.id AND u.active = 1";

fn team_summary((id, name, members): (String, String, i64)) -> TeamSummary {
    TeamSummary { id, name, members }
}

/// The audit entry of an admin action.
fn entry(by: &Actor, action: &str, kind: &str, id: &str, detail: &str) -> NewEntry {
    NewEntry {
        device_at: None,
        actor: by.user_id.clone(),
        client_id: None,
        action: action.to_owned(),
        record_kind: Some(kind.to_owned()),
        record_id: Some(id.to_owned()),
        case_id: None,
        event_id: None,
        detail: Some(detail.to_owned()),
    }
}

/// A unique index refused the write (two admins at the same moment): the same answer as the check
/// before it.
fn duplicate(what: &'static str) -> impl FnOnce(sqlx::Error) -> DbError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => DbError::Duplicate(what),
        _ => DbError::Sqlx(e),
    }
}

fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    Cow::Borrowed(sql)
}

fn postgres_sql(sql: &str) -> Cow<'_, str> {
    Cow::Owned(pg_sql(sql))
}

macro_rules! impl_admin {
    ($store:ty, $db:ty, $sql:path) => {
        impl $store {
            /// Starts an admin's transaction: holds the admin's team counter row (the audit chain's
            /// writer lock; SQLite: the write lock) before anything is read.
            async fn admin_begin(&self, by: &Actor) -> Result<sqlx::Transaction<'static, $db>, DbError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(&$sql("UPDATE team_counters SET seq = seq WHERE team_id = ?"))
                    .bind(&by.team_id)
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }

        #[async_trait]
        impl AdminStore for $store {
            async fn admin_users(&self) -> Result<Vec<UserSummary>, DbError> {
                let rows: Vec<UserTuple> = sqlx::query_as(&format!("{USER_SELECT} ORDER BY t.name, u.username"))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(user_summary).collect())
            }

            async fn admin_user(&self, id: &str) -> Result<Option<UserSummary>, DbError> {
                if id.contains('\0') {
                    return Ok(None);
                }
                let row: Option<UserTuple> = sqlx::query_as(&$sql(&format!("{USER_SELECT} WHERE u.id = ?")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(user_summary))
            }

            async fn admin_create_user(&self, by: &Actor, u: NewUser<'_>, detail: &str) -> Result<(), DbError> {
                let now = now_rfc3339();
                let mut tx = self.admin_begin(by).await?;
                let taken: Option<(String,)> = sqlx::query_as(&$sql("SELECT id FROM users WHERE username = ?"))
                    .bind(u.username)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err(DbError::Duplicate("username"));
                }
                sqlx::query(&$sql(
                    "INSERT INTO users (id, team_id, username, display_name, role, password_hash, created_at, active) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
                ))
                .bind(u.id)
                .bind(u.team_id)
                .bind(u.username)
                .bind(u.display_name)
                .bind(u.role)
                .bind(u.password_hash)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(duplicate("username"))?;
                let e = entry(by, "admin.user.create", "user", u.id, detail);
                Self::audit_in_tx(&mut tx, &by.team_id, vec![e], &now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn admin_update_user(
                &self,
                by: &Actor,
                id: &str,
                c: &UserChanges,
                detail: &str,
            ) -> Result<bool, DbError> {
                if id.contains('\0') {
                    return Ok(false);
                }
                let now = now_rfc3339();
                let mut tx = self.admin_begin(by).await?;
                let found: Option<(String,)> = sqlx::query_as(&$sql("SELECT id FROM users WHERE id = ?"))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Ok(false);
                }
                // One statement per present field keeps the SQL fixed (no assembled column lists).
                let text_fields = [
                    ("display_name", &c.display_name),
                    ("role", &c.role),
                    ("team_id", &c.team_id),
                    ("password_hash", &c.password_hash),
                ];
                for (column, value) in text_fields {
                    if let Some(v) = value {
                        sqlx::query(&$sql(&format!("UPDATE users SET {column} = ? WHERE id = ?")))
                            .bind(v)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                if let Some(active) = c.active {
                    sqlx::query(&$sql("UPDATE users SET active = ? WHERE id = ?"))
                        .bind(i64::from(active))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                if c.ends_sessions() {
                    sqlx::query(&$sql("DELETE FROM sessions WHERE user_id = ?"))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                let e = entry(by, "admin.user.update", "user", id, detail);
                Self::audit_in_tx(&mut tx, &by.team_id, vec![e], &now).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn admin_teams(&self) -> Result<Vec<TeamSummary>, DbError> {
                let rows: Vec<(String, String, i64)> =
                    sqlx::query_as(&format!("{TEAM_SELECT} GROUP BY t.id, t.name ORDER BY t.name"))
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(team_summary).collect())
            }

            async fn admin_team(&self, id: &str) -> Result<Option<TeamSummary>, DbError> {
                if id.contains('\0') {
                    return Ok(None);
                }
                let row: Option<(String, String, i64)> =
                    sqlx::query_as(&$sql(&format!("{TEAM_SELECT} WHERE t.id = ? GROUP BY t.id, t.name")))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(team_summary))
            }

            async fn admin_create_team(&self, by: &Actor, id: &str, name: &str) -> Result<(), DbError> {
                let now = now_rfc3339();
                let mut tx = self.admin_begin(by).await?;
                let taken: Option<(String,)> = sqlx::query_as(&$sql("SELECT id FROM teams WHERE name = ?"))
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err(DbError::Duplicate("team name"));
                }
                sqlx::query(&$sql("INSERT INTO teams (id, name) VALUES (?, ?)"))
                    .bind(id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await
                    .map_err(duplicate("team name"))?;
                sqlx::query(&$sql("INSERT INTO team_counters (team_id, seq) VALUES (?, 0)"))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let e = entry(by, "admin.team.create", "team", id, name);
                Self::audit_in_tx(&mut tx, &by.team_id, vec![e], &now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn admin_rename_team(
                &self,
                by: &Actor,
                id: &str,
                name: &str,
                detail: &str,
            ) -> Result<bool, DbError> {
                if id.contains('\0') {
                    return Ok(false);
                }
                let now = now_rfc3339();
                let mut tx = self.admin_begin(by).await?;
                let found: Option<(String,)> = sqlx::query_as(&$sql("SELECT id FROM teams WHERE id = ?"))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Ok(false);
                }
                let taken: Option<(String,)> =
                    sqlx::query_as(&$sql("SELECT id FROM teams WHERE name = ? AND id <> ?"))
                        .bind(name)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.is_some() {
                    return Err(DbError::Duplicate("team name"));
                }
                sqlx::query(&$sql("UPDATE teams SET name = ? WHERE id = ?"))
                    .bind(name)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(duplicate("team name"))?;
                let e = entry(by, "admin.team.rename", "team", id, detail);
                Self::audit_in_tx(&mut tx, &by.team_id, vec![e], &now).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn catalog_current(&self) -> Result<Option<(i64, String)>, DbError> {
                Ok(sqlx::query_as("SELECT n, body FROM catalog_versions ORDER BY n DESC LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn catalog_store(&self, by: &Actor, body: &str, detail: &str) -> Result<i64, DbError> {
                let now = now_rfc3339();
                let mut tx = self.admin_begin(by).await?;
                let (n,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(n), 0) + 1 FROM catalog_versions")
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(&$sql(
                    "INSERT INTO catalog_versions (n, body, changed_by, changed_at) VALUES (?, ?, ?, ?)",
                ))
                .bind(n)
                .bind(body)
                .bind(&by.user_id)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(duplicate("catalog version"))?;
                let e = entry(by, "admin.catalog.update", "catalog", &n.to_string(), detail);
                Self::audit_in_tx(&mut tx, &by.team_id, vec![e], &now).await?;
                tx.commit().await?;
                Ok(n)
            }
        }
    };
}

impl_admin!(SqliteStore, sqlx::Sqlite, sqlite_sql);
impl_admin!(PgStore, sqlx::Postgres, postgres_sql);
