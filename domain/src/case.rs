//! The case (*Fall*): the core record a Fachkraft works on.
//!
//! Collect only what the task needs (§ 62 SGB VIII): an Aktenzeichen or a pseudonym, a start date and a
//! working note. Names and addresses of the family are deliberately not fields here.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::UserMessage;

/// Schema version of [`Case`]. Bump it and add a migration in [`Case::from_json`] when the shape changes.
pub const CASE_SCHEMA_VERSION: u16 = 1;

/// A case id: a UUID created on the device that first saw the case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseId(String);

impl CaseId {
    pub fn parse(s: &str) -> Result<Self, CaseError> {
        let u = uuid::Uuid::parse_str(s.trim()).map_err(|_| CaseError::InvalidId(s.to_owned()))?;
        Ok(Self(u.hyphenated().to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CaseId {
    type Error = CaseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<CaseId> for String {
    fn from(id: CaseId) -> String {
        id.0
    }
}
impl std::fmt::Display for CaseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Aktenzeichen or pseudonym: 1..=80 characters, no control characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseLabel(String);

impl CaseLabel {
    pub const MAX_CHARS: usize = 80;
    pub fn parse(s: &str) -> Result<Self, CaseError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(CaseError::EmptyLabel);
        }
        if t.chars().count() > Self::MAX_CHARS {
            return Err(CaseError::LabelTooLong);
        }
        if t.chars().any(char::is_control) {
            return Err(CaseError::LabelControlChars);
        }
        Ok(Self(t.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for CaseLabel {
    type Error = CaseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<CaseLabel> for String {
    fn from(l: CaseLabel) -> String {
        l.0
    }
}

/// Free working note on the case; bounded so one record cannot fill the device store.
pub const NOTE_MAX_CHARS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Schema version of this record, see [`CASE_SCHEMA_VERSION`].
    pub schema: u16,
    pub id: CaseId,
    pub label: CaseLabel,
    /// Beginn der Hilfe / des Falls.
    pub start_date: Date,
    #[serde(default)]
    pub note: String,
}

impl Case {
    pub fn new(id: CaseId, label: CaseLabel, start_date: Date) -> Self {
        Self { schema: CASE_SCHEMA_VERSION, id, label, start_date, note: String::new() }
    }

    /// Checks the invariants that serde alone cannot.
    pub fn validate(&self) -> Result<(), CaseError> {
        if self.schema != CASE_SCHEMA_VERSION {
            return Err(CaseError::UnknownSchema(self.schema));
        }
        if self.note.chars().count() > NOTE_MAX_CHARS {
            return Err(CaseError::NoteTooLong);
        }
        Ok(())
    }

    /// Reads a stored or transmitted case of any known schema version, migrating older ones.
    /// Each field goes through its validated type, so the error names what is wrong.
    pub fn from_json(value: serde_json::Value) -> Result<Self, CaseError> {
        let schema = value.get("schema").and_then(|v| v.as_u64()).unwrap_or(0);
        match schema {
            1 => {
                let raw: RawCaseV1 =
                    serde_json::from_value(value).map_err(|e| CaseError::Malformed(e.to_string()))?;
                let case = Case {
                    schema: CASE_SCHEMA_VERSION,
                    id: CaseId::parse(&raw.id)?,
                    label: CaseLabel::parse(&raw.label)?,
                    start_date: parse_iso_date(&raw.start_date)?,
                    note: raw.note,
                };
                case.validate()?;
                Ok(case)
            }
            other => Err(CaseError::UnknownSchema(other.min(u16::MAX as u64) as u16)),
        }
    }
}

/// Schema 1 as it arrives, before validation.
#[derive(Deserialize)]
struct RawCaseV1 {
    id: String,
    label: String,
    start_date: String,
    #[serde(default)]
    note: String,
}

/// Parses a date as the browser's `<input type="date">` sends it (YYYY-MM-DD).
pub fn parse_iso_date(s: &str) -> Result<Date, CaseError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).map_err(|_| CaseError::InvalidDate(s.to_owned()))
}

/// Formats a date as DD.MM.YYYY for German readers.
pub fn format_date_de(d: Date) -> String {
    format!("{:02}.{:02}.{}", d.day(), u8::from(d.month()), d.year())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("invalid case id: {0:?}")]
    InvalidId(String),
    #[error("label is empty")]
    EmptyLabel,
    #[error("label is longer than 80 characters")]
    LabelTooLong,
    #[error("label contains control characters")]
    LabelControlChars,
    #[error("note is longer than {NOTE_MAX_CHARS} characters")]
    NoteTooLong,
    #[error("invalid date {0:?}, expected YYYY-MM-DD")]
    InvalidDate(String),
    #[error("unknown case schema version {0}")]
    UnknownSchema(u16),
    #[error("malformed case record: {0}")]
    Malformed(String),
}

impl UserMessage for CaseError {
    fn message_de(&self) -> String {
        match self {
            CaseError::InvalidId(_) => "Die Fall-Kennung ist ungültig.".into(),
            CaseError::EmptyLabel => "Bitte ein Aktenzeichen oder Pseudonym eingeben.".into(),
            CaseError::LabelTooLong => {
                "Aktenzeichen oder Pseudonym darf höchstens 80 Zeichen lang sein.".into()
            }
            CaseError::LabelControlChars => {
                "Aktenzeichen oder Pseudonym enthält unzulässige Steuerzeichen.".into()
            }
            CaseError::NoteTooLong => format!("Die Notiz darf höchstens {NOTE_MAX_CHARS} Zeichen lang sein."),
            CaseError::InvalidDate(_) => "Bitte ein gültiges Datum eingeben (TT.MM.JJJJ).".into(),
            CaseError::UnknownSchema(v) => {
                format!("Dieser Datensatz stammt aus einer unbekannten Version ({v}). Bitte die App aktualisieren.")
            }
            CaseError::Malformed(_) => "Der Datensatz ist beschädigt und konnte nicht gelesen werden.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> CaseId {
        CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap()
    }

    #[test]
    fn label_is_trimmed_and_bounded() {
        assert_eq!(CaseLabel::parse("  JA-2026-17 ").unwrap().as_str(), "JA-2026-17");
        assert_eq!(CaseLabel::parse("   "), Err(CaseError::EmptyLabel));
        assert_eq!(CaseLabel::parse(&"x".repeat(81)), Err(CaseError::LabelTooLong));
        assert_eq!(CaseLabel::parse("a\u{7}b"), Err(CaseError::LabelControlChars));
    }

    #[test]
    fn case_round_trips_through_json_with_schema() {
        let c =
            Case::new(id(), CaseLabel::parse("Familie K.").unwrap(), parse_iso_date("2026-03-01").unwrap());
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["start_date"], "2026-03-01");
        assert_eq!(Case::from_json(v).unwrap(), c);
    }

    #[test]
    fn unknown_schema_and_bad_fields_are_typed_errors() {
        let v = serde_json::json!({"schema": 9, "id": id(), "label": "x", "start_date": "2026-01-01"});
        assert_eq!(Case::from_json(v), Err(CaseError::UnknownSchema(9)));
        let v = serde_json::json!({"schema": 1, "id": "nope", "label": "x", "start_date": "2026-01-01"});
        assert_eq!(Case::from_json(v), Err(CaseError::InvalidId("nope".into())));
        let v = serde_json::json!({"schema": 1, "id": id(), "label": " ", "start_date": "2026-01-01"});
        assert_eq!(Case::from_json(v), Err(CaseError::EmptyLabel));
        let v = serde_json::json!({"schema": 1, "id": id(), "label": 5, "start_date": "2026-01-01"});
        assert!(matches!(Case::from_json(v), Err(CaseError::Malformed(_))));
        assert!(parse_iso_date("2026-02-30").is_err());
        assert_eq!(format_date_de(parse_iso_date("2026-03-01").unwrap()), "01.03.2026");
    }
}
