//! The case (*Fall*): the core record a Fachkraft works on.
//!
//! Collect only what the task needs (§ 62 SGB VIII): an Aktenzeichen or a pseudonym, a start date and a
//! working note. Names and addresses of the family are deliberately not fields here.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::UserMessage;

/// Schema version of [`Case`]. Bump it and add a migration in [`Case::from_json`] when the shape changes.
/// 2 added birth (date or year), custody roles, status and the responsible Fachkraft.
pub const CASE_SCHEMA_VERSION: u16 = 2;

/// Where a case stands; for lists and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Clearing,
    #[default]
    Laufend,
    Ruhend,
    Beendet,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 4] =
        [CaseStatus::Clearing, CaseStatus::Laufend, CaseStatus::Ruhend, CaseStatus::Beendet];
    pub fn label_de(self) -> &'static str {
        match self {
            CaseStatus::Clearing => "Clearing",
            CaseStatus::Laufend => "laufende Hilfe",
            CaseStatus::Ruhend => "ruhend",
            CaseStatus::Beendet => "beendet",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            CaseStatus::Clearing => "clearing",
            CaseStatus::Laufend => "laufend",
            CaseStatus::Ruhend => "ruhend",
            CaseStatus::Beendet => "beendet",
        }
    }
}

/// The form of help a family gets from the Sozialraumteam (seed 001: single-case help, short
/// counselling and group offers side by side); counted per reference week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelpForm {
    #[default]
    Einzelfall,
    Kurzberatung,
    Gruppenangebot,
}

impl HelpForm {
    pub const ALL: [HelpForm; 3] = [HelpForm::Einzelfall, HelpForm::Kurzberatung, HelpForm::Gruppenangebot];
    pub fn label_de(self) -> &'static str {
        match self {
            HelpForm::Einzelfall => "Einzelfallhilfe",
            HelpForm::Kurzberatung => "Kurzberatung",
            HelpForm::Gruppenangebot => "Gruppenangebot",
        }
    }
    pub fn is_default(&self) -> bool {
        *self == HelpForm::Einzelfall
    }
    pub fn key(self) -> &'static str {
        match self {
            HelpForm::Einzelfall => "einzelfall",
            HelpForm::Kurzberatung => "kurzberatung",
            HelpForm::Gruppenangebot => "gruppenangebot",
        }
    }
}

/// Who holds custody (Personensorge), as roles: names are not needed for the task (§ 62 SGB VIII).
pub const CUSTODY_ROLES: &[&str] = &[
    "gemeinsame elterliche Sorge",
    "Mutter allein",
    "Vater allein",
    "Vormundschaft",
    "Ergänzungspflegschaft",
];

/// Birth as a year (`2014`) or a date (`2014-05-03`): only as precise as the task needs.
pub fn parse_birth(s: &str) -> Result<String, CaseError> {
    let t = s.trim();
    let year_ok = |y: i32| (1900..=2100).contains(&y);
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        let y: i32 = t.parse().map_err(|_| CaseError::InvalidBirth(s.to_owned()))?;
        return if year_ok(y) { Ok(t.to_owned()) } else { Err(CaseError::InvalidBirth(s.to_owned())) };
    }
    match parse_iso_date(t) {
        Ok(d) if year_ok(d.year()) => Ok(t.to_owned()),
        _ => Err(CaseError::InvalidBirth(s.to_owned())),
    }
}

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
    #[serde(with = "crate::date::serde_iso")]
    pub start_date: Date,
    #[serde(default)]
    pub note: String,
    /// Birth year or date of the young person ([`parse_birth`]); optional.
    #[serde(default)]
    pub birth: Option<String>,
    /// Custody roles ([`CUSTODY_ROLES`]).
    #[serde(default)]
    pub custody: Vec<String>,
    #[serde(default)]
    pub status: CaseStatus,
    /// The responsible Fachkraft of the team (display name).
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// The day the status became "beendet"; from it counts how long the case stays on devices
    /// ([`crate::retention::leaves_devices`]). Optional, added within schema 2.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::date::serde_iso_opt")]
    pub ended_on: Option<Date>,
    /// Einzelfallhilfe unless recorded otherwise. Optional, added within schema 2.
    #[serde(default, skip_serializing_if = "HelpForm::is_default")]
    pub help_form: HelpForm,
}

/// Upper bound of the responsible Fachkraft's name.
pub const ASSIGNED_MAX_CHARS: usize = 80;

impl Case {
    pub fn new(id: CaseId, label: CaseLabel, start_date: Date) -> Self {
        Self {
            schema: CASE_SCHEMA_VERSION,
            id,
            label,
            start_date,
            note: String::new(),
            birth: None,
            custody: Vec::new(),
            status: CaseStatus::default(),
            assigned_to: None,
            ended_on: None,
            help_form: HelpForm::Einzelfall,
        }
    }

    /// Checks the invariants that serde alone cannot.
    pub fn validate(&self) -> Result<(), CaseError> {
        if self.schema != CASE_SCHEMA_VERSION {
            return Err(CaseError::UnknownSchema(self.schema));
        }
        if self.note.chars().count() > NOTE_MAX_CHARS {
            return Err(CaseError::NoteTooLong);
        }
        if let Some(b) = &self.birth {
            parse_birth(b)?;
        }
        if let Some(r) = self.custody.iter().find(|r| !CUSTODY_ROLES.contains(&r.as_str())) {
            return Err(CaseError::UnknownCustody(r.clone()));
        }
        if self.assigned_to.as_ref().is_some_and(|a| a.chars().count() > ASSIGNED_MAX_CHARS) {
            return Err(CaseError::AssignedTooLong);
        }
        Ok(())
    }

    /// Reads a stored or transmitted case of any known schema version, migrating older ones.
    /// Each field goes through its validated type, so the error names what is wrong.
    pub fn from_json(value: serde_json::Value) -> Result<Self, CaseError> {
        let schema = value.get("schema").and_then(|v| v.as_u64()).unwrap_or(0);
        match schema {
            // Version 1 → 2 adds optional fields with defaults, so one reader serves both; a body
            // an older app wrote back as version 1 keeps the newer fields it carries.
            1 | 2 => {
                let raw: RawCase =
                    serde_json::from_value(value).map_err(|e| CaseError::Malformed(e.to_string()))?;
                let case = Case {
                    schema: CASE_SCHEMA_VERSION,
                    id: CaseId::parse(&raw.id)?,
                    label: CaseLabel::parse(&raw.label)?,
                    start_date: parse_iso_date(&raw.start_date)?,
                    note: raw.note,
                    birth: raw.birth.filter(|b| !b.trim().is_empty()),
                    custody: raw.custody,
                    status: raw.status,
                    assigned_to: raw.assigned_to.filter(|a| !a.trim().is_empty()),
                    ended_on: raw.ended_on.as_deref().map(parse_iso_date).transpose()?,
                    help_form: raw.help_form,
                };
                case.validate()?;
                Ok(case)
            }
            other => Err(CaseError::UnknownSchema(other.min(u16::MAX as u64) as u16)),
        }
    }
}

/// Schema 1 or 2 as it arrives, before validation.
#[derive(Deserialize)]
struct RawCase {
    id: String,
    label: String,
    start_date: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    birth: Option<String>,
    #[serde(default)]
    custody: Vec<String>,
    #[serde(default)]
    status: CaseStatus,
    #[serde(default)]
    assigned_to: Option<String>,
    #[serde(default)]
    ended_on: Option<String>,
    #[serde(default)]
    help_form: HelpForm,
}

/// Parses a date as the browser's `<input type="date">` sends it (YYYY-MM-DD).
pub fn parse_iso_date(s: &str) -> Result<Date, CaseError> {
    crate::date::parse_iso(s.trim()).ok_or_else(|| CaseError::InvalidDate(s.to_owned()))
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
    #[error("invalid birth year or date {0:?}")]
    InvalidBirth(String),
    #[error("unknown custody role {0:?}")]
    UnknownCustody(String),
    #[error("responsible Fachkraft longer than {ASSIGNED_MAX_CHARS} characters")]
    AssignedTooLong,
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
            CaseError::InvalidBirth(_) => {
                "Bitte das Geburtsjahr (z. B. 2014) oder das Geburtsdatum eingeben.".into()
            }
            CaseError::UnknownCustody(_) => "Diese Angabe zum Sorgerecht gibt es nicht.".into(),
            CaseError::AssignedTooLong => {
                format!("Der Name der Fachkraft darf höchstens {ASSIGNED_MAX_CHARS} Zeichen lang sein.")
            }
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
        assert_eq!(v["schema"], 2);
        assert_eq!(v["start_date"], "2026-03-01");
        assert_eq!(Case::from_json(v).unwrap(), c);
    }

    #[test]
    fn version_1_reads_as_version_2_and_birth_is_a_year_or_a_date() {
        let v1 = serde_json::json!({"schema": 1, "id": id().to_string(), "label": "AZ 1", "start_date": "2026-01-05"});
        let c = Case::from_json(v1).unwrap();
        assert_eq!((c.schema, c.status, c.birth.clone(), c.custody.len()), (2, CaseStatus::Laufend, None, 0));
        let mut v2 = serde_json::to_value(&c).unwrap();
        v2["birth"] = "2014".into();
        v2["custody"] = serde_json::json!(["Vormundschaft"]);
        v2["status"] = "clearing".into();
        let c2 = Case::from_json(v2.clone()).unwrap();
        assert_eq!((c2.birth.as_deref(), c2.status), (Some("2014"), CaseStatus::Clearing));
        assert_eq!(parse_birth("2014-05-03").unwrap(), "2014-05-03");
        assert!(parse_birth("14").unwrap_err().message_de().contains("Geburtsjahr"));
        assert!(parse_birth("1850").is_err());
        v2["custody"] = serde_json::json!(["Oma"]);
        assert_eq!(Case::from_json(v2), Err(CaseError::UnknownCustody("Oma".into())));
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
