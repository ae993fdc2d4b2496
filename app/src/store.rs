//! The device store: cases and unsent changes in local storage, one key per record and per mutation,
//! each with a schema version. Pure logic over [`Kv`], so it is tested natively.
//!
//! Keys (prefix `pg1:`):
//! - `pg1:session`: the logged-in user ([`SessionInfo`]),
//! - `pg1:client`: this device's id, next mutation id, pull cursor, last sync ([`ClientMeta`]),
//! - `pg1:rec:<kind>:<id>`: a record: the server's body and the local view ([`StoredRecord`]),
//! - `pg1:mut:<000000000042>`: an unsent mutation ([`StoredMutation`]), in order,
//! - `pg1:rej:<000000000042>`: a mutation the server rejected, with the reason ([`StoredRejection`]),
//! - `pg1:aud:<time>~<uuid>`: something done with a case that the audit log must know (viewed,
//!   exported), recorded offline too and uploaded after the next sync ([`AuditEvent`]).
//!
//! Invariant: unsent mutations are only removed after the server reported them processed.

use passgenau_domain::auth::SessionInfo;
use passgenau_domain::case::{Case, CaseError, CaseId};
use passgenau_domain::checklist::{self, ChecklistAnswers, ItemAnswer};
use passgenau_domain::clearing::{self, CategoryDraft, ClearingRecord};
use passgenau_domain::conflict::{Conflict, ConflictKind, Resolution};
use passgenau_domain::consent::Consent;
use passgenau_domain::cooperation::{Kinderschutz, Partner, Referral};
use passgenau_domain::evaluation::{Evaluation, Questionnaire};
use passgenau_domain::goals::{self, GoalPlan};
use passgenau_domain::hilfeplan::{self, HilfeplanVersion};
use passgenau_domain::setting::{self, Hilfesetting, ModuleInstance};
use passgenau_domain::sozialraum::{self, Budget, Offer, OfferLink};
use passgenau_domain::sync::{
    apply_put, ApplyError, Mutation, Op, PullResponse, PushResponse, RecordKind, Rejection,
};
use passgenau_domain::text::fold_case;
use passgenau_domain::visit::{Visit, VisitNote};
use passgenau_domain::UserMessage;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::kv::{Kv, KvError};

/// Schema version of every value this module stores.
pub const STORE_SCHEMA: u16 = 1;
pub const PREFIX: &str = "pg1:";
const KEY_SESSION: &str = "pg1:session";
const KEY_CLIENT: &str = "pg1:client";
const KEY_NEXT: &str = "pg1:next";
const KEY_SENT: &str = "pg1:sent";
/// Key prefix of queued mutations; their count is visible without the key (see `components/unlock.rs`).
pub const MUT_PREFIX: &str = "pg1:mut:";
const REJ_PREFIX: &str = "pg1:rej:";
const AUDIT_PREFIX: &str = "pg1:aud:";
/// The module catalog the server published, and its version (read first, so the catalog is parsed
/// only when it changed; see `crate::catalog`).
const KEY_CATALOG: &str = "pg1:catalog";
const KEY_CATALOG_VERSION: &str = "pg1:catalog:v";

fn rec_prefix(kind: RecordKind) -> String {
    format!("pg1:rec:{}:", kind.as_str())
}
fn rec_key(kind: RecordKind, id: &str) -> String {
    format!("{}{id}", rec_prefix(kind))
}
fn mut_key(id: u64) -> String {
    format!("{MUT_PREFIX}{id:012}")
}
fn rej_key(id: u64) -> String {
    format!("{REJ_PREFIX}{id:012}")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientMeta {
    pub schema: u16,
    pub client_id: String,
    /// The id the next mutation got before `pg1:next` existed; read only as a floor by
    /// [`next_mutation`] (so stores written by older versions continue their numbering).
    pub next_mutation: u64,
    /// The server cursor up to which pulled pages are applied.
    pub cursor: u64,
    /// When this device last completed a sync (device clock, display only).
    #[serde(default)]
    pub last_sync: Option<String>,
    /// Floor for [`sent_upto`] from stores written before `pg1:sent` existed.
    #[serde(default)]
    pub sent_upto: u64,
    /// Bumped by each reset; records pulled during a reset carry it (see [`begin_reset`]).
    #[serde(default)]
    pub generation: u64,
    /// A reset pull is under way: when it completes, records the server no longer has are removed.
    #[serde(default)]
    pub resetting: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub schema: u16,
    pub kind: RecordKind,
    pub id: String,
    /// The record as the server last sent it (None: never synced yet).
    pub server_body: Option<Value>,
    pub server_seq: u64,
    /// Whether the server's version is deleted.
    #[serde(default)]
    pub server_deleted: bool,
    /// Whether the local view is deleted.
    pub deleted: bool,
    /// The local view: the server body with this device's unsent changes applied.
    pub body: Value,
    /// The device's reset generation when the server last sent this record ([`ClientMeta::generation`]).
    #[serde(default)]
    pub generation: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMutation {
    pub schema: u16,
    pub mutation: Mutation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRejection {
    pub schema: u16,
    pub rejection: Rejection,
    pub mutation: Option<Mutation>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    #[error("device storage is full")]
    Quota,
    #[error("another tab of this browser is the writing tab")]
    ReadOnlyTab,
    #[error("the device store is locked")]
    Locked,
    #[error("no device storage available")]
    Unavailable,
    #[error("not logged in on this device")]
    NotLoggedIn,
    #[error("record not found")]
    NotFound,
    #[error("record exists already")]
    Exists,
    #[error(transparent)]
    Invalid(#[from] CaseError),
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error("cannot encode record: {0}")]
    Encode(String),
    #[error("{0} unsent changes of another user on this device")]
    OtherUserPending(usize),
    /// The same person logs in, now in another team, while changes for the old team are unsent.
    #[error("{0} unsent changes of the user's previous team on this device")]
    TeamChangedPending(usize),
    #[error("{0} unsent changes")]
    PendingChanges(usize),
    #[error("the record is concluded and no longer changed")]
    Concluded,
    #[error("cannot conclude, missing: {0:?}")]
    Incomplete(Vec<String>),
}

impl From<KvError> for StoreError {
    fn from(e: KvError) -> Self {
        match e {
            KvError::Quota => StoreError::Quota,
            KvError::ReadOnly => StoreError::ReadOnlyTab,
            KvError::Locked => StoreError::Locked,
        }
    }
}

impl UserMessage for StoreError {
    fn message_de(&self) -> String {
        match self {
            StoreError::Quota => {
                "Der Speicher dieses Geräts ist voll. Ihre bisherigen Eingaben sind gesichert; \
                                  bitte synchronisieren oder nicht übertragene Änderungen herunterladen."
                    .into()
            }
            StoreError::ReadOnlyTab => "Passgenau ist in einem anderen Tab zum Bearbeiten geöffnet. \
                                         Bitte dort weiterarbeiten oder hier „Hier bearbeiten“ wählen."
                .into(),
            StoreError::Locked => "Passgenau ist gesperrt. Bitte mit Ihrer PIN entsperren.".into(),
            StoreError::Unavailable => {
                "Dieser Browser erlaubt keine lokale Speicherung. Bitte privaten Modus beenden.".into()
            }
            StoreError::NotLoggedIn => "Bitte melden Sie sich an.".into(),
            StoreError::NotFound => "Dieser Fall ist auf diesem Gerät nicht vorhanden.".into(),
            StoreError::Exists => {
                "Diese Fassung gibt es schon (vielleicht von einem anderen Gerät). Bitte die Seite neu öffnen.".into()
            }
            StoreError::Invalid(e) => e.message_de(),
            StoreError::Apply(e) => e.message_de(),
            StoreError::Encode(_) => "Die Änderung konnte nicht gespeichert werden.".into(),
            StoreError::Concluded => {
                "Diese Einschätzung ist abgeschlossen und wird nicht mehr geändert. Bitte eine neue beginnen.".into()
            }
            StoreError::Incomplete(missing) => format!("Noch nicht abschließbar: {}", missing.join(" ")),
            StoreError::OtherUserPending(n) => format!(
                "Auf diesem Gerät liegen noch {n} nicht übertragene Änderungen einer anderen Person. \
                 Diese Person muss sich zuerst anmelden und synchronisieren."
            ),
            StoreError::TeamChangedPending(n) => format!(
                "Sie sind jetzt einem anderen Team zugeordnet. Auf diesem Gerät {} des bisherigen Teams. \
                 Solange nicht alles übertragen ist, bleibt alles hier, und dieses Gerät nimmt keine \
                 Anmeldung im neuen Team an. Wenden Sie sich an die Administration: Sie ordnet Sie \
                 vorübergehend wieder dem bisherigen Team zu. Melden Sie sich dann hier an, warten Sie, bis \
                 alles übertragen ist, und melden Sie sich ab; danach ordnet die Administration Sie wieder \
                 dem neuen Team zu. Zur Sicherheit lassen sich die nicht übertragenen Änderungen unter \
                 „Nicht übertragen“ als verschlüsselte Datei sichern.",
                if *n == 1 {
                    "liegt noch eine nicht übertragene Änderung".to_owned()
                } else {
                    format!("liegen noch {n} nicht übertragene Änderungen")
                }
            ),
            StoreError::PendingChanges(n) => format!(
                "Es gibt noch {n} nicht übertragene Änderungen. Bitte zuerst synchronisieren oder \
                 unter „Nicht übertragen“ als verschlüsselte Datei sichern; sonst gingen sie verloren."
            ),
        }
    }
}

fn read<T: for<'de> Deserialize<'de>>(kv: &dyn Kv, key: &str) -> Option<T> {
    kv.get(key).and_then(|s| serde_json::from_str(&s).ok())
}

fn write<T: Serialize>(kv: &dyn Kv, key: &str, value: &T) -> Result<(), StoreError> {
    let s = serde_json::to_string(value).map_err(|e| StoreError::Encode(e.to_string()))?;
    kv.set(key, &s)?;
    Ok(())
}

/// Records, before a push request leaves, that mutations up to `upto` may reach the server.
/// From then on they are never rewritten; later edits get new mutations.
pub fn mark_sent(kv: &dyn Kv, upto: u64) -> Result<(), StoreError> {
    meta(kv).ok_or(StoreError::NotLoggedIn)?;
    if upto > sent_upto(kv) {
        write(kv, KEY_SENT, &upto)?;
    }
    Ok(())
}

/// Highest mutation id ever put into a push request. Like `pg1:next` it has its own key, so another
/// tab's write of `pg1:client` cannot lower it; the value in `pg1:client` is an older store's floor.
pub fn sent_upto(kv: &dyn Kv) -> u64 {
    let own = read::<u64>(kv, KEY_SENT).unwrap_or(0);
    own.max(meta(kv).map_or(0, |m| m.sent_upto))
}

/// The id the next mutation gets. It lives in its own key (`pg1:next`), written only when a change
/// is queued, so a sync in another tab that rewrites `pg1:client` (cursor, last sync) can never
/// lower it; and it is never at or below a queued or sent mutation, so no id is used twice.
pub fn next_mutation(kv: &dyn Kv) -> u64 {
    let meta = meta(kv);
    let stored = read::<u64>(kv, KEY_NEXT).or(meta.as_ref().map(|m| m.next_mutation)).unwrap_or(1);
    let queued = kv
        .keys(MUT_PREFIX)
        .iter()
        .filter_map(|k| k.strip_prefix(MUT_PREFIX)?.parse::<u64>().ok())
        .max()
        .map_or(1, |m| m + 1);
    let sent = sent_upto(kv) + 1;
    stored.max(queued).max(sent)
}

// --- session -------------------------------------------------------------------------------------

pub fn session(kv: &dyn Kv) -> Option<SessionInfo> {
    read(kv, KEY_SESSION)
}

pub fn meta(kv: &dyn Kv) -> Option<ClientMeta> {
    read::<ClientMeta>(kv, KEY_CLIENT).filter(|m| m.schema == STORE_SCHEMA)
}

/// Removes every Passgenau key from the device.
fn wipe(kv: &dyn Kv) {
    for k in kv.keys(PREFIX) {
        kv.remove(&k);
    }
}

/// Starts a session on this device. Another user's data are removed first, but never while that
/// user has unsent changes. `new_client_id` is used when the device has no client id yet.
pub fn begin_session(kv: &dyn Kv, info: &SessionInfo, new_client_id: &str) -> Result<(), StoreError> {
    if let Some(old) = session(kv) {
        // Another person, or the same person in another team: the device's data are not theirs.
        let other_user = old.user_id != info.user_id;
        if other_user || old.team_id != info.team_id {
            let n = pending_count(kv);
            if n > 0 {
                return Err(if other_user {
                    StoreError::OtherUserPending(n)
                } else {
                    StoreError::TeamChangedPending(n)
                });
            }
            wipe(kv);
        }
    }
    if meta(kv).is_none() {
        let m = ClientMeta {
            schema: STORE_SCHEMA,
            client_id: new_client_id.to_owned(),
            next_mutation: 1,
            cursor: 0,
            last_sync: None,
            sent_upto: 0,
            generation: 0,
            resetting: false,
        };
        write(kv, KEY_CLIENT, &m)?;
    }
    write(kv, KEY_SESSION, info)
}

/// Whether the session may end: never while unsent changes exist.
pub fn check_can_end_session(kv: &dyn Kv) -> Result<(), StoreError> {
    match pending_count(kv) {
        0 => Ok(()),
        n => Err(StoreError::PendingChanges(n)),
    }
}

/// Ends the session and removes the device's data, refused while unsent changes exist.
pub fn end_session(kv: &dyn Kv) -> Result<(), StoreError> {
    check_can_end_session(kv)?;
    wipe(kv);
    Ok(())
}

// --- records -------------------------------------------------------------------------------------

fn record(kv: &dyn Kv, kind: RecordKind, id: &str) -> Option<StoredRecord> {
    read::<StoredRecord>(kv, &rec_key(kind, id)).filter(|r| r.schema == STORE_SCHEMA)
}

/// The local views of the records of `kind` that are not deleted.
fn live_bodies(kv: &dyn Kv, kind: RecordKind) -> impl Iterator<Item = Value> + '_ {
    kv.keys(&rec_prefix(kind))
        .into_iter()
        .filter_map(move |k| read::<StoredRecord>(kv, &k))
        .filter(|r| !r.deleted)
        .map(|r| r.body)
}

/// All cases on the device that are not deleted, sorted by label.
pub fn cases(kv: &dyn Kv) -> Vec<Case> {
    let mut out: Vec<Case> =
        live_bodies(kv, RecordKind::Case).filter_map(|b| Case::from_json(b).ok()).collect();
    out.sort_by_cached_key(|c| fold_case(c.label.as_str()));
    out
}

pub fn case(kv: &dyn Kv, id: &str) -> Option<Case> {
    record(kv, RecordKind::Case, id).filter(|r| !r.deleted).and_then(|r| Case::from_json(r.body).ok())
}

/// Saves a new case on the device and queues it for the server.
pub fn create_case(kv: &dyn Kv, case: &Case, now: &str) -> Result<(), StoreError> {
    case.validate()?;
    let fields = match serde_json::to_value(case) {
        Ok(Value::Object(m)) => m,
        _ => return Err(StoreError::Encode("case is not an object".into())),
    };
    change(kv, RecordKind::Case, case.id.as_str(), fields, now).map(|_| ())
}

/// Changes fields of a case on the device and queues the change. Returns the case as it now reads.
pub fn edit_case(
    kv: &dyn Kv,
    id: &CaseId,
    fields: Map<String, Value>,
    now: &str,
) -> Result<Case, StoreError> {
    if record(kv, RecordKind::Case, id.as_str()).is_none() {
        return Err(StoreError::NotFound);
    }
    let body = change(kv, RecordKind::Case, id.as_str(), fields, now)?;
    Ok(Case::from_json(body)?)
}

/// Deletes a case on the device (a tombstone) and queues the deletion.
/// Appends a visit note to a case. Visit notes are never changed or deleted afterwards; a
/// correction is a new note. `id` is a new UUID.
pub fn add_visit_note(
    kv: &dyn Kv,
    case_id: &CaseId,
    id: &str,
    text: &str,
    now: &str,
) -> Result<VisitNote, StoreError> {
    let author = session(kv).ok_or(StoreError::NotLoggedIn)?.display_name;
    let note = VisitNote::new(id, case_id.clone(), text, &author, now).map_err(ApplyError::from)?;
    let fields = match serde_json::to_value(&note) {
        Ok(Value::Object(m)) => m,
        _ => return Err(StoreError::Encode("visit note is not an object".into())),
    };
    change(kv, RecordKind::VisitNote, id, fields, now)?;
    Ok(note)
}

/// The visit notes of a case, oldest first (by the device time they were written).
pub fn visit_notes(kv: &dyn Kv, case_id: &str) -> Vec<VisitNote> {
    let mut notes: Vec<VisitNote> = live_bodies(kv, RecordKind::VisitNote)
        .filter_map(|b| VisitNote::from_json(b).ok())
        .filter(|n| n.case_id.as_str() == case_id)
        .collect();
    notes.sort_by(|a, b| a.written_at.cmp(&b.written_at).then_with(|| a.id.cmp(&b.id)));
    notes
}

/// Sets fields of a record that belongs to a case and has a fixed id (checklist, Hilfesetting, goals),
/// creating it with `initial` fields when the device has none yet.
fn change_case_part(
    kv: &dyn Kv,
    kind: RecordKind,
    id: &str,
    initial: impl FnOnce() -> Map<String, Value>,
    changes: Map<String, Value>,
    now: &str,
) -> Result<(), StoreError> {
    let mut fields = if record(kv, kind, id).is_some_and(|r| !r.deleted) { Map::new() } else { initial() };
    fields.extend(changes);
    change(kv, kind, id, fields, now)?;
    Ok(())
}

/// The case's checklist answers as this device sees them (all items *offen* when none were given).
pub fn checklist(kv: &dyn Kv, case_id: &CaseId) -> ChecklistAnswers {
    record(kv, RecordKind::Checklist, &checklist::record_id(case_id))
        .filter(|r| !r.deleted)
        .and_then(|r| ChecklistAnswers::from_record(r.body).ok())
        .unwrap_or_else(|| ChecklistAnswers::new(case_id.clone()))
}

/// Records the answer to one checklist item, at once. Only this item's field changes, so answers
/// given on other devices to other items merge with it.
pub fn set_checklist_answer(
    kv: &dyn Kv,
    case_id: &CaseId,
    item_id: &str,
    answer: ItemAnswer,
    now: &str,
) -> Result<(), StoreError> {
    let mut probe = ChecklistAnswers::new(case_id.clone());
    probe.set(item_id, answer.clone()).map_err(ApplyError::from)?;
    let value = serde_json::to_value(&answer).map_err(|e| StoreError::Encode(e.to_string()))?;
    change_case_part(
        kv,
        RecordKind::Checklist,
        &checklist::record_id(case_id),
        || ChecklistAnswers::new(case_id.clone()).to_record(),
        Map::from_iter([(checklist::answer_field(item_id), value)]),
        now,
    )
}

/// The case's Hilfesetting as this device sees it (empty when none was composed yet).
pub fn hilfesetting(kv: &dyn Kv, case_id: &CaseId) -> Hilfesetting {
    record(kv, RecordKind::Hilfesetting, &setting::record_id(case_id))
        .filter(|r| !r.deleted)
        .and_then(|r| Hilfesetting::from_record(r.body).ok())
        .unwrap_or_else(|| Hilfesetting::new(case_id.clone()))
}

/// When the case's Hilfeplan is reviewed, without reading its modules (see
/// [`Hilfesetting::review_of_record`]).
pub fn setting_review(kv: &dyn Kv, case_id: &CaseId) -> passgenau_domain::setting::ReviewSchedule {
    record(kv, RecordKind::Hilfesetting, &setting::record_id(case_id))
        .filter(|r| !r.deleted)
        .map(|r| Hilfesetting::review_of_record(&r.body))
        .unwrap_or_default()
}

/// Changes some top-level fields of the case's Hilfesetting (creating it when absent). Each module
/// instance is its own field (`m.<id>`), so changes on different devices to different modules merge.
pub fn change_hilfesetting(
    kv: &dyn Kv,
    case_id: &CaseId,
    changes: Map<String, Value>,
    now: &str,
) -> Result<(), StoreError> {
    change_case_part(
        kv,
        RecordKind::Hilfesetting,
        &setting::record_id(case_id),
        || Hilfesetting::new(case_id.clone()).to_record(),
        changes,
        now,
    )
}

/// Adds or replaces one module instance of the case's Hilfesetting.
pub fn put_module_instance(
    kv: &dyn Kv,
    case_id: &CaseId,
    instance: &ModuleInstance,
    now: &str,
) -> Result<(), StoreError> {
    let value = serde_json::to_value(instance).map_err(|e| StoreError::Encode(e.to_string()))?;
    change_hilfesetting(kv, case_id, Map::from_iter([(setting::instance_field(&instance.id), value)]), now)
}

/// Removes one module instance (its field becomes `null`).
pub fn remove_module_instance(
    kv: &dyn Kv,
    case_id: &CaseId,
    instance_id: &str,
    now: &str,
) -> Result<(), StoreError> {
    change_hilfesetting(
        kv,
        case_id,
        Map::from_iter([(setting::instance_field(instance_id), Value::Null)]),
        now,
    )
}

/// The home visits of a case, newest first.
pub fn visits(kv: &dyn Kv, case_id: &str) -> Vec<Visit> {
    let mut v: Vec<Visit> = live_bodies(kv, RecordKind::Visit)
        .filter_map(|b| Visit::from_json(b).ok())
        .filter(|v| v.case_id.as_str() == case_id)
        .collect();
    v.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| b.id.cmp(&a.id)));
    v
}

pub fn visit(kv: &dyn Kv, id: &str) -> Option<Visit> {
    record(kv, RecordKind::Visit, id).filter(|r| !r.deleted).and_then(|r| Visit::from_json(r.body).ok())
}

/// Starts a home visit of a case on `date` (`YYYY-MM-DD`); `id` is a new UUID.
pub fn start_visit(
    kv: &dyn Kv,
    case_id: &CaseId,
    id: &str,
    date: &str,
    now: &str,
) -> Result<Visit, StoreError> {
    let v = Visit::new(id, case_id.clone(), date).map_err(ApplyError::from)?;
    let fields = match serde_json::to_value(&v) {
        Ok(Value::Object(m)) => m,
        _ => return Err(StoreError::Encode("visit is not an object".into())),
    };
    change(kv, RecordKind::Visit, id, fields, now)?;
    Ok(v)
}

/// Changes some fields of a home visit, at once.
pub fn edit_visit(kv: &dyn Kv, id: &str, fields: Map<String, Value>, now: &str) -> Result<(), StoreError> {
    record(kv, RecordKind::Visit, id).ok_or(StoreError::NotFound)?;
    change(kv, RecordKind::Visit, id, fields, now)?;
    Ok(())
}

/// Turns the visit's draft note into an append-only visit note and empties the draft. Nothing
/// happens for an empty draft. `note_id` is a new UUID.
pub fn record_visit_note(
    kv: &dyn Kv,
    visit_id: &str,
    note_id: &str,
    now: &str,
) -> Result<Option<VisitNote>, StoreError> {
    let v = visit(kv, visit_id).ok_or(StoreError::NotFound)?;
    if v.draft_note.trim().is_empty() {
        return Ok(None);
    }
    let author = session(kv).ok_or(StoreError::NotLoggedIn)?.display_name;
    let mut note =
        VisitNote::new(note_id, v.case_id.clone(), &v.draft_note, &author, now).map_err(ApplyError::from)?;
    note.visit_id = Some(v.id.clone());
    note.entrusted_by = v.draft_entrusted_by.clone();
    let fields = match serde_json::to_value(&note) {
        Ok(Value::Object(m)) => m,
        _ => return Err(StoreError::Encode("visit note is not an object".into())),
    };
    change(kv, RecordKind::VisitNote, note_id, fields, now)?;
    let cleared = [
        ("draft_note".to_owned(), Value::String(String::new())),
        ("draft_entrusted_by".to_owned(), Value::Null),
    ];
    edit_visit(kv, visit_id, Map::from_iter(cleared), now)?;
    Ok(Some(note))
}

/// The case's consent register, newest consent first.
pub fn consents(kv: &dyn Kv, case_id: &CaseId) -> Vec<Consent> {
    let mut v: Vec<Consent> = live_bodies(kv, RecordKind::Consent)
        .filter_map(|b| Consent::from_json(b).ok())
        .filter(|c| &c.case_id == case_id)
        .collect();
    v.sort_by(|a, b| b.given_on.cmp(&a.given_on).then_with(|| b.id.cmp(&a.id)));
    v
}

/// Records a new consent (its id a new UUID).
pub fn add_consent(kv: &dyn Kv, consent: &Consent, now: &str) -> Result<(), StoreError> {
    let fields = match serde_json::to_value(consent) {
        Ok(Value::Object(m)) => m,
        _ => return Err(StoreError::Encode("consent is not an object".into())),
    };
    change(kv, RecordKind::Consent, &consent.id, fields, now)?;
    Ok(())
}

/// Records the revocation of a consent on `day` (consents are revoked, never deleted).
pub fn revoke_consent(kv: &dyn Kv, id: &str, day: time::Date, now: &str) -> Result<(), StoreError> {
    record(kv, RecordKind::Consent, id).ok_or(StoreError::NotFound)?;
    change(kv, RecordKind::Consent, id, Map::from_iter([("revoked_on".to_owned(), json_date(day))]), now)?;
    Ok(())
}

/// The case's evaluations (Fachcontrolling, end, sustainability), oldest first.
pub fn evaluations(kv: &dyn Kv, case_id: &CaseId) -> Vec<Evaluation> {
    let mut v: Vec<Evaluation> = of_case(kv, RecordKind::Evaluation, case_id)
        .filter_map(|b| Evaluation::from_record(b).ok())
        .collect();
    v.sort_by(|a, b| (a.on, &a.created_at, &a.id).cmp(&(b.on, &b.created_at, &b.id)));
    v
}

/// Records a new evaluation (its id a new UUID).
pub fn add_evaluation(kv: &dyn Kv, evaluation: &Evaluation, now: &str) -> Result<(), StoreError> {
    create_fields(kv, RecordKind::Evaluation, &evaluation.id, evaluation.to_record(), now)
}

/// Changes fields of an evaluation, at once; a refused value changes nothing.
pub fn edit_evaluation(
    kv: &dyn Kv,
    id: &str,
    fields: Map<String, Value>,
    now: &str,
) -> Result<(), StoreError> {
    edit(kv, RecordKind::Evaluation, id, fields, now)
}

/// The case's filled-in questionnaires, oldest first.
pub fn questionnaires(kv: &dyn Kv, case_id: &CaseId) -> Vec<Questionnaire> {
    let mut v: Vec<Questionnaire> = of_case(kv, RecordKind::Questionnaire, case_id)
        .filter_map(|b| Questionnaire::from_record(b).ok())
        .collect();
    v.sort_by(|a, b| (a.on, &a.created_at, &a.id).cmp(&(b.on, &b.created_at, &b.id)));
    v
}

/// Starts a questionnaire (its id a new UUID).
pub fn add_questionnaire(kv: &dyn Kv, q: &Questionnaire, now: &str) -> Result<(), StoreError> {
    create_fields(kv, RecordKind::Questionnaire, &q.id, q.to_record(), now)
}

/// Saves answers of a questionnaire, at once.
pub fn edit_questionnaire(
    kv: &dyn Kv,
    id: &str,
    fields: Map<String, Value>,
    now: &str,
) -> Result<(), StoreError> {
    edit(kv, RecordKind::Questionnaire, id, fields, now)
}

/// Bodies of live records of `kind` that name `case_id`.
fn of_case<'a>(kv: &'a dyn Kv, kind: RecordKind, case_id: &'a CaseId) -> impl Iterator<Item = Value> + 'a {
    live_bodies(kv, kind).filter(move |b| b.get("case_id").and_then(Value::as_str) == Some(case_id.as_str()))
}

fn to_fields<T: Serialize>(value: &T) -> Result<Map<String, Value>, StoreError> {
    match serde_json::to_value(value) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(StoreError::Encode("not an object".into())),
    }
}

/// Creates a record under a new id (refused if the id is taken).
fn create<T: Serialize>(
    kv: &dyn Kv,
    kind: RecordKind,
    id: &str,
    value: &T,
    now: &str,
) -> Result<(), StoreError> {
    create_fields(kv, kind, id, to_fields(value)?, now)
}

/// Creates a record from its fields under a new id (refused if the id is taken).
fn create_fields(
    kv: &dyn Kv,
    kind: RecordKind,
    id: &str,
    fields: Map<String, Value>,
    now: &str,
) -> Result<(), StoreError> {
    if record(kv, kind, id).is_some() {
        return Err(StoreError::Exists);
    }
    change(kv, kind, id, fields, now)?;
    Ok(())
}

/// Changes fields of an existing live record, at once; a refused value changes nothing.
fn edit(
    kv: &dyn Kv,
    kind: RecordKind,
    id: &str,
    fields: Map<String, Value>,
    now: &str,
) -> Result<(), StoreError> {
    record(kv, kind, id).filter(|r| !r.deleted).ok_or(StoreError::NotFound)?;
    change(kv, kind, id, fields, now)?;
    Ok(())
}

/// The team's cooperation partners, by name.
pub fn partners(kv: &dyn Kv) -> Vec<Partner> {
    let mut v: Vec<Partner> =
        live_bodies(kv, RecordKind::Partner).filter_map(|b| Partner::from_json(b).ok()).collect();
    v.sort_by_cached_key(|p| (fold_case(&p.name), p.id.clone()));
    v
}

pub fn add_partner(kv: &dyn Kv, p: &Partner, now: &str) -> Result<(), StoreError> {
    create(kv, RecordKind::Partner, &p.id, p, now)
}

pub fn edit_partner(kv: &dyn Kv, id: &str, fields: Map<String, Value>, now: &str) -> Result<(), StoreError> {
    edit(kv, RecordKind::Partner, id, fields, now)
}

/// The case's referrals, oldest first.
pub fn referrals(kv: &dyn Kv, case_id: &CaseId) -> Vec<Referral> {
    let mut v: Vec<Referral> =
        of_case(kv, RecordKind::Referral, case_id).filter_map(|b| Referral::from_json(b).ok()).collect();
    v.sort_by(|a, b| (a.referred_on, &a.id).cmp(&(b.referred_on, &b.id)));
    v
}

pub fn add_referral(kv: &dyn Kv, r: &Referral, now: &str) -> Result<(), StoreError> {
    create(kv, RecordKind::Referral, &r.id, r, now)
}

pub fn edit_referral(kv: &dyn Kv, id: &str, fields: Map<String, Value>, now: &str) -> Result<(), StoreError> {
    edit(kv, RecordKind::Referral, id, fields, now)
}

/// The case's § 8a risk assessments, oldest first.
pub fn kinderschutz(kv: &dyn Kv, case_id: &CaseId) -> Vec<Kinderschutz> {
    let mut v: Vec<Kinderschutz> = of_case(kv, RecordKind::Kinderschutz, case_id)
        .filter_map(|b| Kinderschutz::from_json(b).ok())
        .collect();
    v.sort_by(|a, b| (a.started_on, &a.id).cmp(&(b.started_on, &b.id)));
    v
}

pub fn add_kinderschutz(kv: &dyn Kv, k: &Kinderschutz, now: &str) -> Result<(), StoreError> {
    create(kv, RecordKind::Kinderschutz, &k.id, k, now)
}

/// Changes fields of a § 8a assessment. A concluded one is not changed any more, and it is
/// concluded only when nothing is missing (`Kinderschutz::missing`).
pub fn edit_kinderschutz(
    kv: &dyn Kv,
    id: &str,
    fields: Map<String, Value>,
    now: &str,
) -> Result<(), StoreError> {
    let current = record(kv, RecordKind::Kinderschutz, id)
        .filter(|r| !r.deleted)
        .and_then(|r| Kinderschutz::from_json(r.body).ok())
        .ok_or(StoreError::NotFound)?;
    if current.concluded_on.is_some() {
        return Err(StoreError::Concluded);
    }
    if fields.get("concluded_on").is_some_and(|v| !v.is_null()) {
        let mut next = to_fields(&current)?;
        next.extend(fields.clone());
        let next = Kinderschutz::from_json(Value::Object(next)).map_err(|e| StoreError::Apply(e.into()))?;
        let missing = next.missing();
        if !missing.is_empty() {
            return Err(StoreError::Incomplete(missing));
        }
    }
    edit(kv, RecordKind::Kinderschutz, id, fields, now)
}

fn json_date(day: time::Date) -> Value {
    Value::String(passgenau_domain::date::iso(day))
}

/// The team's Sozialraum offers, by title.
pub fn offers(kv: &dyn Kv) -> Vec<Offer> {
    let mut v: Vec<Offer> =
        live_bodies(kv, RecordKind::SozialraumOffer).filter_map(|b| Offer::from_record(b).ok()).collect();
    v.sort_by_cached_key(|o| (fold_case(&o.title), o.id.clone()));
    v
}

pub fn offer(kv: &dyn Kv, id: &str) -> Option<Offer> {
    record(kv, RecordKind::SozialraumOffer, id)
        .filter(|r| !r.deleted)
        .and_then(|r| Offer::from_record(r.body).ok())
}

/// Records a new offer (its id a new UUID) with its criteria.
pub fn add_offer(kv: &dyn Kv, o: &Offer, now: &str) -> Result<(), StoreError> {
    create_fields(kv, RecordKind::SozialraumOffer, &o.id, o.to_record(), now)
}

/// Changes fields of an offer (its own, `k.<criterion>`, `x.<expense>`), at once; a refused value
/// changes nothing.
pub fn edit_offer(kv: &dyn Kv, id: &str, fields: Map<String, Value>, now: &str) -> Result<(), StoreError> {
    edit(kv, RecordKind::SozialraumOffer, id, fields, now)
}

/// Deletes an offer entered by mistake (the page offers it only while nothing refers to it).
pub fn delete_offer(kv: &dyn Kv, id: &str, now: &str) -> Result<(), StoreError> {
    delete_record(kv, RecordKind::SozialraumOffer, id, now)
}

/// The team's Sozialraumbudgets, by year.
pub fn budgets(kv: &dyn Kv) -> Vec<Budget> {
    let mut v: Vec<Budget> =
        live_bodies(kv, RecordKind::SozialraumBudget).filter_map(|b| Budget::from_json(b).ok()).collect();
    v.sort_by(|a, b| (a.year, &a.id).cmp(&(b.year, &b.id)));
    v
}

pub fn add_budget(kv: &dyn Kv, b: &Budget, now: &str) -> Result<(), StoreError> {
    create(kv, RecordKind::SozialraumBudget, &b.id, b, now)
}

pub fn edit_budget(kv: &dyn Kv, id: &str, fields: Map<String, Value>, now: &str) -> Result<(), StoreError> {
    edit(kv, RecordKind::SozialraumBudget, id, fields, now)
}

/// Removes a budget entered twice for one year.
pub fn delete_budget(kv: &dyn Kv, id: &str, now: &str) -> Result<(), StoreError> {
    delete_record(kv, RecordKind::SozialraumBudget, id, now)
}

/// Takes a group offer into the case's Hilfesetting (field `o.<offer>`), or changes its link.
pub fn link_offer(kv: &dyn Kv, case_id: &CaseId, link: &OfferLink, now: &str) -> Result<(), StoreError> {
    link.validate().map_err(|e| StoreError::Apply(e.into()))?;
    let value = serde_json::to_value(link).map_err(|e| StoreError::Encode(e.to_string()))?;
    change_hilfesetting(kv, case_id, Map::from_iter([(sozialraum::link_field(&link.offer_id), value)]), now)
}

/// Takes a group offer out of the case's Hilfesetting (its field becomes `null`).
pub fn unlink_offer(kv: &dyn Kv, case_id: &CaseId, offer_id: &str, now: &str) -> Result<(), StoreError> {
    change_hilfesetting(kv, case_id, Map::from_iter([(sozialraum::link_field(offer_id), Value::Null)]), now)
}

/// The cases on this device whose Hilfesetting takes part in the offer, with their labels.
pub fn cases_in_offer(kv: &dyn Kv, offer_id: &str) -> Vec<(Case, OfferLink)> {
    let mut v: Vec<(Case, OfferLink)> = live_bodies(kv, RecordKind::Hilfesetting)
        .filter_map(|b| Hilfesetting::from_record(b).ok())
        .filter_map(|hs| {
            let link = hs.offers.iter().find(|l| l.offer_id == offer_id)?.clone();
            Some((case(kv, hs.case_id.as_str())?, link))
        })
        .collect();
    v.sort_by(|a, b| a.0.label.as_str().cmp(b.0.label.as_str()));
    v
}

/// The versions of the case's Hilfeplan, oldest first.
pub fn hilfeplans(kv: &dyn Kv, case_id: &CaseId) -> Vec<HilfeplanVersion> {
    let prefix = format!("{}{case_id}~hilfeplan~", rec_prefix(RecordKind::Hilfeplan));
    let mut v: Vec<HilfeplanVersion> = kv
        .keys(&prefix)
        .into_iter()
        .filter_map(|k| read::<StoredRecord>(kv, &k))
        .filter(|r| !r.deleted)
        .filter_map(|r| HilfeplanVersion::from_record(r.body).ok())
        .collect();
    v.sort_by_key(|h| h.number);
    v
}

/// Stores a new version of the Hilfeplan; a number already taken (by another device, say) is refused.
pub fn add_hilfeplan(kv: &dyn Kv, version: &HilfeplanVersion, now: &str) -> Result<(), StoreError> {
    let id = hilfeplan::record_id(&version.case_id, version.number);
    if record(kv, RecordKind::Hilfeplan, &id).is_some_and(|r| !r.deleted) {
        return Err(StoreError::Exists);
    }
    change(kv, RecordKind::Hilfeplan, &id, version.to_record(), now)?;
    Ok(())
}

/// Changes fields of a Hilfeplan version (`s.<section>`, `next_review`), at once.
pub fn edit_hilfeplan(
    kv: &dyn Kv,
    case_id: &CaseId,
    number: u32,
    fields: Map<String, Value>,
    now: &str,
) -> Result<(), StoreError> {
    let id = hilfeplan::record_id(case_id, number);
    record(kv, RecordKind::Hilfeplan, &id).ok_or(StoreError::NotFound)?;
    change(kv, RecordKind::Hilfeplan, &id, fields, now)?;
    Ok(())
}

/// The case's Clearing and its category as typed, if a Clearing was started.
pub fn clearing(kv: &dyn Kv, case_id: &CaseId) -> Option<(ClearingRecord, CategoryDraft)> {
    record(kv, RecordKind::Clearing, &clearing::record_id(case_id))
        .filter(|r| !r.deleted)
        .and_then(|r| ClearingRecord::from_record(r.body).ok())
}

/// Starts the Clearing of a case on `start` (deadline: 6 weeks later).
pub fn start_clearing(kv: &dyn Kv, case_id: &CaseId, start: time::Date, now: &str) -> Result<(), StoreError> {
    let rec = ClearingRecord::new(case_id.clone(), start);
    let fields = rec.to_record(&CategoryDraft::default());
    change(kv, RecordKind::Clearing, &clearing::record_id(case_id), fields, now)?;
    Ok(())
}

/// Changes some fields of a case's Clearing record, at once (see `ClearingRecord::to_record`).
pub fn edit_clearing(
    kv: &dyn Kv,
    case_id: &CaseId,
    fields: Map<String, Value>,
    now: &str,
) -> Result<(), StoreError> {
    let id = clearing::record_id(case_id);
    record(kv, RecordKind::Clearing, &id).ok_or(StoreError::NotFound)?;
    change(kv, RecordKind::Clearing, &id, fields, now)?;
    Ok(())
}

/// The case's goals and ratings (empty when none were set).
pub fn goals(kv: &dyn Kv, case_id: &CaseId) -> GoalPlan {
    record(kv, RecordKind::Goals, &goals::record_id(case_id))
        .filter(|r| !r.deleted)
        .and_then(|r| GoalPlan::from_record(r.body).ok())
        .unwrap_or_else(|| GoalPlan::new(case_id.clone()))
}

/// The ratings given during one home visit: field (`goals::visit_rating_field`) → score.
pub fn visit_ratings(
    kv: &dyn Kv,
    case_id: &CaseId,
    visit_id: &str,
) -> std::collections::BTreeMap<String, i8> {
    occasion_ratings(kv, case_id, &goals::visit_rating_prefix(visit_id))
}

/// The ratings given on one occasion (a visit, a Fachcontrolling) whose fields start with
/// `prefix`: field (`goals::occasion_rating_field`) → score.
pub fn occasion_ratings(
    kv: &dyn Kv,
    case_id: &CaseId,
    prefix: &str,
) -> std::collections::BTreeMap<String, i8> {
    let Some(Value::Object(fields)) =
        record(kv, RecordKind::Goals, &goals::record_id(case_id)).filter(|r| !r.deleted).map(|r| r.body)
    else {
        return Default::default();
    };
    fields
        .into_iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .filter_map(|(k, v)| Some((k, i8::try_from(v.get("score")?.as_i64()?).ok()?)))
        .collect()
}

/// Sets fields of the case's goal record (`w.`, `h.`, `s.`, `r.` + id), creating it when absent.
pub fn change_goals(
    kv: &dyn Kv,
    case_id: &CaseId,
    changes: Map<String, Value>,
    now: &str,
) -> Result<(), StoreError> {
    change_case_part(
        kv,
        RecordKind::Goals,
        &goals::record_id(case_id),
        || GoalPlan::new_record(case_id),
        changes,
        now,
    )
}

pub fn delete_case(kv: &dyn Kv, id: &CaseId, now: &str) -> Result<(), StoreError> {
    delete_record(kv, RecordKind::Case, id.as_str(), now)
}

fn delete_record(kv: &dyn Kv, kind: RecordKind, id: &str, now: &str) -> Result<(), StoreError> {
    if session(kv).is_none() {
        return Err(StoreError::NotLoggedIn);
    }
    meta(kv).ok_or(StoreError::NotLoggedIn)?;
    let mut rec = record(kv, kind, id).ok_or(StoreError::NotFound)?;
    let next = next_mutation(kv);
    let m = Mutation {
        id: next,
        kind,
        record_id: id.to_owned(),
        op: Op::Delete,
        client_time: now.to_owned(),
        base_seq: rec.server_body.as_ref().map(|_| rec.server_seq),
    };
    let mkey = mut_key(m.id);
    write(kv, &mkey, &StoredMutation { schema: STORE_SCHEMA, mutation: m })?;
    if let Err(e) = write(kv, KEY_NEXT, &(next + 1)) {
        kv.remove(&mkey);
        return Err(e);
    }
    rec.deleted = true;
    // The queued deletion is the truth; a failed view update shows the case until the next sync.
    let _ = write(kv, &rec_key(kind, id), &rec);
    Ok(())
}

// --- conflicts -----------------------------------------------------------------------------------

/// Conflicts on this device that nobody resolved yet, oldest first.
pub fn open_conflicts(kv: &dyn Kv) -> Vec<Conflict> {
    let mut out: Vec<Conflict> = live_bodies(kv, RecordKind::Conflict)
        .filter_map(|b| Conflict::from_json(b).ok())
        .filter(Conflict::is_open)
        .collect();
    out.sort_by_key(|c| c.seq);
    out
}

pub fn open_conflict_count(kv: &dyn Kv) -> usize {
    open_conflicts(kv).len()
}

/// Resolves a conflict: changes the record as chosen, then marks the conflict resolved; both are
/// queued for the server like any change.
pub fn resolve_conflict(
    kv: &dyn Kv,
    conflict_id: &str,
    choice: Resolution,
    now: &str,
) -> Result<(), StoreError> {
    let who = session(kv).ok_or(StoreError::NotLoggedIn)?;
    let c = open_conflicts(kv).into_iter().find(|c| c.id == conflict_id).ok_or(StoreError::NotFound)?;
    if choice == Resolution::Both && !c.can_keep_both() {
        return Err(StoreError::Apply(ApplyError::NotAllowed("both".into())));
    }
    match (c.kind, choice) {
        // The winner's state stands: nothing to change but the conflict itself.
        (_, Resolution::Kept) => {}
        (ConflictKind::Field, _) => {
            let value = c.value_for(choice).ok_or(StoreError::NotFound)?;
            let mut fields = Map::new();
            fields.insert(c.field.clone(), value);
            change(kv, c.record_kind, &c.record_id, fields, now)?;
        }
        // Restore the edited version the deletion overrode.
        (ConflictKind::DeleteEdit, _) => {
            let fields = c.overwritten.value.as_object().cloned().ok_or(StoreError::NotFound)?;
            change(kv, c.record_kind, &c.record_id, fields, now)?;
        }
        // Delete again what the edit restored.
        (ConflictKind::EditDelete, _) => delete_record(kv, c.record_kind, &c.record_id, now)?,
    }
    change(
        kv,
        RecordKind::Conflict,
        &c.id,
        Conflict::resolution_fields(choice, &who.display_name, now),
        now,
    )?;
    Ok(())
}

/// Applies `fields` locally, queues the mutation, writes the record. All or nothing.
fn change(
    kv: &dyn Kv,
    kind: RecordKind,
    id: &str,
    fields: Map<String, Value>,
    now: &str,
) -> Result<Value, StoreError> {
    if session(kv).is_none() {
        return Err(StoreError::NotLoggedIn);
    }
    let generation = meta(kv).ok_or(StoreError::NotLoggedIn)?.generation;
    let old = record(kv, kind, id);
    let body = apply_put(kind, id, old.as_ref().map(|r| &r.body), &fields)?;
    // The server's version this change is made against; the server detects concurrent changes by it.
    let base = old.as_ref().filter(|r| r.server_body.is_some()).map(|r| r.server_seq);

    // 1. The mutation: merged into the last unsent one for the same record if it was never sent.
    let sent_upto = sent_upto(kv);
    let last = kv.keys(MUT_PREFIX).into_iter().max();
    let coalesce = last
        .as_deref()
        .and_then(|k| read::<StoredMutation>(kv, k))
        .filter(|sm| sm.mutation.id > sent_upto && sm.mutation.record_id == id && sm.mutation.kind == kind)
        // Only into a change made against the same server version: otherwise the newer edit, made
        // after seeing another device's change, would inherit the older base and report a false conflict.
        .filter(|sm| sm.mutation.base_seq == base)
        .filter(|sm| matches!(sm.mutation.op, Op::Put { .. }));
    let previous_raw = coalesce.as_ref().and_then(|sm| kv.get(&mut_key(sm.mutation.id)));
    let (mutation, is_new) = match coalesce {
        Some(mut sm) => {
            if let Op::Put { fields: f } = &mut sm.mutation.op {
                f.extend(fields);
            }
            sm.mutation.client_time = now.to_owned();
            (sm.mutation, false)
        }
        None => {
            let m = Mutation {
                id: next_mutation(kv),
                kind,
                record_id: id.to_owned(),
                op: Op::Put { fields },
                client_time: now.to_owned(),
                base_seq: base,
            };
            (m, true)
        }
    };
    let mkey = mut_key(mutation.id);
    write(kv, &mkey, &StoredMutation { schema: STORE_SCHEMA, mutation: mutation.clone() })?;
    let undo_mutation = |kv: &dyn Kv| match &previous_raw {
        Some(raw) => {
            let _ = kv.set(&mkey, raw);
        }
        None => kv.remove(&mkey),
    };
    if is_new {
        if let Err(e) = write(kv, KEY_NEXT, &(mutation.id + 1)) {
            undo_mutation(kv);
            return Err(e);
        }
    }

    // 2. The record's local view.
    let rec = StoredRecord {
        schema: STORE_SCHEMA,
        kind,
        id: id.to_owned(),
        server_body: old.as_ref().and_then(|r| r.server_body.clone()),
        server_seq: old.as_ref().map_or(0, |r| r.server_seq),
        server_deleted: old.as_ref().is_some_and(|r| r.server_deleted),
        deleted: false,
        body: body.clone(),
        generation: old.as_ref().map_or(generation, |r| r.generation),
    };
    if let Err(e) = write(kv, &rec_key(kind, id), &rec) {
        undo_mutation(kv);
        if is_new {
            let _ = write(kv, KEY_NEXT, &mutation.id);
        }
        return Err(e);
    }
    Ok(body)
}

// --- sync bookkeeping ----------------------------------------------------------------------------

/// Unsent mutations in order, at most `limit`.
pub fn pending(kv: &dyn Kv, limit: usize) -> Vec<Mutation> {
    let mut keys = kv.keys(MUT_PREFIX);
    keys.sort();
    keys.iter().filter_map(|k| read::<StoredMutation>(kv, k)).map(|sm| sm.mutation).take(limit).collect()
}

pub fn pending_count(kv: &dyn Kv) -> usize {
    kv.keys(MUT_PREFIX).len()
}

/// How many rejected changes wait to be seen (without reading them: the status bar needs no more).
pub fn rejection_count(kv: &dyn Kv) -> usize {
    kv.keys(REJ_PREFIX).len()
}

pub fn rejections(kv: &dyn Kv) -> Vec<StoredRejection> {
    let mut keys = kv.keys(REJ_PREFIX);
    keys.sort();
    keys.iter().filter_map(|k| read(kv, k)).collect()
}

/// Removes a rejection the user has taken note of (the server keeps its copy with the payload).
pub fn dismiss_rejection(kv: &dyn Kv, mutation_id: u64) {
    kv.remove(&rej_key(mutation_id));
}

/// The local view of a record: the server's state with the unsent changes for it applied in order.
fn rebase(
    queue: &[Mutation],
    kind: RecordKind,
    id: &str,
    server: Option<&Value>,
    server_deleted: bool,
) -> (Option<Value>, bool) {
    let mut body = server.cloned();
    let mut deleted = server_deleted;
    for m in queue {
        if m.kind != kind || m.record_id != id {
            continue;
        }
        match &m.op {
            Op::Put { fields } => {
                if let Ok(next) = apply_put(kind, id, body.as_ref(), fields) {
                    body = Some(next);
                    deleted = false;
                }
            }
            Op::Delete => deleted = true,
        }
    }
    (body, deleted)
}

/// Records what the server said to a push: processed mutations leave the queue, rejected ones are
/// kept with their reason and their records return to the server's version.
pub fn apply_push_response(kv: &dyn Kv, sent: &[Mutation], res: &PushResponse) -> Result<(), StoreError> {
    for rej in &res.rejected {
        let mutation = sent.iter().find(|m| m.id == rej.mutation_id).cloned();
        write(
            kv,
            &rej_key(rej.mutation_id),
            &StoredRejection { schema: STORE_SCHEMA, rejection: rej.clone(), mutation },
        )?;
    }
    for k in kv.keys(MUT_PREFIX) {
        if let Some(sm) = read::<StoredMutation>(kv, &k) {
            if sm.mutation.id <= res.last_processed {
                kv.remove(&k);
            }
        }
    }
    let queue = pending(kv, usize::MAX);
    for rej in &res.rejected {
        if let Some(m) = sent.iter().find(|m| m.id == rej.mutation_id) {
            if let Some(mut rec) = record(kv, m.kind, &m.record_id) {
                let server_deleted = rec.server_body.is_some() && rec.server_deleted;
                match rebase(&queue, m.kind, &m.record_id, rec.server_body.as_ref(), server_deleted) {
                    (Some(body), deleted) => {
                        rec.body = body;
                        rec.deleted = deleted;
                        write(kv, &rec_key(m.kind, &m.record_id), &rec)?;
                    }
                    (None, _) => kv.remove(&rec_key(m.kind, &m.record_id)),
                }
            }
        }
    }
    Ok(())
}

/// Applies one pulled page, then (and only then) advances the cursor.
pub fn apply_pull_page(kv: &dyn Kv, page: &PullResponse) -> Result<(), StoreError> {
    let generation = meta(kv).ok_or(StoreError::NotLoggedIn)?.generation;
    let queue = pending(kv, usize::MAX);
    for r in &page.records {
        let (body, deleted) = rebase(&queue, r.kind, &r.id, Some(&r.body), r.deleted);
        let rec = StoredRecord {
            schema: STORE_SCHEMA,
            kind: r.kind,
            id: r.id.clone(),
            server_body: Some(r.body.clone()),
            server_seq: r.seq,
            server_deleted: r.deleted,
            deleted,
            body: body.unwrap_or_else(|| r.body.clone()),
            generation,
        };
        write(kv, &rec_key(r.kind, &r.id), &rec)?;
    }
    // Read-modify-write in one step, so another tab's mutation counter is not overwritten.
    let mut meta = meta(kv).ok_or(StoreError::NotLoggedIn)?;
    if page.cursor > meta.cursor {
        meta.cursor = page.cursor;
        write(kv, KEY_CLIENT, &meta)?;
    }
    if !page.has_more && meta.resetting {
        finish_reset(kv)?;
    }
    Ok(())
}

/// The server compacted deletes this device has not seen (`410 reset_required`). The device has
/// pushed its queue first (a sync round always pushes before it pulls); now it pulls everything from
/// cursor 0 again. Nothing is removed yet: the records stay usable until the reset pull completes.
pub fn begin_reset(kv: &dyn Kv) -> Result<(), StoreError> {
    let mut meta = meta(kv).ok_or(StoreError::NotLoggedIn)?;
    meta.cursor = 0;
    meta.generation += 1;
    meta.resetting = true;
    write(kv, KEY_CLIENT, &meta)
}

/// After a complete reset pull: removes the records the server no longer has (their deletes were
/// compacted), except those with unsent changes, which stay until the server has processed them.
fn finish_reset(kv: &dyn Kv) -> Result<(), StoreError> {
    let mut meta = meta(kv).ok_or(StoreError::NotLoggedIn)?;
    let queue = pending(kv, usize::MAX);
    for key in kv.keys("pg1:rec:") {
        let Some(rec) = read::<StoredRecord>(kv, &key) else { continue };
        let unsent = queue.iter().any(|m| m.kind == rec.kind && m.record_id == rec.id);
        if rec.generation < meta.generation && !unsent {
            kv.remove(&key);
        }
    }
    meta.resetting = false;
    write(kv, KEY_CLIENT, &meta)
}

pub fn set_last_sync(kv: &dyn Kv, now: &str) -> Result<(), StoreError> {
    let mut meta = meta(kv).ok_or(StoreError::NotLoggedIn)?;
    meta.last_sync = Some(now.to_owned());
    write(kv, KEY_CLIENT, &meta)
}

/// An action on a case for the server's audit log, as the device records and uploads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub schema: u16,
    pub id: String,
    /// RFC 3339, device time.
    pub at: String,
    /// `case.view`, `case.export`, `case.share`, `case.export_pseudonymised`, `note.disclose`.
    pub action: String,
    pub case_id: String,
    /// To whom and on which basis (sharing, disclosure); never case content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Records that this user did `action` with a case, to be uploaded to the audit log.
pub fn record_audit_event(
    kv: &dyn Kv,
    action: &str,
    case_id: &str,
    id: &str,
    at: &str,
) -> Result<(), StoreError> {
    record_audit_event_detail(kv, action, case_id, None, id, at)
}

/// Like [`record_audit_event`], with a detail: to whom and on which basis.
pub fn record_audit_event_detail(
    kv: &dyn Kv,
    action: &str,
    case_id: &str,
    detail: Option<&str>,
    id: &str,
    at: &str,
) -> Result<(), StoreError> {
    meta(kv).ok_or(StoreError::NotLoggedIn)?;
    let e = AuditEvent {
        schema: STORE_SCHEMA,
        id: id.to_owned(),
        at: at.to_owned(),
        action: action.to_owned(),
        case_id: case_id.to_owned(),
        detail: detail.map(str::to_owned),
    };
    write(kv, &format!("{AUDIT_PREFIX}{at}~{id}"), &e)
}

/// The recorded events not yet uploaded, oldest first, with their keys.
pub fn audit_events(kv: &dyn Kv) -> Vec<(String, AuditEvent)> {
    let mut keys = kv.keys(AUDIT_PREFIX);
    keys.sort();
    keys.into_iter().filter_map(|k| read::<AuditEvent>(kv, &k).map(|e| (k, e))).collect()
}

/// The cases the unsent changes belong to (what an export of them carries).
pub fn unsent_case_ids(kv: &dyn Kv) -> Vec<String> {
    let mut ids: Vec<String> = pending(kv, usize::MAX)
        .iter()
        .filter_map(|m| {
            let fields = m.op.fields().map_or(Value::Null, |f| Value::Object(f.clone()));
            m.kind.case_of(&m.record_id, &fields)
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The version of the server's catalog kept on this device (none: the built-in one is used).
pub fn catalog_version(kv: &dyn Kv) -> Option<i64> {
    kv.get(KEY_CATALOG_VERSION)?.parse().ok()
}

/// The server's catalog kept on this device (its JSON form).
pub fn catalog_json(kv: &dyn Kv) -> Option<Value> {
    serde_json::from_str(&kv.get(KEY_CATALOG)?).ok()
}

/// Keeps a catalog the server published. Version 0 (the built-in one) removes the kept one.
pub fn set_catalog(kv: &dyn Kv, version: i64, catalog: &Value) -> Result<(), StoreError> {
    if version == 0 {
        kv.remove(KEY_CATALOG_VERSION);
        kv.remove(KEY_CATALOG);
        return Ok(());
    }
    kv.set(KEY_CATALOG, &catalog.to_string())?;
    kv.set(KEY_CATALOG_VERSION, &version.to_string())?;
    Ok(())
}

/// Removes from this device every case closed `days` or more days before `today`, with all its
/// parts (§ 9b: a device copy is not the archive; the server keeps the file). Never a case with an
/// unsent change or an open conflict in any of its records, nor one whose sustainability check is
/// still to be done (until `days` after it is due). Local only: nothing is sent, and a
/// colleague's later change brings the case back. Returns the ids removed.
pub fn evict_closed_cases(kv: &dyn Kv, today: time::Date, days: u32) -> Vec<String> {
    use std::collections::BTreeSet;
    let local_case =
        |kind: RecordKind, id: &str| record(kv, kind, id).and_then(|r| kind.case_of(id, &r.body));
    let mut keep: BTreeSet<String> = unsent_case_ids(kv).into_iter().collect();
    for m in pending(kv, usize::MAX) {
        keep.extend(local_case(m.kind, &m.record_id));
    }
    for c in open_conflicts(kv) {
        keep.extend(local_case(c.record_kind, &c.record_id));
    }
    let leaving: BTreeSet<String> = cases(kv)
        .into_iter()
        .filter(|c| passgenau_domain::retention::leaves_devices(c, today, days))
        // The sustainability check months after the end is done on the device.
        .filter(|c| !passgenau_domain::evaluation::keeps_for_follow_up(&evaluations(kv, &c.id), today, days))
        .map(|c| c.id.to_string())
        .filter(|id| !keep.contains(id))
        .collect();
    if leaving.is_empty() {
        return Vec::new();
    }
    for kind in RecordKind::ALL.into_iter().filter(|k| *k != RecordKind::Conflict) {
        for key in kv.keys(&rec_prefix(kind)) {
            let Some(r) = read::<StoredRecord>(kv, &key) else { continue };
            if kind.case_of(&r.id, &r.body).is_some_and(|c| leaving.contains(&c)) {
                kv.remove(&key);
            }
        }
    }
    leaving.into_iter().collect()
}

/// Takes the changes of an exported file (see [`export_unsent`]) into this device's queue, as new
/// changes of this device: puts are applied like edits, deletes like deletes. Notes that are already
/// here are skipped. Returns (taken, skipped).
pub fn import_unsent(kv: &dyn Kv, text: &str, now: &str) -> Result<(usize, usize), StoreError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| StoreError::Encode(e.to_string()))?;
    if doc["format"] != "passgenau-unsent-changes" {
        return Err(StoreError::Encode("not a file of unsent changes".into()));
    }
    let mutations: Vec<Mutation> =
        serde_json::from_value(doc["mutations"].clone()).map_err(|e| StoreError::Encode(e.to_string()))?;
    let (mut taken, mut skipped) = (0, 0);
    for m in mutations {
        let exists = record(kv, m.kind, &m.record_id).is_some();
        let res = match m.op {
            Op::Put { .. } if m.kind.is_append_only() && exists => {
                skipped += 1;
                continue;
            }
            Op::Put { fields } => change(kv, m.kind, &m.record_id, fields, now).map(|_| ()),
            Op::Delete if !exists => {
                skipped += 1;
                continue;
            }
            Op::Delete => delete_record(kv, m.kind, &m.record_id, now),
        };
        res?;
        taken += 1;
    }
    Ok((taken, skipped))
}

/// Forgets events the server has recorded.
pub fn remove_audit_events(kv: &dyn Kv, keys: &[String]) {
    for k in keys {
        kv.remove(k);
    }
}

pub fn export_unsent(kv: &dyn Kv) -> String {
    let doc = serde_json::json!({
        "format": "passgenau-unsent-changes",
        "schema": STORE_SCHEMA,
        "client": meta(kv).map(|m| m.client_id),
        "mutations": pending(kv, usize::MAX),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests;
