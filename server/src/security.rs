//! A baseline of security headers on every response.

use axum::http::{header, HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

/// HSTS for deployments behind TLS (`PASSGENAU_SECURE_COOKIES=1`): browsers then refuse plain HTTP.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The headers on every response; `tls` adds HSTS.
pub fn layers(tls: bool) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let h = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let mut v = vec![
        h(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        h(header::X_FRAME_OPTIONS, "DENY"),
        h(header::REFERRER_POLICY, "no-referrer"),
        SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&app::content_security_policy(None)).expect("CSP is a valid header"),
        ),
        h(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"),
        h(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    if tls {
        v.push(h(header::STRICT_TRANSPORT_SECURITY, HSTS));
    }
    v
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request, routing::get, Router};
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn hsts_is_sent_only_behind_tls() {
        for tls in [false, true] {
            let mut r = Router::new().route("/", get(|| async { "x" }));
            for l in layers(tls) {
                r = r.layer(l);
            }
            let res = r.oneshot(Request::get("/").body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(
                res.headers().get("strict-transport-security").map(|v| v.to_str().unwrap()),
                tls.then_some(HSTS)
            );
            assert!(!res.headers()["content-security-policy"].to_str().unwrap().contains("unsafe-inline"));
        }
    }
}
