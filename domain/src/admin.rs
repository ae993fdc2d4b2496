//! Wire types of the administration API (`/api/v1/admin/*`, role Admin only). Append-only like
//! every wire type.

use serde::{Deserialize, Serialize};

/// A user account as the admin page lists it. Never carries the password hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserSummary {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub team_id: String,
    pub team_name: String,
    pub active: bool,
}

/// `POST /api/v1/admin/users`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NewUserRequest {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub team_id: String,
    /// The first password; at least [`MIN_PASSWORD_CHARS`] characters.
    pub password: String,
}

/// `POST /api/v1/admin/users/{id}`: every field that is present is changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct UpdateUserRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// `false` deactivates: login refused, sessions ended. Accounts are never deleted (audit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// A new password (ends the user's sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A team as the admin page lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TeamSummary {
    pub id: String,
    pub name: String,
    /// Active users in the team.
    pub members: i64,
}

/// `POST /api/v1/admin/teams` (create) and `POST /api/v1/admin/teams/{id}` (rename).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TeamRequest {
    pub name: String,
}

/// `GET /api/v1/catalog` (every role) and the answer to `POST /api/v1/admin/catalog`: the module
/// catalog in force. `version` 0 is the catalog built into the app (`Catalog::builtin`); an admin's
/// changes count from 1. `catalog` is the catalog's JSON form (`catalog::Catalog`, read it with
/// `Catalog::from_json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CatalogResponse {
    pub version: i64,
    pub catalog: serde_json::Value,
}

/// Shortest password an admin may set for an account.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Why an admin request is refused (English in `Display`, German for the admin page).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminInputError {
    #[error("username must be 3 to 32 characters of a-z, 0-9, '.', '-' or '_'")]
    Username,
    #[error("display name must be 1 to 80 characters")]
    DisplayName,
    #[error("password must have at least {MIN_PASSWORD_CHARS} characters")]
    Password,
    #[error("team name must be 1 to 80 characters")]
    TeamName,
}

impl crate::UserMessage for AdminInputError {
    fn message_de(&self) -> String {
        match self {
            AdminInputError::Username => {
                "Der Benutzername braucht 3 bis 32 Zeichen: Kleinbuchstaben, Ziffern, Punkt, Binde- oder Unterstrich."
                    .into()
            }
            AdminInputError::DisplayName => "Der Name muss 1 bis 80 Zeichen lang sein.".into(),
            AdminInputError::Password => {
                format!("Das Passwort braucht mindestens {MIN_PASSWORD_CHARS} Zeichen.")
            }
            AdminInputError::TeamName => "Der Teamname muss 1 bis 80 Zeichen lang sein.".into(),
        }
    }
}

/// A username as accounts have it: 3–32 of `a-z 0-9 . - _`.
pub fn check_username(s: &str) -> Result<(), AdminInputError> {
    let ok = (3..=32).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    ok.then_some(()).ok_or(AdminInputError::Username)
}

/// 1–80 characters after trimming, no control characters.
pub fn check_name(s: &str, err: AdminInputError) -> Result<String, AdminInputError> {
    let t = s.trim();
    let n = t.chars().count();
    if (1..=80).contains(&n) && !t.chars().any(char::is_control) {
        Ok(t.to_owned())
    } else {
        Err(err)
    }
}

pub fn check_password(s: &str) -> Result<(), AdminInputError> {
    (s.chars().count() >= MIN_PASSWORD_CHARS).then_some(()).ok_or(AdminInputError::Password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_rules() {
        assert!(check_username("anna.b").is_ok());
        for bad in ["an", "Anna", "anna b", "änna", &"a".repeat(33)] {
            assert_eq!(check_username(bad), Err(AdminInputError::Username), "{bad}");
        }
        assert_eq!(check_name("  Team Nord ", AdminInputError::TeamName).as_deref(), Ok("Team Nord"));
        assert!(check_name(" ", AdminInputError::TeamName).is_err());
        assert!(check_name("a\u{7}", AdminInputError::DisplayName).is_err());
        assert!(check_password("zwölf zeiche").is_ok());
        assert!(check_password("kurz").is_err());
    }
}
