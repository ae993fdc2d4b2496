//! Clearing (seed 002, Halle): a time-limited assessment commissioned by the Jugendamt on the basis of a
//! resource analysis, ending with a case category A, B or C and a recommendation. Usually up to 6 weeks,
//! never longer than 12 (checked by [`crate::rules::clearing_record`]).
//!
//! The meaning of the categories is agreed locally (LEQ-Vereinbarung); the domain does not invent one and
//! requires a stated reason instead.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::case::CaseId;
use crate::error::UserMessage;

/// Schema version of [`ClearingRecord`].
pub const CLEARING_SCHEMA_VERSION: u16 = 1;
/// Default planned duration of a Clearing: 6 weeks.
pub const DEFAULT_CLEARING_DAYS: i64 = 6 * 7;
/// Hard limit of a Clearing: 12 weeks.
pub const MAX_CLEARING_DAYS: i64 = 12 * 7;
/// Bound of each free text.
pub const CLEARING_TEXT_MAX_CHARS: usize = 10_000;

/// The four areas of the resource analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceArea {
    Persoenlich,
    Familie,
    SozialesNetz,
    Sozialraum,
}

impl ResourceArea {
    pub const ALL: [ResourceArea; 4] = [
        ResourceArea::Persoenlich,
        ResourceArea::Familie,
        ResourceArea::SozialesNetz,
        ResourceArea::Sozialraum,
    ];
    pub fn label_de(self) -> &'static str {
        match self {
            ResourceArea::Persoenlich => "persönliche Ressourcen",
            ResourceArea::Familie => "familiäre Ressourcen",
            ResourceArea::SozialesNetz => "soziales Netzwerk",
            ResourceArea::Sozialraum => "Sozialraum",
        }
    }
}

/// What was found in one area. Both texts may stay empty while unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AreaAssessment {
    /// Strengths and resources that can be activated.
    #[serde(default)]
    pub ressourcen: String,
    /// Burdens and risks.
    #[serde(default)]
    pub belastungen: String,
}

impl AreaAssessment {
    pub fn is_filled(&self) -> bool {
        !self.ressourcen.trim().is_empty() || !self.belastungen.trim().is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResourceAnalysis {
    #[serde(default)]
    pub persoenlich: AreaAssessment,
    #[serde(default)]
    pub familie: AreaAssessment,
    #[serde(default)]
    pub soziales_netz: AreaAssessment,
    #[serde(default)]
    pub sozialraum: AreaAssessment,
}

impl ResourceAnalysis {
    pub fn area(&self, a: ResourceArea) -> &AreaAssessment {
        match a {
            ResourceArea::Persoenlich => &self.persoenlich,
            ResourceArea::Familie => &self.familie,
            ResourceArea::SozialesNetz => &self.soziales_netz,
            ResourceArea::Sozialraum => &self.sozialraum,
        }
    }
    pub fn area_mut(&mut self, a: ResourceArea) -> &mut AreaAssessment {
        match a {
            ResourceArea::Persoenlich => &mut self.persoenlich,
            ResourceArea::Familie => &mut self.familie,
            ResourceArea::SozialesNetz => &mut self.soziales_netz,
            ResourceArea::Sozialraum => &mut self.sozialraum,
        }
    }
    /// Areas without any entry yet.
    pub fn open_areas(&self) -> Vec<ResourceArea> {
        ResourceArea::ALL.into_iter().filter(|a| !self.area(*a).is_filled()).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CaseCategory {
    A,
    B,
    C,
}

impl CaseCategory {
    pub fn label_de(self) -> &'static str {
        match self {
            CaseCategory::A => "Fallkategorie A",
            CaseCategory::B => "Fallkategorie B",
            CaseCategory::C => "Fallkategorie C",
        }
    }
}

/// The category assigned at the end of the Clearing, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Categorisation {
    pub category: CaseCategory,
    pub reason: String,
    pub decided_on: Date,
}

/// One Clearing of a case: a stored and synced record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearingRecord {
    pub schema: u16,
    pub case_id: CaseId,
    pub start: Date,
    /// Planned end; at most 12 weeks after `start`.
    pub deadline: Date,
    #[serde(default)]
    pub completed_on: Option<Date>,
    #[serde(default)]
    pub resources: ResourceAnalysis,
    #[serde(default)]
    pub category: Option<Categorisation>,
    /// Recommendation to the Jugendamt (type of help, setting).
    #[serde(default)]
    pub recommendation: String,
}

impl ClearingRecord {
    /// A new Clearing starting on `start` with the usual deadline of 6 weeks.
    pub fn new(case_id: CaseId, start: Date) -> Self {
        Self {
            schema: CLEARING_SCHEMA_VERSION,
            case_id,
            start,
            deadline: start + time::Duration::days(DEFAULT_CLEARING_DAYS),
            completed_on: None,
            resources: ResourceAnalysis::default(),
            category: None,
            recommendation: String::new(),
        }
    }

    /// Sets the category; a reason is required.
    pub fn categorise(
        &mut self,
        category: CaseCategory,
        reason: &str,
        on: Date,
    ) -> Result<(), ClearingError> {
        let c = Categorisation { category, reason: reason.trim().to_owned(), decided_on: on };
        check_categorisation(self.start, &c)?;
        self.category = Some(c);
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ClearingError> {
        if self.schema != CLEARING_SCHEMA_VERSION {
            return Err(ClearingError::UnknownSchema(self.schema));
        }
        if self.deadline < self.start {
            return Err(ClearingError::DeadlineBeforeStart);
        }
        if (self.deadline - self.start).whole_days() > MAX_CLEARING_DAYS {
            return Err(ClearingError::DeadlineTooLate);
        }
        if self.completed_on.is_some_and(|d| d < self.start) {
            return Err(ClearingError::CompletedBeforeStart);
        }
        if let Some(c) = &self.category {
            check_categorisation(self.start, c)?;
        }
        let r = &self.resources;
        let texts = ResourceArea::ALL
            .into_iter()
            .flat_map(|a| [r.area(a).ressourcen.as_str(), r.area(a).belastungen.as_str()])
            .chain([self.recommendation.as_str()])
            .chain(self.category.iter().map(|c| c.reason.as_str()));
        if texts.into_iter().any(|t| t.chars().count() > CLEARING_TEXT_MAX_CHARS) {
            return Err(ClearingError::TextTooLong);
        }
        Ok(())
    }

    /// Reads a stored or transmitted Clearing of any known schema version.
    pub fn from_json(value: serde_json::Value) -> Result<Self, ClearingError> {
        let r: Self = crate::schema::read_versioned(value, CLEARING_SCHEMA_VERSION, &[])
            .map_err(|e| ClearingError::Malformed(e.to_string()))?;
        r.validate()?;
        Ok(r)
    }
}

fn check_categorisation(start: Date, c: &Categorisation) -> Result<(), ClearingError> {
    if c.reason.trim().is_empty() {
        return Err(ClearingError::CategoryWithoutReason);
    }
    if c.decided_on < start {
        return Err(ClearingError::CompletedBeforeStart);
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClearingError {
    #[error("deadline before start")]
    DeadlineBeforeStart,
    #[error("deadline more than 12 weeks after start")]
    DeadlineTooLate,
    #[error("completion or decision before start")]
    CompletedBeforeStart,
    #[error("case category without reason")]
    CategoryWithoutReason,
    #[error("text longer than {CLEARING_TEXT_MAX_CHARS} characters")]
    TextTooLong,
    #[error("unknown clearing schema version {0}")]
    UnknownSchema(u16),
    #[error("malformed clearing record: {0}")]
    Malformed(String),
}

impl UserMessage for ClearingError {
    fn message_de(&self) -> String {
        match self {
            ClearingError::DeadlineBeforeStart => {
                "Das geplante Ende liegt vor dem Beginn des Clearings.".into()
            }
            ClearingError::DeadlineTooLate => "Ein Clearing darf höchstens 12 Wochen dauern.".into(),
            ClearingError::CompletedBeforeStart => "Das Datum liegt vor dem Beginn des Clearings.".into(),
            ClearingError::CategoryWithoutReason => "Bitte die Fallkategorie begründen.".into(),
            ClearingError::TextTooLong => {
                format!("Texte dürfen höchstens {CLEARING_TEXT_MAX_CHARS} Zeichen lang sein.")
            }
            ClearingError::UnknownSchema(v) => {
                format!("Dieser Datensatz stammt aus einer unbekannten Version ({v}). Bitte die App aktualisieren.")
            }
            ClearingError::Malformed(_) => {
                "Der Datensatz ist beschädigt und konnte nicht gelesen werden.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{clearing_record, RuleConfig, Severity};
    use time::macros::date;

    fn id() -> CaseId {
        CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap()
    }

    #[test]
    fn new_clearing_has_six_week_deadline_and_open_areas() {
        let c = ClearingRecord::new(id(), date!(2026 - 03 - 02));
        assert_eq!(c.deadline, date!(2026 - 04 - 13));
        assert_eq!(c.resources.open_areas().len(), 4);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn category_needs_reason_and_deadline_is_bounded() {
        let mut c = ClearingRecord::new(id(), date!(2026 - 03 - 02));
        assert_eq!(
            c.categorise(CaseCategory::B, "  ", date!(2026 - 04 - 01)),
            Err(ClearingError::CategoryWithoutReason)
        );
        c.categorise(CaseCategory::B, "tragfähiges Netz, Schulprobleme", date!(2026 - 04 - 01)).unwrap();
        assert_eq!(c.category.as_ref().unwrap().category, CaseCategory::B);
        c.deadline = date!(2026 - 05 - 25); // exactly 12 weeks
        assert_eq!(c.validate(), Ok(()));
        c.deadline = date!(2026 - 05 - 26);
        assert_eq!(c.validate(), Err(ClearingError::DeadlineTooLate));
        c.deadline = date!(2026 - 03 - 01);
        assert_eq!(c.validate(), Err(ClearingError::DeadlineBeforeStart));
    }

    #[test]
    fn clearing_rule_applies_to_the_record() {
        let mut c = ClearingRecord::new(id(), date!(2026 - 03 - 02));
        let cfg = RuleConfig::default();
        assert_eq!(clearing_record(&c, date!(2026 - 04 - 01), &cfg), None);
        assert_eq!(clearing_record(&c, date!(2026 - 04 - 20), &cfg).unwrap().severity, Severity::Warnung);
        assert_eq!(clearing_record(&c, date!(2026 - 06 - 01), &cfg).unwrap().severity, Severity::Fehler);
        c.completed_on = Some(date!(2026 - 04 - 10));
        assert_eq!(clearing_record(&c, date!(2026 - 06 - 01), &cfg), None);
    }

    #[test]
    fn clearing_round_trips_with_schema() {
        let mut c = ClearingRecord::new(id(), date!(2026 - 03 - 02));
        c.resources.area_mut(ResourceArea::Sozialraum).ressourcen = "Jugendtreff, Sportverein".into();
        c.categorise(CaseCategory::A, "Begründung", date!(2026 - 04 - 01)).unwrap();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["category"]["category"], "A");
        assert_eq!(ClearingRecord::from_json(v.clone()), Ok(c));
        let mut bad = v;
        bad["category"]["reason"] = "".into();
        assert_eq!(ClearingRecord::from_json(bad), Err(ClearingError::CategoryWithoutReason));
        assert!(matches!(
            ClearingRecord::from_json(serde_json::json!({"schema": 5})),
            Err(ClearingError::Malformed(_))
        ));
    }
}
