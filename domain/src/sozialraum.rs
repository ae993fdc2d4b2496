//! Case-independent community work in the Sozialraum as the Landkreis Verden practises it (seed 004):
//! offers of the Sozialraumteam, each with its three annexes (description, cost sheet, weighted
//! criteria), financed from the Sozialraumbudget as a grant (§ 74 SGB VIII) or by
//! Fachleistungsstunden (§ 77 SGB VIII); a group offer built from themes of running cases is taken
//! into a case's Hilfesetting and so into its Hilfeplan; the budget's view of planned against spent.
//!
//! An offer (`sozialraum_offer`) and a year's budget (`sozialraum_budget`) are records of the team
//! (UUID, no case). Every part of an offer is a top-level field, each criterion (`k.<id>`) and each
//! expense (`x.<id>`) one field of its own, so devices filling in different parts merge.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::Date;

use crate::error::UserMessage;
use crate::money::{format_eur_de, round_div, to_cents, Cents, MoneyError, Rounding};

pub const OFFER_SCHEMA_VERSION: u16 = 1;
pub const BUDGET_SCHEMA_VERSION: u16 = 1;
/// Bound of each free text.
pub const OFFER_TEXT_MAX_CHARS: usize = 4_000;
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest planned running time of one offer.
pub const MAX_DURATION_MONTHS: u32 = 60;
pub const MAX_CRITERIA: usize = 20;
pub const MAX_EXPENSES: usize = 1_000;
/// The best degree to which a criterion is met (0 = nicht … 4 = voll).
pub const MAX_SCORE: u8 = 4;
/// Bound of every amount (10 Mio. €) and of the hours (10,000 h), far above any Sozialraumbudget.
pub const MAX_AMOUNT_CENTS: Cents = 1_000_000_000;
pub const MAX_MINUTES: i64 = 600_000;
/// Prefix of a criterion's field and of an expense's field in the offer record.
pub const CRITERION_PREFIX: &str = "k.";
pub const EXPENSE_PREFIX: &str = "x.";
/// Prefix of a linked offer's field in a case's Hilfesetting record.
pub const LINK_PREFIX: &str = "o.";

/// The seed's two kinds of offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    /// Open to all, with pedagogical steering (parents' café, social training in a class, …).
    Offen,
    /// A group on pedagogical themes of running cases; it becomes part of the Hilfeplan.
    Gruppe,
}

impl OfferKind {
    pub const ALL: [OfferKind; 2] = [OfferKind::Offen, OfferKind::Gruppe];
    pub fn label_de(self) -> &'static str {
        match self {
            OfferKind::Offen => "Offenes Angebot mit pädagogischer Steuerung",
            OfferKind::Gruppe => "Gruppenangebot zu Themen laufender Einzelfälle",
        }
    }
    pub fn hint_de(self) -> &'static str {
        match self {
            OfferKind::Offen => {
                "Für alle offen, z. B. Elterncafé, Sozialtraining im Klassenverband, offene Gruppe an Schule oder Kita"
            }
            OfferKind::Gruppe => "Themen aus laufenden Fällen in der Gruppe; wird in den Hilfeplan einbezogen",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            OfferKind::Offen => "offen",
            OfferKind::Gruppe => "gruppe",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// How the offer is financed (seed 004: always by full-time Fachkräfte, in one of two ways).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Financing {
    /// Subventionsorientierter Kreiszuschuss nach § 74 SGB VIII.
    Zuschuss,
    /// Fachleistungsstunden gemäß Leistungs- und Entgeltvereinbarung nach § 77 SGB VIII.
    Fachleistung,
}

impl Financing {
    pub const ALL: [Financing; 2] = [Financing::Zuschuss, Financing::Fachleistung];
    pub fn label_de(self) -> &'static str {
        match self {
            Financing::Zuschuss => "Kreiszuschuss nach § 74 SGB VIII",
            Financing::Fachleistung => "Fachleistungsstunden nach § 77 SGB VIII",
        }
    }
    pub fn short_de(self) -> &'static str {
        match self {
            Financing::Zuschuss => "§ 74",
            Financing::Fachleistung => "§ 77",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Financing::Zuschuss => "zuschuss",
            Financing::Fachleistung => "fachleistung",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == s)
    }
}

/// Anlage 2, the cost sheet. Every amount is for the whole planned running time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostSheet {
    /// Sachkosten.
    #[serde(default)]
    pub sachkosten_cents: Cents,
    /// Fachleistungsstunden planned, in minutes.
    #[serde(default)]
    pub fls_minutes: i64,
    /// The rate of one Fachleistungsstunde (60 minutes).
    #[serde(default)]
    pub fls_rate_cents: Cents,
    /// Costs of further persons: volunteers and key persons working alongside.
    #[serde(default)]
    pub weitere_personen_cents: Cents,
    /// Eigenleistungen (the provider's own contribution).
    #[serde(default)]
    pub eigenleistung_cents: Cents,
    /// Drittmittel applied for.
    #[serde(default)]
    pub drittmittel_cents: Cents,
}

/// The cost of `minutes` of Fachleistung at `rate_cents` per hour, rounded half up to the cent.
pub fn fls_cost(minutes: i64, rate_cents: Cents) -> Result<Cents, MoneyError> {
    to_cents(round_div(i128::from(minutes) * i128::from(rate_cents), 60, Rounding::HalfUp)?)
}

impl CostSheet {
    pub fn fls_cents(&self) -> Result<Cents, MoneyError> {
        fls_cost(self.fls_minutes, self.fls_rate_cents)
    }
    /// Sachkosten + Fachleistungsstunden + weitere Personen.
    pub fn total_cents(&self) -> Result<Cents, MoneyError> {
        crate::money::checked_sum([self.sachkosten_cents, self.fls_cents()?, self.weitere_personen_cents])
    }
    /// What the Sozialraumbudget carries: the total less own contributions and third-party funds.
    /// Negative when those exceed the cost (a finding, not an error).
    pub fn from_budget_cents(&self) -> Result<Cents, MoneyError> {
        Ok(self.total_cents()? - self.eigenleistung_cents - self.drittmittel_cents)
    }
    /// The sheet's arithmetic as people check it, one line per row.
    pub fn lines_de(&self) -> Vec<(String, String)> {
        let eur = format_eur_de;
        let fls = self.fls_cents().map(eur).unwrap_or_else(|e| e.message_de());
        let mut v = vec![
            ("Sachkosten".to_owned(), eur(self.sachkosten_cents)),
            (
                format!(
                    "Fachleistungsstunden: {} Std. × {}",
                    crate::team::hours_de(self.fls_minutes),
                    eur(self.fls_rate_cents)
                ),
                fls,
            ),
            ("Ehrenamtliche und Schlüsselpersonen".to_owned(), eur(self.weitere_personen_cents)),
        ];
        if let Ok(t) = self.total_cents() {
            v.push(("Gesamtkosten".to_owned(), eur(t)));
        }
        v.push(("abzüglich Eigenleistungen".to_owned(), format!("−{}", eur(self.eigenleistung_cents))));
        v.push(("abzüglich beantragte Drittmittel".to_owned(), format!("−{}", eur(self.drittmittel_cents))));
        if let Ok(b) = self.from_budget_cents() {
            v.push(("Aus dem Sozialraumbudget".to_owned(), eur(b)));
        }
        v
    }
    fn validate(&self) -> Result<(), OfferError> {
        let amounts = [
            self.sachkosten_cents,
            self.fls_rate_cents,
            self.weitere_personen_cents,
            self.eigenleistung_cents,
            self.drittmittel_cents,
        ];
        if amounts.iter().any(|a| !(0..=MAX_AMOUNT_CENTS).contains(a)) {
            return Err(OfferError::Amount);
        }
        if !(0..=MAX_MINUTES).contains(&self.fls_minutes) {
            return Err(OfferError::Hours);
        }
        Ok(())
    }
}

/// Anlage 3: one criterion with its weight (percent of 100) and, once judged, the degree to which the
/// offer meets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub id: String,
    pub name: String,
    pub weight: u8,
    #[serde(default)]
    pub score: Option<u8>,
}

impl Criterion {
    pub fn score_label_de(score: u8) -> &'static str {
        match score {
            0 => "nicht erfüllt",
            1 => "kaum erfüllt",
            2 => "teilweise erfüllt",
            3 => "weitgehend erfüllt",
            _ => "voll erfüllt",
        }
    }
}

/// The criteria a new offer starts with, from the seed's guiding principle (avoid or shorten
/// specialised single-case help) and the Sozialraumteams' main tasks; the team changes them.
pub fn default_criteria(new_id: impl Fn() -> String) -> Vec<Criterion> {
    [
        ("Bedarf vor Ort benannt, bewertet und bearbeitet", 30),
        ("Lokale Ressourcen erschlossen (Ehrenamtliche, Schlüsselpersonen)", 25),
        ("Fachliche und kollegiale Vernetzung im Sozialraum", 20),
        ("Einzelfallhilfen vermieden oder verkürzt", 25),
    ]
    .into_iter()
    .map(|(name, weight)| Criterion { id: new_id(), name: name.to_owned(), weight, score: None })
    .collect()
}

/// Criteria in the order they are shown and stored: by name.
fn sorted_criteria(mut v: Vec<Criterion>) -> Vec<Criterion> {
    v.sort_by_cached_key(|c| (crate::text::fold_case(&c.name), c.id.clone()));
    v
}

/// Something paid from the Sozialraumbudget for the offer: Fachleistungsstunden delivered (valued at
/// the rate of the day) and/or an amount paid (material, volunteers' expenses). What own
/// contributions or third-party funds pay is not an expense of the budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expense {
    pub id: String,
    #[serde(with = "crate::date::serde_iso")]
    pub on: Date,
    #[serde(default)]
    pub fls_minutes: i64,
    #[serde(default)]
    pub amount_cents: Cents,
    /// The hourly rate when the hours were recorded, so a later rate does not re-price them; the
    /// offer's rate when absent.
    #[serde(default)]
    pub rate_cents: Option<Cents>,
    #[serde(default)]
    pub note: String,
}

impl Expense {
    /// Hours at the recorded rate (else `offer_rate_cents`) plus the amount paid.
    pub fn cost_cents(&self, offer_rate_cents: Cents) -> Result<Cents, MoneyError> {
        let rate = self.rate_cents.unwrap_or(offer_rate_cents);
        crate::money::checked_sum([fls_cost(self.fls_minutes, rate)?, self.amount_cents])
    }
}

/// An offer of the Sozialraumteam with its three annexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub schema: u16,
    pub id: String,
    pub title: String,
    pub kind: OfferKind,
    pub financing: Financing,
    /// Who carries it out (a provider's Fachkräfte or the team).
    #[serde(default)]
    pub provider: String,
    // Anlage 1: Maßnahmebeschreibung.
    /// The needs named and the result of the needs analysis.
    #[serde(default)]
    pub needs: String,
    /// Planned start.
    #[serde(with = "crate::date::serde_iso")]
    pub start: Date,
    /// Planned running time in whole months.
    pub duration_months: u32,
    /// How the offer is evaluated (and, later, what the evaluation found).
    #[serde(default)]
    pub evaluation: String,
    /// Anlage 2.
    #[serde(flatten)]
    pub cost: CostSheet,
    /// The last day the offer ran when it was ended (early or as planned): no longer offered for new
    /// links, and the months after it are not planned from the budget.
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub ended_on: Option<Date>,
    /// Anlage 3 (fields `k.<id>`), by name.
    #[serde(skip)]
    pub criteria: Vec<Criterion>,
    /// Fields `x.<id>`, by date.
    #[serde(skip)]
    pub expenses: Vec<Expense>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    #[error("id is not a UUID")]
    InvalidId,
    #[error("title missing or too long")]
    Title,
    #[error("text too long")]
    TextTooLong,
    #[error("duration out of range")]
    Duration,
    #[error("amount out of range")]
    Amount,
    #[error("hours out of range")]
    Hours,
    #[error("criterion invalid")]
    Criterion,
    #[error("too many criteria or expenses")]
    TooMany,
    #[error("year out of range")]
    Year,
    #[error("unknown schema version {0}")]
    UnknownSchema(u16),
    #[error("malformed record: {0}")]
    Malformed(String),
}

impl UserMessage for OfferError {
    fn message_de(&self) -> String {
        match self {
            OfferError::InvalidId => "Die Kennung ist ungültig.".into(),
            OfferError::Title => format!("Bitte einen Titel angeben (höchstens {TITLE_MAX_CHARS} Zeichen)."),
            OfferError::TextTooLong => format!("Ein Text ist zu lang (höchstens {OFFER_TEXT_MAX_CHARS} Zeichen)."),
            OfferError::Duration => {
                format!("Die Laufzeit muss zwischen 1 und {MAX_DURATION_MONTHS} Monaten liegen.")
            }
            OfferError::Amount => "Ein Betrag liegt außerhalb des Zulässigen (0 bis 10 Mio. €).".into(),
            OfferError::Hours => "Die Stundenzahl liegt außerhalb des Zulässigen (0 bis 10.000 Std.).".into(),
            OfferError::Criterion => format!(
                "Ein Kriterium braucht einen Namen (höchstens {TITLE_MAX_CHARS} Zeichen), ein Gewicht von 1 bis 100 % \
                 und eine Bewertung von 0 bis {MAX_SCORE}."
            ),
            OfferError::TooMany => "Zu viele Kriterien oder Ausgaben in einem Angebot.".into(),
            OfferError::Year => "Bitte ein Jahr zwischen 2000 und 2100 angeben.".into(),
            OfferError::UnknownSchema(_) | OfferError::Malformed(_) => {
                "Der Eintrag ist beschädigt oder stammt aus einer neueren Version.".into()
            }
        }
    }
}

fn check_id(id: &str) -> Result<(), OfferError> {
    uuid::Uuid::parse_str(id).map(|_| ()).map_err(|_| OfferError::InvalidId)
}

fn long(s: &str) -> bool {
    s.chars().count() > OFFER_TEXT_MAX_CHARS
}

/// Field of one criterion, of one expense.
pub fn criterion_field(id: &str) -> String {
    format!("{CRITERION_PREFIX}{id}")
}
pub fn expense_field(id: &str) -> String {
    format!("{EXPENSE_PREFIX}{id}")
}

/// Takes the fields `<prefix><id>` out of `m`, skipping removed ones (`null`).
fn take_parts<T: serde::de::DeserializeOwned>(
    m: &mut Map<String, Value>,
    prefix: &str,
    id_of: impl Fn(&T) -> &str,
) -> Result<Vec<T>, OfferError> {
    let keys: Vec<String> = m.keys().filter(|k| k.starts_with(prefix)).cloned().collect();
    let mut out = Vec::new();
    for k in keys {
        match m.remove(&k) {
            Some(Value::Null) | None => {}
            Some(v) => {
                let part: T =
                    serde_json::from_value(v).map_err(|e| OfferError::Malformed(format!("{k}: {e}")))?;
                if format!("{prefix}{}", id_of(&part)) != k {
                    return Err(OfferError::Malformed(format!("{k}: id differs")));
                }
                out.push(part);
            }
        }
    }
    Ok(out)
}

impl Offer {
    /// A new offer starting on `start` for `duration_months`, with the default criteria.
    pub fn new(
        id: String,
        title: &str,
        kind: OfferKind,
        financing: Financing,
        start: Date,
        duration_months: u32,
        new_id: impl Fn() -> String,
    ) -> Self {
        Offer {
            schema: OFFER_SCHEMA_VERSION,
            id,
            title: title.trim().to_owned(),
            kind,
            financing,
            provider: String::new(),
            needs: String::new(),
            start,
            duration_months,
            evaluation: String::new(),
            cost: CostSheet::default(),
            ended_on: None,
            criteria: sorted_criteria(default_criteria(new_id)),
            expenses: Vec::new(),
        }
    }

    pub fn validate(&self) -> Result<(), OfferError> {
        if self.schema != OFFER_SCHEMA_VERSION {
            return Err(OfferError::UnknownSchema(self.schema));
        }
        check_id(&self.id)?;
        if self.title.trim().is_empty() || self.title.chars().count() > TITLE_MAX_CHARS {
            return Err(OfferError::Title);
        }
        if [&self.provider, &self.needs, &self.evaluation].into_iter().any(|t| long(t)) {
            return Err(OfferError::TextTooLong);
        }
        if !(1..=MAX_DURATION_MONTHS).contains(&self.duration_months) {
            return Err(OfferError::Duration);
        }
        self.cost.validate()?;
        if self.criteria.len() > MAX_CRITERIA || self.expenses.len() > MAX_EXPENSES {
            return Err(OfferError::TooMany);
        }
        for c in &self.criteria {
            let bad_name = c.name.trim().is_empty() || c.name.chars().count() > TITLE_MAX_CHARS;
            if c.id.is_empty()
                || bad_name
                || !(1..=100).contains(&c.weight)
                || c.score.is_some_and(|s| s > MAX_SCORE)
            {
                return Err(OfferError::Criterion);
            }
        }
        for x in &self.expenses {
            if !(0..=MAX_AMOUNT_CENTS).contains(&x.amount_cents)
                || x.rate_cents.is_some_and(|r| !(0..=MAX_AMOUNT_CENTS).contains(&r))
            {
                return Err(OfferError::Amount);
            }
            if !(0..=MAX_MINUTES).contains(&x.fls_minutes) {
                return Err(OfferError::Hours);
            }
            if x.id.is_empty() || long(&x.note) {
                return Err(OfferError::TextTooLong);
            }
        }
        Ok(())
    }

    /// The sync record: the offer's own fields, one `k.<id>` per criterion and one `x.<id>` per expense.
    pub fn to_record(&self) -> Map<String, Value> {
        let mut m = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        for c in &self.criteria {
            m.insert(criterion_field(&c.id), serde_json::to_value(c).unwrap_or_default());
        }
        for x in &self.expenses {
            m.insert(expense_field(&x.id), serde_json::to_value(x).unwrap_or_default());
        }
        m
    }

    /// Reads a sync record (see [`Offer::to_record`]); removed criteria and expenses (`null`) are skipped.
    pub fn from_record(value: Value) -> Result<Self, OfferError> {
        let Value::Object(mut m) = value else {
            return Err(OfferError::Malformed("not an object".into()));
        };
        let criteria: Vec<Criterion> = take_parts(&mut m, CRITERION_PREFIX, |c: &Criterion| &c.id)?;
        let mut expenses: Vec<Expense> = take_parts(&mut m, EXPENSE_PREFIX, |x: &Expense| &x.id)?;
        let found = crate::schema::version_of(&Value::Object(m.clone()));
        if found != OFFER_SCHEMA_VERSION {
            return Err(OfferError::UnknownSchema(found));
        }
        let mut o: Offer =
            serde_json::from_value(Value::Object(m)).map_err(|e| OfferError::Malformed(e.to_string()))?;
        let criteria = sorted_criteria(criteria);
        expenses.sort_by(|a, b| (a.on, &a.id).cmp(&(b.on, &b.id)));
        o.criteria = criteria;
        o.expenses = expenses;
        o.validate()?;
        Ok(o)
    }

    /// The first day after the planned running time.
    pub fn end_exclusive(&self) -> Option<Date> {
        crate::setting::add_months(self.start, self.duration_months)
    }

    /// Whether the offer runs (as planned) on `day` and has not ended before it.
    pub fn runs_on(&self, day: Date) -> bool {
        day >= self.start && self.not_over_on(day)
    }

    /// Whether the offer is not over on `day`: within its planned running time (or before it starts)
    /// and not ended before that day. Such an offer can still be linked into a Hilfesetting.
    pub fn not_over_on(&self, day: Date) -> bool {
        self.end_exclusive().is_none_or(|e| day < e) && self.not_ended_before(day)
    }

    fn not_ended_before(&self, day: Date) -> bool {
        self.ended_on.is_none_or(|e| day <= e)
    }

    /// The share of the budget planned for each month of the running time, with the month's year:
    /// the amount from the budget spread evenly, the odd cents on the first months, so the months
    /// add up exactly.
    fn monthly_plan(&self) -> Result<Vec<(i32, Cents)>, MoneyError> {
        let total = self.cost.from_budget_cents()?.max(0);
        let n = i64::from(self.duration_months.max(1));
        let (base, rest) = (total / n, total % n);
        Ok((0..n)
            .filter_map(|i| {
                let month_start = crate::setting::add_months(self.start, i as u32).unwrap_or(self.start);
                // An offer ended early plans only the months it ran in.
                self.not_ended_before(month_start).then_some((month_start.year(), base + i64::from(i < rest)))
            })
            .collect())
    }

    /// What the budget carries in `year` as planned.
    pub fn planned_in_year(&self, year: i32) -> Result<Cents, MoneyError> {
        Ok(self.monthly_plan()?.into_iter().filter(|(y, _)| *y == year).map(|(_, c)| c).sum())
    }

    /// Months of the planned running time in `year` (up to its end when it ended early).
    pub fn months_in_year(&self, year: i32) -> usize {
        (0..self.duration_months)
            .filter_map(|i| crate::setting::add_months(self.start, i))
            .filter(|d| d.year() == year && self.not_ended_before(*d))
            .count()
    }

    /// What was spent in `year` (all expenses when `None`).
    pub fn spent_cents(&self, year: Option<i32>) -> Result<Cents, MoneyError> {
        let mut sum: Cents = 0;
        for x in self.expenses.iter().filter(|x| year.is_none_or(|y| x.on.year() == y)) {
            sum = sum.checked_add(x.cost_cents(self.cost.fls_rate_cents)?).ok_or(MoneyError::Overflow)?;
        }
        Ok(sum)
    }

    /// Fachleistungsstunden delivered so far, in minutes.
    pub fn delivered_minutes(&self) -> i64 {
        self.expenses.iter().map(|x| x.fls_minutes).sum()
    }

    /// The weighted result of the criteria judged so far: percent of the best possible (rounded), and
    /// how many of the criteria are judged. `None` before any is judged.
    pub fn weighted_score(&self) -> Option<WeightedScore> {
        let judged: Vec<(u32, u32)> = self
            .criteria
            .iter()
            .filter_map(|c| c.score.map(|s| (u32::from(c.weight), u32::from(s))))
            .collect();
        if judged.is_empty() {
            return None;
        }
        let got: u32 = judged.iter().map(|(w, s)| w * s).sum();
        let best: u32 = judged.iter().map(|(w, _)| w * u32::from(MAX_SCORE)).sum();
        let percent =
            round_div(i128::from(got) * 100, i128::from(best), Rounding::HalfUp).unwrap_or(0) as u32;
        Some(WeightedScore { percent, judged: judged.len(), of: self.criteria.len() })
    }

    /// Sum of the weights, percent.
    pub fn weight_sum(&self) -> u32 {
        self.criteria.iter().map(|c| u32::from(c.weight)).sum()
    }

    /// What the team should look at, in German.
    pub fn findings_de(&self) -> Vec<String> {
        let mut f = Vec::new();
        if self.needs.trim().is_empty() {
            f.push("Anlage 1: Die Bedarfe und das Ergebnis der Bedarfsanalyse fehlen.".to_owned());
        }
        if self.evaluation.trim().is_empty() {
            f.push("Anlage 1: Es ist nicht beschrieben, wie das Angebot evaluiert wird.".to_owned());
        }
        if self.financing == Financing::Fachleistung
            && (self.cost.fls_minutes == 0 || self.cost.fls_rate_cents == 0)
        {
            f.push(
                "Anlage 2: Finanzierung nach § 77, aber keine Fachleistungsstunden oder kein Stundensatz kalkuliert."
                    .to_owned(),
            );
        }
        if let Ok(b) = self.cost.from_budget_cents() {
            if b < 0 {
                f.push(format!(
                    "Anlage 2: Eigenleistungen und Drittmittel übersteigen die Kosten um {}.",
                    format_eur_de(-b)
                ));
            }
            if let Ok(s) = self.spent_cents(None) {
                if s > b.max(0) {
                    f.push(format!(
                        "Ausgegeben ist mehr als geplant: {} statt {} aus dem Sozialraumbudget.",
                        format_eur_de(s),
                        format_eur_de(b.max(0))
                    ));
                }
            }
        }
        if self.criteria.is_empty() {
            f.push("Anlage 3: Es sind keine Kriterien festgelegt.".to_owned());
        } else if self.weight_sum() != 100 {
            f.push(format!("Anlage 3: Die Gewichte ergeben {} % statt 100 %.", self.weight_sum()));
        }
        f
    }
}

/// See [`Offer::weighted_score`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightedScore {
    pub percent: u32,
    pub judged: usize,
    pub of: usize,
}

impl WeightedScore {
    pub fn label_de(&self) -> String {
        if self.judged == self.of {
            format!("{} % der gewichteten Kriterien erfüllt", self.percent)
        } else {
            format!("{} % (bisher {} von {} Kriterien bewertet)", self.percent, self.judged, self.of)
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Sozialraumbudget
// ---------------------------------------------------------------------------------------------------------

/// The team's Sozialraumbudget for fallübergreifende Gemeinwesenarbeit in one calendar year. Set by
/// those who may approve money (Jugendamt/ASD, Teamleitung).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    pub schema: u16,
    pub id: String,
    pub year: i32,
    pub amount_cents: Cents,
    #[serde(default)]
    pub note: String,
}

impl Budget {
    pub fn validate(&self) -> Result<(), OfferError> {
        if self.schema != BUDGET_SCHEMA_VERSION {
            return Err(OfferError::UnknownSchema(self.schema));
        }
        check_id(&self.id)?;
        if !(2000..=2100).contains(&self.year) {
            return Err(OfferError::Year);
        }
        if !(0..=MAX_AMOUNT_CENTS).contains(&self.amount_cents) {
            return Err(OfferError::Amount);
        }
        if long(&self.note) {
            return Err(OfferError::TextTooLong);
        }
        Ok(())
    }
    pub fn from_json(value: Value) -> Result<Self, OfferError> {
        let found = crate::schema::version_of(&value);
        if found != BUDGET_SCHEMA_VERSION {
            return Err(OfferError::UnknownSchema(found));
        }
        let b: Budget = serde_json::from_value(value).map_err(|e| OfferError::Malformed(e.to_string()))?;
        b.validate()?;
        Ok(b)
    }
}

/// One row of the budget view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRow {
    pub offer_id: String,
    pub title: String,
    pub financing: Financing,
    pub months: usize,
    pub planned_cents: Cents,
    pub spent_cents: Cents,
}

/// The Sozialraumbudget of one year: planned against spent, per offer and in total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetOverview {
    pub year: i32,
    /// The year's budgets; more than one when two devices entered one each (a finding).
    pub budgets: Vec<Budget>,
    pub rows: Vec<BudgetRow>,
    pub planned_cents: Cents,
    pub spent_cents: Cents,
    pub findings: Vec<String>,
}

impl BudgetOverview {
    /// The year's budget when exactly one is entered.
    pub fn budget_cents(&self) -> Option<Cents> {
        match self.budgets.as_slice() {
            [b] => Some(b.amount_cents),
            _ => None,
        }
    }
}

impl BudgetOverview {
    /// The rows with a total, as the page shows them and the CSV carries them.
    pub fn table(&self) -> crate::team::Table {
        let mut t = crate::team::Table::new(&[
            "Angebot",
            "Finanzierung",
            "Monate im Jahr",
            "geplant",
            "ausgegeben",
            "noch verfügbar",
        ]);
        let row = |title: &str, fin: &str, months: String, planned: Cents, spent: Cents| {
            vec![
                title.to_owned(),
                fin.to_owned(),
                months,
                format_eur_de(planned),
                format_eur_de(spent),
                format_eur_de(planned - spent),
            ]
        };
        for r in &self.rows {
            t.rows.push(row(
                &r.title,
                r.financing.short_de(),
                r.months.to_string(),
                r.planned_cents,
                r.spent_cents,
            ));
        }
        if !self.rows.is_empty() {
            t.rows.push(row("Summe", "", String::new(), self.planned_cents, self.spent_cents));
        }
        t
    }
}

/// The year's view over the team's offers (those running in some month of the year, or with
/// expenses in it) and its budget records.
pub fn budget_overview(
    offers: &[Offer],
    budgets: &[Budget],
    year: i32,
) -> Result<BudgetOverview, MoneyError> {
    let mut rows = Vec::new();
    for o in offers {
        let months = o.months_in_year(year);
        let spent = o.spent_cents(Some(year))?;
        if months == 0 && spent == 0 {
            continue;
        }
        rows.push(BudgetRow {
            offer_id: o.id.clone(),
            title: o.title.clone(),
            financing: o.financing,
            months,
            planned_cents: o.planned_in_year(year)?,
            spent_cents: spent,
        });
    }
    rows.sort_by_cached_key(|r| (crate::text::fold_case(&r.title), r.offer_id.clone()));
    let planned = crate::money::checked_sum(rows.iter().map(|r| r.planned_cents))?;
    let spent = crate::money::checked_sum(rows.iter().map(|r| r.spent_cents))?;
    let mut year_budgets: Vec<Budget> = budgets.iter().filter(|b| b.year == year).cloned().collect();
    year_budgets.sort_by(|a, b| a.id.cmp(&b.id));
    let mut findings = Vec::new();
    match year_budgets.as_slice() {
        [] => findings.push(format!("Für {year} ist kein Sozialraumbudget erfasst.")),
        [b] => {
            if planned > b.amount_cents {
                findings.push(format!(
                    "Die geplanten Angebote übersteigen das Sozialraumbudget {year} um {}.",
                    format_eur_de(planned - b.amount_cents)
                ));
            }
            if spent > b.amount_cents {
                findings.push(format!(
                    "Die Ausgaben übersteigen das Sozialraumbudget {year} um {}.",
                    format_eur_de(spent - b.amount_cents)
                ));
            }
        }
        more => findings.push(format!(
            "Für {year} sind {} Beträge erfasst ({}), wohl auf mehreren Geräten. Bitte die falschen löschen.",
            more.len(),
            more.iter().map(|b| format_eur_de(b.amount_cents)).collect::<Vec<_>>().join(", ")
        )),
    }
    for r in rows.iter().filter(|r| r.spent_cents > r.planned_cents) {
        findings.push(format!(
            "„{}“: {year} {} ausgegeben, geplant waren {}.",
            r.title,
            format_eur_de(r.spent_cents),
            format_eur_de(r.planned_cents)
        ));
    }
    Ok(BudgetOverview {
        year,
        budgets: year_budgets,
        rows,
        planned_cents: planned,
        spent_cents: spent,
        findings,
    })
}

// ---------------------------------------------------------------------------------------------------------
// A group offer in a case's Hilfesetting
// ---------------------------------------------------------------------------------------------------------

/// A group offer taken into a case's Hilfesetting (field `o.<offer_id>` of the setting record). It is
/// paid from the Sozialraumbudget, not from the case: it adds nothing to the case's cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferLink {
    pub offer_id: String,
    /// The offer's title when linked (kept if the offer is renamed or leaves the device).
    pub title: String,
    pub financing: Financing,
    /// From when the case takes part.
    #[serde(with = "crate::date::serde_iso")]
    pub since: Date,
    /// The theme of the case worked on in the group.
    #[serde(default)]
    pub theme: String,
}

impl OfferLink {
    pub fn validate(&self) -> Result<(), OfferError> {
        check_id(&self.offer_id)?;
        if self.title.trim().is_empty() || self.title.chars().count() > TITLE_MAX_CHARS {
            return Err(OfferError::Title);
        }
        if long(&self.theme) {
            return Err(OfferError::TextTooLong);
        }
        Ok(())
    }
    /// One line for the Hilfesetting and the Hilfeplan.
    pub fn line_de(&self) -> String {
        let mut l = format!(
            "Gruppenangebot im Sozialraum: {} (Sozialraumbudget, {}), ab {}",
            self.title,
            self.financing.short_de(),
            crate::case::format_date_de(self.since)
        );
        if !self.theme.trim().is_empty() {
            l.push_str(&format!("; Thema: {}", self.theme.trim()));
        }
        l
    }
}

pub fn link_field(offer_id: &str) -> String {
    format!("{LINK_PREFIX}{offer_id}")
}

/// Takes the linked offers (`o.<offer_id>`) out of a Hilfesetting record, by start then title.
pub fn take_links(m: &mut Map<String, Value>) -> Result<Vec<OfferLink>, OfferError> {
    let mut v: Vec<OfferLink> = take_parts(m, LINK_PREFIX, |l: &OfferLink| &l.offer_id)?;
    for l in &v {
        l.validate()?;
    }
    v.sort_by(|a, b| (a.since, &a.title, &a.offer_id).cmp(&(b.since, &b.title, &b.offer_id)));
    Ok(v)
}

#[cfg(test)]
mod tests;
