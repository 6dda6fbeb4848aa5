//! What every answer tells the browser about itself: a Content Security
//! Policy that allows exactly what Kassa's pages load, no framing by other
//! sites, no MIME sniffing, no referrer to other origins, and no caching
//! of anything but the bundle. The bundle's own files get only what applies
//! to a file (no sniffing, caching, HSTS). The simulator (standing in for
//! Klarna) is left alone: it is not Kassa's page.

use crate::config::{origin_of, Config, Environment};
use crate::ui::site::{is_bundle_file, SiteFiles, UNDER_WATCH};
use app::response_hints::{PageScripts, ResponseHints};
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The policies, worked out once from the config.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    /// Where Klarna's frames and images come from.
    klarna_sources: String,
    frame_ancestors: String,
    /// Only when the ancestors are `'none'` (old browsers' X-Frame-Options).
    deny_frames: bool,
    https: bool,
    /// `cargo leptos watch` reloads pages over a websocket.
    dev_reload: bool,
}

impl SecurityHeaders {
    pub fn from_config(config: &Config) -> SecurityHeaders {
        let klarna_sources = match (&config.klarna.environment, &config.klarna.base_url) {
            // The embedded simulator is served by Kassa: its own origin, as the
            // page sees it and as public_url names it.
            (Environment::Simulator, None) => format!("'self' {}", config.public_origin()),
            (Environment::Simulator, Some(base)) => format!("'self' {}", origin_of(base)),
            // Klarna's payment pages and Distribution Module live under klarna.com
            // (pay.klarna.com, payment-eu.playground.klarna.com, ...).
            _ => "https://*.klarna.com".to_string(),
        };
        let frame_ancestors = config.security.frame_ancestors.join(" ");
        SecurityHeaders {
            klarna_sources,
            deny_frames: frame_ancestors == "'none'",
            frame_ancestors,
            https: config.public_url.starts_with("https://"),
            dev_reload: *UNDER_WATCH,
        }
    }

    /// A page's policy: its own scripts and the inline hydration scripts
    /// that carry this response's nonce, WebAssembly, Klarna's frames.
    pub fn page_policy(&self, nonce: &str) -> String {
        let connect = if self.dev_reload { "'self' ws:" } else { "'self'" };
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data: {k}; frame-src {k}; connect-src {connect}; form-action 'self'; \
             base-uri 'none'; object-src 'none'; frame-ancestors {fa}",
            k = self.klarna_sources,
            fa = self.frame_ancestors,
        )
    }

    /// A page that runs no script (the sign-in, the shop's cart): its
    /// stylesheet, its images and its forms posting to Kassa, nothing else.
    /// A browser checks a form's redirects too, so the shop's, answered with
    /// Klarna's payment page, may also lead there.
    fn scriptless_page_policy(&self, form_to_klarna: bool) -> String {
        let forms = match form_to_klarna {
            true if self.klarna_sources.starts_with("'self'") => self.klarna_sources.clone(),
            true => format!("'self' {}", self.klarna_sources),
            false => "'self'".to_string(),
        };
        format!(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action {forms}; base-uri 'none'; \
             frame-ancestors {}",
            self.frame_ancestors
        )
    }

    /// Everything that is not an app page (JSON, streams, files, the plain
    /// checkout notices) runs nothing; a plain page may use the stylesheet.
    fn default_policy(&self) -> String {
        format!(
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
             frame-ancestors {}",
            self.frame_ancestors
        )
    }
}

/// Payments, sessions and kiosk screens must never come from a cache. The
/// site's files may: for good when their names carry their content's hash
/// (a new build has new names), else only after asking whether they
/// changed, so an upgrade reaches every browser at once. A file that is not
/// there is not remembered at all: during a rolling upgrade an old instance
/// may not have a new build's file yet.
fn cache_control(path: &str, status: StatusCode, hashed_site: bool) -> &'static str {
    let bundle_file = is_bundle_file(path);
    let site_file = bundle_file || path == "/favicon.svg";
    let served = status.is_success() || status == StatusCode::NOT_MODIFIED;
    match (site_file && served, hashed_site && bundle_file) {
        (true, true) => "public, max-age=31536000, immutable",
        (true, false) => "no-cache",
        (false, _) => "no-store",
    }
}

/// Adds the headers to every answer Kassa gives (not the simulator's).
pub async fn add(policy: Arc<SecurityHeaders>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let hints = ResponseHints::default();
    request.extensions_mut().insert(hints.clone());
    let hashed_site = request.extensions().get::<Arc<SiteFiles>>().is_some_and(|site| site.hashed);
    let mut response = next.run(request).await;
    let status = response.status();
    if path.starts_with(super::SIMULATOR_PREFIX) {
        return response;
    }
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &str| {
        if let (false, Ok(value)) = (headers.contains_key(&name), HeaderValue::from_str(value)) {
            headers.insert(name, value);
        }
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if policy.https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    set(header::CACHE_CONTROL, cache_control(&path, status, hashed_site));
    // The bundle's files (wasm, scripts, the stylesheet) are never a
    // document, and a document's policies say nothing about them: on plain
    // HTTP/1.1, as many stores reach Kassa, they would only cost a third of
    // a kilobyte per file on every page load.
    if is_bundle_file(&path) {
        return response;
    }
    let content_policy = match hints.page_scripts() {
        Some(PageScripts::Nonce(nonce)) => policy.page_policy(nonce),
        Some(PageScripts::None) => policy.scriptless_page_policy(false),
        Some(PageScripts::NoneFormToKlarna) => policy.scriptless_page_policy(true),
        None => policy.default_policy(),
    };
    set(header::CONTENT_SECURITY_POLICY, &content_policy);
    set(header::REFERRER_POLICY, "same-origin");
    set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if policy.deny_frames {
        set(header::X_FRAME_OPTIONS, "DENY");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(env: &[(&str, &str)]) -> Config {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::parse(include_str!("../../../kassa.toml"), &env).unwrap()
    }

    /// One route behind the header layer, answering what `answer` makes of
    /// the request's hints.
    async fn through_the_layer(answer: fn(&ResponseHints) -> axum::http::StatusCode) -> Response {
        through_the_layer_at("/page", answer).await
    }

    async fn through_the_layer_at(path: &str, answer: fn(&ResponseHints) -> axum::http::StatusCode) -> Response {
        use axum::extract::Extension;
        use tower::ServiceExt;
        let policy = Arc::new(SecurityHeaders::from_config(&config(&[])));
        let router = axum::Router::new()
            .route(
                path,
                axum::routing::get(move |Extension(hints): Extension<ResponseHints>| async move { answer(&hints) }),
            )
            .layer(axum::middleware::from_fn(move |request, next| add(policy.clone(), request, next)));
        let request = axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap();
        router.oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn a_page_gets_the_policy_naming_its_nonce_and_any_other_answer_runs_nothing() {
        let page = through_the_layer(|hints| {
            hints.record(PageScripts::Nonce("n0nce".into()));
            axum::http::StatusCode::OK
        })
        .await;
        let policy = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.contains("'nonce-n0nce'"), "{policy}");

        let plain = through_the_layer(|_| axum::http::StatusCode::OK).await;
        let policy = plain.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.starts_with("default-src 'none'"), "no nonce, no scripts: {policy}");
        assert!(policy.contains("form-action 'none'"), "{policy}");
    }

    #[tokio::test]
    async fn the_bundles_files_carry_only_what_applies_to_a_file() {
        let file = through_the_layer_at("/pkg/kassa.abc.wasm", |_| axum::http::StatusCode::OK).await;
        let headers = file.headers();
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "no hashed site in this test");
        for document_only in ["content-security-policy", "x-frame-options", "permissions-policy", "referrer-policy"] {
            assert!(!headers.contains_key(document_only), "{document_only} on a file");
        }
        let page = through_the_layer(|_| axum::http::StatusCode::OK).await;
        for name in
            ["content-security-policy", "x-frame-options", "x-content-type-options", "cross-origin-opener-policy"]
        {
            assert!(page.headers().contains_key(name), "{name} on a page");
        }
    }

    #[tokio::test]
    async fn a_page_that_runs_no_script_may_post_its_forms_and_run_nothing() {
        let page = through_the_layer(|hints| {
            hints.record(PageScripts::None);
            axum::http::StatusCode::OK
        })
        .await;
        let policy = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.starts_with("default-src 'none'; style-src 'self'"), "{policy}");
        assert!(policy.contains("form-action 'self'") && !policy.contains("script-src"), "{policy}");
        assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");

        // The shop's cart: its answer goes on to Klarna, which must be let through.
        let cart = through_the_layer(|hints| {
            hints.record(PageScripts::NoneFormToKlarna);
            axum::http::StatusCode::OK
        })
        .await;
        let policy = cart.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.contains("form-action 'self' http://127.0.0.1:3000;"), "the simulator's origin: {policy}");
        let klarna = SecurityHeaders {
            klarna_sources: "https://*.klarna.com".into(),
            ..SecurityHeaders::from_config(&config(&[]))
        };
        assert!(klarna.scriptless_page_policy(true).contains("form-action 'self' https://*.klarna.com;"));
        assert!(
            klarna.scriptless_page_policy(false).contains("form-action 'self';"),
            "the sign-in posts to Kassa only"
        );
        assert!(!policy.contains("script-src"), "{policy}");
    }

    #[test]
    fn the_bundle_is_kept_for_good_only_when_its_names_carry_hashes_and_nothing_else_is_kept() {
        let ok = StatusCode::OK;
        assert_eq!(cache_control("/pkg/chunk_8.AbC.wasm", ok, true), "public, max-age=31536000, immutable");
        assert_eq!(
            cache_control("/pkg/kassa.AbC.js", StatusCode::NOT_MODIFIED, true),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            cache_control("/kiosk-bundle/pkg/kiosk.AbC.wasm", ok, true),
            "public, max-age=31536000, immutable",
            "the kiosk's bundle as the seller's"
        );
        assert_eq!(cache_control("/pkg/kassa.wasm", ok, false), "no-cache", "unhashed: asked again at every use");
        assert_eq!(cache_control("/favicon.svg", ok, true), "no-cache");
        assert_eq!(
            cache_control("/pkg/kassa.Old.js", StatusCode::NOT_FOUND, true),
            "no-store",
            "a missing file is not kept"
        );
        for page in ["/seller", "/kiosk", "/api/v1/payments", "/seller/sign-in"] {
            assert_eq!(cache_control(page, ok, true), "no-store", "{page}");
        }
    }

    #[test]
    fn the_page_policy_allows_the_nonce_wasm_and_klarnas_frames_only() {
        let headers = SecurityHeaders::from_config(&config(&[]));
        let policy = headers.page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"), "{policy}");
        assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
        assert!(policy.contains("frame-src 'self' http://127.0.0.1:3000;"), "{policy}");
        assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
        assert!(headers.deny_frames && !headers.https);
    }

    #[test]
    fn live_klarna_frames_come_from_klarna_and_a_store_may_embed_the_till() {
        let external =
            [("KASSA__KLARNA__BASE_URL", "http://127.0.0.1:4010"), ("KLARNA_USERNAME", "u"), ("KLARNA_PASSWORD", "p")];
        let headers = SecurityHeaders::from_config(&config(&external));
        assert!(headers.page_policy("n").contains("frame-src 'self' http://127.0.0.1:4010;"));
        let mut embedded = config(&[]);
        embedded.klarna.environment = Environment::Production;
        embedded.security.frame_ancestors = vec!["https://pos.example.com".into()];
        embedded.public_url = "https://kassa.example.com".into();
        let headers = SecurityHeaders::from_config(&embedded);
        let policy = headers.page_policy("n");
        assert!(policy.contains("frame-src https://*.klarna.com;"), "{policy}");
        assert!(policy.ends_with("frame-ancestors https://pos.example.com"), "{policy}");
        assert!(!headers.deny_frames && headers.https);
    }
}
