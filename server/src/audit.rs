//! The audit log: who viewed, changed or exported which case, per team a hash chain, so that an edited,
//! removed or inserted row is found by `server audit-verify`. Pure here (entries, hashes,
//! verification); storage in `db/audit.rs`.
//!
//! Each entry's hash is SHA-256 over its fields and the previous entry's hash (the first entry of a
//! team links to [`GENESIS`]). The chain head (last position and hash) is kept with the team's
//! counter, so appending is part of the same transaction that locks the team.

use passgenau_domain::sync::RecordKind;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The "previous hash" of a team's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a device may report that it did (recorded there, offline too, and uploaded with the sync).
pub const DEVICE_ACTIONS: &[&str] =
    &["case.view", "case.export", "case.share", "case.export_pseudonymised", "note.disclose"];

/// Longest `detail` a device may report with an event (characters).
pub const MAX_DETAIL_CHARS: usize = 500;

/// One entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub team_id: String,
    /// Position in the team's chain, from 1.
    pub n: i64,
    /// When the server recorded it (RFC 3339 UTC).
    pub at: String,
    /// When the device says it happened (offline actions), if reported by a device.
    pub device_at: Option<String>,
    pub actor: String,
    pub client_id: Option<String>,
    /// `record.put`, `record.delete`, a device action ([`DEVICE_ACTIONS`]), or an administration
    /// action (`admin.user.create`, `admin.user.update`, `admin.team.create`, `admin.team.rename`,
    /// `admin.catalog.update`).
    pub action: String,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub case_id: Option<String>,
    /// Idempotency key of a device-reported event.
    pub event_id: Option<String>,
    /// What exactly happened, in words (a device's note on a share or disclosure, the fields an admin
    /// changed). Never a password. Added after the first entries were written: covered by the hash
    /// only when present, so entries without it hash as they always did.
    #[serde(default)]
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// An entry before it is placed in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub device_at: Option<String>,
    pub actor: String,
    pub client_id: Option<String>,
    pub action: String,
    pub record_kind: Option<String>,
    pub record_id: Option<String>,
    pub case_id: Option<String>,
    pub event_id: Option<String>,
    pub detail: Option<String>,
}

impl NewEntry {
    /// Places the entry after `(n, hash)` of the chain.
    pub fn chain(self, team_id: &str, after_n: i64, after_hash: &str, at: &str) -> AuditEntry {
        let mut e = AuditEntry {
            team_id: team_id.to_owned(),
            n: after_n + 1,
            at: at.to_owned(),
            device_at: self.device_at,
            actor: self.actor,
            client_id: self.client_id,
            action: self.action,
            record_kind: self.record_kind,
            record_id: self.record_id,
            case_id: self.case_id,
            event_id: self.event_id,
            detail: self.detail,
            prev_hash: after_hash.to_owned(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        e
    }
}

impl AuditEntry {
    /// SHA-256 (hex) over every field but `hash`, length-prefixed so no two entries collide by
    /// shifting text between fields. `detail` is appended only when present (entries written before
    /// it existed keep their hash).
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let n = self.n.to_string();
        let fields: [Option<&str>; 12] = [
            Some(&self.team_id),
            Some(&n),
            Some(&self.at),
            self.device_at.as_deref(),
            Some(&self.actor),
            self.client_id.as_deref(),
            Some(&self.action),
            self.record_kind.as_deref(),
            self.record_id.as_deref(),
            self.case_id.as_deref(),
            self.event_id.as_deref(),
            Some(&self.prev_hash),
        ];
        let field = |h: &mut Sha256, s: &str| {
            h.update(format!("{}:", s.len()).as_bytes());
            h.update(s.as_bytes());
        };
        for f in fields {
            match f {
                None => h.update(b"-"),
                Some(s) => field(&mut h, s),
            }
            h.update(b"\n");
        }
        if let Some(d) = &self.detail {
            h.update(b"detail=");
            field(&mut h, d);
            h.update(b"\n");
        }
        hex::encode(h.finalize())
    }
}

/// Where a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("team {team}: entry {n} does not match its hash (edited)")]
    Edited { team: String, n: i64 },
    #[error("team {team}: entry {n} does not follow entry {prev} (removed or inserted entries)")]
    Broken { team: String, n: i64, prev: i64 },
    #[error("team {team}: the chain ends at {found}, but its head says {head}")]
    Truncated { team: String, found: i64, head: i64 },
}

/// Checks one team's entries (ordered by `n`) against each other and against the stored head.
pub fn verify(entries: &[AuditEntry], head: (i64, &str)) -> Result<(), ChainError> {
    let mut prev_n = 0;
    let mut prev_hash = GENESIS.to_owned();
    for e in entries {
        if e.compute_hash() != e.hash {
            return Err(ChainError::Edited { team: e.team_id.clone(), n: e.n });
        }
        if e.n != prev_n + 1 || e.prev_hash != prev_hash {
            return Err(ChainError::Broken { team: e.team_id.clone(), n: e.n, prev: prev_n });
        }
        prev_n = e.n;
        prev_hash = e.hash.clone();
    }
    if (prev_n, prev_hash.as_str()) != head {
        let team = entries.first().map(|e| e.team_id.clone()).unwrap_or_default();
        return Err(ChainError::Truncated { team, found: prev_n, head: head.0 });
    }
    Ok(())
}

/// The case a record belongs to: a case is its own; the per-case parts carry it before `~`; visits
/// and notes name it in their body.
pub fn case_of(kind: RecordKind, record_id: &str, body: &serde_json::Value) -> Option<String> {
    kind.case_of(record_id, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(action: &str) -> NewEntry {
        NewEntry {
            device_at: None,
            actor: "u1".into(),
            client_id: Some("c1".into()),
            action: action.into(),
            record_kind: Some("case".into()),
            record_id: Some("r1".into()),
            case_id: Some("r1".into()),
            event_id: None,
            detail: None,
        }
    }

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let (pn, ph) = out.last().map_or((0, GENESIS.to_owned()), |e| (e.n, e.hash.clone()));
            out.push(new(if i % 2 == 0 { "record.put" } else { "case.view" }).chain(
                "t1",
                pn,
                &ph,
                "2026-11-24T10:00:00Z",
            ));
        }
        out
    }

    #[test]
    fn an_intact_chain_verifies_and_any_tampering_is_found() {
        let c = chain(5);
        let head = (c[4].n, c[4].hash.as_str());
        assert_eq!(verify(&c, head), Ok(()));
        assert_eq!(verify(&[], (0, GENESIS)), Ok(()));

        let mut edited = c.clone();
        edited[2].action = "case.export".into();
        assert_eq!(verify(&edited, head), Err(ChainError::Edited { team: "t1".into(), n: 3 }));

        let mut rehashed = edited.clone();
        rehashed[2].hash = rehashed[2].compute_hash();
        assert_eq!(
            verify(&rehashed, (rehashed[4].n, &rehashed[4].hash)),
            Err(ChainError::Broken { team: "t1".into(), n: 4, prev: 3 })
        );

        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(verify(&removed, head), Err(ChainError::Broken { team: "t1".into(), n: 3, prev: 1 }));

        let truncated = &c[..4];
        assert_eq!(
            verify(truncated, head),
            Err(ChainError::Truncated { team: "t1".into(), found: 4, head: 5 })
        );
    }

    #[test]
    fn fields_cannot_shift_into_each_other() {
        let mut a = new("record.put");
        a.record_id = Some("ab".into());
        a.case_id = Some("c".into());
        let mut b = new("record.put");
        b.record_id = Some("a".into());
        b.case_id = Some("bc".into());
        assert_ne!(a.chain("t", 0, GENESIS, "x").hash, b.chain("t", 0, GENESIS, "x").hash);
    }

    #[test]
    fn an_entry_without_detail_hashes_as_before() {
        // Computed before `detail` existed: chains written then must still verify.
        let e = new("case.view").chain("t1", 4, GENESIS, "2026-11-24T10:00:00Z");
        assert_eq!(e.hash, "d4af288027dbea13a2e88079e74a88f66db26651061fb0331ffc87f49e3b2185");
        // A detail is covered: it changes the hash, and editing it is found.
        let mut with = new("case.view");
        with.detail = Some("an das Familiengericht".into());
        let mut d = with.chain("t1", 0, GENESIS, "2026-11-24T10:00:00Z");
        assert_ne!(d.hash, new("case.view").chain("t1", 0, GENESIS, "2026-11-24T10:00:00Z").hash);
        assert_eq!(verify(std::slice::from_ref(&d), (1, &d.hash.clone())), Ok(()));
        d.detail = Some("an die Schule".into());
        assert_eq!(
            verify(std::slice::from_ref(&d), (1, &d.hash.clone())),
            Err(ChainError::Edited { team: "t1".into(), n: 1 })
        );
        d.detail = None;
        assert_eq!(
            verify(std::slice::from_ref(&d), (1, &d.hash.clone())),
            Err(ChainError::Edited { team: "t1".into(), n: 1 })
        );
    }

    #[test]
    fn the_case_of_a_record() {
        let none = serde_json::json!({});
        assert_eq!(case_of(RecordKind::Case, "c1", &none).as_deref(), Some("c1"));
        assert_eq!(case_of(RecordKind::Checklist, "c1~checkliste", &none).as_deref(), Some("c1"));
        assert_eq!(
            case_of(RecordKind::Visit, "v1", &serde_json::json!({"case_id": "c2"})).as_deref(),
            Some("c2")
        );
        assert_eq!(case_of(RecordKind::Visit, "v1", &none), None);
    }
}
