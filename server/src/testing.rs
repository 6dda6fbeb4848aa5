//! Test and benchmark harness: a real simulator on a loopback port, and
//! Kassa's payment service talking to it over HTTP, optionally serving its
//! own API and callback routes on another loopback port.

use crate::config::Config;
use crate::payments::PaymentService;
use crate::storage::Storage;
use klarna::simulator::{Simulator, SimulatorConfig};
use klarna::{client::ClientOptions, ApiBase, Credentials, KlarnaClient};
use std::sync::Arc;
use std::time::Duration;

/// A new, empty database on the PostgreSQL server at `url` (one Kassa may
/// create databases on): its URL.
pub async fn fresh_postgres_url(url: &str) -> String {
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(url).await.expect("the test PostgreSQL server answers");
    let name = format!("kassa_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("a test database");
    admin.close().await;
    let (server, _) = url.split('?').next().unwrap_or(url).rsplit_once('/').expect("a URL with a database");
    format!("{server}/{name}")
}

/// A new, empty database on the PostgreSQL server at `url`, migrated.
pub async fn fresh_postgres(url: &str) -> Storage {
    Storage::open_postgres(&fresh_postgres_url(url).await).await.expect("the test database opens")
}

/// The database a test runs on: SQLite in memory, or a fresh PostgreSQL
/// database at `KASSA_TEST_DATABASE_URL` when `KASSA_TEST_STORAGE=postgres`
/// (scripts/test.sh runs the tracking tests both ways).
pub async fn test_storage() -> Storage {
    match std::env::var("KASSA_TEST_STORAGE").as_deref() {
        Ok("postgres") => {
            let url = std::env::var("KASSA_TEST_DATABASE_URL").expect("KASSA_TEST_DATABASE_URL for KASSA_TEST_STORAGE");
            fresh_postgres(&url).await
        }
        _ => Storage::in_memory().await.expect("an in-memory database"),
    }
}

pub struct TestKlarna {
    pub base: String,
    /// The in-process simulator; `None` for one in another process.
    simulator: Option<Simulator>,
    server: Option<tokio::task::JoinHandle<()>>,
    http: reqwest::Client,
}

impl TestKlarna {
    pub async fn start() -> TestKlarna {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let simulator = Simulator::new(SimulatorConfig {
            username: "test-user".into(),
            password: "test-password".into(),
            public_base: base.clone(),
            profiles: SimulatorConfig::default_profiles(),
        });
        let router = simulator.router();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        TestKlarna { base, simulator: Some(simulator), server: Some(server), http: reqwest::Client::new() }
    }

    /// A simulator already running elsewhere (`kassa simulator`), with the
    /// test credentials.
    pub fn external(base: &str) -> TestKlarna {
        TestKlarna { base: base.to_string(), simulator: None, server: None, http: reqwest::Client::new() }
    }

    fn simulator(&self) -> &Simulator {
        self.simulator.as_ref().expect("only for the in-process simulator")
    }

    /// The HPP session behind a payment, as Kassa recorded it.
    pub async fn session_of(&self, kassa: &TestKassa, payment: &domain::PaymentView) -> String {
        let stored = kassa.service.storage().get(&payment.id).await.unwrap().unwrap();
        stored.hpp_session_id.expect("the payment has an HPP session")
    }

    pub fn client(&self) -> KlarnaClient {
        let options = ClientOptions { connect_timeout: Duration::from_secs(2), timeout: Duration::from_secs(5) };
        KlarnaClient::new(&ApiBase::Custom(self.base.clone()), Credentials::new("test-user", "test-password"), options)
            .unwrap()
    }

    pub fn hpp_sessions(&self) -> usize {
        self.simulator().hpp_session_ids().len()
    }

    pub fn only_session_id(&self) -> String {
        let ids = self.simulator().hpp_session_ids();
        assert_eq!(ids.len(), 1, "expected exactly one HPP session");
        ids[0].clone()
    }

    /// Does what a shopper would, through the simulator's control API.
    pub async fn act(&self, session_id: &str, action: &str) {
        let status = self.try_act(session_id, action).await;
        assert!(status.is_success(), "{action}: {status}");
    }

    /// Like [`TestKlarna::act`], for an action Klarna may refuse: its status.
    pub async fn try_act(&self, session_id: &str, action: &str) -> reqwest::StatusCode {
        let url = format!("{}/_sim/sessions/{session_id}/actions/{action}", self.base);
        self.http.post(url).send().await.unwrap().status()
    }

    /// Sets the simulator's faults (`POST /_sim/faults`, see klarna's faults.rs).
    pub async fn faults(&self, faults: serde_json::Value) {
        let response = self.http.post(format!("{}/_sim/faults", self.base)).json(&faults).send().await.unwrap();
        assert!(response.status().is_success(), "faults refused: {}", response.text().await.unwrap_or_default());
    }

    /// Orders Klarna has placed from authorizations.
    pub fn orders(&self) -> usize {
        self.simulator().orders().len()
    }

    /// How many calls an endpoint has had, faults included.
    pub fn calls(&self, endpoint: klarna::simulator::faults::Endpoint) -> u64 {
        self.simulator().call_count(endpoint)
    }

    /// The in-process simulator itself: its record is the truth a test
    /// checks Kassa against.
    pub fn sim(&self) -> &Simulator {
        self.simulator()
    }

    /// Takes Klarna off the network.
    pub fn stop(&self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// The real `kassa` binary (an integration test's `CARGO_BIN_EXE_kassa`)
/// set up to serve on loopback `port` from the repository root, with the
/// config file `config`, the database in `data_dir` and this simulator as
/// Klarna. Callers add the log level and where its output goes.
pub fn kassa_command(
    binary: &str,
    config: &std::path::Path,
    port: u16,
    data_dir: &std::path::Path,
    klarna: &TestKlarna,
) -> std::process::Command {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = std::process::Command::new(binary);
    command
        .arg("--config")
        .arg(root.join(config))
        .current_dir(&root)
        .env("KASSA__LISTEN", format!("127.0.0.1:{port}"))
        .env("KASSA__PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("KASSA__DATA_DIR", data_dir)
        .env("KASSA__KLARNA__BASE_URL", &klarna.base)
        .env("KLARNA_USERNAME", "test-user")
        .env("KLARNA_PASSWORD", "test-password")
        .env("LEPTOS_OUTPUT_NAME", "kassa");
    command
}

/// A cart of one line, `quantity` times `unit_price` (minor units, no tax).
pub fn cart_of(name: &str, quantity: i64, unit_price: i64) -> domain::CartInput {
    domain::CartInput {
        lines: vec![domain::CartLineInput { name: name.into(), quantity, unit_price, ..Default::default() }],
    }
}

/// The payment service on a fresh simulator, with an in-memory database.
/// Callbacks go nowhere (port 9 refuses them), so tests drive reads
/// themselves; see [`TestKassa`] for the whole loop over HTTP.
pub async fn service_on_simulator() -> (Arc<PaymentService>, TestKlarna) {
    let klarna = TestKlarna::start().await;
    let service = service_for(&klarna, "http://127.0.0.1:9", Storage::in_memory().await.unwrap(), &[]);
    (service, klarna)
}

/// Like [`service_on_simulator`], with config overrides such as
/// `("KASSA__WEB_CHECKOUT__DISABLE_ON_BACK", "true")`.
pub async fn service_with(klarna: &TestKlarna, env: &[(&str, &str)]) -> Arc<PaymentService> {
    service_for(klarna, "http://127.0.0.1:9", Storage::in_memory().await.unwrap(), env)
}

/// A service on an existing database, as after a restart.
pub async fn service_on_storage(klarna: &TestKlarna, storage: Storage, env: &[(&str, &str)]) -> Arc<PaymentService> {
    service_for(klarna, "http://127.0.0.1:9", storage, env)
}

fn service_for(klarna: &TestKlarna, public_url: &str, storage: Storage, env: &[(&str, &str)]) -> Arc<PaymentService> {
    let mut env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    env.push(("KASSA__PUBLIC_URL".to_string(), public_url.to_string()));
    let config = Config::parse(include_str!("../../kassa.toml"), &env).unwrap();
    Arc::new(PaymentService::new(klarna.client(), Arc::new(config), storage))
}

/// Kassa's API and callback routes served on a loopback port, with the
/// tracker running: Klarna's callbacks reach it as they would in a shop.
pub struct TestKassa {
    pub url: String,
    pub service: Arc<PaymentService>,
    /// Paths of every status callback Klarna made to this Kassa (they
    /// carry the secret), so tests can replay or forge them.
    pub callback_paths: Arc<std::sync::Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
    tracker: tokio::task::JoinHandle<()>,
    relay: tokio::task::JoinHandle<()>,
}

impl TestKassa {
    pub async fn start(klarna: &TestKlarna, storage: Storage) -> TestKassa {
        TestKassa::start_with(klarna, storage, &[]).await
    }

    /// With config overrides, e.g. `("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")`.
    pub async fn start_with(klarna: &TestKlarna, storage: Storage, env: &[(&str, &str)]) -> TestKassa {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let service = service_for(klarna, &url, storage, env);
        service.resume().await.unwrap();
        let callback_paths = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = callback_paths.clone();
        let spy = axum::middleware::from_fn(move |request: axum::extract::Request, next: axum::middleware::Next| {
            let seen = seen.clone();
            async move {
                if request.uri().path().starts_with("/klarna/status/") {
                    seen.lock().unwrap().push(request.uri().path().to_string());
                }
                next.run(request).await
            }
        });
        let router = crate::http::api::routes()
            .merge(crate::http::callbacks::routes())
            .with_state(crate::state::AppState::new(service.clone()))
            .layer(spy);
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        let tracker = tokio::spawn(service.clone().run_tracker());
        let relay = service.clone().start_relay().await;
        TestKassa { url, service, callback_paths, server, tracker, relay }
    }

    /// Stops serving and tracking, as a crash would.
    pub fn stop(&self) {
        self.server.abort();
        self.tracker.abort();
        self.relay.abort();
    }

    /// The first status-callback path Klarna used, once it has called.
    pub async fn first_callback_path(&self) -> String {
        eventually("a status callback", || async { self.callback_paths.lock().unwrap().first().cloned() }).await
    }
}

/// Waits (up to 20 s, checking every 20 ms) until `check` gives a value.
/// A bound for correctness, not a speed target: it only fails when the
/// thing never happens.
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(std::time::Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl Drop for TestKassa {
    fn drop(&mut self) {
        self.stop();
    }
}
