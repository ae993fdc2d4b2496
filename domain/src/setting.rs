//! The Hilfesetting of one case: module instances with provider, staff, dates, intensity and a rate
//! snapshot, and what they cost.
//!
//! # Cost rule (documented once, used everywhere)
//! * The exact monthly amount of an instance is `rate × intensity factor`, with the factor from
//!   [`Conventions`]: hours per week × weeks per month (52/12), days per week × 52/12, every day ×
//!   days per month (30.42), every week × 52/12, per month × units. Hours are counted in minutes.
//! * Over a period, each calendar month contributes `exact monthly × covered days / days of that month`
//!   (a full calendar month counts as one month). That part is rounded to whole cents **once**, per
//!   instance and calendar month, by [`Conventions::rounding`] (default kaufmännisch, half up).
//! * A `Budget` instance spreads its total over its own days; month parts are rounded cumulatively so
//!   they add up to the budget exactly.
//! * Every total is the sum of those rounded parts, so parts always add up to the total exactly.
//!   The "per month" figure is the rounded amount of one full calendar month.
//! * All arithmetic is checked (`i128` intermediates); overflow is [`SettingError::Overflow`].

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::case::CaseId;
use crate::catalog::{BillingForm, Catalog, DefaultRate, ModuleDef, ModuleId, ModuleKind, Setting};
use crate::error::UserMessage;
use crate::money::{checked_sum, round_div, to_cents, Cents, Conventions, MoneyError};

/// Schema version of [`Hilfesetting`].
pub const HILFESETTING_SCHEMA_VERSION: u16 = 1;
/// Largest accepted rate: 1 000 000,00 € per unit.
pub const MAX_RATE_CENTS: Cents = 100_000_000;
/// Largest accepted budget: 100 000 000,00 €.
pub const MAX_BUDGET_CENTS: Cents = 10_000_000_000;
/// Longest period costs are computed for: ten years.
pub const MAX_PERIOD_MONTHS: u32 = 120;
/// Most module instances in one Hilfesetting.
pub const MAX_INSTANCES: usize = 200;
/// Bound of free texts (provider, staff name, note, reference).
pub const TEXT_MAX_CHARS: usize = 2_000;
/// Default review interval of the Hilfeplan (practice, not law).
pub const DEFAULT_REVIEW_INTERVAL_MONTHS: u8 = 6;

/// Professional qualification of a person working in the case (seed 000, Personal, footnotes 16, 17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualification {
    /// Diplom/Bachelor/Master Sozialpädagogik/Soziale Arbeit.
    SozialeArbeit,
    /// Erzieher/-in.
    Erzieher,
    /// Diplompädagoge/-pädagogin (Schwerpunkt Sozialpädagogik) — footnote 17.
    Diplompaedagogik,
    /// Erziehungswissenschaftler/-in (Schwerpunkt Sozialpädagogik) — footnote 17.
    Erziehungswissenschaft,
    /// Kindheitspädagoge/-pädagogin — footnote 17.
    Kindheitspaedagogik,
    /// Psychologe/Psychologin: no Fachkraft in the sense of youth welfare (footnote 17).
    Psychologie,
    Sonstige,
}

impl Qualification {
    pub fn label_de(self) -> &'static str {
        match self {
            Qualification::SozialeArbeit => "Sozialpädagogik/Soziale Arbeit (Diplom/Bachelor/Master)",
            Qualification::Erzieher => "Erzieher/-in",
            Qualification::Diplompaedagogik => "Diplompädagoge/-pädagogin",
            Qualification::Erziehungswissenschaft => "Erziehungswissenschaftler/-in",
            Qualification::Kindheitspaedagogik => "Kindheitspädagoge/-pädagogin",
            Qualification::Psychologie => "Psychologe/Psychologin",
            Qualification::Sonstige => "sonstige Qualifikation",
        }
    }
}

/// A person assigned to a module instance. A short name or Kürzel is enough (§ 62: collect only what is needed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAssignment {
    pub name: String,
    pub qualification: Qualification,
    pub staatliche_anerkennung: bool,
}

impl StaffAssignment {
    /// A Fachkraft in the sense of seed 000 (Personal, first two items): Sozialpädagogik/Soziale Arbeit or
    /// Erzieher/-in, each with staatliche Anerkennung.
    pub fn is_fachkraft_mit_anerkennung(&self) -> bool {
        matches!(self.qualification, Qualification::SozialeArbeit | Qualification::Erzieher)
            && self.staatliche_anerkennung
    }
}

/// How much of a module the case gets. Must fit the instance's [`BillingForm`] (see [`Intensity::fits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Intensity {
    /// Fachleistungsstunden per week, in minutes (90 = 1,5 h).
    HoursPerWeek { minutes: i64 },
    /// Fachleistungsstunden per month, in minutes.
    HoursPerMonth { minutes: i64 },
    /// Tagesentgelt on some days of the week (e.g. Tagesgruppe, 5 days).
    DaysPerWeek { days: i64 },
    /// Tagesentgelt on a number of days per month.
    DaysPerMonth { days: i64 },
    /// Tagesentgelt every day (days per month by convention, 30.42).
    EveryDay,
    /// Wochenentgelt every week (weeks per month by convention, 52/12).
    EveryWeek,
    /// Monatsentgelt or Leistungspauschale: this many units per month (usually 1).
    PerMonth { units: i64 },
    /// An individual budget for the whole instance (start to end).
    Budget { total_cents: Cents },
    /// No case-related cost (grant under § 74 or another system pays).
    NoCost,
}

impl Intensity {
    /// Whether this intensity can be billed in `billing`.
    pub fn fits(&self, billing: BillingForm) -> bool {
        use Intensity as I;
        match billing {
            BillingForm::Fachleistungsstunde => {
                matches!(self, I::HoursPerWeek { .. } | I::HoursPerMonth { .. })
            }
            BillingForm::Tagesentgelt => {
                matches!(self, I::DaysPerWeek { .. } | I::DaysPerMonth { .. } | I::EveryDay)
            }
            BillingForm::Wochenentgelt => matches!(self, I::EveryWeek),
            BillingForm::Monatsentgelt | BillingForm::Leistungspauschale => {
                matches!(self, I::PerMonth { .. })
            }
            BillingForm::Budget => matches!(self, I::Budget { .. }),
            BillingForm::KeineFallkosten => matches!(self, I::NoCost),
        }
    }

    /// The amount and its upper bound, for the variants that carry one.
    fn amount_and_max(&self) -> Option<(i64, i64)> {
        match *self {
            Intensity::HoursPerWeek { minutes } => Some((minutes, 7 * 24 * 60)),
            Intensity::HoursPerMonth { minutes } => Some((minutes, 31 * 24 * 60)),
            Intensity::DaysPerWeek { days } => Some((days, 7)),
            Intensity::DaysPerMonth { days } => Some((days, 31)),
            Intensity::PerMonth { units } => Some((units, 100)),
            Intensity::Budget { total_cents } => Some((total_cents, MAX_BUDGET_CENTS)),
            Intensity::EveryDay | Intensity::EveryWeek | Intensity::NoCost => None,
        }
    }

    /// The monthly factor `num / den` that multiplies the rate (not for `Budget`).
    fn monthly_factor(&self, c: &Conventions) -> (i128, i128) {
        let wpy = i128::from(c.weeks_per_year);
        let mpy = i128::from(c.months_per_year);
        match *self {
            Intensity::HoursPerWeek { minutes } => (i128::from(minutes) * wpy, 60 * mpy),
            Intensity::HoursPerMonth { minutes } => (i128::from(minutes), 60),
            Intensity::DaysPerWeek { days } => (i128::from(days) * wpy, mpy),
            Intensity::DaysPerMonth { days } => (i128::from(days), 1),
            Intensity::EveryDay => (i128::from(c.days_per_month_hundredths), 100),
            Intensity::EveryWeek => (wpy, mpy),
            Intensity::PerMonth { units } => (i128::from(units), 1),
            Intensity::Budget { .. } | Intensity::NoCost => (0, 1),
        }
    }

    pub fn label_de(&self) -> String {
        let hours = |m: i64| {
            if m % 60 == 0 {
                format!("{}", m / 60)
            } else {
                format!("{},{:02}", m / 60, (m % 60) * 100 / 60)
            }
        };
        match *self {
            Intensity::HoursPerWeek { minutes } => format!("{} Std./Woche", hours(minutes)),
            Intensity::HoursPerMonth { minutes } => format!("{} Std./Monat", hours(minutes)),
            Intensity::DaysPerWeek { days } => format!("{days} Tage/Woche"),
            Intensity::DaysPerMonth { days } => format!("{days} Tage/Monat"),
            Intensity::EveryDay => "täglich".into(),
            Intensity::EveryWeek => "wöchentlich".into(),
            Intensity::PerMonth { units } => format!("{units} × monatlich"),
            Intensity::Budget { total_cents } => {
                format!("Budget {}", crate::money::format_eur_de(total_cents))
            }
            Intensity::NoCost => "ohne Fallkosten".into(),
        }
    }
}

/// The rate as it was when the module was added to the case. Later catalog changes do not touch it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateSnapshot {
    pub amount_cents: Cents,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(with = "crate::date::serde_iso")]
    pub valid_from: Date,
    pub source: String,
    /// When the snapshot was taken.
    #[serde(with = "crate::date::serde_iso")]
    pub taken_on: Date,
}

impl RateSnapshot {
    pub fn from_default(rate: &DefaultRate, taken_on: Date) -> Self {
        Self {
            amount_cents: rate.amount_cents,
            label: rate.label.clone(),
            valid_from: rate.valid_from,
            source: rate.source.clone(),
            taken_on,
        }
    }
}

/// One module in the case's Hilfesetting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleInstance {
    /// A UUID made on the device that added it.
    pub id: String,
    pub module_id: ModuleId,
    pub setting: Setting,
    /// Träger / Leistungserbringer (or the institution of another system).
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub staff: Vec<StaffAssignment>,
    #[serde(with = "crate::date::serde_iso")]
    pub start: Date,
    /// Inclusive; open-ended when absent.
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub end: Option<Date>,
    pub billing: BillingForm,
    pub intensity: Intensity,
    #[serde(default)]
    pub rate: Option<RateSnapshot>,
    #[serde(default)]
    pub note: String,
}

impl ModuleInstance {
    /// A new instance of `module`, in its default setting, with the catalog's default rate valid on
    /// `today` snapshotted (the one with `rate_label`, or the first). Without a default rate `rate` stays
    /// empty and [`validate_instance`] reports [`SettingError::MissingRate`] until one is entered.
    pub fn from_catalog(
        id: String,
        module: &ModuleDef,
        start: Date,
        billing: BillingForm,
        intensity: Intensity,
        rate_label: Option<&str>,
        today: Date,
    ) -> Result<Self, SettingError> {
        if !module.billing_forms.contains(&billing) {
            return Err(SettingError::BillingNotAllowed { instance: id, billing });
        }
        let rates = module.rates_on(billing, today);
        let chosen = match rate_label {
            Some(l) => rates.iter().find(|r| r.label.as_deref() == Some(l)),
            None => rates.first(),
        };
        Ok(Self {
            id,
            module_id: module.id.clone(),
            setting: module.default_setting(),
            provider: String::new(),
            staff: Vec::new(),
            start,
            end: None,
            billing,
            intensity,
            rate: chosen.map(|r| RateSnapshot::from_default(r, today)),
            note: String::new(),
        })
    }
}

/// Parses hours as people type them (`4`, `1,5`, `1.25`, `0,75 Std.`) into whole minutes, rounded half up.
pub fn parse_hours_de(input: &str) -> Result<i64, SettingError> {
    let bad = || SettingError::InvalidHours(input.to_owned());
    let t = input.trim().trim_end_matches("Std.").trim_end_matches('h').trim();
    let (i, f) = t.split_once([',', '.']).unwrap_or((t, ""));
    if (i.is_empty() && f.is_empty()) || f.len() > 4 {
        return Err(bad());
    }
    if !i.bytes().all(|b| b.is_ascii_digit()) || !f.bytes().all(|b| b.is_ascii_digit()) || i.len() > 6 {
        return Err(bad());
    }
    let whole: i64 = if i.is_empty() { 0 } else { i.parse().map_err(|_| bad())? };
    let frac: i64 = if f.is_empty() { 0 } else { f.parse().map_err(|_| bad())? };
    let scale = 10i64.pow(f.len() as u32);
    let frac_minutes = round_div(i128::from(frac * 60), i128::from(scale), crate::money::Rounding::HalfUp)?;
    Ok(whole * 60 + frac_minutes as i64)
}

/// Bewilligungszeitraum, both days inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalPeriod {
    #[serde(with = "crate::date::serde_iso")]
    pub start: Date,
    #[serde(with = "crate::date::serde_iso")]
    pub end: Date,
}

impl ApprovalPeriod {
    pub fn new(start: Date, end: Date) -> Result<Self, SettingError> {
        let p = Self { start, end };
        p.validate()?;
        Ok(p)
    }
    pub fn validate(&self) -> Result<(), SettingError> {
        if self.end < self.start {
            return Err(SettingError::ApprovalEndBeforeStart);
        }
        if months_between(self.start, self.end) > MAX_PERIOD_MONTHS {
            return Err(SettingError::PeriodTooLong);
        }
        Ok(())
    }
}

/// The case-specific agreement on service, quality and cost (§ 78b SGB VIII).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Einzelvereinbarung {
    #[serde(with = "crate::date::serde_iso")]
    pub concluded_on: Date,
    #[serde(default)]
    pub reference: String,
}

/// Halle (seed 002): a monthly case flat fee or an individual case budget for the approval period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseBudget {
    /// Individuelles Fallbudget for the whole approval period.
    Fallbudget { total_cents: Cents },
    /// Monatliche Fallpauschale; the limit is this amount for each month of the approval period.
    MonatlicheFallpauschale { cents_per_month: Cents },
}

/// When the Hilfeplan is next reviewed (§ 36 Abs. 2 Satz 2: "regelmäßig"; 6 months is practice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSchedule {
    #[serde(default, with = "crate::date::serde_iso_opt")]
    pub last_review: Option<Date>,
    pub interval_months: u8,
}

impl Default for ReviewSchedule {
    fn default() -> Self {
        Self { last_review: None, interval_months: DEFAULT_REVIEW_INTERVAL_MONTHS }
    }
}

/// The Hilfesetting of one case: a stored and synced record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hilfesetting {
    pub schema: u16,
    pub case_id: CaseId,
    #[serde(default)]
    pub approval: Option<ApprovalPeriod>,
    #[serde(default)]
    pub einzelvereinbarung: Option<Einzelvereinbarung>,
    #[serde(default)]
    pub case_budget: Option<CaseBudget>,
    #[serde(default)]
    pub review: ReviewSchedule,
    #[serde(default)]
    pub instances: Vec<ModuleInstance>,
    /// Group offers of the Sozialraum the case takes part in (fields `o.<offer_id>`); paid from the
    /// Sozialraumbudget, they add nothing to the case's cost.
    #[serde(default, skip_serializing)]
    pub offers: Vec<crate::sozialraum::OfferLink>,
}

impl Hilfesetting {
    pub fn new(case_id: CaseId) -> Self {
        Self {
            schema: HILFESETTING_SCHEMA_VERSION,
            case_id,
            approval: None,
            einzelvereinbarung: None,
            case_budget: None,
            review: ReviewSchedule::default(),
            instances: Vec::new(),
            offers: Vec::new(),
        }
    }

    /// Checks the record's own invariants (not the catalog; see [`validate_instance`]).
    pub fn validate(&self) -> Result<(), SettingError> {
        if self.schema != HILFESETTING_SCHEMA_VERSION {
            return Err(SettingError::UnknownSchema(self.schema));
        }
        if let Some(p) = &self.approval {
            p.validate()?;
        }
        if self.instances.len() > MAX_INSTANCES {
            return Err(SettingError::TooManyInstances);
        }
        if !(1..=24).contains(&self.review.interval_months) {
            return Err(SettingError::InvalidReviewInterval);
        }
        match self.case_budget {
            Some(CaseBudget::Fallbudget { total_cents: v })
            | Some(CaseBudget::MonatlicheFallpauschale { cents_per_month: v })
                if v <= 0 || v > MAX_BUDGET_CENTS =>
            {
                return Err(SettingError::InvalidCaseBudget)
            }
            _ => {}
        }
        let mut ids = std::collections::BTreeSet::new();
        for i in &self.instances {
            if !ids.insert(i.id.as_str()) {
                return Err(SettingError::DuplicateInstance(i.id.clone()));
            }
            let texts = [i.provider.as_str(), i.note.as_str()]
                .into_iter()
                .chain(i.staff.iter().map(|s| s.name.as_str()));
            if i.id.trim().is_empty() || i.id.chars().count() > 64 {
                return Err(SettingError::InvalidInstanceId(i.id.clone()));
            }
            if texts.into_iter().any(|t| t.chars().count() > TEXT_MAX_CHARS) {
                return Err(SettingError::TextTooLong);
            }
        }
        Ok(())
    }

    /// Reads a stored or transmitted Hilfesetting of any known schema version.
    pub fn from_json(value: serde_json::Value) -> Result<Self, SettingError> {
        let hs: Self = crate::schema::read_versioned(value, HILFESETTING_SCHEMA_VERSION, &[])
            .map_err(|e| SettingError::Malformed(e.to_string()))?;
        hs.validate()?;
        Ok(hs)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Sync record
// ---------------------------------------------------------------------------------------------------------

/// Prefix of the per-instance fields of the sync record.
pub const INSTANCE_FIELD_PREFIX: &str = "m.";

/// The sync record of a case's Hilfesetting has this id: one record per case with a fixed id.
pub fn record_id(case_id: &CaseId) -> String {
    format!("{case_id}~hilfesetting")
}

/// Top-level field of one module instance in the sync record (`null` once removed), so modules added
/// or changed on different devices merge.
pub fn instance_field(instance_id: &str) -> String {
    format!("{INSTANCE_FIELD_PREFIX}{instance_id}")
}

impl Hilfesetting {
    /// The sync record: the setting's own fields plus one `m.<instance>` field per module instance.
    pub fn to_record(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        m.remove("instances");
        m.insert("id".into(), record_id(&self.case_id).into());
        for i in &self.instances {
            m.insert(instance_field(&i.id), serde_json::to_value(i).unwrap_or_default());
        }
        for l in &self.offers {
            m.insert(crate::sozialraum::link_field(&l.offer_id), serde_json::to_value(l).unwrap_or_default());
        }
        m
    }

    /// Only the review schedule of a sync record (see [`Hilfesetting::to_record`]), for views that
    /// need no module (the case list: reading the modules would put their code into its wasm); the
    /// default schedule when the record has none or it cannot be read.
    pub fn review_of_record(value: &serde_json::Value) -> ReviewSchedule {
        value.get("review").and_then(|v| ReviewSchedule::deserialize(v).ok()).unwrap_or_default()
    }

    /// Reads a sync record (see [`Hilfesetting::to_record`]); removed instances (`null`) are skipped.
    /// Instances are ordered by start date, then module, then id.
    pub fn from_record(value: serde_json::Value) -> Result<Self, SettingError> {
        let serde_json::Value::Object(mut m) = value else {
            return Err(SettingError::Malformed("not an object".into()));
        };
        let id = m.remove("id");
        let offers =
            crate::sozialraum::take_links(&mut m).map_err(|e| SettingError::Malformed(e.to_string()))?;
        let mut instances = Vec::new();
        let keys: Vec<String> = m.keys().filter(|k| k.starts_with(INSTANCE_FIELD_PREFIX)).cloned().collect();
        for k in keys {
            match m.remove(&k) {
                Some(serde_json::Value::Null) | None => {}
                Some(v) => {
                    let inst: ModuleInstance = serde_json::from_value(v)
                        .map_err(|e| SettingError::Malformed(format!("{k}: {e}")))?;
                    if instance_field(&inst.id) != k {
                        return Err(SettingError::Malformed(format!("{k}: instance id differs")));
                    }
                    instances.push(inst);
                }
            }
        }
        let mut hs = Hilfesetting::from_json(serde_json::Value::Object(m))?;
        if id.as_ref().and_then(|v| v.as_str()) != Some(record_id(&hs.case_id).as_str()) {
            return Err(SettingError::Malformed("id does not belong to the case".into()));
        }
        instances.sort_by(|a, b| (a.start, &a.module_id, &a.id).cmp(&(b.start, &b.module_id, &b.id)));
        hs.instances = instances;
        hs.offers = offers;
        hs.validate()?;
        Ok(hs)
    }
}

/// The monthly cost of an instance as a formula people can check, e.g.
/// "4 Std./Woche × 52 Wochen ÷ 12 Monate × 69,80 € = 1.209,87 € je Monat".
pub fn formula_de(inst: &ModuleInstance, conv: &Conventions) -> String {
    use crate::money::format_eur_de as eur;
    let result = match monthly_cost(inst, conv) {
        Ok(c) => format!(" = {} je Monat", eur(c)),
        Err(e) => return e.message_de(),
    };
    let rate = inst.rate.as_ref().map(|r| eur(r.amount_cents)).unwrap_or_default();
    let weeks = format!("{} Wochen ÷ {} Monate", conv.weeks_per_year, conv.months_per_year);
    let days_per_month = {
        let h = conv.days_per_month_hundredths;
        format!("{},{:02} Tage/Monat", h / 100, h % 100)
    };
    let left = match inst.intensity {
        Intensity::HoursPerWeek { .. } => format!("{} × {weeks} × {rate}/Std.", inst.intensity.label_de()),
        Intensity::HoursPerMonth { .. } => format!("{} × {rate}/Std.", inst.intensity.label_de()),
        Intensity::DaysPerWeek { .. } => format!("{} × {weeks} × {rate}/Tag", inst.intensity.label_de()),
        Intensity::DaysPerMonth { .. } => format!("{} × {rate}/Tag", inst.intensity.label_de()),
        Intensity::EveryDay => format!("{days_per_month} × {rate}/Tag"),
        Intensity::EveryWeek => format!("{weeks} × {rate}/Woche"),
        Intensity::PerMonth { units } => format!("{units} × {rate}/Monat"),
        Intensity::Budget { total_cents } => match inst.end.map(|e| days_incl(inst.start, e)) {
            Some(Ok(days)) => format!("{} ÷ {days} Tage × {days_per_month}", eur(total_cents)),
            _ => eur(total_cents),
        },
        Intensity::NoCost => return "ohne Fallkosten".into(),
    };
    format!("{left}{result}")
}

// ---------------------------------------------------------------------------------------------------------
// Validation against the catalog
// ---------------------------------------------------------------------------------------------------------

/// Checks one instance against the catalog; returns its module definition.
pub fn validate_instance<'c>(
    inst: &ModuleInstance,
    catalog: &'c Catalog,
) -> Result<&'c ModuleDef, SettingError> {
    let id = || inst.id.clone();
    let module = catalog
        .get(&inst.module_id)
        .ok_or_else(|| SettingError::UnknownModule(inst.module_id.to_string()))?;
    if let Some(end) = inst.end {
        if end < inst.start {
            return Err(SettingError::EndBeforeStart(id()));
        }
        if months_between(inst.start, end) > MAX_PERIOD_MONTHS {
            return Err(SettingError::PeriodTooLong);
        }
    }
    if !module.settings.contains(&inst.setting) {
        return Err(SettingError::SettingNotAllowed { instance: id(), setting: inst.setting });
    }
    if !module.billing_forms.contains(&inst.billing) {
        return Err(SettingError::BillingNotAllowed { instance: id(), billing: inst.billing });
    }
    if !inst.intensity.fits(inst.billing) {
        return Err(SettingError::IntensityMismatch(id()));
    }
    if let Some((amount, max)) = inst.intensity.amount_and_max() {
        if amount <= 0 {
            return Err(SettingError::NonPositiveIntensity(id()));
        }
        if amount > max {
            return Err(SettingError::IntensityTooHigh(id()));
        }
    }
    if matches!(inst.intensity, Intensity::Budget { .. }) && inst.end.is_none() {
        return Err(SettingError::BudgetNeedsEnd(id()));
    }
    if inst.billing.needs_rate() {
        let rate = inst.rate.as_ref().ok_or_else(|| SettingError::MissingRate(id()))?;
        if rate.amount_cents <= 0 || rate.amount_cents > MAX_RATE_CENTS {
            return Err(SettingError::InvalidRate(id()));
        }
    }
    Ok(module)
}

// ---------------------------------------------------------------------------------------------------------
// Costs
// ---------------------------------------------------------------------------------------------------------

/// Cost of one calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthCost {
    pub year: i32,
    pub month: u8,
    pub cents: Cents,
}

/// Cost of one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceCost {
    pub instance_id: String,
    pub module_id: ModuleId,
    /// Rounded cost of one full calendar month.
    pub per_month_cents: Cents,
    /// Parts per calendar month within the approval period (empty without one).
    pub months: Vec<MonthCost>,
    /// Sum of `months`.
    pub period_cents: Cents,
}

/// Costs of a whole Hilfesetting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostSummary {
    pub instances: Vec<InstanceCost>,
    /// Sum of the instances' `per_month_cents`.
    pub per_month_total_cents: Cents,
    /// Sum of the instances' `period_cents`.
    pub period_total_cents: Cents,
    /// Totals per calendar month of the approval period.
    pub months: Vec<MonthCost>,
}

/// The cost of one full calendar month of this instance, rounded once.
pub fn monthly_cost(inst: &ModuleInstance, conv: &Conventions) -> Result<Cents, SettingError> {
    conv.validate()?;
    match inst.intensity {
        Intensity::NoCost => Ok(0),
        Intensity::Budget { total_cents } => {
            let end = inst.end.ok_or_else(|| SettingError::BudgetNeedsEnd(inst.id.clone()))?;
            let days = days_incl(inst.start, end)?;
            let num = i128::from(total_cents)
                .checked_mul(i128::from(conv.days_per_month_hundredths))
                .ok_or(MoneyError::Overflow)?;
            let den = i128::from(days).checked_mul(100).ok_or(MoneyError::Overflow)?;
            Ok(to_cents(round_div(num, den, conv.rounding)?)?)
        }
        _ => {
            let rate = inst
                .rate
                .as_ref()
                .map(|r| r.amount_cents)
                .ok_or_else(|| SettingError::MissingRate(inst.id.clone()))?;
            let (n, d) = inst.intensity.monthly_factor(conv);
            let num = i128::from(rate).checked_mul(n).ok_or(MoneyError::Overflow)?;
            Ok(to_cents(round_div(num, d, conv.rounding)?)?)
        }
    }
}

/// The instance's cost per calendar month within `period` (clipped to the instance's own dates).
pub fn period_cost(
    inst: &ModuleInstance,
    period: &ApprovalPeriod,
    conv: &Conventions,
) -> Result<InstanceCost, SettingError> {
    period.validate()?;
    let per_month_cents = monthly_cost(inst, conv)?;
    let from = inst.start.max(period.start);
    let to = inst.end.map_or(period.end, |e| e.min(period.end));
    let mut months = Vec::new();
    if from <= to {
        match inst.intensity {
            Intensity::Budget { total_cents } => {
                let end = inst.end.ok_or_else(|| SettingError::BudgetNeedsEnd(inst.id.clone()))?;
                let total_days = i128::from(days_incl(inst.start, end)?);
                let cum = |upto: Date| -> Result<i128, SettingError> {
                    let d = i128::from(days_incl(inst.start, upto)?);
                    let num = i128::from(total_cents).checked_mul(d).ok_or(MoneyError::Overflow)?;
                    Ok(round_div(num, total_days, conv.rounding)?)
                };
                for (first, last, _len) in calendar_months(from, to) {
                    let before = match first.previous_day() {
                        Some(p) if p >= inst.start => cum(p)?,
                        _ => 0,
                    };
                    let part = cum(last)?.checked_sub(before).ok_or(MoneyError::Overflow)?;
                    months.push(MonthCost {
                        year: first.year(),
                        month: first.month() as u8,
                        cents: to_cents(part)?,
                    });
                }
            }
            Intensity::NoCost => {
                for (first, _, _) in calendar_months(from, to) {
                    months.push(MonthCost { year: first.year(), month: first.month() as u8, cents: 0 });
                }
            }
            _ => {
                let rate = inst
                    .rate
                    .as_ref()
                    .map(|r| r.amount_cents)
                    .ok_or_else(|| SettingError::MissingRate(inst.id.clone()))?;
                months = rate_months(rate, inst.intensity.monthly_factor(conv), from, to, conv)?;
            }
        }
    }
    let period_cents = checked_sum(months.iter().map(|m| m.cents))?;
    Ok(InstanceCost {
        instance_id: inst.id.clone(),
        module_id: inst.module_id.clone(),
        per_month_cents,
        months,
        period_cents,
    })
}

/// `rate × n / d` per full month, pro rata by covered days per calendar month of `[from, to]`, rounded once
/// per month.
fn rate_months(
    rate: Cents,
    (n, d): (i128, i128),
    from: Date,
    to: Date,
    conv: &Conventions,
) -> Result<Vec<MonthCost>, SettingError> {
    conv.validate()?;
    let mut months = Vec::new();
    for (first, last, len) in calendar_months(from, to) {
        let covered = i128::from(days_incl(first, last)?);
        let num = i128::from(rate)
            .checked_mul(n)
            .and_then(|x| x.checked_mul(covered))
            .ok_or(MoneyError::Overflow)?;
        let den = d.checked_mul(i128::from(len)).ok_or(MoneyError::Overflow)?;
        let cents = to_cents(round_div(num, den, conv.rounding)?)?;
        months.push(MonthCost { year: first.year(), month: first.month() as u8, cents });
    }
    Ok(months)
}

/// Validates every instance and computes all costs. Without an approval period, only monthly costs.
pub fn costs(hs: &Hilfesetting, catalog: &Catalog, conv: &Conventions) -> Result<CostSummary, SettingError> {
    hs.validate()?;
    conv.validate()?;
    let mut instances = Vec::with_capacity(hs.instances.len());
    for inst in &hs.instances {
        validate_instance(inst, catalog)?;
        let c = match &hs.approval {
            Some(p) => period_cost(inst, p, conv)?,
            None => InstanceCost {
                instance_id: inst.id.clone(),
                module_id: inst.module_id.clone(),
                per_month_cents: monthly_cost(inst, conv)?,
                months: Vec::new(),
                period_cents: 0,
            },
        };
        instances.push(c);
    }
    let per_month_total_cents = checked_sum(instances.iter().map(|c| c.per_month_cents))?;
    let period_total_cents = checked_sum(instances.iter().map(|c| c.period_cents))?;
    let mut months: Vec<MonthCost> = Vec::new();
    if let Some(p) = &hs.approval {
        for (first, _, _) in calendar_months(p.start, p.end) {
            let (y, m) = (first.year(), first.month() as u8);
            let parts =
                instances.iter().flat_map(|c| c.months.iter()).filter(|mc| mc.year == y && mc.month == m);
            months.push(MonthCost { year: y, month: m, cents: checked_sum(parts.map(|mc| mc.cents))? });
        }
    }
    Ok(CostSummary { instances, per_month_total_cents, period_total_cents, months })
}

/// Halle's case budget against the planned cost of the approval period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetStatus {
    pub limit_cents: Cents,
    pub planned_cents: Cents,
    /// `limit - planned`; negative when exceeded.
    pub remaining_cents: Cents,
    pub exceeded: bool,
}

/// Compares the case budget (if any) with the planned period cost. The monthly flat fee is turned into
/// a limit with the same calendar-month rule as the costs.
pub fn budget_status(
    hs: &Hilfesetting,
    summary: &CostSummary,
    conv: &Conventions,
) -> Result<Option<BudgetStatus>, SettingError> {
    let (Some(budget), Some(period)) = (hs.case_budget, hs.approval) else {
        return Ok(None);
    };
    let limit_cents = match budget {
        CaseBudget::Fallbudget { total_cents } => total_cents,
        CaseBudget::MonatlicheFallpauschale { cents_per_month } => {
            let months = rate_months(cents_per_month, (1, 1), period.start, period.end, conv)?;
            checked_sum(months.iter().map(|m| m.cents))?
        }
    };
    let planned_cents = summary.period_total_cents;
    let remaining_cents = limit_cents.checked_sub(planned_cents).ok_or(MoneyError::Overflow)?;
    Ok(Some(BudgetStatus { limit_cents, planned_cents, remaining_cents, exceeded: remaining_cents < 0 }))
}

// ---------------------------------------------------------------------------------------------------------
// Setting mix
// ---------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingShare {
    pub setting: Setting,
    pub instances: u32,
    pub per_month_cents: Cents,
    /// Share of the monthly total in per mille; the shares add up to exactly 1000 (largest remainder)
    /// when the total is positive, else all are 0.
    pub share_permille: u32,
}

/// What the Hilfesetting is made of, at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingMix {
    /// One entry per setting that occurs, in the order of [`Setting::ALL`].
    pub by_setting: Vec<SettingShare>,
    pub distinct_modules: u32,
    pub providers: u32,
    pub fachkraefte_mit_anerkennung: u32,
    pub other_system_offers: u32,
    pub sozialraum_offers: u32,
    /// E.g. "2 ambulant, 1 teilstationär, 1 anderes System".
    pub summary_de: String,
}

pub fn setting_mix(hs: &Hilfesetting, summary: &CostSummary, catalog: &Catalog) -> SettingMix {
    let mut by_setting: Vec<SettingShare> = Vec::new();
    for s in Setting::ALL {
        let of: Vec<(&ModuleInstance, Cents)> = hs
            .instances
            .iter()
            .filter(|i| i.setting == s)
            .map(|i| {
                let c =
                    summary.instances.iter().find(|c| c.instance_id == i.id).map_or(0, |c| c.per_month_cents);
                (i, c)
            })
            .collect();
        if !of.is_empty() {
            let per_month_cents =
                of.iter().try_fold(0i64, |a, (_, c)| a.checked_add(*c)).unwrap_or(Cents::MAX);
            by_setting.push(SettingShare {
                setting: s,
                instances: of.len() as u32,
                per_month_cents,
                share_permille: 0,
            });
        }
    }
    // Largest remainder: floor shares, then hand out the missing per mille to the largest remainders.
    let total: i128 = by_setting.iter().map(|s| i128::from(s.per_month_cents.max(0))).sum();
    if total > 0 {
        let mut rema: Vec<(usize, i128)> = Vec::new();
        let mut given: i128 = 0;
        for (idx, s) in by_setting.iter_mut().enumerate() {
            let scaled = i128::from(s.per_month_cents.max(0)) * 1000;
            s.share_permille = (scaled / total) as u32;
            given += scaled / total;
            rema.push((idx, scaled % total));
        }
        rema.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (idx, _) in rema.into_iter().take((1000 - given).max(0) as usize) {
            by_setting[idx].share_permille += 1;
        }
    }
    let mut modules: Vec<&str> = hs.instances.iter().map(|i| i.module_id.as_str()).collect();
    modules.sort_unstable();
    modules.dedup();
    let mut providers: Vec<String> = hs
        .instances
        .iter()
        .map(|i| crate::text::fold_case(i.provider.trim()))
        .filter(|p| !p.is_empty())
        .collect();
    providers.sort_unstable();
    providers.dedup();
    let mut fk: Vec<String> = hs
        .instances
        .iter()
        .flat_map(|i| i.staff.iter())
        .filter(|s| s.is_fachkraft_mit_anerkennung())
        .map(|s| crate::text::fold_case(s.name.trim()))
        .collect();
    fk.sort_unstable();
    fk.dedup();
    let kind_count = |k: ModuleKind| {
        hs.instances.iter().filter(|i| catalog.get(&i.module_id).is_some_and(|m| m.kind == k)).count() as u32
    };
    let summary_de = if by_setting.is_empty() {
        "noch keine Module".to_owned()
    } else {
        by_setting
            .iter()
            .map(|s| format!("{} {}", s.instances, s.setting.label_de()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    SettingMix {
        by_setting,
        distinct_modules: modules.len() as u32,
        providers: providers.len() as u32,
        fachkraefte_mit_anerkennung: fk.len() as u32,
        other_system_offers: kind_count(ModuleKind::AnderesSystem),
        sozialraum_offers: kind_count(ModuleKind::Sozialraum),
        summary_de,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Date helpers
// ---------------------------------------------------------------------------------------------------------

/// Days from `a` to `b`, both inclusive (`b >= a`).
fn days_incl(a: Date, b: Date) -> Result<i64, SettingError> {
    let d = i64::from(b.to_julian_day()) - i64::from(a.to_julian_day()) + 1;
    if d <= 0 {
        Err(SettingError::PeriodTooLong)
    } else {
        Ok(d)
    }
}

/// Number of calendar months touched by `[a, b]`.
fn months_between(a: Date, b: Date) -> u32 {
    let am = i64::from(a.year()) * 12 + i64::from(a.month() as u8);
    let bm = i64::from(b.year()) * 12 + i64::from(b.month() as u8);
    (bm - am + 1).clamp(0, i64::from(u32::MAX)) as u32
}

/// The calendar months touched by `[from, to]`: (first covered day, last covered day, days of the month).
fn calendar_months(from: Date, to: Date) -> Vec<(Date, Date, u8)> {
    let mut out = Vec::new();
    let mut cur = from;
    while cur <= to && out.len() <= MAX_PERIOD_MONTHS as usize {
        let len = cur.month().length(cur.year());
        let month_end = cur.replace_day(len).unwrap_or(cur);
        let last = month_end.min(to);
        out.push((cur, last, len));
        match month_end.next_day() {
            Some(n) => cur = n,
            None => break,
        }
    }
    out
}

/// `date` plus `months` calendar months, the day clamped to the target month's length (31.08. + 6 → 28./29.02.).
pub fn add_months(date: Date, months: u32) -> Option<Date> {
    let idx = i64::from(date.year()) * 12 + i64::from(date.month() as u8 - 1) + i64::from(months);
    let year = i32::try_from(idx.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(idx.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("unknown module {0:?}")]
    UnknownModule(String),
    #[error("instance {instance}: setting {setting:?} not allowed for this module")]
    SettingNotAllowed { instance: String, setting: Setting },
    #[error("instance {instance}: billing form {billing:?} not allowed for this module")]
    BillingNotAllowed { instance: String, billing: BillingForm },
    #[error("instance {0}: end date before start date")]
    EndBeforeStart(String),
    #[error("approval period ends before it starts")]
    ApprovalEndBeforeStart,
    #[error("period longer than {MAX_PERIOD_MONTHS} months")]
    PeriodTooLong,
    #[error("instance {0}: intensity must be positive")]
    NonPositiveIntensity(String),
    #[error("instance {0}: intensity above the plausible maximum")]
    IntensityTooHigh(String),
    #[error("instance {0}: intensity does not fit the billing form")]
    IntensityMismatch(String),
    #[error("instance {0}: a budget needs an end date")]
    BudgetNeedsEnd(String),
    #[error("instance {0}: rate missing")]
    MissingRate(String),
    #[error("instance {0}: rate must be between 0.01 and {MAX_RATE_CENTS} cents")]
    InvalidRate(String),
    #[error("invalid case budget")]
    InvalidCaseBudget,
    #[error("review interval must be 1 to 24 months")]
    InvalidReviewInterval,
    #[error("duplicate instance id {0:?}")]
    DuplicateInstance(String),
    #[error("more than {MAX_INSTANCES} module instances")]
    TooManyInstances,
    #[error("invalid hours {0:?}")]
    InvalidHours(String),
    #[error("invalid instance id {0:?}")]
    InvalidInstanceId(String),
    #[error("text longer than {TEXT_MAX_CHARS} characters")]
    TextTooLong,
    #[error("arithmetic overflow in cost calculation")]
    Overflow,
    #[error("invalid calculation conventions")]
    InvalidConventions,
    #[error("unknown Hilfesetting schema version {0}")]
    UnknownSchema(u16),
    #[error("malformed Hilfesetting: {0}")]
    Malformed(String),
}

impl From<MoneyError> for SettingError {
    fn from(e: MoneyError) -> Self {
        match e {
            MoneyError::Overflow | MoneyError::InvalidAmount(_) => SettingError::Overflow,
            MoneyError::InvalidConventions => SettingError::InvalidConventions,
            MoneyError::UnknownSchema(_) | MoneyError::Malformed(_) => SettingError::InvalidConventions,
        }
    }
}

impl UserMessage for SettingError {
    fn message_de(&self) -> String {
        match self {
            SettingError::UnknownModule(m) => format!("Das Modul „{m}“ ist nicht im Katalog."),
            SettingError::SettingNotAllowed { setting, .. } => {
                format!("Dieses Modul kann nicht {} erbracht werden.", setting.label_de())
            }
            SettingError::BillingNotAllowed { billing, .. } => {
                format!("Dieses Modul kann nicht als {} abgerechnet werden.", billing.label_de())
            }
            SettingError::EndBeforeStart(_) => {
                "Das Ende liegt vor dem Beginn. Bitte die Daten prüfen.".into()
            }
            SettingError::ApprovalEndBeforeStart => {
                "Der Bewilligungszeitraum endet vor seinem Beginn. Bitte die Daten prüfen.".into()
            }
            SettingError::PeriodTooLong => "Der Zeitraum ist länger als zehn Jahre.".into(),
            SettingError::NonPositiveIntensity(_) => "Der Umfang muss größer als null sein.".into(),
            SettingError::IntensityTooHigh(_) => "Der Umfang ist unrealistisch hoch. Bitte prüfen.".into(),
            SettingError::IntensityMismatch(_) => "Der Umfang passt nicht zur Abrechnungsform.".into(),
            SettingError::BudgetNeedsEnd(_) => "Für ein Budget bitte ein Enddatum eintragen.".into(),
            SettingError::MissingRate(_) => {
                "Für dieses Modul fehlt der Kostensatz. Bitte den vereinbarten Satz eintragen.".into()
            }
            SettingError::InvalidRate(_) => "Der Kostensatz muss größer als null und plausibel sein.".into(),
            SettingError::InvalidCaseBudget => {
                "Das Fallbudget bzw. die Fallpauschale muss größer als null sein.".into()
            }
            SettingError::InvalidReviewInterval => {
                "Der Überprüfungsabstand des Hilfeplans muss zwischen 1 und 24 Monaten liegen.".into()
            }
            SettingError::DuplicateInstance(_) => "Ein Modul ist doppelt gespeichert.".into(),
            SettingError::TooManyInstances => {
                format!("Ein Hilfesetting kann höchstens {MAX_INSTANCES} Module enthalten.")
            }
            SettingError::InvalidHours(s) => {
                format!("„{s}“ ist keine gültige Stundenzahl. Bitte z. B. 1,5 eingeben.")
            }
            SettingError::InvalidInstanceId(_) => "Ein Modul hat eine ungültige Kennung.".into(),
            SettingError::TextTooLong => {
                format!("Texte dürfen höchstens {TEXT_MAX_CHARS} Zeichen lang sein.")
            }
            SettingError::Overflow => {
                "Der Betrag ist zu groß, um ihn zu berechnen. Bitte die Eingaben prüfen.".into()
            }
            SettingError::InvalidConventions => {
                "Die Berechnungsregeln (Wochen bzw. Tage pro Monat) sind ungültig.".into()
            }
            SettingError::UnknownSchema(v) => {
                format!("Dieser Datensatz stammt aus einer unbekannten Version ({v}). Bitte die App aktualisieren.")
            }
            SettingError::Malformed(_) => {
                "Der Datensatz ist beschädigt und konnte nicht gelesen werden.".into()
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    pub(crate) fn case_id() -> CaseId {
        CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap()
    }

    pub(crate) fn rate(cents: Cents) -> Option<RateSnapshot> {
        Some(RateSnapshot {
            amount_cents: cents,
            label: None,
            valid_from: date!(2025 - 01 - 01),
            source: "Test".into(),
            taken_on: date!(2026 - 01 - 01),
        })
    }

    pub(crate) fn inst(
        id: &str,
        module: &str,
        billing: BillingForm,
        intensity: Intensity,
        r: Option<RateSnapshot>,
    ) -> ModuleInstance {
        let catalog = Catalog::builtin().unwrap();
        let setting = catalog.get_str(module).map_or(Setting::Ambulant, |m| m.default_setting());
        ModuleInstance {
            id: id.into(),
            module_id: ModuleId::parse(module).unwrap(),
            setting,
            provider: "Träger A".into(),
            staff: vec![StaffAssignment {
                name: "K.".into(),
                qualification: Qualification::SozialeArbeit,
                staatliche_anerkennung: true,
            }],
            start: date!(2026 - 01 - 01),
            end: None,
            billing,
            intensity,
            rate: r,
            note: String::new(),
        }
    }

    fn fls(id: &str, minutes: i64, cents: Cents) -> ModuleInstance {
        inst(id, "spfh", BillingForm::Fachleistungsstunde, Intensity::HoursPerWeek { minutes }, rate(cents))
    }

    #[test]
    fn monthly_costs_follow_the_conventions() {
        let c = Conventions::default();
        // 69,80 € × 4 h × 52 / 12 = 1.209,866… € → 1.209,87 €
        assert_eq!(monthly_cost(&fls("a", 240, 6_980), &c), Ok(120_987));
        // Heimerziehung 195 € × 30,42 days = 5.931,90 €
        let heim = inst("b", "heimerziehung", BillingForm::Tagesentgelt, Intensity::EveryDay, rate(19_500));
        assert_eq!(monthly_cost(&heim, &c), Ok(593_190));
        // Tagesgruppe 100 € × 5 days × 52/12 = 2.166,666… → 2.166,67 €
        let tg = inst(
            "c",
            "tagesgruppe",
            BillingForm::Tagesentgelt,
            Intensity::DaysPerWeek { days: 5 },
            rate(10_000),
        );
        assert_eq!(monthly_cost(&tg, &c), Ok(216_667));
        let pflege = inst(
            "d",
            "vollzeitpflege",
            BillingForm::Monatsentgelt,
            Intensity::PerMonth { units: 1 },
            rate(117_800),
        );
        assert_eq!(monthly_cost(&pflege, &c), Ok(117_800));
        let other = inst("e", "schule", BillingForm::KeineFallkosten, Intensity::NoCost, None);
        assert_eq!(monthly_cost(&other, &c), Ok(0));
        // Other conventions: 4 weeks per month, rounding down.
        let c4 = Conventions { weeks_per_year: 48, rounding: crate::money::Rounding::Down, ..c };
        assert_eq!(monthly_cost(&fls("a", 90, 6_980), &c4), Ok(41_880));
    }

    #[test]
    fn period_costs_are_pro_rata_per_calendar_month_and_sum_up() {
        let c = Conventions::default();
        let p = ApprovalPeriod::new(date!(2026 - 01 - 01), date!(2026 - 06 - 30)).unwrap();
        let mut a = fls("a", 240, 6_980);
        let full = period_cost(&a, &p, &c).unwrap();
        assert_eq!(full.months.len(), 6);
        assert!(full.months.iter().all(|m| m.cents == 120_987));
        assert_eq!(full.period_cents, 6 * 120_987);
        a.start = date!(2026 - 01 - 16);
        a.end = Some(date!(2026 - 02 - 14));
        let part = period_cost(&a, &p, &c).unwrap();
        // January: 16 of 31 days; February: 14 of 28 days.
        assert_eq!(part.months.iter().map(|m| m.cents).collect::<Vec<_>>(), [62_445, 60_493]);
        assert_eq!(part.period_cents, 62_445 + 60_493);
        a.start = date!(2027 - 01 - 01);
        a.end = None;
        assert_eq!(period_cost(&a, &p, &c).unwrap().period_cents, 0);
    }

    #[test]
    fn a_budget_is_spread_over_its_days_and_adds_up_exactly() {
        let c = Conventions::default();
        let mut b = inst(
            "b",
            "flexible_hilfe",
            BillingForm::Budget,
            Intensity::Budget { total_cents: 1_000_000 },
            None,
        );
        b.end = Some(date!(2026 - 03 - 31));
        let p = ApprovalPeriod::new(date!(2026 - 01 - 01), date!(2026 - 12 - 31)).unwrap();
        let r = period_cost(&b, &p, &c).unwrap();
        assert_eq!(r.months.iter().map(|m| m.cents).collect::<Vec<_>>(), [344_444, 311_112, 344_444]);
        assert_eq!(r.period_cents, 1_000_000);
        b.end = None;
        assert_eq!(monthly_cost(&b, &c), Err(SettingError::BudgetNeedsEnd("b".into())));
    }

    #[test]
    fn invalid_instances_are_typed_errors() {
        let cat = Catalog::builtin().unwrap();
        let ok = fls("a", 240, 6_980);
        assert!(validate_instance(&ok, &cat).is_ok());
        let mut x = ok.clone();
        x.end = Some(date!(2025 - 12 - 31));
        assert_eq!(validate_instance(&x, &cat), Err(SettingError::EndBeforeStart("a".into())));
        let x = fls("a", 0, 6_980);
        assert_eq!(validate_instance(&x, &cat), Err(SettingError::NonPositiveIntensity("a".into())));
        let x = fls("a", -60, 6_980);
        assert_eq!(validate_instance(&x, &cat), Err(SettingError::NonPositiveIntensity("a".into())));
        let x = fls("a", 169 * 60, 6_980);
        assert_eq!(validate_instance(&x, &cat), Err(SettingError::IntensityTooHigh("a".into())));
        let x = inst(
            "a",
            "gibtsnicht",
            BillingForm::Fachleistungsstunde,
            Intensity::HoursPerWeek { minutes: 60 },
            rate(1),
        );
        assert_eq!(validate_instance(&x, &cat), Err(SettingError::UnknownModule("gibtsnicht".into())));
        let mut x = ok.clone();
        x.rate = None;
        assert_eq!(validate_instance(&x, &cat), Err(SettingError::MissingRate("a".into())));
        let x = fls("a", 60, 0);
        assert_eq!(validate_instance(&x, &cat), Err(SettingError::InvalidRate("a".into())));
        let mut x = ok.clone();
        x.intensity = Intensity::EveryDay;
        assert_eq!(validate_instance(&x, &cat), Err(SettingError::IntensityMismatch("a".into())));
        let mut x = ok.clone();
        x.setting = Setting::Stationaer;
        assert!(matches!(validate_instance(&x, &cat), Err(SettingError::SettingNotAllowed { .. })));
        let mut x = ok;
        x.billing = BillingForm::Tagesentgelt;
        assert!(matches!(validate_instance(&x, &cat), Err(SettingError::BillingNotAllowed { .. })));
        assert_eq!(
            ApprovalPeriod::new(date!(2026 - 02 - 01), date!(2026 - 01 - 31)),
            Err(SettingError::ApprovalEndBeforeStart)
        );
        assert_eq!(
            ApprovalPeriod::new(date!(2026 - 01 - 01), date!(2036 - 01 - 01)),
            Err(SettingError::PeriodTooLong)
        );
        let bad = Conventions { days_per_month_hundredths: 0, ..Conventions::default() };
        assert_eq!(monthly_cost(&fls("a", 60, 100), &bad), Err(SettingError::InvalidConventions));
    }

    fn sample() -> Hilfesetting {
        let mut hs = Hilfesetting::new(case_id());
        hs.approval = Some(ApprovalPeriod::new(date!(2026 - 01 - 01), date!(2026 - 06 - 30)).unwrap());
        hs.instances.push(fls("a", 240, 6_980));
        let mut tg = inst(
            "c",
            "tagesgruppe",
            BillingForm::Tagesentgelt,
            Intensity::DaysPerWeek { days: 5 },
            rate(10_000),
        );
        tg.provider = "Träger B".into();
        hs.instances.push(tg);
        hs.instances.push(inst("e", "schule", BillingForm::KeineFallkosten, Intensity::NoCost, None));
        hs
    }

    /// The figures `end2end/tests/setting.spec.ts` expects the composer to show.
    #[test]
    fn spfh_four_hours_plus_tagesgruppe_five_days_cost_what_the_e2e_test_expects() {
        let cat = Catalog::builtin().unwrap();
        let c = Conventions::default();
        let day = crate::case::parse_iso_date("2026-12-01").unwrap();
        let spfh = ModuleInstance::from_catalog(
            "a".into(),
            cat.get_str("spfh").unwrap(),
            day,
            BillingForm::Fachleistungsstunde,
            Intensity::HoursPerWeek { minutes: 240 },
            None,
            day,
        )
        .unwrap();
        let mut tg = ModuleInstance::from_catalog(
            "b".into(),
            cat.get_str("tagesgruppe").unwrap(),
            day,
            BillingForm::Tagesentgelt,
            Intensity::DaysPerWeek { days: 5 },
            None,
            day,
        )
        .unwrap();
        tg.rate = Some(RateSnapshot {
            amount_cents: 9850,
            label: None,
            valid_from: day,
            source: "eigene Angabe".into(),
            taken_on: day,
        });
        assert_eq!(crate::money::format_eur_de(monthly_cost(&spfh, &c).unwrap()), "1.209,87\u{a0}€");
        assert_eq!(crate::money::format_eur_de(monthly_cost(&tg, &c).unwrap()), "2.134,17\u{a0}€");
        let mut hs = Hilfesetting::new(CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap());
        hs.instances = vec![spfh, tg];
        let total = costs(&hs, &cat, &c).unwrap().per_month_total_cents;
        assert_eq!(crate::money::format_eur_de(total), "3.344,04\u{a0}€");
    }

    #[test]
    fn the_sync_record_round_trips_and_shows_the_formula() {
        let hs = sample();
        let rec = hs.to_record();
        assert!(rec.keys().filter(|k| k.starts_with(INSTANCE_FIELD_PREFIX)).count() == hs.instances.len());
        let back = Hilfesetting::from_record(serde_json::Value::Object(rec.clone())).unwrap();
        let mut reviewed = hs.clone();
        reviewed.review = ReviewSchedule { last_review: Some(date!(2026 - 03 - 05)), interval_months: 3 };
        let reviewed = serde_json::Value::Object(reviewed.to_record());
        assert_eq!(
            Hilfesetting::review_of_record(&reviewed),
            Hilfesetting::from_record(reviewed.clone()).unwrap().review
        );
        assert_eq!(Hilfesetting::review_of_record(&serde_json::json!({})), ReviewSchedule::default());
        let mut want = hs.instances.clone();
        want.sort_by(|a, b| (a.start, &a.module_id, &a.id).cmp(&(b.start, &b.module_id, &b.id)));
        assert_eq!(back.instances, want);
        // A removed instance is `null` and gone; a record of another case's id is refused.
        let mut removed = rec.clone();
        removed.insert(instance_field(&hs.instances[0].id), serde_json::Value::Null);
        let fewer = Hilfesetting::from_record(serde_json::Value::Object(removed)).unwrap();
        assert_eq!(fewer.instances.len(), hs.instances.len() - 1);
        let mut wrong = rec;
        wrong.insert("id".into(), "x~hilfesetting".into());
        assert!(Hilfesetting::from_record(serde_json::Value::Object(wrong)).is_err());
        // The formula shows each factor and the rounded monthly result of monthly_cost.
        let spfh =
            hs.instances.iter().find(|i| matches!(i.intensity, Intensity::HoursPerWeek { .. })).unwrap();
        let f = formula_de(spfh, &Conventions::default());
        let cost = monthly_cost(spfh, &Conventions::default()).unwrap();
        assert!(f.contains("Std./Woche × 52 Wochen ÷ 12 Monate ×"), "{f}");
        assert!(f.ends_with(&format!("= {} je Monat", crate::money::format_eur_de(cost))), "{f}");
    }

    #[test]
    fn setting_totals_budget_and_mix() {
        let cat = Catalog::builtin().unwrap();
        let c = Conventions::default();
        let mut hs = sample();
        let s = costs(&hs, &cat, &c).unwrap();
        assert_eq!(s.per_month_total_cents, 120_987 + 216_667);
        assert_eq!(s.period_total_cents, 6 * (120_987 + 216_667));
        assert_eq!(s.months.len(), 6);
        assert_eq!(s.months.iter().map(|m| m.cents).sum::<i64>(), s.period_total_cents);

        assert_eq!(budget_status(&hs, &s, &c), Ok(None));
        hs.case_budget = Some(CaseBudget::Fallbudget { total_cents: 2_000_000 });
        let b = budget_status(&hs, &s, &c).unwrap().unwrap();
        assert_eq!(b.remaining_cents, 2_000_000 - 2_025_924);
        assert!(b.exceeded);
        hs.case_budget = Some(CaseBudget::MonatlicheFallpauschale { cents_per_month: 350_000 });
        let b = budget_status(&hs, &s, &c).unwrap().unwrap();
        assert_eq!(b.limit_cents, 2_100_000);
        assert_eq!(b.remaining_cents, 74_076);
        assert!(!b.exceeded);

        let mix = setting_mix(&hs, &s, &cat);
        assert_eq!(mix.summary_de, "1 ambulant, 1 teilstationär, 1 anderes System");
        assert_eq!(mix.by_setting.iter().map(|x| x.share_permille).sum::<u32>(), 1000);
        assert_eq!(mix.by_setting[0].share_permille, 358);
        assert_eq!(
            (mix.distinct_modules, mix.providers, mix.fachkraefte_mit_anerkennung, mix.other_system_offers),
            (3, 2, 1, 1)
        );
    }

    #[test]
    fn hilfesetting_round_trips_and_rejects_bad_records() {
        let mut hs = sample();
        hs.einzelvereinbarung =
            Some(Einzelvereinbarung { concluded_on: date!(2025 - 12 - 15), reference: "EV 12/25".into() });
        hs.case_budget = Some(CaseBudget::Fallbudget { total_cents: 2_000_000 });
        let v = serde_json::to_value(&hs).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(
            v["instances"][0]["intensity"],
            serde_json::json!({"type": "hours_per_week", "minutes": 240})
        );
        assert_eq!(v["case_budget"]["type"], "fallbudget");
        assert_eq!(Hilfesetting::from_json(v.clone()), Ok(hs.clone()));
        let mut future = v.clone();
        future["schema"] = 2.into();
        assert!(matches!(Hilfesetting::from_json(future), Err(SettingError::Malformed(_))));
        let mut dup = hs.clone();
        dup.instances.push(dup.instances[0].clone());
        assert_eq!(dup.validate(), Err(SettingError::DuplicateInstance("a".into())));
        let mut r = hs;
        r.review.interval_months = 0;
        assert_eq!(r.validate(), Err(SettingError::InvalidReviewInterval));
    }

    #[test]
    fn instance_from_catalog_snapshots_the_default_rate() {
        let cat = Catalog::builtin().unwrap();
        let spfh = cat.get_str("spfh").unwrap();
        let i = ModuleInstance::from_catalog(
            "n".into(),
            spfh,
            date!(2026 - 02 - 01),
            BillingForm::Monatsentgelt,
            Intensity::PerMonth { units: 1 },
            Some("Bremen, Fallgruppe 2"),
            date!(2026 - 01 - 20),
        )
        .unwrap();
        let r = i.rate.as_ref().unwrap();
        assert_eq!((r.amount_cents, r.taken_on), (198_418, date!(2026 - 01 - 20)));
        assert_eq!(i.setting, Setting::Ambulant);
        assert!(validate_instance(&i, &cat).is_ok());
        let tg = cat.get_str("tagesgruppe").unwrap();
        let i = ModuleInstance::from_catalog(
            "t".into(),
            tg,
            date!(2026 - 02 - 01),
            BillingForm::Tagesentgelt,
            Intensity::DaysPerWeek { days: 5 },
            None,
            date!(2026 - 01 - 20),
        )
        .unwrap();
        assert_eq!(validate_instance(&i, &cat), Err(SettingError::MissingRate("t".into())));
        assert!(matches!(
            ModuleInstance::from_catalog(
                "x".into(),
                tg,
                date!(2026 - 02 - 01),
                BillingForm::Budget,
                Intensity::NoCost,
                None,
                date!(2026 - 01 - 20)
            ),
            Err(SettingError::BillingNotAllowed { .. })
        ));
    }

    #[test]
    fn hours_are_parsed_to_minutes() {
        assert_eq!(parse_hours_de("4"), Ok(240));
        assert_eq!(parse_hours_de("1,5"), Ok(90));
        assert_eq!(parse_hours_de("1.25 Std."), Ok(75));
        assert_eq!(parse_hours_de("0,1"), Ok(6));
        assert_eq!(parse_hours_de(",75"), Ok(45));
        for bad in ["", "-1", "1,2,3", "x", "9999999", "1,00001"] {
            assert!(parse_hours_de(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn add_months_clamps_to_month_end() {
        assert_eq!(add_months(date!(2026 - 08 - 31), 6), Some(date!(2027 - 02 - 28)));
        assert_eq!(add_months(date!(2027 - 08 - 31), 6), Some(date!(2028 - 02 - 29)));
        assert_eq!(add_months(date!(2026 - 01 - 15), 12), Some(date!(2027 - 01 - 15)));
    }

    fn intensity_strategy() -> impl Strategy<Value = (BillingForm, Intensity)> {
        prop_oneof![
            any::<i64>()
                .prop_map(|m| (BillingForm::Fachleistungsstunde, Intensity::HoursPerWeek { minutes: m })),
            (1i64..=10_080)
                .prop_map(|m| (BillingForm::Fachleistungsstunde, Intensity::HoursPerWeek { minutes: m })),
            (1i64..=44_640)
                .prop_map(|m| (BillingForm::Fachleistungsstunde, Intensity::HoursPerMonth { minutes: m })),
            (1i64..=7).prop_map(|d| (BillingForm::Tagesentgelt, Intensity::DaysPerWeek { days: d })),
            (1i64..=31).prop_map(|d| (BillingForm::Tagesentgelt, Intensity::DaysPerMonth { days: d })),
            Just((BillingForm::Tagesentgelt, Intensity::EveryDay)),
            Just((BillingForm::Wochenentgelt, Intensity::EveryWeek)),
            (1i64..=100).prop_map(|u| (BillingForm::Monatsentgelt, Intensity::PerMonth { units: u })),
            any::<i64>().prop_map(|u| (BillingForm::Leistungspauschale, Intensity::PerMonth { units: u })),
            (1i64..=MAX_BUDGET_CENTS)
                .prop_map(|b| (BillingForm::Budget, Intensity::Budget { total_cents: b })),
        ]
    }

    fn date_strategy() -> impl Strategy<Value = Date> {
        (0i32..4000).prop_map(|d| date!(2024 - 01 - 01) + time::Duration::days(i64::from(d)))
    }

    fn rounding_strategy() -> impl Strategy<Value = crate::money::Rounding> {
        use crate::money::Rounding;
        prop_oneof![
            Just(Rounding::HalfUp),
            Just(Rounding::HalfEven),
            Just(Rounding::Down),
            Just(Rounding::Up)
        ]
    }

    proptest! {
        /// Arbitrary (also absurd) inputs never panic: the result is a value or a typed error.
        #[test]
        fn cost_arithmetic_never_panics(
            (billing, intensity) in intensity_strategy(),
            rate_cents in any::<i64>(),
            start in date_strategy(),
            len in 0i64..3000,
            p0 in date_strategy(),
            plen in 0i64..4000,
        ) {
            let mut i = inst("x", "flexible_hilfe", billing, intensity, rate(rate_cents));
            i.start = start;
            i.end = Some(start + time::Duration::days(len));
            let c = Conventions::default();
            let _ = monthly_cost(&i, &c);
            if let Ok(p) = ApprovalPeriod::new(p0, p0 + time::Duration::days(plen)) {
                let _ = period_cost(&i, &p, &c);
            }
            let mut hs = Hilfesetting::new(case_id());
            hs.instances.push(i);
            let _ = costs(&hs, &Catalog::builtin().unwrap(), &c);
        }

        /// Valid inputs: month parts add up to the instance total, instance totals to the setting total,
        /// and each month part is the documented rounding of the exact pro-rata amount.
        #[test]
        fn parts_sum_to_totals_and_rounding_is_as_documented(
            specs in proptest::collection::vec((intensity_strategy(), 1i64..=MAX_RATE_CENTS, date_strategy(), 0i64..800), 1..6),
            p0 in date_strategy(),
            plen in 0i64..1500,
            rounding in rounding_strategy(),
        ) {
            let cat = Catalog::builtin().unwrap();
            let c = Conventions { rounding, ..Conventions::default() };
            let mut hs = Hilfesetting::new(case_id());
            hs.approval = Some(ApprovalPeriod::new(p0, p0 + time::Duration::days(plen)).unwrap());
            for (n, ((billing, intensity), r, start, len)) in specs.into_iter().enumerate() {
                let mut i = inst(&format!("i{n}"), "flexible_hilfe", billing, intensity, rate(r));
                i.start = start;
                i.end = Some(start + time::Duration::days(len));
                if validate_instance(&i, &cat).is_ok() {
                    hs.instances.push(i);
                }
            }
            let s = costs(&hs, &cat, &c).unwrap();
            let mut total: i128 = 0;
            for (ic, i) in s.instances.iter().zip(&hs.instances) {
                let sum: i128 = ic.months.iter().map(|m| i128::from(m.cents)).sum();
                prop_assert_eq!(sum, i128::from(ic.period_cents));
                total += sum;
                prop_assert!(ic.months.iter().all(|m| m.cents >= 0));
                if let Intensity::Budget { total_cents } = i.intensity {
                    if i.start >= hs.approval.unwrap().start && i.end.unwrap() <= hs.approval.unwrap().end {
                        prop_assert_eq!(ic.period_cents, total_cents);
                    }
                } else {
                    // A full calendar month equals the per-month figure; every part is within one cent
                    // of the exact amount, and HalfUp/HalfEven within half a cent.
                    let (n, d) = i.intensity.monthly_factor(&c);
                    let rate = i128::from(i.rate.as_ref().unwrap().amount_cents);
                    let from = i.start.max(hs.approval.unwrap().start);
                    let to = i.end.unwrap().min(hs.approval.unwrap().end);
                    for ((first, last, len), m) in calendar_months(from, to).into_iter().zip(&ic.months) {
                        let covered = i128::from(days_incl(first, last).unwrap());
                        let num = rate * n * covered;
                        let den = d * i128::from(len);
                        let diff = (i128::from(m.cents) * den - num).abs();
                        prop_assert!(diff < den);
                        if matches!(rounding, crate::money::Rounding::HalfUp | crate::money::Rounding::HalfEven) {
                            prop_assert!(diff * 2 <= den);
                        }
                        if covered == i128::from(len) {
                            prop_assert_eq!(m.cents, ic.per_month_cents);
                        }
                    }
                }
            }
            prop_assert_eq!(total, i128::from(s.period_total_cents));
            let by_month: i128 = s.months.iter().map(|m| i128::from(m.cents)).sum();
            prop_assert_eq!(by_month, i128::from(s.period_total_cents));
            let mix = setting_mix(&hs, &s, &cat);
            if s.per_month_total_cents > 0 {
                prop_assert_eq!(mix.by_setting.iter().map(|x| x.share_permille).sum::<u32>(), 1000);
            }
        }
    }
}
