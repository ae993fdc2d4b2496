//! Who may do what: one table, enforced by the server on every path and read by the app to offer
//! only what a person may do. The README's matrix is this table ([`matrix_markdown`]; a test
//! compares them).

use serde::{Deserialize, Serialize};

/// The four roles of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Fachkraft of a freier Träger: delivers the help (visits, Fachleistungsstunden, goals).
    FachkraftTraeger,
    /// Fachkraft of the Jugendamt's Sozialer Dienst (ASD): steers the help and approves it.
    FachkraftAsd,
    /// Teamleitung of a Sozialraumteam.
    Teamleitung,
    /// Keeps users, teams and the module catalog; sees no case file.
    Admin,
}

/// What a role may do. Case data are always those of the person's own team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read and change the team's case files through sync, and report views and exports of them.
    WorkOnCases,
    /// Set the approval of a Hilfesetting: approval period, Einzelvereinbarung, case budget
    /// (the Jugendamt decides on the help, § 36 Abs. 2 SGB VIII).
    ApproveSetting,
    /// Read the team's audit log.
    ReadAuditLog,
    /// Create users, change their role, team or password, deactivate them.
    ManageUsers,
    /// Create and rename teams.
    ManageTeams,
    /// Change the module catalog (rates, modules).
    ManageCatalog,
    /// Read the module catalog.
    ReadCatalog,
    /// The team view: caseload, deadlines, Fachleistungsstunden, reference week, costs (seed 001).
    ViewTeamOverview,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Permission::WorkOnCases,
        Permission::ApproveSetting,
        Permission::ReadAuditLog,
        Permission::ManageUsers,
        Permission::ManageTeams,
        Permission::ManageCatalog,
        Permission::ReadCatalog,
        Permission::ViewTeamOverview,
    ];

    /// German description for the README and the admin page.
    pub fn label_de(self) -> &'static str {
        match self {
            Permission::WorkOnCases => "Fallakten des eigenen Teams lesen und bearbeiten (Synchronisation)",
            Permission::ApproveSetting => {
                "Hilfesetting bewilligen (Zeitraum, Einzelvereinbarung, Fallbudget), Sozialraumbudget setzen"
            }
            Permission::ReadAuditLog => "Protokoll des eigenen Teams einsehen",
            Permission::ManageUsers => "Benutzerkonten anlegen, ändern, deaktivieren",
            Permission::ManageTeams => "Teams anlegen und umbenennen",
            Permission::ManageCatalog => "Modulkatalog ändern",
            Permission::ReadCatalog => "Modulkatalog lesen",
            Permission::ViewTeamOverview => {
                "Teamübersicht (Fallbelastung, Fristen, Fachleistungsstunden, Stichwoche, Kosten) mit CSV-Export"
            }
        }
    }
}

/// A role name that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role: {0}")]
pub struct UnknownRole(pub String);

impl crate::UserMessage for UnknownRole {
    fn message_de(&self) -> String {
        "Diese Rolle gibt es nicht.".into()
    }
}

impl Role {
    pub const ALL: [Role; 4] = [Role::FachkraftTraeger, Role::FachkraftAsd, Role::Teamleitung, Role::Admin];

    pub fn parse(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }

    /// The name stored and sent (`users.role`, `SessionInfo::role`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::FachkraftTraeger => "fachkraft_traeger",
            Role::FachkraftAsd => "fachkraft_asd",
            Role::Teamleitung => "teamleitung",
            Role::Admin => "admin",
        }
    }

    pub fn label_de(self) -> &'static str {
        match self {
            Role::FachkraftTraeger => "Fachkraft (Träger)",
            Role::FachkraftAsd => "Fachkraft (Jugendamt/ASD)",
            Role::Teamleitung => "Teamleitung",
            Role::Admin => "Administration",
        }
    }

    /// The matrix. Admin sees no case file: keeping accounts does not need them (§ 64 SGB X).
    pub fn may(self, p: Permission) -> bool {
        use Permission as P;
        use Role as R;
        match p {
            P::WorkOnCases => matches!(self, R::FachkraftTraeger | R::FachkraftAsd | R::Teamleitung),
            P::ApproveSetting => matches!(self, R::FachkraftAsd | R::Teamleitung),
            P::ReadAuditLog => matches!(self, R::Teamleitung | R::Admin),
            P::ManageUsers | P::ManageTeams | P::ManageCatalog => self == R::Admin,
            P::ReadCatalog => true,
            P::ViewTeamOverview => self == R::Teamleitung,
        }
    }
}

/// Whether a role given by name may do `p` (an unknown role may do nothing).
pub fn may(role: &str, p: Permission) -> bool {
    Role::parse(role).is_ok_and(|r| r.may(p))
}

/// The fields of the Hilfesetting record that only roles with [`Permission::ApproveSetting`] change.
pub const APPROVAL_FIELDS: &[&str] = &["approval", "einzelvereinbarung", "case_budget"];

/// The matrix as a Markdown table (German), as the README shows it.
pub fn matrix_markdown() -> String {
    let mut s = String::from("| Recht |");
    for r in Role::ALL {
        s.push_str(&format!(" {} |", r.label_de()));
    }
    s.push_str("\n|---|");
    for _ in Role::ALL {
        s.push_str("---|");
    }
    for p in Permission::ALL {
        s.push_str(&format!("\n| {} |", p.label_de()));
        for r in Role::ALL {
            s.push_str(if r.may(p) { " ja |" } else { " nein |" });
        }
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_ones_may_nothing() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert!(Role::parse("root").is_err());
        assert!(Permission::ALL.iter().all(|p| !may("root", *p)));
    }

    #[test]
    fn admin_keeps_accounts_but_sees_no_case_file() {
        assert!(!Role::Admin.may(Permission::WorkOnCases));
        assert!(Role::Admin.may(Permission::ManageUsers));
        assert!(!Role::Teamleitung.may(Permission::ManageUsers));
        assert!(!Role::FachkraftTraeger.may(Permission::ApproveSetting));
        assert!(Role::FachkraftAsd.may(Permission::ApproveSetting));
    }

    #[test]
    fn the_readme_shows_this_matrix() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        assert!(
            readme.contains(&matrix_markdown()),
            "README.md must contain the role matrix exactly as roles::matrix_markdown() prints it:\n{}",
            matrix_markdown()
        );
    }
}
