//! Two real `kassa` processes on one PostgreSQL and the simulator, as
//! behind a load balancer: a change made through one reaches screens on the
//! other, a dead instance's payments are taken over, and the sign-in wait
//! holds across instances. Needs `KASSA_TEST_DATABASE_URL` (scripts/test.sh
//! starts a throwaway PostgreSQL); without it the test says so and passes
//! only where PostgreSQL is not required.

use klarna::simulator::faults::Endpoint;
use server::storage::Storage;
use server::testing::{eventually, kassa_command, TestKlarna};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

struct Instance {
    url: String,
    port: u16,
    child: Option<Child>,
}

impl Instance {
    async fn start(database_url: &str, klarna: &TestKlarna) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut instance = Instance { url: format!("http://127.0.0.1:{port}"), port, child: None };
        instance.spawn(database_url, klarna).await;
        instance
    }

    async fn spawn(&mut self, database_url: &str, klarna: &TestKlarna) {
        let data_dir = std::env::temp_dir().join(format!("kassa-scale-out-{}", self.port));
        let child = kassa_command(env!("CARGO_BIN_EXE_kassa"), "kassa.toml".as_ref(), self.port, &data_dir, klarna)
            .env("KASSA__DATABASE_URL", database_url)
            .env("KASSA__STORES__1__PLACE_ORDER_MODE", "NONE")
            .env("KASSA__KLARNA__TIMEOUT_SECONDS", "5")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("the kassa binary starts");
        self.child = Some(child);
        let http = reqwest::Client::new();
        let ready = format!("{}/healthz", self.url);
        eventually("the instance to come up", || async { http.get(&ready).send().await.ok().map(drop) }).await;
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The database server, or `None` (and why) where PostgreSQL is not required.
fn postgres_server() -> Option<String> {
    match std::env::var("KASSA_TEST_DATABASE_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var("KASSA_TEST_POSTGRES").as_deref() == Ok("required") => {
            panic!("KASSA_TEST_POSTGRES=required but KASSA_TEST_DATABASE_URL is not set")
        }
        Err(_) => {
            eprintln!("no KASSA_TEST_DATABASE_URL: the scale-out test needs PostgreSQL (scripts/test.sh starts one)");
            None
        }
    }
}

/// One server-sent event: its name, its data as JSON, and when it came.
type Heard = (String, serde_json::Value, Instant);

/// Reads a live stream in the background, each event into the channel.
fn listen(response: reqwest::Response) -> mpsc::UnboundedReceiver<Heard> {
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut response = response;
        let mut text = String::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = text.find("\n\n") {
                let block: String = text.drain(..end + 2).collect();
                let field = |name: &str| {
                    block.lines().find_map(|line| line.strip_prefix(name).map(|v| v.trim_start().to_string()))
                };
                if let (Some(event), Some(data)) = (field("event:"), field("data:")) {
                    let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::Null);
                    if sender.send((event, data, Instant::now())).is_err() {
                        return;
                    }
                }
            }
        }
    });
    receiver
}

/// The first event `wanted` picks, within `within`.
async fn first_of(
    events: &mut mpsc::UnboundedReceiver<Heard>,
    within: Duration,
    wanted: impl Fn(&str, &serde_json::Value) -> bool,
) -> Heard {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let heard = tokio::time::timeout(left, events.recv()).await.expect("the event in time").expect("stream open");
        if wanted(&heard.0, &heard.1) {
            return heard;
        }
    }
}

async fn start_payment(http: &reqwest::Client, url: &str, api_key: &str, key: &str, price: i64) -> String {
    let created = http
        .post(format!("{url}/api/v1/payments"))
        .bearer_auth(api_key)
        .header("Idempotency-Key", key)
        .json(&serde_json::json!({"lines": [{"name": "Tea", "quantity": 1, "unit_price": price}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap_or_default());
    created.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

async fn status(http: &reqwest::Client, url: &str, api_key: &str, id: &str) -> Option<String> {
    let read = http.get(format!("{url}/api/v1/payments/{id}")).bearer_auth(api_key).send().await.ok()?;
    let body: serde_json::Value = read.json().await.ok()?;
    body["status"].as_str().map(str::to_string)
}

async fn session_of(storage: &Storage, id: &str) -> String {
    storage.get(id).await.unwrap().unwrap().hpp_session_id.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgresql_act_as_one_kassa() {
    let Some(server) = postgres_server() else { return };
    let database_url = server::testing::fresh_postgres_url(&server).await;
    let klarna = TestKlarna::start().await;
    let a = Instance::start(&database_url, &klarna).await;
    let mut b = Instance::start(&database_url, &klarna).await;
    let storage = Storage::open_postgres(&database_url).await.unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // 1. Paid through A (its callback reaches A): a till streaming from B sees it within 1 s.
    let stream = http.get(format!("{}/api/v1/events", b.url)).bearer_auth("kassa-dev-key").send().await.unwrap();
    let mut till_on_b = listen(stream);
    let id = start_payment(&http, &a.url, "kassa-dev-key", "scale-1", 4_500).await;
    let session = session_of(&storage, &id).await;
    klarna.act(&session, "open").await;
    let paid_at = Instant::now();
    klarna.act(&session, "authorize").await;
    let (_, _, heard_at) = first_of(&mut till_on_b, Duration::from_secs(10), |event, data| {
        event == "payment" && data["id"] == id.as_str() && data["status"] == "completed"
    })
    .await;
    let push = heard_at - paid_at;
    assert!(push < Duration::from_secs(1), "paid to pushed on the other instance took {push:?}");

    // 2. A kiosk basket PUT through A shows on the kiosk screen connected to B.
    let enrolled = http.get(format!("{}/kiosk/kiosk-1?key=kiosk-dev-key-1", b.url)).send().await.unwrap();
    let cookie =
        enrolled.headers()[reqwest::header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let screen = http.get(format!("{}/kiosk/events", b.url)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(screen.status(), 200);
    let mut kiosk_on_b = listen(screen);
    let put = http
        .put(format!("{}/api/v1/kiosks/kiosk-1/cart", a.url))
        .bearer_auth("kassa-dev-key")
        .json(&serde_json::json!({"lines": [{"name": "Scale-out scarf", "quantity": 1, "unit_price": 19_900}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap_or_default());
    first_of(&mut kiosk_on_b, Duration::from_secs(5), |event, data| {
        event == "kiosk" && data["cart"]["lines"][0]["name"] == "Scale-out scarf"
    })
    .await;

    // 3. Six wrong passwords alternating between the instances: the sixth waits.
    use leptos::server_fn::ServerFn;
    let sign_in = |url: &str| {
        http.post(format!("{url}{}", app::server_fns::seller::SignIn::PATH))
            .form(&[("store", "stockholm"), ("name", "demo"), ("password", "not-the-password")])
            .send()
    };
    for n in 0..5 {
        let url = if n % 2 == 0 { &a.url } else { &b.url };
        let refused = sign_in(url).await.unwrap().text().await.unwrap();
        assert!(!refused.to_lowercase().contains("wait"), "try {n} is not held up yet: {refused}");
    }
    let held = sign_in(&b.url).await.unwrap().text().await.unwrap();
    assert!(held.contains("too_many_sign_ins"), "the sixth try waits, counted across instances: {held}");

    // 4. Restarting B while A creates a payment does not fail it.
    klarna.faults(serde_json::json!({"latency_ms": 2000})).await;
    let creating = {
        let (http, url) = (http.clone(), a.url.clone());
        tokio::spawn(async move { start_payment(&http, &url, "kassa-dev-key", "scale-4", 1_200).await })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    b.kill();
    b.spawn(&database_url, &klarna).await;
    let created = creating.await.unwrap();
    klarna.faults(serde_json::json!({})).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(status(&http, &b.url, "kassa-dev-key", &created).await.as_deref(), Some("waiting"));

    // 5. SIGKILL A after the shopper authorized (place_order_mode NONE) and
    //    before its order could be placed: B places it, once.
    let mut a = a;
    klarna.faults(serde_json::json!({"endpoints": {"place_order": {"status": 503, "fail_next": 1000}}})).await;
    let id = start_payment(&http, &a.url, "kassa-dev-key-telesales", "scale-5", 7_700).await;
    let session = session_of(&storage, &id).await;
    klarna.act(&session, "open").await;
    klarna.act(&session, "authorize").await;
    eventually("A to hold the authorization", || async {
        let now = status(&http, &a.url, "kassa-dev-key-telesales", &id).await?;
        (now == "authorized").then_some(())
    })
    .await;
    a.kill();
    // (Setting faults starts Klarna's call counts afresh.)
    klarna.faults(serde_json::json!({})).await;
    eventually("B to place the order", || async {
        let now = status(&http, &b.url, "kassa-dev-key-telesales", &id).await?;
        (now == "completed").then_some(())
    })
    .await;
    let orders: Vec<_> = klarna
        .sim()
        .orders()
        .into_iter()
        .filter(|order| order.hpp_session_id.as_deref() == Some(session.as_str()))
        .collect();
    assert_eq!(orders.len(), 1, "exactly one order: {orders:?}");
    assert!(klarna.calls(Endpoint::PlaceOrder) >= 1, "B placed it after A was gone");
}

/// 200 payments started and cancelled at once, alternating between the
/// instances: a till streaming from either hears one final event for each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_payments_end_once_each_on_every_till() {
    let Some(server) = postgres_server() else { return };
    let database_url = server::testing::fresh_postgres_url(&server).await;
    let klarna = TestKlarna::start().await;
    let instances = [Instance::start(&database_url, &klarna).await, Instance::start(&database_url, &klarna).await];
    let http = reqwest::Client::new();
    let mut tills = Vec::new();
    for instance in &instances {
        let stream = http.get(format!("{}/api/v1/events", instance.url)).bearer_auth("kassa-dev-key").send();
        tills.push(listen(stream.await.unwrap()));
    }
    let count = 200;
    let started = futures::future::join_all((0..count).map(|n| {
        let (http, url) = (http.clone(), instances[n % 2].url.clone());
        async move { start_payment(&http, &url, "kassa-dev-key", &format!("many-{n}"), 100 + n as i64).await }
    }))
    .await;
    let cancelled = futures::future::join_all(started.iter().enumerate().map(|(n, id)| {
        let url = &instances[(n + 1) % 2].url;
        http.delete(format!("{url}/api/v1/payments/{id}")).bearer_auth("kassa-dev-key").send()
    }))
    .await;
    assert!(cancelled.iter().all(|r| r.as_ref().is_ok_and(|r| r.status().is_success())), "every cancel answered");
    for (n, till) in tills.iter_mut().enumerate() {
        let mut finals = std::collections::HashMap::<String, usize>::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while finals.len() < count && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(Some((event, data, _))) = tokio::time::timeout(left, till.recv()).await else { break };
            let status = data["status"].as_str().unwrap_or_default();
            if event == "payment" && ["disabled", "cancelled"].contains(&status) {
                *finals.entry(data["id"].as_str().unwrap().to_string()).or_default() += 1;
            }
        }
        // Late duplicates would come within a moment.
        tokio::time::sleep(Duration::from_millis(500)).await;
        while let Ok((event, data, _)) = till.try_recv() {
            if event == "payment" && ["disabled", "cancelled"].contains(&data["status"].as_str().unwrap_or_default()) {
                *finals.entry(data["id"].as_str().unwrap().to_string()).or_default() += 1;
            }
        }
        assert_eq!(finals.len(), count, "till on instance {n}: a final event for every payment");
        let repeated: Vec<_> = finals.iter().filter(|(_, times)| **times > 1).collect();
        assert!(repeated.is_empty(), "till on instance {n}: final events repeated {repeated:?}");
    }
}
