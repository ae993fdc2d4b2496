//! Login throttling against the real server and database, SQLite and PostgreSQL (`server::throttle`):
//! the default policy locks a username after 5 failures within 15 minutes for 15 minutes, and a
//! client address after 20; the counts live in the database and are shared by server processes.

mod common;

use std::time::Duration;

use serde_json::{json, Value};

use common::TestApp;

const RIGHT: &str = server::demo::DEMO_PASSWORD;
const LOCKED_DE: &str = "Zu viele Fehlversuche. Bitte versuchen Sie es in 15 Minuten erneut.";

async fn login_via(
    app: &TestApp,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> (u16, Option<i64>, Value) {
    let mut req = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}));
    if let Some(addr) = forwarded_for {
        req = req.header("x-forwarded-for", addr);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().parse::<i64>().unwrap());
    (status, retry_after, res.json().await.unwrap_or(Value::Null))
}

async fn login(app: &TestApp, username: &str, password: &str) -> (u16, Option<i64>, Value) {
    login_via(app, username, password, None).await
}

/// Fails `n` times for `username` and checks each answer is a plain 401.
async fn fail(app: &TestApp, username: &str, n: usize) {
    for i in 1..=n {
        let (status, retry, body) = login(app, username, "falsch").await;
        assert_eq!((status, retry), (401, None), "failure {i} of {username}: {body}");
        assert_eq!(body["error"], "bad_credentials");
    }
}

fn assert_locked(res: &(u16, Option<i64>, Value), max_secs: i64, what: &str) {
    let (status, retry, body) = res;
    assert_eq!(*status, 429, "{what}: {body}");
    let retry = retry.unwrap_or_else(|| panic!("{what}: 429 without Retry-After"));
    assert!(retry >= 1 && retry <= max_secs, "{what}: Retry-After {retry}");
    assert_eq!(body["error"], "too_many_attempts", "{what}");
    assert!(body["message_de"].as_str().unwrap().starts_with("Zu viele Fehlversuche."), "{what}: {body}");
}

/// The stored throttle keys, read straight from the database.
async fn stored_keys(app: &TestApp) -> Vec<String> {
    use sqlx::Connection;
    let sql = "SELECT throttle_key FROM login_throttle";
    let rows: Vec<(String,)> = if app.database_url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
    };
    rows.into_iter().map(|r| r.0).collect()
}

both!(five_failures_lock_the_username_even_for_the_right_password, |app: TestApp| async move {
    fail(&app, "anna", 4).await;
    let fifth = login(&app, "anna", "falsch").await;
    assert_locked(&fifth, 900, "fifth failure");
    assert!(fifth.1.unwrap() > 890, "the lock lasts 15 minutes");
    assert_eq!(fifth.2["message_de"], LOCKED_DE);
    assert_locked(&login(&app, "anna", RIGHT).await, 900, "right password while locked");
    assert_locked(&login(&app, " ANNA ", RIGHT).await, 900, "a spelling variant of the username");
    // Another user (from the same address, 5 of 20 failures) logs in as usual.
    assert_eq!(login(&app, "ben", RIGHT).await.0, 200);
    // Only hashes are stored: no username and no address in clear.
    let keys = stored_keys(&app).await;
    assert_eq!(keys.len(), 2, "one key for anna, one for the address: {keys:?}");
    for k in keys {
        assert!(k.len() == 64 && k.chars().all(|c| c.is_ascii_hexdigit()), "{k}");
    }
});

/// Another server process on the same database that locks a username after 3 failures: the tests
/// below need fewer (slow, argon2id) password checks. The default of 5 is tested above.
async fn strict(app: &TestApp, lock_secs: i64) -> TestApp {
    app.spawn_node(|c| {
        c.login_throttle.max_failures_per_user = 3;
        c.login_throttle.lock_secs = lock_secs;
    })
    .await
}

both!(unknown_usernames_are_locked_exactly_like_known_ones, |app: TestApp| async move {
    let node = strict(&app, 900).await;
    let mut answers = Vec::new();
    for name in ["clara", "niemand"] {
        fail(&node, name, 2).await;
        let locked = login(&node, name, "falsch").await;
        assert_locked(&locked, 900, name);
        let again = login(&node, name, RIGHT).await;
        assert_locked(&again, 900, name);
        answers.push((locked.0, locked.2, again.0, again.2));
    }
    assert_eq!(answers[0], answers[1], "the answers do not tell an existing user from a missing one");
});

both!(a_successful_login_resets_the_username_count, |app: TestApp| async move {
    let node = strict(&app, 900).await;
    fail(&node, "anna", 2).await;
    assert_eq!(login(&node, "anna", RIGHT).await.0, 200);
    fail(&node, "anna", 2).await;
    assert_locked(&login(&node, "anna", "falsch").await, 900, "the third failure after the reset");
});

both!(the_lock_ends_after_its_period, |app: TestApp| async move {
    let fast = strict(&app, 2).await;
    fail(&fast, "anna", 2).await;
    assert_locked(&login(&fast, "anna", "falsch").await, 2, "third failure");
    assert_locked(&login(&fast, "anna", RIGHT).await, 2, "right password while locked");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(login(&fast, "anna", RIGHT).await.0, 200, "the lock has ended");
    // And counting starts afresh.
    fail(&fast, "anna", 2).await;
});

both!(two_server_processes_share_the_count, |app: TestApp| async move {
    let (one, two) = (strict(&app, 900).await, strict(&app, 900).await);
    for (i, node) in [&one, &two].into_iter().enumerate() {
        let (status, _, body) = login(node, "anna", "falsch").await;
        assert_eq!(status, 401, "failure {}: {body}", i + 1);
    }
    assert_locked(&login(&one, "anna", "falsch").await, 900, "third failure, back on the first node");
    for (name, node) in [("first", &one), ("second", &two), ("third, with the default policy", &app)] {
        assert_locked(&login(node, "anna", RIGHT).await, 900, name);
    }
});

both!(parallel_guesses_on_two_processes_are_counted_exactly, |app: TestApp| async move {
    let one = std::sync::Arc::new(strict(&app, 900).await);
    let two = std::sync::Arc::new(strict(&app, 900).await);
    let mut tasks = Vec::new();
    // Eight at once: every one gets a password-check permit (four per process) at the same time.
    for i in 0..8 {
        let node = if i % 2 == 0 { one.clone() } else { two.clone() };
        tasks.push(tokio::spawn(async move { login(&node, "ben", "falsch").await.0 }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 2, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
    assert_locked(&login(&one, "ben", RIGHT).await, 900, "after the burst");
    assert_locked(&login(&two, "ben", RIGHT).await, 900, "after the burst");
});

both!(a_client_address_is_locked_across_usernames, |app: TestApp| async move {
    // Behind a trusted proxy the address comes from X-Forwarded-For (the last entry).
    let proxied = app
        .spawn_node(|c| {
            c.trust_proxy = true;
            c.login_throttle.max_failures_per_ip = 3;
        })
        .await;
    let from = |addr: &'static str| Some(addr);
    for name in ["u1", "u2"] {
        assert_eq!(login_via(&proxied, name, "x", from("10.1.1.1, 203.0.113.7")).await.0, 401);
    }
    let third = login_via(&proxied, "u3", "x", from("203.0.113.7")).await;
    assert_locked(&third, 900, "third failure from one address");
    assert_locked(
        &login_via(&proxied, "anna", RIGHT, from("203.0.113.7")).await,
        900,
        "anna from that address",
    );
    assert_eq!(login_via(&proxied, "anna", RIGHT, from("198.51.100.1")).await.0, 200, "another address");

    // Without a trusted proxy the header is ignored: changing it does not escape the count.
    let direct = app
        .spawn_node(|c| {
            c.login_throttle.max_failures_per_ip = 3;
        })
        .await;
    for (name, addr) in [("v1", "192.0.2.1"), ("v2", "192.0.2.2")] {
        assert_eq!(login_via(&direct, name, "x", from(addr)).await.0, 401);
    }
    assert_locked(&login_via(&direct, "v3", "x", from("192.0.2.3")).await, 900, "spoofed header");
    assert_locked(&login_via(&direct, "clara", RIGHT, from("192.0.2.4")).await, 900, "clara, same peer");
});
