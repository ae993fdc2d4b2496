//! The SQLite and PostgreSQL implementations of [`Database`]. The method bodies are identical apart
//! from the placeholder style, so one macro expands them for both pool types; the decision of what a
//! mutation does ([`decide`]) is plain Rust shared by both.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use passgenau_domain::conflict::{merge, FieldVersion, FieldVersions, Merged, Stored, Writer};
use passgenau_domain::roles::APPROVAL_FIELDS;
use passgenau_domain::sync::{
    Mutation, PullResponse, PushResponse, RecordKind, RecordState, Rejection, MAX_PULL_PAGE,
    SYNC_PROTOCOL_VERSION,
};
use passgenau_domain::UserMessage;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{pg_sql, Actor, CompactPolicy, Compaction, Database, Db, DbError, LiveRecord, NewUser, UserRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Opens the database named by `url` (`sqlite:` or `postgres:`/`postgresql:`) and runs its migrations.
pub async fn connect(url: &str) -> Result<Db, DbError> {
    let db: Db = if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // The server checkpoints the WAL in the background (`Database::checkpoint`), so a request
            // rarely pays for it; this bound (about 40 MB of WAL) only applies if that falls behind.
            .pragma("wal_autocheckpoint", "10000")
            // 32 MiB of page cache per connection (default 2 MiB): the record indexes of a large team
            // stay in memory instead of being re-read from the OS on every push.
            .pragma("cache_size", "-32768")
            // Reads through a memory map instead of a copy per page read (256 MiB of address space).
            .pragma("mmap_size", "268435456");
        if let Some(dir) = opts.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| DbError::Sqlx(sqlx::Error::Io(e)))?;
            }
        }
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
        Arc::new(SqliteStore { pool })
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        Arc::new(PgStore { pool })
    } else {
        return Err(DbError::UnsupportedUrl);
    };
    db.migrate().await?;
    Ok(db)
}

pub struct SqliteStore {
    pub(super) pool: SqlitePool,
}

pub struct PgStore {
    pub(super) pool: PgPool,
}

fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    Cow::Borrowed(sql)
}

fn postgres_sql(sql: &str) -> Cow<'_, str> {
    Cow::Owned(pg_sql(sql))
}

pub(super) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Stores a record's field versions compactly: most fields of a record share a version (a new record,
/// a form saved at once), so each distinct version is written once: `[[version, …], {field: index}]`.
/// Rows written before this format hold the plain map (`{field: version}`); [`decode_versions`] reads
/// both, so no migration rewrites them.
fn encode_versions(versions: &FieldVersions) -> Result<String, DbError> {
    let mut distinct: Vec<&FieldVersion> = Vec::new();
    let mut index = serde_json::Map::new();
    for (field, v) in versions {
        let i = match distinct.iter().position(|d| *d == v) {
            Some(i) => i,
            None => {
                distinct.push(v);
                distinct.len() - 1
            }
        };
        index.insert(field.clone(), serde_json::Value::from(i));
    }
    serde_json::to_string(&(distinct, index)).map_err(|e| DbError::Corrupt(e.to_string()))
}

fn decode_versions(text: &str) -> Result<FieldVersions, DbError> {
    let corrupt = |e: serde_json::Error| DbError::Corrupt(format!("field versions: {e}"));
    if text.trim_start().starts_with('[') {
        let (distinct, index): (Vec<FieldVersion>, BTreeMap<String, usize>) =
            serde_json::from_str(text).map_err(corrupt)?;
        index
            .into_iter()
            .map(|(field, i)| match distinct.get(i) {
                Some(v) => Ok((field, v.clone())),
                None => Err(DbError::Corrupt(format!("field versions: index {i} out of range"))),
            })
            .collect()
    } else {
        serde_json::from_str(text).map_err(corrupt)
    }
}

/// Records read per statement when a push starts.
const READ_CHUNK: usize = 500;
/// Records written per statement when a push ends (9 parameters each; far below both backends' limits).
const WRITE_CHUNK: usize = 200;

/// What a stored record looks like to [`decide`].
struct Current {
    team_id: String,
    kind: String,
    stored: Stored,
}

/// Decides what one mutation does to the current record. Pure: the same for both backends.
fn decide(
    actor: &Actor,
    client_id: &str,
    m: &Mutation,
    current: Option<Current>,
    seq: u64,
) -> Result<Merged, Rejection> {
    let reject = |reason: String, reason_de: String| Rejection { mutation_id: m.id, reason, reason_de };
    // Another team's record (or one of another kind) is treated exactly like a missing one, so the
    // answer does not disclose that it exists. Only a put that would create it must still be refused.
    let foreign = current.as_ref().is_some_and(|c| c.team_id != actor.team_id || c.kind != m.kind.as_str());
    let current = current.filter(|_| !foreign);
    let writer = Writer { client_id, by: &actor.display_name, seq };
    let merged = merge(m, current.as_ref().map(|c| &c.stored), &writer)
        .map_err(|e| reject(e.to_string(), e.message_de()))?;
    // Checked before the team: a foreign record counts as missing here too, so the answer is the
    // same as for a record that does not exist.
    if !actor.may_approve && changes_approval(m, current.as_ref().map(|c| &c.stored.body)) {
        return Err(reject(
            "only the Jugendamt (ASD) or the Teamleitung may set a Hilfesetting's approval, \
             Einzelvereinbarung or case budget"
                .into(),
            "Die Bewilligung (Zeitraum, Einzelvereinbarung, Fallbudget) setzt das Jugendamt (ASD) oder \
             die Teamleitung."
                .into(),
        ));
    }
    if !actor.may_approve && m.kind == RecordKind::SozialraumBudget {
        return Err(reject(
            "only the Jugendamt (ASD) or the Teamleitung may set the Sozialraumbudget".into(),
            "Das Sozialraumbudget setzt das Jugendamt (ASD) oder die Teamleitung.".into(),
        ));
    }
    if foreign {
        return Err(reject(
            "record id already in use".into(),
            "Dieser Datensatz kann nicht angelegt werden. Bitte neu erfassen.".into(),
        ));
    }
    Ok(merged)
}

/// Whether a put on a Hilfesetting gives one of its approval fields (`roles::APPROVAL_FIELDS`) another
/// value than it has (a missing field is `null`). Sending the unchanged value, as a device does when it
/// creates the record with every field empty, changes nothing.
fn changes_approval(m: &Mutation, old: Option<&serde_json::Value>) -> bool {
    let (RecordKind::Hilfesetting, Some(fields)) = (m.kind, m.op.fields()) else {
        return false;
    };
    APPROVAL_FIELDS.iter().any(|f| {
        fields.get(*f).is_some_and(|new| {
            let old = old.and_then(|b| b.get(*f)).unwrap_or(&serde_json::Value::Null);
            new != old
        })
    })
}

fn rejection_payload(m: &Mutation) -> String {
    serde_json::to_string(m).unwrap_or_default()
}

macro_rules! impl_database {
    ($store:ty, $backend:expr, $sql:path, $migrations:literal) => {
        impl $store {
            /// The highest seq of a compacted tombstone of the team (0: none).
            async fn compacted_upto_of(&self, team_id: &str) -> Result<u64, DbError> {
                let row: Option<(i64,)> =
                    sqlx::query_as(&$sql("SELECT compacted_upto FROM team_counters WHERE team_id = ?"))
                        .bind(team_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map_or(0, |(c,)| c.max(0) as u64))
            }
        }

        #[async_trait]
        impl Database for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<(), DbError> {
                sqlx::migrate!($migrations).run(&self.pool).await?;
                Ok(())
            }

            async fn ping(&self) -> Result<(), DbError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn checkpoint(&self) -> Result<(), DbError> {
                if $backend == Backend::Sqlite {
                    // PASSIVE: copies what it can without waiting for readers or blocking writers.
                    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&self.pool).await?;
                }
                Ok(())
            }

            async fn team_count(&self) -> Result<i64, DbError> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM teams").fetch_one(&self.pool).await?;
                Ok(n)
            }

            async fn team_id_by_name(&self, name: &str) -> Result<Option<String>, DbError> {
                let row: Option<(String,)> = sqlx::query_as(&$sql("SELECT id FROM teams WHERE name = ?"))
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| r.0))
            }

            async fn create_team(&self, id: &str, name: &str) -> Result<(), DbError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(&$sql("INSERT INTO teams (id, name) VALUES (?, ?)"))
                    .bind(id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(&$sql("INSERT INTO team_counters (team_id, seq) VALUES (?, 0)"))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_user(&self, u: NewUser<'_>) -> Result<(), DbError> {
                sqlx::query(&$sql(
                    "INSERT INTO users (id, team_id, username, display_name, role, password_hash, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(u.id)
                .bind(u.team_id)
                .bind(u.username)
                .bind(u.display_name)
                .bind(u.role)
                .bind(u.password_hash)
                .bind(now_rfc3339())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, DbError> {
                // No username contains NUL, and PostgreSQL refuses NUL in a text parameter (which made
                // such a login a 503 there): there is no such user, on both backends.
                if username.contains('\0') {
                    return Ok(None);
                }
                let row: Option<UserTuple> = sqlx::query_as(&$sql(&format!(
                    "SELECT {USER_COLUMNS} FROM users u JOIN teams t ON t.id = u.team_id WHERE u.username = ?"
                )))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(user_row))
            }

            async fn create_session(&self, token_hash: &str, user_id: &str, expires_at: i64) -> Result<(), DbError> {
                sqlx::query(&$sql("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)"))
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<UserRow>, DbError> {
                let row: Option<UserTuple> = sqlx::query_as(&$sql(&format!(
                    "SELECT {USER_COLUMNS} \
                     FROM sessions s JOIN users u ON u.id = s.user_id JOIN teams t ON t.id = u.team_id \
                     WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1"
                )))
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(user_row))
            }

            async fn delete_session(&self, token_hash: &str) -> Result<(), DbError> {
                sqlx::query(&$sql("DELETE FROM sessions WHERE token_hash = ?"))
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn push(
                &self,
                actor: &Actor,
                client_id: &str,
                mutations: &[Mutation],
            ) -> Result<PushResponse, DbError> {
                let now = now_rfc3339();
                let mut tx = self.pool.begin().await?;
                // Write first: SQLite takes its write lock here (under busy_timeout) instead of failing on
                // a later lock upgrade; PostgreSQL locks the device's row so two tabs cannot both apply.
                sqlx::query(&$sql(
                    "INSERT INTO client_state (client_id, user_id, team_id, last_processed, seen_at) \
                     VALUES (?, ?, ?, 0, ?) ON CONFLICT (client_id) DO NOTHING",
                ))
                .bind(client_id)
                .bind(&actor.user_id)
                .bind(&actor.team_id)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                let (last, owner): (i64, String) = sqlx::query_as(&$sql(
                    "UPDATE client_state SET seen_at = ? WHERE client_id = ? RETURNING last_processed, user_id",
                ))
                .bind(&now)
                .bind(client_id)
                .fetch_one(&mut *tx)
                .await?;
                if owner != actor.user_id {
                    return Err(DbError::ForeignClient);
                }
                // Lock the team before reading any record: on PostgreSQL two pushes of one team could
                // otherwise both read the same body and the later commit would drop the earlier field.
                // The lock is held to commit, so the counter is read once here and written once at the end.
                let (counter_at_start,): (i64,) = sqlx::query_as(&$sql(
                    "UPDATE team_counters SET seq = seq WHERE team_id = ? RETURNING seq",
                ))
                .bind(&actor.team_id)
                .fetch_one(&mut *tx)
                .await?;
                let mut counter = counter_at_start;
                let mut last = u64::try_from(last).map_err(|_| DbError::Corrupt("negative mutation id".into()))?;
                let start = last;
                let mut rejected = Vec::new();
                let mut rejected_ids: Vec<u64> = Vec::new();
                // A replayed push (its response was lost) gets the rejections it had the first time.
                let replayed: Vec<u64> = mutations.iter().map(|m| m.id).filter(|id| *id <= last).collect();
                if let (Some(lo), Some(hi)) = (replayed.iter().min(), replayed.iter().max()) {
                    let rows: Vec<(i64, String, String)> = sqlx::query_as(&$sql(
                        "SELECT mutation_id, reason, reason_de FROM rejected_mutations \
                         WHERE client_id = ? AND mutation_id >= ? AND mutation_id <= ? ORDER BY mutation_id",
                    ))
                    .bind(client_id)
                    .bind(*lo as i64)
                    .bind(*hi as i64)
                    .fetch_all(&mut *tx)
                    .await?;
                    rejected.extend(rows.into_iter().filter(|r| replayed.contains(&(r.0 as u64))).map(
                        |(id, reason, reason_de)| Rejection { mutation_id: id as u64, reason, reason_de },
                    ));
                }
                // Read every record this push touches in a few statements, decide in memory, and write
                // each changed record once at the end: round trips per push, not per mutation.
                let mut state: HashMap<String, Option<Current>> = HashMap::new();
                {
                    let wanted: Vec<&str> = mutations
                        .iter()
                        .filter(|m| m.id > last && !m.record_id.contains('\0'))
                        .map(|m| m.record_id.as_str())
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    for chunk in wanted.chunks(READ_CHUNK) {
                        let sql = format!(
                            "SELECT id, team_id, kind, body, deleted, field_versions FROM records WHERE id IN ({})",
                            vec!["?"; chunk.len()].join(", ")
                        );
                        let sql = $sql(&sql);
                        let mut q = sqlx::query_as::<_, (String, String, String, String, i64, String)>(&sql);
                        for id in chunk {
                            q = q.bind(*id);
                        }
                        for (id, team_id, kind, body, deleted, versions) in q.fetch_all(&mut *tx).await? {
                            let stored = Stored {
                                body: serde_json::from_str(&body).map_err(|e| DbError::Corrupt(e.to_string()))?,
                                deleted: deleted != 0,
                                versions: decode_versions(&versions)?,
                            };
                            state.insert(id, Some(Current { team_id, kind, stored }));
                        }
                    }
                }
                // Changed records in the order of their (last) change, with the seq of that change.
                let mut dirty: Vec<(String, RecordKind, i64)> = Vec::new();
                let mut dirty_at: HashMap<String, usize> = HashMap::new();
                let mut mark = |id: &str, kind: RecordKind, seq: i64| match dirty_at.get(id) {
                    Some(&i) => dirty[i].2 = seq,
                    None => {
                        dirty_at.insert(id.to_owned(), dirty.len());
                        dirty.push((id.to_owned(), kind, seq));
                    }
                };
                for m in mutations {
                    if m.id <= last {
                        continue; // Already processed: a replayed push changes nothing.
                    }
                    if m.id != last + 1 {
                        break; // A gap: the device resends from last + 1.
                    }
                    // A record id with NUL names no record (ids are UUIDs), and PostgreSQL refuses NUL
                    // in a text parameter: `decide` rejects it like any other unknown record.
                    let current = state.get(&m.record_id).and_then(|c| c.as_ref()).map(|c| Current {
                        team_id: c.team_id.clone(),
                        kind: c.kind.clone(),
                        stored: c.stored.clone(),
                    });
                    // The position this change gets if it applies; the counter only moves then.
                    let seq = counter + 1;
                    match decide(actor, client_id, m, current, seq as u64) {
                        Ok(next) => {
                            counter = seq + next.conflicts.len() as i64;
                            // Each conflict is a record of its own, at the positions right after the change.
                            for (i, c) in next.conflicts.iter().enumerate() {
                                let body = serde_json::to_value(c).map_err(|e| DbError::Corrupt(e.to_string()))?;
                                let stored = Stored { body, deleted: false, versions: FieldVersions::default() };
                                let cur = Current {
                                    team_id: actor.team_id.clone(),
                                    kind: RecordKind::Conflict.as_str().to_owned(),
                                    stored,
                                };
                                state.insert(c.id.clone(), Some(cur));
                                mark(&c.id, RecordKind::Conflict, seq + 1 + i as i64);
                                tracing::info!(record = %m.record_id, field = %c.field, "concurrent change kept as a conflict");
                            }
                            let stored = Stored { body: next.body, deleted: next.deleted, versions: next.versions };
                            let cur =
                                Current { team_id: actor.team_id.clone(), kind: m.kind.as_str().to_owned(), stored };
                            state.insert(m.record_id.clone(), Some(cur));
                            mark(&m.record_id, m.kind, seq);
                        }
                        Err(rejection) => {
                            sqlx::query(&$sql(
                                "INSERT INTO rejected_mutations \
                                 (client_id, mutation_id, user_id, reason, reason_de, payload, rejected_at) \
                                 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, mutation_id) DO NOTHING",
                            ))
                            .bind(client_id)
                            .bind(m.id as i64)
                            .bind(&actor.user_id)
                            .bind(&rejection.reason)
                            .bind(&rejection.reason_de)
                            .bind(rejection_payload(m))
                            .bind(&now)
                            .execute(&mut *tx)
                            .await?;
                            tracing::info!(mutation = m.id, reason = %rejection.reason, "mutation rejected");
                            rejected_ids.push(m.id);
                            rejected.push(rejection);
                        }
                    }
                    last = m.id;
                }
                // Every applied change goes into the team's audit chain, in this transaction.
                let audit: Vec<crate::audit::NewEntry> = mutations
                    .iter()
                    .filter(|m| m.id > start && m.id <= last && !rejected_ids.contains(&m.id))
                    .map(|m| {
                        let body = state
                            .get(&m.record_id)
                            .and_then(|c| c.as_ref())
                            .map(|c| c.stored.body.clone())
                            .unwrap_or_default();
                        crate::audit::NewEntry {
                            device_at: None,
                            actor: actor.user_id.clone(),
                            client_id: Some(client_id.to_owned()),
                            action: if matches!(m.op, passgenau_domain::sync::Op::Delete) {
                                "record.delete".into()
                            } else {
                                "record.put".into()
                            },
                            record_kind: Some(m.kind.as_str().to_owned()),
                            record_id: Some(m.record_id.clone()),
                            case_id: crate::audit::case_of(m.kind, &m.record_id, &body),
                            event_id: None,
                            detail: None,
                        }
                    })
                    .collect();
                Self::audit_in_tx(&mut tx, &actor.team_id, audit, &now).await?;
                for chunk in dirty.chunks(WRITE_CHUNK) {
                    let sql = format!(
                        "INSERT INTO records (id, team_id, kind, seq, deleted, body, updated_by, updated_at, \
                         field_versions) VALUES {} ON CONFLICT (id) DO UPDATE SET \
                         seq = excluded.seq, deleted = excluded.deleted, body = excluded.body, \
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at, \
                         field_versions = excluded.field_versions",
                        vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
                    );
                    let sql = $sql(&sql);
                    let mut q = sqlx::query(&sql);
                    for (id, kind, seq) in chunk {
                        let Some(Some(cur)) = state.get(id) else {
                            return Err(DbError::Corrupt(format!("changed record {id} vanished")));
                        };
                        let versions = encode_versions(&cur.stored.versions)?;
                        q = q
                            .bind(id.as_str())
                            .bind(actor.team_id.as_str())
                            .bind(kind.as_str())
                            .bind(*seq)
                            .bind(i64::from(cur.stored.deleted))
                            .bind(cur.stored.body.to_string())
                            .bind(actor.display_name.as_str())
                            .bind(now.as_str())
                            .bind(versions);
                    }
                    q.execute(&mut *tx).await?;
                }
                if counter != counter_at_start {
                    sqlx::query(&$sql("UPDATE team_counters SET seq = ? WHERE team_id = ?"))
                        .bind(counter)
                        .bind(&actor.team_id)
                        .execute(&mut *tx)
                        .await?;
                }
                if last != start {
                    sqlx::query(&$sql("UPDATE client_state SET last_processed = ? WHERE client_id = ?"))
                        .bind(last as i64)
                        .bind(client_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(PushResponse { last_processed: last, rejected })
            }

            async fn pull(
                &self,
                actor: &Actor,
                client_id: Option<&str>,
                since: u64,
                limit: u32,
            ) -> Result<PullResponse, DbError> {
                let limit = limit.clamp(1, MAX_PULL_PAGE);
                let since_i = i64::try_from(since).unwrap_or(i64::MAX);
                if let Some(client_id) = client_id {
                    // Remember what this device has applied, so compaction keeps the tombstones it still
                    // needs. Only the device's own row (bound to its user at first push or pull).
                    sqlx::query(&$sql(
                        "INSERT INTO client_state (client_id, user_id, team_id, last_processed, seen_at, pulled_upto) \
                         VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (client_id) DO UPDATE \
                         SET pulled_upto = excluded.pulled_upto, seen_at = excluded.seen_at \
                         WHERE client_state.user_id = excluded.user_id",
                    ))
                    .bind(client_id)
                    .bind(&actor.user_id)
                    .bind(&actor.team_id)
                    .bind(now_rfc3339())
                    .bind(since_i)
                    .execute(&self.pool)
                    .await?;
                }
                let compacted_before = self.compacted_upto_of(&actor.team_id).await?;
                let rows: Vec<(String, String, i64, i64, String, String)> = sqlx::query_as(&$sql(
                    "SELECT kind, id, seq, deleted, body, updated_by FROM records \
                     WHERE team_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                ))
                .bind(&actor.team_id)
                .bind(since_i)
                .bind(i64::from(limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                let has_more = rows.len() > limit as usize;
                let mut records = Vec::with_capacity(rows.len().min(limit as usize));
                for (kind, id, seq, deleted, body, updated_by) in rows.into_iter().take(limit as usize) {
                    let kind = RecordKind::parse(&kind).ok_or_else(|| DbError::Corrupt(format!("kind {kind}")))?;
                    records.push(RecordState {
                        kind,
                        id,
                        seq: seq as u64,
                        deleted: deleted != 0,
                        body: serde_json::from_str(&body).map_err(|e| DbError::Corrupt(e.to_string()))?,
                        updated_by,
                    });
                }
                // Checked after reading: a compaction that committed before the read has raised
                // `compacted_upto` by now (it only grows), so a page missing a removed tombstone is never
                // answered as complete.
                let compacted_after = if since > 0 { self.compacted_upto_of(&actor.team_id).await? } else { 0 };
                if since < compacted_after {
                    return Err(DbError::ResetRequired { since, compacted_upto: compacted_after });
                }
                // The last page ends at least at `compacted_before`: every record up to it existed before
                // the read began, so removed tombstones never leave a cursor that would require a reset.
                let mut cursor = records.last().map_or(since, |r| r.seq);
                if !has_more {
                    cursor = cursor.max(compacted_before);
                }
                Ok(PullResponse { protocol: SYNC_PROTOCOL_VERSION, records, cursor, has_more })
            }

            async fn live_records(&self, kinds: &[RecordKind]) -> Result<Vec<LiveRecord>, DbError> {
                if kinds.is_empty() {
                    return Ok(Vec::new());
                }
                // No index on `kind`: this scans the records once, which a rare read of the Teamleitung
                // can afford better than every push could afford maintaining one more index.
                let sql = format!(
                    "SELECT kind, id, body FROM records WHERE deleted = 0 AND kind IN ({}) ORDER BY id",
                    vec!["?"; kinds.len()].join(", ")
                );
                let sql = $sql(&sql);
                let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
                for kind in kinds {
                    q = q.bind(kind.as_str());
                }
                let rows = q.fetch_all(&self.pool).await?;
                let mut out = Vec::with_capacity(rows.len());
                for (kind, id, body) in rows {
                    let kind = RecordKind::parse(&kind).ok_or_else(|| DbError::Corrupt(format!("kind {kind}")))?;
                    out.push(LiveRecord { kind, id, body });
                }
                // The same order on both backends whatever their collation (the profile shows the first
                // spelling of a provider's name it meets).
                out.sort_by(|a, b| a.id.cmp(&b.id));
                Ok(out)
            }

            async fn compact_tombstones(&self, policy: &CompactPolicy) -> Result<Vec<Compaction>, DbError> {
                let teams: Vec<(String,)> =
                    sqlx::query_as("SELECT team_id FROM team_counters ORDER BY team_id").fetch_all(&self.pool).await?;
                let mut out = Vec::with_capacity(teams.len());
                for (team_id,) in teams {
                    let mut tx = self.pool.begin().await?;
                    // The team's row lock, as in push: no push of this team runs while tombstones go.
                    let (seq, compacted_upto): (i64, i64) = sqlx::query_as(&$sql(
                        "UPDATE team_counters SET seq = seq WHERE team_id = ? RETURNING seq, compacted_upto",
                    ))
                    .bind(&team_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let (floor,): (Option<i64>,) = sqlx::query_as(&$sql(
                        "SELECT MIN(pulled_upto) FROM client_state WHERE team_id = ? AND seen_at >= ?",
                    ))
                    .bind(&team_id)
                    .bind(&policy.active_since)
                    .fetch_one(&mut *tx)
                    .await?;
                    let floor = floor.unwrap_or(seq);
                    let (removed, top): (i64, Option<i64>) = sqlx::query_as(&$sql(
                        "SELECT COUNT(*), MAX(seq) FROM records \
                         WHERE team_id = ? AND deleted = 1 AND seq <= ? AND updated_at < ?",
                    ))
                    .bind(&team_id)
                    .bind(floor)
                    .bind(&policy.deleted_before)
                    .fetch_one(&mut *tx)
                    .await?;
                    let mut new_upto = compacted_upto;
                    if let (true, Some(top)) = (removed > 0, top) {
                        // Case files go into the archive, not away (§ 9b SGB VIII).
                        let files: Vec<(String, String, String, String, String)> = sqlx::query_as(&$sql(
                            "SELECT id, kind, body, updated_by, updated_at FROM records \
                             WHERE team_id = ? AND deleted = 1 AND seq <= ? AND updated_at < ?",
                        ))
                        .bind(&team_id)
                        .bind(floor)
                        .bind(&policy.deleted_before)
                        .fetch_all(&mut *tx)
                        .await?;
                        let archived_at = now_rfc3339();
                        for (id, kind, body, by, at) in files {
                            if !RecordKind::parse(&kind).is_some_and(RecordKind::is_case_file) {
                                continue;
                            }
                            let keep_until = (kind == RecordKind::Case.as_str())
                                .then(|| serde_json::from_str::<serde_json::Value>(&body).ok())
                                .flatten()
                                .and_then(|b| {
                                    passgenau_domain::retention::keep_until(b.get("birth").and_then(|v| v.as_str()))
                                })
                                .map(|d| d.to_string());
                            sqlx::query(&$sql(
                                "INSERT INTO archived_records \
                                 (id, team_id, kind, body, deleted_by, deleted_at, archived_at, keep_until) \
                                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET \
                                 body = excluded.body, deleted_by = excluded.deleted_by, \
                                 deleted_at = excluded.deleted_at, archived_at = excluded.archived_at, \
                                 keep_until = excluded.keep_until",
                            ))
                            .bind(&id)
                            .bind(&team_id)
                            .bind(&kind)
                            .bind(&body)
                            .bind(&by)
                            .bind(&at)
                            .bind(&archived_at)
                            .bind(keep_until)
                            .execute(&mut *tx)
                            .await?;
                        }
                        sqlx::query(&$sql(
                            "DELETE FROM records WHERE team_id = ? AND deleted = 1 AND seq <= ? AND updated_at < ?",
                        ))
                        .bind(&team_id)
                        .bind(floor)
                        .bind(&policy.deleted_before)
                        .execute(&mut *tx)
                        .await?;
                        new_upto = compacted_upto.max(top);
                        sqlx::query(&$sql("UPDATE team_counters SET compacted_upto = ? WHERE team_id = ?"))
                            .bind(new_upto)
                            .bind(&team_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    out.push(Compaction {
                        team_id,
                        removed: removed.max(0) as u64,
                        compacted_upto: new_upto.max(0) as u64,
                    });
                }
                Ok(out)
            }
        }
    };
}

/// The columns of a [`UserRow`] (users `u` joined with teams `t`).
const USER_COLUMNS: &str =
    "u.id, u.team_id, t.name, u.username, u.display_name, u.role, u.password_hash, u.active";

type UserTuple = (String, String, String, String, String, String, String, i64);

fn user_row(r: UserTuple) -> UserRow {
    UserRow {
        id: r.0,
        team_id: r.1,
        team_name: r.2,
        username: r.3,
        display_name: r.4,
        role: r.5,
        password_hash: r.6,
        active: r.7 != 0,
    }
}

impl_database!(SqliteStore, Backend::Sqlite, sqlite_sql, "./migrations/sqlite");
impl_database!(PgStore, Backend::Postgres, postgres_sql, "./migrations/postgres");

#[cfg(test)]
mod tests {
    use super::*;

    fn v(seq: u64, client: &str) -> FieldVersion {
        FieldVersion { seq, client_id: client.into(), by: "Anna".into(), client_time: "t".into() }
    }

    #[test]
    fn versions_round_trip_compactly_and_old_rows_still_read() {
        let mut versions = FieldVersions::new();
        for f in ["schema", "id", "label", "start_date"] {
            versions.insert(f.into(), v(7, "a"));
        }
        versions.insert("note".into(), v(9, "b"));
        let text = encode_versions(&versions).unwrap();
        assert_eq!(text.matches("\"seq\"").count(), 2, "each distinct version once: {text}");
        assert_eq!(decode_versions(&text).unwrap(), versions);
        let old = serde_json::to_string(&versions).unwrap();
        assert_eq!(decode_versions(&old).unwrap(), versions);
        assert_eq!(decode_versions("{}").unwrap(), FieldVersions::new());
        assert!(decode_versions("[[], {\"note\": 3}]").is_err());
    }
}
