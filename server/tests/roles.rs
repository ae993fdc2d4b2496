//! Roles and administration against the real server, on SQLite and PostgreSQL: the admin's accounts,
//! teams and catalog (`/api/v1/admin/*`, `/api/v1/catalog`), inactive accounts, the approval of a
//! Hilfesetting and of the Sozialraumbudget (Jugendamt and Teamleitung only), and the audit log's
//! `detail`.
//! Which route each role may call at all is `tests/authz.rs`.

mod common;

use passgenau_domain::case::CaseId;
use passgenau_domain::catalog::Catalog;
use passgenau_domain::setting::{self, ApprovalPeriod, CaseBudget, Hilfesetting};
use passgenau_domain::sozialraum::{Budget, Financing, Offer, OfferKind};
use serde_json::{json, Value};
use server::demo::{TEAM_NORD, TEAM_SUED};

use common::TestApp;

const ANNA_ID: &str = "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000001";
const BEN_ID: &str = "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000002";
const ADELE_ID: &str = "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000005";
const DEVICE_A: &str = "11111111-1111-4111-8111-111111111111";
const DEVICE_B: &str = "22222222-2222-4222-8222-222222222222";
const DEVICE_T: &str = "44444444-4444-4444-8444-444444444444";

async fn post(app: &TestApp, c: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    let res = c.post(app.url(path)).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, Value) {
    let res = c.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Logs in with a password; the client keeps the session cookie.
async fn login(app: &TestApp, username: &str, password: &str) -> (u16, Value, reqwest::Client) {
    let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let (status, body) =
        post(app, &c, "/api/v1/auth/login", json!({"username": username, "password": password})).await;
    (status, body, c)
}

fn new_user(username: &str, role: &str, team: &str) -> Value {
    json!({"username": username, "display_name": format!("Person {username}"), "role": role,
           "team_id": team, "password": format!("{username}-passwort-lang")})
}

async fn push(app: &TestApp, c: &reqwest::Client, device: &str, mutations: Vec<Value>) -> Value {
    let (status, res) = post(
        app,
        c,
        "/api/v1/sync/push",
        json!({"protocol": 1, "client_id": device, "mutations": mutations}),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    res
}

/// Every record of the caller's team.
async fn pull_all(app: &TestApp, c: &reqwest::Client) -> Vec<Value> {
    let (status, page) = get(app, c, "/api/v1/sync/pull?since=0&limit=1000").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["has_more"], false);
    page["records"].as_array().unwrap().clone()
}

both!(an_admin_creates_an_account_that_can_log_in_and_usernames_are_unique, |app: TestApp| async move {
    let adele = app.login("adele").await;
    let (status, dora) =
        post(&app, &adele, "/api/v1/admin/users", new_user("dora", "fachkraft_asd", TEAM_SUED)).await;
    assert_eq!(status, 201, "{dora}");
    assert_eq!(dora["username"], "dora");
    assert_eq!(dora["display_name"], "Person dora");
    assert_eq!(dora["role"], "fachkraft_asd");
    assert_eq!(
        (&dora["team_id"], &dora["team_name"]),
        (&json!(TEAM_SUED), &json!("Sozialraumteam Süd (Demo)"))
    );
    assert_eq!(dora["active"], true);
    assert!(!dora.to_string().contains("passwort"), "no password or hash in the answer: {dora}");

    let (status, me, _) = login(&app, "dora", "dora-passwort-lang").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!((&me["role"], &me["team_id"]), (&json!("fachkraft_asd"), &json!(TEAM_SUED)));

    // The same username again, whatever else differs: 409 with a German reason; nothing created.
    let (status, body) =
        post(&app, &adele, "/api/v1/admin/users", new_user("dora", "teamleitung", TEAM_NORD)).await;
    assert_eq!((status, &body["error"]), (409, &json!("duplicate")), "{body}");
    assert_eq!(body["message_de"], "Diesen Benutzernamen gibt es schon.");
    let (status, body) =
        post(&app, &adele, "/api/v1/admin/users", new_user("anna", "teamleitung", TEAM_NORD)).await;
    assert_eq!(status, 409, "{body}");

    // Invalid input: 400 with the German text of the rule.
    let mut bad_name = new_user("x", "fachkraft_asd", TEAM_SUED);
    bad_name["username"] = json!("Dora Dietrich");
    let mut short = new_user("emil", "fachkraft_asd", TEAM_SUED);
    short["password"] = json!("kurz");
    let mut blank = new_user("emil", "fachkraft_asd", TEAM_SUED);
    blank["display_name"] = json!("   ");
    let cases = [
        (bad_name, "Benutzername"),
        (short, "mindestens 12 Zeichen"),
        (blank, "Name"),
        (new_user("emil", "root", TEAM_SUED), "Rolle"),
        (new_user("emil", "fachkraft_asd", "00000000-0000-4000-8000-000000000000"), "Team"),
        (json!({"username": "emil"}), "unvollständig"),
    ];
    for (body, expected) in cases {
        let (status, res) = post(&app, &adele, "/api/v1/admin/users", body.clone()).await;
        assert_eq!(status, 400, "{body}: {res}");
        assert!(res["message_de"].as_str().unwrap().contains(expected), "{body}: {res}");
    }
    let res = adele
        .post(app.url("/api/v1/admin/users"))
        .header("content-type", "text/plain")
        .body(new_user("emil", "fachkraft_asd", TEAM_SUED).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415, "only JSON changes state");

    // Only the admin manages accounts.
    let tanja = app.login("tanja").await;
    let (status, _) =
        post(&app, &tanja, "/api/v1/admin/users", new_user("emil", "teamleitung", TEAM_NORD)).await;
    assert_eq!(status, 403);

    let (status, users) = get(&app, &adele, "/api/v1/admin/users").await;
    assert_eq!(status, 200);
    let names: Vec<&str> =
        users.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["adele", "anna", "ben", "tanja", "clara", "dora"], "by team, then username");
    assert!(!users.to_string().contains("argon2"), "{users}");
});

both!(a_deactivated_account_cannot_log_in_and_its_sessions_end, |app: TestApp| async move {
    let adele = app.login("adele").await;
    let anna = app.login("anna").await;
    let (status, wrong_password, _) = login(&app, "ben", "falsch").await;
    assert_eq!(status, 401);

    let path = format!("/api/v1/admin/users/{ANNA_ID}");
    let (status, body) = post(&app, &adele, &path, json!({"active": false})).await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    let (status, _) = get(&app, &anna, "/api/v1/auth/me").await;
    assert_eq!(status, 401, "her session ended");
    // The right password of an inactive account gets exactly the answer to a wrong one.
    let (status, body, _) = login(&app, "anna", "passgenau-demo").await;
    assert_eq!((status, &body), (401, &wrong_password));
    // A session that survived somewhere (stored directly) is refused as well.
    let token = hex::encode(uuid::Uuid::new_v4().as_bytes());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    app.db.create_session(&hex::encode(sha2_digest(&token)), ANNA_ID, now + 3600).await.unwrap();
    let res = reqwest::Client::new()
        .get(app.url("/api/v1/sync/pull?since=0"))
        .header("cookie", format!("passgenau_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (status, teams) = get(&app, &adele, "/api/v1/admin/teams").await;
    assert_eq!(status, 200);
    let nord = teams.as_array().unwrap().iter().find(|t| t["id"] == TEAM_NORD).unwrap();
    assert_eq!(nord["members"], 3, "ben, tanja, adele are active: {teams}");

    // Active again: she logs in; a new password ends her sessions and the old one stops working.
    let (status, _) = post(&app, &adele, &path, json!({"active": true})).await;
    assert_eq!(status, 200);
    let (status, _, anna) = login(&app, "anna", "passgenau-demo").await;
    assert_eq!(status, 200);
    let (status, body) = post(&app, &adele, &path, json!({"password": "kurz"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = post(&app, &adele, &path, json!({"password": "ein-neues-langes-passwort"})).await;
    assert_eq!(status, 200);
    assert_eq!(get(&app, &anna, "/api/v1/auth/me").await.0, 401, "a new password ends her sessions");
    assert_eq!(login(&app, "anna", "passgenau-demo").await.0, 401);
    assert_eq!(login(&app, "anna", "ein-neues-langes-passwort").await.0, 200);

    // A new role counts at once, in the running session.
    let ben = app.login("ben").await;
    assert_eq!(get(&app, &ben, "/api/v1/audit").await.0, 403);
    let (status, body) =
        post(&app, &adele, &format!("/api/v1/admin/users/{BEN_ID}"), json!({"role": "teamleitung"})).await;
    assert_eq!((status, &body["role"]), (200, &json!("teamleitung")), "{body}");
    assert_eq!(get(&app, &ben, "/api/v1/audit").await.0, 200);

    // The admin cannot lock herself out; an unknown account is 404.
    let own = format!("/api/v1/admin/users/{ADELE_ID}");
    for change in [json!({"active": false}), json!({"role": "teamleitung"})] {
        let (status, body) = post(&app, &adele, &own, change.clone()).await;
        assert_eq!(status, 400, "{change}: {body}");
        assert_eq!(body["message_de"], "Das eigene Konto kann nicht deaktiviert oder herabgestuft werden.");
    }
    let (status, body) = post(&app, &adele, &own, json!({"display_name": "Adele A. Adam"})).await;
    assert_eq!((status, &body["display_name"]), (200, &json!("Adele A. Adam")), "{body}");
    let (status, body) = post(
        &app,
        &adele,
        "/api/v1/admin/users/00000000-0000-4000-8000-000000000000",
        json!({"active": false}),
    )
    .await;
    assert_eq!((status, &body["error"]), (404, &json!("not_found")), "{body}");
});

fn sha2_digest(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

both!(an_admin_creates_and_renames_teams_that_work_at_once, |app: TestApp| async move {
    let adele = app.login("adele").await;
    let (status, ost) =
        post(&app, &adele, "/api/v1/admin/teams", json!({"name": "  Sozialraumteam Ost "})).await;
    assert_eq!(status, 201, "{ost}");
    assert_eq!((&ost["name"], &ost["members"]), (&json!("Sozialraumteam Ost"), &json!(0)));
    let ost_id = ost["id"].as_str().unwrap().to_owned();

    let (status, body) =
        post(&app, &adele, "/api/v1/admin/teams", json!({"name": "Sozialraumteam Ost"})).await;
    assert_eq!((status, &body["message_de"]), (409, &json!("Ein Team mit diesem Namen gibt es schon.")));
    let (status, _) = post(
        &app,
        &adele,
        &format!("/api/v1/admin/teams/{TEAM_SUED}"),
        json!({"name": "Sozialraumteam Ost"}),
    )
    .await;
    assert_eq!(status, 409, "renaming onto another team's name");
    let (status, body) = post(&app, &adele, "/api/v1/admin/teams", json!({"name": ""})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message_de"].as_str().unwrap().contains("Teamname"), "{body}");

    let (status, renamed) = post(
        &app,
        &adele,
        &format!("/api/v1/admin/teams/{ost_id}"),
        json!({"name": "Sozialraumteam Ost-West"}),
    )
    .await;
    assert_eq!((status, &renamed["name"]), (200, &json!("Sozialraumteam Ost-West")), "{renamed}");
    let (status, _) = post(
        &app,
        &adele,
        "/api/v1/admin/teams/00000000-0000-4000-8000-000000000000",
        json!({"name": "Niemandsland"}),
    )
    .await;
    assert_eq!(status, 404);

    // A member of the new team works in it at once (its counter row exists), alone in it.
    let (status, _) =
        post(&app, &adele, "/api/v1/admin/users", new_user("olga", "teamleitung", &ost_id)).await;
    assert_eq!(status, 201);
    let (_, me, olga) = login(&app, "olga", "olga-passwort-lang").await;
    assert_eq!(me["team_name"], "Sozialraumteam Ost-West");
    let case = "0e000000-0000-4000-8000-000000000001";
    let res = push(
        &app,
        &olga,
        DEVICE_T,
        vec![json!({"id": 1, "kind": "case", "record_id": case, "op": {"type": "put", "fields":
            {"schema": 1, "id": case, "label": "OST-1", "start_date": "2026-11-01", "note": ""}}})],
    )
    .await;
    assert_eq!(res["rejected"], json!([]), "{res}");
    let ids: Vec<Value> = pull_all(&app, &olga).await.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, [json!(case)], "her team has her case and none of the demo cases");
    let (_, teams) = get(&app, &adele, "/api/v1/admin/teams").await;
    let names: Vec<(&str, i64)> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["members"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        names,
        [("Sozialraumteam Nord (Demo)", 4), ("Sozialraumteam Ost-West", 1), ("Sozialraumteam Süd (Demo)", 1)]
    );
});

both!(a_catalog_change_reaches_every_role_and_a_bad_one_is_refused, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let adele = app.login("adele").await;
    let builtin = serde_json::to_value(Catalog::builtin().unwrap()).unwrap();
    let (status, body) = get(&app, &anna, "/api/v1/catalog").await;
    assert_eq!(status, 200);
    assert_eq!((&body["version"], &body["catalog"]), (&json!(0), &builtin), "the built-in catalog at first");

    let mut changed = builtin.clone();
    changed["module"][0]["name_de"] = json!("Förderung in der Familie (geändert)");
    let (status, body) = post(&app, &adele, "/api/v1/admin/catalog", changed.clone()).await;
    assert_eq!((status, &body["version"]), (200, &json!(1)), "{body}");
    for user in ["anna", "ben", "tanja", "clara", "adele"] {
        let c = app.login(user).await;
        let (status, body) = get(&app, &c, "/api/v1/catalog").await;
        assert_eq!((status, &body["version"], &body["catalog"]), (200, &json!(1), &changed), "{user}");
        Catalog::from_json(body["catalog"].clone()).expect("the app reads it");
    }

    // Refused: a module twice, an unknown schema, not a catalog at all, not JSON; nothing stored.
    let mut doubled = changed.clone();
    let first = doubled["module"][0].clone();
    doubled["module"].as_array_mut().unwrap().push(first);
    let mut future = changed.clone();
    future["schema"] = json!(99);
    for (bad, expected) in
        [(doubled, "mehrfach"), (future, "unbekannten Version"), (json!({"modules": []}), "nicht gelesen")]
    {
        let (status, body) = post(&app, &adele, "/api/v1/admin/catalog", bad).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["message_de"].as_str().unwrap().contains(expected), "{body}");
    }
    let res = adele
        .post(app.url("/api/v1/admin/catalog"))
        .header("content-type", "application/json")
        .body("{kein json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let (status, _) = post(&app, &anna, "/api/v1/admin/catalog", builtin.clone()).await;
    assert_eq!(status, 403, "only the admin changes the catalog");
    assert_eq!(get(&app, &anna, "/api/v1/catalog").await.1["version"], 1);

    let (status, body) = post(&app, &adele, "/api/v1/admin/catalog", builtin.clone()).await;
    assert_eq!(
        (status, &body["version"]),
        (200, &json!(2)),
        "back to the built-in content, as a new version"
    );
    assert_eq!(get(&app, &anna, "/api/v1/catalog").await.1["catalog"], builtin);
});

fn approval(from: (i32, u8), to: (i32, u8)) -> Value {
    let d = |(y, m): (i32, u8)| time::Date::from_calendar_date(y, m.try_into().unwrap(), 1).unwrap();
    serde_json::to_value(ApprovalPeriod::new(d(from), d(to)).unwrap()).unwrap()
}

both!(only_the_jugendamt_and_the_teamleitung_approve_a_hilfesetting, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    let tanja = app.login("tanja").await;
    let case = "aaaaaaaa-0000-4000-8000-000000000051";
    let case_id = CaseId::parse(case).unwrap();
    let hs_id = setting::record_id(&case_id);
    let put_case = |m: u64, note: &str| {
        json!({"id": m, "kind": "case", "record_id": case, "op": {"type": "put", "fields":
            {"schema": 1, "id": case, "label": "AZ 51", "start_date": "2026-11-01", "note": note}}})
    };
    let put_hs = |m: u64, fields: Value| json!({"id": m, "kind": "hilfesetting", "record_id": hs_id, "op": {"type": "put", "fields": fields}});
    let hs_of = |records: &[Value]| records.iter().find(|r| r["id"] == hs_id).unwrap()["body"].clone();

    // The Träger composes the Hilfesetting: created with every approval field empty, accepted.
    let created = Value::Object(Hilfesetting::new(case_id.clone()).to_record());
    assert_eq!(created["approval"], Value::Null);
    let res = push(&app, &anna, DEVICE_A, vec![put_case(1, ""), put_hs(2, created)]).await;
    assert_eq!(res["rejected"], json!([]), "{res}");

    // Setting the approval herself is refused with the reason, per mutation: her other change applies.
    let period = approval((2026, 1), (2026, 6));
    let res = push(
        &app,
        &anna,
        DEVICE_A,
        vec![
            put_hs(3, json!({"approval": period})),
            put_case(4, "Hilfeplangespräch am 3.12."),
            put_hs(5, json!({"case_budget": {"type": "fallbudget", "total_cents": 500_000}})),
            put_hs(6, json!({"einzelvereinbarung": {"concluded_on": "2026-01-05", "reference": "EV-1"}})),
        ],
    )
    .await;
    assert_eq!(res["last_processed"], 6);
    let rejected = res["rejected"].as_array().unwrap();
    let ids: Vec<&Value> = rejected.iter().map(|r| &r["mutation_id"]).collect();
    assert_eq!(ids, [&json!(3), &json!(5), &json!(6)], "{res}");
    for r in rejected {
        assert_eq!(
            r["reason_de"],
            "Die Bewilligung (Zeitraum, Einzelvereinbarung, Fallbudget) setzt das Jugendamt (ASD) oder die Teamleitung."
        );
        assert!(r["reason"].as_str().unwrap().contains("approval"), "{r}");
    }
    let team = pull_all(&app, &anna).await;
    assert_eq!(hs_of(&team)["approval"], Value::Null);
    let note = team.iter().find(|r| r["id"] == case).unwrap()["body"]["note"].clone();
    assert_eq!(note, "Hilfeplangespräch am 3.12.");

    // The ASD approves; the Träger may then send the approved value unchanged with her own edit.
    let budget = serde_json::to_value(CaseBudget::Fallbudget { total_cents: 500_000 }).unwrap();
    let res =
        push(&app, &ben, DEVICE_B, vec![put_hs(1, json!({"approval": period, "case_budget": budget}))]).await;
    assert_eq!(res["rejected"], json!([]), "{res}");
    let res = push(
        &app,
        &anna,
        DEVICE_A,
        vec![put_hs(7, json!({"approval": period, "review": {"last_review": null, "interval_months": 3}}))],
    )
    .await;
    assert_eq!(res["rejected"], json!([]), "{res}");
    let hs = hs_of(&pull_all(&app, &anna).await);
    assert_eq!(
        (&hs["approval"], &hs["case_budget"], &hs["review"]["interval_months"]),
        (&period, &budget, &json!(3))
    );
    // Taking an approval back is a change of it, too: refused for the Träger, done by the Teamleitung.
    let res = push(&app, &anna, DEVICE_A, vec![put_hs(8, json!({"approval": null}))]).await;
    assert_eq!(res["rejected"].as_array().unwrap().len(), 1, "{res}");
    let longer = approval((2026, 1), (2026, 12));
    let res = push(&app, &tanja, DEVICE_T, vec![put_hs(1, json!({"approval": longer}))]).await;
    assert_eq!(res["rejected"], json!([]), "{res}");
    assert_eq!(hs_of(&pull_all(&app, &ben).await)["approval"], longer);
});

both!(only_the_jugendamt_and_the_teamleitung_set_the_sozialraumbudget, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    let tanja = app.login("tanja").await;
    let budget_id = "bbbbbbbb-0000-4000-8000-000000000061";
    let offer_id = "bbbbbbbb-0000-4000-8000-000000000062";
    let put_budget = |m: u64, euros: i64| {
        json!({"id": m, "kind": "sozialraum_budget", "record_id": budget_id, "op": {"type": "put", "fields":
            {"schema": 1, "id": budget_id, "year": 2026, "amount_cents": euros * 100}}})
    };
    let offer = Offer::new(
        offer_id.into(),
        "Elterncafé",
        OfferKind::Offen,
        Financing::Zuschuss,
        time::macros::date!(2026 - 09 - 01),
        12,
        || uuid::Uuid::new_v4().to_string(),
    );
    let put_offer = json!({"id": 2, "kind": "sozialraum_offer", "record_id": offer_id,
        "op": {"type": "put", "fields": Value::Object(offer.to_record())}});

    // The Träger's Fachkraft plans offers but does not set the budget: refused with the reason.
    let res = push(&app, &anna, DEVICE_A, vec![put_budget(1, 40_000), put_offer]).await;
    let rejected = res["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{res}");
    assert_eq!(rejected[0]["mutation_id"], 1);
    assert_eq!(
        rejected[0]["reason_de"],
        "Das Sozialraumbudget setzt das Jugendamt (ASD) oder die Teamleitung."
    );
    let team = pull_all(&app, &ben).await;
    assert!(team.iter().all(|r| r["id"] != budget_id));
    let stored = team.iter().find(|r| r["id"] == offer_id).expect("the offer reached the team");
    assert_eq!(Offer::from_record(stored["body"].clone()).unwrap(), offer);

    // The Jugendamt sets it, the Teamleitung changes it; a delete by the Träger is refused too.
    let res = push(&app, &ben, DEVICE_B, vec![put_budget(1, 40_000)]).await;
    assert_eq!(res["rejected"], json!([]), "{res}");
    let res = push(&app, &tanja, DEVICE_T, vec![put_budget(1, 45_000)]).await;
    assert_eq!(res["rejected"], json!([]), "{res}");
    let del = json!({"id": 3, "kind": "sozialraum_budget", "record_id": budget_id, "op": {"type": "delete"}});
    let res = push(&app, &anna, DEVICE_A, vec![del]).await;
    assert_eq!(res["rejected"].as_array().unwrap().len(), 1, "{res}");
    let team = pull_all(&app, &anna).await;
    let b = team.iter().find(|r| r["id"] == budget_id).unwrap();
    assert_eq!(Budget::from_json(b["body"].clone()).unwrap().amount_cents, 4_500_000);
});

both!(
    admin_actions_are_in_the_admins_audit_log_with_detail_and_the_chain_verifies,
    |app: TestApp| async move {
        let adele = app.login("adele").await;
        let (_, dora) =
            post(&app, &adele, "/api/v1/admin/users", new_user("dora", "fachkraft_traeger", TEAM_SUED)).await;
        let dora_id = dora["id"].as_str().unwrap().to_owned();
        let secret = "geheim-und-lang-genug";
        let (status, _) = post(
            &app,
            &adele,
            &format!("/api/v1/admin/users/{dora_id}"),
            json!({"role": "fachkraft_asd", "password": secret, "team_id": TEAM_NORD}),
        )
        .await;
        assert_eq!(status, 200);
        let (_, ost) = post(&app, &adele, "/api/v1/admin/teams", json!({"name": "Sozialraumteam Ost"})).await;
        let ost_id = ost["id"].as_str().unwrap().to_owned();
        post(&app, &adele, &format!("/api/v1/admin/teams/{ost_id}"), json!({"name": "Sozialraumteam Ost 2"}))
            .await;
        let builtin = serde_json::to_value(Catalog::builtin().unwrap()).unwrap();
        assert_eq!(post(&app, &adele, "/api/v1/admin/catalog", builtin).await.0, 200);

        let (status, log) = get(&app, &adele, "/api/v1/audit").await;
        assert_eq!(status, 200, "{log}");
        let admin: Vec<(&str, &str, &str)> = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"].as_str().unwrap().starts_with("admin."))
            .map(|e| {
                assert_eq!((&e["actor"], &e["team_id"]), (&json!(ADELE_ID), &json!(TEAM_NORD)), "{e}");
                (
                    e["action"].as_str().unwrap(),
                    e["record_id"].as_str().unwrap(),
                    e["detail"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            admin,
            [
                (
                    "admin.user.create",
                    dora_id.as_str(),
                    "username: dora; role: fachkraft_traeger; team: Sozialraumteam Süd (Demo)"
                ),
                (
                    "admin.user.update",
                    dora_id.as_str(),
                    "username: dora; role: fachkraft_traeger -> fachkraft_asd; \
                 team: Sozialraumteam Süd (Demo) -> Sozialraumteam Nord (Demo); password set"
                ),
                ("admin.team.create", ost_id.as_str(), "Sozialraumteam Ost"),
                ("admin.team.rename", ost_id.as_str(), "Sozialraumteam Ost -> Sozialraumteam Ost 2"),
                (
                    "admin.catalog.update",
                    "1",
                    &format!("{} modules", Catalog::builtin().unwrap().modules.len())
                ),
            ]
        );
        assert!(!log.to_string().contains(secret), "never a password in the log");
        // The Teamleitung of the admin's team reads the same entries; the chains verify.
        let tanja = app.login("tanja").await;
        assert_eq!(get(&app, &tanja, "/api/v1/audit").await.1, log);
        let verdicts = app.db.audit_verify().await.unwrap();
        assert!(verdicts.iter().all(|(_, v)| v.is_ok()), "{verdicts:?}");
    }
);

both!(a_device_event_with_detail_round_trips_and_is_bounded, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let case = "5d2e7c1a-7b3f-4e8a-9c2d-000000000001";
    let event = |n: u8, action: &str, detail: Option<&str>| {
        let mut e = json!({"id": format!("e0000000-0000-4000-8000-00000000000{n}"), "at": "2026-11-24T08:15:00Z",
                           "action": action, "case_id": case});
        if let Some(d) = detail {
            e["detail"] = json!(d);
        }
        e
    };
    let events = vec![
        event(1, "case.share", Some("an Ben Becker (ASD)")),
        event(2, "case.export_pseudonymised", None),
        event(3, "note.disclose", Some("§ 65 SGB VIII: an das Familiengericht")),
    ];
    let (status, res) =
        post(&app, &anna, "/api/v1/audit/events", json!({"client_id": DEVICE_A, "events": events})).await;
    assert_eq!((status, &res["recorded"]), (200, &json!(3)), "{res}");
    let long = "ä".repeat(server::audit::MAX_DETAIL_CHARS + 1);
    let exact = "ä".repeat(server::audit::MAX_DETAIL_CHARS);
    let (status, res) = post(
        &app,
        &anna,
        "/api/v1/audit/events",
        json!({"client_id": DEVICE_A, "events": [event(4, "case.share", Some(&long))]}),
    )
    .await;
    assert_eq!(status, 400, "{res}");
    let (status, res) = post(
        &app,
        &anna,
        "/api/v1/audit/events",
        json!({"client_id": DEVICE_A, "events": [event(5, "case.share", Some(&exact))]}),
    )
    .await;
    assert_eq!((status, &res["recorded"]), (200, &json!(1)), "{res}");

    let tanja = app.login("tanja").await;
    let (_, log) = get(&app, &tanja, &format!("/api/v1/audit?case_id={case}")).await;
    let got: Vec<(&str, Value)> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_id"].is_string())
        .map(|e| (e["action"].as_str().unwrap(), e["detail"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("case.share", json!("an Ben Becker (ASD)")),
            ("case.export_pseudonymised", Value::Null),
            ("note.disclose", json!("§ 65 SGB VIII: an das Familiengericht")),
            ("case.share", json!(exact)),
        ]
    );
    let verdicts = app.db.audit_verify().await.unwrap();
    assert!(verdicts.iter().all(|(_, v)| v.is_ok()), "{verdicts:?}");
});
