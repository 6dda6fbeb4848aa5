//! The tracking engine's numbers: callback-to-SSE latency, memory with many
//! tracked payments, and Klarna reads per tracked payment per minute.
//!
//! Run: `cargo bench -p server --bench tracking`
//! Env: BENCH_LATENCY_SAMPLES (default 200), BENCH_TRACKED (default 10000),
//!      BENCH_WINDOW_SECS (default 60); BENCH_DATABASE_URL: a PostgreSQL
//!      server to run on (a fresh database on it) instead of a SQLite file;
//!      BENCH_INSTANCES=2 (PostgreSQL only): two Kassa instances on that
//!      database, starts alternating between them, each payment paid
//!      through one and watched from the other, Klarna reads counted for both.
//!
//! Klarna is `kassa simulator` in its own process, so the memory figure is
//! Kassa's alone; Kassa's service runs in this process with a file database.

use domain::Door;
use domain::{CartInput, CartLineInput};
use server::payments::StartRequest;
use server::storage::Storage;
use server::testing::{eventually, TestKassa, TestKlarna};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn cart(n: u64) -> CartInput {
    CartInput {
        lines: vec![CartLineInput {
            name: format!("Item {n}"),
            quantity: 1,
            unit_price: 10_000 + n as i64,
            tax_rate: 2500,
            ..Default::default()
        }],
    }
}

/// A POS system's start through the API, for the store of the default config.
fn api_start<'a>(key: &'a str, cart: &'a CartInput) -> StartRequest<'a> {
    StartRequest { store_id: "stockholm", door: Door::Api, attempt_key: key, cart_ref: None, cart, return_urls: None }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Reads SSE from the API until an event's status is `want`.
async fn wait_for_status(response: &mut reqwest::Response, buffer: &mut String, want: &str) {
    let needle = format!("\"status\":\"{want}\"");
    loop {
        if let Some(at) = buffer.find(&needle) {
            buffer.drain(..at + needle.len());
            return;
        }
        let chunk = response.chunk().await.unwrap().expect("the stream ended early");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::main]
async fn main() {
    let samples = env_number("BENCH_LATENCY_SAMPLES", 200);
    let tracked = env_number("BENCH_TRACKED", 10_000);
    let window = Duration::from_secs(env_number("BENCH_WINDOW_SECS", 60));

    // Klarna: the simulator binary on its own port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut simulator = Command::new(env!("CARGO_BIN_EXE_kassa"))
        .args(["simulator", "--listen", &format!("127.0.0.1:{port}"), "--username", "test-user"])
        .args(["--password", "test-password"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("kassa simulator starts");
    let klarna = TestKlarna::external(&format!("http://127.0.0.1:{port}"));
    eventually("the simulator", || async {
        reqwest::get(format!("{}/_sim/outbox", klarna.base)).await.ok().map(|_| ())
    })
    .await;

    let dir = std::env::temp_dir().join(format!("kassa-bench-{}", uuid::Uuid::new_v4()));
    let instances = env_number("BENCH_INSTANCES", 1).clamp(1, 2) as usize;
    let mut kassas = Vec::new();
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(server) => {
            let url = server::testing::fresh_postgres_url(&server).await;
            for _ in 0..instances {
                kassas.push(TestKassa::start(&klarna, Storage::open_postgres(&url).await.unwrap()).await);
            }
        }
        Err(_) => {
            assert_eq!(instances, 1, "several instances need PostgreSQL (BENCH_DATABASE_URL)");
            kassas.push(TestKassa::start(&klarna, Storage::open(&dir).await.unwrap()).await);
        }
    }
    println!("database: {:?}; instances: {instances}", kassas[0].service.storage().backend());
    // Payments start on the first instance and are watched from the last.
    let (kassa, watcher) = (&kassas[0], &kassas[instances - 1]);
    let reads = || kassas.iter().map(|k| k.service.klarna_reads()).sum::<u64>();
    let http = reqwest::Client::new();

    // 1. Callback to SSE: the shopper's payment reaches a waiting screen.
    let mut latencies = Vec::with_capacity(samples as usize);
    for n in 0..samples {
        let (key, cart) = (format!("latency-{n}"), cart(n));
        let request = api_start(&key, &cart);
        let started = kassa.service.start(request).await.unwrap();
        let session = klarna.session_of(kassa, &started.view).await;
        let mut stream = http
            .get(format!("{}/api/v1/payments/{}/events", watcher.url, started.view.id))
            .bearer_auth("kassa-dev-key")
            .send()
            .await
            .unwrap();
        let mut buffer = String::new();
        wait_for_status(&mut stream, &mut buffer, "waiting").await;
        klarna.act(&session, "open").await;
        wait_for_status(&mut stream, &mut buffer, "in_progress").await;
        let at = Instant::now();
        klarna.act(&session, "authorize").await;
        wait_for_status(&mut stream, &mut buffer, "completed").await;
        latencies.push(at.elapsed());
    }
    latencies.sort();
    println!(
        "callback-to-SSE latency over {samples} payments: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );

    // 2. Many payments tracked at once.
    let before = rss_mib();
    let started_at = Instant::now();
    for n in 0..tracked {
        let (key, cart) = (format!("tracked-{n}"), cart(n));
        let request = api_start(&key, &cart);
        kassas[n as usize % instances].service.start(request).await.unwrap();
    }
    println!(
        "started {tracked} payments in {:.1} s ({:.0}/s); tracking {}; RSS {:.1} MiB (was {:.1} MiB before)",
        started_at.elapsed().as_secs_f64(),
        tracked as f64 / started_at.elapsed().as_secs_f64(),
        kassa.service.tracked().await,
        rss_mib(),
        before,
    );

    // 3. Klarna reads while nobody watches and callbacks work.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let reads_before = reads();
    tokio::time::sleep(window).await;
    let reads = reads() - reads_before;
    let open = kassa.service.tracked().await as f64;
    println!(
        "Klarna reads in a {:.0} s window: {reads} for {open:.0} tracked payments = {:.2} per payment per minute; RSS {:.1} MiB",
        window.as_secs_f64(),
        reads as f64 / open / (window.as_secs_f64() / 60.0),
        rss_mib(),
    );

    drop(kassas);
    let _ = simulator.kill();
    let _ = simulator.wait();
    let _ = std::fs::remove_dir_all(dir);
}
