use serde_json::json;
use time::macros::date;

use super::*;
use crate::sync::{apply_put, RecordKind};

const CASE: &str = "0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b";

fn case(n: u8) -> CaseId {
    CaseId::parse(&format!("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a{n:02x}")).unwrap()
}

fn uuid(n: u8) -> String {
    format!("7c1f2d3e-4a5b-4c6d-8e7f-90a1b2c3d4{n:02x}")
}

fn end_eval(
    n: u8,
    case_n: u8,
    provider: &str,
    quality: &[(Criterion, i8)],
    results: &[Achievement],
) -> Evaluation {
    let mut e = Evaluation::new(uuid(n), case(case_n), EvaluationKind::Abschluss, date!(2026 - 10 - 01));
    e.provider = provider.to_owned();
    for (c, s) in quality {
        e.quality.insert(*c, Score::new(*s).unwrap());
    }
    for (i, a) in results.iter().enumerate() {
        e.achievements.insert(format!("w{i}"), *a);
    }
    e
}

#[test]
fn an_end_evaluation_round_trips_through_its_record_and_proposes_the_follow_up() {
    let mut e =
        end_eval(1, 1, "Jugendhilfe Nord e.V.", &[(Criterion::Beteiligung, 2)], &[Achievement::Teilweise]);
    assert_eq!(e.follow_up_on, Some(date!(2027 - 04 - 01)), "six months after the end evaluation");
    e.end_reason = Some(EndReason::Planmaessig);
    e.verlauf = "Schulbesuch wieder regelmäßig.".into();
    let rec = e.to_record();
    assert_eq!(rec["a.w0"], "teilweise");
    assert_eq!(rec["q.beteiligung"], 2);
    let back = Evaluation::from_record(Value::Object(rec)).unwrap();
    assert_eq!(back, e);
}

#[test]
fn a_taken_back_result_is_null_and_reads_as_absent() {
    let e = end_eval(1, 1, "T", &[(Criterion::Beteiligung, 1)], &[Achievement::Erreicht]);
    let mut rec = e.to_record();
    rec.insert("q.beteiligung".into(), Value::Null);
    let back = Evaluation::from_record(Value::Object(rec)).unwrap();
    assert!(back.quality.is_empty());
    assert_eq!(back.achievements.len(), 1);
}

#[test]
fn bad_input_is_refused_with_a_german_message() {
    let mut e = Evaluation::new(uuid(1), case(1), EvaluationKind::Fachcontrolling, date!(2026 - 10 - 01));
    e.period_from = Some(date!(2026 - 10 - 02));
    let err = e.validate().unwrap_err();
    assert!(err.message_de().contains("Berichtszeitraum"));
    e.period_from = None;
    e.verlauf = "x".repeat(EVALUATION_TEXT_MAX_CHARS + 1);
    assert_eq!(e.validate(), Err(EvaluationError::TextTooLong));
    let mut rec = end_eval(2, 1, "T", &[], &[]).to_record();
    rec.insert("q.beteiligung".into(), json!(3));
    assert!(matches!(Evaluation::from_record(Value::Object(rec)), Err(EvaluationError::Malformed(_))));
    let mut rec = end_eval(2, 1, "T", &[], &[]).to_record();
    rec.insert("schema".into(), json!(99));
    let err = Evaluation::from_record(Value::Object(rec)).unwrap_err();
    assert!(err.message_de().contains("neueren Version"));
}

#[test]
fn evaluations_and_questionnaires_are_sync_records_whose_parts_merge() {
    let e = Evaluation::new(
        uuid(3),
        CaseId::parse(CASE).unwrap(),
        EvaluationKind::Abschluss,
        date!(2026 - 10 - 01),
    );
    let created = apply_put(RecordKind::Evaluation, &e.id, None, &e.to_record()).unwrap();
    // Two devices fill in different parts: both stay.
    let a = Map::from_iter([(achievement_field("w1"), json!("erreicht"))]);
    let b = Map::from_iter([(quality_field(Criterion::Sozialraum), json!(-1))]);
    let one = apply_put(RecordKind::Evaluation, &e.id, Some(&created), &a).unwrap();
    let both = apply_put(RecordKind::Evaluation, &e.id, Some(&one), &b).unwrap();
    let read = Evaluation::from_record(both).unwrap();
    assert_eq!(read.achievements["w1"], Achievement::Erreicht);
    assert_eq!(read.quality[&Criterion::Sozialraum].get(), -1);
    assert_eq!(RecordKind::Evaluation.case_of(&e.id, &created).as_deref(), Some(CASE));
    // A wrong score is refused as a whole.
    let bad = Map::from_iter([(quality_field(Criterion::Sozialraum), json!(-7))]);
    assert!(apply_put(RecordKind::Evaluation, &e.id, Some(&one), &bad).is_err());

    let q = Questionnaire::new(
        uuid(4),
        CaseId::parse(CASE).unwrap(),
        date!(2026 - 10 - 01),
        Respondent::Elternteil,
        "T".into(),
    );
    let created = apply_put(RecordKind::Questionnaire, &q.id, None, &q.to_record()).unwrap();
    let answer = Map::from_iter([(answer_field(Question::Geholfen), json!("stimmt_eher"))]);
    let answered = apply_put(RecordKind::Questionnaire, &q.id, Some(&created), &answer).unwrap();
    let read = Questionnaire::from_record(answered).unwrap();
    assert_eq!(read.answers[&Question::Geholfen], Answer::StimmtEher);
    let unknown = Map::from_iter([("f.lieblingsfarbe".to_owned(), json!("stimmt_eher"))]);
    assert!(apply_put(RecordKind::Questionnaire, &q.id, Some(&created), &unknown).is_err());
}

#[test]
fn every_question_has_a_plain_text_for_parents_and_for_young_people() {
    for q in Question::ALL {
        for r in [Respondent::Elternteil, Respondent::JungerMensch] {
            let t = q.text_de(r);
            assert!(t.ends_with('.') && t.split_whitespace().count() <= 14, "short and plain: {t}");
        }
        assert_eq!(Question::parse(q.key()), Some(q));
    }
    assert!(Question::ErnstGenommen.text_de(Respondent::JungerMensch).contains("mich"));
}

#[test]
fn the_follow_up_is_due_until_the_sustainability_check_is_recorded() {
    let end = end_eval(1, 1, "T", &[], &[]);
    assert_eq!(follow_up_due(std::slice::from_ref(&end)), Some(date!(2027 - 04 - 01)));
    assert!(keeps_for_follow_up(std::slice::from_ref(&end), date!(2027 - 04 - 30), 30));
    assert!(
        !keeps_for_follow_up(std::slice::from_ref(&end), date!(2027 - 05 - 01), 30),
        "30 days after it is due"
    );
    let check = Evaluation::new(uuid(2), case(1), EvaluationKind::Nachhaltigkeit, date!(2027 - 04 - 02));
    assert_eq!(follow_up_due(&[end.clone(), check]), None);
    assert!(!keeps_for_follow_up(&[], date!(2027 - 01 - 01), 30), "no end evaluation: nothing to wait for");
}

#[test]
fn the_provider_profile_names_the_cases_behind_every_figure_and_judges_only_enough_of_them() {
    use Achievement::*;
    let evals = vec![
        end_eval(
            1,
            1,
            "Jugendhilfe Nord e.V.",
            &[(Criterion::Beteiligung, 2), (Criterion::Berichtswesen, -1)],
            &[Erreicht, Teilweise],
        ),
        end_eval(
            2,
            2,
            " jugendhilfe  nord e.V.",
            &[(Criterion::Beteiligung, 1), (Criterion::Berichtswesen, 0)],
            &[Erreicht],
        ),
        end_eval(
            3,
            3,
            "Jugendhilfe Nord e.V.",
            &[(Criterion::Beteiligung, 1), (Criterion::Berichtswesen, -1)],
            &[NichtErreicht],
        ),
        end_eval(4, 4, "Familienhilfe Süd", &[(Criterion::Beteiligung, 2)], &[Erreicht]),
        // Without a provider: not counted anywhere.
        end_eval(5, 5, "  ", &[(Criterion::Beteiligung, -2)], &[NichtErreicht]),
    ];
    let mut check = Evaluation::new(uuid(6), case(1), EvaluationKind::Nachhaltigkeit, date!(2027 - 04 - 01));
    check.provider = "Jugendhilfe Nord e.V.".into();
    check.stability = Some(Stability::Stabil);
    let mut all = evals.clone();
    all.push(check);
    let mut qs = Vec::new();
    for (n, case_n, a) in
        [(7, 1, Answer::StimmtGenau), (8, 1, Answer::StimmtEherNicht), (9, 2, Answer::WeissNicht)]
    {
        let mut q = Questionnaire::new(
            uuid(n),
            case(case_n),
            date!(2026 - 09 - 01),
            Respondent::Elternteil,
            "Jugendhilfe Nord e.V.".into(),
        );
        q.answers.insert(Question::Geholfen, a);
        qs.push(q);
    }
    let t = provider_profile(&all, &qs);
    assert_eq!(t.headers, ["Träger", "Merkmal", "Wert", "Fälle", "Angaben", "Einordnung"]);
    let row = |provider: &str, figure: &str| {
        t.rows
            .iter()
            .find(|r| r[0] == provider && r[1] == figure)
            .cloned()
            .unwrap_or_else(|| panic!("{figure}: {t:?}"))
    };
    // Goals: 2 + 1 + 2 + 0 halves of 4 goals in 3 cases → 62.5 % → 63 %.
    assert_eq!(row("Jugendhilfe Nord e.V.", "Ziele erreicht (Fallbeendigung)")[2..], ["63 %", "3", "4", "–"]);
    // Participation: (2 + 1 + 1) / 3 = +1.3, a strength over 3 cases.
    assert_eq!(
        row("Jugendhilfe Nord e.V.", Criterion::Beteiligung.label_de())[2..],
        ["+1,3", "3", "3", "Stärke"]
    );
    // Reporting: (−1 + 0 − 1) / 3 = −0.7, a weakness.
    assert_eq!(
        row("Jugendhilfe Nord e.V.", Criterion::Berichtswesen.label_de())[2..],
        ["−0,7", "3", "3", "Schwäche"]
    );
    // One case only: shown, not judged.
    assert_eq!(
        row("Familienhilfe Süd", Criterion::Beteiligung.label_de())[2..],
        ["+2,0", "1", "1", "zu wenige Fälle (unter 3)"]
    );
    assert_eq!(row("Jugendhilfe Nord e.V.", "Nachhaltig stabil (Nachhaltigkeitsprüfung)")[2..3], ["100 %"]);
    // "Weiß nicht" is no answer: 1 of 2 answers agree, from one case.
    assert_eq!(row("Jugendhilfe Nord e.V.", Question::Geholfen.figure_de())[2..5], ["50 %", "1", "2"]);
    assert!(t.rows.iter().all(|r| !r[0].trim().is_empty()), "no row without a provider");
    assert_eq!(
        t.rows.iter().filter(|r| r[1] == "Ziele erreicht (Fallbeendigung)").count(),
        2,
        "providers merged by name"
    );
}
