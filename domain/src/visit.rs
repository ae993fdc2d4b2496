//! Visit notes (*Besuchsnotizen*): what a Fachkraft writes down about a home visit.
//!
//! A visit note is **append-only**: once written it is never changed or deleted, on the device or on
//! the server. A correction is a new note. So two devices writing notes on the same case never
//! conflict: each note is its own record (see `docs/sync-protocol.md`).

use serde::{Deserialize, Serialize};

use crate::case::CaseId;
use crate::error::UserMessage;

/// Schema version of [`VisitNote`].
pub const VISIT_NOTE_SCHEMA_VERSION: u16 = 1;
/// Upper bound of one note's text, so one record cannot fill the device store.
pub const VISIT_NOTE_MAX_CHARS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitNote {
    pub schema: u16,
    /// A UUID made on the device that wrote the note.
    pub id: String,
    pub case_id: CaseId,
    pub text: String,
    /// Who wrote it (display name, as the device knew it).
    #[serde(default)]
    pub author: String,
    /// Device clock when written: shown to people, never used to order changes.
    #[serde(default)]
    pub written_at: String,
    /// The home visit the note was written in, if any (added in schema 1, optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_id: Option<String>,
    /// § 65 SGB VIII: who entrusted what the note holds (a participant role, e.g. "Mutter"). Such a
    /// note leaves the case only on a basis chosen explicitly ([`crate::consent::DisclosureBasis`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrusted_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitNoteError {
    #[error("visit note id is not a UUID: {0:?}")]
    InvalidId(String),
    #[error("visit note is empty")]
    Empty,
    #[error("visit note is longer than {VISIT_NOTE_MAX_CHARS} characters")]
    TooLong,
    #[error("unknown visit note schema version {0}")]
    UnknownSchema(u16),
    #[error("malformed visit note: {0}")]
    Malformed(String),
}

impl UserMessage for VisitNoteError {
    fn message_de(&self) -> String {
        match self {
            VisitNoteError::InvalidId(_) => "Die Kennung der Notiz ist ungültig.".into(),
            VisitNoteError::Empty => "Die Notiz ist leer.".into(),
            VisitNoteError::TooLong => {
                format!("Eine Notiz darf höchstens {VISIT_NOTE_MAX_CHARS} Zeichen lang sein.")
            }
            VisitNoteError::UnknownSchema(_) => {
                "Die Notiz stammt aus einer neueren App-Version. Bitte die App neu laden.".into()
            }
            VisitNoteError::Malformed(_) => "Die Notiz ist beschädigt.".into(),
        }
    }
}

impl VisitNote {
    /// A new note; the text is trimmed at both ends.
    pub fn new(
        id: &str,
        case_id: CaseId,
        text: &str,
        author: &str,
        written_at: &str,
    ) -> Result<Self, VisitNoteError> {
        let note = VisitNote {
            schema: VISIT_NOTE_SCHEMA_VERSION,
            id: id.to_owned(),
            case_id,
            text: text.trim().to_owned(),
            author: author.to_owned(),
            written_at: written_at.to_owned(),
            visit_id: None,
            entrusted_by: None,
        };
        note.validate()?;
        Ok(note)
    }

    pub fn validate(&self) -> Result<(), VisitNoteError> {
        if self.schema != VISIT_NOTE_SCHEMA_VERSION {
            return Err(VisitNoteError::UnknownSchema(self.schema));
        }
        if uuid::Uuid::parse_str(&self.id).is_err() {
            return Err(VisitNoteError::InvalidId(self.id.clone()));
        }
        if self.text.trim().is_empty() {
            return Err(VisitNoteError::Empty);
        }
        if self.text.chars().count() > VISIT_NOTE_MAX_CHARS {
            return Err(VisitNoteError::TooLong);
        }
        Ok(())
    }

    pub fn from_json(value: serde_json::Value) -> Result<Self, VisitNoteError> {
        let schema = value.get("schema").and_then(|v| v.as_u64()).unwrap_or(0);
        if schema != u64::from(VISIT_NOTE_SCHEMA_VERSION) {
            return Err(VisitNoteError::UnknownSchema(schema.min(u64::from(u16::MAX)) as u16));
        }
        let note: VisitNote =
            serde_json::from_value(value).map_err(|e| VisitNoteError::Malformed(e.to_string()))?;
        note.validate()?;
        Ok(note)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Hausbesuch
// ---------------------------------------------------------------------------------------------------------

/// Schema version of [`Visit`].
pub const VISIT_SCHEMA_VERSION: u16 = 1;
/// A visit longer than this is a typing or clock error, not a home visit.
pub const MAX_VISIT_SECONDS: i64 = 24 * 3600;
/// Who can take part in a home visit (roles, not names: collect only what is needed).
pub const PARTICIPANT_ROLES: &[&str] = &[
    "Mutter",
    "Vater",
    "Kind / Jugendliche:r",
    "Geschwister",
    "weitere Sorgeberechtigte",
    "Pflegeperson",
    "Schule / Kita",
    "andere Fachkraft",
];

/// A home visit (*Hausbesuch*): the direct time counted by a timer as Fachleistungsstunden against a
/// module of the Hilfesetting, travel time separately, who took part, and the checklist items touched.
/// Notes of the visit are [`VisitNote`]s (append-only) with this visit's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub schema: u16,
    /// A UUID made on the device.
    pub id: String,
    pub case_id: CaseId,
    /// The day of the visit, `YYYY-MM-DD`.
    pub date: String,
    /// Direct time of finished timer runs, in seconds.
    #[serde(default)]
    pub direct_seconds: i64,
    /// When the running timer was started (device clock, RFC 3339); `None` when stopped. Kept in the
    /// record so a reload or a crash does not lose a running visit.
    #[serde(default)]
    pub running_since: Option<String>,
    /// Travel time in minutes, counted separately from the direct time.
    #[serde(default)]
    pub travel_minutes: i64,
    /// The module instance of the Hilfesetting the direct time is billed against.
    #[serde(default)]
    pub module_instance_id: Option<String>,
    #[serde(default)]
    pub participants: Vec<String>,
    /// Ids of checklist items talked about in the visit.
    #[serde(default)]
    pub checklist_items: Vec<String>,
    /// The note being typed; it becomes an append-only [`VisitNote`] when she records it or ends the visit.
    #[serde(default)]
    pub draft_note: String,
    /// § 65: the draft note is entrusted by this participant role; carried into the recorded note.
    #[serde(default)]
    pub draft_entrusted_by: Option<String>,
    #[serde(default)]
    pub finished: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    #[error("visit id is not a UUID")]
    InvalidId,
    #[error("invalid visit date {0:?}")]
    InvalidDate(String),
    #[error("time out of range")]
    TimeOutOfRange,
    #[error("unknown participant role {0:?}")]
    UnknownRole(String),
    #[error("unknown checklist item {0:?}")]
    UnknownItem(String),
    #[error("draft note too long")]
    NoteTooLong,
    #[error("unknown visit schema version {0}")]
    UnknownSchema(u16),
    #[error("malformed visit: {0}")]
    Malformed(String),
}

impl UserMessage for VisitError {
    fn message_de(&self) -> String {
        match self {
            VisitError::InvalidId => "Die Kennung des Besuchs ist ungültig.".into(),
            VisitError::InvalidDate(_) => "Bitte ein gültiges Datum eingeben.".into(),
            VisitError::TimeOutOfRange => "Die Zeit muss zwischen 0 und 24 Stunden liegen.".into(),
            VisitError::UnknownRole(_) => "Diese Rolle gibt es nicht.".into(),
            VisitError::UnknownItem(_) => "Diesen Punkt der Checkliste gibt es nicht.".into(),
            VisitError::NoteTooLong => {
                format!("Eine Notiz darf höchstens {VISIT_NOTE_MAX_CHARS} Zeichen lang sein.")
            }
            VisitError::UnknownSchema(_) => {
                "Der Besuch stammt aus einer neueren App-Version. Bitte die App neu laden.".into()
            }
            VisitError::Malformed(_) => "Der Besuch ist beschädigt.".into(),
        }
    }
}

impl Visit {
    pub fn new(id: &str, case_id: CaseId, date: &str) -> Result<Self, VisitError> {
        let v = Visit {
            schema: VISIT_SCHEMA_VERSION,
            id: id.to_owned(),
            case_id,
            date: date.to_owned(),
            direct_seconds: 0,
            running_since: None,
            travel_minutes: 0,
            module_instance_id: None,
            participants: Vec::new(),
            checklist_items: Vec::new(),
            draft_note: String::new(),
            draft_entrusted_by: None,
            finished: false,
        };
        v.validate()?;
        Ok(v)
    }

    pub fn validate(&self) -> Result<(), VisitError> {
        if self.schema != VISIT_SCHEMA_VERSION {
            return Err(VisitError::UnknownSchema(self.schema));
        }
        if uuid::Uuid::parse_str(&self.id).is_err() {
            return Err(VisitError::InvalidId);
        }
        crate::case::parse_iso_date(&self.date).map_err(|_| VisitError::InvalidDate(self.date.clone()))?;
        if !(0..=MAX_VISIT_SECONDS).contains(&self.direct_seconds)
            || !(0..=24 * 60).contains(&self.travel_minutes)
        {
            return Err(VisitError::TimeOutOfRange);
        }
        if let Some(r) = self.draft_entrusted_by.iter().find(|r| !PARTICIPANT_ROLES.contains(&r.as_str())) {
            return Err(VisitError::UnknownRole(r.clone()));
        }
        if let Some(r) = self.participants.iter().find(|r| !PARTICIPANT_ROLES.contains(&r.as_str())) {
            return Err(VisitError::UnknownRole(r.clone()));
        }
        if let Some(i) = self.checklist_items.iter().find(|i| crate::checklist::item(i).is_none()) {
            return Err(VisitError::UnknownItem(i.clone()));
        }
        if self.draft_note.chars().count() > VISIT_NOTE_MAX_CHARS {
            return Err(VisitError::NoteTooLong);
        }
        Ok(())
    }

    pub fn from_json(value: serde_json::Value) -> Result<Self, VisitError> {
        let schema = crate::schema::version_of(&value);
        if schema != VISIT_SCHEMA_VERSION {
            return Err(VisitError::UnknownSchema(schema));
        }
        let v: Visit = serde_json::from_value(value).map_err(|e| VisitError::Malformed(e.to_string()))?;
        v.validate()?;
        Ok(v)
    }

    /// Direct time up to `now_ms` (device clock in milliseconds), counting a running timer; the
    /// start time is parsed by the caller (`running_since_ms`). Never negative.
    pub fn direct_seconds_at(&self, running_since_ms: Option<i64>, now_ms: i64) -> i64 {
        let running = running_since_ms.map_or(0, |s| ((now_ms - s) / 1000).max(0));
        (self.direct_seconds + running).min(MAX_VISIT_SECONDS)
    }
}

/// Seconds as Fachleistungsstunden the way they are billed and read: "1,25 Std. (1:15 h)".
/// Hours in hundredths, rounded half up per started minute.
pub fn fachleistungsstunden_de(seconds: i64) -> String {
    let minutes = (seconds.max(0) + 30) / 60;
    let hundredths = (minutes * 100 + 30) / 60;
    format!("{},{:02} Std. ({}:{:02} h)", hundredths / 100, hundredths % 100, minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b";

    fn case() -> CaseId {
        CaseId::parse("aaaaaaaa-0000-4000-8000-000000000001").unwrap()
    }

    #[test]
    fn a_note_needs_text_and_a_uuid() {
        assert_eq!(VisitNote::new(ID, case(), "  ", "Anna", "").unwrap_err(), VisitNoteError::Empty);
        assert!(matches!(VisitNote::new("x", case(), "Text", "Anna", ""), Err(VisitNoteError::InvalidId(_))));
        let n = VisitNote::new(ID, case(), "  Mutter berichtet von Fortschritten.\n", "Anna", "t").unwrap();
        assert_eq!(n.text, "Mutter berichtet von Fortschritten.");
        let back = VisitNote::from_json(serde_json::to_value(&n).unwrap()).unwrap();
        assert_eq!(back, n);
    }

    #[test]
    fn a_visit_counts_direct_time_as_fachleistungsstunden_and_checks_its_values() {
        let mut v = Visit::new(ID, case(), "2026-11-24").unwrap();
        v.direct_seconds = 3600;
        assert_eq!(v.direct_seconds_at(Some(1_000_000), 1_000_000 + 900_000), 4500);
        assert_eq!(
            v.direct_seconds_at(Some(2_000_000), 1_000_000),
            3600,
            "a clock going back counts nothing"
        );
        assert_eq!(fachleistungsstunden_de(4500), "1,25 Std. (1:15 h)");
        assert_eq!(fachleistungsstunden_de(0), "0,00 Std. (0:00 h)");
        v.participants = vec!["Mutter".into(), "Nachbar".into()];
        assert_eq!(v.validate(), Err(VisitError::UnknownRole("Nachbar".into())));
        v.participants = vec!["Mutter".into()];
        v.travel_minutes = -5;
        assert!(v.validate().unwrap_err().message_de().contains("24 Stunden"));
        v.travel_minutes = 30;
        let back = Visit::from_json(serde_json::to_value(&v).unwrap()).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn overlong_and_future_notes_are_refused_in_german() {
        let long = "x".repeat(VISIT_NOTE_MAX_CHARS + 1);
        let e = VisitNote::new(ID, case(), &long, "Anna", "").unwrap_err();
        assert!(e.message_de().contains("höchstens"));
        let future = serde_json::json!({"schema": 2, "id": ID, "case_id": case(), "text": "t"});
        assert_eq!(VisitNote::from_json(future).unwrap_err(), VisitNoteError::UnknownSchema(2));
    }
}
