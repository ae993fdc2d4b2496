use time::macros::date;

use super::*;
use crate::case::{CaseId, CaseLabel};
use crate::goals::GoalPlan;
use crate::setting::Hilfesetting;

fn case() -> Case {
    let mut c = Case::new(
        CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap(),
        CaseLabel::parse("JA-2026-0142").unwrap(),
        date!(2026 - 02 - 02),
    );
    c.custody = vec!["Mutter allein".into()];
    c.assigned_to = Some("Anna Albers".into());
    c
}

fn goals(c: &Case) -> GoalPlan {
    let mut m = GoalPlan::new_record(&c.id);
    m.insert("w.w1".into(), serde_json::json!({"type": "leistungstyp", "ziel_id": "wirkungsziel.1"}));
    m.insert(
        "h.h1".into(),
        serde_json::json!({"wirkungsziel_id": "w1", "text": "Paul geht zur Schule", "area": "schule"}),
    );
    m.insert("s.s1".into(), serde_json::json!({"handlungsziel_id": "h1", "text": "Wecker stellen", "owner": "Mutter", "due": "2026-12-01"}));
    m.insert("r.r1".into(), serde_json::json!({"handlungsziel_id": "h1", "on": "2026-11-20", "perspective": "eltern", "score": 1}));
    GoalPlan::from_record(serde_json::Value::Object(m)).unwrap()
}

fn input<'a>(c: &'a Case, hs: &'a Hilfesetting, g: &'a GoalPlan) -> DraftInput<'a> {
    DraftInput {
        case: c,
        setting: hs,
        catalog: None,
        goals: g,
        clearing: None,
        visit_participants: vec!["Mutter".into(), "Kind / Jugendliche:r".into(), "Mutter".into()],
        today: date!(2026 - 11 - 24),
    }
}

#[test]
fn the_first_plan_is_drafted_from_the_case_data() {
    let c = case();
    let mut hs = Hilfesetting::new(c.id.clone());
    hs.approval =
        Some(crate::setting::ApprovalPeriod { start: date!(2026 - 12 - 01), end: date!(2027 - 05 - 31) });
    let g = goals(&c);
    let plan = draft(&input(&c, &hs, &g), None);
    assert_eq!(plan.number, 1);
    assert!(plan.text(Section::Beteiligte).contains("- Sorgerecht: Mutter allein"));
    assert!(plan.text(Section::Beteiligte).contains("- Fallführende Fachkraft: Anna Albers"));
    assert_eq!(plan.text(Section::Beteiligte).matches("Mutter (beteiligt").count(), 1, "roles once");
    assert!(plan.text(Section::Ziele).contains(
        "Handlungsziel (Schule): Paul geht zur Schule (zuletzt eingeschätzt: Eltern +1 am 20.11.2026)"
    ));
    assert_eq!(plan.text(Section::WerMachtWas), "- Mutter: Wecker stellen bis 01.12.2026");
    assert_eq!(plan.text(Section::Bewilligung), "01.12.2026 bis 31.05.2027");
    assert_eq!(plan.next_review, Some(date!(2027 - 05 - 24)), "default interval of six months");
    let back = HilfeplanVersion::from_record(serde_json::Value::Object(plan.to_record())).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn a_fortschreibung_keeps_the_typed_sections_and_redrafts_the_data() {
    let c = case();
    let hs = Hilfesetting::new(c.id.clone());
    let g = goals(&c);
    let mut first = draft(&input(&c, &hs, &g), None);
    first.sections.iter_mut().for_each(|(s, t)| {
        if *s == Section::Bedarf {
            *t = "Unterstützung beim Schulbesuch".into();
        }
    });
    let g2 = GoalPlan::new(c.id.clone());
    let second = draft(&input(&c, &hs, &g2), Some(&first));
    assert_eq!(second.number, 2);
    assert_eq!(second.text(Section::Bedarf), "Unterstützung beim Schulbesuch");
    assert_eq!(second.text(Section::Ziele), "", "drawn from today's data");
    let changes = diff_lines(first.text(Section::Ziele), second.text(Section::Ziele));
    assert!(changes.iter().all(|l| matches!(l, LineChange::Removed(_))) && !changes.is_empty());
}

#[test]
fn line_diff_marks_added_and_removed_lines() {
    let d = diff_lines("a\nb\nc", "a\nc\nd");
    assert_eq!(
        d,
        [
            LineChange::Same("a".into()),
            LineChange::Removed("b".into()),
            LineChange::Same("c".into()),
            LineChange::Added("d".into())
        ]
    );
}

#[test]
fn records_are_checked() {
    let c = case();
    let hs = Hilfesetting::new(c.id.clone());
    let g = goals(&c);
    let mut rec = draft(&input(&c, &hs, &g), None).to_record();
    rec.insert("id".into(), "anders".into());
    assert!(HilfeplanVersion::from_record(serde_json::Value::Object(rec.clone())).is_err());
    rec.insert("id".into(), record_id(&c.id, 1).into());
    rec.insert("s.bedarf".into(), "x".repeat(SECTION_MAX_CHARS + 1).into());
    assert_eq!(HilfeplanVersion::from_record(serde_json::Value::Object(rec)), Err(HilfeplanError::TooLong));
}
