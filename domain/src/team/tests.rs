use time::macros::date;

use super::*;
use crate::case::{CaseId, CaseLabel};
use crate::catalog::{BillingForm, Catalog};
use crate::setting::ModuleInstance;

fn case(n: u8, label: &str, start: Date, who: &str) -> Case {
    let mut c = Case::new(
        CaseId::parse(&format!("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a{n:02x}")).unwrap(),
        CaseLabel::parse(label).unwrap(),
        start,
    );
    c.assigned_to = Some(who.into());
    c
}

fn visit(c: &Case, id: u8, day: &str, minutes: i64, inst: &str) -> Visit {
    let mut v =
        Visit::new(&format!("55555555-5555-4555-8555-5555555555{id:02x}"), c.id.clone(), day).unwrap();
    v.direct_seconds = minutes * 60;
    v.module_instance_id = Some(inst.into());
    v
}

#[test]
fn fachleistungsstunden_planned_against_delivered_per_case_and_module() {
    let catalog = Catalog::builtin().unwrap();
    let c = case(1, "AZ 1", date!(2026 - 09 - 01), "Anna");
    let mut hs = Hilfesetting::new(c.id.clone());
    let spfh = catalog.get_str("spfh").unwrap();
    let mut inst = ModuleInstance::from_catalog(
        "i1".into(),
        spfh,
        date!(2026 - 10 - 01),
        BillingForm::Fachleistungsstunde,
        Intensity::HoursPerWeek { minutes: 240 },
        None,
        date!(2026 - 10 - 01),
    )
    .unwrap();
    inst.provider = "Träger Nord".into();
    hs.instances.push(inst);
    let visits = [
        visit(&c, 1, "2026-11-03", 90, "i1"),
        visit(&c, 2, "2026-11-20", 120, "i1"),
        visit(&c, 3, "2026-10-30", 60, "i1"),
        visit(&c, 4, "2026-11-21", 45, "anderes"),
    ];
    let data = [CaseData { case: &c, setting: &hs, visits: &visits }];
    let t = fls(&data, Some(&catalog), 2026, Month::November);
    // 4 h a week × 52 / 12 = 17,33 h; delivered in November 1,5 + 2 h.
    assert_eq!(t.rows, [["AZ 1", "Sozialpädagogische Familienhilfe (SPFH)", "17,33", "3,50", "20"]]);
    assert!(fls(&data, Some(&catalog), 2026, Month::September).rows.is_empty(), "not yet running");
    let csv = t.to_csv();
    assert!(csv.starts_with("\u{feff}\"Fall\";\"Modul\";"));
    assert!(
        csv.contains("\"AZ 1\";\"Sozialpädagogische Familienhilfe (SPFH)\";\"17,33\";\"3,50\";\"20\"\r\n")
    );
}

#[test]
fn caseload_deadlines_and_the_reference_week() {
    let cfg = RuleConfig::default();
    let today = date!(2026 - 11 - 24);
    let mut a = case(1, "AZ 1", date!(2026 - 05 - 30), "Anna");
    let mut b = case(2, "AZ 2", date!(2026 - 09 - 01), "Anna");
    b.status = CaseStatus::Clearing;
    let mut c = case(3, "AZ 3", date!(2026 - 11 - 01), "Ben");
    c.help_form = HelpForm::Kurzberatung;
    let mut ended = case(4, "AZ 4", date!(2026 - 01 - 01), "Ben");
    ended.status = CaseStatus::Beendet;
    let hs: Vec<Hilfesetting> =
        [&a, &b, &c, &ended].iter().map(|x| Hilfesetting::new(x.id.clone())).collect();
    let va = [visit(&a, 1, "2026-11-18", 60, "x")];
    let vc = [visit(&c, 2, "2026-11-23", 30, "x"), visit(&c, 3, "2026-11-10", 30, "x")];
    a.status = CaseStatus::Laufend;
    let data = [
        CaseData { case: &a, setting: &hs[0], visits: &va },
        CaseData { case: &b, setting: &hs[1], visits: &[] },
        CaseData { case: &c, setting: &hs[2], visits: &vc },
        CaseData { case: &ended, setting: &hs[3], visits: &[] },
    ];
    let load = caseload(&data, today, &cfg);
    // a: review 30.11. (six months after 30.05.) is within 14 days; b: clearing deadline 24.11.
    assert_eq!(load.rows, [["Anna", "2", "1", "1", "1"], ["Ben", "1", "0", "0", "0"]]);
    let d = deadlines(&data, today, &cfg);
    assert_eq!(d.rows[0][..4], ["AZ 2", "Anna", "Clearing-Frist", "24.11.2026"]);
    assert_eq!(d.rows[1][..4], ["AZ 1", "Anna", "Hilfeplan-Überprüfung", "30.11.2026"]);
    let (monday, week) = reference_week(&data, date!(2026 - 11 - 19));
    assert_eq!(monday, date!(2026 - 11 - 16));
    assert_eq!(
        week.rows,
        [["Einzelfallhilfe", "1", "2"], ["Kurzberatung", "0", "1"], ["Gruppenangebot", "0", "0"]]
    );
}

#[test]
fn csv_cells_are_quoted_and_cannot_start_a_formula() {
    let t = Table {
        headers: vec!["a".into()],
        rows: vec![
            vec!["=HYPERLINK(\"x\")".into()],
            vec!["Sa;lz".into()],
            vec!["-1.200,00 €".into()],
            vec!["-cmd".into()],
        ],
    };
    assert_eq!(
        t.to_csv(),
        "\u{feff}\"a\"\r\n\"'=HYPERLINK(\"\"x\"\")\"\r\n\"Sa;lz\"\r\n\"-1.200,00 €\"\r\n\"'-cmd\"\r\n"
    );
    let (monday, _) = reference_week(&[], Date::MAX);
    assert!(monday <= Date::MAX, "the last days of the calendar do not overflow");
}
