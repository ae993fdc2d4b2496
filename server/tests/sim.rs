//! A seeded, deterministic simulation of sync over the real code: the device store and sync round of
//! `app` on in-memory device storage, and the server's `Database` on SQLite, joined by a network that
//! drops requests and responses, duplicates and delays (reorders) pushes, partitions devices, and
//! restarts the server. Invariants are checked after every step; a failure prints its seed.
//!
//! `SIM_SEEDS=N` runs N seeds (default 200), `SIM_SEED=S` replays one, `SIM_STEPS` sets steps per seed.

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use app::kv::MemKv;
use app::store;
use app::sync::{sync_round, SyncError, Transport};
use passgenau_domain::auth::SessionInfo;
use passgenau_domain::case::{parse_iso_date, Case, CaseId, CaseLabel};
use passgenau_domain::conflict::{Conflict, ConflictKind, Resolution};
use passgenau_domain::sync::{Mutation, Op, PullResponse, PushRequest, PushResponse, RecordKind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use server::db::{Actor, CompactPolicy, Db, DbError, NewUser};

const TEAM: &str = "7e000000-0000-4000-8000-000000000001";
/// Tombstones removed by compaction over all seeds, printed to show compaction was exercised.
static TOMBSTONES_COMPACTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
const NOW: &str = "2026-11-23T10:00:00Z";

struct Faults {
    drop_request: f64,
    drop_response: f64,
    duplicate: f64,
    delay: f64,
}

const HOSTILE: Faults = Faults { drop_request: 0.1, drop_response: 0.25, duplicate: 0.1, delay: 0.1 };
const CALM: Faults = Faults { drop_request: 0.0, drop_response: 0.0, duplicate: 0.0, delay: 0.0 };

struct Net {
    db: RefCell<Db>,
    url: String,
    rng: RefCell<StdRng>,
    faults: RefCell<&'static Faults>,
    /// Push requests held back by the network, delivered later (out of order) or never.
    delayed: RefCell<Vec<(Actor, PushRequest)>>,
    /// The observer's model of the server: last processed mutation per device, as answered.
    processed: RefCell<HashMap<String, u64>>,
    /// Every (record, field, value) the server applied, seen from its answers.
    applied: RefCell<HashSet<(String, String, String)>>,
    /// An independent model of the merge rule, fed with what the server processed.
    model: RefCell<Model>,
}

/// The observer's own merge model: per field its value and last writer. A change is concurrent when the
/// previous write came from another device at a position the writer had not seen (its `base_seq`);
/// then the server must have kept a conflict record. Written apart from `conflict::merge` on purpose.
#[derive(Default)]
struct Model {
    seq: u64,
    fields: HashMap<(String, String), (serde_json::Value, u64, String)>,
    deleted: HashMap<String, (bool, u64, String)>,
    /// (record, field, position of the change, kept value, overwritten value); values Null for deletes.
    conflicts: BTreeSet<(String, String, u64, String, String)>,
}

impl Model {
    fn apply(&mut self, client: &str, m: &Mutation) {
        self.seq += 1;
        let at = self.seq;
        let base = m.base_seq.unwrap_or(0);
        let unseen = |seq: u64, by: &str| seq > base && by != client;
        let mut found = Vec::new();
        if m.kind == RecordKind::Case {
            let was_deleted = self.deleted.get(&m.record_id).cloned();
            match &m.op {
                Op::Put { fields } => {
                    if let Some((true, seq, by)) = &was_deleted {
                        if unseen(*seq, by) {
                            found.push(("_deleted".to_owned(), "null".to_owned(), "null".to_owned()));
                        }
                    }
                    if was_deleted.as_ref().is_some_and(|d| d.0) {
                        self.deleted.insert(m.record_id.clone(), (false, at, client.to_owned()));
                    }
                    for (f, v) in fields {
                        let key = (m.record_id.clone(), f.clone());
                        match self.fields.get(&key) {
                            Some((old, _, _)) if old == v => continue,
                            Some((old, seq, by))
                                if unseen(*seq, by) && !was_deleted.as_ref().is_some_and(|d| d.0) =>
                            {
                                found.push((f.clone(), v.to_string(), old.to_string()));
                            }
                            _ => {}
                        }
                        self.fields.insert(key, (v.clone(), at, client.to_owned()));
                    }
                }
                Op::Delete => {
                    if !was_deleted.as_ref().is_some_and(|d| d.0) {
                        let edited = self
                            .fields
                            .iter()
                            .any(|((r, _), (_, seq, by))| r == &m.record_id && unseen(*seq, by))
                            || was_deleted.as_ref().is_some_and(|(_, seq, by)| unseen(*seq, by));
                        if edited {
                            found.push(("_deleted".to_owned(), "null".to_owned(), "null".to_owned()));
                        }
                    }
                    self.deleted.insert(m.record_id.clone(), (true, at, client.to_owned()));
                }
            }
        }
        for (f, kept, over) in found {
            self.seq += 1;
            self.conflicts.insert((m.record_id.clone(), f, at, kept, over));
        }
    }
}

impl Net {
    /// Pushes and records what the server applied (whether or not the answer reaches the device).
    async fn push_observed(
        &self,
        actor: &Actor,
        req: &PushRequest,
    ) -> Result<PushResponse, server::db::DbError> {
        let res = self.db().push(actor, &req.client_id, &req.mutations).await?;
        let before = self.processed.borrow().get(&req.client_id).copied().unwrap_or(0);
        for m in &req.mutations {
            let rejected = res.rejected.iter().any(|r| r.mutation_id == m.id);
            if m.id > before && m.id <= res.last_processed && !rejected {
                self.model.borrow_mut().apply(&req.client_id, m);
                if let Op::Put { fields } = &m.op {
                    for (k, v) in fields {
                        if let Some(v) = v.as_str() {
                            self.applied.borrow_mut().insert((m.record_id.clone(), k.clone(), v.to_owned()));
                        }
                    }
                }
            }
        }
        let mut p = self.processed.borrow_mut();
        let e = p.entry(req.client_id.clone()).or_insert(0);
        *e = (*e).max(res.last_processed);
        Ok(res)
    }

    fn roll(&self, p: f64) -> bool {
        p > 0.0 && self.rng.borrow_mut().gen_bool(p)
    }
    fn db(&self) -> Db {
        self.db.borrow().clone()
    }
    async fn deliver_one_delayed(&self) -> Result<(), String> {
        let n = self.delayed.borrow().len();
        if n == 0 {
            return Ok(());
        }
        let i = self.rng.borrow_mut().gen_range(0..n);
        let (actor, req) = self.delayed.borrow_mut().remove(i);
        // The response goes nowhere: the device gave up on this request long ago.
        self.push_observed(&actor, &req).await.map(|_| ()).map_err(|e| e.to_string())
    }
    async fn restart(&self) {
        let fresh = server::db::connect(&self.url).await.expect("server restarts");
        *self.db.borrow_mut() = fresh;
    }
}

struct Link<'a> {
    net: &'a Net,
    actor: Actor,
    user: SessionInfo,
    online: bool,
}

impl Transport for Link<'_> {
    async fn me(&self) -> Result<SessionInfo, SyncError> {
        if !self.online {
            return Err(SyncError::Offline);
        }
        Ok(self.user.clone())
    }

    async fn push(&self, req: &PushRequest) -> Result<PushResponse, SyncError> {
        let f = *self.net.faults.borrow();
        if !self.online || self.net.roll(f.drop_request) {
            return Err(SyncError::Offline);
        }
        if self.net.roll(f.delay) {
            self.net.delayed.borrow_mut().push((self.actor.clone(), req.clone()));
            return Err(SyncError::Offline);
        }
        let server = |e: server::db::DbError| SyncError::Server(e.to_string());
        let mut res = self.net.push_observed(&self.actor, req).await.map_err(server)?;
        if self.net.roll(f.duplicate) {
            res = self.net.push_observed(&self.actor, req).await.map_err(server)?;
        }
        if self.net.roll(f.drop_response) {
            return Err(SyncError::Offline);
        }
        Ok(res)
    }

    async fn pull(&self, client_id: &str, since: u64, limit: u32) -> Result<PullResponse, SyncError> {
        let f = *self.net.faults.borrow();
        if !self.online || self.net.roll(f.drop_request) {
            return Err(SyncError::Offline);
        }
        let page =
            self.net.db().pull(&self.actor, Some(client_id), since, limit).await.map_err(|e| match e {
                DbError::ResetRequired { .. } => SyncError::ResetRequired,
                e => SyncError::Server(e.to_string()),
            })?;
        if self.net.roll(f.drop_response) {
            return Err(SyncError::Offline);
        }
        Ok(page)
    }
}

struct Device {
    kv: MemKv,
    actor: Actor,
    user: SessionInfo,
    client_id: String,
    online: bool,
    cursor: u64,
    /// The last value this device wrote to each (record, field): its final word, which must arrive.
    last_write: HashMap<(String, String), String>,
}

async fn server_state(url: &str) -> (BTreeMap<String, u64>, i64, i64) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT client_id, last_processed FROM client_state").fetch_all(&mut c).await.unwrap();
    let (seq,): (i64,) = sqlx::query_as("SELECT seq FROM team_counters WHERE team_id = ?")
        .bind(TEAM)
        .fetch_one(&mut c)
        .await
        .unwrap();
    let (rejected,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM rejected_mutations").fetch_one(&mut c).await.unwrap();
    (rows.into_iter().map(|(k, v)| (k, v as u64)).collect(), seq, rejected)
}

/// Every unprocessed mutation a device made is still in its queue.
async fn check_nothing_lost(url: &str, devices: &[Device]) -> Result<(), String> {
    let (processed, _, _) = server_state(url).await;
    for d in devices {
        store::meta(&d.kv).ok_or("device lost its meta")?;
        let done = processed.get(&d.client_id).copied().unwrap_or(0);
        let queued: BTreeSet<u64> = store::pending(&d.kv, usize::MAX).iter().map(|m| m.id).collect();
        for id in done + 1..store::next_mutation(&d.kv) {
            if !queued.contains(&id) {
                return Err(format!(
                    "device {} lost mutation {id} (server processed up to {done})",
                    d.client_id
                ));
            }
        }
    }
    Ok(())
}

/// Runs one seed; returns how many conflicts the server recorded (all checked against the model).
async fn run_seed(seed: u64, steps: usize) -> Result<usize, String> {
    let dir = common::TempDir::new();
    let url = format!("sqlite:{}", dir.0.join("sim.db").display());
    let db = server::db::connect(&url).await.map_err(|e| e.to_string())?;
    db.create_team(TEAM, "Simulationsteam").await.map_err(|e| e.to_string())?;
    let mut rng = StdRng::seed_from_u64(seed);
    let n_devices = rng.gen_range(2..=8);
    let n_users = rng.gen_range(1..=n_devices.min(3));
    let mut devices = Vec::new();
    for u in 0..n_users {
        let id = format!("7e000000-0000-4000-8000-1000000000{u:02}");
        let username = format!("nutzer{u}");
        db.create_user(NewUser {
            id: &id,
            team_id: TEAM,
            username: &username,
            display_name: &username,
            role: "fachkraft_traeger",
            password_hash: "not-used",
        })
        .await
        .map_err(|e| e.to_string())?;
    }
    for d in 0..n_devices {
        let u = d % n_users;
        let user = SessionInfo {
            user_id: format!("7e000000-0000-4000-8000-1000000000{u:02}"),
            username: format!("nutzer{u}"),
            display_name: format!("nutzer{u}"),
            role: "fachkraft_traeger".into(),
            team_id: TEAM.into(),
            team_name: "Simulationsteam".into(),
            closed_case_days: None,
        };
        let kv = MemKv::default();
        let client_id = uuid::Uuid::from_u128(rng.gen()).to_string();
        store::begin_session(&kv, &user, &client_id).map_err(|e| e.to_string())?;
        let actor = Actor {
            user_id: user.user_id.clone(),
            team_id: TEAM.into(),
            display_name: user.display_name.clone(),
            may_approve: false,
        };
        devices.push(Device {
            kv,
            actor,
            user,
            client_id,
            online: true,
            cursor: 0,
            last_write: HashMap::new(),
        });
    }
    let net = Net {
        db: RefCell::new(db),
        url: url.clone(),
        rng: RefCell::new(StdRng::seed_from_u64(seed ^ 0x5eed)),
        faults: RefCell::new(&HOSTILE),
        delayed: RefCell::new(Vec::new()),
        processed: RefCell::new(HashMap::new()),
        applied: RefCell::new(HashSet::new()),
        model: RefCell::new(Model::default()),
    };

    let mut notes_written = BTreeSet::new();
    for step in 0..steps {
        let d = rng.gen_range(0..devices.len());
        // Few cases, so devices often edit the same record: that is where merges and losses happen.
        let n_cases = store::cases(&devices[d].kv).len();
        let create_below = if n_cases < 3 { 10 } else { 2 };
        match rng.gen_range(0..100) {
            r if r < create_below => {
                let id = CaseId::parse(&uuid::Uuid::from_u128(rng.gen()).to_string()).unwrap();
                let label = CaseLabel::parse(&format!("AZ {seed}-{step}")).unwrap();
                let case = Case::new(id, label, parse_iso_date("2026-11-01").unwrap());
                store::create_case(&devices[d].kv, &case, NOW)
                    .map_err(|e| format!("step {step}: create: {e}"))?;
            }
            r if r < 45 => {
                let cases = store::cases(&devices[d].kv);
                if !cases.is_empty() {
                    let c = &cases[rng.gen_range(0..cases.len())];
                    let field = if rng.gen_bool(0.7) { "note" } else { "label" };
                    let value = format!("d{d} s{step}");
                    let fields = json!({ field: value }).as_object().unwrap().clone();
                    store::edit_case(&devices[d].kv, &c.id, fields, NOW)
                        .map_err(|e| format!("step {step}: edit: {e}"))?;
                }
            }
            r if r < 48 => {
                let cases = store::cases(&devices[d].kv);
                if !cases.is_empty() && rng.gen_bool(0.5) {
                    let c = &cases[rng.gen_range(0..cases.len())];
                    store::delete_case(&devices[d].kv, &c.id, NOW)
                        .map_err(|e| format!("step {step}: delete: {e}"))?;
                }
            }
            r if r < 55 => {
                let open = store::open_conflicts(&devices[d].kv);
                if !open.is_empty() {
                    let c = &open[rng.gen_range(0..open.len())];
                    let choice = match rng.gen_range(0..3) {
                        0 => Resolution::Kept,
                        1 => Resolution::Overwritten,
                        _ if c.can_keep_both() => Resolution::Both,
                        _ => Resolution::Kept,
                    };
                    store::resolve_conflict(&devices[d].kv, &c.id, choice, NOW)
                        .map_err(|e| format!("step {step}: resolve {choice:?}: {e}"))?;
                }
            }
            r if r < 60 => {
                // Visit notes are append-only records: many devices write on the same case, none conflict.
                let cases = store::cases(&devices[d].kv);
                if !cases.is_empty() {
                    let c = &cases[rng.gen_range(0..cases.len())];
                    let id = uuid::Uuid::from_u128(rng.gen()).to_string();
                    store::add_visit_note(&devices[d].kv, &c.id, &id, &format!("Notiz d{d} s{step}"), NOW)
                        .map_err(|e| format!("step {step}: visit note: {e}"))?;
                    notes_written.insert(id);
                }
            }
            r if r < 85 => {
                let dev = &devices[d];
                let link =
                    Link { net: &net, actor: dev.actor.clone(), user: dev.user.clone(), online: dev.online };
                let _ = sync_round(&dev.kv, &link, NOW).await;
            }
            85..=91 => devices[d].online = !devices[d].online,
            92..=97 => {
                net.deliver_one_delayed().await.map_err(|e| format!("step {step}: delayed push: {e}"))?
            }
            98 => net.restart().await,
            _ => {
                // Compaction as the server runs it, with every device active: it may only remove
                // tombstones that every device has pulled, so nothing here may change what converges.
                let everyone = CompactPolicy { active_since: "0".into(), deleted_before: "9".into() };
                let done = net
                    .db()
                    .compact_tombstones(&everyone)
                    .await
                    .map_err(|e| format!("step {step}: compact: {e}"))?;
                let removed: u64 = done.iter().map(|c| c.removed).sum();
                TOMBSTONES_COMPACTED.fetch_add(removed, std::sync::atomic::Ordering::Relaxed);
            }
        }
        for dev in devices.iter_mut() {
            let cursor = store::meta(&dev.kv).map_or(0, |m| m.cursor);
            if cursor < dev.cursor {
                return Err(format!(
                    "step {step}: cursor of {} went back {} -> {cursor}",
                    dev.client_id, dev.cursor
                ));
            }
            dev.cursor = cursor;
        }
        check_nothing_lost(&url, &devices).await.map_err(|e| format!("step {step}: {e}"))?;
    }

    // Last words: each device edits a case, syncs over the hostile network, and types once more into
    // the same case. These writes are final, so a loss cannot hide behind a later write of its own.
    for (d, dev) in devices.iter_mut().enumerate() {
        dev.online = true;
        let cases = store::cases(&dev.kv);
        if cases.is_empty() {
            continue;
        }
        let c = cases[rng.gen_range(0..cases.len())].clone();
        for (i, field) in ["note", "label"].into_iter().enumerate() {
            let value = format!("letztes Wort d{d} {i}");
            let fields = json!({ field: value }).as_object().unwrap().clone();
            store::edit_case(&dev.kv, &c.id, fields, NOW).map_err(|e| format!("last words: {e}"))?;
            dev.last_write.insert((c.id.to_string(), field.into()), value);
            if i == 0 {
                let link = Link { net: &net, actor: dev.actor.clone(), user: dev.user.clone(), online: true };
                let _ = sync_round(&dev.kv, &link, NOW).await;
            }
        }
    }

    // Heal: every device online, late requests arrive, the network calms down, everyone syncs twice.
    *net.faults.borrow_mut() = &CALM;
    while !net.delayed.borrow().is_empty() {
        net.deliver_one_delayed().await?;
    }
    for dev in devices.iter_mut() {
        dev.online = true;
    }
    for round in 0..2 {
        for dev in &devices {
            let link = Link { net: &net, actor: dev.actor.clone(), user: dev.user.clone(), online: true };
            sync_round(&dev.kv, &link, NOW).await.map_err(|e| format!("final sync {round}: {e:?}"))?;
        }
    }
    // Every device has now pulled everything: compaction removes every tombstone, and a further
    // round changes nothing for any device (no reset, same replicas, checked below).
    let everyone = CompactPolicy { active_since: "0".into(), deleted_before: "9".into() };
    let done = net.db().compact_tombstones(&everyone).await.map_err(|e| format!("final compact: {e}"))?;
    TOMBSTONES_COMPACTED
        .fetch_add(done.iter().map(|c| c.removed).sum(), std::sync::atomic::Ordering::Relaxed);
    for dev in &devices {
        let link = Link { net: &net, actor: dev.actor.clone(), user: dev.user.clone(), online: true };
        sync_round(&dev.kv, &link, NOW).await.map_err(|e| format!("sync after compaction: {e:?}"))?;
        if store::meta(&dev.kv).is_some_and(|m| m.generation != 0) {
            return Err(format!("device {} had to reset although it was active", dev.client_id));
        }
    }

    // No mutation lost, none applied twice.
    let (processed, seq, rejected) = server_state(&url).await;
    let mut made = 0;
    for dev in &devices {
        let next = store::next_mutation(&dev.kv);
        made += next - 1;
        if store::pending_count(&dev.kv) != 0 {
            return Err(format!("device {} still has unsent changes", dev.client_id));
        }
        let done = processed.get(&dev.client_id).copied().unwrap_or(0);
        if done != next - 1 {
            return Err(format!(
                "device {} made {} mutations, server processed {done}",
                dev.client_id,
                next - 1
            ));
        }
    }
    if rejected != 0 {
        return Err(format!("{rejected} valid mutations were rejected"));
    }
    // Every concurrent change the model found is a conflict record on the server, and nothing else is.
    let actor = devices[0].actor.clone();
    let mut all = Vec::new();
    let mut since = 0;
    loop {
        let page = net.db().pull(&actor, None, since, 1000).await.map_err(|e| e.to_string())?;
        since = page.cursor;
        all.extend(page.records);
        if !page.has_more {
            break;
        }
    }
    let mut server_conflicts = BTreeSet::new();
    let mut open_on_server = BTreeSet::new();
    for r in all.iter().filter(|r| r.kind == RecordKind::Conflict) {
        let c = Conflict::from_json(r.body.clone()).map_err(|e| e.to_string())?;
        let (kept, over) = match c.kind {
            ConflictKind::Field => (c.kept.value.to_string(), c.overwritten.value.to_string()),
            _ => ("null".to_owned(), "null".to_owned()),
        };
        server_conflicts.insert((c.record_id.clone(), c.field.clone(), c.seq, kept, over));
        if c.is_open() {
            open_on_server.insert(c.id.clone());
        }
    }
    let model = net.model.borrow();
    if server_conflicts != model.conflicts {
        let missing: Vec<_> = model.conflicts.difference(&server_conflicts).collect();
        let extra: Vec<_> = server_conflicts.difference(&model.conflicts).collect();
        return Err(format!("conflicts differ from the model: missing {missing:?}, unexpected {extra:?}"));
    }
    let n_conflicts = server_conflicts.len() as u64;
    let found_conflicts = server_conflicts.len();
    if seq as u64 != made + n_conflicts || model.seq != seq as u64 {
        return Err(format!(
            "{made} mutations made + {n_conflicts} conflicts, but the team is at {seq} (model {}): \
             something applied twice or not at all",
            model.seq
        ));
    }
    drop(model);
    for dev in &devices {
        let open: BTreeSet<String> = store::open_conflicts(&dev.kv).into_iter().map(|c| c.id).collect();
        if open != open_on_server {
            return Err(format!("device {} shows other open conflicts than the server", dev.client_id));
        }
    }
    // No edit lost inside a mutation: each device's last word on each field reached the server.
    for dev in &devices {
        for ((record, field), value) in &dev.last_write {
            if !net.applied.borrow().contains(&(record.clone(), field.clone(), value.clone())) {
                return Err(format!(
                    "device {}: its last {field} of {record} ({value:?}) never reached the server",
                    dev.client_id
                ));
            }
        }
    }

    // Every visit note written reached the server exactly once and every device; none conflicted.
    let server_notes: BTreeMap<String, String> = all
        .iter()
        .filter(|r| r.kind == RecordKind::VisitNote)
        .map(|r| (r.id.clone(), r.body["case_id"].as_str().unwrap_or_default().to_owned()))
        .collect();
    if server_notes.keys().cloned().collect::<BTreeSet<_>>() != notes_written {
        return Err(format!(
            "{} visit notes written, server has {}",
            notes_written.len(),
            server_notes.len()
        ));
    }
    let note_cases: BTreeSet<&String> = server_notes.values().collect();
    for dev in &devices {
        let local: BTreeSet<String> =
            note_cases.iter().flat_map(|c| store::visit_notes(&dev.kv, c)).map(|n| n.id).collect();
        if local != notes_written {
            return Err(format!(
                "device {} has {} of {} visit notes",
                dev.client_id,
                local.len(),
                notes_written.len()
            ));
        }
    }

    // All replicas converge on the server's state.
    let mut server_cases = BTreeMap::new();
    for r in all.into_iter().filter(|r| r.kind == RecordKind::Case && !r.deleted) {
        let c = Case::from_json(r.body).map_err(|e| e.to_string())?;
        server_cases.insert(c.id.to_string(), c);
    }
    for dev in &devices {
        let local: BTreeMap<String, Case> =
            store::cases(&dev.kv).into_iter().map(|c| (c.id.to_string(), c)).collect();
        if local != server_cases {
            return Err(format!("device {} diverged from the server", dev.client_id));
        }
    }
    Ok(found_conflicts)
}

const DROP_RESPONSES: Faults = Faults { drop_request: 0.0, drop_response: 1.0, duplicate: 0.0, delay: 0.0 };

/// One team with one user on a fresh SQLite file, and the network to it (for the scenario tests).
struct OneUser {
    _dir: common::TempDir,
    net: Net,
    user: SessionInfo,
    actor: Actor,
}

async fn one_user(file: &str, faults: &'static Faults) -> Result<OneUser, String> {
    let dir = common::TempDir::new();
    let url = format!("sqlite:{}", dir.0.join(file).display());
    let db = server::db::connect(&url).await.map_err(|e| e.to_string())?;
    db.create_team(TEAM, "T").await.map_err(|e| e.to_string())?;
    let uid = "7e000000-0000-4000-8000-100000000000";
    db.create_user(NewUser {
        id: uid,
        team_id: TEAM,
        username: "u",
        display_name: "u",
        role: "r",
        password_hash: "x",
    })
    .await
    .map_err(|e| e.to_string())?;
    let user = SessionInfo {
        user_id: uid.into(),
        username: "u".into(),
        display_name: "u".into(),
        role: "r".into(),
        team_id: TEAM.into(),
        team_name: "T".into(),
        closed_case_days: None,
    };
    let actor =
        Actor { user_id: uid.into(), team_id: TEAM.into(), display_name: "u".into(), may_approve: false };
    let net = Net {
        db: RefCell::new(db),
        url,
        rng: RefCell::new(StdRng::seed_from_u64(1)),
        faults: RefCell::new(faults),
        delayed: RefCell::new(Vec::new()),
        processed: RefCell::new(HashMap::new()),
        applied: RefCell::new(HashSet::new()),
        model: RefCell::new(Model::default()),
    };
    Ok(OneUser { _dir: dir, net, user, actor })
}

/// A device away so long that the deletes it missed were compacted: its next sync pushes what it
/// holds, is told to reset (410), pulls everything again and drops what the server no longer has.
async fn far_behind_device_pushes_then_resets() -> Result<(), String> {
    let OneUser { _dir, net, user, actor } = one_user("r.db", &CALM).await?;
    let link = Link { net: &net, actor, user: user.clone(), online: true };
    let (phone, laptop) = (MemKv::default(), MemKv::default());
    store::begin_session(&phone, &user, "6a1f0c7e-3b2d-4c5e-8f9a-0b1c2d3e4f50").map_err(|e| e.to_string())?;
    store::begin_session(&laptop, &user, "6a1f0c7e-3b2d-4c5e-8f9a-0b1c2d3e4f51")
        .map_err(|e| e.to_string())?;
    let case = |n: u128, label: &str| {
        let id =
            CaseId::parse(&uuid::Uuid::from_u128(0x0b5e_0000_0000_4000_8000_0000_0000_0000 + n).to_string())
                .unwrap();
        Case::new(id, CaseLabel::parse(label).unwrap(), parse_iso_date("2026-11-01").unwrap())
    };
    let (a, b, c) = (case(1, "AZ A"), case(2, "AZ B"), case(3, "AZ C"));
    async fn sync(kv: &MemKv, link: &Link<'_>) -> Result<(), String> {
        sync_round(kv, link, NOW).await.map_err(|e| format!("{e:?}"))
    }
    store::create_case(&phone, &a, NOW).map_err(|e| e.to_string())?;
    store::create_case(&phone, &b, NOW).map_err(|e| e.to_string())?;
    sync(&phone, &link).await?;
    sync(&laptop, &link).await?;
    // The laptop goes quiet with an unsent edit; meanwhile A is deleted and C created.
    let note = json!({"note": "offline am Laptop"}).as_object().unwrap().clone();
    store::edit_case(&laptop, &b.id, note, NOW).map_err(|e| e.to_string())?;
    store::delete_case(&phone, &a.id, NOW).map_err(|e| e.to_string())?;
    store::create_case(&phone, &c, NOW).map_err(|e| e.to_string())?;
    sync(&phone, &link).await?;
    // No device counts as active any more: A's tombstone goes.
    let nobody = CompactPolicy { active_since: "9".into(), deleted_before: "9".into() };
    let done = net.db().compact_tombstones(&nobody).await.map_err(|e| e.to_string())?;
    if done.iter().map(|c| c.removed).sum::<u64>() != 1 {
        return Err(format!("expected A's tombstone to be compacted: {done:?}"));
    }
    let before = store::meta(&laptop).map(|m| m.cursor).unwrap_or(0);
    match net.db().pull(&link.actor, None, before, 10).await {
        Err(DbError::ResetRequired { .. }) => {}
        other => return Err(format!("a pull from {before} must require a reset: {other:?}")),
    }
    sync(&laptop, &link).await?;
    let labels: Vec<String> = store::cases(&laptop).iter().map(|c| c.label.as_str().to_owned()).collect();
    if labels.len() != 2 || !labels.contains(&"AZ B".into()) || !labels.contains(&"AZ C".into()) {
        return Err(format!("after the reset the laptop should hold B and C, holds {labels:?}"));
    }
    let meta = store::meta(&laptop).ok_or("laptop lost its meta")?;
    if meta.generation != 1 || meta.resetting || store::pending_count(&laptop) != 0 {
        return Err(format!("reset not completed: {meta:?}"));
    }
    // One reset is enough: the next sync continues from the new cursor.
    sync(&laptop, &link).await?;
    if store::meta(&laptop).map(|m| m.generation) != Some(1) {
        return Err("the laptop had to reset a second time".into());
    }
    sync(&phone, &link).await?;
    let on_phone = store::case(&phone, b.id.as_str()).ok_or("B missing on the phone")?;
    if on_phone.note != "offline am Laptop" {
        return Err(format!("the laptop's unsent edit was lost in the reset: {:?}", on_phone.note));
    }
    Ok(())
}

#[test]
fn a_device_too_far_behind_pushes_first_then_resets() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(far_behind_device_pushes_then_resets()).unwrap();
}

/// The scenario behind the worst review finding, step by step: a push is applied but its answer is
/// lost; the user keeps typing; the next push must still deliver what she typed.
async fn lost_answer_then_typing() -> Result<(), String> {
    let OneUser { _dir, net, user, actor } = one_user("s.db", &DROP_RESPONSES).await?;
    let kv = MemKv::default();
    store::begin_session(&kv, &user, "6a1f0c7e-3b2d-4c5e-8f9a-0b1c2d3e4f50").map_err(|e| e.to_string())?;
    let id = CaseId::parse("0b5e6a3c-1d2e-4f50-9a7b-8c9d0e1f2a3b").unwrap();
    let case = Case::new(id.clone(), CaseLabel::parse("AZ").unwrap(), parse_iso_date("2026-11-01").unwrap());
    store::create_case(&kv, &case, NOW).map_err(|e| e.to_string())?;
    let link = Link { net: &net, actor, user, online: true };
    let lost = sync_round(&kv, &link, NOW).await;
    if lost != Err(SyncError::Offline) {
        return Err(format!("the answer should have been lost: {lost:?}"));
    }
    let note = json!({"note": "beim Hausbesuch getippt"}).as_object().unwrap().clone();
    store::edit_case(&kv, &id, note, NOW).map_err(|e| e.to_string())?;
    *net.faults.borrow_mut() = &CALM;
    sync_round(&kv, &link, NOW).await.map_err(|e| format!("{e:?}"))?;
    let page = net.db().pull(&link.actor, None, 0, 10).await.map_err(|e| e.to_string())?;
    let server_note = page.records.first().map(|r| r.body["note"].clone());
    if server_note != Some(json!("beim Hausbesuch getippt")) {
        return Err(format!("typed note lost: server has {server_note:?}"));
    }
    Ok(())
}

#[test]
fn typing_after_a_lost_answer_still_reaches_the_server() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(lost_answer_then_typing()).unwrap();
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn sync_survives_a_hostile_network_for_many_seeds() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let steps = env_num("SIM_STEPS").unwrap_or(120) as usize;
    let seeds: Vec<u64> = match env_num("SIM_SEED") {
        Some(s) => vec![s],
        None => (0..env_num("SIM_SEEDS").unwrap_or(200)).collect(),
    };
    let started = std::time::Instant::now();
    let mut conflicts = 0;
    for &seed in &seeds {
        match rt.block_on(run_seed(seed, steps)) {
            Ok(n) => conflicts += n,
            Err(e) => panic!("simulation failed for seed {seed}: {e}\nreplay: SIM_SEED={seed} cargo test -p server --test sim"),
        }
    }
    println!(
        "simulation: {} seeds x {steps} steps passed ({conflicts} conflicts, each matched to the model; \
         {} tombstones compacted) in {:.1} s",
        seeds.len(),
        TOMBSTONES_COMPACTED.load(std::sync::atomic::Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
}
