//! What operators see of the real `kassa` binary: readiness, metrics after
//! real traffic, and JSON logs that carry the request id into the Klarna
//! client's lines and never a secret (API and kiosk keys, callback
//! secrets, Klarna credentials, the metrics token).

use server::testing::{kassa_command, TestKlarna};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

struct Kassa {
    child: Child,
    url: String,
    data_dir: PathBuf,
    log: PathBuf,
}

impl Drop for Kassa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

async fn start(klarna: &TestKlarna) -> Kassa {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let data_dir = std::env::temp_dir().join(format!("kassa-operations-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let log = data_dir.join("kassa.log");
    let url = format!("http://127.0.0.1:{port}");
    let config = std::path::Path::new("kassa.toml");
    let child = kassa_command(env!("CARGO_BIN_EXE_kassa"), config, port, &data_dir, klarna)
        .args(["--log-format", "json"])
        .env("RUST_LOG", "info,klarna=debug")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("the kassa binary starts");
    let kassa = Kassa { child, url, data_dir, log };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = reqwest::get(format!("{}/readyz", kassa.url)).await.map(|r| r.status().as_u16());
        if ready.as_ref().is_ok_and(|status| *status == 200) {
            return kassa;
        }
        assert!(Instant::now() < deadline, "kassa did not become ready: {ready:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A sample's value in Prometheus text, 0 when absent.
fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines().find_map(|line| line.strip_prefix(name_and_labels)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_real_traffic_and_json_logs_carry_request_ids_but_no_secrets() {
    let klarna = TestKlarna::start().await;
    let kassa = start(&klarna).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let created = http
        .post(format!("{}/api/v1/payments", kassa.url))
        .bearer_auth("kassa-dev-key")
        .header("Idempotency-Key", "ops-1")
        .header("x-request-id", "pos-7f3a-1")
        .json(&serde_json::json!({"lines": [{"name": "Tea", "quantity": 1, "unit_price": 4500}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["x-request-id"], "pos-7f3a-1", "the answer carries the caller's id");
    let id = created.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string();

    // The shopper pays: Klarna's callback (with the payment's secret) follows.
    let session = klarna.only_session_id();
    klarna.act(&session, "open").await;
    klarna.act(&session, "authorize").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let read = http.get(format!("{}/api/v1/payments/{id}", kassa.url)).bearer_auth("kassa-dev-key").send();
        let payment: serde_json::Value = read.await.unwrap().json().await.unwrap();
        if payment["status"] == "completed" {
            break;
        }
        assert!(Instant::now() < deadline, "never completed: {payment}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let forged = http
        .post(format!("{}/klarna/status/{id}/forged-secret-4471", kassa.url))
        .json(&serde_json::json!({"event_id": "e-forged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);
    let enrolled = http.get(format!("{}/kiosk/kiosk-1?key=kiosk-dev-key-1", kassa.url)).send().await.unwrap();
    assert_eq!(enrolled.status(), 303);

    let metrics = |token: &'static str| http.get(format!("{}/metrics", kassa.url)).bearer_auth(token).send();
    let text = metrics("kassa-dev-metrics").await.unwrap().text().await.unwrap();
    assert_eq!(sample(&text, r#"kassa_payments_started_total{door="api",store="stockholm"}"#), 1.0, "{text}");
    let ended = r#"kassa_payments_ended_total{door="api",store="stockholm",status="completed"}"#;
    assert_eq!(sample(&text, ended), 1.0, "{text}");
    assert!(sample(&text, r#"kassa_callbacks_total{outcome="accepted"}"#) >= 1.0, "{text}");
    assert_eq!(sample(&text, r#"kassa_callbacks_total{outcome="refused"}"#), 1.0, "{text}");
    let created_at_klarna = r#"kassa_klarna_requests_total{endpoint="POST /hpp/v1/sessions",status="201"}"#;
    assert_eq!(sample(&text, created_at_klarna), 1.0, "{text}");
    assert!(
        text.contains("kassa_klarna_request_duration_seconds_bucket{endpoint=\"POST /hpp/v1/sessions\",le=\"0.025\"}")
    );
    assert_eq!(metrics("wrong-token-123").await.unwrap().status(), 401);

    let log = std::fs::read_to_string(&kassa.log).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let of_request = |id: &str| lines.iter().filter(move |line| line["span"]["id"] == id).collect::<Vec<_>>();
    let pos = of_request("pos-7f3a-1");
    assert!(
        pos.iter().any(|line| line["target"].as_str().is_some_and(|t| t.starts_with("klarna"))),
        "the Klarna client's lines carry the caller's request id: {pos:#?}"
    );
    assert!(pos.iter().any(|line| line["fields"]["message"] == "finished processing request"));
    assert!(lines
        .iter()
        .any(|line| line["fields"]["message"].as_str().is_some_and(|m| m.starts_with("Kassa is running"))));
    let paths: Vec<&str> = lines.iter().filter_map(|line| line["span"]["path"].as_str()).collect();
    assert!(paths.contains(&"/kiosk/kiosk-1"), "the path, without its query: {paths:?}");
    let callbacks: Vec<&&str> = paths.iter().filter(|path| path.starts_with("/klarna/status/")).collect();
    assert!(callbacks.len() >= 2, "Klarna's and the forged callback: {paths:?}");
    assert!(callbacks.iter().all(|path| path.ends_with("/[redacted]")), "{callbacks:?}");
    for secret in ["kiosk-dev-key-1", "kassa-dev-key", "test-password", "kassa-dev-metrics", "forged-secret-4471"] {
        assert!(!log.contains(secret), "{secret} reached the log");
    }
}
