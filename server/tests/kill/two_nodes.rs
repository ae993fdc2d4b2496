//! Two server processes on one PostgreSQL database: the nodes keep no state of their own, so a
//! client may talk to either of them in any order. Part of the `kill` test binary (real processes).
//!
//! Checked: a session made on one node works on the other (and a logout on one ends it on both);
//! two devices of one team push through alternating nodes at the same time, editing different
//! fields of the same cases and creating new ones, while a reader follows the cursor with small
//! pages, also alternating nodes. No update is lost, the reader never sees a change twice or out of
//! order and ends with exactly the server's state (no change skipped behind its cursor), the team
//! counter moved once per mutation, and both nodes answer every page identically.

use std::collections::{HashMap, HashSet};

use crate::common;
use crate::common::node::{login, Node, Observer, Session};
use serde_json::{json, Value};
use server::demo::TEAM_NORD;

const ANNA_DEVICE: &str = "0dde0000-0000-4000-8000-00000000000a";
const BEN_DEVICE: &str = "0dde0000-0000-4000-8000-00000000000b";
const DEMO_CASES: usize = 3;
/// Cases both devices edit at the same time.
const SHARED: u64 = 30;
/// Pushes per device in the concurrent phase; each edits every shared case and creates one case.
const ROUNDS: u64 = 25;
/// The reader's page size: small, so it pages many times while the writers run.
const PAGE: u32 = 7;

fn case_id(group: u64, n: u64) -> String {
    format!("0dde{group:04}-0000-4000-8000-{n:012}")
}

fn create(id: u64, record: &str, label: &str) -> Value {
    json!({"id": id, "kind": "case", "record_id": record, "op": {"type": "put", "fields": {
        "schema": 1, "id": record, "label": label, "start_date": "2026-11-01", "note": ""
    }}})
}

/// An edit made, as on a real device, against the version the device had pulled (`base_seq`), so
/// the server does not take it for a change made without having seen the case's creation.
fn set(id: u64, record: &str, field: &str, value: &str, base: u64) -> Value {
    json!({"id": id, "kind": "case", "record_id": record, "base_seq": base,
           "op": {"type": "put", "fields": {field: value}}})
}

async fn push(s: &Session, base: &str, device: &str, mutations: Vec<Value>) -> Value {
    let last = mutations.last().map(|m| m["id"].as_u64().unwrap());
    let body = json!({"protocol": 1, "client_id": device, "mutations": mutations}).to_string();
    let (status, res) = s.post(base, "/api/v1/sync/push", body).await.unwrap();
    assert_eq!(status, 200, "push of {} via {base}: {res}", s.username);
    assert_eq!(res["rejected"], json!([]), "{res}");
    if let Some(last) = last {
        assert_eq!(res["last_processed"], last, "{res}");
    }
    res
}

/// A writer device: `ROUNDS` pushes through alternating nodes (starting with `nodes[first_node]`),
/// each setting `field` on every shared case to "<user> <round>" and creating one case of `group`.
/// Its mutation ids continue after `last_id`.
#[allow(clippy::too_many_arguments)] // One writer per device; the parameters are its script.
async fn writer(
    s: Session,
    nodes: [String; 2],
    device: &'static str,
    field: &'static str,
    group: u64,
    mut last_id: u64,
    first_node: usize,
    base: u64,
) {
    for r in 0..ROUNDS {
        let mut mutations = Vec::new();
        for n in 1..=SHARED {
            last_id += 1;
            mutations.push(set(last_id, &case_id(0, n), field, &format!("{} {r}", s.username), base));
        }
        last_id += 1;
        mutations.push(create(last_id, &case_id(group, r), &format!("{} neu {r}", s.username)));
        push(&s, &nodes[(first_node + r as usize) % 2], device, mutations).await;
    }
}

type View = HashMap<String, Value>;

/// Applies a page to the reader's view; a seq is never seen twice, a record never goes back.
fn apply(view: &mut View, seen: &mut HashSet<u64>, page: &Value) {
    for r in page["records"].as_array().unwrap() {
        let seq = r["seq"].as_u64().unwrap();
        assert!(seen.insert(seq), "change {seq} seen twice");
        let id = r["id"].as_str().unwrap().to_owned();
        if let Some(old) = view.get(&id) {
            assert!(old["seq"].as_u64().unwrap() < seq, "record {id} went back in seq");
        }
        view.insert(id, r.clone());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_postgres_behave_as_one() {
    let Some(admin) = common::pg_admin_url() else { return };
    let url = common::fresh_pg_database(&admin).await;
    let dir = common::TempDir::new();
    let a = Node::start(&url, &dir.0, true).await;
    let b = Node::start(&url, &dir.0, false).await;
    let nodes = [a.base.clone(), b.base.clone()];

    // Sessions live in the database: made on one node, valid on both; a logout on one ends it on both.
    let anna = login(&nodes[0], "anna").await;
    let ben = login(&nodes[1], "ben").await;
    for (s, name) in [(&anna, "anna"), (&ben, "ben")] {
        for base in &nodes {
            let (status, me) = s.get(base, "/api/v1/auth/me").await.unwrap();
            assert_eq!((status, me["username"].as_str()), (200, Some(name)), "{name} on {base}");
        }
    }
    let short = login(&nodes[0], "anna").await;
    let (status, _) = short.post(&nodes[1], "/api/v1/auth/logout", String::new()).await.unwrap();
    assert_eq!(status, 200);
    for base in &nodes {
        assert_eq!(short.get(base, "/api/v1/auth/me").await.unwrap().0, 401, "logged out on {base}");
    }

    // The shared cases, created by anna through node A.
    let creations = (1..=SHARED).map(|n| create(n, &case_id(0, n), &format!("AZ {n}"))).collect();
    push(&anna, &nodes[0], ANNA_DEVICE, creations).await;
    let base = ben.pull_all(&nodes[1], 1000).await.iter().map(|r| r["seq"].as_u64().unwrap()).max().unwrap();

    // At the same time anna edits notes, ben edits labels; their pushes start on different nodes.
    let writers = [
        tokio::spawn(writer(anna.clone(), nodes.clone(), ANNA_DEVICE, "note", 1, SHARED, 1, base)),
        tokio::spawn(writer(ben.clone(), nodes.clone(), BEN_DEVICE, "label", 2, 0, 0, base)),
    ];

    // The reader follows the cursor in small pages, alternating nodes, while the writers run.
    let mut view = View::new();
    let mut seen = HashSet::new();
    let mut since = 0;
    let mut pages = 0usize;
    loop {
        let writing = writers.iter().any(|w| !w.is_finished());
        let page = ben.pull_page(&nodes[pages % 2], since, PAGE).await;
        pages += 1;
        apply(&mut view, &mut seen, &page);
        since = page["cursor"].as_u64().unwrap();
        if !writing && !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    eprintln!("reader: {pages} pages of at most {PAGE}, {} changes seen", seen.len());

    // Both nodes give the same answer, page by page, and it is the reader's view.
    let mut pages_a = Vec::new();
    let mut pages_b = Vec::new();
    for (base, out) in [(&nodes[0], &mut pages_a), (&nodes[1], &mut pages_b)] {
        let mut since = 0;
        loop {
            let page = anna.pull_page(base, since, PAGE).await;
            since = page["cursor"].as_u64().unwrap();
            let more = page["has_more"].as_bool().unwrap();
            out.push(page);
            if !more {
                break;
            }
        }
    }
    assert_eq!(pages_a, pages_b, "both nodes answer every page identically");
    let all = anna.pull_all(&nodes[1], 1000).await;
    let state: View = all.iter().map(|r| (r["id"].as_str().unwrap().to_owned(), r.clone())).collect();
    assert_eq!(view, state, "the reader missed no change behind its cursor");

    // No lost update: each case carries the last value of both devices.
    assert_eq!(state.len(), DEMO_CASES + SHARED as usize + 2 * ROUNDS as usize);
    for n in 1..=SHARED {
        let body = &state[&case_id(0, n)]["body"];
        assert_eq!(body["note"], format!("anna {}", ROUNDS - 1), "case {n}: {body}");
        assert_eq!(body["label"], format!("ben {}", ROUNDS - 1), "case {n}: {body}");
    }
    for r in 0..ROUNDS {
        assert_eq!(state[&case_id(1, r)]["body"]["label"], format!("anna neu {r}"));
        assert_eq!(state[&case_id(2, r)]["body"]["label"], format!("ben neu {r}"));
    }
    // Every mutation was applied exactly once: the counter moved once per mutation.
    let obs = Observer::connect(&url).await;
    let mutations = SHARED + 2 * ROUNDS * (SHARED + 1);
    assert_eq!(obs.team_counter(TEAM_NORD).await, DEMO_CASES as u64 + mutations);
    assert_eq!(obs.last_processed(ANNA_DEVICE).await, SHARED + ROUNDS * (SHARED + 1));
    assert_eq!(obs.last_processed(BEN_DEVICE).await, ROUNDS * (SHARED + 1));
    let max_seq = all.iter().map(|r| r["seq"].as_u64().unwrap()).max().unwrap();
    assert_eq!(max_seq, DEMO_CASES as u64 + mutations, "the last change carries the counter's value");
    for node in [&a, &b] {
        let problems = node.log_problems();
        assert!(problems.is_empty(), "{} logged errors: {problems:#?}", node.base);
    }
}
