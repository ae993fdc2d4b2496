//! `server create-admin`: creates an administrator, for the first one on a new installation.
//! There is no default password: it is read from standard input, so it stays out of the shell history
//! and the process list.

use crate::auth::hash_password;
use crate::db::{Db, DbError, NewUser};

/// Shortest admin password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(
        "usage: server create-admin --username NAME --team TEAM [--display-name NAME] (password on stdin)"
    )]
    Usage,
    #[error("username must be 3 to 40 characters of a-z, 0-9, '.', '-' or '_'")]
    BadUsername,
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("user {0:?} already exists")]
    Exists(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Debug, PartialEq, Eq)]
pub struct AdminArgs {
    pub username: String,
    pub team: String,
    pub display_name: String,
}

/// Parses `--username X --team Y [--display-name Z]`.
pub fn parse_args(args: &[String]) -> Result<AdminArgs, AdminError> {
    let (mut username, mut team, mut display) = (None, None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().ok_or(AdminError::Usage)?.trim().to_owned();
        match a.as_str() {
            "--username" => username = Some(v),
            "--team" => team = Some(v),
            "--display-name" => display = Some(v),
            _ => return Err(AdminError::Usage),
        }
    }
    let username = username.ok_or(AdminError::Usage)?;
    let ok = (3..=40).contains(&username.chars().count())
        && username.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    if !ok {
        return Err(AdminError::BadUsername);
    }
    let team = team.filter(|t| !t.is_empty()).ok_or(AdminError::Usage)?;
    let display_name = display.unwrap_or_else(|| username.clone());
    Ok(AdminArgs { username, team, display_name })
}

/// Creates the admin (and the team when it does not exist yet).
pub async fn create_admin(db: &Db, args: &AdminArgs, password: &str) -> Result<(), AdminError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AdminError::ShortPassword);
    }
    if db.user_by_username(&args.username).await?.is_some() {
        return Err(AdminError::Exists(args.username.clone()));
    }
    let team_id = match db.team_id_by_name(&args.team).await? {
        Some(id) => id,
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            db.create_team(&id, &args.team).await?;
            id
        }
    };
    let hash = hash_password(password).map_err(|e| AdminError::Hash(e.to_string()))?;
    let id = uuid::Uuid::new_v4().to_string();
    db.create_user(NewUser {
        id: &id,
        team_id: &team_id,
        username: &args.username,
        display_name: &args.display_name,
        role: "admin",
        password_hash: &hash,
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn arguments_are_checked() {
        let ok = parse_args(&args(&["--username", "chefin", "--team", "Team Mitte"])).unwrap();
        assert_eq!(
            ok,
            AdminArgs { username: "chefin".into(), team: "Team Mitte".into(), display_name: "chefin".into() }
        );
        assert!(matches!(
            parse_args(&args(&["--username", "X Y", "--team", "T"])),
            Err(AdminError::BadUsername)
        ));
        assert!(matches!(parse_args(&args(&["--username", "chefin"])), Err(AdminError::Usage)));
        assert!(matches!(parse_args(&args(&["--username"])), Err(AdminError::Usage)));
        assert!(matches!(parse_args(&args(&["--rolle", "admin"])), Err(AdminError::Usage)));
    }
}
