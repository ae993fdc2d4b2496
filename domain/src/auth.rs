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
}

/// The JSON error body of every API error.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiErrorBody {
    pub error: String,
    pub message: String,
    pub message_de: String,
}
