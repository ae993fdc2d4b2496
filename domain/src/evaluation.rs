//! Evaluation as Halle practises it (seed 002): *Fachcontrolling / Erziehungsplanung* (all
//! participants rate the agreed goals; it counts as the progress report and as proof of service),
//! the evaluation at case end, the sustainability check at a follow-up date, and the user
//! questionnaire for parents and young people in plain language. From the end evaluations and the
//! questionnaires comes the provider's strengths-and-weaknesses profile (*Trägerprofil*), every
//! figure with the number of cases behind it.
//!
//! Each evaluation and each questionnaire is its own sync record (a UUID each, `case_id` in the
//! body). Scalar parts are top-level fields; the per-goal results (`a.<Wirkungsziel>`), the quality
//! ratings (`q.<criterion>`) and the answers (`f.<question>`) are one field each, so two devices
//! filling in different parts merge. The goal ratings of a Fachcontrolling live in the case's goal
//! record (`r.fc.<evaluation>.<goal>.<perspective>`, see [`crate::goals::occasion_rating_field`]),
//! so they join the goals' course and chart.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::Date;

use crate::case::CaseId;
use crate::error::UserMessage;
use crate::goals::Score;
use crate::team::Table;

pub const EVALUATION_SCHEMA_VERSION: u16 = 1;
pub const QUESTIONNAIRE_SCHEMA_VERSION: u16 = 1;
/// Bound of each free text.
pub const EVALUATION_TEXT_MAX_CHARS: usize = 4_000;
/// Months from the end of a help to its sustainability check when nobody chose another day
/// (*practice*, editable per case).
pub const DEFAULT_FOLLOW_UP_MONTHS: u32 = 6;
/// Below this many cases a profile figure is shown but not called a strength or a weakness.
pub const PROFILE_MIN_CASES: usize = 3;

/// Which of Halle's evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationKind {
    Fachcontrolling,
    Abschluss,
    Nachhaltigkeit,
}

impl EvaluationKind {
    pub const ALL: [EvaluationKind; 3] =
        [EvaluationKind::Fachcontrolling, EvaluationKind::Abschluss, EvaluationKind::Nachhaltigkeit];
    pub fn label_de(self) -> &'static str {
        match self {
            EvaluationKind::Fachcontrolling => "Fachcontrolling / Erziehungsplanung",
            EvaluationKind::Abschluss => "Evaluation Fallbeendigung",
            EvaluationKind::Nachhaltigkeit => "Bewertung Nachhaltigkeit",
        }
    }
}

/// Why the help ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    Planmaessig,
    AbbruchFamilie,
    AbbruchTraeger,
    Hilfewechsel,
    Zustaendigkeitswechsel,
    Sonstiges,
}

impl EndReason {
    pub const ALL: [EndReason; 6] = [
        EndReason::Planmaessig,
        EndReason::AbbruchFamilie,
        EndReason::AbbruchTraeger,
        EndReason::Hilfewechsel,
        EndReason::Zustaendigkeitswechsel,
        EndReason::Sonstiges,
    ];
    pub fn label_de(self) -> &'static str {
        match self {
            EndReason::Planmaessig => "planmäßig beendet (Ziele erreicht)",
            EndReason::AbbruchFamilie => "Abbruch durch die Familie / den jungen Menschen",
            EndReason::AbbruchTraeger => "Abbruch durch den Träger",
            EndReason::Hilfewechsel => "Wechsel in eine andere Hilfe",
            EndReason::Zustaendigkeitswechsel => "Umzug / Zuständigkeitswechsel",
            EndReason::Sonstiges => "anderer Grund",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            EndReason::Planmaessig => "planmaessig",
            EndReason::AbbruchFamilie => "abbruch_familie",
            EndReason::AbbruchTraeger => "abbruch_traeger",
            EndReason::Hilfewechsel => "hilfewechsel",
            EndReason::Zustaendigkeitswechsel => "zustaendigkeitswechsel",
            EndReason::Sonstiges => "sonstiges",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == s)
    }
}

/// How far a Wirkungsziel was reached at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Achievement {
    Erreicht,
    Teilweise,
    NichtErreicht,
}

impl Achievement {
    pub const ALL: [Achievement; 3] =
        [Achievement::Erreicht, Achievement::Teilweise, Achievement::NichtErreicht];
    pub fn label_de(self) -> &'static str {
        match self {
            Achievement::Erreicht => "erreicht",
            Achievement::Teilweise => "teilweise erreicht",
            Achievement::NichtErreicht => "nicht erreicht",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Achievement::Erreicht => "erreicht",
            Achievement::Teilweise => "teilweise",
            Achievement::NichtErreicht => "nicht_erreicht",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == s)
    }
}

/// What the end evaluation rates of the provider's work (−2..+2), after Halle's elements:
/// reporting, participation, the surroundings and Sozialraum, resources, structure and process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Berichtswesen,
    Beteiligung,
    Zusammenarbeit,
    Sozialraum,
    Ressourcen,
    Strukturqualitaet,
}

impl Criterion {
    pub const ALL: [Criterion; 6] = [
        Criterion::Berichtswesen,
        Criterion::Beteiligung,
        Criterion::Zusammenarbeit,
        Criterion::Sozialraum,
        Criterion::Ressourcen,
        Criterion::Strukturqualitaet,
    ];
    pub fn label_de(self) -> &'static str {
        match self {
            Criterion::Berichtswesen => "Berichtswesen eingehalten (Termine, Dokumentation, Empfehlungen)",
            Criterion::Beteiligung => "Beteiligung von jungem Menschen und Eltern",
            Criterion::Zusammenarbeit => "Zusammenarbeit mit dem Jugendamt",
            Criterion::Sozialraum => "Einbeziehung von Umfeld und Sozialraum",
            Criterion::Ressourcen => "Aktivierung eigener Ressourcen (Selbstregulierung, Eigenaktivierung)",
            Criterion::Strukturqualitaet => "Struktur- und Prozessqualität",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Criterion::Berichtswesen => "berichtswesen",
            Criterion::Beteiligung => "beteiligung",
            Criterion::Zusammenarbeit => "zusammenarbeit",
            Criterion::Sozialraum => "sozialraum",
            Criterion::Ressourcen => "ressourcen",
            Criterion::Strukturqualitaet => "strukturqualitaet",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == s)
    }
}

/// The situation at the sustainability check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stability {
    Stabil,
    TeilweiseStabil,
    NichtStabil,
}

impl Stability {
    pub const ALL: [Stability; 3] = [Stability::Stabil, Stability::TeilweiseStabil, Stability::NichtStabil];
    pub fn label_de(self) -> &'static str {
        match self {
            Stability::Stabil => "stabil: das Erreichte hält",
            Stability::TeilweiseStabil => "teilweise stabil",
            Stability::NichtStabil => "nicht stabil: alte Schwierigkeiten sind zurück",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Stability::Stabil => "stabil",
            Stability::TeilweiseStabil => "teilweise_stabil",
            Stability::NichtStabil => "nicht_stabil",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.key() == s)
    }
}

/// One evaluation of a case. The fields a kind does not use stay empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub schema: u16,
    /// A UUID made on the device.
    pub id: String,
    pub case_id: CaseId,
    pub kind: EvaluationKind,
    /// The day of the evaluation.
    #[serde(with = "crate::date::serde_iso")]
    pub on: Date,
    /// When it was begun (device clock, RFC 3339): orders evaluations of one day.
    #[serde(default)]
    pub created_at: String,
    /// Who took part, by role (e.g. "Mutter", "Fachkraft Träger").
    #[serde(default)]
    pub participants: Vec<String>,
    /// The provider whose work is evaluated (from the Hilfesetting).
    #[serde(default)]
    pub provider: String,
    /// Fachcontrolling: the first day of the period reported on.
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub period_from: Option<Date>,
    /// Course and development (Fachcontrolling, end) or the situation today (sustainability).
    #[serde(default)]
    pub verlauf: String,
    /// Recommendation for the further help.
    #[serde(default)]
    pub empfehlung: String,
    /// End: why the help ended.
    #[serde(default)]
    pub end_reason: Option<EndReason>,
    /// End: per Wirkungsziel id how far it was reached (fields `a.<id>`).
    #[serde(skip)]
    pub achievements: BTreeMap<String, Achievement>,
    /// End: the provider's work per criterion (fields `q.<criterion>`).
    #[serde(skip)]
    pub quality: BTreeMap<Criterion, Score>,
    #[serde(default)]
    pub strengths: String,
    #[serde(default)]
    pub weaknesses: String,
    /// End: the day of the sustainability check.
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub follow_up_on: Option<Date>,
    /// Sustainability: how the situation holds.
    #[serde(default)]
    pub stability: Option<Stability>,
    /// Sustainability: whether a new help is needed.
    #[serde(default)]
    pub new_help_needed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationError {
    #[error("evaluation id is not a UUID")]
    InvalidId,
    #[error("text too long")]
    TextTooLong,
    #[error("period starts after the evaluation day")]
    PeriodAfterDay,
    #[error("follow-up before the end evaluation")]
    FollowUpBeforeEnd,
    #[error("unknown evaluation schema version {0}")]
    UnknownSchema(u64),
    #[error("malformed evaluation: {0}")]
    Malformed(String),
}

impl UserMessage for EvaluationError {
    fn message_de(&self) -> String {
        match self {
            EvaluationError::InvalidId => "Die Kennung der Bewertung ist ungültig.".into(),
            EvaluationError::TextTooLong => {
                format!("Ein Text ist zu lang (höchstens {EVALUATION_TEXT_MAX_CHARS} Zeichen).")
            }
            EvaluationError::PeriodAfterDay => {
                "Der Berichtszeitraum beginnt nach dem Tag der Bewertung.".into()
            }
            EvaluationError::FollowUpBeforeEnd => {
                "Die Nachhaltigkeitsprüfung liegt vor dem Tag der Abschlussevaluation.".into()
            }
            EvaluationError::UnknownSchema(_) | EvaluationError::Malformed(_) => {
                "Die Bewertung ist beschädigt oder stammt aus einer neueren Version.".into()
            }
        }
    }
}

fn long(s: &str) -> bool {
    s.chars().count() > EVALUATION_TEXT_MAX_CHARS
}

impl Evaluation {
    /// A new, empty evaluation of `kind` on `on`; an end evaluation proposes the follow-up date.
    pub fn new(id: String, case_id: CaseId, kind: EvaluationKind, on: Date) -> Self {
        Evaluation {
            schema: EVALUATION_SCHEMA_VERSION,
            id,
            case_id,
            kind,
            on,
            created_at: String::new(),
            participants: Vec::new(),
            provider: String::new(),
            period_from: None,
            verlauf: String::new(),
            empfehlung: String::new(),
            end_reason: None,
            achievements: BTreeMap::new(),
            quality: BTreeMap::new(),
            strengths: String::new(),
            weaknesses: String::new(),
            follow_up_on: (kind == EvaluationKind::Abschluss)
                .then(|| crate::setting::add_months(on, DEFAULT_FOLLOW_UP_MONTHS))
                .flatten(),
            stability: None,
            new_help_needed: None,
        }
    }

    pub fn validate(&self) -> Result<(), EvaluationError> {
        if uuid::Uuid::parse_str(&self.id).is_err() {
            return Err(EvaluationError::InvalidId);
        }
        let texts = [&self.provider, &self.verlauf, &self.empfehlung, &self.strengths, &self.weaknesses];
        if texts.iter().any(|t| long(t)) || self.participants.iter().any(|p| long(p)) {
            return Err(EvaluationError::TextTooLong);
        }
        if self.period_from.is_some_and(|f| f > self.on) {
            return Err(EvaluationError::PeriodAfterDay);
        }
        if self.follow_up_on.is_some_and(|f| f < self.on) {
            return Err(EvaluationError::FollowUpBeforeEnd);
        }
        Ok(())
    }

    /// The sync record: scalar fields as they are, results `a.<id>`, quality `q.<criterion>`.
    pub fn to_record(&self) -> Map<String, Value> {
        let mut m = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        for (id, a) in &self.achievements {
            m.insert(format!("a.{id}"), Value::String(a.key().to_owned()));
        }
        for (c, s) in &self.quality {
            m.insert(quality_field(*c), Value::from(s.get()));
        }
        m
    }

    /// Reads a sync record; `null` in an `a.`/`q.` field means taken back.
    pub fn from_record(value: Value) -> Result<Self, EvaluationError> {
        let schema = crate::schema::version_of(&value);
        if schema != EVALUATION_SCHEMA_VERSION {
            return Err(EvaluationError::UnknownSchema(u64::from(schema)));
        }
        let Value::Object(m) = &value else { return Err(EvaluationError::Malformed("not an object".into())) };
        let mut e: Evaluation =
            serde_json::from_value(value.clone()).map_err(|e| EvaluationError::Malformed(e.to_string()))?;
        for (k, v) in m {
            if v.is_null() {
                continue;
            }
            if let Some(id) = k.strip_prefix("a.") {
                let a = v
                    .as_str()
                    .and_then(Achievement::parse)
                    .ok_or_else(|| EvaluationError::Malformed(k.clone()))?;
                e.achievements.insert(id.to_owned(), a);
            } else if let Some(c) = k.strip_prefix("q.") {
                let c = Criterion::parse(c).ok_or_else(|| EvaluationError::Malformed(k.clone()))?;
                let s = v
                    .as_i64()
                    .and_then(|s| i8::try_from(s).ok())
                    .and_then(|s| Score::new(s).ok())
                    .ok_or_else(|| EvaluationError::Malformed(k.clone()))?;
                e.quality.insert(c, s);
            }
        }
        e.validate()?;
        Ok(e)
    }
}

/// The field of a Wirkungsziel's result in an end evaluation.
pub fn achievement_field(wirkungsziel_id: &str) -> String {
    format!("a.{wirkungsziel_id}")
}

/// The field of a quality rating in an end evaluation.
pub fn quality_field(c: Criterion) -> String {
    format!("q.{}", c.key())
}

/// The prefix of the goal ratings a Fachcontrolling gives in the case's goal record.
pub fn rating_prefix(evaluation_id: &str) -> String {
    format!("r.fc.{evaluation_id}.")
}

/// The day the sustainability check is due, if the case has an end evaluation and no
/// sustainability check yet.
pub fn follow_up_due(evaluations: &[Evaluation]) -> Option<Date> {
    if evaluations.iter().any(|e| e.kind == EvaluationKind::Nachhaltigkeit) {
        return None;
    }
    evaluations.iter().filter(|e| e.kind == EvaluationKind::Abschluss).filter_map(|e| e.follow_up_on).max()
}

/// Whether a closed case must stay on the devices on `today` for its sustainability check: until
/// the check is recorded, at most `days` after its due day (then it goes like any closed case).
pub fn keeps_for_follow_up(evaluations: &[Evaluation], today: Date, days: u32) -> bool {
    follow_up_due(evaluations)
        .and_then(|d| d.checked_add(time::Duration::days(i64::from(days))))
        .is_some_and(|until| today < until)
}

// ---------------------------------------------------------------------------------------------------------
// The user questionnaire
// ---------------------------------------------------------------------------------------------------------

/// Who fills in the questionnaire; the questions address parents with "Sie" and young people
/// with "du".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Respondent {
    Elternteil,
    JungerMensch,
}

impl Respondent {
    pub fn label_de(self) -> &'static str {
        match self {
            Respondent::Elternteil => "Mutter oder Vater",
            Respondent::JungerMensch => "junger Mensch",
        }
    }
}

/// A question of the user questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    ErnstGenommen,
    Mitbestimmt,
    Verlaesslich,
    Verstaendlich,
    Geholfen,
    Weiterempfehlen,
}

impl Question {
    pub const ALL: [Question; 6] = [
        Question::ErnstGenommen,
        Question::Mitbestimmt,
        Question::Verlaesslich,
        Question::Verstaendlich,
        Question::Geholfen,
        Question::Weiterempfehlen,
    ];
    /// The question in plain language.
    pub fn text_de(self, r: Respondent) -> &'static str {
        match (self, r) {
            (Question::ErnstGenommen, Respondent::Elternteil) => {
                "Ich fühle mich von meiner Helferin oder meinem Helfer ernst genommen."
            }
            (Question::ErnstGenommen, Respondent::JungerMensch) => {
                "Meine Helferin oder mein Helfer nimmt mich ernst."
            }
            (Question::Mitbestimmt, Respondent::Elternteil) => {
                "Ich konnte mitbestimmen, was in der Hilfe passiert."
            }
            (Question::Mitbestimmt, Respondent::JungerMensch) => "Ich durfte mitbestimmen, was wir machen.",
            (Question::Verlaesslich, _) => "Termine wurden eingehalten. Auf die Hilfe war Verlass.",
            (Question::Verstaendlich, Respondent::Elternteil) => {
                "Ich verstehe, was im Hilfeplan steht und warum."
            }
            (Question::Verstaendlich, Respondent::JungerMensch) => {
                "Mir wurde gut erklärt, was geplant ist und warum."
            }
            (Question::Geholfen, Respondent::Elternteil) => "Die Hilfe hat unserer Familie geholfen.",
            (Question::Geholfen, Respondent::JungerMensch) => "Die Hilfe hat mir geholfen.",
            (Question::Weiterempfehlen, Respondent::Elternteil) => {
                "Ich würde diese Hilfe anderen Familien empfehlen."
            }
            (Question::Weiterempfehlen, Respondent::JungerMensch) => {
                "Ich würde diese Hilfe einem Freund oder einer Freundin empfehlen."
            }
        }
    }
    /// The short name in the provider profile.
    pub fn figure_de(self) -> &'static str {
        match self {
            Question::ErnstGenommen => "Fragebogen: ernst genommen",
            Question::Mitbestimmt => "Fragebogen: mitbestimmt",
            Question::Verlaesslich => "Fragebogen: verlässlich",
            Question::Verstaendlich => "Fragebogen: verständlich",
            Question::Geholfen => "Fragebogen: hat geholfen",
            Question::Weiterempfehlen => "Fragebogen: würde empfehlen",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Question::ErnstGenommen => "ernst_genommen",
            Question::Mitbestimmt => "mitbestimmt",
            Question::Verlaesslich => "verlaesslich",
            Question::Verstaendlich => "verstaendlich",
            Question::Geholfen => "geholfen",
            Question::Weiterempfehlen => "weiterempfehlen",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.key() == s)
    }
}

/// An answer on the four-step scale, or "weiß nicht".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    StimmtGenau,
    StimmtEher,
    StimmtEherNicht,
    StimmtGarNicht,
    WeissNicht,
}

impl Answer {
    pub const ALL: [Answer; 5] = [
        Answer::StimmtGenau,
        Answer::StimmtEher,
        Answer::StimmtEherNicht,
        Answer::StimmtGarNicht,
        Answer::WeissNicht,
    ];
    pub fn label_de(self) -> &'static str {
        match self {
            Answer::StimmtGenau => "Stimmt genau",
            Answer::StimmtEher => "Stimmt eher",
            Answer::StimmtEherNicht => "Stimmt eher nicht",
            Answer::StimmtGarNicht => "Stimmt gar nicht",
            Answer::WeissNicht => "Weiß nicht",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Answer::StimmtGenau => "stimmt_genau",
            Answer::StimmtEher => "stimmt_eher",
            Answer::StimmtEherNicht => "stimmt_eher_nicht",
            Answer::StimmtGarNicht => "stimmt_gar_nicht",
            Answer::WeissNicht => "weiss_nicht",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == s)
    }
    /// Agreement, or `None` for "weiß nicht".
    pub fn agrees(self) -> Option<bool> {
        match self {
            Answer::StimmtGenau | Answer::StimmtEher => Some(true),
            Answer::StimmtEherNicht | Answer::StimmtGarNicht => Some(false),
            Answer::WeissNicht => None,
        }
    }
}

/// One filled-in questionnaire; no name, only the role of who answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Questionnaire {
    pub schema: u16,
    pub id: String,
    pub case_id: CaseId,
    #[serde(with = "crate::date::serde_iso")]
    pub on: Date,
    /// When it was begun (device clock, RFC 3339): orders questionnaires of one day.
    #[serde(default)]
    pub created_at: String,
    pub respondent: Respondent,
    /// The provider the help came from.
    #[serde(default)]
    pub provider: String,
    /// Fields `f.<question>`.
    #[serde(skip)]
    pub answers: BTreeMap<Question, Answer>,
    /// "Was war gut?"
    #[serde(default)]
    pub gut: String,
    /// "Was soll besser werden?"
    #[serde(default)]
    pub besser: String,
}

/// The field of an answer.
pub fn answer_field(q: Question) -> String {
    format!("f.{}", q.key())
}

impl Questionnaire {
    pub fn new(id: String, case_id: CaseId, on: Date, respondent: Respondent, provider: String) -> Self {
        Questionnaire {
            schema: QUESTIONNAIRE_SCHEMA_VERSION,
            id,
            case_id,
            on,
            created_at: String::new(),
            respondent,
            provider,
            answers: BTreeMap::new(),
            gut: String::new(),
            besser: String::new(),
        }
    }

    pub fn validate(&self) -> Result<(), EvaluationError> {
        if uuid::Uuid::parse_str(&self.id).is_err() {
            return Err(EvaluationError::InvalidId);
        }
        if long(&self.provider) || long(&self.gut) || long(&self.besser) {
            return Err(EvaluationError::TextTooLong);
        }
        Ok(())
    }

    pub fn to_record(&self) -> Map<String, Value> {
        let mut m = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        for (q, a) in &self.answers {
            m.insert(answer_field(*q), Value::String(a.key().to_owned()));
        }
        m
    }

    pub fn from_record(value: Value) -> Result<Self, EvaluationError> {
        let schema = crate::schema::version_of(&value);
        if schema != QUESTIONNAIRE_SCHEMA_VERSION {
            return Err(EvaluationError::UnknownSchema(u64::from(schema)));
        }
        let Value::Object(m) = &value else { return Err(EvaluationError::Malformed("not an object".into())) };
        let mut q: Questionnaire =
            serde_json::from_value(value.clone()).map_err(|e| EvaluationError::Malformed(e.to_string()))?;
        for (k, v) in m {
            if v.is_null() {
                continue;
            }
            if let Some(key) = k.strip_prefix("f.") {
                let question = Question::parse(key).ok_or_else(|| EvaluationError::Malformed(k.clone()))?;
                let a = v
                    .as_str()
                    .and_then(Answer::parse)
                    .ok_or_else(|| EvaluationError::Malformed(k.clone()))?;
                q.answers.insert(question, a);
            }
        }
        q.validate()?;
        Ok(q)
    }
}

// ---------------------------------------------------------------------------------------------------------
// The provider profile
// ---------------------------------------------------------------------------------------------------------

/// Providers are compared without case and surrounding blanks ("Jugendhilfe Nord e.V." once).
fn provider_key(p: &str) -> String {
    crate::text::name_key(p)
}

#[derive(Default)]
struct Figure {
    /// Sum and count of scores (−2..+2) or of agreements (1/0).
    sum: i64,
    count: i64,
    cases: BTreeSet<String>,
}

impl Figure {
    fn add(&mut self, v: i64, case: &CaseId) {
        self.sum += v;
        self.count += 1;
        self.cases.insert(case.as_str().to_owned());
    }
}

/// A provider's figures by (rank, name), each with whether it is a share.
type Figures = BTreeMap<(u8, String), (Figure, bool)>;

/// One decimal, German, from an exact fraction (no floats).
fn tenths(sum: i64, count: i64) -> i64 {
    crate::money::round_div(i128::from(sum) * 10, i128::from(count), crate::money::Rounding::HalfUp)
        .map_or(0, |v| v as i64)
}

fn mean_de(sum: i64, count: i64) -> String {
    let tenths = tenths(sum, count);
    let sign = if tenths < 0 {
        "−"
    } else if tenths > 0 {
        "+"
    } else {
        ""
    };
    format!("{sign}{},{}", tenths.abs() / 10, tenths.abs() % 10)
}

fn percent(part: i64, whole: i64) -> i64 {
    crate::money::round_div(i128::from(part) * 100, i128::from(whole), crate::money::Rounding::HalfUp)
        .map_or(0, |v| v as i64)
}

/// The strengths-and-weaknesses profile per provider: from end evaluations the share of
/// Wirkungsziele reached and the mean rating per criterion, from sustainability checks the share of
/// stable situations, from questionnaires the share agreeing per question. Every row names how many
/// cases (and ratings) it rests on; below [`PROFILE_MIN_CASES`] cases a figure is not judged.
/// Evaluations and questionnaires without a provider are left out.
pub fn provider_profile(evaluations: &[Evaluation], questionnaires: &[Questionnaire]) -> Table {
    // provider key → (shown name, figure name → figure); figures keep a fixed order by their rank.
    let mut by: BTreeMap<String, (String, Figures)> = BTreeMap::new();
    let mut add = |provider: &str, rank: u8, name: &str, v: i64, case: &CaseId, is_share: bool| {
        let key = provider_key(provider);
        if key.is_empty() {
            return;
        }
        let entry = by.entry(key).or_insert_with(|| (provider.trim().to_owned(), BTreeMap::new()));
        entry
            .1
            .entry((rank, name.to_owned()))
            .or_insert_with(|| (Figure::default(), is_share))
            .0
            .add(v, case);
    };
    for e in evaluations {
        match e.kind {
            EvaluationKind::Abschluss => {
                for a in e.achievements.values() {
                    let reached = match a {
                        Achievement::Erreicht => 2,
                        Achievement::Teilweise => 1,
                        Achievement::NichtErreicht => 0,
                    };
                    // Shares count a partly reached goal as half.
                    add(&e.provider, 0, "Ziele erreicht (Fallbeendigung)", reached * 50, &e.case_id, true);
                }
                for (i, c) in Criterion::ALL.into_iter().enumerate() {
                    if let Some(s) = e.quality.get(&c) {
                        add(&e.provider, 10 + i as u8, c.label_de(), i64::from(s.get()), &e.case_id, false);
                    }
                }
            }
            EvaluationKind::Nachhaltigkeit => {
                if let Some(s) = e.stability {
                    let v = match s {
                        Stability::Stabil => 100,
                        Stability::TeilweiseStabil => 50,
                        Stability::NichtStabil => 0,
                    };
                    add(&e.provider, 1, "Nachhaltig stabil (Nachhaltigkeitsprüfung)", v, &e.case_id, true);
                }
            }
            EvaluationKind::Fachcontrolling => {}
        }
    }
    for q in questionnaires {
        for (i, question) in Question::ALL.into_iter().enumerate() {
            if let Some(agrees) = q.answers.get(&question).and_then(|a| a.agrees()) {
                add(
                    &q.provider,
                    20 + i as u8,
                    question.figure_de(),
                    if agrees { 100 } else { 0 },
                    &q.case_id,
                    true,
                );
            }
        }
    }
    let mut t = Table::new(&["Träger", "Merkmal", "Wert", "Fälle", "Angaben", "Einordnung"]);
    for (_, (name, figures)) in by {
        for ((_, figure), (f, is_share)) in figures {
            let cases = f.cases.len();
            let (value, strong, weak) = if is_share {
                // Each entry is a share in percent; their mean is the share over all entries.
                let p = percent(f.sum, f.count * 100);
                (format!("{p} %"), p >= 75, p < 50)
            } else {
                let t = tenths(f.sum, f.count);
                (mean_de(f.sum, f.count), t >= 10, t <= 0)
            };
            let judged = if cases < PROFILE_MIN_CASES {
                format!("zu wenige Fälle (unter {PROFILE_MIN_CASES})")
            } else if strong {
                "Stärke".to_owned()
            } else if weak {
                "Schwäche".to_owned()
            } else {
                "–".to_owned()
            };
            t.rows.push(vec![name.clone(), figure, value, cases.to_string(), f.count.to_string(), judged]);
        }
    }
    t
}

/// `GET /api/v1/providers/profile` (protocol v1): the provider profile over every evaluation and
/// questionnaire the server holds (closed cases leave the devices, their end evaluations stay on the
/// server), for roles with [`crate::roles::Permission::ViewTeamOverview`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderProfileResponse {
    pub table: Table,
    /// How many end and sustainability evaluations and questionnaires went in.
    pub evaluations: u64,
    pub questionnaires: u64,
}

#[cfg(test)]
mod tests;
