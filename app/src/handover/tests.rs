use passgenau_domain::auth::SessionInfo;
use passgenau_domain::case::{parse_iso_date, Case, CaseLabel};
use passgenau_domain::consent::{Consent, ConsentForm, CONSENT_SCHEMA_VERSION};
use serde_json::json;
use time::macros::date;

use super::*;
use crate::kv::MemKv;

const NOW: &str = "2026-11-23T10:00:00Z";
const CASE: &str = "0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a01";
const ENTRUSTED: &str = "22222222-2222-4222-8222-222222222222";

/// A device with one case: label, birth, a goal, a plain note, an entrusted note, a setting with
/// a provider, and a consent for the Schuldnerberatung covering Stammdaten and notes.
fn device() -> (MemKv, CaseId) {
    let kv = MemKv::default();
    let user = SessionInfo {
        user_id: "u1".into(),
        username: "anna".into(),
        display_name: "Anna Albers".into(),
        role: "fachkraft_traeger".into(),
        team_id: "t".into(),
        team_name: "Team Nord".into(),
        closed_case_days: None,
    };
    store::begin_session(&kv, &user, "6a1f0c7e-3b2d-4c5e-8f9a-0b1c2d3e4f50").unwrap();
    let id = CaseId::parse(CASE).unwrap();
    let mut c = Case::new(
        id.clone(),
        CaseLabel::parse("JA-2026-0815").unwrap(),
        parse_iso_date("2026-02-02").unwrap(),
    );
    c.birth = Some("2014-05-03".into());
    c.custody = vec!["Mutter allein".into()];
    store::create_case(&kv, &c, NOW).unwrap();
    store::change_goals(
        &kv,
        &id,
        json!({"w.w1": {"type": "leistungstyp", "ziel_id": "wirkungsziel.1"},
               "h.h1": {"wirkungsziel_id": "w1", "text": "Schulbesuch an vier Tagen", "area": "schule"},
               "r.r1": {"handlungsziel_id": "h1", "on": "2026-11-01", "perspective": "eltern", "score": 1}})
        .as_object()
        .unwrap()
        .clone(),
        NOW,
    )
    .unwrap();
    store::add_visit_note(&kv, &id, "11111111-1111-4111-8111-111111111111", "Schule angerufen.", NOW)
        .unwrap();
    // The entrusted note, the way the Hausbesuch screen makes it.
    store::start_visit(&kv, &id, "44444444-4444-4444-8444-444444444444", "2026-11-20", NOW).unwrap();
    store::edit_visit(
        &kv,
        "44444444-4444-4444-8444-444444444444",
        json!({"draft_note": "Mutter berichtet von Schulden bei Herrn Krause.", "draft_entrusted_by": "Mutter"})
            .as_object()
            .unwrap()
            .clone(),
        NOW,
    )
    .unwrap();
    store::record_visit_note(&kv, "44444444-4444-4444-8444-444444444444", ENTRUSTED, NOW).unwrap();
    store::add_consent(
        &kv,
        &Consent {
            schema: CONSENT_SCHEMA_VERSION,
            id: "33333333-3333-4333-8333-333333333333".into(),
            case_id: id.clone(),
            partner: "Schuldnerberatung Caritas".into(),
            given_by: "Mutter".into(),
            categories: vec![DataCategory::Stammdaten, DataCategory::Besuchsnotizen],
            purpose: "Schuldenregulierung".into(),
            given_on: date!(2026 - 10 - 01),
            form: ConsentForm::Schriftlich,
            expires_on: None,
            revoked_on: None,
        },
        NOW,
    )
    .unwrap();
    (kv, id)
}

fn text(doc: &Document) -> String {
    let mut s = format!("{}\n{}\n", doc.title, doc.intro);
    for sec in &doc.sections {
        s.push_str(&format!("{}\n{}\n", sec.heading, sec.lines.join("\n")));
    }
    s
}

fn partner(cats: &[DataCategory]) -> Request {
    Request {
        recipient: Recipient::Partner("Schuldnerberatung Caritas".into()),
        categories: cats.to_vec(),
        bases: BTreeMap::new(),
        today: date!(2026 - 11 - 24),
    }
}

#[test]
fn a_partner_gets_what_the_consent_covers_but_entrusted_notes_only_on_a_chosen_basis() {
    let (kv, id) = device();
    let doc = build(&kv, &id, &partner(&[DataCategory::Stammdaten, DataCategory::Besuchsnotizen])).unwrap();
    let t = text(&doc);
    assert!(t.contains("JA-2026-0815") && t.contains("Schule angerufen."));
    assert!(doc
        .intro
        .contains("Nur zu verwenden für: „Schuldenregulierung“ (Einwilligung vom 01.10.2026, Mutter)."));
    assert!(!t.contains("Herrn Krause"), "the entrusted note stays in the case");
    assert_eq!((doc.withheld, doc.disclosed.len()), (1, 0));
    assert_eq!(doc.consents, ["33333333-3333-4333-8333-333333333333"]);

    let mut req = partner(&[DataCategory::Besuchsnotizen]);
    req.bases.insert("22222222-2222-4222-8222-222222222222".into(), DisclosureBasis::Einwilligung);
    let doc = build(&kv, &id, &req).unwrap();
    assert!(text(&doc).contains("Herrn Krause"));
    assert!(!text(&doc).contains("JA-2026-0815"), "the Aktenzeichen is a Stammdatum");
    assert_eq!(
        doc.disclosed,
        [("22222222-2222-4222-8222-222222222222".to_owned(), DisclosureBasis::Einwilligung)]
    );
    assert!(
        audit_detail(&req, &doc).starts_with("partner=Schuldnerberatung Caritas; categories=besuchsnotizen")
    );
}

#[test]
fn sharing_without_a_covering_consent_is_blocked_and_says_why() {
    let (kv, id) = device();
    let err = build(&kv, &id, &partner(&[DataCategory::Ziele])).unwrap_err();
    assert!(err.message_de().contains("umfasst nicht: Ziele und Einschätzungen"), "{}", err.message_de());
    let mut req = partner(&[DataCategory::Stammdaten]);
    req.recipient = Recipient::Partner("Suchtberatung".into());
    assert!(build(&kv, &id, &req).unwrap_err().message_de().contains("keine Einwilligung"));
    store::revoke_consent(&kv, "33333333-3333-4333-8333-333333333333", date!(2026 - 11 - 20), NOW).unwrap();
    let err = build(&kv, &id, &partner(&[DataCategory::Stammdaten])).unwrap_err();
    assert!(err.message_de().contains("widerrufen"), "{}", err.message_de());
}

#[test]
fn the_consultation_copy_is_pseudonymised() {
    let (kv, id) = device();
    let req = Request {
        recipient: Recipient::Consultation { pseudonym: pseudonym(&[1, 2, 3, 4]) },
        categories: DataCategory::ALL.to_vec(),
        bases: BTreeMap::from([(
            "22222222-2222-4222-8222-222222222222".to_owned(),
            DisclosureBasis::Einwilligung,
        )]),
        today: date!(2026 - 11 - 24),
    };
    let doc = build(&kv, &id, &req).unwrap();
    let t = text(&doc);
    for secret in [
        "JA-2026-0815",
        "2014-05-03",
        "03.05.2014",
        "Anna Albers",
        "Schule angerufen",
        "Krause",
        "02.02.2026",
    ] {
        assert!(!t.contains(secret), "{secret:?} in the pseudonymised copy:\n{t}");
    }
    assert!(t.contains("Fall BCDE") && t.contains("Alter: 12 Jahre") && t.contains("Hilfe seit: 02/2026"));
    assert!(t.contains("Handlungsziel 1 (Schule) (zuletzt: Eltern +1)"), "{t}");
    assert!(!t.contains("Schulbesuch an vier Tagen"), "goal texts may name people");
    assert!(doc.disclosed.is_empty(), "no entrusted note goes to a consultation");
}
