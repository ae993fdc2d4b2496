//! The sync client: push the unsent changes in batches, then pull the team's changes page by page.
//! The protocol is described in `docs/sync-protocol.md`; the bookkeeping lives in [`crate::store`].

use passgenau_domain::UserMessage;

use crate::store::StoreError;

/// Mutations per push request at most.
pub const PUSH_BATCH: usize = 200;
/// Serialised size of one push request at most (the server accepts 4 MiB).
pub const PUSH_BYTES: usize = 1024 * 1024;
/// Records per pull page.
pub const PULL_PAGE: u32 = 500;

#[derive(Debug, Clone, PartialEq)]
pub enum SyncError {
    /// The server cannot be reached.
    Offline,
    /// The server session has ended; the device data stay.
    Unauthorized,
    /// The server answered with an error; German message from the server.
    Server(String),
    /// The server session belongs to someone else than the device's user.
    OtherUser,
    /// The device's user now belongs to another team: the device holds the old team's data.
    TeamChanged,
    /// The server did not take all changes; they stay queued.
    Stalled,
    /// The server compacted deletes this device has not seen: pull everything again (`410`).
    ResetRequired,
    Store(StoreError),
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        SyncError::Store(e)
    }
}

impl SyncError {
    pub fn message_de(&self) -> String {
        match self {
            SyncError::Offline => {
                "Keine Verbindung zum Server. Ihre Änderungen bleiben auf dem Gerät.".into()
            }
            SyncError::Unauthorized => {
                "Ihre Anmeldung am Server ist abgelaufen. Bitte erneut anmelden; nichts geht verloren.".into()
            }
            SyncError::Server(m) => m.clone(),
            SyncError::OtherUser => {
                "Am Server ist eine andere Person angemeldet als auf diesem Gerät. \
                                     Bitte abmelden und mit dem eigenen Konto anmelden; nichts geht verloren."
                    .into()
            }
            SyncError::TeamChanged => {
                "Sie sind jetzt einem anderen Team zugeordnet. Die Daten des bisherigen Teams auf diesem \
                 Gerät werden nicht mehr abgeglichen; nicht übertragene Änderungen bleiben hier. Wenden Sie \
                 sich an die Administration: Sie ordnet Sie vorübergehend wieder dem bisherigen Team zu. \
                 Melden Sie sich dann erneut an, warten Sie, bis alles übertragen ist, und melden Sie sich \
                 ab; danach ordnet die Administration Sie wieder dem neuen Team zu. Zur Sicherheit lassen \
                 sich die nicht übertragenen Änderungen unter „Nicht übertragen“ als verschlüsselte Datei \
                 sichern; die Teamleitung des bisherigen Teams kann sie dort wiederherstellen."
                    .into()
            }
            SyncError::Stalled => {
                "Der Server hat nicht alle Änderungen übernommen. Sie bleiben auf dem Gerät; \
                                   bitte später erneut synchronisieren oder die Teamleitung informieren."
                    .into()
            }
            SyncError::ResetRequired => {
                "Dieses Gerät war lange nicht abgeglichen; die Daten des Teams werden neu geladen.".into()
            }
            SyncError::Store(e) => e.message_de(),
        }
    }
}

#[cfg(feature = "hydrate")]
mod net {
    use gloo_net::http::{Request, Response};
    use passgenau_domain::auth::ApiErrorBody;
    use serde::de::DeserializeOwned;

    use super::SyncError;

    async fn decode<T: DeserializeOwned>(res: Response) -> Result<T, SyncError> {
        if res.status() == 401 {
            return Err(SyncError::Unauthorized);
        }
        if res.status() == 410 {
            return Err(SyncError::ResetRequired);
        }
        if !res.ok() {
            let msg = res
                .json::<ApiErrorBody>()
                .await
                .map(|b| b.message_de)
                .unwrap_or_else(|_| "Der Server hat die Anfrage abgelehnt.".into());
            return Err(SyncError::Server(msg));
        }
        res.json::<T>().await.map_err(|_| SyncError::Server("Die Antwort des Servers ist unlesbar.".into()))
    }

    pub async fn post<B: serde::Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, SyncError> {
        let req = Request::post(url)
            .json(body)
            .map_err(|_| SyncError::Server("Anfrage nicht erstellbar.".into()))?;
        decode(req.send().await.map_err(|_| SyncError::Offline)?).await
    }

    pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, SyncError> {
        decode(Request::get(url).send().await.map_err(|_| SyncError::Offline)?).await
    }

    /// Whether the server answers its health check; `navigator.onLine` alone is not trusted.
    pub async fn server_reachable() -> bool {
        match Request::get("/healthz").send().await {
            Ok(r) => r.ok(),
            Err(_) => false,
        }
    }
}

#[cfg(feature = "hydrate")]
pub use net::{get, post, server_reachable};

/// How the sync round reaches the server: HTTP in the browser, a simulated network in tests.
/// Single-threaded by design (the browser has one thread), so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// The user of the server session.
    async fn me(&self) -> Result<passgenau_domain::auth::SessionInfo, SyncError>;
    async fn push(
        &self,
        req: &passgenau_domain::sync::PushRequest,
    ) -> Result<passgenau_domain::sync::PushResponse, SyncError>;
    /// One page of the team's changes after `since`; `client_id` lets the server keep what this
    /// device still needs. `Err(ResetRequired)` when it compacted deletes after `since`.
    async fn pull(
        &self,
        client_id: &str,
        since: u64,
        limit: u32,
    ) -> Result<passgenau_domain::sync::PullResponse, SyncError>;
}

/// One full sync round: push everything unsent, then pull until the server has no more.
/// `now` is the device clock, stored for display only.
pub async fn sync_round(kv: &dyn crate::kv::Kv, net: &impl Transport, now: &str) -> Result<(), SyncError> {
    use passgenau_domain::sync::{PushRequest, SYNC_PROTOCOL_VERSION};

    use crate::store;

    let meta = store::meta(kv).ok_or(SyncError::Unauthorized)?;
    let device_user = store::session(kv).ok_or(SyncError::Unauthorized)?;
    // The server session must be the device's user, or one person's changes would go to another's team.
    let server_user = net.me().await?;
    if server_user.user_id != device_user.user_id {
        return Err(SyncError::OtherUser);
    }
    // Moved to another team: nothing of the old team's queue may go to the new one.
    if server_user.team_id != device_user.team_id {
        return Err(SyncError::TeamChanged);
    }
    loop {
        let mut batch = store::pending(kv, PUSH_BATCH);
        while batch.len() > 1 && serde_json::to_vec(&batch).map_or(0, |b| b.len()) > PUSH_BYTES {
            batch.truncate(batch.len() / 2);
        }
        let Some(upto) = batch.last().map(|m| m.id) else { break };
        let req = PushRequest {
            protocol: SYNC_PROTOCOL_VERSION,
            client_id: meta.client_id.clone(),
            mutations: batch,
        };
        store::mark_sent(kv, upto)?;
        let res = net.push(&req).await?;
        store::apply_push_response(kv, &req.mutations, &res)?;
        if res.last_processed < upto {
            return Err(SyncError::Stalled); // Nothing is dropped: the rest stays queued.
        }
    }
    // Everything queued has been pushed by now, so a reset below loses nothing.
    let mut reset = false;
    loop {
        let cursor = store::meta(kv).map_or(0, |m| m.cursor);
        let page = match net.pull(&meta.client_id, cursor, PULL_PAGE).await {
            Err(SyncError::ResetRequired) if !reset && cursor > 0 => {
                store::begin_reset(kv)?;
                reset = true;
                continue;
            }
            page => page?,
        };
        store::apply_pull_page(kv, &page)?;
        if !page.has_more {
            break;
        }
    }
    store::set_last_sync(kv, now)?;
    Ok(())
}

/// The browser's transport: the versioned HTTP API.
#[cfg(feature = "hydrate")]
pub struct Http;

#[cfg(feature = "hydrate")]
impl Transport for Http {
    async fn me(&self) -> Result<passgenau_domain::auth::SessionInfo, SyncError> {
        net::get("/api/v1/auth/me").await
    }
    async fn push(
        &self,
        req: &passgenau_domain::sync::PushRequest,
    ) -> Result<passgenau_domain::sync::PushResponse, SyncError> {
        net::post("/api/v1/sync/push", req).await
    }
    async fn pull(
        &self,
        client_id: &str,
        since: u64,
        limit: u32,
    ) -> Result<passgenau_domain::sync::PullResponse, SyncError> {
        net::get(&format!("/api/v1/sync/pull?since={since}&limit={limit}&client_id={client_id}")).await
    }
}

/// One sync round of this browser. Its code (the checks of every kind of record a pull may bring,
/// push and pull) is a wasm chunk of its own, which the first load need not carry: the first round
/// (at start) fetches it, and the service worker keeps it with the app. Without the chunk (the
/// device went offline before the worker stored it) the round cannot run, which is being offline as
/// far as she can tell.
#[cfg(feature = "hydrate")]
pub async fn sync_once() -> Result<(), SyncError> {
    split::round().await?.await
}

impl From<leptos::wasm_split::SplitLoaderError> for SyncError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        SyncError::Offline
    }
}

#[cfg(feature = "hydrate")]
mod split {
    use std::future::Future;
    use std::pin::Pin;

    use super::SyncError;

    type Round = Pin<Box<dyn Future<Output = Result<(), SyncError>>>>;

    #[leptos::wasm_split::wasm_split(sync, wasm_split_path = ::leptos::wasm_split, fallible)]
    pub fn round() -> Result<Round, SyncError> {
        Ok(Box::pin(super::run_round()))
    }
}

#[cfg(feature = "hydrate")]
async fn run_round() -> Result<(), SyncError> {
    let kv = crate::kv::device().ok_or(StoreError::Unavailable)?;
    sync_round(&kv, &Http, &crate::util::now_iso()).await?;
    upload_audit_events(&kv).await?;
    refresh_catalog(&kv).await;
    // In sync with the server: closed cases past their days leave this device.
    let days = crate::store::session(&kv)
        .and_then(|s| s.closed_case_days)
        .unwrap_or(passgenau_domain::retention::DEFAULT_CLOSED_CASE_DAYS);
    if let Ok(today) = passgenau_domain::case::parse_iso_date(&crate::util::today_iso()) {
        crate::store::evict_closed_cases(&kv, today, days);
    }
    Ok(())
}

/// Takes over the module catalog the server publishes when its version changed. A catalog this app
/// cannot read (a newer schema) is not taken; the one in use stays.
#[cfg(feature = "hydrate")]
async fn refresh_catalog(kv: &dyn crate::kv::Kv) {
    let Ok(res) = net::get::<passgenau_domain::admin::CatalogResponse>("/api/v1/catalog").await else {
        return;
    };
    if crate::store::catalog_version(kv).unwrap_or(0) == res.version {
        return;
    }
    if res.version == 0 || passgenau_domain::catalog::Catalog::from_json(res.catalog.clone()).is_ok() {
        let _ = crate::store::set_catalog(kv, res.version, &res.catalog);
    }
}

/// Hands the recorded audit events (views, exports) to the server; they stay queued on failure.
#[cfg(feature = "hydrate")]
pub async fn upload_audit_events(kv: &dyn crate::kv::Kv) -> Result<(), SyncError> {
    let events = crate::store::audit_events(kv);
    let Some(client_id) = crate::store::meta(kv).map(|m| m.client_id) else { return Ok(()) };
    for chunk in events.chunks(500) {
        let body = serde_json::json!({
            "client_id": client_id,
            "events": chunk.iter().map(|(_, e)| serde_json::json!({
                "id": e.id, "at": e.at, "action": e.action, "case_id": e.case_id, "detail": e.detail,
            })).collect::<Vec<_>>(),
        });
        let _: serde_json::Value = net::post("/api/v1/audit/events", &body).await?;
        let keys: Vec<String> = chunk.iter().map(|(k, _)| k.clone()).collect();
        crate::store::remove_audit_events(kv, &keys);
    }
    Ok(())
}
