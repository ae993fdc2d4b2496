//! A baseline of security headers on every response.

use axum::http::{header, HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

/// Content-Security-Policy of the app. Inline scripts are still allowed because Leptos' hydration
/// bootstrap is an inline module script; replacing that with a hash or nonce is tracked in issue 6.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub fn layers() -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let h = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    vec![
        h(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        h(header::X_FRAME_OPTIONS, "DENY"),
        h(header::REFERRER_POLICY, "no-referrer"),
        h(header::CONTENT_SECURITY_POLICY, CSP),
        h(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"),
        h(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ]
}
