//! Merging concurrent changes, and the conflict records that make a lost race visible.
//!
//! The server applies mutations in its order; per top-level field the later push wins. A field change is
//! *concurrent* when the field was last written by another device at a team position the pushing
//! device had not seen (`version.seq > mutation.base_seq`). Then the overwritten value is not dropped:
//! the server keeps it in a [`Conflict`] record, which syncs like any other record and waits in the
//! conflict inbox of every device of the team until someone resolves it (keep the version that won,
//! keep the overwritten one, or, for free text, keep both). Delete against edit is a conflict too.
//!
//! This is pure code: the server calls [`merge`] inside its write transaction.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::sync::{apply_put, ApplyError, Mutation, Op, RecordKind};
use crate::UserMessage;

/// Schema version of [`Conflict`].
pub const CONFLICT_SCHEMA_VERSION: u16 = 1;
/// The pseudo-field under which the version of a record's deleted flag is kept.
pub const DELETED_FIELD: &str = "_deleted";

/// Who last wrote a field, at which team position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldVersion {
    pub seq: u64,
    pub client_id: String,
    /// Display name of the user (shown in the conflict inbox).
    pub by: String,
    /// Device clock of the change: display only.
    #[serde(default)]
    pub client_time: String,
}

/// Per field of a record: its last write. Stored by the server beside the body.
pub type FieldVersions = BTreeMap<String, FieldVersion>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Two devices changed the same field; the later push won.
    Field,
    /// A device deleted the record without having seen another device's edit; the delete won.
    DeleteEdit,
    /// A device edited a record another device had deleted meanwhile; the edit restored it.
    EditDelete,
}

/// One side of a conflict: a value (or the deletion) and who made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// The field's value; for delete conflicts the record's whole body (Null for the deleting side).
    pub value: Value,
    #[serde(default)]
    pub deleted: bool,
    pub by: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_time: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictStatus {
    Open,
    Resolved,
}

/// How a user resolved a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Keep what the server applied last (for delete conflicts: the winner's state).
    Kept,
    /// Bring back the overwritten side.
    Overwritten,
    /// Free text only: both texts, one after the other, each with its author.
    Both,
}

/// A conflict record (`RecordKind::Conflict`). Created only by the server; devices may only resolve it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub schema: u16,
    pub id: String,
    pub record_kind: RecordKind,
    pub record_id: String,
    pub kind: ConflictKind,
    /// The field for [`ConflictKind::Field`]; [`DELETED_FIELD`] for delete conflicts.
    pub field: String,
    /// The team position of the change that caused the conflict.
    pub seq: u64,
    /// What the server applied (the later push).
    pub kept: Side,
    /// What it replaced without the pushing device having seen it.
    pub overwritten: Side,
    pub status: ConflictStatus,
    #[serde(default)]
    pub resolution: Option<Resolution>,
    #[serde(default)]
    pub resolved_by: Option<String>,
    #[serde(default)]
    pub resolved_at: Option<String>,
}

/// The fields a device may change on a conflict record: its resolution, nothing else.
pub const RESOLUTION_FIELDS: [&str; 4] = ["status", "resolution", "resolved_by", "resolved_at"];

impl Conflict {
    pub fn from_json(v: Value) -> Result<Self, ApplyError> {
        let c: Conflict = serde_json::from_value(v).map_err(|e| ApplyError::Malformed(e.to_string()))?;
        if c.schema != CONFLICT_SCHEMA_VERSION {
            return Err(ApplyError::Malformed(format!("unknown conflict schema {}", c.schema)));
        }
        if c.status == ConflictStatus::Resolved && c.resolution.is_none() {
            return Err(ApplyError::Malformed("resolved conflict without resolution".into()));
        }
        Ok(c)
    }

    pub fn is_open(&self) -> bool {
        self.status == ConflictStatus::Open
    }

    /// Whether "keep both" is offered: only for free-text fields.
    pub fn can_keep_both(&self) -> bool {
        self.kind == ConflictKind::Field && is_free_text(self.record_kind, &self.field)
    }

    /// For field conflicts: the value the field gets under `choice`.
    pub fn value_for(&self, choice: Resolution) -> Option<Value> {
        if self.kind != ConflictKind::Field {
            return None;
        }
        match choice {
            Resolution::Kept => Some(self.kept.value.clone()),
            Resolution::Overwritten => Some(self.overwritten.value.clone()),
            Resolution::Both => {
                let a = self.kept.value.as_str()?;
                let b = self.overwritten.value.as_str()?;
                Some(Value::String(keep_both_text(a, &self.kept.by, b, &self.overwritten.by)))
            }
        }
    }

    /// The fields that mark this conflict resolved.
    pub fn resolution_fields(choice: Resolution, by: &str, at: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("status".into(), serde_json::json!(ConflictStatus::Resolved));
        m.insert("resolution".into(), serde_json::json!(choice));
        m.insert("resolved_by".into(), Value::String(by.to_owned()));
        m.insert("resolved_at".into(), Value::String(at.to_owned()));
        m
    }
}

/// Both texts, the kept one first, each introduced by its author.
pub fn keep_both_text(kept: &str, kept_by: &str, other: &str, other_by: &str) -> String {
    format!("[{kept_by}]\n{kept}\n\n[{other_by}]\n{other}")
}

/// Free-text fields, for which "keep both" makes sense.
pub fn is_free_text(kind: RecordKind, field: &str) -> bool {
    match kind {
        RecordKind::Case => field == "note",
        RecordKind::Visit => field == "draft_note",
        RecordKind::Goals | RecordKind::Consent => false,
        RecordKind::Evaluation => {
            matches!(field, "verlauf" | "empfehlung" | "strengths" | "weaknesses")
        }
        RecordKind::Questionnaire => matches!(field, "gut" | "besser"),
        RecordKind::Partner => matches!(field, "note" | "contact"),
        RecordKind::Referral => matches!(field, "purpose" | "result"),
        RecordKind::Kinderschutz => matches!(field, "indications" | "measures"),
        RecordKind::SozialraumOffer => matches!(field, "needs" | "evaluation"),
        RecordKind::SozialraumBudget => field == "note",
        RecordKind::Hilfeplan => field.starts_with("s."),
        RecordKind::Clearing => {
            field.starts_with("r.") || field == "begruendung" || field == "recommendation"
        }
        // Conflicts are never edited concurrently by devices; visit notes never conflict.
        RecordKind::Conflict | RecordKind::VisitNote | RecordKind::Checklist | RecordKind::Hilfesetting => {
            false
        }
    }
}

/// The German name of a field, for the conflict inbox.
pub fn field_label_de(kind: RecordKind, field: &str) -> String {
    match (kind, field) {
        (_, DELETED_FIELD) => "Löschung".into(),
        (RecordKind::Case, "label") => "Aktenzeichen oder Pseudonym".into(),
        (RecordKind::Case, "start_date") => "Beginn".into(),
        (RecordKind::Case, "note") => "Notiz".into(),
        (RecordKind::Case, "birth") => "Geburtsjahr oder -datum".into(),
        (RecordKind::Case, "custody") => "Sorgerecht".into(),
        (RecordKind::Case, "status") => "Status".into(),
        (RecordKind::Case, "assigned_to") => "Zuständige Fachkraft".into(),
        (RecordKind::Hilfesetting, f) if f.starts_with(crate::setting::INSTANCE_FIELD_PREFIX) => {
            "Modul im Hilfesetting".into()
        }
        (RecordKind::Hilfesetting, "approval") => "Bewilligungszeitraum".into(),
        (RecordKind::Clearing, f) if f.starts_with("r.") => "Ressourcenanalyse".into(),
        (RecordKind::Goals, f) if f.starts_with("h.") => "Handlungsziel".into(),
        (RecordKind::Goals, f) if f.starts_with("s.") => "Handlungsschritt".into(),
        (RecordKind::Goals, f) if f.starts_with("w.") => "Wirkungsziel".into(),
        (RecordKind::Clearing, "kategorie" | "begruendung") => "Fallkategorie".into(),
        (RecordKind::Clearing, "recommendation") => "Empfehlung".into(),
        (RecordKind::Visit, "draft_note") => "Notiz (Entwurf) des Hausbesuchs".into(),
        (RecordKind::Visit, "direct_seconds" | "running_since") => "Zeit des Hausbesuchs".into(),
        (RecordKind::Visit, "travel_minutes") => "Fahrzeit".into(),
        (RecordKind::Visit, "participants") => "Beteiligte".into(),
        (RecordKind::Consent, "revoked_on") => "Widerruf der Einwilligung".into(),
        (RecordKind::Hilfeplan, f) => crate::hilfeplan::Section::ALL
            .into_iter()
            .find(|s| s.field() == f)
            .map_or_else(|| "Hilfeplan".to_owned(), |s| format!("Hilfeplan: {}", s.title_de())),
        (RecordKind::Evaluation, "verlauf") => "Bewertung: Verlauf".into(),
        (RecordKind::Evaluation, "empfehlung") => "Bewertung: Empfehlung".into(),
        (RecordKind::Evaluation, "strengths") => "Bewertung: Stärken".into(),
        (RecordKind::Evaluation, "weaknesses") => "Bewertung: Schwächen".into(),
        (RecordKind::Evaluation, "stability") => "Nachhaltigkeit".into(),
        (RecordKind::Evaluation, "follow_up_on") => "Tag der Nachhaltigkeitsprüfung".into(),
        (RecordKind::Evaluation, f) if f.starts_with("a.") => "Zielerreichung".into(),
        (RecordKind::Evaluation, f) if f.starts_with("q.") => "Bewertung der Arbeit des Trägers".into(),
        (RecordKind::Evaluation, _) => "Bewertung".into(),
        (RecordKind::Questionnaire, f) if f.starts_with("f.") => "Antwort im Fragebogen".into(),
        (RecordKind::Questionnaire, _) => "Fragebogen".into(),
        (RecordKind::Partner, _) => "Kooperationspartner".into(),
        (RecordKind::Referral, "first_contact_on") => "Laufzettel: Kontaktaufnahme".into(),
        (RecordKind::Referral, "first_session_on") => "Laufzettel: Erstberatung".into(),
        (RecordKind::Referral, "intensity") => "Laufzettel: Intensität".into(),
        (RecordKind::Referral, "ended_on") => "Laufzettel: Abschluss".into(),
        (RecordKind::Referral, "result") => "Laufzettel: Ergebnis".into(),
        (RecordKind::Referral, _) => "Vermittlung".into(),
        (RecordKind::Kinderschutz, "indications") => "§ 8a: gewichtige Anhaltspunkte".into(),
        (RecordKind::Kinderschutz, "outcome") => "§ 8a: Ergebnis".into(),
        (RecordKind::Kinderschutz, "measures") => "§ 8a: Maßnahmen".into(),
        (RecordKind::Kinderschutz, _) => "§ 8a-Einschätzung".into(),
        (RecordKind::SozialraumOffer, "needs") => "Angebot: Bedarfe".into(),
        (RecordKind::SozialraumOffer, "evaluation") => "Angebot: Evaluation".into(),
        (RecordKind::SozialraumOffer, f) if f.starts_with(crate::sozialraum::CRITERION_PREFIX) => {
            "Angebot: Kriterium".into()
        }
        (RecordKind::SozialraumOffer, f) if f.starts_with(crate::sozialraum::EXPENSE_PREFIX) => {
            "Angebot: Ausgabe".into()
        }
        (RecordKind::SozialraumOffer, _) => "Angebot im Sozialraum".into(),
        (RecordKind::SozialraumBudget, _) => "Sozialraumbudget".into(),
        (RecordKind::Hilfesetting, f) if f.starts_with(crate::sozialraum::LINK_PREFIX) => {
            "Gruppenangebot im Hilfesetting".into()
        }
        (RecordKind::Consent, "expires_on") => "Ablauf der Einwilligung".into(),
        (RecordKind::Consent, "categories") => "Datenarten der Einwilligung".into(),
        (RecordKind::Hilfesetting, "case_budget") => "Fallbudget".into(),
        (RecordKind::Checklist, f) if f.starts_with(crate::checklist::ANSWER_FIELD_PREFIX) => {
            let id = &f[crate::checklist::ANSWER_FIELD_PREFIX.len()..];
            format!("Checkliste, Punkt {id}")
        }
        (_, other) => other.to_owned(),
    }
}

/// The stored state of a record, as [`merge`] needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub body: Value,
    pub deleted: bool,
    pub versions: FieldVersions,
}

/// Who pushes, at which position the change lands.
#[derive(Debug, Clone)]
pub struct Writer<'a> {
    pub client_id: &'a str,
    pub by: &'a str,
    /// The team position the server assigned to this change.
    pub seq: u64,
}

/// The record after a mutation, and the conflicts the mutation caused (without their own positions yet).
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub body: Value,
    pub deleted: bool,
    pub versions: FieldVersions,
    pub conflicts: Vec<Conflict>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error("record does not exist")]
    DeleteMissing,
}

impl UserMessage for MergeError {
    fn message_de(&self) -> String {
        match self {
            MergeError::Apply(e) => e.message_de(),
            MergeError::DeleteMissing => "Der zu löschende Datensatz existiert nicht.".into(),
        }
    }
}

/// Applies mutation `m` to the stored record, detecting concurrent changes. Pure.
pub fn merge(m: &Mutation, current: Option<&Stored>, w: &Writer<'_>) -> Result<Merged, MergeError> {
    let base = m.base_seq.unwrap_or(0);
    let version = FieldVersion {
        seq: w.seq,
        client_id: w.client_id.to_owned(),
        by: w.by.to_owned(),
        client_time: m.client_time.clone(),
    };
    // A change is concurrent with an earlier write the device had not seen, by another device.
    let unseen = |v: &FieldVersion| v.seq > base && v.client_id != w.client_id;
    let detect = m.kind != RecordKind::Conflict;
    let side = |value: Value, deleted: bool, v: &FieldVersion| Side {
        value,
        deleted,
        by: v.by.clone(),
        client_id: v.client_id.clone(),
        client_time: v.client_time.clone(),
    };
    let conflict = |kind: ConflictKind, field: &str, kept: Side, overwritten: Side| Conflict {
        schema: CONFLICT_SCHEMA_VERSION,
        id: format!("{}~{}~{}", m.record_id, w.seq, field),
        record_kind: m.kind,
        record_id: m.record_id.clone(),
        kind,
        field: field.to_owned(),
        seq: w.seq,
        kept,
        overwritten,
        status: ConflictStatus::Open,
        resolution: None,
        resolved_by: None,
        resolved_at: None,
    };
    let mut versions = current.map(|c| c.versions.clone()).unwrap_or_default();
    let mut conflicts = Vec::new();
    match &m.op {
        Op::Put { fields } => {
            let old_body = current.map(|c| &c.body);
            let body = apply_put(m.kind, &m.record_id, old_body, fields)?;
            if let Some(cur) = current {
                if cur.deleted {
                    let del = versions.get(DELETED_FIELD);
                    if let Some(del) = del.filter(|v| detect && unseen(v)) {
                        conflicts.push(conflict(
                            ConflictKind::EditDelete,
                            DELETED_FIELD,
                            side(body.clone(), false, &version),
                            side(Value::Null, true, del),
                        ));
                    }
                    versions.insert(DELETED_FIELD.into(), version.clone());
                }
            }
            for (field, value) in fields {
                let old = old_body.and_then(|b| b.get(field));
                if old == Some(value) {
                    continue; // Same value: nothing changes, the field keeps its version.
                }
                if let (Some(old), Some(v)) = (old, versions.get(field)) {
                    if detect && unseen(v) && !current.is_some_and(|c| c.deleted) {
                        conflicts.push(conflict(
                            ConflictKind::Field,
                            field,
                            side(value.clone(), false, &version),
                            side(old.clone(), false, v),
                        ));
                    }
                }
                versions.insert(field.clone(), version.clone());
            }
            Ok(Merged { body, deleted: false, versions, conflicts })
        }
        Op::Delete => {
            if m.kind.is_append_only() {
                return Err(ApplyError::AppendOnly(m.kind.as_str()).into());
            }
            let cur = current.ok_or(MergeError::DeleteMissing)?;
            if !cur.deleted && detect {
                // The newest unseen edit by another device is what the delete overrides; a restore
                // (the `_deleted` version of a live record) counts as an edit.
                let edit = versions.values().filter(|v| unseen(v)).max_by_key(|v| v.seq);
                if let Some(edit) = edit {
                    conflicts.push(conflict(
                        ConflictKind::DeleteEdit,
                        DELETED_FIELD,
                        side(Value::Null, true, &version),
                        side(cur.body.clone(), false, edit),
                    ));
                }
            }
            versions.insert(DELETED_FIELD.into(), version);
            Ok(Merged { body: cur.body.clone(), deleted: true, versions, conflicts })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b";

    fn put(id: u64, base: Option<u64>, fields: Value) -> Mutation {
        Mutation {
            id,
            kind: RecordKind::Case,
            record_id: ID.into(),
            op: Op::Put { fields: fields.as_object().unwrap().clone() },
            client_time: "2026-11-23T10:00:00Z".into(),
            base_seq: base,
        }
    }

    fn w<'a>(client: &'a str, seq: u64) -> Writer<'a> {
        Writer { client_id: client, by: client, seq }
    }

    fn apply(cur: Option<Stored>, m: &Mutation, client: &str, seq: u64) -> (Stored, Vec<Conflict>) {
        let r = merge(m, cur.as_ref(), &w(client, seq)).unwrap();
        (Stored { body: r.body, deleted: r.deleted, versions: r.versions }, r.conflicts)
    }

    fn created() -> Stored {
        let m = put(
            1,
            None,
            json!({"schema": 1, "id": ID, "label": "AZ 1", "start_date": "2026-01-05", "note": "a"}),
        );
        apply(None, &m, "A", 1).0
    }

    #[test]
    fn different_fields_merge_without_conflict() {
        let s = created();
        let (s, c1) = apply(Some(s), &put(2, Some(1), json!({"note": "von A"})), "A", 2);
        let (s, c2) = apply(Some(s), &put(1, Some(1), json!({"label": "AZ 2"})), "B", 3);
        assert!(c1.is_empty() && c2.is_empty());
        assert_eq!(s.body["note"], "von A");
        assert_eq!(s.body["label"], "AZ 2");
    }

    #[test]
    fn same_field_concurrently_keeps_the_later_and_records_the_earlier() {
        let s = created();
        let (s, _) = apply(Some(s), &put(2, Some(1), json!({"note": "von A"})), "A", 2);
        let (s, c) = apply(Some(s), &put(1, Some(1), json!({"note": "von B"})), "B", 3);
        assert_eq!(s.body["note"], "von B");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ConflictKind::Field);
        assert_eq!(c[0].kept.value, "von B");
        assert_eq!(c[0].overwritten.value, "von A");
        assert_eq!(c[0].overwritten.by, "A");
        assert!(c[0].can_keep_both());
        let both = c[0].value_for(Resolution::Both).unwrap();
        assert!(both.as_str().unwrap().contains("von A") && both.as_str().unwrap().contains("von B"));
    }

    #[test]
    fn a_change_made_after_seeing_the_other_is_no_conflict() {
        let s = created();
        let (s, _) = apply(Some(s), &put(2, Some(1), json!({"note": "von A"})), "A", 2);
        let (_, c) = apply(Some(s), &put(1, Some(2), json!({"note": "von B"})), "B", 3);
        assert!(c.is_empty());
    }

    #[test]
    fn own_earlier_write_and_equal_values_are_no_conflict() {
        let s = created();
        let (s, _) = apply(Some(s), &put(2, Some(1), json!({"note": "x"})), "A", 2);
        let (s, c) = apply(Some(s), &put(3, Some(1), json!({"note": "y"})), "A", 3);
        assert!(c.is_empty(), "a device does not conflict with itself");
        let (_, c) = apply(Some(s), &put(1, Some(1), json!({"note": "y"})), "B", 4);
        assert!(c.is_empty(), "the same value is no conflict");
    }

    #[test]
    fn delete_against_edit_is_a_conflict_both_ways() {
        let s = created();
        let (s, _) = apply(Some(s), &put(2, Some(1), json!({"note": "wichtig"})), "A", 2);
        let del = Mutation { op: Op::Delete, ..put(1, Some(1), json!({})) };
        let (s, c) = apply(Some(s), &del, "B", 3);
        assert!(s.deleted);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ConflictKind::DeleteEdit);
        assert_eq!(c[0].overwritten.value["note"], "wichtig");
        // A edits the deleted case without having seen the delete: the edit restores it, shown.
        let (s, c) = apply(Some(s), &put(3, Some(2), json!({"label": "AZ 9"})), "A", 4);
        assert!(!s.deleted);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ConflictKind::EditDelete);
        assert!(c[0].overwritten.deleted);
    }

    #[test]
    fn conflict_records_never_conflict_and_round_trip() {
        let s = created();
        let (s, _) = apply(Some(s), &put(2, Some(1), json!({"note": "von A"})), "A", 2);
        let (_, c) = apply(Some(s), &put(1, Some(1), json!({"note": "von B"})), "B", 3);
        let body = serde_json::to_value(&c[0]).unwrap();
        let back = Conflict::from_json(body.clone()).unwrap();
        assert_eq!(back, c[0]);
        let stored = Stored { body, deleted: false, versions: FieldVersions::new() };
        let resolve = Mutation {
            kind: RecordKind::Conflict,
            record_id: c[0].id.clone(),
            ..put(5, Some(0), Value::Object(Conflict::resolution_fields(Resolution::Kept, "A", "now")))
        };
        let r = merge(&resolve, Some(&stored), &w("A", 9)).unwrap();
        assert!(r.conflicts.is_empty());
        assert!(!Conflict::from_json(r.body).unwrap().is_open());
    }
}
