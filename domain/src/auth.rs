//! Authentication wire types (`/api/v1/auth/*`). Append-only like every wire type.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// What the browser may know about the logged-in user; also kept on the device for offline use.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionInfo {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub team_id: String,
    pub team_name: String,
    /// Days a closed case stays on the devices (the server's `PASSGENAU_CLOSED_CASE_DAYS`); the
    /// device uses [`crate::retention::DEFAULT_CLOSED_CASE_DAYS`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_case_days: Option<u32>,
}

/// The JSON error body of every API error.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiErrorBody {
    pub error: String,
    pub message: String,
    pub message_de: String,
}
