//! Sync wire types, version 1. Versioned and append-only: fields may be added with `#[serde(default)]`,
//! never renamed or removed; a breaking change is a new protocol version served beside the old one.
//! The protocol itself is described in `docs/sync-protocol.md`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::case::Case;
use crate::UserMessage;

/// The protocol version this crate speaks.
pub const SYNC_PROTOCOL_VERSION: u16 = 1;
/// Upper bound of mutations in one push; the client splits larger queues into batches.
pub const MAX_PUSH_BATCH: usize = 1000;
/// Upper bound of records in one pull page.
pub const MAX_PULL_PAGE: u32 = 1000;

/// The kinds of records that sync. Append-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Case,
    /// A conflict the server recorded (see [`crate::conflict`]); devices may only resolve it.
    Conflict,
    /// A visit note ([`crate::visit::VisitNote`]): append-only, never changed or deleted.
    VisitNote,
    /// A case's answers to the checklist ([`crate::checklist::ChecklistAnswers::to_record`]).
    Checklist,
    /// A case's Hilfesetting ([`crate::setting::Hilfesetting::to_record`]).
    Hilfesetting,
    /// A home visit ([`crate::visit::Visit`]).
    Visit,
    /// A case's Clearing ([`crate::clearing::ClearingRecord::to_record`]).
    Clearing,
    /// A case's goals and ratings ([`crate::goals::GoalPlan::from_record`]).
    Goals,
    /// A consent of the case's consent register ([`crate::consent::Consent`]).
    Consent,
    /// One version of a case's Hilfeplan ([`crate::hilfeplan::HilfeplanVersion`]).
    Hilfeplan,
    /// One evaluation of a case ([`crate::evaluation::Evaluation`]).
    Evaluation,
    /// One filled-in user questionnaire ([`crate::evaluation::Questionnaire`]).
    Questionnaire,
    /// A cooperation partner of the team, no case ([`crate::cooperation::Partner`]).
    Partner,
    /// A referral of a case with its routing slip ([`crate::cooperation::Referral`]).
    Referral,
    /// A § 8a risk assessment of a case ([`crate::cooperation::Kinderschutz`]).
    Kinderschutz,
    /// An offer of the Sozialraumteam, no case ([`crate::sozialraum::Offer`]).
    SozialraumOffer,
    /// The team's Sozialraumbudget of one year, no case ([`crate::sozialraum::Budget`]).
    SozialraumBudget,
}

impl RecordKind {
    pub const ALL: [RecordKind; 17] = [
        RecordKind::Case,
        RecordKind::Conflict,
        RecordKind::VisitNote,
        RecordKind::Checklist,
        RecordKind::Hilfesetting,
        RecordKind::Visit,
        RecordKind::Clearing,
        RecordKind::Goals,
        RecordKind::Consent,
        RecordKind::Hilfeplan,
        RecordKind::Evaluation,
        RecordKind::Questionnaire,
        RecordKind::Partner,
        RecordKind::Referral,
        RecordKind::Kinderschutz,
        RecordKind::SozialraumOffer,
        RecordKind::SozialraumBudget,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Case => "case",
            RecordKind::Conflict => "conflict",
            RecordKind::VisitNote => "visit_note",
            RecordKind::Checklist => "checklist",
            RecordKind::Hilfesetting => "hilfesetting",
            RecordKind::Visit => "visit",
            RecordKind::Clearing => "clearing",
            RecordKind::Goals => "goals",
            RecordKind::Consent => "consent",
            RecordKind::Hilfeplan => "hilfeplan",
            RecordKind::Evaluation => "evaluation",
            RecordKind::Questionnaire => "questionnaire",
            RecordKind::Partner => "partner",
            RecordKind::Referral => "referral",
            RecordKind::Kinderschutz => "kinderschutz",
            RecordKind::SozialraumOffer => "sozialraum_offer",
            RecordKind::SozialraumBudget => "sozialraum_budget",
        }
    }
    /// The case a record of this kind belongs to: a case is its own; the per-case parts carry it
    /// before `~` in their id; visits, notes, consents name it in their body (or in the fields of a
    /// put). The one rule for the server's audit log and the device's unsent and evicted cases.
    pub fn case_of(self, record_id: &str, body: &Value) -> Option<String> {
        match self {
            RecordKind::Case => Some(record_id.to_owned()),
            _ => match record_id.split_once('~') {
                Some((case, _)) => Some(case.to_owned()),
                None => body.get("case_id").and_then(|c| c.as_str()).map(str::to_owned),
            },
        }
    }
    /// Records of this kind are only ever created: a put on an existing one or a delete is refused.
    pub fn is_append_only(self) -> bool {
        matches!(self, RecordKind::VisitNote)
    }
    /// Part of a case file, kept for the retention period after a delete (§ 9b SGB VIII,
    /// [`crate::retention`]). Conflict records are sync bookkeeping, not the file; partners, offers
    /// and budgets are the team's.
    pub fn is_case_file(self) -> bool {
        !matches!(
            self,
            RecordKind::Conflict
                | RecordKind::Partner
                | RecordKind::SozialraumOffer
                | RecordKind::SozialraumBudget
        )
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "case" => Some(RecordKind::Case),
            "conflict" => Some(RecordKind::Conflict),
            "visit_note" => Some(RecordKind::VisitNote),
            "checklist" => Some(RecordKind::Checklist),
            "hilfesetting" => Some(RecordKind::Hilfesetting),
            "visit" => Some(RecordKind::Visit),
            "clearing" => Some(RecordKind::Clearing),
            "goals" => Some(RecordKind::Goals),
            "consent" => Some(RecordKind::Consent),
            "hilfeplan" => Some(RecordKind::Hilfeplan),
            "evaluation" => Some(RecordKind::Evaluation),
            "questionnaire" => Some(RecordKind::Questionnaire),
            "partner" => Some(RecordKind::Partner),
            "referral" => Some(RecordKind::Referral),
            "kinderschutz" => Some(RecordKind::Kinderschutz),
            "sozialraum_offer" => Some(RecordKind::SozialraumOffer),
            "sozialraum_budget" => Some(RecordKind::SozialraumBudget),
            _ => None,
        }
    }
}

/// One change made on a device. `id` numbers the device's mutations 1, 2, 3, … without gaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    pub id: u64,
    pub kind: RecordKind,
    pub record_id: String,
    pub op: Op,
    /// The device's clock when the change was made: shown to people, never used for ordering.
    #[serde(default)]
    pub client_time: String,
    /// The team position (`RecordState::seq`) of the record as the device had it when the change was
    /// made; `None` for a record new to the device. The server uses it to tell a concurrent change
    /// from one made after seeing the other (see `conflict::merge`). Added in v1, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_seq: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Op {
    /// Set these top-level fields of the record (creating it when absent). Fields not named stay.
    Put { fields: Map<String, Value> },
    /// Mark the record deleted (a tombstone; the server keeps the history).
    Delete,
}

impl Op {
    /// The fields a put sets; `None` for a delete.
    pub fn fields(&self) -> Option<&Map<String, Value>> {
        match self {
            Op::Put { fields } => Some(fields),
            Op::Delete => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub protocol: u16,
    /// A UUID the device made once; it names the device's mutation sequence.
    pub client_id: String,
    pub mutations: Vec<Mutation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Highest mutation id of this client the server has processed (applied or rejected).
    pub last_processed: u64,
    /// Mutations the server could not apply, with the reason. They count as processed.
    #[serde(default)]
    pub rejected: Vec<Rejection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    pub mutation_id: u64,
    /// English, for logs and APIs.
    pub reason: String,
    /// German, shown to the user.
    pub reason_de: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub protocol: u16,
    pub records: Vec<RecordState>,
    /// Pass this as `since` next time, after the page is applied.
    pub cursor: u64,
    pub has_more: bool,
}

/// The server's current state of one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordState {
    pub kind: RecordKind,
    pub id: String,
    /// Position in the team's change sequence, assigned by the server in the write transaction.
    pub seq: u64,
    pub deleted: bool,
    pub body: Value,
    /// Display name of who changed it last.
    #[serde(default)]
    pub updated_by: String,
}

/// Why a mutation cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("record id does not match the record body")]
    IdMismatch,
    #[error("invalid record: {0}")]
    Invalid(#[from] crate::case::CaseError),
    #[error("record does not exist")]
    Missing,
    #[error("malformed record: {0}")]
    Malformed(String),
    #[error("field may not be changed by a device: {0}")]
    NotAllowed(String),
    #[error(transparent)]
    VisitNote(#[from] crate::visit::VisitNoteError),
    #[error(transparent)]
    Checklist(#[from] crate::checklist::ChecklistError),
    #[error(transparent)]
    Hilfesetting(#[from] crate::setting::SettingError),
    #[error(transparent)]
    Visit(#[from] crate::visit::VisitError),
    #[error(transparent)]
    Clearing(#[from] crate::clearing::ClearingError),
    #[error(transparent)]
    Goals(#[from] crate::goals::GoalError),
    #[error(transparent)]
    Consent(#[from] crate::consent::ConsentError),
    #[error(transparent)]
    Hilfeplan(#[from] crate::hilfeplan::HilfeplanError),
    #[error(transparent)]
    Evaluation(#[from] crate::evaluation::EvaluationError),
    #[error(transparent)]
    Cooperation(#[from] crate::cooperation::CooperationError),
    #[error(transparent)]
    Sozialraum(#[from] crate::sozialraum::OfferError),
    #[error("{0} records are append-only: they cannot be changed or deleted")]
    AppendOnly(&'static str),
}

impl UserMessage for ApplyError {
    fn message_de(&self) -> String {
        match self {
            ApplyError::IdMismatch => "Die Änderung passt nicht zum Datensatz.".into(),
            ApplyError::Invalid(e) => e.message_de(),
            ApplyError::Missing => "Der Datensatz existiert nicht (mehr).".into(),
            ApplyError::Malformed(_) => "Der Datensatz ist beschädigt und wurde nicht geändert.".into(),
            ApplyError::NotAllowed(_) => "Diese Angabe kann auf dem Gerät nicht geändert werden.".into(),
            ApplyError::VisitNote(e) => e.message_de(),
            ApplyError::Checklist(e) => e.message_de(),
            ApplyError::Hilfesetting(e) => e.message_de(),
            ApplyError::Visit(e) => e.message_de(),
            ApplyError::Clearing(e) => e.message_de(),
            ApplyError::Goals(e) => e.message_de(),
            ApplyError::Consent(e) => e.message_de(),
            ApplyError::Hilfeplan(e) => e.message_de(),
            ApplyError::Evaluation(e) => e.message_de(),
            ApplyError::Cooperation(e) => e.message_de(),
            ApplyError::Sozialraum(e) => e.message_de(),
            ApplyError::AppendOnly(_) => {
                "Besuchsnotizen werden nicht geändert oder gelöscht. Bitte eine ergänzende Notiz schreiben."
                    .into()
            }
        }
    }
}

/// Applies a `Put` to the current body (if any) and validates the result for its kind.
/// This is the one merge rule of protocol version 1: last processed write per top-level field.
pub fn apply_put(
    kind: RecordKind,
    record_id: &str,
    current: Option<&Value>,
    fields: &Map<String, Value>,
) -> Result<Value, ApplyError> {
    if kind == RecordKind::Conflict {
        // Conflicts are made by the server; a device can only record how it resolved one.
        if current.is_none() {
            return Err(ApplyError::Missing);
        }
        if let Some(f) = fields.keys().find(|f| !crate::conflict::RESOLUTION_FIELDS.contains(&f.as_str())) {
            return Err(ApplyError::NotAllowed(f.clone()));
        }
    }
    if kind.is_append_only() && current.is_some() {
        return Err(ApplyError::AppendOnly(kind.as_str()));
    }
    let mut body = match current {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    for (k, v) in fields {
        body.insert(k.clone(), v.clone());
    }
    let body = Value::Object(body);
    validate(kind, record_id, &body)?;
    Ok(body)
}

/// Checks that a body is a valid record of `kind` whose id is `record_id`.
pub fn validate(kind: RecordKind, record_id: &str, body: &Value) -> Result<(), ApplyError> {
    match kind {
        RecordKind::Case => {
            let case = Case::from_json(body.clone())?;
            if case.id.as_str() != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Conflict => {
            let c = crate::conflict::Conflict::from_json(body.clone())?;
            if c.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::VisitNote => {
            let n = crate::visit::VisitNote::from_json(body.clone())?;
            if n.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Checklist => {
            let a = crate::checklist::ChecklistAnswers::from_record(body.clone())?;
            if crate::checklist::record_id(&a.case_id) != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Goals => {
            let g = crate::goals::GoalPlan::from_record(body.clone())?;
            if crate::goals::record_id(&g.case_id) != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Clearing => {
            let (c, _) = crate::clearing::ClearingRecord::from_record(body.clone())?;
            if crate::clearing::record_id(&c.case_id) != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Visit => {
            let v = crate::visit::Visit::from_json(body.clone())?;
            if v.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Hilfeplan => {
            let h = crate::hilfeplan::HilfeplanVersion::from_record(body.clone())?;
            if crate::hilfeplan::record_id(&h.case_id, h.number) != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Evaluation => {
            let e = crate::evaluation::Evaluation::from_record(body.clone())?;
            if e.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Questionnaire => {
            let q = crate::evaluation::Questionnaire::from_record(body.clone())?;
            if q.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Partner => {
            let p = crate::cooperation::Partner::from_json(body.clone())?;
            if p.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Referral => {
            let r = crate::cooperation::Referral::from_json(body.clone())?;
            if r.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Kinderschutz => {
            let k = crate::cooperation::Kinderschutz::from_json(body.clone())?;
            if k.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::SozialraumOffer => {
            let o = crate::sozialraum::Offer::from_record(body.clone())?;
            if o.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::SozialraumBudget => {
            let b = crate::sozialraum::Budget::from_json(body.clone())?;
            if b.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Consent => {
            let c = crate::consent::Consent::from_json(body.clone())?;
            if c.id != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
        RecordKind::Hilfesetting => {
            let hs = crate::setting::Hilfesetting::from_record(body.clone())?;
            if crate::setting::record_id(&hs.case_id) != record_id {
                return Err(ApplyError::IdMismatch);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b";

    fn case_fields() -> Map<String, Value> {
        json!({"schema": 1, "id": ID, "label": "AZ 1", "start_date": "2026-01-05", "note": ""})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn put_creates_then_merges_fields() {
        let created = apply_put(RecordKind::Case, ID, None, &case_fields()).unwrap();
        let mut edit = Map::new();
        edit.insert("note".into(), json!("Hausbesuch vereinbart"));
        let merged = apply_put(RecordKind::Case, ID, Some(&created), &edit).unwrap();
        assert_eq!(merged["note"], "Hausbesuch vereinbart");
        assert_eq!(merged["label"], "AZ 1");
    }

    #[test]
    fn invalid_puts_are_typed_errors() {
        let mut f = case_fields();
        f.insert("label".into(), json!(""));
        assert!(matches!(apply_put(RecordKind::Case, ID, None, &f), Err(ApplyError::Invalid(_))));
        let other = "1b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b";
        assert_eq!(apply_put(RecordKind::Case, other, None, &case_fields()), Err(ApplyError::IdMismatch));
        let mut partial = Map::new();
        partial.insert("note".into(), json!("x"));
        assert!(apply_put(RecordKind::Case, ID, None, &partial).is_err());
    }

    #[test]
    fn wire_format_is_stable() {
        let m = Mutation {
            id: 3,
            kind: RecordKind::Case,
            record_id: ID.into(),
            op: Op::Delete,
            client_time: "2026-01-05T10:00:00Z".into(),
            base_seq: None,
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v,
            json!({"id": 3, "kind": "case", "record_id": ID, "op": {"type": "delete"}, "client_time": "2026-01-05T10:00:00Z"})
        );
        let back: Mutation = serde_json::from_value(v).unwrap();
        assert_eq!(back, m);
        let with_base = Mutation { base_seq: Some(7), ..m };
        let v = serde_json::to_value(&with_base).unwrap();
        assert_eq!(v["base_seq"], 7);
        assert_eq!(serde_json::from_value::<Mutation>(v).unwrap(), with_base);
    }

    #[test]
    fn visit_notes_are_created_once_and_never_changed_or_deleted() {
        const NOTE: &str = "1b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b";
        let body = json!({"schema": 1, "id": NOTE, "case_id": ID, "text": "Hausbesuch", "author": "Anna"});
        let fields = body.as_object().unwrap().clone();
        let created = apply_put(RecordKind::VisitNote, NOTE, None, &fields).unwrap();
        let edit = json!({"text": "anders"}).as_object().unwrap().clone();
        let e = apply_put(RecordKind::VisitNote, NOTE, Some(&created), &edit).unwrap_err();
        assert_eq!(e, ApplyError::AppendOnly("visit_note"));
        assert!(e.message_de().contains("ergänzende Notiz"));
        let delete = Mutation {
            id: 2,
            kind: RecordKind::VisitNote,
            record_id: NOTE.into(),
            op: Op::Delete,
            client_time: String::new(),
            base_seq: Some(1),
        };
        let stored = crate::conflict::Stored { body: created, deleted: false, versions: Default::default() };
        let w = crate::conflict::Writer { client_id: "c", by: "Anna", seq: 2 };
        assert!(crate::conflict::merge(&delete, Some(&stored), &w).is_err());
        assert!(RecordKind::parse("visit_note").is_some_and(|k| k.is_append_only()));
        assert!(!RecordKind::Case.is_append_only());
    }
}
