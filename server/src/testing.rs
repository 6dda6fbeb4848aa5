//! Test harness: a real simulator on a loopback port and a payment service
//! whose Klarna client talks to it over HTTP.

use crate::config::Config;
use crate::payments::PaymentService;
use klarna::simulator::{Simulator, SimulatorConfig};
use klarna::{client::ClientOptions, ApiBase, Credentials, KlarnaClient};
use std::sync::Arc;
use std::time::Duration;

pub struct TestKlarna {
    pub base: String,
    simulator: Simulator,
    server: tokio::task::JoinHandle<()>,
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
        TestKlarna {
            base,
            simulator,
            server,
            http: reqwest::Client::new(),
        }
    }

    pub fn client(&self) -> KlarnaClient {
        let options = ClientOptions {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
        };
        KlarnaClient::new(
            &ApiBase::Custom(self.base.clone()),
            Credentials::new("test-user", "test-password"),
            options,
        )
        .unwrap()
    }

    pub fn hpp_sessions(&self) -> usize {
        self.simulator.hpp_session_ids().len()
    }

    pub fn only_session_id(&self) -> String {
        let ids = self.simulator.hpp_session_ids();
        assert_eq!(ids.len(), 1, "expected exactly one HPP session");
        ids[0].clone()
    }

    /// Does what a shopper would, through the simulator's control API.
    pub async fn act(&self, session_id: &str, action: &str) {
        let url = format!("{}/_sim/sessions/{session_id}/actions/{action}", self.base);
        let response = self.http.post(url).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{action}: {}",
            response.status()
        );
    }

    /// Takes Klarna off the network.
    pub fn stop(&self) {
        self.server.abort();
    }
}

pub async fn service_on_simulator() -> (Arc<PaymentService>, TestKlarna) {
    let klarna = TestKlarna::start().await;
    let config = Config::parse(include_str!("../../kassa.toml"), &[]).unwrap();
    (
        Arc::new(PaymentService::new(klarna.client(), Arc::new(config))),
        klarna,
    )
}
