use serde_json::{json, Map, Value};
use time::macros::date;

use super::*;
use crate::sync::{apply_put, RecordKind};

const CASE: &str = "0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b";
const ID: &str = "7c1f2d3e-4a5b-4c6d-8e7f-90a1b2c3d401";

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn the_five_forms_of_seed_003_with_their_basis() {
    assert_eq!(CooperationForm::ALL.len(), 5);
    assert!(CooperationForm::Entgelt.basis_de().contains("Entgelt- und Leistungsvereinbarung"));
    assert!(CooperationForm::Privat.examples_de().contains("Vermieter"));
    for f in CooperationForm::ALL {
        assert_eq!(CooperationForm::parse(f.key()), Some(f));
    }
}

#[test]
fn a_partner_is_a_team_record_without_a_case() {
    let p = json!({"schema": 1, "id": ID, "name": "Schuldnerberatung Caritas", "form": "entgelt"});
    let body = apply_put(RecordKind::Partner, ID, None, &obj(p)).unwrap();
    assert_eq!(RecordKind::Partner.case_of(ID, &body), None);
    assert!(!RecordKind::Partner.is_case_file());
    let bad = obj(json!({"name": "  "}));
    let err = apply_put(RecordKind::Partner, ID, Some(&body), &bad).unwrap_err();
    assert!(err.message_de().contains("Namen"));
}

#[test]
fn the_routing_slip_moves_through_its_stages_and_refuses_dates_out_of_order() {
    let r = json!({"schema": 1, "id": ID, "case_id": CASE, "partner_id": ID, "partner_name": "Suchtberatung",
        "form": "entgelt", "referred_on": "2026-11-02", "with_consent": true});
    let mut body = apply_put(RecordKind::Referral, ID, None, &obj(r)).unwrap();
    assert_eq!(Referral::from_json(body.clone()).unwrap().stage(), ReferralStage::Vermittelt);
    assert_eq!(RecordKind::Referral.case_of(ID, &body).as_deref(), Some(CASE));
    for (field, day, stage) in [
        ("first_contact_on", "2026-11-05", ReferralStage::KontaktAufgenommen),
        ("first_session_on", "2026-11-12", ReferralStage::InBeratung),
        ("ended_on", "2027-02-01", ReferralStage::Abgeschlossen),
    ] {
        body = apply_put(RecordKind::Referral, ID, Some(&body), &obj(json!({ field: day }))).unwrap();
        assert_eq!(Referral::from_json(body.clone()).unwrap().stage(), stage);
    }
    let early = obj(json!({"first_session_on": "2026-11-03"}));
    let err = apply_put(RecordKind::Referral, ID, Some(&body), &early).unwrap_err();
    assert_eq!(err.message_de(), "Die Daten passen nicht zusammen: Erstberatung vor der Kontaktaufnahme.");
}

fn assessment() -> Kinderschutz {
    let mut k = Kinderschutz::new(ID.into(), CaseId::parse(CASE).unwrap(), date!(2026 - 11 - 20));
    k.indications = "Blaue Flecken am Arm, Kind wirkt verängstigt.".into();
    k
}

#[test]
fn a_provider_concludes_a_risk_assessment_only_with_two_fachkraefte_the_expert_involvement_and_the_jugendamt()
{
    let mut k = assessment();
    k.by_provider = true;
    let missing = k.missing();
    assert_eq!(missing.len(), 5, "{missing:?}");
    assert!(missing.iter().any(|m| m.contains("mindestens 2") && m.contains("§ 8a Abs. 1 S. 1")));
    assert!(missing.iter().any(|m| m.contains("insoweit erfahrene Fachkraft")));
    k.assessors = vec!["Anna Albers".into(), "  ".into()];
    assert!(k.missing().iter().any(|m| m.contains("mindestens 2")), "a blank name is no Fachkraft");
    k.assessors = vec!["Anna Albers".into(), "Tanja Thiele".into()];
    k.expert = "Frau Kern (Kinderschutzfachkraft)".into();
    k.expert_consulted_on = Some(date!(2026 - 11 - 21));
    k.parents = Some(Involvement::Beteiligt { on: date!(2026 - 11 - 22) });
    k.child = Some(Involvement::NichtBeteiligt { reason: " ".into() });
    assert!(k.missing().iter().any(|m| m.contains("begründen")));
    k.child = Some(Involvement::NichtBeteiligt { reason: "Gespräch würde das Kind gefährden.".into() });
    k.outcome = Some(RiskOutcome::Gefaehrdung);
    assert_eq!(k.missing(), ["Bei Gefährdung ist das Jugendamt zu informieren (§ 8a Abs. 4 S. 2 SGB VIII)."]);
    k.handed_on.push((HandOnTarget::Jugendamt, date!(2026 - 11 - 22)));
    assert!(k.missing().is_empty());
    // The Jugendamt itself needs no external expert but calls the family court or takes the child into care.
    let mut ja = k.clone();
    ja.expert.clear();
    ja.expert_consulted_on = None;
    ja.by_provider = false;
    assert_eq!(ja.missing().len(), 1);
    ja.handed_on.push((HandOnTarget::Inobhutnahme, date!(2026 - 11 - 22)));
    assert!(ja.missing().is_empty());
    k.outcome = Some(RiskOutcome::Hilfebedarf);
    k.handed_on.clear();
    assert!(k.missing().is_empty(), "help needed, no endangerment: nothing to hand on");
}

#[test]
fn a_risk_assessment_round_trips_as_a_sync_record() {
    let mut k = assessment();
    k.parents = Some(Involvement::Beteiligt { on: date!(2026 - 11 - 22) });
    k.handed_on.push((HandOnTarget::Jugendamt, date!(2026 - 11 - 22)));
    let fields = obj(serde_json::to_value(&k).unwrap());
    let body = apply_put(RecordKind::Kinderschutz, ID, None, &fields).unwrap();
    assert_eq!(Kinderschutz::from_json(body.clone()).unwrap(), k);
    assert_eq!(RecordKind::Kinderschutz.case_of(ID, &body).as_deref(), Some(CASE));
    let early = obj(json!({"expert_consulted_on": "2026-01-01"}));
    assert!(apply_put(RecordKind::Kinderschutz, ID, Some(&body), &early).is_err());
}
