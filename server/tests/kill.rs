//! The server binary killed with SIGKILL while a large push is in flight, then restarted on the same
//! database; the device finishes the way the real client does (resend everything above the last
//! acknowledged mutation id, continue from the `last_processed` the server answers).
//!
//! Checked after every kill: a push is all or nothing (the stored `last_processed` is the previous
//! one or the batch's last id, and the team's records and change counter match it). Checked at the
//! end, over HTTP: every mutation's case is there with its content, nothing was applied twice (the
//! seqs are exactly 1..=n, so the team counter moved once per mutation), and `last_processed` is the
//! last id. On SQLite and on PostgreSQL (a fresh database; skipped without `TEST_PG_URL` unless
//! `PASSGENAU_REQUIRE_PG=1`).

mod common;
/// Two server processes on one PostgreSQL (in this binary: every test binary costs ~1 GiB of disk).
#[path = "kill/two_nodes.rs"]
mod two_nodes;

use std::time::{Duration, Instant};

use common::node::{login, Node, Observer, Session};
use serde_json::{json, Value};
use server::demo::TEAM_NORD;

const DEVICE: &str = "6b111111-1111-4111-8111-000000000001";
/// Mutations per push: the server's maximum.
const BATCH: u64 = 1000;
/// Cases the demo seed puts into team Nord.
const DEMO_CASES: u64 = 3;
/// Note filler: with it a push of `BATCH` creations is just below the 4 MiB body limit.
const FILLER: &str = "Hausbesuch vereinbart; Schule und Kita eingebunden – Rückmeldung der Eltern offen. ";
const FILLER_REPEAT: usize = 45;

fn case_id(n: u64) -> String {
    format!("c0ffee00-0000-4000-8000-{n:012}")
}

fn note(n: u64) -> String {
    format!("Notiz {n}: {}", FILLER.repeat(FILLER_REPEAT))
}

fn label(n: u64) -> String {
    format!("KILL-{n}")
}

/// Mutation `n` creates case `n`.
fn mutation(n: u64) -> Value {
    json!({
        "id": n, "kind": "case", "record_id": case_id(n), "client_time": "2026-11-23T09:00:00Z",
        "op": {"type": "put", "fields": {
            "schema": 1, "id": case_id(n), "label": label(n), "start_date": "2026-11-01", "note": note(n)
        }}
    })
}

fn push_body(ids: std::ops::RangeInclusive<u64>) -> String {
    let mutations: Vec<Value> = ids.map(mutation).collect();
    json!({"protocol": 1, "client_id": DEVICE, "mutations": mutations}).to_string()
}

/// The device's view of its queue: mutations 1..=created exist, 1..=acked are confirmed.
struct Device {
    created: u64,
    acked: u64,
}

impl Device {
    /// Sends everything above `acked` in pushes of at most `BATCH` until the server has processed
    /// all of it, as the real client does after a failed round.
    async fn finish(&mut self, node: &Node, anna: &Session) {
        let mut attempts = 0;
        while self.acked < self.created {
            let hi = (self.acked + BATCH).min(self.created);
            match anna.post(&node.base, "/api/v1/sync/push", push_body(self.acked + 1..=hi)).await {
                Ok((200, res)) => {
                    let lp = res["last_processed"].as_u64().unwrap();
                    assert_eq!(
                        lp,
                        hi,
                        "a resend of {}..={hi} is processed completely: {res}",
                        self.acked + 1
                    );
                    assert_eq!(res["rejected"], json!([]), "nothing is rejected");
                    self.acked = lp;
                }
                Ok((status, res)) => panic!("resend answered {status}: {res}\n{}", node.log_text()),
                Err(e) => {
                    attempts += 1;
                    assert!(attempts < 5, "resend keeps failing: {e}\n{}", node.log_text());
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// Right after the request is handed to the HTTP client, before the server can have all of it.
    Immediately,
    /// While the push's write transaction is open (seen from the database), before its commit.
    InTransaction,
    /// A fraction of the time the latest undisturbed push of the same size took.
    Fraction(f64),
    /// As soon as the device's `last_processed` is seen committed in the database.
    Commit,
    /// After the device has received the response.
    Response,
}

async fn kill_during_large_pushes(database_url: String, dir: &common::TempDir) {
    let mut node = Node::start(&database_url, &dir.0, true).await;
    let anna = login(&node.base, "anna").await;
    let obs = Observer::connect(&database_url).await;
    let mut device = Device { created: 0, acked: 0 };

    let size = push_body(1..=BATCH).len();
    assert!(size < server::BODY_LIMIT_BYTES, "a push of {size} bytes fits the body limit");
    assert!(size > server::BODY_LIMIT_BYTES * 9 / 10, "a push of {size} bytes is close to the body limit");

    // An undisturbed push first: its duration places the kills of the later rounds.
    device.created = BATCH;
    let t = Instant::now();
    device.finish(&node, &anna).await;
    let mut full = t.elapsed();
    eprintln!("undisturbed push of {BATCH} mutations ({size} bytes): {full:?}");

    let plans = [
        KillAt::Immediately,
        KillAt::InTransaction,
        KillAt::Fraction(0.6),
        KillAt::Fraction(0.9),
        KillAt::Fraction(1.0),
        KillAt::Commit,
        KillAt::Response,
    ];
    for plan in plans {
        let prev = device.acked;
        let (lo, hi) = (device.created + 1, device.created + BATCH);
        device.created = hi;
        let body = push_body(lo..=hi);
        assert!(body.len() < server::BODY_LIMIT_BYTES, "push of {} bytes", body.len());
        let request = {
            let (anna, base) = (anna.clone(), node.base.clone());
            tokio::spawn(async move { anna.post(&base, "/api/v1/sync/push", body).await })
        };
        let sent = Instant::now();
        match plan {
            KillAt::Immediately => {}
            KillAt::InTransaction => {
                while !obs.write_transaction_open().await {
                    assert!(!request.is_finished(), "the push ended before its transaction was seen");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                // Just inside: the transaction holds its locks and has read the batch's records; the
                // 1000 merges and the batched writes still to come take far longer than this.
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            KillAt::Fraction(f) => tokio::time::sleep(full.mul_f64(f)).await,
            KillAt::Commit => {
                while obs.last_processed(DEVICE).await < hi && !request.is_finished() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            KillAt::Response => {
                while !request.is_finished() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }
        let killed_after = sent.elapsed();
        node.kill();
        let answer = request.await.unwrap();
        let answered = match &answer {
            Ok((200, res)) => {
                assert_eq!(res["last_processed"], hi, "{res}");
                device.acked = hi;
                true
            }
            Ok((status, res)) => panic!("push answered {status}: {res}\n{}", node.log_text()),
            Err(_) => false,
        };

        // All or nothing: the batch is committed completely or not at all.
        obs.wait_for_no_other_sessions().await;
        let stored = obs.last_processed(DEVICE).await;
        assert!(stored == prev || stored == hi, "{plan:?}: last_processed {stored}, expected {prev} or {hi}");
        assert_eq!(obs.team_records(TEAM_NORD).await, DEMO_CASES + stored, "records match last_processed");
        assert_eq!(obs.team_counter(TEAM_NORD).await, DEMO_CASES + stored, "counter matches last_processed");
        let expected = match plan {
            KillAt::Immediately | KillAt::InTransaction => Some(false),
            KillAt::Fraction(_) => None,
            KillAt::Commit | KillAt::Response => Some(true),
        };
        eprintln!(
            "{plan:?}: killed after {killed_after:?}; committed: {}; device got the response: {answered}",
            stored == hi
        );
        if let Some(expected) = expected {
            assert_eq!(stored == hi, expected, "{plan:?}: committed");
        }

        node.restart().await;
        let t = Instant::now();
        device.finish(&node, &anna).await;
        if stored != hi {
            // The batch was applied now, undisturbed: a fresh measure for the next fractions.
            full = t.elapsed();
        }
    }

    // Everything is there exactly once, read over HTTP from the restarted server.
    let n = device.created;
    let records = anna.pull_all(&node.base, 1000).await;
    assert_eq!(records.len() as u64, DEMO_CASES + n, "one record per mutation, plus the demo cases");
    let mut seqs: Vec<u64> = records.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    seqs.sort_unstable();
    let expected: Vec<u64> = (1..=DEMO_CASES + n).collect();
    assert_eq!(seqs, expected, "seqs are 1..=n without gaps or duplicates: nothing applied twice");
    let by_id: std::collections::HashMap<&str, &Value> =
        records.iter().map(|r| (r["id"].as_str().unwrap(), r)).collect();
    for k in 1..=n {
        let r = by_id.get(case_id(k).as_str()).unwrap_or_else(|| panic!("case of mutation {k} is lost"));
        assert_eq!(r["deleted"], false);
        assert_eq!(r["body"]["label"], label(k), "mutation {k}");
        assert_eq!(r["body"]["note"], note(k), "mutation {k}");
        assert_eq!(r["updated_by"], "Anna Albers");
    }
    assert_eq!(obs.team_counter(TEAM_NORD).await, DEMO_CASES + n, "the counter moved once per mutation");
    assert_eq!(obs.rejected(DEVICE).await, 0);
    // A replay of the last batch changes nothing and reports the last id.
    let (status, res) =
        anna.post(&node.base, "/api/v1/sync/push", push_body(n - BATCH + 1..=n)).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(res["last_processed"], n);
    assert_eq!(obs.team_counter(TEAM_NORD).await, DEMO_CASES + n);
    let problems = node.log_problems();
    assert!(problems.is_empty(), "the server logged errors: {problems:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_large_pushes_loses_nothing_and_applies_nothing_twice_sqlite() {
    let dir = common::TempDir::new();
    let url = format!("sqlite:{}", dir.0.join("kill.db").display());
    kill_during_large_pushes(url, &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_large_pushes_loses_nothing_and_applies_nothing_twice_postgres() {
    let Some(admin) = common::pg_admin_url() else { return };
    let dir = common::TempDir::new();
    let url = common::fresh_pg_database(&admin).await;
    kill_during_large_pushes(url, &dir).await;
}
