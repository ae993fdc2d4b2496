//! Fuzzing the forms (proptest): whatever a person or a broken browser puts into any field of the
//! app's forms reaches the device store through the same functions the components call. For every
//! input: no panic, a refused input has a German message, nothing refused changes the store, and
//! every screen's reader still reads the store afterwards.
//!
//! `PROPTEST_CASES` sets the cases (default 256); `PROPTEST_RNG_SEED` replays a run.

use app::kv::{Kv, MemKv};
use app::store::{self, StoreError};
use passgenau_domain::auth::SessionInfo;
use passgenau_domain::case::{parse_birth, parse_iso_date, Case, CaseId, CaseLabel};
use passgenau_domain::consent::{Consent, ConsentForm, DataCategory, CONSENT_SCHEMA_VERSION};
use passgenau_domain::UserMessage;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const NOW: &str = "2026-11-24T10:00:00Z";
const CASE: &str = "0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b";
const VISIT: &str = "44444444-4444-4444-8444-444444444444";

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
    let c = Case::new(id.clone(), CaseLabel::parse("AZ 1").unwrap(), parse_iso_date("2026-01-05").unwrap());
    store::create_case(&kv, &c, NOW).unwrap();
    store::start_visit(&kv, &id, VISIT, "2026-11-20", NOW).unwrap();
    store::start_clearing(&kv, &id, parse_iso_date("2026-11-01").unwrap(), NOW).unwrap();
    (kv, id)
}

/// Everything the store holds, to see that a refused input changed nothing.
fn snapshot(kv: &MemKv) -> Vec<(String, Option<String>)> {
    kv.keys("pg1:").into_iter().map(|k| (k.clone(), kv.get(&k))).collect()
}

/// Every screen's reader, as the components call them.
fn read_everything(kv: &MemKv, id: &CaseId) {
    let _ = store::cases(kv);
    let _ = store::case(kv, id.as_str());
    let _ = store::visits(kv, id.as_str());
    let _ = store::visit(kv, VISIT);
    let _ = store::visit_notes(kv, id.as_str());
    let _ = store::checklist(kv, id);
    let _ = store::hilfesetting(kv, id);
    let _ = store::clearing(kv, id);
    let _ = store::goals(kv, id);
    let _ = store::consents(kv, id);
    let _ = store::visit_ratings(kv, id, VISIT);
    let _ = store::pending(kv, usize::MAX);
    let _ = store::export_unsent(kv);
}

/// Text as people and broken browsers type it: empty, spaces, umlauts, control characters, very long.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "\\PC{0,40}",
        "[ \\t\\n\\u{0}-\\u{1f}äöüß€<>\"'&;-]{0,20}",
        "[0-9.,-]{0,12}",
        (0usize..30_000).prop_map(|n| "x".repeat(n)),
    ]
}

/// A JSON value a field might receive.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_.]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field_name(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![prop::sample::select(known).prop_map(str::to_owned), "[a-z_.~]{0,16}"]
}

const CASE_FIELDS: &[&str] =
    &["label", "start_date", "note", "birth", "custody", "status", "assigned_to", "ended_on", "id", "schema"];
const VISIT_FIELDS: &[&str] = &[
    "direct_seconds",
    "running_since",
    "travel_minutes",
    "module_instance_id",
    "participants",
    "checklist_items",
    "draft_note",
    "draft_entrusted_by",
    "finished",
    "case_id",
];
const GOAL_FIELDS: &[&str] = &["w.a", "h.b", "s.c", "r.d", "r.besuch.x.y.eltern", "case_id", "id"];
const CLEARING_FIELDS: &[&str] = &["r.familie", "kategorie", "begruendung", "recommendation", "deadline"];
const SETTING_FIELDS: &[&str] = &["approval", "case_budget", "m.x", "einzelvereinbarung", "review"];

/// One form input: which form and what it sent.
#[derive(Debug, Clone)]
enum Input {
    NewCase {
        label: String,
        start: String,
        birth: String,
    },
    Case(Map<String, Value>),
    Visit(Map<String, Value>),
    Goals(Map<String, Value>),
    Clearing(Map<String, Value>),
    Setting(Map<String, Value>),
    Checklist {
        item: String,
        answer: Value,
    },
    Consent {
        partner: String,
        given_by: String,
        purpose: String,
        given_on: String,
        expires: String,
    },
    Money(String),
    /// Typing into the visit's note, then "Notiz festhalten" (two actions of the form).
    Note(String),
}

fn fields(known: &'static [&'static str]) -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(field_name(known), value(), 1..4).prop_map(|m| m.into_iter().collect())
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        (text(), text(), text()).prop_map(|(label, start, birth)| Input::NewCase { label, start, birth }),
        fields(CASE_FIELDS).prop_map(Input::Case),
        fields(VISIT_FIELDS).prop_map(Input::Visit),
        fields(GOAL_FIELDS).prop_map(Input::Goals),
        fields(CLEARING_FIELDS).prop_map(Input::Clearing),
        fields(SETTING_FIELDS).prop_map(Input::Setting),
        (text(), value()).prop_map(|(item, answer)| Input::Checklist { item, answer }),
        (text(), text(), text(), text(), text()).prop_map(
            |(partner, given_by, purpose, given_on, expires)| {
                Input::Consent { partner, given_by, purpose, given_on, expires }
            }
        ),
        text().prop_map(Input::Money),
        text().prop_map(Input::Note),
    ]
}

/// Applies one input the way its form does; `Err` carries the German message shown.
fn apply(kv: &MemKv, id: &CaseId, input: &Input) -> Result<(), String> {
    let msg = |e: StoreError| e.message_de();
    match input {
        Input::NewCase { label, start, birth } => {
            let label = CaseLabel::parse(label).map_err(|e| e.message_de())?;
            let start = parse_iso_date(start).map_err(|e| e.message_de())?;
            let mut c =
                Case::new(CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2aff").unwrap(), label, start);
            if !birth.is_empty() {
                c.birth = Some(parse_birth(birth).map_err(|e| e.message_de())?);
            }
            store::create_case(kv, &c, NOW).map_err(msg)
        }
        Input::Case(f) => store::edit_case(kv, id, f.clone(), NOW).map(|_| ()).map_err(msg),
        Input::Visit(f) => store::edit_visit(kv, VISIT, f.clone(), NOW).map_err(msg),
        Input::Goals(f) => store::change_goals(kv, id, f.clone(), NOW).map_err(msg),
        Input::Clearing(f) => store::edit_clearing(kv, id, f.clone(), NOW).map_err(msg),
        Input::Setting(f) => store::change_hilfesetting(kv, id, f.clone(), NOW).map_err(msg),
        Input::Checklist { item, answer } => {
            let answer =
                serde_json::from_value(answer.clone()).map_err(|_| "Die Antwort ist ungültig.".to_owned())?;
            store::set_checklist_answer(kv, id, item, answer, NOW).map_err(msg)
        }
        Input::Consent { partner, given_by, purpose, given_on, expires } => {
            let given_on = parse_iso_date(given_on).map_err(|e| e.message_de())?;
            let expires_on = match expires.as_str() {
                "" => None,
                s => Some(parse_iso_date(s).map_err(|e| e.message_de())?),
            };
            let c = Consent {
                schema: CONSENT_SCHEMA_VERSION,
                id: "33333333-3333-4333-8333-333333333333".into(),
                case_id: id.clone(),
                partner: partner.clone(),
                given_by: given_by.clone(),
                categories: vec![DataCategory::Stammdaten],
                purpose: purpose.clone(),
                given_on,
                form: ConsentForm::Elektronisch,
                expires_on,
                revoked_on: None,
            };
            c.validate().map_err(|e| e.message_de())?;
            store::add_consent(kv, &c, NOW).map_err(msg)
        }
        Input::Money(s) => passgenau_domain::money::parse_eur_de(s).map(|_| ()).map_err(|e| e.message_de()),
        Input::Note(_) => unreachable!("two actions, applied by the property"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_form_input_panics_or_changes_the_store_when_refused(inputs in prop::collection::vec(input(), 1..6)) {
        let (kv, id) = device();
        for (n, input) in inputs.iter().enumerate() {
            let before = snapshot(&kv);
            let result = match input {
                // Each press of "Notiz festhalten" makes a new note id, as the component does.
                Input::Note(s) => {
                    let typed = store::edit_visit(&kv, VISIT, Map::from_iter([("draft_note".to_owned(), json!(s))]), NOW);
                    let before = snapshot(&kv);
                    let note_id = format!("55555555-5555-4555-8555-{n:012}");
                    let recorded = store::record_visit_note(&kv, VISIT, &note_id, NOW).map(|_| ());
                    if let Err(e) = &recorded {
                        prop_assert_eq!(&before, &snapshot(&kv), "a refused note changed the store: {}", e);
                    }
                    typed.and(recorded).map_err(|e| e.message_de())
                }
                _ => apply(&kv, &id, input),
            };
            if let Err(m) = result {
                if matches!(input, Input::Note(_)) {
                    prop_assert!(!m.trim().is_empty());
                    read_everything(&kv, &id);
                    continue;
                }
                prop_assert!(!m.trim().is_empty(), "a refusal without a German message: {input:?}");
                prop_assert!(!m.contains("Error") && !m.contains("error:"), "English in a user message: {m}");
                prop_assert_eq!(&before, &snapshot(&kv), "a refused input changed the store: {:?}", input);
            }
            read_everything(&kv, &id);
        }
    }
}
