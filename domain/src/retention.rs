//! Retention of case files (§ 9b SGB VIII, since 1 July 2025): files of Hilfe zur Erziehung,
//! Eingliederungshilfe, Heimerziehung and Vormundschaft are kept until 70 years after the young
//! person's 30th birthday. Inside that window nothing of a case is hard-deleted: a deleted case leaves
//! the teams' devices, but the server moves it into its archive. A device copy is not the archive.

use time::{Date, Month};

use crate::case::{format_date_de, parse_birth, parse_iso_date};

/// Years of keeping after the 30th birthday.
pub const YEARS_AFTER_30TH_BIRTHDAY: i32 = 70;

/// The last day a case file must be kept: the 100th birthday; with only the birth year known, the
/// last day of the year of the 100th birthday (never earlier than the law asks). `None` when no
/// valid birth is recorded: then there is no end yet.
pub fn keep_until(birth: Option<&str>) -> Option<Date> {
    let birth = parse_birth(birth?).ok()?;
    let years = 30 + YEARS_AFTER_30TH_BIRTHDAY;
    if birth.len() == 4 {
        let year: i32 = birth.parse().ok()?;
        return Date::from_calendar_date(year + years, Month::December, 31).ok();
    }
    let d = parse_iso_date(&birth).ok()?;
    // Born on 29 February: the 100th birthday falls on 1 March when that year has no 29th.
    d.replace_year(d.year() + years)
        .or_else(|_| Date::from_calendar_date(d.year() + years, Month::March, 1))
        .ok()
}

/// Whether a case file may be purged on `today` (its window has ended).
pub fn may_purge(birth: Option<&str>, today: Date) -> bool {
    keep_until(birth).is_some_and(|end| today > end)
}

/// Days a closed case stays on the devices when the server names no other number
/// (`PASSGENAU_CLOSED_CASE_DAYS`): long enough for the closing report, short enough that a lost
/// phone carries few closed files.
pub const DEFAULT_CLOSED_CASE_DAYS: u32 = 30;

/// Whether a closed case leaves the devices on `today`: `days` after the day it was ended. A case
/// ended without a recorded day (written before that day was kept) stays until it is ended again.
pub fn leaves_devices(case: &crate::case::Case, today: Date, days: u32) -> bool {
    case.status == crate::case::CaseStatus::Beendet
        && case
            .ended_on
            .and_then(|e| e.checked_add(time::Duration::days(i64::from(days))))
            .is_some_and(|leave| leave <= today)
}

/// The retention line on a case page.
pub fn keep_until_de(birth: Option<&str>) -> String {
    match keep_until(birth) {
        Some(d) => format!(
            "Aufbewahrung bis {} (§ 9b SGB VIII: 70 Jahre nach dem 30. Geburtstag).",
            format_date_de(d)
        ),
        None => "Aufbewahrung ohne Enddatum, solange kein Geburtsjahr erfasst ist (§ 9b SGB VIII: 70 Jahre \
                 nach dem 30. Geburtstag)."
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn closed_cases_leave_the_devices_after_the_configured_days() {
        use crate::case::{Case, CaseId, CaseLabel, CaseStatus};
        let mut c = Case::new(
            CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap(),
            CaseLabel::parse("AZ").unwrap(),
            date!(2026 - 01 - 05),
        );
        c.status = CaseStatus::Beendet;
        assert!(!leaves_devices(&c, date!(2030 - 01 - 01), 30), "no end day recorded: stays");
        c.ended_on = Some(date!(2026 - 11 - 01));
        assert!(!leaves_devices(&c, date!(2026 - 11 - 30), 30));
        assert!(leaves_devices(&c, date!(2026 - 12 - 01), 30));
        c.status = CaseStatus::Ruhend;
        assert!(!leaves_devices(&c, date!(2027 - 12 - 01), 30), "only closed cases leave");
    }

    #[test]
    fn seventy_years_after_the_thirtieth_birthday() {
        assert_eq!(keep_until(Some("2014-05-03")), Some(date!(2114 - 05 - 03)));
        assert_eq!(keep_until(Some("2014")), Some(date!(2114 - 12 - 31)), "year only: the end of that year");
        assert_eq!(keep_until(Some("2012-02-29")), Some(date!(2112 - 02 - 29)));
        assert_eq!(keep_until(Some("2013-02-28")), Some(date!(2113 - 02 - 28)));
        assert_eq!(keep_until(Some("2008-02-29")), Some(date!(2108 - 02 - 29)));
        assert_eq!(keep_until(Some("2000-02-29")), Some(date!(2100 - 03 - 01)), "2100 has no 29 February");
        assert_eq!(keep_until(None), None);
        assert_eq!(keep_until(Some("kein Datum")), None);
    }

    #[test]
    fn nothing_is_purged_inside_the_window_or_without_a_birth() {
        assert!(!may_purge(Some("2014"), date!(2114 - 12 - 31)));
        assert!(may_purge(Some("2014"), date!(2115 - 01 - 01)));
        assert!(!may_purge(None, date!(2200 - 01 - 01)));
        assert!(keep_until_de(Some("2014-05-03")).contains("03.05.2114"));
        assert!(keep_until_de(None).contains("ohne Enddatum"));
    }
}
