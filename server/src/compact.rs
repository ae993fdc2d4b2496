//! Tombstone compaction: deleted records are removed once no active device still needs to learn of
//! the delete. A device that returns after the horizon gets `410 reset_required` on pull, pushes what
//! it holds (it always pushes first) and pulls the team's records again from 0.
//! See `docs/sync-protocol.md`, "Tombstones and reset".

use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::db::{CompactPolicy, Compaction, Db, DbError};

/// When compaction runs and what it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactSettings {
    /// A device seen within this many days is active: tombstones it has not pulled yet stay.
    pub active_days: u32,
    /// A tombstone is kept at least this many days.
    pub tombstone_days: u32,
    /// How often the server compacts.
    pub every: Duration,
}

impl Default for CompactSettings {
    fn default() -> Self {
        CompactSettings { active_days: 60, tombstone_days: 30, every: Duration::from_secs(3600) }
    }
}

impl CompactSettings {
    /// The policy for a compaction run at `now`.
    pub fn policy_at(&self, now: OffsetDateTime) -> CompactPolicy {
        let days = |d: u32| (now - time::Duration::days(i64::from(d))).format(&Rfc3339).unwrap_or_default();
        CompactPolicy { active_since: days(self.active_days), deleted_before: days(self.tombstone_days) }
    }
}

/// Runs one compaction over all teams now.
pub async fn run_once(db: &Db, settings: &CompactSettings) -> Result<Vec<Compaction>, DbError> {
    let done = db.compact_tombstones(&settings.policy_at(OffsetDateTime::now_utc())).await?;
    for c in done.iter().filter(|c| c.removed > 0) {
        tracing::info!(team = %c.team_id, removed = c.removed, compacted_upto = c.compacted_upto, "compacted tombstones");
    }
    Ok(done)
}

/// Compacts periodically for as long as the server runs; failures are logged and retried next time.
pub fn spawn_periodic(db: Db, settings: CompactSettings) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(settings.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = run_once(&db, &settings).await {
                tracing::warn!(error = %e, "tombstone compaction failed; will retry");
            }
        }
    });
}
