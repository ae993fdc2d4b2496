//! Administration endpoints (`/api/v1/admin/*`, role Admin: `ManageUsers`, `ManageTeams`,
//! `ManageCatalog`) and the module catalog in force (`GET /api/v1/catalog`, every role). Wire types in
//! `passgenau_domain::admin`. Every change lands in the acting admin's team audit chain with a
//! `detail` naming what changed (never a password).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use passgenau_domain::admin::{
    self, AdminInputError, CatalogResponse, NewUserRequest, TeamRequest, TeamSummary, UpdateUserRequest,
    UserSummary,
};
use passgenau_domain::catalog::{Catalog, CatalogError, CATALOG_SCHEMA_VERSION};
use passgenau_domain::roles::{Permission, Role};
use passgenau_domain::UserMessage;
use serde::de::DeserializeOwned;

use crate::auth::{hash_password, AuthUser};
use crate::db::{DbError, NewUser, UserChanges};
use crate::error::{require_json, ApiError};
use crate::AppState;

/// Reads a JSON request body (only `application/json`, like every state change).
fn parse<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    require_json(headers)?;
    serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(
            format!("malformed request: {e}"),
            "Die Angaben sind unvollständig oder ungültig.",
        )
    })
}

fn input(e: AdminInputError) -> ApiError {
    ApiError::Invalid(e.to_string(), e.message_de())
}

fn role(s: &str) -> Result<Role, ApiError> {
    Role::parse(s).map_err(|e| ApiError::Invalid(e.to_string(), e.message_de()))
}

fn unknown_team() -> ApiError {
    ApiError::BadRequest("unknown team".into(), "Dieses Team gibt es nicht.")
}

fn no_user() -> ApiError {
    ApiError::NotFound("no such user".into(), "Dieses Benutzerkonto gibt es nicht.")
}

fn no_team() -> ApiError {
    ApiError::NotFound("no such team".into(), "Dieses Team gibt es nicht.")
}

/// argon2id off the async threads, bounded like login's checks (about 19 MiB each).
async fn hash(state: &AppState, password: String) -> Result<String, ApiError> {
    let corrupt = |e: String| ApiError::Db(DbError::Corrupt(format!("cannot hash a password: {e}")));
    let _permit = state.password_checks.acquire().await.map_err(|e| corrupt(e.to_string()))?;
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| corrupt(e.to_string()))?
        .map_err(|e| corrupt(e.to_string()))
}

/// `GET /api/v1/admin/users`: every account of every team.
pub async fn list_users(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<UserSummary>>, ApiError> {
    user.require(Permission::ManageUsers)?;
    Ok(Json(state.db.admin_users().await?))
}

/// `POST /api/v1/admin/users` ([`NewUserRequest`]): `201` with the new account.
pub async fn create_user(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<UserSummary>), ApiError> {
    user.require(Permission::ManageUsers)?;
    let req: NewUserRequest = parse(&headers, &body)?;
    admin::check_username(&req.username).map_err(input)?;
    let display_name = admin::check_name(&req.display_name, AdminInputError::DisplayName).map_err(input)?;
    admin::check_password(&req.password).map_err(input)?;
    let role = role(&req.role)?;
    let team = state.db.admin_team(&req.team_id).await?.ok_or_else(unknown_team)?;
    let password_hash = hash(&state, req.password).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let detail = format!("username: {}; role: {}; team: {}", req.username, role.as_str(), team.name);
    let new = NewUser {
        id: &id,
        team_id: &team.id,
        username: &req.username,
        display_name: &display_name,
        role: role.as_str(),
        password_hash: &password_hash,
    };
    state.db.admin_create_user(&user.actor(), new, &detail).await?;
    tracing::info!(admin = %user.0.id, user = %id, "account created");
    let created = state.db.admin_user(&id).await?.ok_or_else(no_user)?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `POST /api/v1/admin/users/{id}` ([`UpdateUserRequest`]): changes the fields present.
pub async fn update_user(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<UserSummary>, ApiError> {
    user.require(Permission::ManageUsers)?;
    let req: UpdateUserRequest = parse(&headers, &body)?;
    let current = state.db.admin_user(&id).await?.ok_or_else(no_user)?;
    let mut changes = UserChanges::default();
    let mut detail = vec![format!("username: {}", current.username)];
    if let Some(name) = &req.display_name {
        let name = admin::check_name(name, AdminInputError::DisplayName).map_err(input)?;
        if name != current.display_name {
            detail.push(format!("display_name: {name}"));
            changes.display_name = Some(name);
        }
    }
    if let Some(r) = &req.role {
        let r = role(r)?;
        if r.as_str() != current.role {
            detail.push(format!("role: {} -> {}", current.role, r.as_str()));
            changes.role = Some(r.as_str().to_owned());
        }
    }
    if let Some(team_id) = req.team_id.as_ref().filter(|t| **t != current.team_id) {
        let team = state.db.admin_team(team_id).await?.ok_or_else(unknown_team)?;
        detail.push(format!("team: {} -> {}", current.team_name, team.name));
        changes.team_id = Some(team.id);
    }
    if let Some(active) = req.active.filter(|a| *a != current.active) {
        detail.push(if active { "activated" } else { "deactivated" }.to_owned());
        changes.active = Some(active);
    }
    if id == user.0.id && (changes.active == Some(false) || changes.role.is_some()) {
        return Err(ApiError::BadRequest(
            "an admin cannot deactivate or demote their own account".into(),
            "Das eigene Konto kann nicht deaktiviert oder herabgestuft werden.",
        ));
    }
    if let Some(password) = req.password {
        admin::check_password(&password).map_err(input)?;
        changes.password_hash = Some(hash(&state, password).await?);
        detail.push("password set".to_owned());
    }
    if changes.is_empty() {
        return Ok(Json(current));
    }
    if !state.db.admin_update_user(&user.actor(), &id, &changes, &detail.join("; ")).await? {
        return Err(no_user());
    }
    tracing::info!(admin = %user.0.id, user = %id, sessions_ended = changes.ends_sessions(), "account changed");
    Ok(Json(state.db.admin_user(&id).await?.ok_or_else(no_user)?))
}

/// `GET /api/v1/admin/teams`: every team with its number of active accounts.
pub async fn list_teams(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<TeamSummary>>, ApiError> {
    user.require(Permission::ManageTeams)?;
    Ok(Json(state.db.admin_teams().await?))
}

/// `POST /api/v1/admin/teams` ([`TeamRequest`]): `201` with the new team.
pub async fn create_team(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<TeamSummary>), ApiError> {
    user.require(Permission::ManageTeams)?;
    let req: TeamRequest = parse(&headers, &body)?;
    let name = admin::check_name(&req.name, AdminInputError::TeamName).map_err(input)?;
    let id = uuid::Uuid::new_v4().to_string();
    state.db.admin_create_team(&user.actor(), &id, &name).await?;
    tracing::info!(admin = %user.0.id, team = %id, "team created");
    Ok((StatusCode::CREATED, Json(state.db.admin_team(&id).await?.ok_or_else(no_team)?)))
}

/// `POST /api/v1/admin/teams/{id}` ([`TeamRequest`]): renames the team.
pub async fn rename_team(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<TeamSummary>, ApiError> {
    user.require(Permission::ManageTeams)?;
    let req: TeamRequest = parse(&headers, &body)?;
    let name = admin::check_name(&req.name, AdminInputError::TeamName).map_err(input)?;
    let current = state.db.admin_team(&id).await?.ok_or_else(no_team)?;
    if name == current.name {
        return Ok(Json(current));
    }
    let detail = format!("{} -> {name}", current.name);
    if !state.db.admin_rename_team(&user.actor(), &id, &name, &detail).await? {
        return Err(no_team());
    }
    tracing::info!(admin = %user.0.id, team = %id, "team renamed");
    Ok(Json(state.db.admin_team(&id).await?.ok_or_else(no_team)?))
}

fn catalog_json(c: &Catalog) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(c).map_err(|e| ApiError::Db(DbError::Corrupt(format!("catalog: {e}"))))
}

/// `GET /api/v1/catalog`: the newest catalog an admin stored, else the built-in one (version 0).
pub async fn current_catalog(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<CatalogResponse>, ApiError> {
    user.require(Permission::ReadCatalog)?;
    let corrupt = |e: String| ApiError::Db(DbError::Corrupt(format!("stored catalog: {e}")));
    let (version, catalog) = match state.db.catalog_current().await? {
        // Read through `from_json`, so a version stored under an older schema is migrated.
        Some((n, body)) => {
            let value = serde_json::from_str(&body).map_err(|e| corrupt(e.to_string()))?;
            (n, Catalog::from_json(value).map_err(|e| corrupt(e.to_string()))?)
        }
        None => (0, Catalog::builtin().map_err(|e| corrupt(e.to_string()))?),
    };
    Ok(Json(CatalogResponse { version, catalog: catalog_json(&catalog)? }))
}

/// `POST /api/v1/admin/catalog` (the catalog's JSON form): checked like the built-in one, stored as
/// the next version.
pub async fn update_catalog(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<CatalogResponse>, ApiError> {
    user.require(Permission::ManageCatalog)?;
    let value: serde_json::Value = parse(&headers, &body)?;
    let invalid = |e: CatalogError| ApiError::Invalid(e.to_string(), e.message_de());
    // A catalog of a newer schema than this build reads is named as such (not as unreadable).
    let schema = value.get("schema").and_then(serde_json::Value::as_u64);
    if let Some(v) = schema.filter(|v| *v > u64::from(CATALOG_SCHEMA_VERSION)) {
        return Err(invalid(CatalogError::UnknownSchema(u16::try_from(v).unwrap_or(u16::MAX))));
    }
    let catalog = Catalog::from_json(value).map_err(invalid)?;
    let json = catalog_json(&catalog)?;
    let detail = format!("{} modules", catalog.modules.len());
    let version = state.db.catalog_store(&user.actor(), &json.to_string(), &detail).await?;
    tracing::info!(admin = %user.0.id, version, "catalog changed");
    Ok(Json(CatalogResponse { version, catalog: json }))
}
