//! Authorization, on SQLite and PostgreSQL (issue 4: "no endpoint returns or accepts another team's
//! data"; roles: `domain/src/roles.rs`). One matrix: every route of the router × every kind of
//! caller (no, expired, ended or forged session; each role), with the expected status of each cell,
//! printed to stderr; no answer to anyone outside team Nord contains Nord's record ids or content, and
//! no answer to the Admin contains case content. Then the sync API's team isolation in detail: pulls with extreme cursors and limits,
//! pushes that try to overwrite, delete or "create" Nord's records, and device ids bound to a user.
//!
//! Request bodies are built with `json!` only (wire types grow append-only; never build `Mutation`
//! literals here).

mod common;

use std::collections::BTreeSet;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use common::TestApp;

const DEV_NORD: &str = "a0000000-0000-4000-8000-00000000000a";
const DEV_SUED: &str = "c0000000-0000-4000-8000-00000000000c";
const ANNA_ID: &str = "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000001";
const BEN_ID: &str = "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000002";
const CLARA_ID: &str = "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000003";
const TANJA_ID: &str = "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000004";
const ADELE_ID: &str = "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000005";

fn nord_case(n: u32) -> String {
    format!("0000a0a0-0000-4000-8000-{n:012}")
}

fn random_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn case_fields(id: &str, label: &str, note: &str) -> Value {
    json!({"schema": 1, "id": id, "label": label, "start_date": "2026-11-01", "note": note})
}

fn put(mutation_id: u64, record_id: &str, fields: Value) -> Value {
    json!({"id": mutation_id, "kind": "case", "record_id": record_id, "op": {"type": "put", "fields": fields}})
}

fn delete(mutation_id: u64, record_id: &str) -> Value {
    json!({"id": mutation_id, "kind": "case", "record_id": record_id, "op": {"type": "delete"}})
}

fn cookie(token: &str) -> String {
    format!("passgenau_session={token}")
}

/// Logs in over HTTP and returns the session token from `Set-Cookie`.
async fn login_token(app: &TestApp, username: &str) -> String {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": server::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "login of {username}");
    let set = res.headers()["set-cookie"].to_str().unwrap();
    set.strip_prefix("passgenau_session=").unwrap().split(';').next().unwrap().to_owned()
}

/// A session stored directly, as login stores it: for a second session or one that has expired.
async fn stored_session(app: &TestApp, user_id: &str, expires_in_secs: i64) -> String {
    let token = hex::encode(uuid::Uuid::new_v4().as_bytes());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    app.db.create_session(&hash, user_id, now + expires_in_secs).await.unwrap();
    token
}

async fn push_as(app: &TestApp, token: &str, device: &str, mutations: Vec<Value>) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/sync/push"))
        .header("cookie", cookie(token))
        .json(&json!({"protocol": 1, "client_id": device, "mutations": mutations}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> (u16, String) {
    let res = reqwest::Client::new().get(app.url(path)).header("cookie", cookie(token)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Every record the caller's team has, following the cursor.
async fn pull_all(app: &TestApp, token: &str) -> Vec<Value> {
    let (mut since, mut out) = (0u64, Vec::new());
    loop {
        let (status, text) = get_as(app, token, &format!("/api/v1/sync/pull?since={since}&limit=1000")).await;
        assert_eq!(status, 200, "{text}");
        let page: Value = serde_json::from_str(&text).unwrap();
        out.extend(page["records"].as_array().unwrap().iter().cloned());
        since = page["cursor"].as_u64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            return out;
        }
    }
}

/// Team Nord's data as anna made it: the three demo cases, three more (one of them deleted).
/// Returns anna's token and everything that must never reach anyone outside Nord: record ids,
/// labels, notes, and who changed them.
async fn seed_nord(app: &TestApp) -> (String, Vec<String>) {
    let anna = login_token(app, "anna").await;
    let (status, res) = push_as(
        app,
        &anna,
        DEV_NORD,
        vec![
            put(1, &nord_case(1), case_fields(&nord_case(1), "NORD-AZ-0001", "Nord-Geheimnis eins")),
            put(2, &nord_case(2), case_fields(&nord_case(2), "NORD-AZ-0002", "Nord-Geheimnis zwei")),
            put(3, &nord_case(3), case_fields(&nord_case(3), "NORD-AZ-0003", "Nord-Geheimnis drei")),
            delete(4, &nord_case(3)),
        ],
    )
    .await;
    assert_eq!((status, &res["rejected"]), (200, &json!([])), "{res}");
    let records = pull_all(app, &anna).await;
    assert_eq!(records.len(), 6, "three demo cases and three of anna's");
    let mut secrets = vec!["Anna Albers".to_owned(), "Sozialraumteam Nord".to_owned()];
    for r in &records {
        secrets.push(r["id"].as_str().unwrap().to_owned());
        for field in ["label", "note"] {
            if let Some(s) = r["body"][field].as_str().filter(|s| !s.is_empty()) {
                secrets.push(s.to_owned());
            }
        }
    }
    (anna, secrets)
}

/// What a case file says (labels and notes of Nord's records): never in any answer to the Admin.
async fn case_content(app: &TestApp, anna: &str) -> Vec<String> {
    let mut out = Vec::new();
    for r in pull_all(app, anna).await {
        for field in ["label", "note"] {
            if let Some(s) = r["body"][field].as_str().filter(|s| !s.is_empty()) {
                out.push(s.to_owned());
            }
        }
    }
    out
}

fn leaked<'a>(text: &str, secrets: &'a [String]) -> Vec<&'a str> {
    secrets.iter().filter(|s| text.contains(s.as_str())).map(String::as_str).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Expired,
    LoggedOut,
    Garbage,
    /// anna, Fachkraft (Träger), team Nord.
    Nord,
    /// clara, Fachkraft (Träger), team Süd.
    Sued,
    /// ben, Fachkraft (Jugendamt/ASD), team Nord.
    Asd,
    /// tanja, Teamleitung, team Nord.
    Teamleitung,
    /// adele, Admin, team Nord.
    Admin,
}

const CALLERS: [Caller; 9] = [
    Caller::Anonymous,
    Caller::Expired,
    Caller::LoggedOut,
    Caller::Garbage,
    Caller::Nord,
    Caller::Sued,
    Caller::Asd,
    Caller::Teamleitung,
    Caller::Admin,
];

impl Caller {
    fn label(self) -> &'static str {
        match self {
            Caller::Anonymous => "no session",
            Caller::Expired => "expired",
            Caller::LoggedOut => "logged out",
            Caller::Garbage => "garbage",
            Caller::Nord => "Träger Nord",
            Caller::Sued => "Träger Süd",
            Caller::Asd => "ASD Nord",
            Caller::Teamleitung => "TL Nord",
            Caller::Admin => "Admin Nord",
        }
    }

    /// The logged-in user behind the caller.
    fn user_id(self) -> Option<&'static str> {
        match self {
            Caller::Nord => Some(ANNA_ID),
            Caller::Sued => Some(CLARA_ID),
            Caller::Asd => Some(BEN_ID),
            Caller::Teamleitung => Some(TANJA_ID),
            Caller::Admin => Some(ADELE_ID),
            Caller::Anonymous | Caller::Expired | Caller::LoggedOut | Caller::Garbage => None,
        }
    }
}

/// One row of the matrix: a request and the expected status per caller, in `CALLERS` order.
struct Row {
    method: &'static str,
    path: String,
    expect: [u16; 9],
}

const ANYONE: [u16; 9] = [200; 9];
/// Every logged-in role.
const MEMBERS: [u16; 9] = [401, 401, 401, 401, 200, 200, 200, 200, 200];
/// `WorkOnCases`: the Fachkräfte and the Teamleitung, never the Admin.
const CASE_WORKERS: [u16; 9] = [401, 401, 401, 401, 200, 200, 200, 200, 403];
/// `ReadAuditLog`: Teamleitung and Admin.
const AUDIT_READERS: [u16; 9] = [401, 401, 401, 401, 403, 403, 403, 200, 200];
/// `ViewTeamOverview`: the Teamleitung only.
const TEAM_LEADS: [u16; 9] = [401, 401, 401, 401, 403, 403, 403, 200, 403];

/// `ManageUsers`, `ManageTeams`, `ManageCatalog`: the Admin only, answered with `ok`.
const fn admin_only(ok: u16) -> [u16; 9] {
    [401, 401, 401, 401, 403, 403, 403, 403, ok]
}

fn rows() -> Vec<Row> {
    let row = |method, path: &str, expect| Row { method, path: path.to_owned(), expect };
    let mut rows = vec![
        row("POST", "/api/v1/auth/login", [401; 9]),
        row("POST", "/api/v1/auth/logout", ANYONE),
        row("GET", "/api/v1/auth/me", MEMBERS),
        row("POST", "/api/v1/sync/push", CASE_WORKERS),
        row("GET", "/api/v1/sync/pull", CASE_WORKERS),
        row("POST", "/api/v1/audit/events", CASE_WORKERS),
        row("GET", "/api/v1/audit", AUDIT_READERS),
        row("GET", "/api/v1/catalog", MEMBERS),
        row("GET", "/api/v1/providers/profile", TEAM_LEADS),
        row("GET", "/api/v1/admin/users", admin_only(200)),
        row("POST", "/api/v1/admin/users", admin_only(201)),
        row("POST", "/api/v1/admin/users/{id}", admin_only(200)),
        row("GET", "/api/v1/admin/teams", admin_only(200)),
        row("POST", "/api/v1/admin/teams", admin_only(201)),
        row("POST", "/api/v1/admin/teams/{id}", admin_only(200)),
        row("POST", "/api/v1/admin/catalog", admin_only(200)),
        row("GET", "/healthz", ANYONE),
        row("GET", "/sw.js", ANYONE),
        row("GET", "/boot.js", ANYONE),
    ];
    for page in server::sw::SHELL_PAGES.iter().copied() {
        rows.push(row("GET", page, ANYONE));
    }
    // The fallbacks: an unknown API route and a static file that does not exist.
    rows.push(row("GET", "/api/v1/records", [404; 9]));
    rows.push(row("GET", "/pkg/unbekannt.js", [404; 9]));
    rows
}

/// What a caller of the matrix sends and as whom.
struct Callers {
    expired: String,
    logged_out: String,
    anna: String,
    clara: String,
    ben: String,
    tanja: String,
    adele: String,
}

impl Callers {
    fn token(&self, caller: Caller) -> Option<&str> {
        match caller {
            Caller::Anonymous => None,
            Caller::Expired => Some(&self.expired),
            Caller::LoggedOut => Some(&self.logged_out),
            Caller::Garbage => Some("nicht-echt-0000"),
            Caller::Nord => Some(&self.anna),
            Caller::Sued => Some(&self.clara),
            Caller::Asd => Some(&self.ben),
            Caller::Teamleitung => Some(&self.tanja),
            Caller::Admin => Some(&self.adele),
        }
    }
}

/// Sends one cell's request: `row` as `caller`. Logout by a member uses a second session of that
/// member, so the matrix's own session stays valid. The admin's changes change nothing the other
/// rows depend on (new accounts and teams, Süd's own name, clara's own name, the built-in catalog).
async fn call(app: &TestApp, callers: &Callers, row: &Row, caller: Caller, n: usize) -> (u16, String) {
    let c = reqwest::Client::new();
    let path = row.path.replace(
        "{id}",
        if row.path.starts_with("/api/v1/admin/teams/") { server::demo::TEAM_SUED } else { CLARA_ID },
    );
    let mut req = match (row.method, path.as_str()) {
        ("GET", "/api/v1/sync/pull") => c.get(app.url("/api/v1/sync/pull?since=0")),
        ("GET", path) => c.get(app.url(path)),
        ("POST", path) => c.post(app.url(path)),
        (method, path) => panic!("no request for {method} {path}"),
    };
    let second_session = match (row.path.as_str(), caller.user_id()) {
        ("/api/v1/auth/logout", Some(user)) => Some(stored_session(app, user, 3600).await),
        _ => None,
    };
    if let Some(token) = second_session.as_deref().or(callers.token(caller)) {
        req = req.header("cookie", cookie(token));
    }
    req = match row.path.as_str() {
        "/api/v1/auth/login" => {
            req.json(&json!({"username": format!("unbekannt-{n}"), "password": "falsch"}))
        }
        "/api/v1/auth/logout" => req.json(&json!({})),
        "/api/v1/audit/events" => req.json(&json!({"client_id": random_id(), "events": []})),
        "/api/v1/admin/users" => req.json(&json!({
            "username": format!("neu-{n}"), "display_name": "Neue Fachkraft", "role": "fachkraft_traeger",
            "team_id": server::demo::TEAM_SUED, "password": "ein-langes-passwort",
        })),
        "/api/v1/admin/users/{id}" => req.json(&json!({"display_name": "Clara Claussen"})),
        "/api/v1/admin/teams" => req.json(&json!({"name": format!("Sozialraumteam {n}")})),
        "/api/v1/admin/teams/{id}" => req.json(&json!({"name": "Sozialraumteam Süd (Demo)"})),
        "/api/v1/admin/catalog" => {
            let builtin: Value =
                serde_json::from_str(passgenau_domain::catalog::BUILTIN_CATALOG_JSON).unwrap();
            req.json(&builtin)
        }
        "/api/v1/sync/push" => {
            // Every member's own device (anna's and clara's are the ones their pushes used).
            let device = match caller {
                Caller::Nord => DEV_NORD.to_owned(),
                Caller::Sued => DEV_SUED.to_owned(),
                Caller::Asd => "b0000000-0000-4000-8000-00000000000b".to_owned(),
                Caller::Teamleitung => "d0000000-0000-4000-8000-00000000000d".to_owned(),
                _ => random_id(),
            };
            req.json(&json!({"protocol": 1, "client_id": device, "mutations": []}))
        }
        _ => req,
    };
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    // Every answer of every route, errors included, carries the security headers.
    let h = res.headers();
    let what = format!("{} {} as {caller:?}", row.method, row.path);
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'self'; script-src 'self' ") && !csp.contains("unsafe-inline"),
        "{what}: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(h.get("strict-transport-security").is_none(), "no HSTS without TLS: {what}");
    let text = res.text().await.unwrap();
    if let Some(token) = second_session {
        assert_eq!(get_as(app, &token, "/api/v1/auth/me").await.0, 401, "logout ended the session");
    }
    (status, text)
}

both!(every_route_answers_every_caller_as_expected, |app: TestApp| async move {
    let rows = rows();
    // The matrix covers every route of the router: a new route without a row fails here.
    let covered: BTreeSet<(String, String)> =
        rows.iter().map(|r| (r.method.to_owned(), r.path.clone())).collect();
    let mut routed: BTreeSet<(String, String)> =
        server::ROUTES.iter().map(|r| (r.method.to_owned(), r.path.to_owned())).collect();
    routed.extend(server::page_routes().into_iter().map(|p| ("GET".to_owned(), p)));
    let missing: Vec<_> = routed.difference(&covered).collect();
    assert!(missing.is_empty(), "routes without a row in the authorization matrix: {missing:?}");

    let (anna, secrets) = seed_nord(&app).await;
    let content = case_content(&app, &anna).await;
    let clara = login_token(&app, "clara").await;
    let sued = random_id();
    let (status, res) =
        push_as(&app, &clara, DEV_SUED, vec![put(1, &sued, case_fields(&sued, "SUED-AZ-0001", "Süd-Notiz"))])
            .await;
    assert_eq!((status, &res["rejected"]), (200, &json!([])), "{res}");
    // Ben of team Nord logs in and out: his old token must be worthless.
    let logged_out = login_token(&app, "ben").await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", cookie(&logged_out))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let expired = stored_session(&app, BEN_ID, -60).await;
    let ben = login_token(&app, "ben").await;
    let tanja = login_token(&app, "tanja").await;
    let adele = login_token(&app, "adele").await;
    let callers = Callers { expired, logged_out, anna, clara, ben, tanja, adele };

    let backend = if app.database_url.starts_with("sqlite:") { "SQLite" } else { "PostgreSQL" };
    let width = rows.iter().map(|r| r.method.len() + 1 + r.path.len()).max().unwrap();
    let mut table =
        format!("authorization matrix ({backend}): expected status; a mismatch shows as expected!=actual\n");
    table += &format!("{:width$}", "route");
    for caller in CALLERS {
        table += &format!(" | {:>11}", caller.label());
    }
    table.push('\n');
    let mut problems = Vec::new();
    let mut n = 0;
    for row in &rows {
        let route = format!("{} {}", row.method, row.path);
        table += &format!("{route:width$}");
        for (caller, expected) in CALLERS.into_iter().zip(row.expect) {
            n += 1;
            let (status, body) = call(&app, &callers, row, caller, n).await;
            let cell = if status == expected { status.to_string() } else { format!("{expected}!={status}") };
            table += &format!(" | {cell:>11}");
            if status != expected {
                problems.push(format!(
                    "{route} as {}: expected {expected}, got {status}: {body}",
                    caller.label()
                ));
            }
            // Nobody outside Nord gets Nord's data; no page, service worker or health answer
            // carries case data for anyone; the Admin of Nord sees names, ids and the audit log's
            // entries, never what a case file says.
            let api = row.path.starts_with("/api/");
            let case_worker_of_nord = matches!(caller, Caller::Nord | Caller::Asd | Caller::Teamleitung);
            let found = match caller {
                Caller::Admin if api => leaked(&body, &content),
                _ if case_worker_of_nord && api => Vec::new(),
                _ => leaked(&body, &secrets),
            };
            if !found.is_empty() {
                problems.push(format!("{route} as {} disclosed {found:?}", caller.label()));
            }
            if row.path == "/api/v1/sync/pull" && caller == Caller::Nord {
                assert!(body.contains(&nord_case(1)), "the check above would notice data: {body}");
            }
            if row.path == "/api/v1/sync/pull" && caller == Caller::Sued {
                assert!(body.contains(&sued), "clara sees her own team's record: {body}");
            }
        }
        table.push('\n');
    }
    eprintln!("{table}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
});

both!(team_sued_never_pulls_nord_records, |app: TestApp| async move {
    let (anna, secrets) = seed_nord(&app).await;
    let clara = stored_session(&app, CLARA_ID, 3600).await;
    let sued = random_id();
    let (status, _) =
        push_as(&app, &clara, DEV_SUED, vec![put(1, &sued, case_fields(&sued, "SUED-AZ-0001", ""))]).await;
    assert_eq!(status, 200);
    let cases = [
        ("", 200),
        ("?since=0", 200),
        ("?since=0&limit=1000", 200),
        ("?since=0&limit=0", 200),
        ("?since=0&limit=4294967295", 200),
        ("?since=9223372036854775807", 200),
        ("?since=9223372036854775808&limit=1000", 200),
        ("?since=18446744073709551615&limit=4294967295", 200),
        ("?since=0&limit=4294967296", 400),
        ("?since=-1", 400),
        ("?since=abc", 400),
    ];
    for (query, expected) in cases {
        let (status, body) = get_as(&app, &clara, &format!("/api/v1/sync/pull{query}")).await;
        assert_eq!(status, expected, "pull{query}: {body}");
        assert_eq!(leaked(&body, &secrets), Vec::<&str>::new(), "pull{query}");
        if status == 200 {
            let page: Value = serde_json::from_str(&body).unwrap();
            for r in page["records"].as_array().unwrap() {
                assert_eq!(r["id"], sued, "pull{query}: only Süd's record: {r}");
            }
        }
    }
    // Anna's huge cursors behave the same way for her team: nothing after the end.
    let (status, body) = get_as(&app, &anna, "/api/v1/sync/pull?since=18446744073709551615").await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["records"], json!([]));
});

both!(team_sued_cannot_change_nord_records_nor_learn_that_they_exist, |app: TestApp| async move {
    let (anna, secrets) = seed_nord(&app).await;
    let nord_before = pull_all(&app, &anna).await;
    let demo_case = "5d2e7c1a-7b3f-4e8a-9c2d-000000000001";
    let clara = stored_session(&app, CLARA_ID, 3600).await;
    // Each Nord id (live, deleted, a demo case) next to a random id that exists nowhere: the answers
    // for the two must be the same, or the answer tells clara the Nord record exists.
    let mut mutations = Vec::new();
    let mut pairs = Vec::new();
    for target in [nord_case(1), nord_case(3), demo_case.to_owned()] {
        let random = random_id();
        for (nord_m, random_m) in [
            (
                put(0, &target, json!({"note": "überschrieben"})),
                put(0, &random, json!({"note": "überschrieben"})),
            ),
            (put(0, &target, json!({"label": "SUED-AZ"})), put(0, &random, json!({"label": "SUED-AZ"}))),
            (delete(0, &target), delete(0, &random)),
        ] {
            for mut m in [nord_m, random_m] {
                m["id"] = json!(mutations.len() + 1);
                mutations.push(m);
            }
            pairs.push((mutations.len() as u64 - 1, mutations.len() as u64));
        }
    }
    // "Creating" a record under a Nord id, with complete fields: refused.
    let creates: Vec<u64> = [nord_case(1), nord_case(3), demo_case.to_owned()]
        .iter()
        .map(|target| {
            let mut m = put(0, target, case_fields(target, "SUED-UEBERNAHME", "von Süd"));
            m["id"] = json!(mutations.len() + 1);
            mutations.push(m);
            mutations.len() as u64
        })
        .collect();
    let n = mutations.len() as u64;
    let (status, res) = push_as(&app, &clara, DEV_SUED, mutations).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["last_processed"], n);
    let text = res.to_string();
    assert_eq!(leaked(&text, &secrets), Vec::<&str>::new(), "rejections disclose nothing: {text}");
    let rejection = |id: u64| {
        res["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["mutation_id"] == id)
            .map(|r| (r["reason"].clone(), r["reason_de"].clone()))
    };
    for (nord_m, random_m) in pairs {
        let (on_nord, on_random) = (rejection(nord_m), rejection(random_m));
        assert!(on_nord.is_some(), "mutation {nord_m} on a Nord record is refused: {res}");
        assert_eq!(
            on_nord, on_random,
            "mutations {nord_m} (Nord id) and {random_m} (random id) answer alike"
        );
    }
    for id in creates {
        let (reason, reason_de) = rejection(id).unwrap_or_else(|| panic!("create {id} is refused: {res}"));
        assert!(!reason_de.as_str().unwrap().contains("Team"), "the reason does not name a team: {reason}");
    }
    assert_eq!(pull_all(&app, &anna).await, nord_before, "Nord's records, seqs and authors are unchanged");
    let sued = pull_all(&app, &clara).await;
    assert_eq!(leaked(&serde_json::to_string(&sued).unwrap(), &secrets), Vec::<&str>::new());
    assert!(sued.is_empty(), "nothing was created in Süd either: {sued:?}");
});

both!(a_device_id_stays_with_its_user, |app: TestApp| async move {
    let (anna, secrets) = seed_nord(&app).await;
    let clara = stored_session(&app, CLARA_ID, 3600).await;
    let ben = stored_session(&app, BEN_ID, 3600).await;
    let stolen = random_id();
    for (who, token) in [("clara", &clara), ("ben of the same team", &ben)] {
        for mutations in [vec![], vec![put(5, &stolen, case_fields(&stolen, "FREMDGERAET", ""))]] {
            let (status, body) = push_as(&app, token, DEV_NORD, mutations).await;
            assert_eq!(status, 409, "{who} on anna's device: {body}");
            assert_eq!(body["error"], "foreign_client");
            assert_eq!(leaked(&body.to_string(), &secrets), Vec::<&str>::new());
        }
    }
    // Nothing was applied, and anna's device continues where it was (mutation 4 was its last).
    assert!(pull_all(&app, &clara).await.is_empty());
    assert!(pull_all(&app, &anna).await.iter().all(|r| r["id"] != stolen));
    let own = random_id();
    let (status, res) =
        push_as(&app, &anna, DEV_NORD, vec![put(5, &own, case_fields(&own, "NORD-AZ-5", ""))]).await;
    assert_eq!((status, &res["last_processed"], &res["rejected"]), (200, &json!(5), &json!([])), "{res}");
    // The other way round: clara's device is hers.
    let (status, _) = push_as(&app, &clara, DEV_SUED, vec![]).await;
    assert_eq!(status, 200);
    let (status, body) = push_as(&app, &anna, DEV_SUED, vec![]).await;
    assert_eq!((status, &body["error"]), (409, &json!("foreign_client")));
});

both!(the_admin_reads_no_case_file_and_only_the_admin_administers, |app: TestApp| async move {
    let (anna, _) = seed_nord(&app).await;
    let content = case_content(&app, &anna).await;
    let adele = login_token(&app, "adele").await;
    // A real change from the admin's device is refused as a whole, before anything is read.
    let case = random_id();
    let (status, body) =
        push_as(&app, &adele, random_id().as_str(), vec![put(1, &case, case_fields(&case, "ADMIN-AZ", ""))])
            .await;
    assert_eq!((status, &body["error"]), (403, &json!("forbidden")), "{body}");
    assert_eq!(body["message_de"], "Die Administration hat keinen Zugriff auf Fallakten.");
    assert!(pull_all(&app, &anna).await.iter().all(|r| r["id"] != case), "nothing was applied");
    for path in ["/api/v1/sync/pull?since=0", "/api/v1/sync/pull?since=0&limit=1000"] {
        let (status, text) = get_as(&app, &adele, path).await;
        assert_eq!(status, 403, "{path}: {text}");
        assert_eq!(leaked(&text, &content), Vec::<&str>::new());
    }
    let events = json!({"client_id": random_id(), "events": [{"id": random_id(), "at": "2026-11-24T08:00:00Z",
        "action": "case.view", "case_id": nord_case(1)}]});
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/audit/events"))
        .header("cookie", cookie(&adele))
        .json(&events)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The Fachkräfte and the Teamleitung are refused every admin route with a German reason, whatever
    // they send.
    for user in ["anna", "ben", "tanja", "clara"] {
        let token = login_token(&app, user).await;
        for (method, path) in server::ROUTES.iter().map(|r| (r.method, r.path)) {
            if !path.starts_with("/api/v1/admin/") {
                continue;
            }
            let url = app.url(&path.replace("{id}", ADELE_ID));
            let c = reqwest::Client::new();
            let req = if method == "GET" { c.get(url) } else { c.post(url).json(&json!({"name": "x"})) };
            let res = req.header("cookie", cookie(&token)).send().await.unwrap();
            assert_eq!(res.status(), 403, "{user}: {method} {path}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(
                body["message_de"],
                "Benutzer, Teams und den Modulkatalog verwaltet die Administration."
            );
        }
    }
});
