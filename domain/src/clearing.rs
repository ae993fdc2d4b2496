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
    #[serde(with = "crate::date::serde_iso")]
    pub decided_on: Date,
}

/// One Clearing of a case: a stored and synced record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearingRecord {
    pub schema: u16,
    pub case_id: CaseId,
    #[serde(with = "crate::date::serde_iso")]
    pub start: Date,
    /// Planned end; at most 12 weeks after `start`.
    #[serde(with = "crate::date::serde_iso")]
    pub deadline: Date,
    #[serde(default, with = "crate::date::serde_iso_opt")]
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

/// The sync record of a case's Clearing has this id: one Clearing per case, with a fixed id.
pub fn record_id(case_id: &CaseId) -> String {
    format!("{case_id}~clearing")
}

impl ResourceArea {
    /// Stable key used in the sync record's field names.
    pub fn key(self) -> &'static str {
        match self {
            ResourceArea::Persoenlich => "persoenlich",
            ResourceArea::Familie => "familie",
            ResourceArea::SozialesNetz => "soziales_netz",
            ResourceArea::Sozialraum => "sozialraum",
        }
    }
}

/// Field of one area's resources (`part` = `ressourcen` or `belastungen`) in the sync record.
pub fn area_field(area: ResourceArea, part: &str) -> String {
    format!("r.{}.{part}", area.key())
}

/// The category as it is being decided: saved as typed, so a reason written before the category is
/// chosen (or the other way round) is never lost. It counts as decided once both are there.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CategoryDraft {
    #[serde(default)]
    pub category: Option<CaseCategory>,
    #[serde(default)]
    pub reason: String,
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub decided_on: Option<Date>,
}

impl ClearingRecord {
    /// The sync record: top-level fields per area text (`r.<area>.<part>`) and for the category
    /// (`kategorie`, `begruendung`, `entschieden_am`), so edits on different devices merge.
    pub fn to_record(&self, draft: &CategoryDraft) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::Value;
        let mut m = serde_json::Map::new();
        m.insert("schema".into(), self.schema.into());
        m.insert("id".into(), record_id(&self.case_id).into());
        m.insert("case_id".into(), self.case_id.as_str().into());
        m.insert("start".into(), self.start.to_string().into());
        m.insert("deadline".into(), self.deadline.to_string().into());
        m.insert("completed_on".into(), self.completed_on.map_or(Value::Null, |d| d.to_string().into()));
        m.insert("recommendation".into(), self.recommendation.clone().into());
        for a in ResourceArea::ALL {
            m.insert(area_field(a, "ressourcen"), self.resources.area(a).ressourcen.clone().into());
            m.insert(area_field(a, "belastungen"), self.resources.area(a).belastungen.clone().into());
        }
        m.insert("kategorie".into(), serde_json::to_value(draft.category).unwrap_or_default());
        m.insert("begruendung".into(), draft.reason.clone().into());
        m.insert("entschieden_am".into(), draft.decided_on.map_or(Value::Null, |d| d.to_string().into()));
        m
    }

    /// Reads a sync record: the Clearing (its category set once category and reason are both given)
    /// and the category as typed.
    pub fn from_record(value: serde_json::Value) -> Result<(Self, CategoryDraft), ClearingError> {
        let malformed = |w: String| ClearingError::Malformed(w);
        let serde_json::Value::Object(m) = value else { return Err(malformed("not an object".into())) };
        let schema = crate::schema::version_of(&serde_json::Value::Object(m.clone()));
        if schema != CLEARING_SCHEMA_VERSION {
            return Err(ClearingError::UnknownSchema(schema));
        }
        let text = |k: &str| m.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let date = |k: &str| -> Result<Option<Date>, ClearingError> {
            match m.get(k).and_then(|v| v.as_str()).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => {
                    crate::case::parse_iso_date(s).map(Some).map_err(|_| malformed(format!("{k}: {s}")))
                }
            }
        };
        let case_id = CaseId::parse(&text("case_id")).map_err(|_| malformed("case_id".into()))?;
        if text("id") != record_id(&case_id) {
            return Err(malformed("id does not belong to the case".into()));
        }
        let start = date("start")?.ok_or_else(|| malformed("start missing".into()))?;
        let mut rec = ClearingRecord::new(case_id, start);
        rec.deadline = date("deadline")?.unwrap_or(rec.deadline);
        rec.completed_on = date("completed_on")?;
        rec.recommendation = text("recommendation");
        for a in ResourceArea::ALL {
            let area = rec.resources.area_mut(a);
            area.ressourcen = text(&area_field(a, "ressourcen"));
            area.belastungen = text(&area_field(a, "belastungen"));
        }
        let draft = CategoryDraft {
            category: m
                .get("kategorie")
                .cloned()
                .and_then(|v| serde_json::from_value::<Option<CaseCategory>>(v).ok())
                .flatten(),
            reason: text("begruendung"),
            decided_on: date("entschieden_am")?,
        };
        if let Some(category) = draft.category.filter(|_| !draft.reason.trim().is_empty()) {
            rec.categorise(category, &draft.reason, draft.decided_on.unwrap_or(start).max(start))?;
        }
        if draft.reason.chars().count() > CLEARING_TEXT_MAX_CHARS {
            return Err(ClearingError::TextTooLong);
        }
        rec.validate()?;
        Ok((rec, draft))
    }

    /// Days from `today` until the deadline (negative when passed).
    pub fn days_left(&self, today: Date) -> i64 {
        (self.deadline - today).whole_days()
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

    #[test]
    fn the_sync_record_keeps_a_reason_typed_before_the_category() {
        let case = CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap();
        let start = crate::case::parse_iso_date("2026-11-02").unwrap();
        let mut rec = ClearingRecord::new(case, start);
        rec.resources.familie.ressourcen = "Großmutter unterstützt".into();
        let draft = CategoryDraft { category: None, reason: "hoher Bedarf".into(), decided_on: None };
        let body = serde_json::Value::Object(rec.to_record(&draft));
        let (back, d) = ClearingRecord::from_record(body.clone()).unwrap();
        assert_eq!(back.resources.familie.ressourcen, "Großmutter unterstützt");
        assert_eq!((back.category.clone(), d.reason.as_str()), (None, "hoher Bedarf"));
        let mut chosen = body;
        chosen["kategorie"] = serde_json::json!("B");
        let (decided, _) = ClearingRecord::from_record(chosen.clone()).unwrap();
        assert_eq!(decided.category.map(|c| c.category), Some(CaseCategory::B));
        chosen["deadline"] = serde_json::json!("2027-06-01");
        assert_eq!(ClearingRecord::from_record(chosen).unwrap_err(), ClearingError::DeadlineTooLate);
    }
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
