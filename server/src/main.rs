//! `server [serve] [--demo]`: runs Passgenau. Errors end in one line on stderr and a non-zero exit.

use std::process::ExitCode;

use anyhow::Context;
use server::config::redact_url;
use server::{db, demo, AppState, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = Config::from_env()?;
    match args.first().map(String::as_str) {
        None | Some("serve") | Some("--demo") => {}
        Some("create-admin") => return create_admin(&config, &args[1..]).await,
        Some("compact") => return compact(&config).await,
        Some("audit-verify") => return audit_verify(&config).await,
        Some("-h") | Some("--help") => {
            println!("usage: server [serve] [--demo]\n       server create-admin --username NAME --team TEAM [--display-name NAME]  (password on stdin)\n       server compact  (remove tombstones no active device needs; the server also does this hourly)\n       server audit-verify  (check every team's audit hash chain; exit code 1 if one is broken)\n\nenvironment: DATABASE_URL, PASSGENAU_ADDR, LEPTOS_SITE_ROOT, PASSGENAU_SECURE_COOKIES, PASSGENAU_DEMO, PASSGENAU_TRUST_PROXY, PASSGENAU_LOGIN_MAX_FAILURES, PASSGENAU_LOGIN_MAX_FAILURES_PER_IP, PASSGENAU_LOGIN_WINDOW_SECS, PASSGENAU_LOGIN_LOCK_SECS, PASSGENAU_ACTIVE_DEVICE_DAYS, PASSGENAU_TOMBSTONE_DAYS, RUST_LOG");
            return Ok(());
        }
        Some(other) => anyhow::bail!("unknown command {other:?} (try --help)"),
    }
    if args.iter().any(|a| a == "--demo") {
        config.demo = true;
    }
    let url = redact_url(&config.database_url);
    let db =
        db::connect(&config.database_url).await.with_context(|| format!("cannot open database {url}"))?;
    tracing::info!(database = %url, "database ready");
    if config.demo && demo::seed_if_empty(&db).await.context("cannot seed demo data")? {
        tracing::info!(
            "seeded demo data (users anna, ben, tanja, adele, clara; password {})",
            demo::DEMO_PASSWORD
        );
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    server::compact::spawn_periodic(db.clone(), config.compact);
    server::db::spawn_checkpoints(db.clone());
    server::serve(listener, AppState::new(db, config), shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn create_admin(config: &Config, args: &[String]) -> anyhow::Result<()> {
    let parsed = server::admin::parse_args(args)?;
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).context("cannot read the password from stdin")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let url = redact_url(&config.database_url);
    let db =
        db::connect(&config.database_url).await.with_context(|| format!("cannot open database {url}"))?;
    server::admin::create_admin(&db, &parsed, password).await?;
    println!("created admin {:?} in team {:?}", parsed.username, parsed.team);
    Ok(())
}

async fn compact(config: &Config) -> anyhow::Result<()> {
    let url = redact_url(&config.database_url);
    let db =
        db::connect(&config.database_url).await.with_context(|| format!("cannot open database {url}"))?;
    for c in server::compact::run_once(&db, &config.compact).await? {
        println!(
            "team {}: removed {} tombstones, compacted up to {}",
            c.team_id, c.removed, c.compacted_upto
        );
    }
    Ok(())
}

/// Checks every team's audit chain and prints each head, which an admin can note outside the server:
/// a chain rewritten from the start by someone with database access no longer ends in a noted head.
async fn audit_verify(config: &Config) -> anyhow::Result<()> {
    let url = redact_url(&config.database_url);
    let db =
        db::connect(&config.database_url).await.with_context(|| format!("cannot open database {url}"))?;
    let mut broken = 0;
    for (team, verdict) in db.audit_verify().await? {
        match verdict {
            Ok(n) => {
                let head =
                    db.audit_entries(&team, None).await?.last().map(|e| e.hash.clone()).unwrap_or_default();
                println!("team {team}: {n} entries, chain intact, head {head}");
            }
            Err(e) => {
                broken += 1;
                println!("BROKEN: {e}");
            }
        }
    }
    if broken > 0 {
        anyhow::bail!("{broken} audit chain(s) broken");
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
