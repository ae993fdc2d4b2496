//! Versioned sync endpoints (`/api/v1/sync/*`). The protocol is described in `docs/sync-protocol.md`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use passgenau_domain::sync::{
    PullResponse, PushRequest, PushResponse, MAX_PULL_PAGE, MAX_PUSH_BATCH, SYNC_PROTOCOL_VERSION,
};
use serde::Deserialize;

use passgenau_domain::roles::Permission;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::AppState;

pub async fn push(
    State(state): State<AppState>,
    user: AuthUser,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<PushResponse>, ApiError> {
    user.require(Permission::WorkOnCases)?;
    crate::error::require_json(&headers)?;
    let req: PushRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(
            format!("malformed push: {e}"),
            "Die gesendeten Änderungen sind nicht lesbar. Bitte die App aktualisieren.",
        )
    })?;
    if req.protocol != SYNC_PROTOCOL_VERSION {
        return Err(ApiError::BadRequest(
            format!("unsupported protocol version {}", req.protocol),
            "Diese App-Version wird vom Server nicht unterstützt. Bitte die App neu laden.",
        ));
    }
    if uuid::Uuid::parse_str(&req.client_id).is_err() {
        return Err(ApiError::BadRequest(
            "client_id must be a UUID".into(),
            "Die Geräte-Kennung ist ungültig.",
        ));
    }
    if req.mutations.len() > MAX_PUSH_BATCH {
        return Err(ApiError::BadRequest(
            format!("at most {MAX_PUSH_BATCH} mutations per push"),
            "Zu viele Änderungen auf einmal. Bitte in kleineren Teilen senden.",
        ));
    }
    let res = state.db.push(&user.actor(), &req.client_id, &req.mutations).await?;
    Ok(Json(res))
}

#[derive(Debug, Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    pub since: u64,
    pub limit: Option<u32>,
    /// The device's id (optional, added in v1): the server remembers `since` as what it has applied.
    pub client_id: Option<String>,
}

pub async fn pull(
    State(state): State<AppState>,
    user: AuthUser,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    user.require(Permission::WorkOnCases)?;
    // Mapped here so that a malformed query gets the API's error body, not axum's plain text.
    let Query(q) = query.map_err(|e| {
        ApiError::BadRequest(
            format!("malformed pull query: {}", e.body_text()),
            "Die Abfrage ist ungültig. Bitte die App neu laden.",
        )
    })?;
    if q.client_id.as_deref().is_some_and(|c| uuid::Uuid::parse_str(c).is_err()) {
        return Err(ApiError::BadRequest(
            "client_id must be a UUID".into(),
            "Die Geräte-Kennung ist ungültig.",
        ));
    }
    let res = state
        .db
        .pull(&user.actor(), q.client_id.as_deref(), q.since, q.limit.unwrap_or(MAX_PULL_PAGE))
        .await?;
    Ok(Json(res))
}
