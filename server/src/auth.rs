//! Accounts and browser sessions: argon2id password hashes, random session tokens of which only the
//! SHA-256 is stored, an HttpOnly SameSite=Strict cookie.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use passgenau_domain::auth::{LoginRequest, SessionInfo};
use passgenau_domain::roles::{self, Permission};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{Actor, UserRow};
use crate::error::ApiError;
use crate::throttle::{ClientIp, Keys};
use crate::AppState;

pub const SESSION_COOKIE: &str = "passgenau_session";
/// A browser session lasts 12 hours: one working day including the way home.
pub const SESSION_SECONDS: i64 = 12 * 3600;

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl From<&UserRow> for SessionInfo {
    fn from(u: &UserRow) -> Self {
        SessionInfo {
            user_id: u.id.clone(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            team_id: u.team_id.clone(),
            team_name: u.team_name.clone(),
            closed_case_days: None,
        }
    }
}

/// A user authenticated by session cookie.
pub struct AuthUser(pub UserRow);

impl AuthUser {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.0.id.clone(),
            team_id: self.0.team_id.clone(),
            display_name: self.0.display_name.clone(),
            may_approve: roles::may(&self.0.role, Permission::ApproveSetting),
        }
    }

    /// `403 Forbidden` unless the user's role may do `p` (`passgenau_domain::roles`, the one table).
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if roles::may(&self.0.role, p) {
            return Ok(());
        }
        tracing::info!(user = %self.0.id, role = %self.0.role, permission = ?p, "forbidden");
        Err(ApiError::Forbidden(format!("role {} lacks permission {p:?}", self.0.role), forbidden_de(p)))
    }
}

/// Why a role is refused, in German: who may do it instead.
pub fn forbidden_de(p: Permission) -> &'static str {
    match p {
        Permission::WorkOnCases => "Die Administration hat keinen Zugriff auf Fallakten.",
        Permission::ApproveSetting => {
            "Die Bewilligung (Zeitraum, Einzelvereinbarung, Fallbudget) setzt das Jugendamt (ASD) oder die \
             Teamleitung."
        }
        Permission::ReadAuditLog => "Das Protokoll können nur Teamleitung und Administration einsehen.",
        Permission::ManageUsers | Permission::ManageTeams | Permission::ManageCatalog => {
            "Benutzer, Teams und den Modulkatalog verwaltet die Administration."
        }
        Permission::ReadCatalog => "Diese Rolle hat keinen Zugriff auf den Modulkatalog.",
        Permission::ViewTeamOverview => "Die Teamübersicht ist der Teamleitung vorbehalten.",
    }
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).ok_or(ApiError::Unauthorized)?;
        let user = state.db.session_user(&token_hash(&token), unix_now()).await?;
        user.map(AuthUser).ok_or(ApiError::Unauthorized)
    }
}

/// A fixed hash to verify against when the user does not exist, so timing does not reveal usernames.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn dummy_hash() -> &'static str {
    DUMMY_HASH.get_or_init(|| hash_password("dummy-password").unwrap_or_default())
}

/// Computes the dummy hash ahead of the first login, so the first unknown username is not slower.
pub fn warm_dummy_hash() {
    std::thread::spawn(|| {
        dummy_hash();
    });
}

/// Logs in. Throttled per username and per client address (see `crate::throttle`): a locked key
/// gets 429 before any password check; unknown usernames take the same path as known ones.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    crate::error::require_json(&headers)?;
    let req: LoginRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!("invalid login request: {e}"), "Die Anmeldedaten sind unvollständig.")
    })?;
    let keys = Keys::new(&req.username, ip);
    let policy = state.config.login_throttle;
    let user = {
        // The lock is checked and a failure counted while holding a permit, so a burst of parallel
        // guesses gets at most (permits - 1) checks per server process beyond the limit.
        let _permit = state.password_checks.acquire().await.map_err(|_| ApiError::Unauthorized)?;
        let now = unix_now();
        if let Some(until) = state.db.throttle_lock_end(&[&keys.user, &keys.ip], now).await? {
            tracing::info!("login refused: locked after repeated failures");
            return Err(ApiError::TooManyAttempts(until - now));
        }
        let user = state.db.user_by_username(req.username.trim()).await?;
        let password = req.password;
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let verified = tokio::task::spawn_blocking(move || match stored {
            Some(h) => verify_password(&password, &h),
            None => {
                let _ = verify_password(&password, dummy_hash());
                false
            }
        })
        .await
        .unwrap_or(false);
        // An inactive account is refused exactly like a wrong password (no account enumeration).
        match user.filter(|u| verified && u.active) {
            Some(user) => user,
            None => {
                tracing::info!("login failed");
                let now = unix_now();
                let by_user = state.db.throttle_failure(&keys.user, policy.user_limit(), now).await?;
                let by_ip = state.db.throttle_failure(&keys.ip, policy.ip_limit(), now).await?;
                return match by_user.max(by_ip) {
                    Some(until) => {
                        tracing::warn!(by_user = by_user.is_some(), by_ip = by_ip.is_some(), "login locked");
                        Err(ApiError::TooManyAttempts(until - now))
                    }
                    None => Err(ApiError::BadCredentials),
                };
            }
        }
    };
    state.db.throttle_clear(&keys.user).await?;
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = hex::encode(raw);
    state.db.create_session(&token_hash(&token), &user.id, unix_now() + SESSION_SECONDS).await?;
    tracing::info!(user = %user.id, "login");
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{secure}"
    );
    Ok(([(SET_COOKIE, cookie)], Json(session_info(&state, &user))).into_response())
}

/// What the browser learns about its user, with the server's policy for the devices.
fn session_info(state: &AppState, user: &UserRow) -> SessionInfo {
    SessionInfo { closed_case_days: Some(state.config.closed_case_days), ..SessionInfo::from(user) }
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = session_token(&headers) {
        state.db.delete_session(&token_hash(&token)).await?;
    }
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok(([(SET_COOKIE, cookie)], Json(serde_json::json!({"ok": true}))).into_response())
}

pub async fn me(State(state): State<AppState>, user: AuthUser) -> Json<SessionInfo> {
    Json(session_info(&state, &user.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hashes_are_argon2id_and_verify() {
        let h = hash_password("richtig").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("richtig", &h));
        assert!(!verify_password("falsch", &h));
        assert!(!verify_password("richtig", "not a hash"));
    }

    #[test]
    fn session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "a=1; passgenau_session=abc; b=2".parse().unwrap());
        assert_eq!(session_token(&h).as_deref(), Some("abc"));
    }
}
