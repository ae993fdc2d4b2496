use serde_json::{json, Value};
use time::macros::date;

use super::*;
use crate::sync::{apply_put, RecordKind};

const ID: &str = "5a0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
const ID2: &str = "6b1d2e3f-4051-4b6c-9d7e-8f9a0b1c2d3e";
const BUDGET_ID: &str = "7c2e3f40-5162-4c7d-8e8f-9a0b1c2d3e4f";

fn counter() -> impl Fn() -> String {
    let n = std::cell::Cell::new(0);
    move || {
        n.set(n.get() + 1);
        format!("c{}", n.get())
    }
}

fn elterncafe() -> Offer {
    let mut o = Offer::new(
        ID.into(),
        "  Elterncafé Grundschule Am Hang ",
        OfferKind::Offen,
        Financing::Fachleistung,
        date!(2026 - 10 - 01),
        6,
        counter(),
    );
    o.cost = CostSheet {
        sachkosten_cents: 30_000,
        fls_minutes: 40 * 60,
        fls_rate_cents: 6_980,
        weitere_personen_cents: 12_000,
        eigenleistung_cents: 5_000,
        drittmittel_cents: 20_000,
    };
    o
}

#[test]
fn a_new_offer_has_the_seed_criteria_weighing_100_percent() {
    let o = elterncafe();
    assert_eq!(o.title, "Elterncafé Grundschule Am Hang");
    assert_eq!(o.criteria.len(), 4);
    assert_eq!(o.weight_sum(), 100);
    assert!(o.criteria.iter().any(|c| c.name == "Einzelfallhilfen vermieden oder verkürzt"));
    assert_eq!(o.validate(), Ok(()));
    assert_eq!(OfferKind::parse("gruppe"), Some(OfferKind::Gruppe));
    assert_eq!(Financing::parse("zuschuss"), Some(Financing::Zuschuss));
    assert!(Financing::Zuschuss.label_de().contains("§ 74"));
    assert!(Financing::Fachleistung.label_de().contains("§ 77"));
}

#[test]
fn the_cost_sheet_adds_up_and_shows_its_rows() {
    let c = elterncafe().cost;
    // 40 h × 69,80 € = 2.792,00 €
    assert_eq!(c.fls_cents(), Ok(279_200));
    assert_eq!(c.total_cents(), Ok(30_000 + 279_200 + 12_000));
    assert_eq!(c.from_budget_cents(), Ok(321_200 - 5_000 - 20_000));
    let lines = c.lines_de();
    assert!(
        lines.contains(&("Fachleistungsstunden: 40,00 Std. × 69,80\u{a0}€".into(), "2.792,00\u{a0}€".into()))
    );
    assert_eq!(lines.last().unwrap(), &("Aus dem Sozialraumbudget".into(), "2.962,00\u{a0}€".into()));
    // 90 minutes at 69,80 € round half up to the cent.
    assert_eq!(fls_cost(90, 6_980), Ok(10_470));
    assert_eq!(fls_cost(1, 6_980), Ok(116));
}

#[test]
fn the_plan_spreads_over_the_months_and_years_without_losing_a_cent() {
    let mut o = elterncafe();
    o.cost = CostSheet { sachkosten_cents: 100_001, ..CostSheet::default() };
    // October 2026 to March 2027: three months in each year; the 5 odd cents go to the first months.
    assert_eq!(o.months_in_year(2026), 3);
    assert_eq!(o.months_in_year(2027), 3);
    assert_eq!(o.months_in_year(2028), 0);
    assert_eq!(o.planned_in_year(2026), Ok(50_001));
    assert_eq!(o.planned_in_year(2027), Ok(50_000));
    assert_eq!(o.end_exclusive(), Some(date!(2027 - 04 - 01)));
    assert!(o.runs_on(date!(2027 - 03 - 31)));
    assert!(!o.runs_on(date!(2027 - 04 - 01)));
    assert!(!o.runs_on(date!(2026 - 09 - 30)));
    // Ended early on 15 November: not running after it, and only October and November are planned.
    o.ended_on = Some(date!(2026 - 11 - 15));
    assert!(o.runs_on(date!(2026 - 11 - 15)));
    assert!(!o.runs_on(date!(2026 - 11 - 16)));
    assert_eq!(o.months_in_year(2026), 2);
    assert_eq!(o.months_in_year(2027), 0);
    assert_eq!(o.planned_in_year(2026), Ok(16_667 * 2));
    assert_eq!(o.planned_in_year(2027), Ok(0));
    o.ended_on = None;
    // More own funds than cost: nothing is planned from the budget.
    o.cost.eigenleistung_cents = 200_000;
    assert_eq!(o.planned_in_year(2026), Ok(0));
}

#[test]
fn spending_counts_hours_at_the_offers_rate_plus_amounts_per_year() {
    let mut o = elterncafe();
    o.expenses = vec![
        Expense {
            id: "x1".into(),
            on: date!(2026 - 11 - 05),
            fls_minutes: 90,
            amount_cents: 0,
            rate_cents: None,
            note: String::new(),
        },
        Expense {
            id: "x2".into(),
            on: date!(2026 - 12 - 10),
            fls_minutes: 0,
            amount_cents: 4_550,
            rate_cents: None,
            note: "Material".into(),
        },
        Expense {
            id: "x3".into(),
            on: date!(2027 - 01 - 14),
            fls_minutes: 120,
            amount_cents: 0,
            rate_cents: None,
            note: String::new(),
        },
    ];
    assert_eq!(o.spent_cents(Some(2026)), Ok(10_470 + 4_550));
    assert_eq!(o.spent_cents(Some(2027)), Ok(13_960));
    assert_eq!(o.spent_cents(None), Ok(10_470 + 4_550 + 13_960));
    assert_eq!(o.delivered_minutes(), 210);
    // A later rate does not re-price hours recorded with their rate.
    o.expenses[0].rate_cents = Some(6_980);
    o.cost.fls_rate_cents = 7_500;
    assert_eq!(o.spent_cents(Some(2026)), Ok(10_470 + 4_550));
    assert_eq!(o.spent_cents(Some(2027)), Ok(15_000), "no rate recorded: the offer's");
}

#[test]
fn the_weighted_score_counts_only_judged_criteria_and_says_so() {
    let mut o = elterncafe();
    assert_eq!(o.weighted_score(), None);
    // by name: Bedarf vor Ort 30, Einzelfallhilfen 25, Fachliche Vernetzung 20, Lokale Ressourcen 25
    let scores = [Some(4), Some(2), None, Some(0)];
    for (c, s) in o.criteria.iter_mut().zip(scores) {
        c.score = s;
    }
    let w = o.weighted_score().unwrap();
    // (30·4 + 25·2 + 25·0) / ((30 + 25 + 25)·4) = 170/320 = 53,1 %
    assert_eq!(w, WeightedScore { percent: 53, judged: 3, of: 4 });
    assert_eq!(w.label_de(), "53 % (bisher 3 von 4 Kriterien bewertet)");
    // (30·4 + 25·2 + 20·4 + 25·0) / 400 = 62,5 %, rounded half up
    o.criteria[2].score = Some(4);
    assert_eq!(o.weighted_score().unwrap().label_de(), "63 % der gewichteten Kriterien erfüllt");
}

#[test]
fn findings_name_the_missing_annex_parts_in_german() {
    let mut o = elterncafe();
    let f = o.findings_de();
    assert!(f.iter().any(|l| l.contains("Bedarfsanalyse")), "{f:?}");
    assert!(f.iter().any(|l| l.contains("evaluiert")), "{f:?}");
    o.needs = "Viele Eltern der ersten Klassen ohne Kontakt zur Schule".into();
    o.evaluation = "Teilnehmendenzahl und Rückmeldebogen nach drei Monaten".into();
    assert_eq!(o.findings_de(), Vec::<String>::new());
    o.criteria[0].weight = 20;
    assert_eq!(o.findings_de(), vec!["Anlage 3: Die Gewichte ergeben 90 % statt 100 %.".to_owned()]);
    o.criteria[0].weight = 30;
    o.cost.fls_minutes = 0;
    assert!(o.findings_de()[0].contains("§ 77"));
    o.cost.fls_minutes = 60;
    o.cost.drittmittel_cents = 100_000;
    assert!(o.findings_de()[0].contains("übersteigen die Kosten um"));
    o.cost.drittmittel_cents = 0;
    o.expenses.push(Expense {
        id: "x".into(),
        on: date!(2026 - 11 - 01),
        fls_minutes: 0,
        amount_cents: 500_000,
        rate_cents: None,
        note: String::new(),
    });
    assert!(o.findings_de()[0].starts_with("Ausgegeben ist mehr als geplant"));
}

#[test]
fn bad_offers_are_refused_with_a_german_message() {
    let mut o = elterncafe();
    o.duration_months = 0;
    assert_eq!(o.validate(), Err(OfferError::Duration));
    o.duration_months = MAX_DURATION_MONTHS + 1;
    assert_eq!(o.validate(), Err(OfferError::Duration));
    let mut o = elterncafe();
    o.title = " ".into();
    assert_eq!(o.validate(), Err(OfferError::Title));
    let mut o = elterncafe();
    o.criteria[0].score = Some(MAX_SCORE + 1);
    assert_eq!(o.validate(), Err(OfferError::Criterion));
    o.criteria[0].score = None;
    o.criteria[0].weight = 0;
    assert_eq!(o.validate(), Err(OfferError::Criterion));
    let mut o = elterncafe();
    o.cost.sachkosten_cents = -1;
    assert_eq!(o.validate(), Err(OfferError::Amount));
    assert!(OfferError::Duration.message_de().contains("60 Monaten"));
    assert!(OfferError::Criterion.message_de().contains("Gewicht"));
}

#[test]
fn the_record_keeps_each_criterion_and_expense_in_its_own_field_and_merges() {
    let mut o = elterncafe();
    o.expenses.push(Expense {
        id: "x1".into(),
        on: date!(2026 - 10 - 08),
        fls_minutes: 120,
        amount_cents: 0,
        rate_cents: None,
        note: String::new(),
    });
    let rec = o.to_record();
    assert!(rec.contains_key("k.c1") && rec.contains_key("x.x1"));
    assert!(!rec.contains_key("criteria") && !rec.contains_key("expenses"));
    assert_eq!(rec["sachkosten_cents"], json!(30_000));
    let body = apply_put(RecordKind::SozialraumOffer, ID, None, &rec).unwrap();
    assert_eq!(RecordKind::SozialraumOffer.case_of(ID, &body), None);
    assert!(!RecordKind::SozialraumOffer.is_case_file());
    let back = Offer::from_record(body.clone()).unwrap();
    assert_eq!(back.expenses, o.expenses);
    assert_eq!(back.criteria.len(), 4);

    // Another device adds an expense and removes a criterion: both land.
    let mut change = Map::new();
    change.insert(
        "x.x2".into(),
        json!({"id": "x2", "on": "2026-10-15", "fls_minutes": 60, "amount_cents": 1250}),
    );
    change.insert("k.c3".into(), Value::Null);
    let merged = apply_put(RecordKind::SozialraumOffer, ID, Some(&body), &change).unwrap();
    let m = Offer::from_record(merged).unwrap();
    assert_eq!(m.expenses.len(), 2);
    assert_eq!(m.criteria.len(), 3);
    assert_eq!(m.weight_sum(), 80);

    // A field that names another part, a foreign id, a bad value: refused.
    let mut wrong = Map::new();
    wrong.insert("x.x9".into(), json!({"id": "x8", "on": "2026-10-15"}));
    assert!(apply_put(RecordKind::SozialraumOffer, ID, Some(&body), &wrong).is_err());
    assert!(matches!(
        apply_put(RecordKind::SozialraumOffer, ID2, None, &rec),
        Err(crate::sync::ApplyError::IdMismatch)
    ));
    let mut bad = Map::new();
    bad.insert("duration_months".into(), json!(0));
    let e = apply_put(RecordKind::SozialraumOffer, ID, Some(&body), &bad).unwrap_err();
    assert!(e.message_de().contains("Laufzeit"), "{}", e.message_de());
    let mut newer = rec.clone();
    newer.insert("schema".into(), json!(2));
    assert!(matches!(Offer::from_record(Value::Object(newer)), Err(OfferError::UnknownSchema(2))));
}

fn budget(id: &str, year: i32, euros: i64) -> Budget {
    Budget {
        schema: BUDGET_SCHEMA_VERSION,
        id: id.into(),
        year,
        amount_cents: euros * 100,
        note: String::new(),
    }
}

#[test]
fn a_budget_is_a_team_record_of_one_year() {
    let b = budget(BUDGET_ID, 2026, 50_000);
    let fields = match serde_json::to_value(&b).unwrap() {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    let body = apply_put(RecordKind::SozialraumBudget, BUDGET_ID, None, &fields).unwrap();
    assert_eq!(Budget::from_json(body.clone()).unwrap(), b);
    assert_eq!(RecordKind::SozialraumBudget.case_of(BUDGET_ID, &body), None);
    assert!(!RecordKind::SozialraumBudget.is_case_file());
    let mut bad = Map::new();
    bad.insert("year".into(), json!(1999));
    let e = apply_put(RecordKind::SozialraumBudget, BUDGET_ID, Some(&body), &bad).unwrap_err();
    assert!(e.message_de().contains("Jahr"));
}

#[test]
fn the_budget_view_sets_planned_against_spent_per_offer_and_in_total() {
    let mut cafe = elterncafe(); // from the budget 2.962,00 € over Oct 2026 – Mar 2027
    cafe.expenses.push(Expense {
        id: "x1".into(),
        on: date!(2026 - 11 - 05),
        fls_minutes: 180,
        amount_cents: 2_000,
        rate_cents: None,
        note: String::new(),
    });
    let mut gruppe = Offer::new(
        ID2.into(),
        "Gruppe Schulvermeidung",
        OfferKind::Gruppe,
        Financing::Zuschuss,
        date!(2026 - 01 - 01),
        12,
        counter(),
    );
    gruppe.cost.sachkosten_cents = 1_200_000;
    let mut later = gruppe.clone();
    later.id = BUDGET_ID.into();
    later.title = "Nächstes Jahr".into();
    later.start = date!(2027 - 01 - 01);
    let offers = [cafe.clone(), gruppe.clone(), later];

    let v = budget_overview(&offers, &[budget(BUDGET_ID, 2026, 10_000)], 2026).unwrap();
    assert_eq!(v.rows.len(), 2, "an offer neither running nor spending in the year is not listed");
    assert_eq!(v.rows[0].title, "Elterncafé Grundschule Am Hang");
    // 296.200 cents over 6 months: 49.366 each, +1 cent in the first four; Oct, Nov, Dec are in 2026.
    assert_eq!(v.rows[0].planned_cents, 49_367 * 3);
    assert_eq!(v.rows[0].spent_cents, 20_940 + 2_000);
    assert_eq!(v.rows[1].planned_cents, 1_200_000);
    assert_eq!(v.planned_cents, 148_101 + 1_200_000);
    assert_eq!(v.spent_cents, 22_940);
    assert_eq!(v.budget_cents(), Some(1_000_000));
    assert_eq!(
        v.findings,
        vec!["Die geplanten Angebote übersteigen das Sozialraumbudget 2026 um 3.481,01\u{a0}€.".to_owned()]
    );

    let t = v.table();
    assert_eq!(t.rows.len(), 3);
    assert_eq!(t.rows[2], ["Summe", "", "", "13.481,01\u{a0}€", "229,40\u{a0}€", "13.251,61\u{a0}€"]);
    assert!(t.to_csv().contains("\"Gruppe Schulvermeidung\";\"§ 74\";\"12\""));

    let none = budget_overview(&offers, &[], 2026).unwrap();
    assert_eq!(none.findings[0], "Für 2026 ist kein Sozialraumbudget erfasst.");
    let two =
        budget_overview(&offers, &[budget(BUDGET_ID, 2026, 20_000), budget(ID, 2026, 15_000)], 2026).unwrap();
    assert_eq!(two.budget_cents(), None);
    assert!(
        two.findings[0].contains("2 Beträge erfasst (15.000,00\u{a0}€, 20.000,00\u{a0}€)"),
        "{:?}",
        two.findings
    );

    let mut spendthrift = gruppe;
    spendthrift.expenses.push(Expense {
        id: "x".into(),
        on: date!(2026 - 06 - 01),
        fls_minutes: 0,
        amount_cents: 1_300_000,
        rate_cents: None,
        note: String::new(),
    });
    let over = budget_overview(&[spendthrift], &[budget(BUDGET_ID, 2026, 20_000)], 2026).unwrap();
    assert_eq!(
        over.findings,
        vec!["„Gruppe Schulvermeidung“: 2026 13.000,00\u{a0}€ ausgegeben, geplant waren 12.000,00\u{a0}€."
            .to_owned()]
    );
}

#[test]
fn a_group_offer_joins_the_hilfesetting_and_its_hilfeplan_without_case_cost() {
    use crate::case::CaseId;
    use crate::setting::Hilfesetting;
    let case = CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap();
    let mut hs = Hilfesetting::new(case.clone());
    hs.offers.push(OfferLink {
        offer_id: ID2.into(),
        title: "Gruppe Schulvermeidung".into(),
        financing: Financing::Zuschuss,
        since: date!(2026 - 11 - 02),
        theme: "Schulbesuch".into(),
    });
    let rec = hs.to_record();
    assert!(rec.contains_key(&link_field(ID2)));
    assert!(!rec.contains_key("offers"));
    let body = apply_put(RecordKind::Hilfesetting, &crate::setting::record_id(&case), None, &rec).unwrap();
    let back = Hilfesetting::from_record(body.clone()).unwrap();
    assert_eq!(back.offers, hs.offers);
    assert_eq!(
        back.offers[0].line_de(),
        "Gruppenangebot im Sozialraum: Gruppe Schulvermeidung (Sozialraumbudget, § 74), ab 02.11.2026; Thema: Schulbesuch"
    );
    // The Hilfeplan drafted from the setting names it under the chosen help and its extent.
    let c = crate::case::Case::new(
        case.clone(),
        crate::case::CaseLabel::parse("JA-2026-0142").unwrap(),
        date!(2026 - 01 - 05),
    );
    let goals = crate::goals::GoalPlan::from_record(Value::Object(crate::goals::GoalPlan::new_record(&case)))
        .unwrap();
    let d = crate::hilfeplan::DraftInput {
        case: &c,
        setting: &back,
        catalog: None,
        goals: &goals,
        clearing: None,
        visit_participants: Vec::new(),
        today: date!(2026 - 11 - 24),
    };
    use crate::hilfeplan::{draft_section, Section};
    assert!(draft_section(Section::GewaehlteHilfe, &d).contains(
        "- Gruppenangebot im Sozialraum: Gruppe Schulvermeidung (Kreiszuschuss nach § 74 SGB VIII)"
    ));
    assert!(draft_section(Section::Umfang, &d).contains("ab 02.11.2026; Thema: Schulbesuch"));
    // The case's cost does not change.
    let catalog = crate::catalog::Catalog::builtin().unwrap();
    let cost = crate::setting::costs(&back, &catalog, &crate::money::Conventions::default()).unwrap();
    assert_eq!(cost.per_month_total_cents, 0);
    // Unlinking is a null field.
    let mut unlink = Map::new();
    unlink.insert(link_field(ID2), Value::Null);
    let gone =
        apply_put(RecordKind::Hilfesetting, &crate::setting::record_id(&case), Some(&body), &unlink).unwrap();
    assert!(Hilfesetting::from_record(gone).unwrap().offers.is_empty());
    // A link that is not a UUID offer is refused.
    let mut bad = Map::new();
    bad.insert(
        "o.x".into(),
        json!({"offer_id": "x", "title": "t", "financing": "zuschuss", "since": "2026-11-02"}),
    );
    assert!(
        apply_put(RecordKind::Hilfesetting, &crate::setting::record_id(&case), Some(&body), &bad).is_err()
    );
}
