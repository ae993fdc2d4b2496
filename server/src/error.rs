//! The API's error boundary: English `error`/`message` for programs and logs, German `message_de` for people.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not logged in")]
    Unauthorized,
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failed logins for this username or address; the value is the seconds until the lock ends.
    #[error("too many failed logins; try again later")]
    TooManyAttempts(i64),
    #[error("bad request: {0}")]
    BadRequest(String, &'static str),
    /// A bad request whose German text is made from the input (e.g. a catalog's error).
    #[error("bad request: {0}")]
    Invalid(String, String),
    #[error("not found: {0}")]
    NotFound(String, &'static str),
    /// A unique name (username, team name) is taken.
    #[error("already exists: {0}")]
    Duplicate(String, &'static str),
    #[error("request body too large")]
    TooLarge,
    /// The user's role does not allow this (the German text says which role does).
    #[error("forbidden: {0}")]
    Forbidden(String, &'static str),
    #[error("content type must be application/json")]
    NotJson,
    #[error("this device id belongs to another user")]
    ForeignClient,
    /// The device's cursor is below compacted tombstones: it must push, then pull from 0.
    #[error("the device is too far behind and must reset: pull again from since=0 (compacted up to {0})")]
    ResetRequired(u64),
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::ForeignClient => ApiError::ForeignClient,
            DbError::ResetRequired { compacted_upto, .. } => ApiError::ResetRequired(compacted_upto),
            DbError::Duplicate(what) => ApiError::Duplicate(
                what.into(),
                match what {
                    "username" => "Diesen Benutzernamen gibt es schon.",
                    "team name" => "Ein Team mit diesem Namen gibt es schon.",
                    _ => "Das wurde gerade gleichzeitig geändert. Bitte noch einmal versuchen.",
                },
            ),
            other => ApiError::Db(other),
        }
    }
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::Unauthorized => {
                (StatusCode::UNAUTHORIZED, "unauthorized", "Bitte melden Sie sich an.".into())
            }
            ApiError::BadCredentials => {
                (StatusCode::UNAUTHORIZED, "bad_credentials", "Benutzername oder Passwort ist falsch.".into())
            }
            ApiError::TooManyAttempts(secs) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!(
                    "Zu viele Fehlversuche. Bitte versuchen Sie es {} erneut.",
                    crate::throttle::minutes_de(*secs)
                ),
            ),
            ApiError::BadRequest(_, de) => (StatusCode::BAD_REQUEST, "bad_request", (*de).into()),
            ApiError::Invalid(_, de) => (StatusCode::BAD_REQUEST, "bad_request", de.clone()),
            ApiError::NotFound(_, de) => (StatusCode::NOT_FOUND, "not_found", (*de).into()),
            ApiError::Duplicate(_, de) => (StatusCode::CONFLICT, "duplicate", (*de).into()),
            ApiError::Forbidden(_, de) => (StatusCode::FORBIDDEN, "forbidden", (*de).into()),
            ApiError::NotJson => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not_json",
                "Die Anfrage hat ein unerwartetes Format. Bitte die App neu laden.".into(),
            ),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "Die Anfrage ist zu groß. Bitte in kleineren Teilen senden.".into(),
            ),
            ApiError::ForeignClient => (
                StatusCode::CONFLICT,
                "foreign_client",
                "Dieses Gerät ist einer anderen Person zugeordnet. Bitte erneut anmelden.".into(),
            ),
            ApiError::ResetRequired(_) => (
                StatusCode::GONE,
                "reset_required",
                "Dieses Gerät war lange nicht abgeglichen und lädt die Daten des Teams neu. \
                 Ihre Änderungen sind bereits übertragen."
                    .into(),
            ),
            ApiError::Db(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "Der Server kann gerade nicht speichern. Ihre Änderungen bleiben auf dem Gerät.".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message_de) = self.parts();
        if let ApiError::Db(e) = &self {
            tracing::error!(error = %e, "database error");
        }
        let message = match &self {
            ApiError::Db(_) => "storage unavailable".to_string(), // details stay in the log
            _ => self.to_string(),
        };
        let mut res = (status, Json(json!({ "error": code, "message": message, "message_de": message_de })))
            .into_response();
        if let ApiError::TooManyAttempts(secs) = self {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        res
    }
}

/// Only JSON requests change state: a cross-site HTML form cannot send `application/json` without
/// a CORS preflight, which this server never grants. This is the CSRF guard of the cookie session.
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let ct = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")) {
        Ok(())
    } else {
        Err(ApiError::NotJson)
    }
}
