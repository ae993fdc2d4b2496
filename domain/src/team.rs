//! The team view of the Teamleitung (seed 001: the Sozialraumteam's caseload): caseload per
//! Fachkraft, due reviews and clearing deadlines, Fachleistungsstunden planned against delivered per
//! case and module, families per reference week by form of help, cost against case budget; each
//! table also as CSV. Pure functions over the team's records as a device holds them.

use time::{Date, Duration, Month};

use crate::case::{format_date_de, Case, CaseStatus, HelpForm};
use crate::money::{format_eur_de, Cents, Conventions};
use crate::rules::RuleConfig;
use crate::setting::{add_months, Hilfesetting, Intensity};
use crate::visit::Visit;

/// One case with what the team view needs of it.
pub struct CaseData<'a> {
    pub case: &'a Case,
    pub setting: &'a Hilfesetting,
    pub visits: &'a [Visit],
}

/// A table: German headers and rows of cells, shown as is and exported as CSV.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table { headers: headers.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() }
    }

    /// CSV as German spreadsheets read it: `;` between cells, every cell quoted, CRLF, UTF-8 with
    /// a byte order mark. Cells starting with `= + - @` get a leading `'` (no formula injection).
    pub fn to_csv(&self) -> String {
        let cell = |c: &str| {
            // A negative amount stays a number; anything else a spreadsheet would run is text.
            let negative_number =
                c.strip_prefix('-').is_some_and(|r| r.starts_with(|x: char| x.is_ascii_digit()));
            let risky =
                c.starts_with(['=', '+', '@', '\t', '\r']) || (c.starts_with('-') && !negative_number);
            let c = if risky { format!("'{c}") } else { c.to_owned() };
            format!("\"{}\"", c.replace('"', "\"\""))
        };
        let mut out = String::from("\u{feff}");
        for row in std::iter::once(&self.headers).chain(self.rows.iter()) {
            out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(";"));
            out.push_str("\r\n");
        }
        out
    }
}

fn open(c: &Case) -> bool {
    c.status != CaseStatus::Beendet
}

/// The day a case's Hilfeplan review is due (the setting's interval after the last review or start).
pub fn next_review(d: &CaseData<'_>) -> Option<Date> {
    let r = &d.setting.review;
    add_months(r.last_review.unwrap_or(d.case.start_date), u32::from(r.interval_months))
}

/// The latest day a Clearing may end (12 weeks after the start), for cases in Clearing.
pub fn clearing_deadline(c: &Case, cfg: &RuleConfig) -> Option<Date> {
    (c.status == CaseStatus::Clearing)
        .then(|| c.start_date.checked_add(Duration::days(cfg.clearing_max_days)))
        .flatten()
}

/// Caseload per Fachkraft: open cases, in Clearing, reviews due within the notice days, clearing
/// deadlines within the same days. Cases without a Fachkraft count under "ohne Zuordnung".
pub fn caseload(cases: &[CaseData<'_>], today: Date, cfg: &RuleConfig) -> Table {
    let mut t = Table::new(&[
        "Fachkraft",
        "offene Fälle",
        "davon Clearing",
        "Überprüfung fällig",
        "Clearing-Frist fällig",
    ]);
    let soon = today.checked_add(Duration::days(cfg.review_notice_days)).unwrap_or(Date::MAX);
    let mut by: std::collections::BTreeMap<String, [u32; 4]> = Default::default();
    for d in cases.iter().filter(|d| open(d.case)) {
        let who = d.case.assigned_to.clone().unwrap_or_else(|| "ohne Zuordnung".into());
        let e = by.entry(who).or_default();
        e[0] += 1;
        e[1] += u32::from(d.case.status == CaseStatus::Clearing);
        e[2] += u32::from(next_review(d).is_some_and(|r| r <= soon));
        e[3] += u32::from(clearing_deadline(d.case, cfg).is_some_and(|c| c <= soon));
    }
    for (who, n) in by {
        t.rows.push(std::iter::once(who).chain(n.iter().map(u32::to_string)).collect());
    }
    t
}

/// Open cases whose review or clearing deadline falls within the notice days (or is past).
pub fn deadlines(cases: &[CaseData<'_>], today: Date, cfg: &RuleConfig) -> Table {
    let mut t = Table::new(&["Fall", "Fachkraft", "Frist", "Datum", "Stand"]);
    let soon = today.checked_add(Duration::days(cfg.review_notice_days)).unwrap_or(Date::MAX);
    let mut rows: Vec<(Date, Vec<String>)> = Vec::new();
    for d in cases.iter().filter(|d| open(d.case)) {
        let who = d.case.assigned_to.clone().unwrap_or_default();
        let mut push = |what: &str, day: Date| {
            let state = if day < today { "überschritten" } else { "fällig" };
            rows.push((
                day,
                vec![
                    d.case.label.as_str().to_owned(),
                    who.clone(),
                    what.to_owned(),
                    format_date_de(day),
                    state.into(),
                ],
            ));
        };
        if let Some(r) = next_review(d).filter(|r| *r <= soon) {
            push("Hilfeplan-Überprüfung", r);
        }
        if let Some(c) = clearing_deadline(d.case, cfg).filter(|c| *c <= soon) {
            push("Clearing-Frist", c);
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    t.rows = rows.into_iter().map(|(_, r)| r).collect();
    t
}

/// First and last day of a calendar month.
pub fn month_bounds(year: i32, month: Month) -> Option<(Date, Date)> {
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let last = Date::from_calendar_date(year, month, month.length(year)).ok()?;
    Some((first, last))
}

/// Minutes of Fachleistungsstunden planned in one month for an intensity (None: not hours).
pub fn planned_minutes_per_month(i: &Intensity, conv: &Conventions) -> Option<i64> {
    match *i {
        Intensity::HoursPerWeek { minutes } => {
            let num = i128::from(minutes) * i128::from(conv.weeks_per_year);
            let den = i128::from(conv.months_per_year);
            i64::try_from((num + den / 2) / den).ok()
        }
        Intensity::HoursPerMonth { minutes } => Some(minutes),
        _ => None,
    }
}

/// Minutes as hours with two decimals, rounded as the Hausbesuch screen shows them.
pub fn hours_de(minutes: i64) -> String {
    let hundredths = (minutes * 100 + 30) / 60;
    format!("{},{:02}", hundredths / 100, hundredths % 100)
}

/// Fachleistungsstunden planned against delivered in a month, per case and module of the setting
/// billed in hours; delivered is the direct time of the home visits booked against the module.
pub fn fls(
    cases: &[CaseData<'_>],
    catalog: Option<&crate::catalog::Catalog>,
    year: i32,
    month: Month,
) -> Table {
    let mut t = Table::new(&["Fall", "Modul", "geplant (Std.)", "erbracht (Std.)", "erbracht in %"]);
    let Some((first, last)) = month_bounds(year, month) else { return t };
    let conv = Conventions::default();
    for d in cases {
        for i in &d.setting.instances {
            let active = i.start <= last && i.end.is_none_or(|e| e >= first);
            let Some(planned) = planned_minutes_per_month(&i.intensity, &conv).filter(|_| active) else {
                continue;
            };
            let delivered: i64 = d
                .visits
                .iter()
                .filter(|v| v.module_instance_id.as_deref() == Some(i.id.as_str()))
                .filter(|v| crate::case::parse_iso_date(&v.date).is_ok_and(|day| day >= first && day <= last))
                .map(|v| v.direct_seconds / 60)
                .sum();
            let name = catalog
                .and_then(|c| c.get(&i.module_id))
                .map_or(i.module_id.to_string(), |m| m.name_de.clone());
            let pct = if planned > 0 { format!("{}", delivered * 100 / planned) } else { "–".into() };
            t.rows.push(vec![
                d.case.label.as_str().to_owned(),
                name,
                hours_de(planned),
                hours_de(delivered),
                pct,
            ]);
        }
    }
    t
}

/// Families per form of help with at least one home visit in the reference week (Monday to
/// Sunday of `day`'s week), and open cases per form that week.
pub fn reference_week(cases: &[CaseData<'_>], day: Date) -> (Date, Table) {
    let monday =
        day.checked_sub(Duration::days(i64::from(day.weekday().number_days_from_monday()))).unwrap_or(day);
    // The last representable week ends early rather than overflowing.
    let sunday = monday.checked_add(Duration::days(6)).unwrap_or(Date::MAX);
    let mut t = Table::new(&["Hilfeform", "Familien mit Kontakt in der Woche", "offene Fälle"]);
    for form in HelpForm::ALL {
        let of_form: Vec<&CaseData<'_>> = cases
            .iter()
            .filter(|d| d.case.help_form == form && d.case.start_date <= sunday)
            .filter(|d| d.case.ended_on.is_none_or(|e| e >= monday))
            .collect();
        let contact = of_form
            .iter()
            .filter(|d| {
                d.visits
                    .iter()
                    .any(|v| crate::case::parse_iso_date(&v.date).is_ok_and(|x| x >= monday && x <= sunday))
            })
            .count();
        let open_cases = of_form.iter().filter(|d| open(d.case)).count();
        t.rows.push(vec![form.label_de().to_owned(), contact.to_string(), open_cases.to_string()]);
    }
    (monday, t)
}

/// Cost per month and against the case budget, per open case with a setting.
pub fn costs(cases: &[CaseData<'_>], catalog: &crate::catalog::Catalog) -> Table {
    let mut t =
        Table::new(&["Fall", "Kosten je Monat", "im Bewilligungszeitraum", "Fallbudget", "verbleibend"]);
    let conv = Conventions::default();
    let eur = |c: Cents| format_eur_de(c);
    for d in cases.iter().filter(|d| open(d.case) && !d.setting.instances.is_empty()) {
        let Ok(summary) = crate::setting::costs(d.setting, catalog, &conv) else {
            t.rows.push(vec![
                d.case.label.as_str().to_owned(),
                "unvollständig".into(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        };
        let budget = crate::setting::budget_status(d.setting, &summary, &conv).ok().flatten();
        let period =
            if d.setting.approval.is_some() { eur(summary.period_total_cents) } else { "–".into() };
        t.rows.push(vec![
            d.case.label.as_str().to_owned(),
            eur(summary.per_month_total_cents),
            period,
            budget.as_ref().map_or("–".into(), |b| eur(b.limit_cents)),
            budget.as_ref().map_or("–".into(), |b| eur(b.remaining_cents)),
        ]);
    }
    t
}

#[cfg(test)]
mod tests;
