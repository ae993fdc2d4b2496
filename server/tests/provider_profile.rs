//! The provider profile (`GET /api/v1/providers/profile`) against the real server, on SQLite and
//! PostgreSQL: evaluations and questionnaires pushed through sync by Fachkräfte of two teams, read
//! as the Teamleitung; deleted and unreadable records are left out; no case id, record id or free
//! text leaves; every other role is refused. Which role may call the route at all is also a row of
//! `tests/authz.rs`.

mod common;

use passgenau_domain::case::CaseId;
use passgenau_domain::evaluation::{
    Achievement, Answer, Criterion, Evaluation, EvaluationKind, Question, Questionnaire, Respondent,
    Stability,
};
use passgenau_domain::goals::Score;
use serde_json::{json, Value};
use server::demo::TEAM_NORD;
use time::macros::date;

use common::TestApp;

const DEV_ANNA: &str = "a1111111-1111-4111-8111-111111111111";
const DEV_CLARA: &str = "c3333333-3333-4333-8333-333333333333";
const PROVIDER: &str = "Jugendhilfe Nord e.V.";
const PROFILE: &str = "/api/v1/providers/profile";
/// Free text in the evaluations: it must never be in the profile.
const SECRET: &str = "Familie Sonnenblume, vertraulich";

fn case(n: u8) -> CaseId {
    CaseId::parse(&format!("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a{n:02x}")).unwrap()
}

/// Record ids in the order the test wants them read (the first spelling of a provider is shown).
fn record_id(n: u8) -> String {
    format!("7c1f2d3e-4a5b-4c6d-8e7f-90a1b2c3d4{n:02x}")
}

fn end_evaluation(n: u8, case_n: u8, provider: &str, beteiligung: i8, results: &[Achievement]) -> Evaluation {
    let mut e = Evaluation::new(record_id(n), case(case_n), EvaluationKind::Abschluss, date!(2026 - 10 - 01));
    e.provider = provider.to_owned();
    e.strengths = SECRET.to_owned();
    e.quality.insert(Criterion::Beteiligung, Score::new(beteiligung).unwrap());
    for (i, a) in results.iter().enumerate() {
        e.achievements.insert(format!("w{i}"), *a);
    }
    e
}

fn questionnaire(n: u8, case_n: u8, provider: &str, geholfen: Answer) -> Questionnaire {
    let mut q = Questionnaire::new(
        record_id(n),
        case(case_n),
        date!(2026 - 09 - 01),
        Respondent::Elternteil,
        provider.into(),
    );
    q.besser = SECRET.to_owned();
    q.answers.insert(Question::Geholfen, geholfen);
    q
}

fn put(m: u64, kind: &str, id: &str, fields: serde_json::Map<String, Value>) -> Value {
    json!({"id": m, "kind": kind, "record_id": id, "op": {"type": "put", "fields": fields}})
}

fn put_evaluation(m: u64, e: &Evaluation) -> Value {
    put(m, "evaluation", &e.id, e.to_record())
}

fn put_questionnaire(m: u64, q: &Questionnaire) -> Value {
    put(m, "questionnaire", &q.id, q.to_record())
}

async fn push(app: &TestApp, c: &reqwest::Client, device: &str, mutations: Vec<Value>) {
    let res = c
        .post(app.url("/api/v1/sync/push"))
        .json(&json!({"protocol": 1, "client_id": device, "mutations": mutations}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["rejected"], json!([]), "{body}");
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let res = c.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The profile as the Teamleitung reads it, with the raw text checked for what must not leave.
async fn profile(app: &TestApp, tanja: &reqwest::Client, ids: &[String]) -> Value {
    let (status, text) = get(app, tanja, PROFILE).await;
    assert_eq!(status, 200, "{text}");
    for id in ids {
        assert!(!text.contains(id.as_str()), "no case or record id leaves: {id} in {text}");
    }
    assert!(!text.contains(SECRET), "no free text leaves: {text}");
    serde_json::from_str(&text).unwrap()
}

/// `[Wert, Fälle, Angaben, Einordnung]` of a provider's figure.
fn figure(p: &Value, provider: &str, name: &str) -> Vec<String> {
    let rows = p["table"]["rows"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r[0] == provider && r[1] == name)
        .unwrap_or_else(|| panic!("no row {provider} / {name}: {p}"));
    row.as_array().unwrap()[2..].iter().map(|c| c.as_str().unwrap().to_owned()).collect()
}

/// A record as a server of a newer version, or damage, could have left it: straight into the table.
async fn insert_raw(app: &TestApp, id: &str, seq: i64, body: &str) {
    let sql = "INSERT INTO records (id, team_id, kind, seq, deleted, body, updated_by, updated_at) \
               VALUES (?, ?, 'evaluation', ?, 0, ?, 'Neuere Version', '2026-11-24T08:00:00Z')";
    if app.database_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
        sqlx::query(sql).bind(id).bind(TEAM_NORD).bind(seq).bind(body).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        let sql = server::db::pg_sql(sql);
        sqlx::query(&sql).bind(id).bind(TEAM_NORD).bind(seq).bind(body).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

both!(
    the_teamleitung_reads_the_profile_of_all_teams_without_deleted_or_unreadable_records,
    |app: TestApp| async move {
        use Achievement::*;
        let tanja = app.login("tanja").await;
        let (status, text) = get(&app, &tanja, PROFILE).await;
        assert_eq!(status, 200, "{text}");
        let empty: Value = serde_json::from_str(&text).unwrap();
        assert_eq!((&empty["evaluations"], &empty["questionnaires"]), (&json!(0), &json!(0)));
        assert_eq!(empty["table"]["rows"], json!([]));
        assert_eq!(
            empty["table"]["headers"],
            json!(["Träger", "Merkmal", "Wert", "Fälle", "Angaben", "Einordnung"])
        );

        // Team Nord, from anna's device: two end evaluations, a Fachcontrolling (no part in the profile),
        // a sustainability check, two questionnaires, and an end evaluation deleted later.
        let e1 = end_evaluation(1, 1, PROVIDER, 2, &[Erreicht, Teilweise]);
        let e2 = end_evaluation(2, 2, PROVIDER, 1, &[Erreicht]);
        let mut fc =
            Evaluation::new(record_id(3), case(1), EvaluationKind::Fachcontrolling, date!(2026 - 06 - 01));
        fc.provider = PROVIDER.into();
        let mut check =
            Evaluation::new(record_id(4), case(1), EvaluationKind::Nachhaltigkeit, date!(2027 - 04 - 01));
        check.provider = PROVIDER.into();
        check.stability = Some(Stability::Stabil);
        let doomed = end_evaluation(5, 4, PROVIDER, -2, &[NichtErreicht]);
        let q1 = questionnaire(6, 1, PROVIDER, Answer::StimmtGenau);
        let q2 = questionnaire(7, 2, PROVIDER, Answer::StimmtEherNicht);
        let anna = app.login("anna").await;
        push(
            &app,
            &anna,
            DEV_ANNA,
            vec![
                put_evaluation(1, &e1),
                put_evaluation(2, &e2),
                put_evaluation(3, &fc),
                put_evaluation(4, &check),
                put_evaluation(5, &doomed),
                put_questionnaire(6, &q1),
                put_questionnaire(7, &q2),
            ],
        )
        .await;
        // Team Süd, from clara's device: the same provider spelt otherwise, and another provider.
        let e3 = end_evaluation(8, 11, " jugendhilfe  nord e.V.", 1, &[Erreicht]);
        let other = end_evaluation(9, 12, "Familienhilfe Süd", 0, &[Teilweise]);
        let q3 = questionnaire(10, 11, " jugendhilfe  nord e.V.", Answer::StimmtEher);
        let clara = app.login("clara").await;
        push(
            &app,
            &clara,
            DEV_CLARA,
            vec![put_evaluation(1, &e3), put_evaluation(2, &other), put_questionnaire(3, &q3)],
        )
        .await;

        let mut ids: Vec<String> =
            [1, 2, 4, 11, 12].into_iter().map(|n| case(n).as_str().to_owned()).collect();
        ids.extend((1..=21).map(record_id));
        let beteiligung = Criterion::Beteiligung.label_de();
        let goals = "Ziele erreicht (Fallbeendigung)";

        let p = profile(&app, &tanja, &ids).await;
        assert_eq!((&p["evaluations"], &p["questionnaires"]), (&json!(6), &json!(3)), "{p}");
        // Participation: (2 + 1 − 2 + 1) / 4 over Nord's and Süd's cases of the provider.
        assert_eq!(figure(&p, PROVIDER, beteiligung), ["+0,5", "4", "4", "–"]);
        // Goals: halves 2 + 1 + 2 + 0 + 2 of 5 goals.
        assert_eq!(figure(&p, PROVIDER, goals), ["70 %", "4", "5", "–"]);

        // The deleted end evaluation is no longer counted.
        push(
            &app,
            &anna,
            DEV_ANNA,
            vec![json!({"id": 8, "kind": "evaluation", "record_id": doomed.id, "op": {"type": "delete"}})],
        )
        .await;
        let p = profile(&app, &tanja, &ids).await;
        assert_eq!((&p["evaluations"], &p["questionnaires"]), (&json!(5), &json!(3)), "{p}");
        assert_eq!(figure(&p, PROVIDER, beteiligung), ["+1,3", "3", "3", "Stärke"]);
        assert_eq!(figure(&p, PROVIDER, goals), ["88 %", "3", "4", "Stärke"]);
        assert_eq!(
            figure(&p, PROVIDER, "Nachhaltig stabil (Nachhaltigkeitsprüfung)"),
            ["100 %", "1", "1", "zu wenige Fälle (unter 3)"]
        );
        // Two of three answers agree, one per case.
        assert_eq!(figure(&p, PROVIDER, Question::Geholfen.figure_de()), ["67 %", "3", "3", "–"]);
        assert_eq!(
            figure(&p, "Familienhilfe Süd", beteiligung),
            ["0,0", "1", "1", "zu wenige Fälle (unter 3)"]
        );
        let providers: std::collections::BTreeSet<&str> =
            p["table"]["rows"].as_array().unwrap().iter().map(|r| r[0].as_str().unwrap()).collect();
        assert_eq!(providers, [PROVIDER, "Familienhilfe Süd"].into(), "one provider however it is spelt");

        // Records that do not parse (a newer schema, damaged JSON) are left out, not an error.
        let mut newer = end_evaluation(20, 5, PROVIDER, -2, &[NichtErreicht]).to_record();
        newer.insert("schema".into(), json!(99));
        insert_raw(&app, &record_id(20), 1_000_000, &Value::Object(newer).to_string()).await;
        insert_raw(&app, &record_id(21), 1_000_001, "{\"schema\": 1, \"kaputt").await;
        let again = profile(&app, &tanja, &ids).await;
        assert_eq!(again, p, "unreadable records change nothing");
    }
);

both!(only_the_teamleitung_reads_the_profile, |app: TestApp| async move {
    let anna = app.login("anna").await;
    push(
        &app,
        &anna,
        DEV_ANNA,
        vec![put_evaluation(1, &end_evaluation(1, 1, PROVIDER, 2, &[Achievement::Erreicht]))],
    )
    .await;
    for user in ["anna", "ben", "clara", "adele"] {
        let c = app.login(user).await;
        let (status, text) = get(&app, &c, PROFILE).await;
        assert_eq!(status, 403, "{user}: {text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"], "forbidden", "{user}");
        assert!(body["message"].as_str().unwrap().contains("ViewTeamOverview"), "English reason: {body}");
        assert_eq!(body["message_de"], "Die Teamübersicht ist der Teamleitung vorbehalten.");
        assert!(!text.contains(PROVIDER), "{user}: {text}");
    }
    let (status, text) = get(&app, &reqwest::Client::new(), PROFILE).await;
    assert_eq!(status, 401, "{text}");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["error"], "unauthorized");
    let (status, _) = get(&app, &app.login("tanja").await, PROFILE).await;
    assert_eq!(status, 200);
});
