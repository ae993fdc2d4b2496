//! `GET /api/v1/providers/profile` (roles with `ViewTeamOverview`: the Teamleitung): the providers'
//! strengths-and-weaknesses profile (`passgenau_domain::evaluation::provider_profile`) over every
//! live end evaluation, sustainability check and user questionnaire the server holds, of all teams.
//! Closed cases leave the devices, their evaluations stay here, so only the server sees them all.
//! Only aggregates leave: provider, figure, value and how many cases and answers it rests on, never
//! a case or record id.

use axum::extract::State;
use axum::Json;
use passgenau_domain::evaluation::{
    provider_profile, Evaluation, EvaluationError, EvaluationKind, ProviderProfileResponse, Questionnaire,
};
use passgenau_domain::roles::Permission;
use passgenau_domain::sync::RecordKind;
use serde_json::Value;

use crate::auth::AuthUser;
use crate::db::{DbError, LiveRecord};
use crate::error::ApiError;
use crate::AppState;

/// Unreadable records named one by one in the log per request; the rest only by their number.
const LOGGED_UNREADABLE: usize = 20;

/// Why a stored record is left out of the profile.
#[derive(Debug, thiserror::Error)]
enum Unreadable {
    #[error("body is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error(transparent)]
    Invalid(#[from] EvaluationError),
    #[error("unexpected record kind {0:?}")]
    Kind(RecordKind),
}

enum Read {
    Evaluation(Evaluation),
    Questionnaire(Questionnaire),
}

fn read(r: &LiveRecord) -> Result<Read, Unreadable> {
    let value: Value = serde_json::from_str(&r.body)?;
    match r.kind {
        RecordKind::Evaluation => Ok(Read::Evaluation(Evaluation::from_record(value)?)),
        RecordKind::Questionnaire => Ok(Read::Questionnaire(Questionnaire::from_record(value)?)),
        other => Err(Unreadable::Kind(other)),
    }
}

/// The profile of `records` (evaluations and questionnaires). A record that does not parse (written
/// by a newer version, or damaged) is left out and logged; it never fails the whole profile.
/// `evaluations` counts the end evaluations and sustainability checks read (a Fachcontrolling has
/// no part in the profile).
pub fn profile_of(records: &[LiveRecord]) -> ProviderProfileResponse {
    let mut evaluations = Vec::new();
    let mut questionnaires = Vec::new();
    let mut unreadable = 0usize;
    for r in records {
        match read(r) {
            Ok(Read::Evaluation(e)) => {
                if matches!(e.kind, EvaluationKind::Abschluss | EvaluationKind::Nachhaltigkeit) {
                    evaluations.push(e);
                }
            }
            Ok(Read::Questionnaire(q)) => questionnaires.push(q),
            Err(e) => {
                unreadable += 1;
                if unreadable <= LOGGED_UNREADABLE {
                    tracing::warn!(kind = r.kind.as_str(), record = %r.id, error = %e,
                        "record left out of the provider profile: it does not parse");
                }
            }
        }
    }
    if unreadable > LOGGED_UNREADABLE {
        tracing::warn!(unreadable, logged = LOGGED_UNREADABLE, "records left out of the provider profile");
    }
    ProviderProfileResponse {
        table: provider_profile(&evaluations, &questionnaires),
        evaluations: evaluations.len() as u64,
        questionnaires: questionnaires.len() as u64,
    }
}

pub async fn read_profile(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<ProviderProfileResponse>, ApiError> {
    user.require(Permission::ViewTeamOverview)?;
    let records = state.db.live_records(&[RecordKind::Evaluation, RecordKind::Questionnaire]).await?;
    // Parsing every evaluation of every team is CPU work: off the async threads.
    let profile = tokio::task::spawn_blocking(move || profile_of(&records))
        .await
        .map_err(|e| ApiError::Db(DbError::Corrupt(format!("provider profile not computed: {e}"))))?;
    tracing::info!(
        user = %user.0.id,
        evaluations = profile.evaluations,
        questionnaires = profile.questionnaires,
        "provider profile read"
    );
    Ok(Json(profile))
}

#[cfg(test)]
mod tests {
    use passgenau_domain::case::CaseId;
    use passgenau_domain::evaluation::{Achievement, Answer, Question, Respondent};
    use time::macros::date;

    use super::*;

    fn id(n: u8) -> String {
        format!("7c1f2d3e-4a5b-4c6d-8e7f-90a1b2c3d4{n:02x}")
    }

    fn case() -> CaseId {
        CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a01").unwrap()
    }

    fn record(kind: RecordKind, n: u8, body: String) -> LiveRecord {
        LiveRecord { kind, id: id(n), body }
    }

    fn evaluation(n: u8, kind: EvaluationKind) -> LiveRecord {
        let mut e = Evaluation::new(id(n), case(), kind, date!(2026 - 10 - 01));
        e.provider = "Jugendhilfe Nord e.V.".into();
        e.achievements.insert("w1".into(), Achievement::Erreicht);
        record(RecordKind::Evaluation, n, Value::Object(e.to_record()).to_string())
    }

    #[test]
    fn unreadable_records_are_left_out_and_a_fachcontrolling_is_not_counted() {
        let mut q = Questionnaire::new(
            id(3),
            case(),
            date!(2026 - 09 - 01),
            Respondent::Elternteil,
            "Jugendhilfe Nord e.V.".into(),
        );
        q.answers.insert(Question::Geholfen, Answer::StimmtGenau);
        let mut newer = evaluation(5, EvaluationKind::Abschluss);
        newer.body = newer.body.replace("\"schema\":1", "\"schema\":99");
        assert!(newer.body.contains("\"schema\":99"), "{}", newer.body);
        let records = vec![
            evaluation(1, EvaluationKind::Abschluss),
            evaluation(2, EvaluationKind::Fachcontrolling),
            record(RecordKind::Questionnaire, 3, Value::Object(q.to_record()).to_string()),
            record(RecordKind::Evaluation, 4, "{not json".into()),
            newer,
            record(RecordKind::Questionnaire, 6, r#"{"schema": 1, "id": "x"}"#.into()),
            record(RecordKind::Case, 7, "{}".into()),
        ];
        let p = profile_of(&records);
        assert_eq!((p.evaluations, p.questionnaires), (1, 1));
        let row = |figure: &str| p.table.rows.iter().find(|r| r[1] == figure).cloned();
        assert_eq!(row("Ziele erreicht (Fallbeendigung)").unwrap()[2..5], ["100 %", "1", "1"]);
        assert_eq!(row(Question::Geholfen.figure_de()).unwrap()[2..5], ["100 %", "1", "1"]);
        assert!(!serde_json::to_string(&p).unwrap().contains(case().as_str()), "no case id leaves");
    }

    #[test]
    fn no_records_give_an_empty_profile() {
        let p = profile_of(&[]);
        assert_eq!((p.evaluations, p.questionnaires, p.table.rows.len()), (0, 0, 0));
        assert_eq!(p.table.headers.len(), 6);
    }
}
