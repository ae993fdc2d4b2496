//! Passgenau's server: serves the app shell (Leptos SSR) and its build assets, the service worker,
//! authentication, the versioned sync API, the audit log, the administration and the provider
//! profile over SQLite or PostgreSQL. Every route checks the caller's role through
//! `passgenau_domain::roles`.

pub mod admin;
pub mod admin_api;
pub mod audit;
pub mod audit_api;
pub mod auth;
pub mod compact;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod profile_api;
pub mod security;
pub mod sw;
pub mod sync_api;
pub mod throttle;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

pub use config::Config;
use db::Db;

/// Largest request body any route accepts (a push of 1000 mutations fits easily).
pub const BODY_LIMIT_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    /// The generated service worker of the build being served.
    pub service_worker: Arc<String>,
    /// The script that starts the app (`/boot.js`): a file, so the CSP needs no inline script for it.
    pub boot_script: Arc<String>,
    /// Bounds concurrent password checks (argon2id needs ~19 MiB each).
    pub password_checks: Arc<tokio::sync::Semaphore>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

/// Leptos options for the built site in `config.site_root`. Hashed file names are used when
/// cargo-leptos wrote `hash.txt` beside this executable (a `cargo leptos build` with `hash-files`).
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let hashed = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("hash.txt").exists()))
        .unwrap_or(false);
    LeptosOptions::builder()
        .output_name("passgenau")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .hash_files(hashed)
        .build()
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        let leptos_options = leptos_options(&config);
        let boot_script = app::boot_script(&leptos_options);
        let service_worker = sw::build(&config.site_root, &[("/boot.js", &boot_script)]).unwrap_or_else(|e| {
            tracing::warn!(error = %e, site_root = %config.site_root.display(), "cannot read the built site; service worker caches only the shell");
            sw::shell_only()
        });
        auth::warm_dummy_hash();
        AppState {
            db,
            config: Arc::new(config),
            leptos_options,
            service_worker: Arc::new(service_worker),
            boot_script: Arc::new(boot_script),
            password_checks: Arc::new(tokio::sync::Semaphore::new(4)),
        }
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    let backend = match state.db.backend() {
        db::Backend::Sqlite => "sqlite",
        db::Backend::Postgres => "postgres",
    };
    match state.db.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok", "database": backend})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "database": backend})),
            )
                .into_response()
        }
    }
}

async fn service_worker(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        state.service_worker.as_str().to_owned(),
    )
        .into_response()
}

async fn boot_script(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        state.boot_script.as_str().to_owned(),
    )
        .into_response()
}

/// Headers of the site's files.
///
/// The chunk loader of the lazily loaded pages (`/pkg/__wasm_split.<hash>.js`, `cargo leptos build
/// --split`) names the main module and the chunks of its build, but cargo-leptos hashes the loader's
/// name before it writes those names in: the same name can stand for different builds. So it is
/// never cached by heuristics (`no-cache`). leptos_axum's file handler passes only
/// `Accept-Encoding` on, not `If-Modified-Since`, so each use fetches it again (about 7 KB brotli);
/// under the service worker it comes from the worker's cache of its own build.
///
/// A precompressed file (`<file>.br`, `.gz` of the release build) goes out with its
/// `Content-Encoding` but without `Vary`, which only the on-the-fly compression adds: a shared cache
/// could then hand brotli bytes to a client that cannot read them.
async fn site_file_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let loader = req.uri().path().starts_with("/pkg/__wasm_split.");
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if loader {
        headers.insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-cache"));
    }
    if headers.contains_key(header::CONTENT_ENCODING) && !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, axum::http::HeaderValue::from_static("accept-encoding"));
    }
    res
}

async fn api_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({"error": "not_found", "message": "no such API route", "message_de": "Diese Schnittstelle gibt es nicht."})),
    )
        .into_response()
}

/// A route of [`ROUTES`]: method, full path and handler.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    handler: fn() -> MethodRouter<AppState>,
}

const API_PREFIX: &str = "/api/v1";

/// Every route `router()` registers besides the page routes ([`page_routes`]) and the fallbacks
/// (API 404, static files). The router is built from this list only; `tests/authz.rs` checks every
/// entry against every kind of caller and fails when an entry has no row in its matrix.
pub const ROUTES: &[Route] = &[
    Route { method: "POST", path: "/api/v1/auth/login", handler: || post(auth::login) },
    Route { method: "POST", path: "/api/v1/auth/logout", handler: || post(auth::logout) },
    Route { method: "GET", path: "/api/v1/auth/me", handler: || get(auth::me) },
    Route { method: "POST", path: "/api/v1/sync/push", handler: || post(sync_api::push) },
    Route { method: "GET", path: "/api/v1/sync/pull", handler: || get(sync_api::pull) },
    Route { method: "POST", path: "/api/v1/audit/events", handler: || post(audit_api::record_events) },
    Route { method: "GET", path: "/api/v1/audit", handler: || get(audit_api::read_log) },
    Route { method: "GET", path: "/api/v1/catalog", handler: || get(admin_api::current_catalog) },
    Route { method: "GET", path: "/api/v1/providers/profile", handler: || get(profile_api::read_profile) },
    Route { method: "GET", path: "/api/v1/admin/users", handler: || get(admin_api::list_users) },
    Route { method: "POST", path: "/api/v1/admin/users", handler: || post(admin_api::create_user) },
    Route { method: "POST", path: "/api/v1/admin/users/{id}", handler: || post(admin_api::update_user) },
    Route { method: "GET", path: "/api/v1/admin/teams", handler: || get(admin_api::list_teams) },
    Route { method: "POST", path: "/api/v1/admin/teams", handler: || post(admin_api::create_team) },
    Route { method: "POST", path: "/api/v1/admin/teams/{id}", handler: || post(admin_api::rename_team) },
    Route { method: "POST", path: "/api/v1/admin/catalog", handler: || post(admin_api::update_catalog) },
    Route { method: "GET", path: "/healthz", handler: || get(healthz) },
    Route { method: "GET", path: "/sw.js", handler: || get(service_worker) },
    Route { method: "GET", path: "/boot.js", handler: || get(boot_script) },
];

/// The paths of the app's pages (`app::App`), served as the same shell to everyone.
pub fn page_routes() -> Vec<String> {
    generate_route_list(app::App).iter().map(|r| r.path().to_owned()).collect()
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let mut api = Router::new();
    let mut top = Router::new();
    for r in ROUTES {
        match r.path.strip_prefix(API_PREFIX) {
            Some(path) => api = api.route(path, (r.handler)()),
            None => top = top.route(r.path, (r.handler)()),
        }
    }
    let api = api
        .fallback(api_not_found)
        // Case data must not stay in any HTTP cache, on the device or on the way.
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        ));
    let routes = generate_route_list(app::App);
    let opts = state.leptos_options.clone();
    let mut router = top
        .nest(API_PREFIX, api)
        .leptos_routes(&state, routes, move || app::shell(opts.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        .layer(axum::middleware::from_fn(site_file_headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CompressionLayer::new());
    for layer in security::layers(state.config.secure_cookies) {
        router = router.layer(layer);
    }
    router.with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address is the client address for login throttling (see `throttle::client_ip`).
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
