//! Professional rules. Each rule is a small function returning [`Finding`]s with a German explanation and
//! the legal paragraph (or source) it rests on. Broken input (end before start, zero or negative intensity,
//! unknown module, missing rate, …) is not a finding but a typed [`SettingError`], reported per instance by
//! [`evaluate`] so that one bad entry never hides the others. Findings are computed, never stored.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::case::format_date_de;
use crate::catalog::{Catalog, ModuleDef, ModuleKind};
use crate::clearing::ClearingRecord;
use crate::money::{format_eur_de, Conventions};
use crate::setting::{
    add_months, budget_status, costs, validate_instance, BudgetStatus, CostSummary, Hilfesetting,
    ModuleInstance, Qualification, ReviewSchedule, SettingError,
};
use crate::UserMessage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Must be resolved (a limit is exceeded).
    Fehler,
    /// Should be resolved or consciously accepted.
    Warnung,
    /// Worth knowing; nothing to fix.
    Hinweis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleId {
    Einzelvereinbarung,
    FachkraftMitAnerkennung,
    PsychologeKeineFachkraft,
    WeitereQualifikation,
    ClearingDauer,
    HilfeplanUeberpruefung,
    UeberschneidungModul,
    Kostenbeitrag,
    Fallbudget,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    /// German explanation for the Fachkraft.
    pub message_de: String,
    /// Legal paragraph or source, e.g. "§ 78b SGB VIII".
    pub legal_basis: String,
    /// The module instance concerned, if the finding is about one.
    #[serde(default)]
    pub instance_id: Option<String>,
}

impl Finding {
    fn new(
        rule: RuleId,
        severity: Severity,
        message_de: String,
        legal_basis: &str,
        instance_id: Option<&str>,
    ) -> Self {
        Self {
            rule,
            severity,
            message_de,
            legal_basis: legal_basis.to_owned(),
            instance_id: instance_id.map(str::to_owned),
        }
    }
}

/// Limits that are practice or local agreement, not law: configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleConfig {
    /// Halle: Clearing "i. d. R. bis zu 6 Wochen" → warn after this many days.
    pub clearing_warn_after_days: i64,
    /// Halle: "jedoch nicht länger als 12 Wochen".
    pub clearing_max_days: i64,
    /// A review due within this many days is announced.
    pub review_notice_days: i64,
}

impl Default for RuleConfig {
    fn default() -> Self {
        Self { clearing_warn_after_days: 6 * 7, clearing_max_days: 12 * 7, review_notice_days: 14 }
    }
}

const LB_78B: &str = "§ 78b SGB VIII";
const LB_72: &str = "§ 72 Abs. 1 SGB VIII; Strukturqualität Personal (Fußnote 17)";
const LB_CLEARING: &str =
    "§ 27 Abs. 2 SGB VIII; LEQ-Vereinbarung Halle (i. d. R. bis 6, höchstens 12 Wochen)";
const LB_36: &str = "§ 36 Abs. 2 Satz 2 SGB VIII";
const LB_91: &str = "§§ 91 ff. SGB VIII";
const LB_BUDGET: &str = "§§ 78a ff. SGB VIII (Einzelvereinbarung über das Entgelt)";

/// Einzelvereinbarung (§ 78b) required: when a module needs one, or when the setting combines two or more
/// youth-welfare modules into an integrated flexible help (seed 000, Finanzierung).
pub fn einzelvereinbarung_required(hs: &Hilfesetting, catalog: &Catalog) -> Option<Finding> {
    if hs.einzelvereinbarung.is_some() {
        return None;
    }
    let modules: Vec<&ModuleDef> = hs.instances.iter().filter_map(|i| catalog.get(&i.module_id)).collect();
    let needing: Vec<&str> = modules.iter().filter(|m| m.requires_78b).map(|m| m.name_de.as_str()).collect();
    let mut services: Vec<&str> =
        modules.iter().filter(|m| m.kind.is_youth_welfare_service()).map(|m| m.id.as_str()).collect();
    services.sort_unstable();
    services.dedup();
    let reason = if let Some(first) = needing.first() {
        format!("„{first}“ setzt sie voraus")
    } else if services.len() >= 2 {
        "das Hilfesetting kombiniert mehrere Leistungsarten zu einer integrierten flexiblen Hilfe".to_owned()
    } else {
        return None;
    };
    Some(Finding::new(
        RuleId::Einzelvereinbarung,
        Severity::Warnung,
        format!(
            "Es ist noch keine Einzelvereinbarung über Leistung, Qualität und Entgelt erfasst; {reason}. \
             Grundlage der integrierten flexiblen Hilfe ist eine auf den Einzelfall bezogene Vereinbarung."
        ),
        LB_78B,
        None,
    ))
}

/// At least one Fachkraft (Sozialpädagogik/Soziale Arbeit or Erzieher/-in) with staatlicher Anerkennung
/// per youth-welfare module instance.
pub fn fachkraft_required(inst: &ModuleInstance, module: &ModuleDef) -> Option<Finding> {
    if !module.kind.is_youth_welfare_service() || inst.staff.iter().any(|s| s.is_fachkraft_mit_anerkennung())
    {
        return None;
    }
    let msg = if inst.staff.is_empty() {
        format!("„{}“ ist noch keine Fachkraft zugeordnet.", module.name_de)
    } else {
        format!(
            "„{}“ hat keine Fachkraft mit staatlicher Anerkennung (Sozialpädagogik/Soziale Arbeit oder \
             Erzieher/-in). Weitere Qualifikationen können nur konzept- und leistungsabhängig anerkannt werden.",
            module.name_de
        )
    };
    Some(Finding::new(RuleId::FachkraftMitAnerkennung, Severity::Warnung, msg, LB_72, Some(&inst.id)))
}

/// A Psychologe/Psychologin does not count as Fachkraft but may be involved; other academic
/// qualifications of footnote 17 may be recognised depending on the concept.
pub fn staff_notes(inst: &ModuleInstance) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &inst.staff {
        match s.qualification {
            Qualification::Psychologie => out.push(Finding::new(
                RuleId::PsychologeKeineFachkraft,
                Severity::Hinweis,
                format!(
                    "{} (Psychologe/Psychologin) zählt nicht als Fachkraft im Sinne der Kinder- und Jugendhilfe, \
                     kann aber im Einzelfall übergreifend einbezogen werden.",
                    s.name
                ),
                LB_72,
                Some(&inst.id),
            )),
            Qualification::Diplompaedagogik
            | Qualification::Erziehungswissenschaft
            | Qualification::Kindheitspaedagogik => out.push(Finding::new(
                RuleId::WeitereQualifikation,
                Severity::Hinweis,
                format!(
                    "{} ({}) kann konzept- und leistungsabhängig anerkannt werden, in einem multiprofessionellen \
                     Team nach Erfordernis des Einzelfalls.",
                    s.name,
                    s.qualification.label_de()
                ),
                LB_72,
                Some(&inst.id),
            )),
            _ => {}
        }
    }
    out
}

/// Clearing lasts usually up to 6 weeks and never more than 12: checks the planned end and, while it
/// runs, the time elapsed until `today`.
pub fn clearing_duration(
    start: Date,
    planned_end: Option<Date>,
    completed_on: Option<Date>,
    today: Date,
    cfg: &RuleConfig,
    instance_id: Option<&str>,
) -> Option<Finding> {
    let days = |to: Date| (to - start).whole_days();
    let max_weeks = cfg.clearing_max_days / 7;
    if let Some(end) = planned_end {
        if days(end) > cfg.clearing_max_days {
            return Some(Finding::new(
                RuleId::ClearingDauer,
                Severity::Fehler,
                format!(
                    "Das Clearing ist bis {} geplant, das sind {} Tage. Es darf höchstens {max_weeks} Wochen dauern.",
                    format_date_de(end),
                    days(end)
                ),
                LB_CLEARING,
                instance_id,
            ));
        }
    }
    let until = completed_on.unwrap_or(today);
    let elapsed = days(until);
    let running = completed_on.is_none();
    if elapsed > cfg.clearing_max_days {
        let msg = if running {
            format!("Das Clearing läuft seit {elapsed} Tagen und hat die Höchstdauer von {max_weeks} Wochen überschritten.")
        } else {
            format!("Das Clearing hat {elapsed} Tage gedauert, länger als die Höchstdauer von {max_weeks} Wochen.")
        };
        return Some(Finding::new(RuleId::ClearingDauer, Severity::Fehler, msg, LB_CLEARING, instance_id));
    }
    if running && elapsed > cfg.clearing_warn_after_days {
        return Some(Finding::new(
            RuleId::ClearingDauer,
            Severity::Warnung,
            format!(
                "Das Clearing läuft seit {elapsed} Tagen; üblich sind bis zu {} Wochen, höchstens {max_weeks}. \
                 Spätestens am {} muss es abgeschlossen sein.",
                cfg.clearing_warn_after_days / 7,
                format_date_de(start + time::Duration::days(cfg.clearing_max_days))
            ),
            LB_CLEARING,
            instance_id,
        ));
    }
    None
}

/// [`clearing_duration`] for a Clearing record.
pub fn clearing_record(rec: &ClearingRecord, today: Date, cfg: &RuleConfig) -> Option<Finding> {
    clearing_duration(rec.start, Some(rec.deadline), rec.completed_on, today, cfg, None)
}

/// The Hilfeplan is due for review `interval_months` after the last review (or the case start).
/// The default of 6 months is practice, not law, and is configurable per case.
pub fn hilfeplan_review(
    schedule: &ReviewSchedule,
    case_start: Date,
    today: Date,
    cfg: &RuleConfig,
) -> Option<Finding> {
    let base = schedule.last_review.unwrap_or(case_start);
    let due = add_months(base, u32::from(schedule.interval_months))?;
    let days_left = (due - today).whole_days();
    let practice = format!(
        "Der Abstand von {} Monaten ist Praxis, nicht Gesetz, und pro Fall einstellbar.",
        schedule.interval_months
    );
    if days_left <= 0 {
        Some(Finding::new(
            RuleId::HilfeplanUeberpruefung,
            Severity::Warnung,
            format!("Die Überprüfung des Hilfeplans ist seit {} fällig. {practice}", format_date_de(due)),
            LB_36,
            None,
        ))
    } else if days_left <= cfg.review_notice_days {
        Some(Finding::new(
            RuleId::HilfeplanUeberpruefung,
            Severity::Hinweis,
            format!("Die Überprüfung des Hilfeplans ist am {} fällig. {practice}", format_date_de(due)),
            LB_36,
            None,
        ))
    } else {
        None
    }
}

/// Two instances of the same module whose periods overlap (open ends run indefinitely).
pub fn overlapping_instances(hs: &Hilfesetting, catalog: &Catalog) -> Vec<Finding> {
    let mut out = Vec::new();
    for (n, a) in hs.instances.iter().enumerate() {
        for b in &hs.instances[n + 1..] {
            if a.module_id != b.module_id {
                continue;
            }
            let a_end = a.end.unwrap_or(Date::MAX);
            let b_end = b.end.unwrap_or(Date::MAX);
            if a.start <= b_end && b.start <= a_end {
                let name = catalog.get(&a.module_id).map_or(a.module_id.as_str(), |m| m.name_de.as_str());
                out.push(Finding::new(
                    RuleId::UeberschneidungModul,
                    Severity::Warnung,
                    format!(
                        "„{name}“ ist zweimal für überschneidende Zeiträume eingetragen (ab {} und ab {}). \
                         Bitte prüfen, ob das gewollt ist.",
                        format_date_de(a.start),
                        format_date_de(b.start)
                    ),
                    LB_36,
                    Some(&b.id),
                ));
            }
        }
    }
    out
}

/// Teilstationär or stationär help: parents may have to contribute to the cost.
pub fn parental_contribution(inst: &ModuleInstance, module: &ModuleDef) -> Option<Finding> {
    if !(module.parental_contribution && inst.setting.is_residential()) {
        return None;
    }
    Some(Finding::new(
        RuleId::Kostenbeitrag,
        Severity::Hinweis,
        format!(
            "„{}“ wird {} erbracht: Für teilstationäre und stationäre Leistungen wird ein Kostenbeitrag der \
             Eltern bzw. des jungen Menschen erhoben. Bitte die Eltern darauf hinweisen.",
            module.name_de,
            inst.setting.label_de()
        ),
        LB_91,
        Some(&inst.id),
    ))
}

/// Halle's case budget / monthly flat fee exceeded by the planned cost.
pub fn budget_exceeded(status: &BudgetStatus) -> Option<Finding> {
    if !status.exceeded {
        return None;
    }
    Some(Finding::new(
        RuleId::Fallbudget,
        Severity::Warnung,
        format!(
            "Die geplanten Kosten ({}) übersteigen das Fallbudget ({}) um {}.",
            format_eur_de(status.planned_cents),
            format_eur_de(status.limit_cents),
            format_eur_de(status.remaining_cents.saturating_neg())
        ),
        LB_BUDGET,
        None,
    ))
}

/// A typed error of one instance, with its German message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceProblem {
    pub instance_id: String,
    /// English, for logs.
    pub error: String,
    pub message_de: String,
}

/// Everything the app shows about a Hilfesetting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// Instances that cannot be evaluated, with their typed errors.
    pub errors: Vec<(String, SettingError)>,
    /// Costs, when every instance is valid.
    pub costs: Option<CostSummary>,
    pub budget: Option<BudgetStatus>,
}

impl Evaluation {
    pub fn problems(&self) -> Vec<InstanceProblem> {
        self.errors
            .iter()
            .map(|(id, e)| InstanceProblem {
                instance_id: id.clone(),
                error: e.to_string(),
                message_de: e.message_de(),
            })
            .collect()
    }
}

/// Runs every rule over a Hilfesetting. Findings are sorted by severity (Fehler first).
pub fn evaluate(
    hs: &Hilfesetting,
    catalog: &Catalog,
    conv: &Conventions,
    case_start: Date,
    today: Date,
    cfg: &RuleConfig,
) -> Evaluation {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for inst in &hs.instances {
        match validate_instance(inst, catalog) {
            Ok(module) => {
                findings.extend(fachkraft_required(inst, module));
                findings.extend(staff_notes(inst));
                findings.extend(parental_contribution(inst, module));
                if module.kind == ModuleKind::Clearing {
                    findings.extend(clearing_duration(
                        inst.start,
                        inst.end,
                        None,
                        today,
                        cfg,
                        Some(&inst.id),
                    ));
                }
            }
            Err(e) => errors.push((inst.id.clone(), e)),
        }
    }
    findings.extend(einzelvereinbarung_required(hs, catalog));
    findings.extend(overlapping_instances(hs, catalog));
    findings.extend(hilfeplan_review(&hs.review, case_start, today, cfg));
    let (costs, budget) = if errors.is_empty() {
        match costs(hs, catalog, conv) {
            Ok(c) => {
                let b = budget_status(hs, &c, conv).unwrap_or_else(|e| {
                    errors.push((String::new(), e));
                    None
                });
                (Some(c), b)
            }
            Err(e) => {
                errors.push((String::new(), e));
                (None, None)
            }
        }
    } else {
        (None, None)
    };
    if let Some(b) = &budget {
        findings.extend(budget_exceeded(b));
    }
    findings.sort_by_key(|f| f.severity);
    Evaluation { findings, errors, costs, budget }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{BillingForm, Setting};
    use crate::setting::tests::{case_id, inst, rate};
    use crate::setting::{ApprovalPeriod, CaseBudget, Einzelvereinbarung, Intensity, StaffAssignment};
    use time::macros::date;

    fn cat() -> Catalog {
        Catalog::builtin().unwrap()
    }
    fn staff(q: Qualification, anerkennung: bool) -> StaffAssignment {
        StaffAssignment { name: "X".into(), qualification: q, staatliche_anerkennung: anerkennung }
    }
    fn spfh(id: &str) -> ModuleInstance {
        inst(
            id,
            "spfh",
            BillingForm::Fachleistungsstunde,
            Intensity::HoursPerWeek { minutes: 240 },
            rate(6_980),
        )
    }

    #[test]
    fn einzelvereinbarung_needed_for_flexible_help_or_combinations() {
        let c = cat();
        let mut hs = Hilfesetting::new(case_id());
        hs.instances.push(spfh("a"));
        assert_eq!(einzelvereinbarung_required(&hs, &c), None, "a single standard module needs none");
        hs.instances.push(inst("s", "schule", BillingForm::KeineFallkosten, Intensity::NoCost, None));
        assert_eq!(einzelvereinbarung_required(&hs, &c), None, "other systems do not make it integrated");
        hs.instances.push(inst(
            "t",
            "tagesgruppe",
            BillingForm::Tagesentgelt,
            Intensity::DaysPerWeek { days: 5 },
            rate(9_000),
        ));
        let f = einzelvereinbarung_required(&hs, &c).unwrap();
        assert_eq!(
            (f.rule, f.severity, f.legal_basis.as_str()),
            (RuleId::Einzelvereinbarung, Severity::Warnung, "§ 78b SGB VIII")
        );
        assert!(f.message_de.contains("integrierten flexiblen Hilfe"));
        let mut single_flex = Hilfesetting::new(case_id());
        single_flex.instances.push(inst(
            "f",
            "flexible_hilfe",
            BillingForm::Fachleistungsstunde,
            Intensity::HoursPerWeek { minutes: 60 },
            rate(6_980),
        ));
        assert!(einzelvereinbarung_required(&single_flex, &c)
            .unwrap()
            .message_de
            .contains("setzt sie voraus"));
        hs.einzelvereinbarung =
            Some(Einzelvereinbarung { concluded_on: date!(2026 - 01 - 01), reference: String::new() });
        assert_eq!(einzelvereinbarung_required(&hs, &c), None);
    }

    #[test]
    fn at_least_one_fachkraft_with_staatlicher_anerkennung() {
        let c = cat();
        let m = c.get_str("spfh").unwrap();
        let mut i = spfh("a");
        assert_eq!(fachkraft_required(&i, m), None);
        i.staff = vec![staff(Qualification::SozialeArbeit, false)];
        assert_eq!(fachkraft_required(&i, m).unwrap().rule, RuleId::FachkraftMitAnerkennung);
        i.staff = vec![staff(Qualification::Erzieher, true)];
        assert_eq!(fachkraft_required(&i, m), None);
        i.staff = vec![staff(Qualification::Kindheitspaedagogik, true)];
        assert!(fachkraft_required(&i, m).is_some());
        i.staff.clear();
        let f = fachkraft_required(&i, m).unwrap();
        assert!(f.message_de.contains("noch keine Fachkraft"));
        assert_eq!(f.instance_id.as_deref(), Some("a"));
        let school = inst("s", "schule", BillingForm::KeineFallkosten, Intensity::NoCost, None);
        assert_eq!(fachkraft_required(&school, c.get_str("schule").unwrap()), None);
    }

    #[test]
    fn a_psychologe_is_no_fachkraft_but_may_be_involved() {
        let c = cat();
        let m = c.get_str("spfh").unwrap();
        let mut i = spfh("a");
        i.staff = vec![staff(Qualification::Psychologie, true)];
        let f = fachkraft_required(&i, m).expect("only a Psychologe: no Fachkraft");
        assert_eq!(f.severity, Severity::Warnung);
        let notes = staff_notes(&i);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].rule, RuleId::PsychologeKeineFachkraft);
        assert_eq!(notes[0].severity, Severity::Hinweis);
        assert!(notes[0].message_de.contains("kann aber im Einzelfall übergreifend einbezogen werden"));
        i.staff.push(staff(Qualification::SozialeArbeit, true));
        assert_eq!(fachkraft_required(&i, m), None);
        assert_eq!(staff_notes(&i).len(), 1);
        i.staff = vec![staff(Qualification::Diplompaedagogik, false)];
        assert_eq!(staff_notes(&i)[0].rule, RuleId::WeitereQualifikation);
    }

    #[test]
    fn clearing_warns_after_six_weeks_and_stops_at_twelve() {
        let cfg = RuleConfig::default();
        let s = date!(2026 - 01 - 05);
        let d = |n: i64| s + time::Duration::days(n);
        assert_eq!(clearing_duration(s, Some(d(42)), None, d(42), &cfg, None), None);
        let w = clearing_duration(s, Some(d(84)), None, d(43), &cfg, None).unwrap();
        assert_eq!((w.severity, w.rule), (Severity::Warnung, RuleId::ClearingDauer));
        assert!(w.message_de.contains("30.03.2026"), "{}", w.message_de);
        let e = clearing_duration(s, Some(d(85)), None, d(1), &cfg, None).unwrap();
        assert_eq!(e.severity, Severity::Fehler);
        let e = clearing_duration(s, None, None, d(85), &cfg, None).unwrap();
        assert_eq!(e.severity, Severity::Fehler);
        assert_eq!(
            clearing_duration(s, None, Some(d(50)), d(200), &cfg, None),
            None,
            "finished within 12 weeks"
        );
        assert_eq!(
            clearing_duration(s, None, Some(d(90)), d(200), &cfg, None).unwrap().severity,
            Severity::Fehler
        );
        let strict = RuleConfig { clearing_warn_after_days: 28, ..cfg };
        assert!(clearing_duration(s, None, None, d(30), &strict, None).is_some());
    }

    #[test]
    fn hilfeplan_review_due_after_configurable_interval() {
        let cfg = RuleConfig::default();
        let start = date!(2026 - 01 - 15);
        let mut sch = ReviewSchedule::default();
        assert_eq!(sch.interval_months, 6);
        assert_eq!(hilfeplan_review(&sch, start, date!(2026 - 06 - 30), &cfg), None);
        let soon = hilfeplan_review(&sch, start, date!(2026 - 07 - 05), &cfg).unwrap();
        assert_eq!(soon.severity, Severity::Hinweis);
        let due = hilfeplan_review(&sch, start, date!(2026 - 07 - 15), &cfg).unwrap();
        assert_eq!(
            (due.severity, due.legal_basis.as_str()),
            (Severity::Warnung, "§ 36 Abs. 2 Satz 2 SGB VIII")
        );
        assert!(due.message_de.contains("15.07.2026") && due.message_de.contains("Praxis, nicht Gesetz"));
        sch.last_review = Some(date!(2026 - 07 - 10));
        sch.interval_months = 3;
        assert_eq!(hilfeplan_review(&sch, start, date!(2026 - 07 - 15), &cfg), None);
        assert!(hilfeplan_review(&sch, start, date!(2026 - 10 - 10), &cfg).is_some());
    }

    #[test]
    fn overlapping_instances_of_the_same_module() {
        let c = cat();
        let mut hs = Hilfesetting::new(case_id());
        let mut a = spfh("a");
        a.end = Some(date!(2026 - 03 - 31));
        let mut b = spfh("b");
        b.start = date!(2026 - 04 - 01);
        hs.instances = vec![a.clone(), b.clone()];
        assert!(overlapping_instances(&hs, &c).is_empty());
        b.start = date!(2026 - 03 - 31);
        hs.instances = vec![a, b];
        let f = overlapping_instances(&hs, &c);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].instance_id.as_deref(), Some("b"));
        hs.instances[1].module_id = crate::catalog::ModuleId::parse("erziehungsbeistand").unwrap();
        assert!(overlapping_instances(&hs, &c).is_empty(), "different modules may overlap");
    }

    #[test]
    fn residential_settings_note_the_parental_contribution() {
        let c = cat();
        let heim = inst("h", "heimerziehung", BillingForm::Tagesentgelt, Intensity::EveryDay, rate(19_500));
        let f = parental_contribution(&heim, c.get_str("heimerziehung").unwrap()).unwrap();
        assert_eq!((f.severity, f.legal_basis.as_str()), (Severity::Hinweis, "§§ 91 ff. SGB VIII"));
        assert_eq!(parental_contribution(&spfh("a"), c.get_str("spfh").unwrap()), None);
        let mut ise = inst(
            "i",
            "ise",
            BillingForm::Fachleistungsstunde,
            Intensity::HoursPerWeek { minutes: 600 },
            rate(9_340),
        );
        assert_eq!(
            parental_contribution(&ise, c.get_str("ise").unwrap()),
            None,
            "ISE ambulant: no contribution"
        );
        ise.setting = Setting::Stationaer;
        assert!(parental_contribution(&ise, c.get_str("ise").unwrap()).is_some());
    }

    #[test]
    fn budget_warning_and_full_evaluation() {
        let c = cat();
        let conv = Conventions::default();
        let cfg = RuleConfig::default();
        let mut hs = Hilfesetting::new(case_id());
        hs.approval = Some(ApprovalPeriod::new(date!(2026 - 01 - 01), date!(2026 - 06 - 30)).unwrap());
        hs.case_budget = Some(CaseBudget::Fallbudget { total_cents: 500_000 });
        hs.instances.push(spfh("a"));
        let mut heim =
            inst("h", "heimerziehung", BillingForm::Tagesentgelt, Intensity::EveryDay, rate(19_500));
        heim.staff[0].qualification = Qualification::Psychologie;
        hs.instances.push(heim);
        let ev = evaluate(&hs, &c, &conv, date!(2026 - 01 - 01), date!(2026 - 02 - 01), &cfg);
        assert!(ev.errors.is_empty());
        let rules: Vec<RuleId> = ev.findings.iter().map(|f| f.rule).collect();
        for r in [
            RuleId::Einzelvereinbarung,
            RuleId::FachkraftMitAnerkennung,
            RuleId::PsychologeKeineFachkraft,
            RuleId::Kostenbeitrag,
            RuleId::Fallbudget,
        ] {
            assert!(rules.contains(&r), "{r:?} missing in {rules:?}");
        }
        assert!(ev.findings.windows(2).all(|w| w[0].severity <= w[1].severity));
        let b = ev.budget.unwrap();
        assert!(b.exceeded && b.remaining_cents < 0);
        assert!(budget_exceeded(&b).unwrap().message_de.contains("übersteigen das Fallbudget"));

        // Typed errors per instance: the valid ones are still checked.
        let mut broken = spfh("x");
        broken.intensity = Intensity::HoursPerWeek { minutes: 0 };
        hs.instances.push(broken);
        let mut no_rate = spfh("y");
        no_rate.rate = None;
        no_rate.module_id = crate::catalog::ModuleId::parse("begleiteter_umgang").unwrap();
        hs.instances.push(no_rate);
        let mut unknown = spfh("z");
        unknown.module_id = crate::catalog::ModuleId::parse("gibtsnicht").unwrap();
        hs.instances.push(unknown);
        let ev = evaluate(&hs, &c, &conv, date!(2026 - 01 - 01), date!(2026 - 02 - 01), &cfg);
        assert_eq!(
            ev.errors,
            [
                ("x".to_owned(), SettingError::NonPositiveIntensity("x".into())),
                ("y".to_owned(), SettingError::MissingRate("y".into())),
                ("z".to_owned(), SettingError::UnknownModule("gibtsnicht".into())),
            ]
        );
        assert!(ev.costs.is_none());
        assert!(ev.findings.iter().any(|f| f.rule == RuleId::Kostenbeitrag));
        assert_eq!(ev.problems()[1].message_de, SettingError::MissingRate("y".into()).message_de());
    }
}
