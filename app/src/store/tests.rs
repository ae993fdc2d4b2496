use passgenau_domain::case::{parse_iso_date, CaseLabel};
use passgenau_domain::sync::RecordState;
use serde_json::json;

use super::*;
use crate::kv::MemKv;

const CLIENT: &str = "6a1f0c7e-3b2d-4c5e-8f9a-0b1c2d3e4f50";
const NOW: &str = "2026-11-23T10:00:00Z";

fn user(id: &str) -> SessionInfo {
    SessionInfo {
        user_id: id.into(),
        username: id.into(),
        display_name: id.into(),
        role: "fachkraft_traeger".into(),
        team_id: "t".into(),
        team_name: "Team".into(),
        closed_case_days: None,
    }
}

fn logged_in() -> MemKv {
    let kv = MemKv::default();
    begin_session(&kv, &user("u1"), CLIENT).unwrap();
    kv
}

fn new_case(kv: &dyn Kv, n: u8, label: &str) -> Case {
    let id = CaseId::parse(&format!("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a{n:02x}")).unwrap();
    let c = Case::new(id, CaseLabel::parse(label).unwrap(), parse_iso_date("2026-01-05").unwrap());
    create_case(kv, &c, NOW).unwrap();
    c
}

fn note(s: &str) -> Map<String, Value> {
    json!({ "note": s }).as_object().unwrap().clone()
}

#[test]
fn a_new_case_is_stored_and_queued() {
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    assert_eq!(cases(&kv), vec![c.clone()]);
    let p = pending(&kv, 10);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].id, 1);
    assert_eq!(p[0].record_id, c.id.as_str());
}

#[test]
fn edits_coalesce_into_an_unsent_mutation_but_never_into_one_that_was_sent() {
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    edit_case(&kv, &c.id, note("a"), NOW).unwrap();
    edit_case(&kv, &c.id, note("ab"), NOW).unwrap();
    assert_eq!(pending_count(&kv), 1, "typing must not flood the queue");
    // A push of mutation 1 leaves; its response is lost (no apply_push_response). The server may
    // have applied it, so typing afterwards must go into a new mutation, and it does even after
    // the failed push, across reloads (the mark is stored).
    mark_sent(&kv, 1).unwrap();
    edit_case(&kv, &c.id, note("abc"), NOW).unwrap();
    edit_case(&kv, &c.id, note("abcd"), NOW).unwrap();
    let p = pending(&kv, 10);
    assert_eq!(p.iter().map(|m| m.id).collect::<Vec<_>>(), vec![1, 2]);
    match &p[0].op {
        Op::Put { fields } => assert_eq!(fields["note"], "ab", "the sent mutation is unchanged"),
        Op::Delete => panic!("expected a put"),
    }
    // The retry reports 1 processed (skipped as a replay): mutation 2 still carries the text.
    apply_push_response(&kv, &p[..1], &PushResponse { last_processed: 1, rejected: vec![] }).unwrap();
    assert_eq!(pending(&kv, 10).len(), 1);
    assert_eq!(case(&kv, c.id.as_str()).unwrap().note, "abcd");
    mark_sent(&kv, 0).unwrap();
    assert_eq!(sent_upto(&kv), 1, "the mark never goes back");
}

#[test]
fn invalid_input_is_refused_with_a_german_message_and_changes_nothing() {
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    let err = edit_case(&kv, &c.id, json!({"label": ""}).as_object().unwrap().clone(), NOW).unwrap_err();
    assert_eq!(err.message_de(), "Bitte ein Aktenzeichen oder Pseudonym eingeben.");
    assert_eq!(case(&kv, c.id.as_str()).unwrap().label.as_str(), "AZ 1");
    assert_eq!(pending_count(&kv), 1);
}

#[test]
fn a_full_store_refuses_the_write_and_keeps_the_previous_state() {
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    let before_pending = pending(&kv, 10);
    let kv = kv.with_quota(1);
    let err = edit_case(&kv, &c.id, note(&"x".repeat(500)), NOW).unwrap_err();
    assert_eq!(err, StoreError::Quota);
    assert!(err.message_de().contains("Speicher"));
    assert_eq!(pending(&kv, 10), before_pending, "unsent changes survive a full store");
    assert_eq!(case(&kv, c.id.as_str()).unwrap().note, "");
}

#[test]
fn push_response_removes_processed_and_keeps_rejections() {
    let kv = logged_in();
    let a = new_case(&kv, 1, "AZ 1");
    let b = new_case(&kv, 2, "AZ 2");
    let sent = pending(&kv, 10);
    let res = PushResponse {
        last_processed: 2,
        rejected: vec![Rejection { mutation_id: 2, reason: "x".into(), reason_de: "Grund".into() }],
    };
    apply_push_response(&kv, &sent, &res).unwrap();
    assert_eq!(pending_count(&kv), 0);
    let rej = rejections(&kv);
    assert_eq!(rej.len(), 1);
    assert_eq!(rejection_count(&kv), 1);
    assert_eq!(rej[0].mutation.as_ref().unwrap().record_id, b.id.as_str(), "the rejected payload is kept");
    // The rejected, never-synced case leaves the list; the accepted one stays.
    assert_eq!(cases(&kv).iter().map(|c| c.id.clone()).collect::<Vec<_>>(), vec![a.id]);
}

#[test]
fn a_pulled_page_is_rebased_under_unsent_changes_and_advances_the_cursor() {
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    let sent = pending(&kv, 10);
    apply_push_response(&kv, &sent, &PushResponse { last_processed: 1, rejected: vec![] }).unwrap();
    edit_case(&kv, &c.id, note("meine Notiz"), NOW).unwrap();
    let mut server_body = serde_json::to_value(&c).unwrap();
    server_body["label"] = json!("AZ 1 (geändert)");
    let page = PullResponse {
        protocol: 1,
        records: vec![RecordState {
            kind: RecordKind::Case,
            id: c.id.to_string(),
            seq: 7,
            deleted: false,
            body: server_body,
            updated_by: "Ben".into(),
        }],
        cursor: 7,
        has_more: false,
    };
    apply_pull_page(&kv, &page).unwrap();
    let now = case(&kv, c.id.as_str()).unwrap();
    assert_eq!(now.label.as_str(), "AZ 1 (geändert)", "the other device's field arrives");
    assert_eq!(now.note, "meine Notiz", "this device's unsent field stays");
    assert_eq!(meta(&kv).unwrap().cursor, 7);
}

#[test]
fn a_move_to_another_team_clears_the_old_teams_data_but_never_unsent_changes() {
    let kv = logged_in();
    new_case(&kv, 1, "AZ 1");
    let moved = SessionInfo { team_id: "t2".into(), team_name: "Team Ost".into(), ..user("u1") };
    assert_eq!(begin_session(&kv, &moved, CLIENT), Err(StoreError::TeamChangedPending(1)));
    assert_eq!(cases(&kv).len(), 1, "nothing lost");
    let sent = pending(&kv, 10);
    apply_push_response(&kv, &sent, &PushResponse { last_processed: 1, rejected: vec![] }).unwrap();
    begin_session(&kv, &moved, "7a1f0c7e-3b2d-4c5e-8f9a-0b1c2d3e4f50").unwrap();
    assert!(cases(&kv).is_empty(), "the old team's cases leave the device");
    assert_eq!(session(&kv).unwrap().team_id, "t2");
}

#[test]
fn another_user_cannot_take_over_a_device_with_unsent_changes() {
    let kv = logged_in();
    new_case(&kv, 1, "AZ 1");
    let err = begin_session(&kv, &user("u2"), CLIENT).unwrap_err();
    assert_eq!(err, StoreError::OtherUserPending(1));
    assert_eq!(end_session(&kv), Err(StoreError::PendingChanges(1)));
    let sent = pending(&kv, 10);
    apply_push_response(&kv, &sent, &PushResponse { last_processed: 1, rejected: vec![] }).unwrap();
    begin_session(&kv, &user("u2"), "7a1f0c7e-3b2d-4c5e-8f9a-0b1c2d3e4f50").unwrap();
    assert!(cases(&kv).is_empty(), "the previous user's cases leave the device");
    assert_eq!(meta(&kv).unwrap().client_id, "7a1f0c7e-3b2d-4c5e-8f9a-0b1c2d3e4f50");
}

#[test]
fn export_lists_every_unsent_change() {
    let kv = logged_in();
    new_case(&kv, 1, "AZ 1");
    new_case(&kv, 2, "AZ 2");
    let doc: Value = serde_json::from_str(&export_unsent(&kv)).unwrap();
    assert_eq!(doc["mutations"].as_array().unwrap().len(), 2);
    assert_eq!(doc["client"], CLIENT);
}

fn pulled(kv: &dyn Kv, case: &Case, seq: u64, note_text: &str) {
    let mut body = serde_json::to_value(case).unwrap();
    body["note"] = json!(note_text);
    let page = PullResponse {
        protocol: 1,
        records: vec![RecordState {
            kind: RecordKind::Case,
            id: case.id.to_string(),
            seq,
            deleted: false,
            body,
            updated_by: "x".into(),
        }],
        cursor: seq,
        has_more: false,
    };
    apply_pull_page(kv, &page).unwrap();
}

#[test]
fn changes_carry_the_server_version_they_were_made_against() {
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    assert_eq!(pending(&kv, 10)[0].base_seq, None, "a new record has no server version");
    apply_push_response(&kv, &pending(&kv, 10), &PushResponse { last_processed: 1, rejected: vec![] })
        .unwrap();
    pulled(&kv, &c, 4, "");
    edit_case(&kv, &c.id, note("a"), NOW).unwrap();
    // Another device's change arrives before this one is sent: the next edit is made against it.
    pulled(&kv, &c, 6, "von B");
    assert_eq!(case(&kv, &c.id.to_string()).unwrap().note, "a", "unsent local text stays visible");
    edit_case(&kv, &c.id, note("ab"), NOW).unwrap();
    let p = pending(&kv, 10);
    assert_eq!(
        p.iter().map(|m| m.base_seq).collect::<Vec<_>>(),
        vec![Some(4), Some(6)],
        "no coalescing across versions"
    );
}

#[test]
fn open_conflicts_are_listed_and_resolved_by_queued_changes() {
    use passgenau_domain::conflict::{merge, Stored, Writer};
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    apply_push_response(&kv, &pending(&kv, 10), &PushResponse { last_processed: 1, rejected: vec![] })
        .unwrap();
    pulled(&kv, &c, 3, "von B");
    // The server's conflict record, made by the real merge.
    let mut body = serde_json::to_value(&c).unwrap();
    body["note"] = json!("von A");
    let versions = [(
        "note".to_owned(),
        passgenau_domain::conflict::FieldVersion {
            seq: 2,
            client_id: "other".into(),
            by: "A".into(),
            client_time: NOW.into(),
        },
    )]
    .into_iter()
    .collect();
    let m = Mutation {
        id: 1,
        kind: RecordKind::Case,
        record_id: c.id.to_string(),
        op: Op::Put { fields: note("von B") },
        client_time: NOW.into(),
        base_seq: Some(1),
    };
    let merged = merge(
        &m,
        Some(&Stored { body, deleted: false, versions }),
        &Writer { client_id: CLIENT, by: "u1", seq: 3 },
    )
    .unwrap();
    let conflict = merged.conflicts[0].clone();
    let page = PullResponse {
        protocol: 1,
        records: vec![RecordState {
            kind: RecordKind::Conflict,
            id: conflict.id.clone(),
            seq: 4,
            deleted: false,
            body: serde_json::to_value(&conflict).unwrap(),
            updated_by: "u1".into(),
        }],
        cursor: 4,
        has_more: false,
    };
    apply_pull_page(&kv, &page).unwrap();
    assert_eq!(open_conflict_count(&kv), 1);
    resolve_conflict(&kv, &conflict.id, Resolution::Both, NOW).unwrap();
    assert_eq!(open_conflict_count(&kv), 0);
    let text = case(&kv, &c.id.to_string()).unwrap().note;
    assert!(text.contains("von A") && text.contains("von B"), "{text}");
    let p = pending(&kv, 10);
    assert_eq!(p.len(), 2);
    assert_eq!((p[0].kind, p[0].base_seq), (RecordKind::Case, Some(3)));
    assert_eq!((p[1].kind, p[1].base_seq), (RecordKind::Conflict, Some(4)));
    assert!(resolve_conflict(&kv, &conflict.id, Resolution::Kept, NOW).is_err(), "resolved once");
}

#[test]
fn a_deleted_case_leaves_the_list_and_the_deletion_is_queued() {
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    delete_case(&kv, &c.id, NOW).unwrap();
    assert!(cases(&kv).is_empty());
    let p = pending(&kv, 10);
    assert_eq!(p.len(), 2);
    assert_eq!(p[1].op, Op::Delete);
}

#[test]
fn a_stale_client_record_written_by_another_tab_never_reuses_a_mutation_id() {
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    mark_sent(&kv, 1).unwrap();
    // Tab A's sync reads the device record; tab B queues a change and sends it; tab A writes its
    // stale copy back (with its cursor).
    let stale = kv.get(KEY_CLIENT).unwrap();
    edit_case(&kv, &c.id, note("aus Tab B"), NOW).unwrap();
    mark_sent(&kv, 2).unwrap();
    kv.set(KEY_CLIENT, &stale).unwrap();
    // Tab A's user types: a new mutation, not a rewrite of the sent one and not a reused id.
    edit_case(&kv, &c.id, note("aus Tab A"), NOW).unwrap();
    let p = pending(&kv, 10);
    assert_eq!(p.iter().map(|m| m.id).collect::<Vec<_>>(), vec![1, 2, 3], "no id used twice");
    match &p[1].op {
        Op::Put { fields } => assert_eq!(fields["note"], "aus Tab B", "the sent mutation is unchanged"),
        Op::Delete => panic!("expected a put"),
    }
    // Even with `pg1:next` gone, the queue itself is the floor.
    kv.remove(KEY_NEXT);
    assert_eq!(next_mutation(&kv), 4);
}

#[test]
fn checklist_answers_are_saved_one_item_at_a_time_and_read_back() {
    use passgenau_domain::checklist::{self, AnswerStatus, ItemAnswer};
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    assert_eq!(checklist(&kv, &c.id).completeness().decided(), 0);
    let (_, first) = checklist::all_items().next().unwrap();
    let answer = ItemAnswer { status: AnswerStatus::Erfuellt, note: "im Vertrag".into() };
    set_checklist_answer(&kv, &c.id, first.id, answer.clone(), NOW).unwrap();
    let (_, second) = checklist::all_items().nth(1).unwrap();
    let na = ItemAnswer { status: AnswerStatus::NichtZutreffend, note: String::new() };
    set_checklist_answer(&kv, &c.id, second.id, na, NOW).unwrap();
    let read = checklist(&kv, &c.id);
    assert_eq!(read.answer(first.id), answer);
    assert_eq!(read.completeness().decided(), 2);
    // The second change sets only its own item's field, so it merges with other devices' answers.
    let queue = pending(&kv, 10);
    let last = queue.last().unwrap();
    assert_eq!(last.kind, RecordKind::Checklist);
    let Op::Put { fields } = &last.op else { panic!("put expected") };
    assert!(fields.contains_key(&checklist::answer_field(second.id)));
    let err = set_checklist_answer(&kv, &c.id, "gibt.es.nicht", ItemAnswer::default(), NOW).unwrap_err();
    assert!(err.message_de().contains("Checkliste"));
}

#[test]
fn hilfesetting_modules_are_added_changed_and_removed_one_field_at_a_time() {
    use passgenau_domain::catalog::{BillingForm, Catalog};
    use passgenau_domain::setting::{Intensity, ModuleInstance};
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 1");
    assert!(hilfesetting(&kv, &c.id).instances.is_empty());
    let cat = Catalog::builtin().unwrap();
    let spfh = cat.get_str("spfh").unwrap();
    let today = passgenau_domain::case::parse_iso_date("2026-11-01").unwrap();
    let mut inst = ModuleInstance::from_catalog(
        "0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3c".into(),
        spfh,
        today,
        BillingForm::Fachleistungsstunde,
        Intensity::HoursPerWeek { minutes: 240 },
        None,
        today,
    )
    .unwrap();
    put_module_instance(&kv, &c.id, &inst, NOW).unwrap();
    inst.provider = "Träger Nord".into();
    put_module_instance(&kv, &c.id, &inst, NOW).unwrap();
    let hs = hilfesetting(&kv, &c.id);
    assert_eq!(hs.instances, vec![inst.clone()]);
    remove_module_instance(&kv, &c.id, &inst.id, NOW).unwrap();
    assert!(hilfesetting(&kv, &c.id).instances.is_empty());
    // An invalid change (end before start) is refused in German and changes nothing.
    let mut bad = inst.clone();
    bad.end = Some(passgenau_domain::case::parse_iso_date("2020-01-01").unwrap());
    put_module_instance(&kv, &c.id, &inst, NOW).unwrap();
    let approval = serde_json::json!({"start": "2026-12-01", "end": "2026-01-01"});
    let err =
        change_hilfesetting(&kv, &c.id, serde_json::Map::from_iter([("approval".into(), approval)]), NOW)
            .unwrap_err();
    assert!(!err.message_de().is_empty());
    assert_eq!(hilfesetting(&kv, &c.id).instances.len(), 1);
    let _ = bad;
}

#[test]
fn audit_events_queue_in_order_until_uploaded() {
    let kv = MemKv::default();
    assert_eq!(
        record_audit_event(&kv, "case.view", "c1", "e1", "2026-11-24T08:00:00Z"),
        Err(StoreError::NotLoggedIn)
    );
    begin_session(&kv, &user("u1"), CLIENT).unwrap();
    record_audit_event(&kv, "case.view", "c1", "e2", "2026-11-24T09:00:00Z").unwrap();
    record_audit_event(&kv, "case.export", "c1", "e1", "2026-11-24T08:00:00Z").unwrap();
    let events = audit_events(&kv);
    let ids: Vec<&str> = events.iter().map(|(_, e)| e.id.as_str()).collect();
    assert_eq!(ids, ["e1", "e2"], "oldest first");
    assert_eq!(pending_count(&kv), 0, "audit events are not unsent changes of cases");
    remove_audit_events(&kv, &[events[0].0.clone()]);
    assert_eq!(audit_events(&kv).len(), 1);
}

#[test]
fn an_exported_file_of_unsent_changes_is_taken_back_after_a_wipe() {
    let kv = MemKv::default();
    begin_session(&kv, &user("u1"), CLIENT).unwrap();
    let case = Case::new(
        CaseId::parse("5d2e7c1a-7b3f-4e8a-9c2d-0000000000aa").unwrap(),
        CaseLabel::parse("AZ 7").unwrap(),
        parse_iso_date("2026-11-01").unwrap(),
    );
    create_case(&kv, &case, "t1").unwrap();
    let file = export_unsent(&kv);
    // The device is lost or wiped; a new one takes the file back.
    let fresh = MemKv::default();
    begin_session(&fresh, &user("u1"), "7a1f0c7e-3b2d-4c5e-8f9a-0b1c2d3e4f50").unwrap();
    assert_eq!(import_unsent(&fresh, &file, "t2").unwrap(), (1, 0));
    assert_eq!(cases(&fresh)[0].label.as_str(), "AZ 7");
    assert_eq!(pending_count(&fresh), 1);
    assert!(import_unsent(&fresh, "{\"format\": \"etwas anderes\"}", "t3").is_err());
}

#[test]
fn ratings_given_during_a_visit_are_one_field_per_goal_and_perspective() {
    use passgenau_domain::goals::{visit_rating_field, Perspective};
    let kv = logged_in();
    let c = new_case(&kv, 9, "RATING");
    let goal = |fields: Value| change_goals(&kv, &c.id, fields.as_object().unwrap().clone(), NOW).unwrap();
    goal(json!({"w.w1": {"type": "leistungstyp", "ziel_id": "wirkungsziel.1"},
                "h.h1": {"wirkungsziel_id": "w1", "text": "Schulbesuch", "area": "schule"},
                "r.alt": {"handlungsziel_id": "h1", "on": "2026-10-01", "perspective": "eltern", "score": -2}}));
    let field = visit_rating_field("v1", "h1", Perspective::Eltern);
    let rate = |score: Value| {
        let r = if score.is_null() {
            Value::Null
        } else {
            json!({"handlungsziel_id": "h1", "on": "2026-11-24", "perspective": "eltern", "score": score})
        };
        goal(Value::Object(Map::from_iter([(field.clone(), r)])));
    };
    rate(json!(0));
    rate(json!(1));
    assert_eq!(
        visit_ratings(&kv, &c.id, "v1").into_iter().collect::<Vec<_>>(),
        [(field.clone(), 1)],
        "changed, not added"
    );
    assert!(visit_ratings(&kv, &c.id, "v2").is_empty(), "another visit has its own");
    let plan = goals(&kv, &c.id);
    let scores: Vec<i8> =
        plan.handlungsziele().next().unwrap().ratings.iter().map(|r| r.score.get()).collect();
    assert_eq!(scores, [-2, 1], "the visit's rating joins the goal's course; the older one stays");
    rate(Value::Null);
    assert!(visit_ratings(&kv, &c.id, "v1").is_empty(), "taken back");
    assert_eq!(goals(&kv, &c.id).handlungsziele().next().unwrap().ratings.len(), 1);
}

#[test]
fn closed_cases_leave_the_device_with_their_parts_but_never_with_unsent_changes() {
    let kv = logged_in();
    let closed = |n: u8| {
        let mut c = Case::new(
            CaseId::parse(&format!("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a{n:02x}")).unwrap(),
            CaseLabel::parse(&format!("AZ {n}")).unwrap(),
            parse_iso_date("2026-01-05").unwrap(),
        );
        c.status = passgenau_domain::case::CaseStatus::Beendet;
        c.ended_on = Some(parse_iso_date("2026-10-01").unwrap());
        c
    };
    let (a, b) = (closed(1), closed(2));
    let state = |kind, id: &str, seq, body: Value| RecordState {
        kind,
        id: id.into(),
        seq,
        deleted: false,
        body,
        updated_by: "x".into(),
    };
    let v = passgenau_domain::visit::Visit::new(
        "55555555-5555-4555-8555-555555555555",
        a.id.clone(),
        "2026-09-01",
    )
    .unwrap();
    apply_pull_page(
        &kv,
        &PullResponse {
            protocol: 1,
            records: vec![
                state(RecordKind::Case, a.id.as_str(), 1, serde_json::to_value(&a).unwrap()),
                state(RecordKind::Case, b.id.as_str(), 2, serde_json::to_value(&b).unwrap()),
                state(RecordKind::Visit, &v.id, 3, serde_json::to_value(&v).unwrap()),
            ],
            cursor: 3,
            has_more: false,
        },
    )
    .unwrap();
    edit_case(&kv, &b.id, note("Abschlussbericht folgt"), NOW).unwrap();
    let today = parse_iso_date("2026-11-24").unwrap();
    assert!(evict_closed_cases(&kv, today, 60).is_empty(), "not yet 60 days");
    assert_eq!(evict_closed_cases(&kv, today, 30), [a.id.to_string()], "b has an unsent change");
    assert!(case(&kv, a.id.as_str()).is_none() && visit(&kv, &v.id).is_none(), "with its parts");
    assert!(case(&kv, b.id.as_str()).is_some());
    assert_eq!(pending_count(&kv), 1, "leaving the device is not a change to send");
}

#[test]
fn a_closed_case_stays_for_its_sustainability_check_and_evaluations_refuse_bad_values() {
    use passgenau_domain::evaluation::{self, Evaluation, EvaluationKind, Stability};
    let kv = logged_in();
    let mut c = Case::new(
        CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a61").unwrap(),
        CaseLabel::parse("AZ 61").unwrap(),
        parse_iso_date("2026-01-05").unwrap(),
    );
    c.status = passgenau_domain::case::CaseStatus::Beendet;
    c.ended_on = Some(parse_iso_date("2026-10-01").unwrap());
    let end = Evaluation::new(
        "7c1f2d3e-4a5b-4c6d-8e7f-90a1b2c3d401".into(),
        c.id.clone(),
        EvaluationKind::Abschluss,
        parse_iso_date("2026-10-01").unwrap(),
    );
    let body = |v: Map<String, Value>| Value::Object(v);
    apply_pull_page(
        &kv,
        &PullResponse {
            protocol: 1,
            records: vec![
                RecordState {
                    kind: RecordKind::Case,
                    id: c.id.to_string(),
                    seq: 1,
                    deleted: false,
                    body: serde_json::to_value(&c).unwrap(),
                    updated_by: "x".into(),
                },
                RecordState {
                    kind: RecordKind::Evaluation,
                    id: end.id.clone(),
                    seq: 2,
                    deleted: false,
                    body: body(end.to_record()),
                    updated_by: "x".into(),
                },
            ],
            cursor: 2,
            has_more: false,
        },
    )
    .unwrap();
    // A bad score changes nothing and is refused in German.
    let bad = Map::from_iter([(evaluation::quality_field(evaluation::Criterion::Beteiligung), json!(9))]);
    let err = edit_evaluation(&kv, &end.id, bad, NOW).unwrap_err();
    assert!(!err.message_de().is_empty());
    assert_eq!(pending_count(&kv), 0);
    // Follow-up due 2027-04-01: the case stays on the device through it, then 30 days more.
    let day = |s: &str| parse_iso_date(s).unwrap();
    assert!(evict_closed_cases(&kv, day("2026-12-01"), 30).is_empty(), "the check is still to come");
    let mut check = Evaluation::new(
        "7c1f2d3e-4a5b-4c6d-8e7f-90a1b2c3d402".into(),
        c.id.clone(),
        EvaluationKind::Nachhaltigkeit,
        day("2027-04-02"),
    );
    check.stability = Some(Stability::Stabil);
    add_evaluation(&kv, &check, NOW).unwrap();
    assert_eq!(evaluations(&kv, &c.id).len(), 2);
    assert_eq!(add_evaluation(&kv, &check, NOW), Err(StoreError::Exists));
    assert!(evict_closed_cases(&kv, day("2027-04-03"), 30).is_empty(), "the check is not sent yet");
    let sent = pending(&kv, usize::MAX);
    assert_eq!(sent.len(), 1);
    apply_push_response(&kv, &sent, &PushResponse { last_processed: sent[0].id, rejected: vec![] }).unwrap();
    assert_eq!(evict_closed_cases(&kv, day("2027-04-03"), 30), [c.id.to_string()], "checked: it goes");
    assert!(evaluations(&kv, &c.id).is_empty(), "with its evaluations");
}

#[test]
fn a_risk_assessment_is_concluded_only_when_complete_and_then_stays_as_it_is() {
    use passgenau_domain::cooperation::{HandOnTarget, Involvement, Kinderschutz, RiskOutcome};
    let kv = logged_in();
    let c = new_case(&kv, 1, "AZ 8a");
    let id = "7c1f2d3e-4a5b-4c6d-8e7f-90a1b2c3d4aa";
    let mut k = Kinderschutz::new(id.into(), c.id.clone(), parse_iso_date("2026-11-20").unwrap());
    k.by_provider = true;
    add_kinderschutz(&kv, &k, NOW).unwrap();
    let conclude = || Map::from_iter([("concluded_on".to_owned(), json!("2026-11-24"))]);
    match edit_kinderschutz(&kv, id, conclude(), NOW) {
        Err(StoreError::Incomplete(missing)) => assert_eq!(missing.len(), 6, "{missing:?}"),
        other => panic!("{other:?}"),
    }
    assert!(kinderschutz(&kv, &c.id)[0].concluded_on.is_none(), "refused, unchanged");
    let day = parse_iso_date("2026-11-22").unwrap();
    let fill = Map::from_iter([
        ("indications".to_owned(), json!("Blaue Flecken")),
        ("assessors".to_owned(), json!(["Anna Albers", "Tanja Thiele"])),
        ("expert".to_owned(), json!("Frau Kern")),
        ("expert_consulted_on".to_owned(), json!("2026-11-21")),
        ("parents".to_owned(), serde_json::to_value(Involvement::Beteiligt { on: day }).unwrap()),
        ("child".to_owned(), serde_json::to_value(Involvement::Beteiligt { on: day }).unwrap()),
        ("outcome".to_owned(), serde_json::to_value(RiskOutcome::Gefaehrdung).unwrap()),
        ("handed_on".to_owned(), json!([[HandOnTarget::Jugendamt, passgenau_domain::date::iso(day)]])),
    ]);
    edit_kinderschutz(&kv, id, fill, NOW).unwrap();
    edit_kinderschutz(&kv, id, conclude(), NOW).unwrap();
    let done = &kinderschutz(&kv, &c.id)[0];
    assert_eq!(done.concluded_on, Some(parse_iso_date("2026-11-24").unwrap()));
    let late = Map::from_iter([("measures".to_owned(), json!("nachträglich"))]);
    assert_eq!(edit_kinderschutz(&kv, id, late, NOW), Err(StoreError::Concluded));
    assert!(StoreError::Concluded.message_de().contains("abgeschlossen"));
}

#[test]
fn sozialraum_offers_budgets_and_their_links_into_a_hilfesetting() {
    use passgenau_domain::sozialraum::{Financing, OfferKind};
    let kv = logged_in();
    let c = new_case(&kv, 0x71, "AZ 71");
    let id = "5a0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
    let n = std::cell::Cell::new(0);
    let o = Offer::new(
        id.into(),
        "Gruppe Schulvermeidung",
        OfferKind::Gruppe,
        Financing::Zuschuss,
        parse_iso_date("2026-09-01").unwrap(),
        12,
        || {
            n.set(n.get() + 1);
            format!("k{}", n.get())
        },
    );
    add_offer(&kv, &o, NOW).unwrap();
    assert!(matches!(add_offer(&kv, &o, NOW), Err(StoreError::Exists)));
    assert_eq!(offers(&kv), vec![o.clone()]);
    let queued = pending(&kv, 10);
    assert_eq!(queued.last().unwrap().kind, RecordKind::SozialraumOffer);

    // An expense and a judged criterion, each its own field; a refused value changes nothing.
    let mut f = Map::new();
    f.insert("x.e1".into(), json!({"id": "e1", "on": "2026-10-01", "fls_minutes": 90, "amount_cents": 0}));
    f.insert("k.k1".into(), json!({"id": "k1", "name": "Bedarf vor Ort", "weight": 30, "score": 3}));
    edit_offer(&kv, id, f, NOW).unwrap();
    let bad = Map::from_iter([("duration_months".to_owned(), json!(0))]);
    let e = edit_offer(&kv, id, bad, NOW).unwrap_err();
    assert!(e.message_de().contains("Laufzeit"), "{}", e.message_de());
    let stored = offer(&kv, id).unwrap();
    assert_eq!((stored.duration_months, stored.expenses.len()), (12, 1));
    assert_eq!(stored.criteria.iter().find(|k| k.id == "k1").unwrap().score, Some(3));

    // Linked into the case's Hilfesetting, listed under the offer, and out again.
    let link = OfferLink {
        offer_id: id.into(),
        title: o.title.clone(),
        financing: o.financing,
        since: parse_iso_date("2026-11-02").unwrap(),
        theme: "Schulbesuch".into(),
    };
    link_offer(&kv, &c.id, &link, NOW).unwrap();
    assert_eq!(hilfesetting(&kv, &c.id).offers, vec![link.clone()]);
    assert_eq!(cases_in_offer(&kv, id).iter().map(|(c, _)| c.label.as_str()).collect::<Vec<_>>(), ["AZ 71"]);
    unlink_offer(&kv, &c.id, id, NOW).unwrap();
    assert!(hilfesetting(&kv, &c.id).offers.is_empty());
    assert!(cases_in_offer(&kv, id).is_empty());
    // An offer entered twice by mistake is deleted.
    let twin = Offer { id: "6b1d2e3f-4051-4b6c-9d7e-8f9a0b1c2d3e".into(), ..o.clone() };
    add_offer(&kv, &twin, NOW).unwrap();
    delete_offer(&kv, &twin.id, NOW).unwrap();
    assert_eq!(offers(&kv).len(), 1);

    // A year's budget, entered, changed and (entered twice) deleted.
    let b = Budget {
        schema: 1,
        id: "7c2e3f40-5162-4c7d-8e8f-9a0b1c2d3e4f".into(),
        year: 2026,
        amount_cents: 4_000_000,
        note: String::new(),
    };
    add_budget(&kv, &b, NOW).unwrap();
    edit_budget(&kv, &b.id, Map::from_iter([("amount_cents".to_owned(), json!(4_500_000))]), NOW).unwrap();
    assert_eq!(budgets(&kv)[0].amount_cents, 4_500_000);
    delete_budget(&kv, &b.id, NOW).unwrap();
    assert!(budgets(&kv).is_empty());
}
