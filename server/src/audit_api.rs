//! Audit endpoints (`/api/v1/audit*`): devices report what they did (viewing or exporting a case,
//! offline too; roles that work on cases); roles with `ReadAuditLog` read their team's log.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use passgenau_domain::roles::Permission;

use crate::audit::{AuditEntry, NewEntry, DEVICE_ACTIONS, MAX_DETAIL_CHARS};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::AppState;

/// Events per request at most.
pub const MAX_EVENTS: usize = 500;

#[derive(Debug, Deserialize)]
pub struct DeviceEvent {
    /// The device's id for the event (a UUID): a resent event is recorded once.
    pub id: String,
    /// When it happened on the device (RFC 3339).
    pub at: String,
    pub action: String,
    pub case_id: String,
    /// What exactly happened, in words (e.g. to whom a case was shared or a note disclosed); at most
    /// [`MAX_DETAIL_CHARS`] characters. Optional, added after the first devices.
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct EventsRequest {
    pub client_id: String,
    pub events: Vec<DeviceEvent>,
}

#[derive(Debug, Serialize)]
pub struct EventsResponse {
    pub recorded: usize,
}

fn bad(msg: String) -> ApiError {
    ApiError::BadRequest(msg, "Die gemeldeten Vorgänge sind ungültig. Bitte die App aktualisieren.")
}

pub async fn record_events(
    State(state): State<AppState>,
    user: AuthUser,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<EventsResponse>, ApiError> {
    user.require(Permission::WorkOnCases)?;
    crate::error::require_json(&headers)?;
    let req: EventsRequest =
        serde_json::from_slice(&body).map_err(|e| bad(format!("malformed events: {e}")))?;
    if uuid::Uuid::parse_str(&req.client_id).is_err() {
        return Err(bad("client_id must be a UUID".into()));
    }
    if req.events.len() > MAX_EVENTS {
        return Err(bad(format!("at most {MAX_EVENTS} events per request")));
    }
    let mut entries = Vec::with_capacity(req.events.len());
    for e in req.events {
        if uuid::Uuid::parse_str(&e.id).is_err() || uuid::Uuid::parse_str(&e.case_id).is_err() {
            return Err(bad("event id and case_id must be UUIDs".into()));
        }
        if !DEVICE_ACTIONS.contains(&e.action.as_str()) {
            return Err(bad(format!("unknown action {:?}", e.action)));
        }
        if time::OffsetDateTime::parse(&e.at, &time::format_description::well_known::Rfc3339).is_err() {
            return Err(bad("event time must be RFC 3339".into()));
        }
        if e.detail.as_ref().is_some_and(|d| d.chars().count() > MAX_DETAIL_CHARS) {
            return Err(bad(format!("event detail must have at most {MAX_DETAIL_CHARS} characters")));
        }
        entries.push(NewEntry {
            device_at: Some(e.at),
            actor: user.0.id.clone(),
            client_id: Some(req.client_id.clone()),
            action: e.action,
            record_kind: None,
            record_id: None,
            case_id: Some(e.case_id),
            event_id: Some(e.id),
            detail: e.detail,
        });
    }
    let recorded = state.db.audit_append(&user.0.team_id, entries).await?;
    Ok(Json(EventsResponse { recorded }))
}

#[derive(Debug, Deserialize)]
pub struct LogQuery {
    pub case_id: Option<String>,
}

pub async fn read_log(
    State(state): State<AppState>,
    user: AuthUser,
    query: Result<Query<LogQuery>, QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    user.require(Permission::ReadAuditLog)?;
    let Query(q) = query.map_err(|e| {
        ApiError::BadRequest(format!("malformed audit query: {}", e.body_text()), "Die Abfrage ist ungültig.")
    })?;
    Ok(Json(state.db.audit_entries(&user.0.team_id, q.case_id.as_deref()).await?))
}
