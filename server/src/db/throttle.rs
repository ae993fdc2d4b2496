//! Storage of login throttling: failed logins counted per key in the database, so every server process
//! on the same database sees the same counts and locks. The policy (which keys, how many failures, how
//! long) is in `crate::throttle`; keys are opaque here (SHA-256 hex, never a username or address).
//! Kept apart from `backend.rs` as its own trait; the SQL is written once, like there.

use std::borrow::Cow;

use async_trait::async_trait;

use super::backend::{PgStore, SqliteStore};
use super::{pg_sql, DbError};

/// How failures of one key are counted: `max_failures` within `window_secs` lock it for `lock_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max_failures: u32,
    pub window_secs: i64,
    pub lock_secs: i64,
}

/// One key's stored counter. Times are unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: i64,
    pub window_start: i64,
    pub locked_until: i64,
}

impl Counter {
    /// The counter after one more failure at `now`. Pure, the same for both backends.
    pub fn after_failure(self, limit: Limit, now: i64) -> Counter {
        let (failures, window_start) = if self.failures == 0 || now - self.window_start >= limit.window_secs {
            (1, now)
        } else {
            (self.failures + 1, self.window_start)
        };
        if failures >= i64::from(limit.max_failures) {
            // Locked; counting starts afresh when the lock ends.
            Counter { failures: 0, window_start: now, locked_until: now + limit.lock_secs }
        } else {
            Counter { failures, window_start, locked_until: self.locked_until }
        }
    }
}

#[async_trait]
pub trait LoginThrottle {
    /// The latest end of a lock on any of `keys` that is still running at `now`.
    async fn throttle_lock_end(&self, keys: &[&str], now: i64) -> Result<Option<i64>, DbError>;
    /// Counts one failed login for `key` (atomically, also across processes). Returns the end of the
    /// key's lock when the key is locked after this failure.
    async fn throttle_failure(&self, key: &str, limit: Limit, now: i64) -> Result<Option<i64>, DbError>;
    /// Forgets `key`'s failures (a successful login of that username).
    async fn throttle_clear(&self, key: &str) -> Result<(), DbError>;
}

fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    Cow::Borrowed(sql)
}

fn postgres_sql(sql: &str) -> Cow<'_, str> {
    Cow::Owned(pg_sql(sql))
}

macro_rules! impl_login_throttle {
    ($store:ty, $sql:path) => {
        #[async_trait]
        impl LoginThrottle for $store {
            async fn throttle_lock_end(&self, keys: &[&str], now: i64) -> Result<Option<i64>, DbError> {
                let mut end = None;
                for key in keys {
                    let row: Option<(i64,)> = sqlx::query_as(&$sql(
                        "SELECT locked_until FROM login_throttle WHERE throttle_key = ? AND locked_until > ?",
                    ))
                    .bind(*key)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                    end = end.max(row.map(|r| r.0));
                }
                Ok(end)
            }

            async fn throttle_failure(
                &self,
                key: &str,
                limit: Limit,
                now: i64,
            ) -> Result<Option<i64>, DbError> {
                let mut tx = self.pool.begin().await?;
                // Write first: SQLite takes its write lock here; on PostgreSQL the UPDATE below locks the
                // row, so concurrent failures on two server processes are both counted.
                sqlx::query(&$sql(
                    "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) \
                     VALUES (?, 0, ?, 0) ON CONFLICT (throttle_key) DO NOTHING",
                ))
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let (failures, window_start, locked_until): (i64, i64, i64) = sqlx::query_as(&$sql(
                    "UPDATE login_throttle SET failures = failures WHERE throttle_key = ? \
                     RETURNING failures, window_start, locked_until",
                ))
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
                let next = Counter { failures, window_start, locked_until }.after_failure(limit, now);
                sqlx::query(&$sql(
                    "UPDATE login_throttle SET failures = ?, window_start = ?, locked_until = ? \
                     WHERE throttle_key = ?",
                ))
                .bind(next.failures)
                .bind(next.window_start)
                .bind(next.locked_until)
                .bind(key)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                // Counters that neither lock nor count any more are forgotten: the table stays small.
                sqlx::query(&$sql("DELETE FROM login_throttle WHERE locked_until <= ? AND window_start < ?"))
                    .bind(now)
                    .bind(now - limit.window_secs)
                    .execute(&self.pool)
                    .await?;
                Ok(Some(next.locked_until).filter(|until| *until > now))
            }

            async fn throttle_clear(&self, key: &str) -> Result<(), DbError> {
                sqlx::query(&$sql("DELETE FROM login_throttle WHERE throttle_key = ?"))
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}

impl_login_throttle!(SqliteStore, sqlite_sql);
impl_login_throttle!(PgStore, postgres_sql);

#[cfg(test)]
mod tests {
    use super::{Counter, Limit};

    const LIMIT: Limit = Limit { max_failures: 3, window_secs: 60, lock_secs: 300 };
    const FRESH: Counter = Counter { failures: 0, window_start: 0, locked_until: 0 };

    #[test]
    fn the_nth_failure_within_the_window_locks() {
        let c = FRESH.after_failure(LIMIT, 1000);
        assert_eq!(c, Counter { failures: 1, window_start: 1000, locked_until: 0 });
        let c = c.after_failure(LIMIT, 1010);
        assert_eq!(c, Counter { failures: 2, window_start: 1000, locked_until: 0 });
        let c = c.after_failure(LIMIT, 1059);
        assert_eq!(c, Counter { failures: 0, window_start: 1059, locked_until: 1359 });
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let c = FRESH.after_failure(LIMIT, 1000).after_failure(LIMIT, 1001);
        let c = c.after_failure(LIMIT, 1061);
        assert_eq!(c, Counter { failures: 1, window_start: 1061, locked_until: 0 });
    }

    #[test]
    fn an_ended_lock_gives_a_fresh_count() {
        let locked = Counter { failures: 0, window_start: 1000, locked_until: 1300 };
        let c = locked.after_failure(LIMIT, 1400);
        assert_eq!(c.failures, 1);
        assert_eq!(c.locked_until, 1300, "the old end stays in the past");
    }

    #[test]
    fn one_allowed_failure_locks_at_once() {
        let one = Limit { max_failures: 1, ..LIMIT };
        assert_eq!(FRESH.after_failure(one, 5).locked_until, 305);
    }
}
