//! Consent register (§ 67b SGB X; seed 003: the client's consent governs any data exchange with a
//! cooperation partner) and the rules for passing data on: § 65 SGB VIII for entrusted notes and
//! § 64 Abs. 2a for the pseudonymised consultation export.
//!
//! Each consent is its own sync record (`RecordKind::Consent`, a UUID per consent), so two devices
//! recording consents for one case never collide, and a revocation is one field.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::case::CaseId;
use crate::error::UserMessage;

pub const CONSENT_SCHEMA_VERSION: u16 = 1;
const MAX_TEXT: usize = 500;

/// What may be passed on. Every sharing names its categories; a consent names those it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    Stammdaten,
    Hilfesetting,
    Ziele,
    Besuchsnotizen,
    Checkliste,
    Clearing,
}

impl DataCategory {
    pub const ALL: [DataCategory; 6] = [
        DataCategory::Stammdaten,
        DataCategory::Hilfesetting,
        DataCategory::Ziele,
        DataCategory::Besuchsnotizen,
        DataCategory::Checkliste,
        DataCategory::Clearing,
    ];
    pub fn label_de(self) -> &'static str {
        match self {
            DataCategory::Stammdaten => "Stammdaten (Aktenzeichen, Geburt, Sorgerecht, Status)",
            DataCategory::Hilfesetting => "Hilfesetting",
            DataCategory::Ziele => "Ziele und Einschätzungen",
            DataCategory::Besuchsnotizen => "Notizen der Hausbesuche",
            DataCategory::Checkliste => "Checkliste Strukturqualität",
            DataCategory::Clearing => "Clearing",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            DataCategory::Stammdaten => "stammdaten",
            DataCategory::Hilfesetting => "hilfesetting",
            DataCategory::Ziele => "ziele",
            DataCategory::Besuchsnotizen => "besuchsnotizen",
            DataCategory::Checkliste => "checkliste",
            DataCategory::Clearing => "clearing",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == s)
    }
}

/// How the consent was given (§ 67b Abs. 2 SGB X: written or electronic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentForm {
    Schriftlich,
    Elektronisch,
}

impl ConsentForm {
    pub fn label_de(self) -> &'static str {
        match self {
            ConsentForm::Schriftlich => "schriftlich",
            ConsentForm::Elektronisch => "elektronisch",
        }
    }
}

/// One consent of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub schema: u16,
    /// A UUID made on the device.
    pub id: String,
    pub case_id: CaseId,
    /// The cooperation partner the data may go to (e.g. "Schuldnerberatung der Caritas").
    pub partner: String,
    /// Who consented, by role (e.g. "Mutter"), not by name.
    pub given_by: String,
    pub categories: Vec<DataCategory>,
    pub purpose: String,
    #[serde(with = "crate::date::serde_iso")]
    pub given_on: Date,
    pub form: ConsentForm,
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub expires_on: Option<Date>,
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub revoked_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    #[error("consent id is not a UUID")]
    InvalidId,
    #[error("partner missing or too long")]
    Partner,
    #[error("who consented is missing or too long")]
    GivenBy,
    #[error("purpose missing or too long")]
    Purpose,
    #[error("no data category")]
    NoCategory,
    #[error("expiry before the day of consent")]
    ExpiresBeforeGiven,
    #[error("revocation before the day of consent")]
    RevokedBeforeGiven,
    #[error("unknown consent schema version {0}")]
    UnknownSchema(u64),
    #[error("malformed consent: {0}")]
    Malformed(String),
}

impl UserMessage for ConsentError {
    fn message_de(&self) -> String {
        match self {
            ConsentError::InvalidId => "Die Kennung der Einwilligung ist ungültig.".into(),
            ConsentError::Partner => "Bitte den Kooperationspartner angeben (höchstens 500 Zeichen).".into(),
            ConsentError::GivenBy => "Bitte angeben, wer eingewilligt hat (höchstens 500 Zeichen).".into(),
            ConsentError::Purpose => "Bitte den Zweck angeben (höchstens 500 Zeichen).".into(),
            ConsentError::NoCategory => "Bitte mindestens eine Datenart wählen.".into(),
            ConsentError::ExpiresBeforeGiven => "Das Ablaufdatum liegt vor dem Tag der Einwilligung.".into(),
            ConsentError::RevokedBeforeGiven => "Der Widerruf liegt vor dem Tag der Einwilligung.".into(),
            ConsentError::UnknownSchema(_) | ConsentError::Malformed(_) => {
                "Die Einwilligung ist beschädigt oder stammt aus einer neueren Version.".into()
            }
        }
    }
}

/// Where a consent stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentState {
    Valid,
    NotYet(Date),
    Expired(Date),
    Revoked(Date),
}

fn text_ok(s: &str) -> bool {
    !s.trim().is_empty() && s.chars().count() <= MAX_TEXT
}

impl Consent {
    pub fn validate(&self) -> Result<(), ConsentError> {
        if uuid::Uuid::parse_str(&self.id).is_err() {
            return Err(ConsentError::InvalidId);
        }
        if !text_ok(&self.partner) {
            return Err(ConsentError::Partner);
        }
        if !text_ok(&self.given_by) {
            return Err(ConsentError::GivenBy);
        }
        if !text_ok(&self.purpose) {
            return Err(ConsentError::Purpose);
        }
        if self.categories.is_empty() {
            return Err(ConsentError::NoCategory);
        }
        if self.expires_on.is_some_and(|e| e < self.given_on) {
            return Err(ConsentError::ExpiresBeforeGiven);
        }
        if self.revoked_on.is_some_and(|r| r < self.given_on) {
            return Err(ConsentError::RevokedBeforeGiven);
        }
        Ok(())
    }

    pub fn from_json(value: serde_json::Value) -> Result<Self, ConsentError> {
        let schema = value.get("schema").and_then(|v| v.as_u64()).unwrap_or(0);
        if schema != u64::from(CONSENT_SCHEMA_VERSION) {
            return Err(ConsentError::UnknownSchema(schema));
        }
        let c: Consent = serde_json::from_value(value).map_err(|e| ConsentError::Malformed(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    /// Valid from the day it was given, through its expiry day, until the day it is revoked.
    pub fn state_on(&self, day: Date) -> ConsentState {
        match (self.revoked_on, self.expires_on) {
            (Some(r), _) if r <= day => ConsentState::Revoked(r),
            (_, Some(e)) if e < day => ConsentState::Expired(e),
            _ if self.given_on > day => ConsentState::NotYet(self.given_on),
            _ => ConsentState::Valid,
        }
    }

    pub fn is_for(&self, partner: &str) -> bool {
        same_partner(&self.partner, partner)
    }
}

/// Partners are compared without case and surrounding or repeated spaces.
pub fn same_partner(a: &str, b: &str) -> bool {
    crate::text::name_key(a) == crate::text::name_key(b)
}

/// Why a sharing is blocked, in German for the person who wanted to share.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sharing blocked: no valid consent covers it")]
pub struct SharingBlocked {
    pub reasons_de: Vec<String>,
}

impl UserMessage for SharingBlocked {
    fn message_de(&self) -> String {
        format!("Weitergabe nicht möglich: {}", self.reasons_de.join(" "))
    }
}

fn de(d: Date) -> String {
    format!("{:02}.{:02}.{}", d.day(), u8::from(d.month()), d.year())
}

/// Checks that valid consents for `partner` on `day` cover every category to be shared (§ 67b
/// SGB X). Returns the consents relied on, or every reason it is blocked.
pub fn check_sharing<'a>(
    consents: &'a [Consent],
    partner: &str,
    categories: &[DataCategory],
    day: Date,
) -> Result<Vec<&'a Consent>, SharingBlocked> {
    let blocked = |reasons_de: Vec<String>| Err(SharingBlocked { reasons_de });
    if partner.trim().is_empty() {
        return blocked(vec!["Bitte den Kooperationspartner angeben.".into()]);
    }
    if categories.is_empty() {
        return blocked(vec!["Bitte mindestens eine Datenart wählen.".into()]);
    }
    let for_partner: Vec<&Consent> = consents.iter().filter(|c| c.is_for(partner)).collect();
    if for_partner.is_empty() {
        return blocked(vec![format!("Für „{}“ ist keine Einwilligung erfasst.", partner.trim())]);
    }
    let valid: Vec<&Consent> =
        for_partner.iter().copied().filter(|c| c.state_on(day) == ConsentState::Valid).collect();
    let mut reasons = Vec::new();
    if valid.is_empty() {
        for c in &for_partner {
            reasons.push(match c.state_on(day) {
                ConsentState::Revoked(r) => {
                    format!("Die Einwilligung vom {} wurde am {} widerrufen.", de(c.given_on), de(r))
                }
                ConsentState::Expired(e) => {
                    format!("Die Einwilligung vom {} galt nur bis zum {}.", de(c.given_on), de(e))
                }
                ConsentState::NotYet(g) => format!("Die Einwilligung gilt erst ab dem {}.", de(g)),
                ConsentState::Valid => continue,
            });
        }
        return blocked(reasons);
    }
    let missing: Vec<&str> = categories
        .iter()
        .filter(|cat| !valid.iter().any(|c| c.categories.contains(cat)))
        .map(|cat| cat.label_de())
        .collect();
    if !missing.is_empty() {
        return blocked(vec![format!("Die Einwilligung umfasst nicht: {}.", missing.join(", "))]);
    }
    Ok(valid.into_iter().filter(|c| categories.iter().any(|cat| c.categories.contains(cat))).collect())
}

/// The legal ground on which an entrusted note (§ 65 Abs. 1 SGB VIII) is passed on. Without one
/// chosen explicitly, entrusted notes never leave the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureBasis {
    /// Nr. 1: the person who entrusted it consented.
    Einwilligung,
    /// Nr. 2: the family court, for its tasks under § 8a Abs. 2.
    Familiengericht,
    /// Nr. 3: the worker taking over the case when the child may be at risk.
    Zustaendigkeitswechsel,
    /// Nr. 4: the experienced expert consulted for the § 8a risk assessment.
    ErfahreneFachkraft,
    /// Nr. 5: where a person named in § 203 StGB would be allowed to disclose.
    Strafgesetzbuch203,
}

impl DisclosureBasis {
    pub const ALL: [DisclosureBasis; 5] = [
        DisclosureBasis::Einwilligung,
        DisclosureBasis::Familiengericht,
        DisclosureBasis::Zustaendigkeitswechsel,
        DisclosureBasis::ErfahreneFachkraft,
        DisclosureBasis::Strafgesetzbuch203,
    ];
    pub fn key(self) -> &'static str {
        match self {
            DisclosureBasis::Einwilligung => "einwilligung",
            DisclosureBasis::Familiengericht => "familiengericht",
            DisclosureBasis::Zustaendigkeitswechsel => "zustaendigkeitswechsel",
            DisclosureBasis::ErfahreneFachkraft => "erfahrene_fachkraft",
            DisclosureBasis::Strafgesetzbuch203 => "stgb_203",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.key() == s)
    }
    pub fn label_de(self) -> &'static str {
        match self {
            DisclosureBasis::Einwilligung => "Einwilligung der Person, die es anvertraut hat (§ 65 Abs. 1 Nr. 1)",
            DisclosureBasis::Familiengericht => "Familiengericht nach § 8a Abs. 2 (§ 65 Abs. 1 Nr. 2)",
            DisclosureBasis::Zustaendigkeitswechsel => {
                "Wechsel der Fallzuständigkeit bei Anhaltspunkten für eine Kindeswohlgefährdung (§ 65 Abs. 1 Nr. 3)"
            }
            DisclosureBasis::ErfahreneFachkraft => {
                "Hinzugezogene Fachkraft zur Gefährdungseinschätzung nach § 8a (§ 65 Abs. 1 Nr. 4)"
            }
            DisclosureBasis::Strafgesetzbuch203 => "Befugnis wie nach § 203 StGB (§ 65 Abs. 1 Nr. 5)",
        }
    }
}

/// Age in whole years on `day` from the case's birth ("2014" or "2014-05-03"; a year alone
/// counts as if the birthday had passed). The pseudonymised export shows only this.
pub fn age_on(birth: &str, day: Date) -> Option<i32> {
    if let Ok(b) = crate::case::parse_iso_date(birth) {
        let had_birthday = (u8::from(day.month()), day.day()) >= (u8::from(b.month()), b.day());
        return Some(day.year() - b.year() - i32::from(!had_birthday));
    }
    birth.trim().parse::<i32>().ok().map(|y| day.year() - y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn consent(partner: &str, cats: &[DataCategory]) -> Consent {
        Consent {
            schema: CONSENT_SCHEMA_VERSION,
            id: "6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5".into(),
            case_id: CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap(),
            partner: partner.into(),
            given_by: "Mutter".into(),
            categories: cats.to_vec(),
            purpose: "Schuldenregulierung".into(),
            given_on: date!(2026 - 03 - 01),
            form: ConsentForm::Schriftlich,
            expires_on: Some(date!(2026 - 12 - 31)),
            revoked_on: None,
        }
    }

    #[test]
    fn a_valid_consent_covering_every_category_allows_sharing() {
        let cs =
            [consent("Schuldnerberatung Caritas", &[DataCategory::Stammdaten, DataCategory::Hilfesetting])];
        let ok = check_sharing(
            &cs,
            "  schuldnerberatung   caritas ",
            &[DataCategory::Stammdaten],
            date!(2026 - 11 - 24),
        );
        assert_eq!(ok.unwrap().len(), 1);
    }

    #[test]
    fn sharing_is_blocked_and_says_why() {
        let day = date!(2026 - 11 - 24);
        let cs = [consent("Schuldnerberatung", &[DataCategory::Stammdaten])];
        let no = |p: &str, cats: &[DataCategory], cs: &[Consent]| {
            check_sharing(cs, p, cats, day).unwrap_err().message_de()
        };
        assert!(no("Suchtberatung", &[DataCategory::Stammdaten], &cs).contains("keine Einwilligung erfasst"));
        assert!(no("Schuldnerberatung", &[DataCategory::Besuchsnotizen], &cs)
            .contains("umfasst nicht: Notizen der Hausbesuche"));
        let mut revoked = cs.clone();
        revoked[0].revoked_on = Some(date!(2026 - 11 - 01));
        assert!(no("Schuldnerberatung", &[DataCategory::Stammdaten], &revoked)
            .contains("am 01.11.2026 widerrufen"));
        let mut expired = cs.clone();
        expired[0].expires_on = Some(date!(2026 - 11 - 23));
        assert!(no("Schuldnerberatung", &[DataCategory::Stammdaten], &expired)
            .contains("galt nur bis zum 23.11.2026"));
        assert_eq!(
            expired[0].state_on(date!(2026 - 11 - 23)),
            ConsentState::Valid,
            "valid through its expiry day"
        );
        assert!(no("", &[DataCategory::Stammdaten], &cs).contains("Kooperationspartner"));
    }

    #[test]
    fn records_are_validated() {
        let c = consent("P", &[DataCategory::Ziele]);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(Consent::from_json(json.clone()).unwrap(), c);
        let mut bad = c.clone();
        bad.categories.clear();
        assert_eq!(bad.validate(), Err(ConsentError::NoCategory));
        bad = c.clone();
        bad.expires_on = Some(date!(2026 - 01 - 01));
        assert_eq!(bad.validate(), Err(ConsentError::ExpiresBeforeGiven));
        let mut v = json;
        v["schema"] = 9.into();
        assert!(Consent::from_json(v).is_err());
    }

    #[test]
    fn ages_from_year_or_date() {
        assert_eq!(age_on("2014-12-01", date!(2026 - 11 - 24)), Some(11));
        assert_eq!(age_on("2014-11-24", date!(2026 - 11 - 24)), Some(12));
        assert_eq!(age_on("2014", date!(2026 - 11 - 24)), Some(12));
        assert_eq!(age_on("", date!(2026 - 11 - 24)), None);
    }
}
