//! Goals of a case: Wirkungsziel → Handlungsziel → Handlungsschritt (owner, due date), in the six Halle
//! areas, with ratings over time on a −2..+2 scale from four perspectives (*Zielwinkelverfahren*) and a
//! trend per goal and per case. No floats: means are compared as exact fractions.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::case::CaseId;
use crate::checklist::WIRKUNGSZIELE;
use crate::error::UserMessage;
use crate::money::{round_div, Rounding};

/// Schema version of [`GoalPlan`].
pub const GOAL_PLAN_SCHEMA_VERSION: u16 = 1;
/// Bound of each free text.
pub const GOAL_TEXT_MAX_CHARS: usize = 2_000;

/// The six areas in which Halle (seed 002) formulates individual goals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalArea {
    Schule,
    Beziehung,
    Sozialverhalten,
    Freizeit,
    Therapie,
    Sonstiges,
}

impl GoalArea {
    pub const ALL: [GoalArea; 6] = [
        GoalArea::Schule,
        GoalArea::Beziehung,
        GoalArea::Sozialverhalten,
        GoalArea::Freizeit,
        GoalArea::Therapie,
        GoalArea::Sonstiges,
    ];
    pub fn label_de(self) -> &'static str {
        match self {
            GoalArea::Schule => "Schule",
            GoalArea::Beziehung => "Beziehung",
            GoalArea::Sozialverhalten => "Sozialverhalten",
            GoalArea::Freizeit => "Freizeit",
            GoalArea::Therapie => "Therapie",
            GoalArea::Sonstiges => "Sonstiges",
        }
    }
}

/// Who rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Perspective {
    JungerMensch,
    Eltern,
    Jugendamt,
    Traeger,
}

impl Perspective {
    pub const ALL: [Perspective; 4] =
        [Perspective::JungerMensch, Perspective::Eltern, Perspective::Jugendamt, Perspective::Traeger];
    pub fn label_de(self) -> &'static str {
        match self {
            Perspective::JungerMensch => "junger Mensch",
            Perspective::Eltern => "Eltern",
            Perspective::Jugendamt => "Jugendamt",
            Perspective::Traeger => "Träger",
        }
    }
}

/// A rating from −2 (much worse / far from the goal) to +2 (goal reached).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i8", into = "i8")]
pub struct Score(i8);

impl Score {
    pub fn new(v: i8) -> Result<Self, GoalError> {
        if (-2..=2).contains(&v) {
            Ok(Self(v))
        } else {
            Err(GoalError::ScoreOutOfRange(v))
        }
    }
    pub fn get(self) -> i8 {
        self.0
    }
}
impl TryFrom<i8> for Score {
    type Error = GoalError;
    fn try_from(v: i8) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}
impl From<Score> for i8 {
    fn from(s: Score) -> i8 {
        s.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    #[serde(with = "crate::date::serde_iso")]
    pub on: Date,
    pub perspective: Perspective,
    pub score: Score,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handlungsschritt {
    pub id: String,
    pub text: String,
    /// Who does it (a role or short name, e.g. "Mutter", "Fachkraft Träger").
    pub owner: String,
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub due: Option<Date>,
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub done_on: Option<Date>,
}

impl Handlungsschritt {
    pub fn is_overdue(&self, today: Date) -> bool {
        self.done_on.is_none() && self.due.is_some_and(|d| d < today)
    }
}

/// A concrete, checkable goal; this is what is rated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handlungsziel {
    pub id: String,
    pub text: String,
    pub area: GoalArea,
    #[serde(default)]
    pub steps: Vec<Handlungsschritt>,
    #[serde(default)]
    pub ratings: Vec<Rating>,
}

/// Where a Wirkungsziel comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WirkungszielSource {
    /// One of the six Wirkungsziele of the service type (seed 000), by id (`"wirkungsziel.3"`).
    Leistungstyp { ziel_id: String },
    /// An individual long-term goal in one of the six Halle areas.
    Individuell { area: GoalArea, text: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WirkungszielEntry {
    pub id: String,
    pub source: WirkungszielSource,
    #[serde(default)]
    pub handlungsziele: Vec<Handlungsziel>,
}

impl WirkungszielEntry {
    /// The goal's text: the verbatim seed text for service-type goals.
    pub fn text(&self) -> &str {
        match &self.source {
            WirkungszielSource::Leistungstyp { ziel_id } => {
                WIRKUNGSZIELE.iter().find(|w| w.id == ziel_id).map_or("", |w| w.text)
            }
            WirkungszielSource::Individuell { text, .. } => text,
        }
    }
}

/// The goals of one case: a stored and synced record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalPlan {
    pub schema: u16,
    pub case_id: CaseId,
    #[serde(default)]
    pub wirkungsziele: Vec<WirkungszielEntry>,
}

impl GoalPlan {
    pub fn new(case_id: CaseId) -> Self {
        Self { schema: GOAL_PLAN_SCHEMA_VERSION, case_id, wirkungsziele: Vec::new() }
    }

    pub fn validate(&self) -> Result<(), GoalError> {
        if self.schema != GOAL_PLAN_SCHEMA_VERSION {
            return Err(GoalError::UnknownSchema(self.schema));
        }
        let mut ids = std::collections::BTreeSet::new();
        let mut id = |s: &str| -> Result<(), GoalError> {
            if s.trim().is_empty() || s.len() > 64 || !ids.insert(s.to_owned()) {
                return Err(GoalError::InvalidId(s.to_owned()));
            }
            Ok(())
        };
        let text = |s: &str| -> Result<(), GoalError> {
            if s.trim().is_empty() {
                return Err(GoalError::EmptyText);
            }
            if s.chars().count() > GOAL_TEXT_MAX_CHARS {
                return Err(GoalError::TextTooLong);
            }
            Ok(())
        };
        for w in &self.wirkungsziele {
            id(&w.id)?;
            match &w.source {
                WirkungszielSource::Leistungstyp { ziel_id } => {
                    if !WIRKUNGSZIELE.iter().any(|z| z.id == ziel_id) {
                        return Err(GoalError::UnknownWirkungsziel(ziel_id.clone()));
                    }
                }
                WirkungszielSource::Individuell { text: t, .. } => text(t)?,
            }
            for h in &w.handlungsziele {
                id(&h.id)?;
                text(&h.text)?;
                for s in &h.steps {
                    id(&s.id)?;
                    text(&s.text)?;
                    text(&s.owner)?;
                }
                for r in &h.ratings {
                    if r.note.chars().count() > GOAL_TEXT_MAX_CHARS {
                        return Err(GoalError::TextTooLong);
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads a stored or transmitted goal plan of any known schema version.
    pub fn from_json(value: serde_json::Value) -> Result<Self, GoalError> {
        let p: Self = crate::schema::read_versioned(value, GOAL_PLAN_SCHEMA_VERSION, &[])
            .map_err(|e| GoalError::Malformed(e.to_string()))?;
        p.validate()?;
        Ok(p)
    }

    pub fn handlungsziele(&self) -> impl Iterator<Item = &Handlungsziel> {
        self.wirkungsziele.iter().flat_map(|w| w.handlungsziele.iter())
    }

    /// Open steps whose due date has passed.
    pub fn overdue_steps(&self, today: Date) -> Vec<&Handlungsschritt> {
        self.handlungsziele().flat_map(|h| h.steps.iter()).filter(|s| s.is_overdue(today)).collect()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Sync record
// ---------------------------------------------------------------------------------------------------------

/// The sync record of a case's goals has this id: one record per case with a fixed id.
pub fn record_id(case_id: &CaseId) -> String {
    format!("{case_id}~ziele")
}

/// The field of the rating a home visit gives a Handlungsziel from one perspective. There is one
/// such field per visit, goal and perspective: changing the choice during the visit overwrites it,
/// `null` takes it back, and a rating on the goals page (`r.<uuid>`) is never touched.
pub fn visit_rating_field(visit_id: &str, handlungsziel_id: &str, perspective: Perspective) -> String {
    occasion_rating_field(&visit_rating_prefix(visit_id), handlungsziel_id, perspective)
}

/// The field of a rating given on one occasion (a home visit, a Fachcontrolling) whose fields all
/// start with `prefix`: one per goal and perspective.
pub fn occasion_rating_field(prefix: &str, handlungsziel_id: &str, perspective: Perspective) -> String {
    let p = match perspective {
        Perspective::JungerMensch => "junger_mensch",
        Perspective::Eltern => "eltern",
        Perspective::Jugendamt => "jugendamt",
        Perspective::Traeger => "traeger",
    };
    format!("{prefix}{handlungsziel_id}.{p}")
}

/// Every field of a visit's ratings starts with this.
pub fn visit_rating_prefix(visit_id: &str) -> String {
    format!("r.besuch.{visit_id}.")
}

/// A Handlungsziel without its children, as stored in field `h.<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlungszielFields {
    pub wirkungsziel_id: String,
    pub text: String,
    pub area: GoalArea,
}

/// A step, as stored in field `s.<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepFields {
    pub handlungsziel_id: String,
    pub text: String,
    pub owner: String,
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub due: Option<Date>,
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub done_on: Option<Date>,
}

/// A rating, as stored in field `r.<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingFields {
    pub handlungsziel_id: String,
    #[serde(flatten)]
    pub rating: Rating,
}

impl GoalPlan {
    /// Reads the sync record: every Wirkungsziel (`w.<id>`: its source), Handlungsziel (`h.<id>`),
    /// step (`s.<id>`) and rating (`r.<id>`) is its own top-level field, so additions on different
    /// devices merge; `null` marks a removed one. Parts whose parent is gone are left out.
    pub fn from_record(value: serde_json::Value) -> Result<Self, GoalError> {
        use std::collections::BTreeMap;
        let serde_json::Value::Object(m) = value else {
            return Err(GoalError::Malformed("not an object".into()));
        };
        let schema = crate::schema::version_of(&serde_json::Value::Object(m.clone()));
        if schema != GOAL_PLAN_SCHEMA_VERSION {
            return Err(GoalError::UnknownSchema(schema));
        }
        let bad = |k: &str, e: serde_json::Error| GoalError::Malformed(format!("{k}: {e}"));
        let case_id = m
            .get("case_id")
            .and_then(|v| v.as_str())
            .and_then(|c| CaseId::parse(c).ok())
            .ok_or_else(|| GoalError::Malformed("case_id".into()))?;
        if m.get("id").and_then(|v| v.as_str()) != Some(record_id(&case_id).as_str()) {
            return Err(GoalError::Malformed("id does not belong to the case".into()));
        }
        let mut ws: Vec<WirkungszielEntry> = Vec::new();
        let mut hs: BTreeMap<String, (String, Handlungsziel)> = BTreeMap::new();
        let mut steps: Vec<StepFields> = Vec::new();
        let mut ratings: Vec<RatingFields> = Vec::new();
        let mut step_ids: Vec<String> = Vec::new();
        for (k, v) in &m {
            if v.is_null() {
                continue;
            }
            if let Some(id) = k.strip_prefix("w.") {
                let source: WirkungszielSource = serde_json::from_value(v.clone()).map_err(|e| bad(k, e))?;
                ws.push(WirkungszielEntry { id: id.to_owned(), source, handlungsziele: Vec::new() });
            } else if let Some(id) = k.strip_prefix("h.") {
                let f: HandlungszielFields = serde_json::from_value(v.clone()).map_err(|e| bad(k, e))?;
                let h = Handlungsziel {
                    id: id.to_owned(),
                    text: f.text,
                    area: f.area,
                    steps: Vec::new(),
                    ratings: Vec::new(),
                };
                hs.insert(id.to_owned(), (f.wirkungsziel_id, h));
            } else if let Some(id) = k.strip_prefix("s.") {
                steps.push(serde_json::from_value(v.clone()).map_err(|e| bad(k, e))?);
                step_ids.push(id.to_owned());
            } else if k.starts_with("r.") {
                ratings.push(serde_json::from_value(v.clone()).map_err(|e| bad(k, e))?);
            }
        }
        for (id, s) in step_ids.into_iter().zip(steps) {
            if let Some((_, h)) = hs.get_mut(&s.handlungsziel_id) {
                h.steps.push(Handlungsschritt {
                    id,
                    text: s.text,
                    owner: s.owner,
                    due: s.due,
                    done_on: s.done_on,
                });
            }
        }
        for r in ratings {
            if let Some((_, h)) = hs.get_mut(&r.handlungsziel_id) {
                h.ratings.push(r.rating);
            }
        }
        for (_, (w_id, mut h)) in hs {
            h.steps.sort_by(|a, b| (a.due, &a.id).cmp(&(b.due, &b.id)));
            h.ratings.sort_by_key(|a| (a.on, a.perspective));
            if let Some(w) = ws.iter_mut().find(|w| w.id == w_id) {
                w.handlungsziele.push(h);
            }
        }
        let plan = GoalPlan { schema, case_id, wirkungsziele: ws };
        plan.validate()?;
        Ok(plan)
    }

    /// The fields that create an empty goal record for a case.
    pub fn new_record(case_id: &CaseId) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("schema".into(), GOAL_PLAN_SCHEMA_VERSION.into());
        m.insert("id".into(), record_id(case_id).into());
        m.insert("case_id".into(), case_id.as_str().into());
        m
    }
}

// ---------------------------------------------------------------------------------------------------------
// Trends
// ---------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendDirection {
    Besser,
    Gleich,
    Schlechter,
    /// Fewer than two ratings on different days from the same perspective.
    KeineDaten,
}

impl TrendDirection {
    pub fn label_de(self) -> &'static str {
        match self {
            TrendDirection::Besser => "verbessert",
            TrendDirection::Gleich => "unverändert",
            TrendDirection::Schlechter => "verschlechtert",
            TrendDirection::KeineDaten => "noch keine Entwicklung erkennbar",
        }
    }
}

/// The change from the first to the latest rating of one perspective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerspectiveChange {
    pub perspective: Perspective,
    pub first: Score,
    #[serde(with = "crate::date::serde_iso")]
    pub first_on: Date,
    pub latest: Score,
    #[serde(with = "crate::date::serde_iso")]
    pub latest_on: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trend {
    pub direction: TrendDirection,
    /// Mean change in hundredths of a scale point (+150 = +1,5), rounded half up; 0 without data.
    pub delta_hundredths: i32,
    /// Per perspective with at least two ratings on different days (goal trends only).
    #[serde(default)]
    pub perspectives: Vec<PerspectiveChange>,
    /// Number of goals that contribute (case trends) or 1/0 (goal trends).
    pub goals_with_data: u32,
}

fn direction(num: i64) -> TrendDirection {
    match num.signum() {
        1 => TrendDirection::Besser,
        -1 => TrendDirection::Schlechter,
        _ => TrendDirection::Gleich,
    }
}

/// Trend of one goal: per perspective, latest minus first rating (ratings on the same day: the last
/// entered counts); the goal's change is the mean over the perspectives that have one.
pub fn goal_trend(ratings: &[Rating]) -> Trend {
    let mut perspectives = Vec::new();
    for p in Perspective::ALL {
        let mut first: Option<&Rating> = None;
        let mut latest: Option<&Rating> = None;
        for r in ratings.iter().filter(|r| r.perspective == p) {
            if first.is_none_or(|f| r.on < f.on) {
                first = Some(r);
            }
            if latest.is_none_or(|l| r.on >= l.on) {
                latest = Some(r);
            }
        }
        if let (Some(f), Some(l)) = (first, latest) {
            if f.on < l.on {
                perspectives.push(PerspectiveChange {
                    perspective: p,
                    first: f.score,
                    first_on: f.on,
                    latest: l.score,
                    latest_on: l.on,
                });
            }
        }
    }
    if perspectives.is_empty() {
        return Trend {
            direction: TrendDirection::KeineDaten,
            delta_hundredths: 0,
            perspectives,
            goals_with_data: 0,
        };
    }
    let sum: i64 = perspectives.iter().map(|c| i64::from(c.latest.get()) - i64::from(c.first.get())).sum();
    let n = perspectives.len() as i64;
    let delta = round_div(i128::from(sum) * 100, i128::from(n), Rounding::HalfUp).unwrap_or(0) as i32;
    Trend { direction: direction(sum), delta_hundredths: delta, perspectives, goals_with_data: 1 }
}

/// Trend of the case: the mean of the goal changes (each goal weighs the same), over all Handlungsziele
/// with data. Computed exactly: with at most four perspectives, every goal mean is a multiple of 1/12.
pub fn case_trend(plan: &GoalPlan) -> Trend {
    let mut twelfths: i64 = 0;
    let mut goals: i64 = 0;
    for h in plan.handlungsziele() {
        let t = goal_trend(&h.ratings);
        if t.direction == TrendDirection::KeineDaten {
            continue;
        }
        let sum: i64 =
            t.perspectives.iter().map(|c| i64::from(c.latest.get()) - i64::from(c.first.get())).sum();
        twelfths += sum * 12 / t.perspectives.len() as i64;
        goals += 1;
    }
    if goals == 0 {
        return Trend {
            direction: TrendDirection::KeineDaten,
            delta_hundredths: 0,
            perspectives: Vec::new(),
            goals_with_data: 0,
        };
    }
    let delta =
        round_div(i128::from(twelfths) * 100, i128::from(goals) * 12, Rounding::HalfUp).unwrap_or(0) as i32;
    Trend {
        direction: direction(twelfths),
        delta_hundredths: delta,
        perspectives: Vec::new(),
        goals_with_data: goals as u32,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoalError {
    #[error("score {0} outside -2..=2")]
    ScoreOutOfRange(i8),
    #[error("invalid or duplicate id {0:?}")]
    InvalidId(String),
    #[error("unknown Wirkungsziel {0:?}")]
    UnknownWirkungsziel(String),
    #[error("text is empty")]
    EmptyText,
    #[error("text longer than {GOAL_TEXT_MAX_CHARS} characters")]
    TextTooLong,
    #[error("unknown goal plan schema version {0}")]
    UnknownSchema(u16),
    #[error("malformed goal plan: {0}")]
    Malformed(String),
}

impl UserMessage for GoalError {
    fn message_de(&self) -> String {
        match self {
            GoalError::ScoreOutOfRange(_) => "Die Bewertung muss zwischen −2 und +2 liegen.".into(),
            GoalError::InvalidId(_) => {
                "Ein Ziel oder Schritt hat eine ungültige oder doppelte Kennung.".into()
            }
            GoalError::UnknownWirkungsziel(_) => "Dieses Wirkungsziel gibt es nicht.".into(),
            GoalError::EmptyText => "Bitte Ziel, Schritt und zuständige Person ausfüllen.".into(),
            GoalError::TextTooLong => {
                format!("Texte dürfen höchstens {GOAL_TEXT_MAX_CHARS} Zeichen lang sein.")
            }
            GoalError::UnknownSchema(v) => {
                format!("Dieser Datensatz stammt aus einer unbekannten Version ({v}). Bitte die App aktualisieren.")
            }
            GoalError::Malformed(_) => "Der Datensatz ist beschädigt und konnte nicht gelesen werden.".into(),
        }
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;

    #[test]
    fn the_flat_sync_record_assembles_the_goal_plan() {
        let case = CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap();
        let mut m = GoalPlan::new_record(&case);
        m.insert("w.w1".into(), serde_json::json!({"type": "leistungstyp", "ziel_id": "wirkungsziel.1"}));
        m.insert(
            "h.h1".into(),
            serde_json::json!({"wirkungsziel_id": "w1", "text": "Schule regelmäßig", "area": "schule"}),
        );
        m.insert(
            "s.s1".into(),
            serde_json::json!({"handlungsziel_id": "h1", "text": "Wecker stellen", "owner": "Mutter"}),
        );
        m.insert("r.r1".into(), serde_json::json!({"handlungsziel_id": "h1", "on": "2026-11-01", "perspective": "eltern", "score": -1}));
        m.insert("r.r2".into(), serde_json::json!({"handlungsziel_id": "h1", "on": "2026-12-01", "perspective": "eltern", "score": 1}));
        m.insert("r.r3".into(), serde_json::Value::Null);
        m.insert("r.r4".into(), serde_json::json!({"handlungsziel_id": "weg", "on": "2026-12-01", "perspective": "eltern", "score": 2}));
        let plan = GoalPlan::from_record(serde_json::Value::Object(m.clone())).unwrap();
        let h = plan.handlungsziele().next().unwrap();
        assert_eq!((h.steps.len(), h.ratings.len()), (1, 2), "orphans and removed parts are left out");
        assert_eq!(h.ratings[1].score.get(), 1);
        m.insert("r.r5".into(), serde_json::json!({"handlungsziel_id": "h1", "on": "2026-12-01", "perspective": "eltern", "score": 3}));
        assert!(GoalPlan::from_record(serde_json::Value::Object(m)).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn r(on: Date, p: Perspective, s: i8) -> Rating {
        Rating { on, perspective: p, score: Score::new(s).unwrap(), note: String::new() }
    }

    fn plan() -> GoalPlan {
        let mut p = GoalPlan::new(CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap());
        p.wirkungsziele.push(WirkungszielEntry {
            id: "w1".into(),
            source: WirkungszielSource::Leistungstyp { ziel_id: "wirkungsziel.2".into() },
            handlungsziele: vec![Handlungsziel {
                id: "h1".into(),
                text: "Tim geht wieder regelmäßig zur Schule.".into(),
                area: GoalArea::Schule,
                steps: vec![Handlungsschritt {
                    id: "s1".into(),
                    text: "Gespräch mit der Klassenlehrerin".into(),
                    owner: "Mutter".into(),
                    due: Some(date!(2026 - 02 - 15)),
                    done_on: None,
                }],
                ratings: vec![
                    r(date!(2026 - 01 - 10), Perspective::JungerMensch, -1),
                    r(date!(2026 - 01 - 10), Perspective::Jugendamt, -2),
                    r(date!(2026 - 04 - 10), Perspective::JungerMensch, 1),
                    r(date!(2026 - 04 - 10), Perspective::Jugendamt, -1),
                    r(date!(2026 - 04 - 10), Perspective::Eltern, 2),
                ],
            }],
        });
        p.wirkungsziele.push(WirkungszielEntry {
            id: "w2".into(),
            source: WirkungszielSource::Individuell {
                area: GoalArea::Freizeit,
                text: "Tim hat ein Hobby.".into(),
            },
            handlungsziele: vec![Handlungsziel {
                id: "h2".into(),
                text: "Probetraining im Sportverein".into(),
                area: GoalArea::Freizeit,
                steps: vec![],
                ratings: vec![
                    r(date!(2026 - 01 - 10), Perspective::Traeger, 1),
                    r(date!(2026 - 04 - 10), Perspective::Traeger, 0),
                ],
            }],
        });
        p
    }

    #[test]
    fn scores_are_bounded() {
        assert!(Score::new(2).is_ok() && Score::new(-2).is_ok());
        assert_eq!(Score::new(3), Err(GoalError::ScoreOutOfRange(3)));
        assert!(serde_json::from_value::<Score>(serde_json::json!(-3)).is_err());
    }

    #[test]
    fn goal_trend_compares_each_perspective_with_itself() {
        let p = plan();
        let t = goal_trend(&p.wirkungsziele[0].handlungsziele[0].ratings);
        // Junger Mensch −1 → +1 (+2), Jugendamt −2 → −1 (+1); Eltern only once: ignored. Mean +1,5.
        assert_eq!(t.direction, TrendDirection::Besser);
        assert_eq!(t.delta_hundredths, 150);
        assert_eq!(t.perspectives.len(), 2);
        let t2 = goal_trend(&p.wirkungsziele[1].handlungsziele[0].ratings);
        assert_eq!((t2.direction, t2.delta_hundredths), (TrendDirection::Schlechter, -100));
        assert_eq!(goal_trend(&[]).direction, TrendDirection::KeineDaten);
        let same_day = [
            r(date!(2026 - 01 - 10), Perspective::Eltern, 0),
            r(date!(2026 - 01 - 10), Perspective::Eltern, 2),
        ];
        assert_eq!(goal_trend(&same_day).direction, TrendDirection::KeineDaten);
        let flat = [
            r(date!(2026 - 01 - 10), Perspective::Eltern, 1),
            r(date!(2026 - 03 - 10), Perspective::Eltern, 1),
        ];
        assert_eq!(goal_trend(&flat).direction, TrendDirection::Gleich);
    }

    #[test]
    fn case_trend_weighs_goals_equally() {
        let t = case_trend(&plan());
        // (+1,5 + −1) / 2 = +0,25
        assert_eq!((t.direction, t.delta_hundredths, t.goals_with_data), (TrendDirection::Besser, 25, 2));
        let mut empty = plan();
        empty.wirkungsziele.clear();
        assert_eq!(case_trend(&empty).direction, TrendDirection::KeineDaten);
    }

    #[test]
    fn plan_validates_round_trips_and_lists_overdue_steps() {
        let p = plan();
        assert_eq!(p.validate(), Ok(()));
        assert!(p.wirkungsziele[0].text().starts_with("... sind in der Lage, Probleme und Krisen"));
        assert_eq!(p.overdue_steps(date!(2026 - 03 - 01)).len(), 1);
        assert_eq!(p.overdue_steps(date!(2026 - 02 - 15)).len(), 0);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["wirkungsziele"][1]["source"]["type"], "individuell");
        assert_eq!(v["wirkungsziele"][0]["handlungsziele"][0]["ratings"][0]["perspective"], "junger_mensch");
        assert_eq!(GoalPlan::from_json(v.clone()), Ok(p.clone()));
        let mut bad = v.clone();
        bad["wirkungsziele"][0]["handlungsziele"][0]["ratings"][0]["score"] = 5.into();
        assert!(matches!(GoalPlan::from_json(bad), Err(GoalError::Malformed(_))));
        let mut unknown = p.clone();
        unknown.wirkungsziele[0].source =
            WirkungszielSource::Leistungstyp { ziel_id: "wirkungsziel.7".into() };
        assert_eq!(unknown.validate(), Err(GoalError::UnknownWirkungsziel("wirkungsziel.7".into())));
        let mut dup = p.clone();
        dup.wirkungsziele[1].id = "w1".into();
        assert_eq!(dup.validate(), Err(GoalError::InvalidId("w1".into())));
        let mut no_owner = p;
        no_owner.wirkungsziele[0].handlungsziele[0].steps[0].owner = " ".into();
        assert_eq!(no_owner.validate(), Err(GoalError::EmptyText));
    }
}
