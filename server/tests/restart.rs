//! Kill the real `kassa` process (SIGKILL) in the middle of a payment and
//! start it again on the same database: the payment still ends right, and
//! its idempotency key still returns it.

use server::testing::{eventually, kassa_command, TestKlarna};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Kassa {
    child: Child,
}

impl Kassa {
    fn spawn(port: u16, data_dir: &Path, klarna: &TestKlarna) -> Kassa {
        Kassa::spawn_with(port, data_dir, klarna, &[])
    }

    fn spawn_with(port: u16, data_dir: &Path, klarna: &TestKlarna, env: &[(&str, &str)]) -> Kassa {
        let config = std::path::Path::new("kassa.toml");
        let child = kassa_command(env!("CARGO_BIN_EXE_kassa"), config, port, data_dir, klarna)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .expect("the kassa binary starts");
        Kassa { child }
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Kassa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the API reports the payment completed, and returns it.
async fn completed(http: &reqwest::Client, url: &str, id: &str) -> serde_json::Value {
    eventually("the payment to complete after restart", || async {
        let body: serde_json::Value = http
            .get(format!("{url}/api/v1/payments/{id}"))
            .bearer_auth("kassa-dev-key")
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (body["status"] == "completed").then_some(body)
    })
    .await
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn up(http: &reqwest::Client, url: &str) {
    eventually("kassa to answer", || async {
        http.get(format!("{url}/api/v1/payments/none")).send().await.ok().map(|_| ())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_kassa_finishes_the_payment_after_restart() {
    let klarna = TestKlarna::start().await;
    let data_dir = std::env::temp_dir().join(format!("kassa-restart-{}", uuid::Uuid::new_v4()));
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let create = || {
        http.post(format!("{url}/api/v1/payments"))
            .bearer_auth("kassa-dev-key")
            .header("Idempotency-Key", "pos-order-77")
            .json(
                &serde_json::json!({"lines": [{"name": "Lamp", "quantity": 1, "unit_price": 59900, "tax_rate": 2500}]}),
            )
            .send()
    };

    let mut kassa = Kassa::spawn(port, &data_dir, &klarna);
    up(&http, &url).await;
    let created: serde_json::Value = create().await.unwrap().json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["status"], "waiting");
    kassa.kill();

    // The shopper pays while Kassa is down: every callback is lost.
    let session = klarna.only_session_id();
    klarna.act(&session, "open").await;
    klarna.act(&session, "authorize").await;

    let _kassa = Kassa::spawn(port, &data_dir, &klarna);
    up(&http, &url).await;
    let done = completed(&http, &url, &id).await;
    assert_eq!(done["klarna_reference"].as_str().map(str::len), Some(8));

    // The POS retries its request with the same key: the same payment.
    let again = create().await.unwrap();
    assert_eq!(again.status().as_u16(), 200);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again["id"].as_str(), Some(id.as_str()));
    assert_eq!(klarna.hpp_sessions(), 1, "no second Klarna session");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_placing_the_order_it_places_it_once_after_restart() {
    let klarna = TestKlarna::start().await;
    let data_dir = std::env::temp_dir().join(format!("kassa-restart-order-{}", uuid::Uuid::new_v4()));
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mode_none = [("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")];

    let mut kassa = Kassa::spawn_with(port, &data_dir, &klarna, &mode_none);
    up(&http, &url).await;
    let created: serde_json::Value = http
        .post(format!("{url}/api/v1/payments"))
        .bearer_auth("kassa-dev-key")
        .header("Idempotency-Key", "pos-order-88")
        .json(&serde_json::json!({"lines": [{"name": "Sofa", "quantity": 1, "unit_price": 899900, "tax_rate": 2500}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();

    // Klarna places the order but its answer never comes back while Kassa lives.
    klarna.faults(serde_json::json!({"timeout_ms": 60000, "endpoints": {"place_order": {"timeout_next": 1}}})).await;
    let session = klarna.only_session_id();
    klarna.act(&session, "open").await;
    klarna.act(&session, "authorize").await;
    eventually("Klarna to have placed the order", || async { (klarna.orders() == 1).then_some(()) }).await;
    kassa.kill();

    let _kassa = Kassa::spawn_with(port, &data_dir, &klarna, &mode_none);
    up(&http, &url).await;
    let done = completed(&http, &url, &id).await;
    assert!(done["order_id"].as_str().is_some());
    assert_eq!(klarna.orders(), 1, "the retried place-order replayed the first order");
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// SIGTERM while a screen holds a live stream open: graceful shutdown does
/// not wait for the screen to leave (it never would), Kassa stops after its
/// drain time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminated_kassa_stops_although_screens_are_watching() {
    let klarna = TestKlarna::start().await;
    let data_dir = std::env::temp_dir().join(format!("kassa-stop-{}", uuid::Uuid::new_v4()));
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut kassa = Kassa::spawn(port, &data_dir, &klarna);
    up(&http, &url).await;
    let stream = http.get(format!("{url}/api/v1/events")).bearer_auth("kassa-dev-key").send().await.unwrap();
    assert!(stream.status().is_success());

    let sent = Command::new("kill").arg("-TERM").arg(kassa.child.id().to_string()).status().unwrap();
    assert!(sent.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = kassa.child.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "kassa still runs 60 s after SIGTERM with a stream open");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
    drop(stream);
    let _ = std::fs::remove_dir_all(&data_dir);
}
