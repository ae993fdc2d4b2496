//! The HTTP API against the real server and a real database (SQLite and PostgreSQL).

mod common;

use serde_json::{json, Value};

use common::TestApp;

const DEVICE_A: &str = "11111111-1111-4111-8111-111111111111";
const DEVICE_B: &str = "22222222-2222-4222-8222-222222222222";
const DEVICE_C: &str = "33333333-3333-4333-8333-333333333333";

fn case_id(n: u32) -> String {
    format!("aaaaaaaa-0000-4000-8000-{n:012}")
}

fn put_case(mutation_id: u64, n: u32, label: &str, note: &str) -> Value {
    json!({
        "id": mutation_id, "kind": "case", "record_id": case_id(n), "client_time": "2026-11-23T09:00:00Z",
        "op": {"type": "put", "fields": {"schema": 1, "id": case_id(n), "label": label, "start_date": "2026-11-01", "note": note}}
    })
}

fn put_fields(mutation_id: u64, n: u32, fields: Value) -> Value {
    json!({"id": mutation_id, "kind": "case", "record_id": case_id(n), "op": {"type": "put", "fields": fields}})
}

async fn push(app: &TestApp, c: &reqwest::Client, device: &str, mutations: Vec<Value>) -> (u16, Value) {
    let res = c
        .post(app.url("/api/v1/sync/push"))
        .json(&json!({"protocol": 1, "client_id": device, "mutations": mutations}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn pull(app: &TestApp, c: &reqwest::Client, since: u64, limit: u32) -> Value {
    let res = c.get(app.url(&format!("/api/v1/sync/pull?since={since}&limit={limit}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Every record of the team, following the cursor to the end.
async fn pull_all(app: &TestApp, c: &reqwest::Client) -> Vec<Value> {
    let mut since = 0;
    let mut out = Vec::new();
    loop {
        let page = pull(app, c, since, 1000).await;
        let cursor = page["cursor"].as_u64().unwrap();
        assert!(cursor >= since, "cursors never go back");
        out.extend(page["records"].as_array().unwrap().iter().cloned());
        since = cursor;
        if !page["has_more"].as_bool().unwrap() {
            return out;
        }
    }
}

fn find<'a>(records: &'a [Value], id: &str) -> Option<&'a Value> {
    records.iter().find(|r| r["id"] == id)
}

both!(health_reports_the_backend, |app: TestApp| async move {
    let v: Value = reqwest::get(app.url("/healthz")).await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], "ok");
    let expected = if app.database_url.starts_with("sqlite") { "sqlite" } else { "postgres" };
    assert_eq!(v["database"], expected);
});

both!(login_sets_a_safe_cookie_and_logout_ends_the_session, |app: TestApp| async move {
    let c = reqwest::Client::new();
    let bad = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "anna", "password": "falsch"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["message_de"], "Benutzername oder Passwort ist falsch.");
    let unknown = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "niemand", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);

    let ok = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "anna", "password": "passgenau-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let me: Value = ok.json().await.unwrap();
    assert_eq!(me["display_name"], "Anna Albers");
    assert!(me.get("password_hash").is_none());
    assert_eq!(me["closed_case_days"], 30, "the devices learn how long closed cases stay");

    let client = app.login("anna").await;
    let me = client.get(app.url("/api/v1/auth/me")).send().await.unwrap();
    assert_eq!(me.status(), 200);
    client.post(app.url("/api/v1/auth/logout")).send().await.unwrap();
    let after = client.get(app.url("/api/v1/auth/me")).send().await.unwrap();
    assert_eq!(after.status(), 401);
});

both!(state_changes_need_json_and_api_answers_are_never_cached, |app: TestApp| async move {
    // A cross-site form can send text/plain or form bodies, never application/json without CORS.
    let c = reqwest::Client::new();
    let res = c
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body(r#"{"username":"anna","password":"passgenau-demo"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert!(res.headers().get("set-cookie").is_none());
    let anna = app.login("anna").await;
    let res = anna
        .post(app.url("/api/v1/sync/push"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            json!({"protocol": 1, "client_id": DEVICE_A, "mutations": [put_case(1, 1, "AZ", "")]})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert!(pull_all(&app, &anna).await.iter().all(|r| r["id"] != case_id(1)));
    let res = anna.get(app.url("/api/v1/sync/pull?since=0")).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
});

both!(sync_needs_a_session, |app: TestApp| async move {
    let anon = reqwest::Client::new();
    let (status, body) = push(&app, &anon, DEVICE_A, vec![put_case(1, 1, "AZ 1", "")]).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized");
    let res = anon.get(app.url("/api/v1/sync/pull?since=0")).send().await.unwrap();
    assert_eq!(res.status(), 401);
});

both!(a_case_pushed_by_one_member_reaches_the_team_and_no_one_else, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    let clara = app.login("clara").await;
    let (status, res) = push(&app, &anna, DEVICE_A, vec![put_case(1, 1, "AZ 1", "erste Notiz")]).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["last_processed"], 1);
    assert_eq!(res["rejected"], json!([]));

    let team = pull_all(&app, &ben).await;
    let rec = find(&team, &case_id(1)).expect("ben sees anna's case");
    assert_eq!(rec["body"]["note"], "erste Notiz");
    assert_eq!(rec["updated_by"], "Anna Albers");

    let other = pull_all(&app, &clara).await;
    assert!(find(&other, &case_id(1)).is_none(), "another team never sees the case");
    assert!(other.is_empty(), "the other team has no demo cases: {other:?}");

    // Clara cannot change it either: rejected with a reason, and the record stays as it was.
    let (status, res) =
        push(&app, &clara, DEVICE_C, vec![put_fields(1, 1, json!({"note": "überschrieben"}))]).await;
    assert_eq!(status, 200);
    assert_eq!(res["last_processed"], 1);
    assert_eq!(res["rejected"][0]["mutation_id"], 1);
    let team = pull_all(&app, &ben).await;
    assert_eq!(find(&team, &case_id(1)).unwrap()["body"]["note"], "erste Notiz");
});

both!(field_edits_from_two_devices_merge, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    push(&app, &anna, DEVICE_A, vec![put_case(1, 7, "AZ 7", "")]).await;
    push(&app, &anna, DEVICE_A, vec![put_fields(2, 7, json!({"note": "von Anna"}))]).await;
    push(&app, &ben, DEVICE_B, vec![put_fields(1, 7, json!({"label": "AZ 7 neu"}))]).await;
    let team = pull_all(&app, &anna).await;
    let body = &find(&team, &case_id(7)).unwrap()["body"];
    assert_eq!(body["note"], "von Anna");
    assert_eq!(body["label"], "AZ 7 neu");
});

both!(a_replayed_push_is_applied_once_and_a_gap_waits, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let batch = vec![put_case(1, 1, "AZ 1", ""), put_case(2, 2, "AZ 2", "")];
    let (_, first) = push(&app, &anna, DEVICE_A, batch.clone()).await;
    let before = pull_all(&app, &anna).await;
    let (_, again) = push(&app, &anna, DEVICE_A, batch).await;
    assert_eq!(first["last_processed"], 2);
    assert_eq!(again["last_processed"], 2);
    let after = pull_all(&app, &anna).await;
    assert_eq!(before, after, "a lost response followed by a retry changes nothing");

    // Mutation 4 without 3: nothing applied, the device is told to resend from 3.
    let (_, gap) = push(&app, &anna, DEVICE_A, vec![put_case(4, 4, "AZ 4", "")]).await;
    assert_eq!(gap["last_processed"], 2);
    assert!(find(&pull_all(&app, &anna).await, &case_id(4)).is_none());
});

both!(bad_pushes_get_clear_errors_and_never_block_the_queue, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let raw = |body: &'static str| {
        anna.post(app.url("/api/v1/sync/push")).header("content-type", "application/json").body(body).send()
    };
    let res = raw("{not json").await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
    assert!(body["message_de"].as_str().unwrap().contains("nicht lesbar"));

    let (status, body) = {
        let res = anna
            .post(app.url("/api/v1/sync/push"))
            .json(&json!({"protocol": 99, "client_id": DEVICE_A, "mutations": []}))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("protocol"));

    let huge = "x".repeat(server::BODY_LIMIT_BYTES + 10);
    let res = anna.post(app.url("/api/v1/sync/push")).body(huge).send().await.unwrap();
    assert_eq!(res.status(), 413);

    // An impossible value is rejected with a reason; the mutation behind it still applies.
    let (status, res) =
        push(&app, &anna, DEVICE_A, vec![put_case(1, 1, "", ""), put_case(2, 2, "AZ 2", "")]).await;
    assert_eq!(status, 200);
    assert_eq!(res["last_processed"], 2);
    assert_eq!(res["rejected"].as_array().unwrap().len(), 1);
    assert_eq!(res["rejected"][0]["reason_de"], "Bitte ein Aktenzeichen oder Pseudonym eingeben.");
    let team = pull_all(&app, &anna).await;
    assert!(find(&team, &case_id(1)).is_none());
    assert!(find(&team, &case_id(2)).is_some());

    // A device id is bound to its user.
    let ben = app.login("ben").await;
    let (status, body) = push(&app, &ben, DEVICE_A, vec![put_case(3, 3, "AZ 3", "")]).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"], "foreign_client");
    // And the server still serves.
    let v: Value = reqwest::get(app.url("/healthz")).await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], "ok");
});

both!(a_replayed_push_returns_its_rejections_again, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let batch = vec![put_case(1, 1, "", ""), put_case(2, 2, "AZ 2", "")];
    let (_, first) = push(&app, &anna, DEVICE_A, batch.clone()).await;
    // The first response was lost; the device sends the same batch again.
    let (_, again) = push(&app, &anna, DEVICE_A, batch).await;
    assert_eq!(first["rejected"], again["rejected"], "the device learns about the rejection either way");
    assert_eq!(again["rejected"][0]["mutation_id"], 1);
    assert_eq!(again["rejected"][0]["reason_de"], "Bitte ein Aktenzeichen oder Pseudonym eingeben.");
});

both!(concurrent_edits_of_different_fields_of_one_case_both_survive, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    push(&app, &anna, DEVICE_A, vec![put_case(1, 9, "AZ 9", "")]).await;
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for (client, device, field) in [(anna.clone(), DEVICE_A, "note"), (ben.clone(), DEVICE_B, "label")] {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            // Each device changes its own field many times, at the same time as the other.
            let first = if device == DEVICE_A { 2 } else { 1 };
            for i in 0..60u64 {
                let value = format!("{field} {i}");
                let (status, res) =
                    push(&app, &client, device, vec![put_fields(first + i, 9, json!({ field: value }))])
                        .await;
                assert_eq!(status, 200, "{res}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let team = pull_all(&app, &anna).await;
    let body = &find(&team, &case_id(9)).unwrap()["body"];
    assert_eq!(body["note"], "note 59", "no lost update: {body}");
    assert_eq!(body["label"], "label 59", "no lost update: {body}");
});

both!(pull_pages_follow_the_cursor, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let batch: Vec<Value> = (1..=25).map(|i| put_case(i, i as u32, &format!("AZ {i}"), "")).collect();
    push(&app, &anna, DEVICE_A, batch).await;
    let mut since = 0;
    let mut pages = 0;
    let mut seen = Vec::new();
    loop {
        let page = pull(&app, &anna, since, 10).await;
        pages += 1;
        for r in page["records"].as_array().unwrap() {
            let seq = r["seq"].as_u64().unwrap();
            assert!(seq > since, "records come in server order after the cursor");
            seen.push(r["id"].as_str().unwrap().to_owned());
        }
        since = page["cursor"].as_u64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(seen.len(), 28, "25 new cases and 3 demo cases");
    assert_eq!(pages, 3);
});

both!(concurrent_devices_never_leave_a_gap_behind_the_cursor, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    let devices = [
        (anna.clone(), "44444444-4444-4444-8444-444444444441"),
        (anna.clone(), "44444444-4444-4444-8444-444444444442"),
        (ben.clone(), "44444444-4444-4444-8444-444444444443"),
        (ben.clone(), "44444444-4444-4444-8444-444444444444"),
    ];
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for (d, (client, device)) in devices.into_iter().enumerate() {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            for i in 1..=20u64 {
                let n = (d as u32 + 1) * 1000 + i as u32;
                let (status, res) =
                    push(&app, &client, device, vec![put_case(i, n, &format!("AZ {n}"), "")]).await;
                assert_eq!(status, 200, "{res}");
            }
        }));
    }
    // A reader that follows the cursor while the writers run must end with every record.
    let reader = {
        let app = app.clone();
        let anna = anna.clone();
        tokio::spawn(async move {
            let mut since = 0;
            let mut seen = std::collections::HashSet::new();
            for _ in 0..200 {
                let page = pull(&app, &anna, since, 1000).await;
                for r in page["records"].as_array().unwrap() {
                    seen.insert(r["id"].as_str().unwrap().to_owned());
                }
                since = page["cursor"].as_u64().unwrap();
                tokio::task::yield_now().await;
            }
            (since, seen)
        })
    };
    for t in tasks {
        t.await.unwrap();
    }
    let (mut since, mut seen) = reader.await.unwrap();
    loop {
        let page = pull(&app, &anna, since, 1000).await;
        for r in page["records"].as_array().unwrap() {
            seen.insert(r["id"].as_str().unwrap().to_owned());
        }
        since = page["cursor"].as_u64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(seen.len(), 83, "80 concurrent cases + 3 demo cases, none skipped by the cursor");
});

both!(pages_are_german_shells_with_security_headers, |app: TestApp| async move {
    // Pages in the main wasm and pages loaded on demand (app/src/lazy.rs) alike.
    for path in ["/", "/anmelden", "/fall", "/fall/neu", "/fall/hilfeplan", "/team", "/verwaltung"] {
        let res = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let h = res.headers().clone();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        let csp = h["content-security-policy"].to_str().unwrap().to_owned();
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        let html = res.text().await.unwrap();
        assert!(html.contains("<html lang=\"de\""), "{path}: {html}");
        assert!(html.contains("manifest.webmanifest"));
        assert!(!html.contains("JA-2026-0142"), "no case data is rendered by the server");
        // Every <script> loads a file or carries this response's nonce, the only inline scripts
        // the CSP allows.
        for tag in html.split("<script").skip(1) {
            let open_tag = &tag[..tag.find('>').unwrap()];
            let nonce = open_tag.split("nonce=\"").nth(1).and_then(|n| n.split('"').next());
            let allowed =
                open_tag.contains("src=") || nonce.is_some_and(|n| csp.contains(&format!("'nonce-{n}'")));
            assert!(allowed, "{path}: inline script <script{open_tag}> not allowed by {csp}");
        }
        assert!(html.contains("<script type=\"module\" src=\"/boot.js\">"), "{path}");
    }
    let boot = reqwest::get(app.url("/boot.js")).await.unwrap();
    assert_eq!(boot.headers()["content-type"], "text/javascript; charset=utf-8");
    let boot = boot.text().await.unwrap();
    assert!(
        boot.starts_with("import init, { hydrate } from '/pkg/passgenau") && boot.contains("hydrate()"),
        "{boot}"
    );
    let api404 = reqwest::get(app.url("/api/v1/nichts")).await.unwrap();
    assert_eq!(api404.status(), 404);
    let sw = reqwest::get(app.url("/sw.js")).await.unwrap();
    assert_eq!(sw.headers()["cache-control"], "no-cache");
    let js = sw.text().await.unwrap();
    assert!(js.contains("\"/anmelden\"") && js.contains("passgenau-shell-"));
    // The chunk loader of a split build keeps its name across builds while its content changes:
    // revalidated on every use, never cached by heuristics. Other build files keep their caching.
    let pkg = app.site_root().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("__wasm_split.abc.js"), "export const x = 1;").unwrap();
    std::fs::write(pkg.join("passgenau.abc.js"), "export const y = 1;").unwrap();
    let loader = reqwest::get(app.url("/pkg/__wasm_split.abc.js")).await.unwrap();
    assert_eq!(loader.status(), 200);
    assert_eq!(loader.headers()["cache-control"], "no-cache");
    let module = reqwest::get(app.url("/pkg/passgenau.abc.js")).await.unwrap();
    assert_eq!(module.status(), 200);
    assert!(module.headers().get("cache-control").is_none());
    // The release build writes each asset compressed beside it (brotli at quality 11, gzip); those
    // bytes go out as they are instead of an on-the-fly compression at quality 4.
    std::fs::write(pkg.join("passgenau.abc.wasm"), b"\0asm raw").unwrap();
    std::fs::write(pkg.join("passgenau.abc.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("passgenau.abc.wasm.gz"), b"gzip bytes").unwrap();
    let c = reqwest::Client::new();
    for (accept, encoding, body) in [
        ("br, gzip", Some("br"), &b"brotli bytes"[..]),
        ("gzip", Some("gzip"), &b"gzip bytes"[..]),
        ("identity", None, &b"\0asm raw"[..]),
    ] {
        let res = c.get(app.url("/pkg/passgenau.abc.wasm")).header("accept-encoding", accept).send().await;
        let res = res.unwrap();
        assert_eq!(res.status(), 200, "{accept}");
        assert_eq!(res.headers()["content-type"], "application/wasm", "{accept}");
        assert_eq!(res.headers().get("content-encoding").map(|v| v.to_str().unwrap()), encoding, "{accept}");
        if encoding.is_some() {
            assert_eq!(res.headers()["vary"], "accept-encoding", "{accept}: caches keep the encodings apart");
        }
        assert_eq!(&res.bytes().await.unwrap()[..], body, "{accept}");
    }
});

fn with_base(mut m: Value, base: u64) -> Value {
    m["base_seq"] = json!(base);
    m
}

fn conflicts(records: &[Value]) -> Vec<&Value> {
    records.iter().filter(|r| r["kind"] == "conflict").collect()
}

both!(the_same_field_changed_concurrently_is_kept_as_a_conflict, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    push(&app, &anna, DEVICE_A, vec![put_case(1, 8, "AZ 8", "")]).await;
    let seq = find(&pull_all(&app, &ben).await, &case_id(8)).unwrap()["seq"].as_u64().unwrap();
    // Both saw version `seq`; anna's note arrives first, ben's later and wins.
    push(&app, &anna, DEVICE_A, vec![with_base(put_fields(2, 8, json!({"note": "von Anna"})), seq)]).await;
    let (status, res) =
        push(&app, &ben, DEVICE_B, vec![with_base(put_fields(1, 8, json!({"note": "von Ben"})), seq)]).await;
    assert_eq!((status, res["rejected"].as_array().unwrap().len()), (200, 0));
    let team = pull_all(&app, &anna).await;
    assert_eq!(find(&team, &case_id(8)).unwrap()["body"]["note"], "von Ben");
    let found = conflicts(&team);
    assert_eq!(found.len(), 1, "{team:?}");
    let c = &found[0]["body"];
    assert_eq!(
        (c["kind"].as_str(), c["field"].as_str(), c["status"].as_str()),
        (Some("field"), Some("note"), Some("open"))
    );
    assert_eq!(
        (c["kept"]["value"].as_str(), c["kept"]["by"].as_str()),
        (Some("von Ben"), Some("Ben Becker"))
    );
    assert_eq!(c["overwritten"]["value"], "von Anna");
    // A change made after seeing the other one is no conflict.
    let seq = find(&team, &case_id(8)).unwrap()["seq"].as_u64().unwrap();
    push(&app, &anna, DEVICE_A, vec![with_base(put_fields(3, 8, json!({"note": "geklärt"})), seq)]).await;
    assert_eq!(conflicts(&pull_all(&app, &anna).await).len(), 1);
    // The other team sees neither the case nor the conflict.
    let clara = app.login("clara").await;
    assert!(pull_all(&app, &clara).await.is_empty());
});

both!(devices_resolve_conflicts_but_cannot_forge_them, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    push(&app, &anna, DEVICE_A, vec![put_case(1, 9, "AZ 9", "")]).await;
    push(&app, &anna, DEVICE_A, vec![with_base(put_fields(2, 9, json!({"note": "A"})), 1)]).await;
    push(&app, &ben, DEVICE_B, vec![with_base(put_fields(1, 9, json!({"note": "B"})), 1)]).await;
    let team = pull_all(&app, &ben).await;
    let conflict = conflicts(&team)[0].clone();
    let cid = conflict["id"].as_str().unwrap().to_owned();
    let resolve = |id: u64, fields: Value| json!({"id": id, "kind": "conflict", "record_id": cid, "base_seq": conflict["seq"], "op": {"type": "put", "fields": fields}});
    let forged = json!({"id": 2, "kind": "conflict", "record_id": "erfunden", "op": {"type": "put", "fields": {"status": "open"}}});
    let (_, res) = push(
        &app,
        &ben,
        DEVICE_B,
        vec![
            forged,
            resolve(3, json!({"overwritten": {"value": "X", "by": "niemand"}})),
            resolve(4, json!({"status": "resolved", "resolution": "both", "resolved_by": "Ben Becker", "resolved_at": "2026-11-23T10:00:00Z"})),
        ],
    )
    .await;
    let rejected: Vec<u64> =
        res["rejected"].as_array().unwrap().iter().map(|r| r["mutation_id"].as_u64().unwrap()).collect();
    assert_eq!(rejected, vec![2, 3], "{res}");
    assert_eq!(res["last_processed"], 4);
    let after = pull_all(&app, &anna).await;
    let c = &find(&after, &cid).unwrap()["body"];
    assert_eq!((c["status"].as_str(), c["resolution"].as_str()), (Some("resolved"), Some("both")));
    assert_eq!(c["overwritten"]["value"], "A", "only the resolution fields can change");
});

both!(delete_against_edit_is_shown_not_dropped, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    push(&app, &anna, DEVICE_A, vec![put_case(1, 10, "AZ 10", "")]).await;
    push(&app, &anna, DEVICE_A, vec![with_base(put_fields(2, 10, json!({"note": "wichtig"})), 1)]).await;
    let delete =
        json!({"id": 1, "kind": "case", "record_id": case_id(10), "base_seq": 1, "op": {"type": "delete"}});
    push(&app, &ben, DEVICE_B, vec![delete]).await;
    let team = pull_all(&app, &anna).await;
    assert_eq!(find(&team, &case_id(10)).unwrap()["deleted"], true);
    let c = &conflicts(&team)[0]["body"];
    assert_eq!(c["kind"], "delete_edit");
    assert_eq!(c["overwritten"]["value"]["note"], "wichtig", "the edited version is kept in the conflict");
});

// Found by `tests/fuzz.rs`: on PostgreSQL, which refuses NUL in text parameters, this login was a 503.
both!(a_nul_in_a_username_is_a_wrong_login, |app: TestApp| async move {
    let c = reqwest::Client::new();
    for username in ["anna\u{0}", "\u{0}", "an\u{0}na"] {
        let res = c
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": "passgenau-demo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{username:?}");
    }
});

// Found by `tests/fuzz.rs`: on PostgreSQL a record id with NUL made the push a 503 on every retry, so
// the device's queue never moved past it.
both!(a_nul_in_a_record_id_is_rejected_and_the_queue_goes_on, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let bad = format!("{}\u{0}", case_id(1));
    let mutations = vec![
        json!({"id": 1, "kind": "case", "record_id": bad, "op": {"type": "put", "fields": {
            "schema": 1, "id": bad, "label": "AZ 1", "start_date": "2026-11-01"}}}),
        json!({"id": 2, "kind": "case", "record_id": bad, "op": {"type": "put", "fields": {
            "schema": 1, "id": case_id(1), "label": "AZ 1", "start_date": "2026-11-01"}}}),
        json!({"id": 3, "kind": "case", "record_id": bad, "op": {"type": "delete"}}),
        put_case(4, 2, "AZ 2", ""),
    ];
    let (status, res) = push(&app, &anna, DEVICE_A, mutations).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["last_processed"], 4);
    let rejected: Vec<u64> =
        res["rejected"].as_array().unwrap().iter().map(|r| r["mutation_id"].as_u64().unwrap()).collect();
    assert_eq!(rejected, [1, 2, 3], "{res}");
    let team = pull_all(&app, &anna).await;
    assert!(find(&team, &case_id(2)).is_some());
    assert!(find(&team, &case_id(1)).is_none() && find(&team, &bad).is_none());
});

// Found by `tests/fuzz.rs`: a malformed pull query got axum's plain-text 400, not the API error body.
both!(a_malformed_pull_query_gets_the_api_error_body, |app: TestApp| async move {
    let anna = app.login("anna").await;
    for q in ["since=-1", "limit=abc", "since=18446744073709551616", "limit=4294967296"] {
        let res = anna.get(app.url(&format!("/api/v1/sync/pull?{q}"))).send().await.unwrap();
        assert_eq!(res.status(), 400, "{q}");
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(body["error"], "bad_request", "{q}: {body}");
        assert!(body["message"].as_str().unwrap().contains("pull query"), "{q}: {body}");
        assert!(!body["message_de"].as_str().unwrap().is_empty(), "{q}: {body}");
    }
});

async fn pull_as(app: &TestApp, c: &reqwest::Client, device: &str, since: u64) -> (u16, Value) {
    let res = c
        .get(app.url(&format!("/api/v1/sync/pull?since={since}&limit=1000&client_id={device}")))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

both!(tombstones_stay_for_active_devices_and_a_device_too_far_behind_must_reset, |app: TestApp| async move {
    use server::db::CompactPolicy;
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    let (s, _) =
        push(&app, &anna, DEVICE_A, vec![put_case(1, 1, "AZ 1", ""), put_case(2, 2, "AZ 2", "")]).await;
    assert_eq!(s, 200);
    // Ben's device pulls both cases and reports its cursor on the next (empty) pull.
    let (s, page) = pull_as(&app, &ben, DEVICE_B, 0).await;
    assert_eq!(s, 200);
    let ben_cursor = page["cursor"].as_u64().unwrap();
    assert_eq!(pull_as(&app, &ben, DEVICE_B, ben_cursor).await.0, 200);
    let delete = json!({"id": 3, "kind": "case", "record_id": case_id(1), "op": {"type": "delete"}});
    assert_eq!(push(&app, &anna, DEVICE_A, vec![delete]).await.0, 200);
    let everyone = CompactPolicy { active_since: "0".into(), deleted_before: "9".into() };

    // Ben has not pulled the delete yet and is active: the tombstone stays.
    let done = app.db.compact_tombstones(&everyone).await.unwrap();
    assert_eq!(done.iter().map(|c| c.removed).sum::<u64>(), 0, "{done:?}");
    assert_eq!(pull_as(&app, &ben, DEVICE_B, ben_cursor).await.0, 200);
    // A tombstone younger than the minimum age stays too.
    let young = CompactPolicy { active_since: "9".into(), deleted_before: "0".into() };
    assert_eq!(app.db.compact_tombstones(&young).await.unwrap().iter().map(|c| c.removed).sum::<u64>(), 0);

    // Ben is no longer counted as active (away too long): the tombstone goes, and his next pull from
    // the old cursor is refused with a clear reset instruction instead of silently missing the delete.
    let nobody = CompactPolicy { active_since: "9".into(), deleted_before: "9".into() };
    let done = app.db.compact_tombstones(&nobody).await.unwrap();
    assert_eq!(done.iter().map(|c| c.removed).sum::<u64>(), 1, "{done:?}");
    // The deleted case left the sync but not the server: it is in the archive (§ 9b SGB VIII).
    let (kind, body, keep_until) = archived(&app, &case_id(1)).await.expect("archived");
    assert_eq!(kind, "case");
    assert!(body.contains("AZ 1"), "{body}");
    assert_eq!(keep_until, None, "no birth recorded: no end of retention yet");
    let (s, err) = pull_as(&app, &ben, DEVICE_B, ben_cursor).await;
    assert_eq!(s, 410, "{err}");
    assert_eq!(err["error"], "reset_required");
    assert!(err["message_de"].as_str().unwrap().contains("neu"), "{err}");
    // Pulling from 0 works and no longer shows the deleted case at all.
    let (s, page) = pull_as(&app, &ben, DEVICE_B, 0).await;
    assert_eq!(s, 200);
    let ids: Vec<&str> =
        page["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&case_id(2).as_str()) && !ids.contains(&case_id(1).as_str()), "{ids:?}");
    // A device that had pulled the delete is not affected.
    let (s, _) = pull_as(&app, &anna, DEVICE_A, page["cursor"].as_u64().unwrap()).await;
    assert_eq!(s, 200);
    // A malformed device id in a pull is refused like in a push.
    let res = ben.get(app.url("/api/v1/sync/pull?since=0&client_id=kaputt")).send().await.unwrap();
    assert_eq!(res.status(), 400);
});

fn note_id(n: u32) -> String {
    format!("bbbbbbbb-0000-4000-8000-{n:012}")
}

fn put_note(mutation_id: u64, n: u32, case: u32, text: &str) -> Value {
    json!({
        "id": mutation_id, "kind": "visit_note", "record_id": note_id(n),
        "op": {"type": "put", "fields": {"schema": 1, "id": note_id(n), "case_id": case_id(case), "text": text,
               "author": "Anna", "written_at": "2026-11-24T09:00:00Z"}}
    })
}

both!(visit_notes_are_append_only_and_never_conflict, |app: TestApp| async move {
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    assert_eq!(push(&app, &anna, DEVICE_A, vec![put_case(1, 1, "AZ 1", "")]).await.0, 200);
    // Both write a note on the same case, neither having seen the other's.
    let (s, res) = push(&app, &anna, DEVICE_A, vec![put_note(2, 1, 1, "Anna: Termin gut verlaufen")]).await;
    assert_eq!((s, res["rejected"].as_array().unwrap().len()), (200, 0), "{res}");
    let (s, res) = push(&app, &ben, DEVICE_B, vec![put_note(1, 2, 1, "Ben: Schule angerufen")]).await;
    assert_eq!((s, res["rejected"].as_array().unwrap().len()), (200, 0), "{res}");
    let all = pull_all(&app, &anna).await;
    let notes: Vec<&Value> = all.iter().filter(|r| r["kind"] == "visit_note").collect();
    assert_eq!(notes.len(), 2);
    assert!(conflicts(&all).is_empty(), "notes never conflict");
    // Changing or deleting a note is refused, with a German reason, and blocks nothing behind it.
    let edit = json!({"id": 2, "kind": "visit_note", "record_id": note_id(1), "base_seq": 2,
                      "op": {"type": "put", "fields": {"text": "überschrieben"}}});
    let delete = json!({"id": 3, "kind": "visit_note", "record_id": note_id(1), "op": {"type": "delete"}});
    let (s, res) = push(&app, &ben, DEVICE_B, vec![edit, delete, put_note(4, 3, 1, "Ben: Ergänzung")]).await;
    assert_eq!(s, 200);
    assert_eq!(res["last_processed"], 4);
    let rejected = res["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{res}");
    for r in rejected {
        assert!(r["reason_de"].as_str().unwrap().contains("Besuchsnotizen werden nicht geändert"), "{r}");
    }
    let all = pull_all(&app, &anna).await;
    let first = find(&all, &note_id(1)).unwrap();
    assert_eq!(first["body"]["text"], "Anna: Termin gut verlaufen");
    assert_eq!(first["deleted"], false);
    assert!(find(&all, &note_id(3)).is_some(), "the correction is a new note");
    // A malformed note is rejected with the domain's German reason.
    let (_, res) = push(&app, &anna, DEVICE_A, vec![put_note(3, 4, 1, "   ")]).await;
    assert_eq!(res["rejected"][0]["reason_de"], "Die Notiz ist leer.");
});

both!(checklist_answers_to_different_items_merge_and_the_same_item_conflicts, |app: TestApp| async move {
    use passgenau_domain::case::CaseId;
    use passgenau_domain::checklist;
    let anna = app.login("anna").await;
    let ben = app.login("ben").await;
    assert_eq!(push(&app, &anna, DEVICE_A, vec![put_case(1, 1, "AZ 1", "")]).await.0, 200);
    let case = CaseId::parse(&case_id(1)).unwrap();
    let id = checklist::record_id(&case);
    let items: Vec<&str> = checklist::all_items().map(|(_, i)| i.id).take(2).collect();
    let answer = |m: u64, item: &str, status: &str, base: Option<u64>| {
        let mut fields = checklist::ChecklistAnswers::new(case.clone()).to_record();
        fields.insert(checklist::answer_field(item), json!({"status": status, "note": ""}));
        let mut m =
            json!({"id": m, "kind": "checklist", "record_id": id, "op": {"type": "put", "fields": fields}});
        if let Some(b) = base {
            m["base_seq"] = json!(b);
        }
        m
    };
    // Both start the checklist of the case offline, each answering another item.
    let (_, r) = push(&app, &anna, DEVICE_A, vec![answer(2, items[0], "erfuellt", None)]).await;
    assert_eq!(r["rejected"], json!([]), "{r}");
    let (_, r) = push(&app, &ben, DEVICE_B, vec![answer(1, items[1], "nicht_zutreffend", None)]).await;
    assert_eq!(r["rejected"], json!([]), "{r}");
    let all = pull_all(&app, &anna).await;
    let rec = find(&all, &id).unwrap();
    let read = checklist::ChecklistAnswers::from_record(rec["body"].clone()).unwrap();
    assert_eq!(read.completeness().decided(), 2, "both answers merged");
    assert!(conflicts(&all).is_empty());
    // The same item answered differently without seeing the other: a conflict the team sees.
    let (_, r) = push(&app, &ben, DEVICE_B, vec![answer(2, items[0], "offen", Some(0))]).await;
    assert_eq!(r["rejected"], json!([]), "{r}");
    let all = pull_all(&app, &anna).await;
    let found = conflicts(&all);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["body"]["field"], checklist::answer_field(items[0]));
    // A record whose id does not fit its case is refused.
    let mut bad = answer(3, items[0], "erfuellt", None);
    bad["record_id"] = json!(format!("{}~checkliste", case_id(2)));
    let (_, r) = push(&app, &anna, DEVICE_A, vec![bad]).await;
    assert_eq!(r["rejected"].as_array().unwrap().len(), 1, "{r}");
});

/// Runs one statement directly on the test database (to tamper with it as an intruder would).
async fn raw_execute(app: &TestApp, sql: &str) {
    use sqlx::Connection;
    if app.database_url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
}

both!(the_audit_log_records_changes_and_device_events_as_a_verifiable_chain, |app: TestApp| async move {
    use server::audit::ChainError;

    let anna = app.login("anna").await;
    push(
        &app,
        &anna,
        DEVICE_A,
        vec![put_case(1, 31, "AZ 31", ""), put_fields(2, 31, json!({"note": "neu"}))],
    )
    .await;
    // Viewed and exported on the device while offline, reported with the next sync; a resend of the
    // same events is recorded once.
    let events = json!({"client_id": DEVICE_A, "events": [
        {"id": "e0000000-0000-4000-8000-000000000001", "at": "2026-11-24T08:15:00Z", "action": "case.view", "case_id": case_id(31)},
        {"id": "e0000000-0000-4000-8000-000000000002", "at": "2026-11-24T08:20:00Z", "action": "case.export", "case_id": case_id(31)},
    ]});
    for expected in [2, 0] {
        let res = anna.post(app.url("/api/v1/audit/events")).json(&events).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["recorded"], expected);
    }
    let bad = json!({"client_id": DEVICE_A, "events": [{"id": "e0000000-0000-4000-8000-000000000003", "at": "2026-11-24T08:20:00Z", "action": "case.delete_everything", "case_id": case_id(31)}]});
    let res = anna.post(app.url("/api/v1/audit/events")).json(&bad).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.json::<Value>().await.unwrap()["message_de"].as_str().unwrap().contains("ungültig"));

    // A Fachkraft may not read the log; the Teamleitung reads her team's.
    let res = anna.get(app.url("/api/v1/audit")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.json::<Value>().await.unwrap()["message_de"].as_str().unwrap().contains("Teamleitung"));
    let tanja = app.login("tanja").await;
    let log: Vec<Value> = tanja
        .get(app.url(&format!("/api/v1/audit?case_id={}", case_id(31))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["record.put", "record.put", "case.view", "case.export"]);
    assert!(log.iter().all(|e| e["actor"] == "3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000001"));
    assert_eq!(log[2]["device_at"], "2026-11-24T08:15:00Z");
    // Clara of team Süd sees none of it (her team's log has no entry of this case).
    let clara = app.login("clara").await;
    assert_eq!(clara.get(app.url("/api/v1/audit")).send().await.unwrap().status(), 403);

    // Intact chains verify; an edited row is found, with its position.
    let verdicts = app.db.audit_verify().await.unwrap();
    assert!(verdicts.iter().all(|(_, v)| v.is_ok()), "{verdicts:?}");
    let nord = log[0]["team_id"].as_str().unwrap().to_owned();
    let n = log[2]["n"].as_i64().unwrap();
    raw_execute(
        &app,
        &format!("UPDATE audit_log SET action = 'case.view' WHERE team_id = '{nord}' AND n = {}", n + 1),
    )
    .await;
    let verdicts = app.db.audit_verify().await.unwrap();
    let (_, v) = verdicts.iter().find(|(t, _)| *t == nord).unwrap();
    assert_eq!(v, &Err(ChainError::Edited { team: nord.clone(), n: n + 1 }));
    // A removed row is found too, even after the intruder fixed up the edited one.
    raw_execute(&app, &format!("DELETE FROM audit_log WHERE team_id = '{nord}' AND n = {}", n + 1)).await;
    let verdicts = app.db.audit_verify().await.unwrap();
    let (_, v) = verdicts.iter().find(|(t, _)| *t == nord).unwrap();
    assert!(matches!(v, Err(ChainError::Truncated { .. }) | Err(ChainError::Broken { .. })), "{v:?}");
});

/// A record in the server's archive of deleted case files: kind, body, keep-until.
async fn archived(app: &TestApp, id: &str) -> Option<(String, String, Option<String>)> {
    use sqlx::Connection;
    let sql = "SELECT kind, body, keep_until FROM archived_records WHERE id = $1";
    if app.database_url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
        sqlx::query_as(&sql.replace("$1", "?")).bind(id).fetch_optional(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
        sqlx::query_as(sql).bind(id).fetch_optional(&mut c).await.unwrap()
    }
}

both!(
    a_deleted_case_file_is_archived_until_seventy_years_after_the_thirtieth_birthday,
    |app: TestApp| async move {
        use server::db::CompactPolicy;
        let anna = app.login("anna").await;
        let mut case = put_case(1, 41, "AZ 41", "Akte");
        case["op"]["fields"]["schema"] = json!(2);
        case["op"]["fields"]["birth"] = json!("2014-05-03");
        let checklist = json!({"id": 2, "kind": "checklist", "record_id": format!("{}~checkliste", case_id(41)),
        "op": {"type": "put", "fields": {"schema": 1, "id": format!("{}~checkliste", case_id(41)), "case_id": case_id(41)}}});
        let (s, res) = push(&app, &anna, DEVICE_A, vec![case, checklist]).await;
        assert_eq!((s, res["rejected"].as_array().map(Vec::len)), (200, Some(0)), "{res}");
        let deletes = vec![
            json!({"id": 3, "kind": "checklist", "record_id": format!("{}~checkliste", case_id(41)), "op": {"type": "delete"}}),
            json!({"id": 4, "kind": "case", "record_id": case_id(41), "op": {"type": "delete"}}),
        ];
        let (s, res) = push(&app, &anna, DEVICE_A, deletes).await;
        assert_eq!((s, res["rejected"].as_array().map(Vec::len)), (200, Some(0)), "{res}");
        let nobody = CompactPolicy { active_since: "9".into(), deleted_before: "9".into() };
        let done = app.db.compact_tombstones(&nobody).await.unwrap();
        assert_eq!(done.iter().map(|c| c.removed).sum::<u64>(), 2, "{done:?}");
        let (_, body, keep_until) = archived(&app, &case_id(41)).await.expect("case archived");
        assert!(body.contains("AZ 41"));
        assert_eq!(keep_until.as_deref(), Some("2114-05-03"));
        let (kind, _, keep_until) =
            archived(&app, &format!("{}~checkliste", case_id(41))).await.expect("its checklist archived");
        assert_eq!((kind.as_str(), keep_until), ("checklist", None), "parts go with their case");
    }
);
