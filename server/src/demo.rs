//! Demo data for trying Passgenau locally: two Sozialraumteams, one user of each role (and one more
//! Fachkraft in the other team), three cases.
//! Only seeded on request (`--demo`) into an empty database. The demo password is public by design.

use passgenau_domain::case::{parse_iso_date, Case, CaseId, CaseLabel};
use passgenau_domain::sync::{Mutation, Op, RecordKind};

use crate::auth::hash_password;
use crate::db::{Actor, Db, DbError, NewUser};

pub const DEMO_PASSWORD: &str = "passgenau-demo";
pub const TEAM_NORD: &str = "8f0a4a8e-55b4-4d43-9a7e-1f7d1c0a0001";
pub const TEAM_SUED: &str = "8f0a4a8e-55b4-4d43-9a7e-1f7d1c0a0002";

pub struct DemoUser {
    pub id: &'static str,
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    pub team_id: &'static str,
}

pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        id: "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000001",
        username: "anna",
        display_name: "Anna Albers",
        role: "fachkraft_traeger",
        team_id: TEAM_NORD,
    },
    DemoUser {
        id: "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000002",
        username: "ben",
        display_name: "Ben Becker",
        role: "fachkraft_asd",
        team_id: TEAM_NORD,
    },
    DemoUser {
        id: "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000004",
        username: "tanja",
        display_name: "Tanja Thiele",
        role: "teamleitung",
        team_id: TEAM_NORD,
    },
    DemoUser {
        id: "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000005",
        username: "adele",
        display_name: "Adele Adam",
        role: "admin",
        team_id: TEAM_NORD,
    },
    DemoUser {
        id: "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000003",
        username: "clara",
        display_name: "Clara Claussen",
        role: "fachkraft_traeger",
        team_id: TEAM_SUED,
    },
];

const DEMO_CASES: &[(&str, &str, &str, &str)] = &[
    (
        "5d2e7c1a-7b3f-4e8a-9c2d-000000000001",
        "JA-2026-0142",
        "2026-02-02",
        "Clearing läuft, Kategorie noch offen.",
    ),
    (
        "5d2e7c1a-7b3f-4e8a-9c2d-000000000002",
        "Familie Sonnenblume",
        "2025-11-17",
        "SPFH 6 Std./Woche; Hilfeplan-Fortschreibung im Mai.",
    ),
    (
        "5d2e7c1a-7b3f-4e8a-9c2d-000000000003",
        "JA-2025-0988",
        "2025-09-01",
        "Tagesgruppe 5 Tage/Woche, Schule eingebunden.",
    ),
];

/// Seeds the demo data if the database has no team yet. Returns whether it seeded.
pub async fn seed_if_empty(db: &Db) -> Result<bool, DbError> {
    if db.team_count().await? > 0 {
        return Ok(false);
    }
    db.create_team(TEAM_NORD, "Sozialraumteam Nord (Demo)").await?;
    db.create_team(TEAM_SUED, "Sozialraumteam Süd (Demo)").await?;
    let hash = hash_password(DEMO_PASSWORD).map_err(|e| DbError::Corrupt(e.to_string()))?;
    for u in DEMO_USERS {
        db.create_user(NewUser {
            id: u.id,
            team_id: u.team_id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            password_hash: &hash,
        })
        .await?;
    }
    // Demo cases enter through the same push path as a device's changes.
    let anna = &DEMO_USERS[0];
    let actor = Actor {
        user_id: anna.id.into(),
        team_id: anna.team_id.into(),
        display_name: anna.display_name.into(),
        may_approve: passgenau_domain::roles::may(
            anna.role,
            passgenau_domain::roles::Permission::ApproveSetting,
        ),
    };
    let mut mutations = Vec::new();
    for (i, (id, label, start, note)) in DEMO_CASES.iter().enumerate() {
        let (Ok(id), Ok(label), Ok(start)) =
            (CaseId::parse(id), CaseLabel::parse(label), parse_iso_date(start))
        else {
            return Err(DbError::Corrupt("demo case data invalid".into()));
        };
        let mut case = Case::new(id.clone(), label, start);
        case.note = (*note).into();
        let fields = match serde_json::to_value(&case) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return Err(DbError::Corrupt("demo case not an object".into())),
        };
        mutations.push(Mutation {
            id: i as u64 + 1,
            kind: RecordKind::Case,
            record_id: id.to_string(),
            op: Op::Put { fields },
            client_time: String::new(),
            base_seq: None,
        });
    }
    db.push(&actor, "00000000-0000-4000-8000-00000000de00", &mutations).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use passgenau_domain::roles::Role;

    #[test]
    fn the_demo_has_one_user_of_each_role_in_team_nord() {
        for role in Role::ALL {
            assert!(
                super::DEMO_USERS.iter().any(|u| u.role == role.as_str() && u.team_id == super::TEAM_NORD),
                "{role:?}"
            );
        }
        assert!(super::DEMO_USERS.iter().all(|u| Role::parse(u.role).is_ok()));
    }
}
