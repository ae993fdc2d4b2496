//! The server binary as an operator meets it: bad configuration, start, SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

fn server() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_server"));
    c.env_remove("DATABASE_URL").env("RUST_LOG", "info");
    c
}

fn one_line_error(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "must exit non-zero");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "one error line, got: {err}");
    assert!(!err.contains("panicked"), "no panic trace: {err}");
    lines[0].to_owned()
}

#[test]
fn a_malformed_database_url_is_one_line_and_a_failure() {
    let out = server().env("DATABASE_URL", "mysql://x").output().unwrap();
    let line = one_line_error(&out);
    assert!(line.contains("unsupported DATABASE_URL"), "{line}");
}

#[test]
fn an_unreachable_postgres_is_one_line_without_the_password() {
    let out =
        server().env("DATABASE_URL", "postgres://nutzer:geheim@127.0.0.1:9/passgenau").output().unwrap();
    let line = one_line_error(&out);
    assert!(line.contains("cannot open database"), "{line}");
    assert!(!line.contains("geheim"), "the password never reaches the log: {line}");
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let dir = common::TempDir::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = server()
        .env("DATABASE_URL", format!("sqlite:{}", dir.0.join("x.db").display()))
        .env("PASSGENAU_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", dir.0.join("site"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(up, "server did not start");
    let status = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit after SIGTERM: {:?}", out.status);
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopped"));
}

#[test]
fn create_admin_reads_the_password_from_stdin_and_has_no_default() {
    use std::io::Write;
    let dir = common::TempDir::new();
    let url = format!("sqlite:{}", dir.0.join("admin.db").display());
    let run = |password: &str| {
        let mut child = server()
            .args(["create-admin", "--username", "chefin", "--team", "Team Mitte"])
            .env("DATABASE_URL", &url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let short = run("kurz\n");
    assert!(one_line_error(&short).contains("at least 12 characters"));
    let empty = run("");
    assert!(one_line_error(&empty).contains("at least 12 characters"), "no default password");
    let ok = run("ein langes Passwort 2026\n");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("created admin"));
    let again = run("ein langes Passwort 2026\n");
    assert!(one_line_error(&again).contains("already exists"));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let db = server::db::connect(&url).await.unwrap();
        let u = db.user_by_username("chefin").await.unwrap().expect("admin exists");
        assert_eq!(u.role, "admin");
        assert_eq!(u.team_name, "Team Mitte");
        assert!(u.password_hash.starts_with("$argon2id$"));
        assert!(server::auth::verify_password("ein langes Passwort 2026", &u.password_hash));
    });
}

#[test]
fn compact_removes_old_tombstones_and_reports_per_team() {
    let dir = common::TempDir::new();
    let url = format!("sqlite:{}", dir.0.join("compact.db").display());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let team = rt.block_on(async {
        let db = server::db::connect(&url).await.unwrap();
        server::demo::seed_if_empty(&db).await.unwrap();
        db.team_id_by_name("Sozialraumteam Nord (Demo)").await.unwrap().expect("demo team")
    });
    // The demo has no tombstones; a limit of 0 days is refused with one line naming the setting.
    let out = server().arg("compact").env("DATABASE_URL", &url).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("team {team}: removed 0 tombstones")), "{text}");
    let bad = server()
        .arg("compact")
        .env("DATABASE_URL", &url)
        .env("PASSGENAU_TOMBSTONE_DAYS", "0")
        .output()
        .unwrap();
    assert!(one_line_error(&bad).contains("PASSGENAU_TOMBSTONE_DAYS"));
}

#[test]
fn audit_verify_reports_intact_chains_and_fails_on_an_edited_row() {
    let dir = common::TempDir::new();
    let url = format!("sqlite:{}", dir.0.join("audit.db").display());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let team = rt.block_on(async {
        let db = server::db::connect(&url).await.unwrap();
        server::demo::seed_if_empty(&db).await.unwrap();
        let team = db.team_id_by_name("Sozialraumteam Nord (Demo)").await.unwrap().expect("demo team");
        let event = |n: u8| server::audit::NewEntry {
            device_at: Some("2026-11-24T08:00:00Z".into()),
            actor: "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000001".into(),
            client_id: None,
            action: "case.view".into(),
            record_kind: None,
            record_id: None,
            case_id: Some("5d2e7c1a-7b3f-4e8a-9c2d-000000000001".into()),
            event_id: Some(format!("e0000000-0000-4000-8000-00000000000{n}")),
            detail: None,
        };
        assert_eq!(db.audit_append(&team, vec![event(1), event(2), event(3)]).await.unwrap(), 3);
        team
    });
    let out = server().arg("audit-verify").env("DATABASE_URL", &url).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    // The demo cases were pushed (one entry each), then the three views.
    assert!(text.contains(&format!("team {team}: 6 entries, chain intact, head ")), "{text}");

    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE audit_log SET device_at = '2026-11-24T09:00:00Z' WHERE n = 2")
            .execute(&mut c)
            .await
            .unwrap();
    });
    let out = server().arg("audit-verify").env("DATABASE_URL", &url).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains(&format!("BROKEN: team {team}: entry 2 does not match its hash (edited)")),
        "{text}"
    );
}
