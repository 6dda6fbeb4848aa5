//! Throughput of the client and simulator together: KP + HPP session pairs
//! created per second over loopback, with latency percentiles per pair.
//!
//! `cargo bench -p klarna --features simulator --bench pairs`
//! (env `PAIRS`, default 2000; `CONCURRENCY`, default 16).

use klarna::client::ClientOptions;
use klarna::simulator::{Simulator, SimulatorConfig};
use klarna::wire::{
    AcquiringChannel, CreateSessionRequest, MerchantUrls, OrderLine, PaymentSessionRequest, PlaceOrderMode,
    SessionOptions,
};
use klarna::{ApiBase, Credentials, KlarnaClient};
use std::time::{Duration, Instant};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn cart() -> PaymentSessionRequest {
    let line = OrderLine {
        line_type: Some("physical".into()),
        reference: Some("SKU-1".into()),
        name: "Bike".into(),
        quantity: 2,
        unit_price: 10_000,
        tax_rate: 2500,
        total_amount: 20_000,
        total_discount_amount: 0,
        total_tax_amount: 4_000,
    };
    PaymentSessionRequest {
        purchase_country: "SE".into(),
        purchase_currency: "SEK".into(),
        locale: Some("sv-SE".into()),
        order_amount: 20_000,
        order_tax_amount: Some(4_000),
        order_lines: vec![line],
        acquiring_channel: Some(AcquiringChannel::InStore),
        merchant_reference1: None,
        merchant_reference2: None,
    }
}

async fn pair(client: &KlarnaClient, n: usize) -> Duration {
    let started = Instant::now();
    let kp = client.create_payment_session(&cart()).await.unwrap();
    let request = CreateSessionRequest {
        payment_session_url: client.payment_session_url(&kp.session_id),
        merchant_urls: Some(MerchantUrls {
            success: Some("https://shop.test/ok/{{session_id}}".into()),
            ..Default::default()
        }),
        options: Some(SessionOptions { place_order_mode: Some(PlaceOrderMode::None), ..Default::default() }),
        profile_id: None,
    };
    client.create_hpp_session(&request, Some(&format!("bench-{n}"))).await.unwrap();
    started.elapsed()
}

fn main() {
    let pairs = env_number("PAIRS", 2000);
    let concurrency = env_number("CONCURRENCY", 16).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let sim = Simulator::new(SimulatorConfig {
            username: "bench".into(),
            password: "bench-secret".into(),
            public_base: base.clone(),
            profiles: SimulatorConfig::default_profiles(),
        });
        let router = sim.router();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let client = KlarnaClient::new(
            &ApiBase::Custom(base),
            Credentials::new("bench", "bench-secret"),
            ClientOptions::default(),
        )
        .unwrap();
        // Warm up connections and code paths.
        for n in 0..concurrency {
            pair(&client, usize::MAX - n).await;
        }
        let started = Instant::now();
        let mut workers = Vec::new();
        for worker in 0..concurrency {
            let client = client.clone();
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = worker;
                while n < pairs {
                    latencies.push(pair(&client, n).await);
                    n += concurrency;
                }
                latencies
            }));
        }
        let mut latencies = Vec::with_capacity(pairs);
        for worker in workers {
            latencies.extend(worker.await.unwrap());
        }
        let elapsed = started.elapsed();
        latencies.sort();
        let percentile = |p: f64| {
            let at = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len());
            latencies[at - 1]
        };
        println!(
            "{pairs} KP+HPP pairs, concurrency {concurrency}: {:.0} pairs/s in {:.2} s; \
             latency per pair p50 {:.2} ms, p99 {:.2} ms",
            pairs as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64(),
            percentile(0.50).as_secs_f64() * 1000.0,
            percentile(0.99).as_secs_f64() * 1000.0,
        );
        assert_eq!(sim.hpp_session_ids().len(), pairs + concurrency);
    });
}
