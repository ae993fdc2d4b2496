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
    fn overlong_and_future_notes_are_refused_in_german() {
        let long = "x".repeat(VISIT_NOTE_MAX_CHARS + 1);
        let e = VisitNote::new(ID, case(), &long, "Anna", "").unwrap_err();
        assert!(e.message_de().contains("höchstens"));
        let future = serde_json::json!({"schema": 2, "id": ID, "case_id": case(), "text": "t"});
        assert_eq!(VisitNote::from_json(future).unwrap_err(), VisitNoteError::UnknownSchema(2));
    }
}
