//! Start-up: builds Kassa's state and router from a config file, serves
//! it, and stops cleanly (SIGTERM / Ctrl-C; SIGHUP reloads the config).

use crate::config::{Config, Environment};
use crate::http;
use crate::payments::PaymentService;
use crate::state::AppState;
use crate::storage::Storage;
use crate::ui::site::SiteFiles;
use klarna::client::ClientOptions;
use klarna::simulator::{Simulator, SimulatorConfig};
use klarna::{ApiBase, Credentials, KlarnaClient};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Runs Kassa with the config at `path` until it is told to stop.
pub async fn serve(path: &Path) -> Result<(), String> {
    let path = path.to_path_buf();
    let env: Vec<(String, String)> = std::env::vars().collect();
    let config = Arc::new(Config::load(&path, &env).map_err(|e| e.to_string())?);
    crate::telemetry::recorder();

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let options = ClientOptions {
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(config.klarna.timeout_seconds),
    };
    let (simulator, base, credentials) = match config.klarna.environment {
        Environment::Simulator if config.klarna.base_url.is_some() => {
            let base = ApiBase::Custom(config.klarna.base_url.clone().unwrap_or_default());
            let credentials = config.klarna.credentials.clone().ok_or("Klarna credentials are missing")?;
            (None, base, credentials)
        }
        Environment::Simulator => {
            // Fresh credentials each start: nothing to leak, nothing to configure.
            let credentials = Credentials::new("kassa-embedded", crate::crypto::random_hex(16));
            let simulator = Simulator::new(SimulatorConfig {
                username: credentials.username.clone(),
                password: credentials.password().to_string(),
                public_base: format!("{}{}", config.public_url, http::SIMULATOR_PREFIX),
                profiles: SimulatorConfig::default_profiles(),
            });
            let base = ApiBase::Custom(format!("http://{}{}", loopback(config.listen), http::SIMULATOR_PREFIX));
            (Some(simulator), base, credentials)
        }
        Environment::Playground | Environment::Production => {
            let region = config.klarna.region.region();
            let base = if config.klarna.environment == Environment::Playground {
                ApiBase::Playground(region)
            } else {
                ApiBase::Production(region)
            };
            let credentials = config.klarna.credentials.clone().ok_or("Klarna credentials are missing")?;
            (None, base, credentials)
        }
    };
    let klarna = KlarnaClient::new(&base, credentials, options).map_err(|e| e.to_string())?;
    let storage = match &config.database_url {
        Some(url) => Storage::open_postgres(url.expose())
            .await
            .map_err(|e| format!("cannot open the PostgreSQL database (database_url): {e}"))?,
        None => Storage::open(&config.data_dir)
            .await
            .map_err(|e| format!("cannot open the database in {}: {e}", config.data_dir.display()))?,
    };
    let service = Arc::new(PaymentService::new(klarna, config.clone(), storage));
    let state = AppState::new(service.clone());
    // Listening before reading any state: nothing another instance changes
    // from now on is missed by the kiosks restored or the screens served.
    service.clone().start_relay().await;
    let resumed = service.resume().await.map_err(|e| format!("cannot resume open payments: {e}"))?;
    if resumed > 0 {
        tracing::info!(resumed, data_dir = %config.data_dir.display(), "resumed open payments");
    }
    let kiosks = state.kiosks.restore().await.map_err(|e| format!("cannot restore the kiosks' screens: {e}"))?;
    if kiosks > 0 {
        tracing::info!(kiosks, "restored kiosk screens");
    }
    tokio::spawn(service.clone().run_tracker());
    reload_on_hangup(state.clone(), path.clone());

    let mut leptos = leptos::config::get_configuration(None).map_err(|e| e.to_string())?.leptos_options;
    leptos.site_addr = config.listen;
    let router = router(leptos, state, simulator.as_ref());

    announce(&config, simulator.is_some());
    // Graceful shutdown waits for open requests, but a till's live stream
    // never ends by itself: after SHUTDOWN_DRAIN Kassa stops anyway. Every
    // payment step is already on disk, and screens reconnect on their own.
    let stopping = Arc::new(tokio::sync::Notify::new());
    let signalled = stopping.clone();
    // The peer address feeds the per-client limits on failed sign-ins and keys.
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        signalled.notify_one();
    });
    tokio::select! {
        result = serve => result.map_err(|e| format!("server failed: {e}")),
        _ = async {
            stopping.notified().await;
            tokio::time::sleep(SHUTDOWN_DRAIN).await;
        } => {
            tracing::info!(drain_seconds = SHUTDOWN_DRAIN.as_secs(), "stopped; live streams still open were closed");
            Ok(())
        }
    }
}

/// Where everything is, for whoever started Kassa. With the simulator the
/// development sign-in and kiosk links too: they are published in the
/// README and refused anywhere else, so they are no secret.
fn announce(config: &Config, simulator: bool) {
    let url = &config.public_url;
    tracing::info!(klarna = %config.klarna.environment, "Kassa is running at {url}");
    tracing::info!("seller view {url}/seller; JSON API {url}/api/v1 (contract: {url}/api/v1/openapi.json)");
    tracing::info!("operations: {url}/healthz, {url}/readyz, {url}/metrics");
    if config.web_checkout.demo_shop {
        tracing::info!("demo web shop {url}/shop");
    }
    if simulator {
        tracing::info!("Klarna simulator {url}{}/ (shopper pages, /_sim control API)", http::SIMULATOR_PREFIX);
        tracing::info!(
            "sign in to the seller view as \"demo\" with password \"{}\"",
            crate::config::DEV_ASSOCIATE_PASSWORD
        );
        // Only the development keys are known here (the config holds hashes).
        for kiosk in &config.kiosks {
            if let Some(key) = crate::config::DEV_KIOSK_KEYS.iter().find(|key| kiosk.key_sha256.matches(key)) {
                tracing::info!("kiosk {}: {url}/kiosk/{}?key={key}", kiosk.id, kiosk.id);
            }
        }
    }
}

/// Every route Kassa serves: its own, the app's pages and, in simulator
/// mode, the embedded simulator; all behind the kiosk gate, the cross-site
/// check, the security headers and the body limit.
pub fn router(options: leptos::prelude::LeptosOptions, state: AppState, simulator: Option<&Simulator>) -> axum::Router {
    use axum::middleware::from_fn;
    let site = Arc::new(SiteFiles::read(&options));
    if let Some(problem) = &site.problem {
        tracing::error!("{problem}");
    }
    let mut router = http::routes(&state).merge(crate::ui::pages::routes(options, &state, &site));
    if let Some(simulator) = simulator {
        router = router.nest(http::SIMULATOR_PREFIX, simulator.router());
    }
    let config = state.payments.config();
    let own = Arc::new(http::origin::OwnOrigin(config.public_origin()));
    let payments = state.payments.clone();
    let trust_forwarded_for = config.security.trust_forwarded_for;
    let router = router
        .layer(from_fn(http::server_fns::refusal_status))
        .layer(axum::middleware::from_fn_with_state(state.kiosks.clone(), http::kiosks::gate))
        .layer(from_fn(move |request, next| http::origin::check(own.clone(), request, next)))
        .layer(from_fn(move |request, next| {
            // From the live config, so a reload's frame_ancestors apply at once.
            let policy = Arc::new(http::headers::SecurityHeaders::from_config(&payments.config()));
            http::headers::add(policy, request, next)
        }))
        // Pages that name the site's files (the stylesheet) find them here.
        .layer(axum::Extension(site.clone()))
        // Pages, JSON and unprecompressed files go out gzipped when the browser
        // takes it; live streams (SSE), images and tiny answers do not.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_REQUEST_BODY))
        .layer(from_fn(move |request, next| http::client::remember(trust_forwarded_for, request, next)));
    http::trace::layer(router)
}

/// The largest request body Kassa reads: a cart of 1,000 lines with long
/// names fits; anything bigger is refused (413) before it is read.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// How long a stopping Kassa lets open requests finish.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(10);

/// `kill -HUP` re-reads the config file and puts it in force if it is
/// valid; otherwise the reason is logged and the old one stays. Sessions of
/// associates it removed or gave a new password end.
fn reload_on_hangup(state: AppState, path: PathBuf) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            return;
        };
        while hangups.recv().await.is_some() {
            let env: Vec<(String, String)> = std::env::vars().collect();
            match Config::load(&path, &env) {
                Ok(new) => match state.payments.replace_config(new).await {
                    Ok(()) => {
                        crate::telemetry::config_reload("applied");
                        tracing::info!(path = %path.display(), "configuration reloaded");
                        match state.sellers.end_stale_sessions().await {
                            Ok(0) => {}
                            Ok(ended) => tracing::info!(ended, "sessions of removed or changed associates ended"),
                            Err(error) => tracing::error!(%error, "could not end stale sessions"),
                        }
                    }
                    Err(why) => {
                        crate::telemetry::config_reload("refused");
                        tracing::error!(%why, "configuration change refused; keeping the previous one");
                    }
                },
                Err(error) => {
                    crate::telemetry::config_reload("refused");
                    tracing::error!(%error, "configuration change refused; keeping the previous one");
                }
            }
        }
    });
    #[cfg(not(unix))]
    let _ = (state, path);
}

/// The address to reach our own listener at: loopback when bound to all.
fn loopback(listen: SocketAddr) -> SocketAddr {
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    addr
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::StartRequest;
    use crate::testing::{cart_of, service_on_simulator};
    use axum::body::Body;
    use axum::http::{header, Request};
    use tower::ServiceExt;

    #[tokio::test]
    async fn json_goes_out_gzipped_and_live_streams_do_not() {
        let (service, _klarna) = service_on_simulator().await;
        for n in 0..3 {
            let cart = cart_of("Scarf", 1, 19_900 + n);
            service.start(StartRequest::api("stockholm", &format!("order-{n}"), None, &cart)).await.unwrap();
        }
        let options = leptos::prelude::LeptosOptions::builder().output_name("kassa").build();
        let router = router(options, AppState::new(service), None);
        let get = |uri: &str| {
            let request = Request::builder()
                .uri(uri)
                .header(header::AUTHORIZATION, "Bearer kassa-dev-key")
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Body::empty())
                .unwrap();
            router.clone().oneshot(request)
        };
        let list = get("/api/v1/payments").await.unwrap();
        assert_eq!(list.headers()[header::CONTENT_ENCODING], "gzip");
        let events = get("/api/v1/events").await.unwrap();
        assert_eq!(events.headers()[header::CONTENT_TYPE], "text/event-stream");
        assert!(!events.headers().contains_key(header::CONTENT_ENCODING), "a stream must reach the screen at once");
        // And through the store's TLS proxy: nginx buffers unless told not to.
        assert_eq!(events.headers()["x-accel-buffering"], "no");
        assert_eq!(events.headers()[header::CACHE_CONTROL], "no-cache, no-transform");
    }

    /// The bundle may be cached for a year by anything between a store and
    /// Kassa, and which of its files goes out depends on Accept-Encoding:
    /// every answer says so, once, or a caching proxy could hand a browser a
    /// brotli file it never asked for (or keep giving the uncompressed one).
    #[tokio::test]
    async fn every_answer_for_a_site_file_varies_on_accept_encoding() {
        let root = std::env::temp_dir().join(format!("kassa-site-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        for (name, content) in
            [("kassa.H1.js", "plain script"), ("kassa.H1.js.br", "brotli"), ("kassa.H1.js.gz", "gzip")]
        {
            std::fs::write(root.join("pkg").join(name), content).unwrap();
        }
        let (service, _klarna) = service_on_simulator().await;
        let options = leptos::prelude::LeptosOptions::builder()
            .output_name("kassa")
            .site_root(root.to_string_lossy().to_string())
            .build();
        let router = router(options, AppState::new(service), None);
        for (accepted, encoding, content) in [
            ("br, gzip", Some("br"), "brotli"),
            ("gzip", Some("gzip"), "gzip"),
            ("gzip;q=0, br;q=0", None, "plain script"),
            ("", None, "plain script"),
        ] {
            let request = Request::builder()
                .uri("/pkg/kassa.H1.js")
                .header(header::ACCEPT_ENCODING, accepted)
                .body(Body::empty())
                .unwrap();
            let answer = router.clone().oneshot(request).await.unwrap();
            assert_eq!(answer.status(), 200, "{accepted}");
            let varies: Vec<_> = answer.headers().get_all(header::VARY).iter().cloned().collect();
            assert_eq!(varies, ["accept-encoding"], "Accept-Encoding: {accepted}");
            assert_eq!(answer.headers().get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()), encoding);
            let body = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
            assert_eq!(body, content, "Accept-Encoding: {accepted}");
        }
        std::fs::remove_dir_all(root).unwrap();
    }

    /// The app's pages are checked in the browser (their scripts, nonce and
    /// policy: end2end's security and seller tests); this one is the server's.
    #[tokio::test]
    async fn the_sign_in_page_runs_no_script_and_its_policy_allows_none() {
        let (service, _klarna) = service_on_simulator().await;
        let options = leptos::prelude::LeptosOptions::builder().output_name("kassa").build();
        let router = router(options, AppState::new(service), None);
        let request =
            Request::builder().uri("/seller/sign-in").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
        let answer = router.oneshot(request).await.unwrap();
        let policy = answer.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
        let body = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("<form method=\"post\" action=\"/api/sign_in"), "{html}");
        assert!(html.contains("<link rel=\"stylesheet\" href=\"/pkg/kassa.css\">"), "{html}");
        assert!(!html.contains("<script") && !html.contains(".wasm") && !html.contains("kassa.js"), "{html}");
        assert!(!policy.contains("script-src") && policy.contains("form-action 'self'"), "{policy}");
    }
}
