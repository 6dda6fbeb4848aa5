//! Cross-site request forgery: a browser's state-changing request (server
//! functions, sign-in, kiosk enrolment) must come from Kassa's own pages.
//! SameSite cookies alone are not enough (same-site subdomains, older
//! browsers); browsers say where a request comes from in `Sec-Fetch-Site`
//! and `Origin`, and a request that says "another site" is refused.
//!
//! The JSON API (a bearer key, no cookies) and Klarna's callbacks (a secret
//! in the URL) are not browser doors and are left to their own checks.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Where Kassa's pages are served from, as `public_url` names it.
#[derive(Clone, Debug)]
pub struct OwnOrigin(pub String);

pub async fn check(own: Arc<OwnOrigin>, request: Request, next: Next) -> Response {
    let (method, path, headers) = (request.method(), request.uri().path(), request.headers());
    let exempt =
        path.starts_with("/api/v1/") || path.starts_with("/klarna/") || path.starts_with(super::SIMULATOR_PREFIX);
    let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    // Enrolment is a GET that sets a cookie: a link on another site must not do it.
    let enrols = path.starts_with("/kiosk/") && !path.starts_with("/kiosk/fn/") && path != "/kiosk/events";
    if !exempt && (changes_state || enrols) && !from_own_pages(headers, &own.0, changes_state) {
        tracing::warn!(%path, "cross-site request refused");
        let message = "Refused: this request came from another site. Use Kassa's own pages.";
        return (StatusCode::FORBIDDEN, message).into_response();
    }
    next.run(request).await
}

/// Whether the browser says the request comes from Kassa's own pages (or
/// from no page at all: a typed address, a bookmark, a non-browser client).
fn from_own_pages(headers: &HeaderMap, own_origin: &str, changes_state: bool) -> bool {
    let text = |name| headers.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return match site {
            "same-origin" => true,
            // Typed or bookmarked: fine for a navigation, never sent with a post.
            "none" => !changes_state,
            _ => false,
        };
    }
    match text(header::ORIGIN.as_str()) {
        // Older browsers: the Origin must be ours, as configured or as the
        // browser reached us (a store's LAN name).
        Some(origin) => {
            let host = text(header::HOST.as_str()).unwrap_or_default();
            origin == own_origin
                || origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) == Some(host)
        }
        // No browser marks at all: not a browser (curl, a POS), which has no
        // cookies of ours to abuse.
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    const OWN: &str = "http://127.0.0.1:3000";

    #[test]
    fn only_kassas_own_pages_may_change_things() {
        assert!(from_own_pages(&headers(&[("sec-fetch-site", "same-origin")]), OWN, true));
        assert!(!from_own_pages(&headers(&[("sec-fetch-site", "cross-site")]), OWN, true));
        assert!(!from_own_pages(&headers(&[("sec-fetch-site", "same-site")]), OWN, true));
        assert!(!from_own_pages(&headers(&[("sec-fetch-site", "none")]), OWN, true));
        assert!(from_own_pages(&headers(&[("sec-fetch-site", "none")]), OWN, false), "a typed enrolment link");
        assert!(from_own_pages(&headers(&[("origin", OWN)]), OWN, true));
        let lan = [("origin", "http://kassa.test:3000"), ("host", "kassa.test:3000")];
        assert!(from_own_pages(&headers(&lan), OWN, true), "the store's LAN name");
        assert!(!from_own_pages(
            &headers(&[("origin", "https://evil.example"), ("host", "kassa.test:3000")]),
            OWN,
            true
        ));
        assert!(!from_own_pages(&headers(&[("origin", "null")]), OWN, true));
        assert!(from_own_pages(&headers(&[]), OWN, true), "no browser, no cookies to abuse");
    }
}
