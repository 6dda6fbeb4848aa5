//! The fault harness: seeded, randomized runs against the real `kassa`
//! binary and the simulator over loopback, each checked against the
//! simulator's own record. See README, "What Kassa promises under faults".
//!
//! `KASSA_CHAOS_DATABASE=postgres` runs Kassa on PostgreSQL (a fresh
//! database per lane at `KASSA_TEST_DATABASE_URL`) instead of SQLite, and
//! with it `KASSA_CHAOS_INSTANCES=2` runs two Kassa processes per lane on
//! that database, requests taking turns between them and each kill taking
//! one of them;
//! `KASSA_CHAOS_RUNS` (default 24), `KASSA_CHAOS_SEED` (default 1),
//! `KASSA_CHAOS_LANES` (Kassa processes side by side, default 2) and
//! `KASSA_CHAOS_ONLY` (replay one run of the seed) and `KASSA_CHAOS_STEPS`
//! (only these steps of it, as a shrunk failure prints) steer it;
//! `KASSA_CHAOS_TRACE` prints every run's trace, not only failing ones, and
//! `KASSA_CHAOS_SHRINK=0` prints a failing run whole instead of shrunk;
//! `scripts/chaos.sh RUNS SEED` runs it in release mode.

mod kassa;
mod plan;
mod run;
mod truth;

use run::{Lane, RunReport};
use server::storage::Storage;
use server::testing::TestKlarna;
use std::collections::BTreeMap;
use std::time::Instant;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// What a lane did, summed over its runs.
#[derive(Default)]
struct Totals {
    runs: u64,
    payments: usize,
    kills: u32,
    faults: BTreeMap<String, u64>,
    callbacks: BTreeMap<String, u64>,
    failures: Vec<String>,
}

async fn lane(number: u64, seed: u64, runs: Vec<u64>) -> Totals {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("chaos");
    let data_dir = root.join(format!("lane-{number}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let log = data_dir.join("kassa.log");
    let klarna = TestKlarna::start().await;
    // KASSA_CHAOS_DATABASE=postgres: a fresh database of its own per lane on
    // the server at KASSA_TEST_DATABASE_URL (scripts/test.sh starts one).
    let database_url = match std::env::var("KASSA_CHAOS_DATABASE").as_deref() {
        Ok("postgres") => {
            let server = std::env::var("KASSA_TEST_DATABASE_URL").expect("KASSA_TEST_DATABASE_URL for PostgreSQL");
            Some(server::testing::fresh_postgres_url(&server).await)
        }
        _ => None,
    };
    // KASSA_CHAOS_INSTANCES=2 (PostgreSQL): two instances, as behind a load balancer.
    let instances = setting("KASSA_CHAOS_INSTANCES", 1).max(1) as usize;
    let kassa = kassa::Cluster::start(instances, &data_dir, database_url.clone(), &log, &klarna.base).await;
    let storage = match &database_url {
        Some(url) => Storage::open_postgres(url).await.unwrap(),
        None => Storage::open(&data_dir).await.unwrap(),
    };
    let http = reqwest::Client::new();
    let kiosk_cookies = enrol_kiosks(&kassa.url()).await;
    let seller_cookies = sign_in(&kassa.url()).await;
    let mut lane = Lane { klarna, kassa, storage, log, log_offset: 0, http, kiosk_cookies, seller_cookies };
    let mut totals = Totals::default();
    // Replaying a shrunk run: only these steps of it.
    let only_steps: Option<Vec<usize>> = std::env::var("KASSA_CHAOS_STEPS")
        .ok()
        .map(|list| list.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    for run in runs {
        let mut plan = plan::plan(seed, run);
        let mut kept: Vec<usize> = (0..plan.steps.len()).collect();
        if let Some(steps) = &only_steps {
            kept = steps.iter().copied().filter(|&i| i < plan.steps.len()).collect();
            plan = plan.only(&kept, plan.label.clone());
        }
        let mut report: RunReport = lane.run(&plan).await;
        totals.runs += 1;
        totals.payments += report.payments;
        totals.kills += report.kills;
        for (kind, n) in &report.faults {
            *totals.faults.entry(kind.clone()).or_default() += n;
        }
        let failed = !report.violations.is_empty();
        if failed && std::env::var("KASSA_CHAOS_SHRINK").as_deref() != Ok("0") {
            (kept, report, plan) = shrink(&mut lane, &plan::plan(seed, run), kept, report).await;
        }
        if failed || std::env::var_os("KASSA_CHAOS_TRACE").is_some() {
            let text = describe(seed, run, &plan, &kept, &report);
            eprintln!("{text}");
            if failed {
                totals.failures.push(text);
            }
        }
    }
    for record in lane.klarna.sim().callbacks() {
        *totals.callbacks.entry(format!("{:?}", record.outcome).to_lowercase()).or_default() += 1;
        if record.attempts > 1 {
            *totals.callbacks.entry("sent more than once".into()).or_default() += 1;
        }
    }
    if totals.failures.is_empty() {
        let _ = std::fs::remove_dir_all(&data_dir);
    } else {
        eprintln!("lane {number}: Kassa's database and log are kept in {}", data_dir.display());
    }
    totals
}

/// Makes a failing run smaller: leaves out one step at a time and keeps it
/// out while the run still breaks a promise (each try under a label of its
/// own). Timing may let a try pass by luck; what is kept still fails.
async fn shrink(
    lane: &mut Lane,
    whole: &plan::RunPlan,
    mut kept: Vec<usize>,
    mut report: RunReport,
) -> (Vec<usize>, RunReport, plan::RunPlan) {
    let mut smallest = whole.only(&kept, whole.label.clone());
    let mut at = 0;
    let mut tries = 0;
    while at < kept.len() {
        let mut fewer = kept.clone();
        fewer.remove(at);
        tries += 1;
        let candidate = whole.only(&fewer, format!("{}-shrink{tries}", whole.label));
        let outcome = lane.run(&candidate).await;
        if outcome.violations.is_empty() {
            at += 1;
        } else {
            (kept, report, smallest) = (fewer, outcome, candidate);
        }
    }
    (kept, report, smallest)
}

/// A run's story: how to replay it, its carts, each step with what it got
/// back, and the promises it broke.
fn describe(seed: u64, run: u64, plan: &plan::RunPlan, kept: &[usize], report: &RunReport) -> String {
    let verdict = if report.violations.is_empty() { "passed" } else { "FAILED" };
    let steps: Vec<String> = kept.iter().map(usize::to_string).collect();
    let mut text = format!(
        "\nrun {run} of seed {seed} {verdict}: {} steps (replay: KASSA_CHAOS_SEED={seed} KASSA_CHAOS_ONLY={run} \
         KASSA_CHAOS_STEPS={})\n",
        kept.len(),
        steps.join(",")
    );
    text.push_str("carts:\n");
    for (i, cart) in plan.carts.iter().enumerate() {
        text.push_str(&format!("  {i}: {cart:?}\n"));
    }
    text.push_str("trace:\n");
    for line in &report.trace {
        text.push_str(&format!("  {line}\n"));
    }
    text.push_str("violations:\n");
    for violation in &report.violations {
        text.push_str(&format!("  - {violation}\n"));
    }
    text
}

/// Enrols the dev config's two kiosks, as a store would each screen once:
/// their cookies, by kiosk number.
async fn enrol_kiosks(url: &str) -> std::collections::HashMap<u8, String> {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut cookies = std::collections::HashMap::new();
    for kiosk in [1u8, 2] {
        let response = http.get(format!("{url}/kiosk/kiosk-{kiosk}?key=kiosk-dev-key-{kiosk}")).send().await.unwrap();
        let cookie = response.headers()[reqwest::header::SET_COOKIE].to_str().unwrap();
        cookies.insert(kiosk, cookie.split(';').next().unwrap().to_string());
    }
    cookies
}

/// Signs the dev config's associate in at both stores: their cookies.
async fn sign_in(url: &str) -> std::collections::HashMap<&'static str, String> {
    use leptos::server_fn::ServerFn;
    let http = reqwest::Client::new();
    let mut cookies = std::collections::HashMap::new();
    for store in ["stockholm", "telesales"] {
        let response = http
            .post(format!("{url}{}", app::server_fns::seller::SignIn::PATH))
            .form(&[("store", store), ("name", "demo"), ("password", "kassa-demo")])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "sign-in at {store}: {}", response.status());
        let cookie = response.headers()[reqwest::header::SET_COOKIE].to_str().unwrap();
        cookies.insert(store, cookie.split(';').next().unwrap().to_string());
    }
    cookies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chaos() {
    let runs = setting("KASSA_CHAOS_RUNS", 24);
    let seed = setting("KASSA_CHAOS_SEED", 1);
    let lanes = setting("KASSA_CHAOS_LANES", 2).max(1);
    let chosen: Vec<u64> = match std::env::var("KASSA_CHAOS_ONLY").ok().and_then(|v| v.parse().ok()) {
        Some(only) => vec![only],
        None => (0..runs).collect(),
    };
    let started = Instant::now();
    let work = (0..lanes).map(|n| {
        let mine: Vec<u64> = chosen.iter().copied().filter(|run| run % lanes == n).collect();
        tokio::spawn(lane(n, seed, mine))
    });
    let mut total = Totals::default();
    for done in futures::future::join_all(work).await {
        let done = done.expect("a lane panicked");
        total.runs += done.runs;
        total.payments += done.payments;
        total.kills += done.kills;
        for (kind, n) in done.faults {
            *total.faults.entry(kind).or_default() += n;
        }
        for (kind, n) in done.callbacks {
            *total.callbacks.entry(kind).or_default() += n;
        }
        total.failures.extend(done.failures);
    }
    println!(
        "chaos seed {seed}: {} runs, {} payments, {} kills, Klarna faults injected {:?} ({} in all), \
         callbacks {:?}, {} failing runs, {:.1} s",
        total.runs,
        total.payments,
        total.kills,
        total.faults,
        total.faults.values().sum::<u64>(),
        total.callbacks,
        total.failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        total.failures.is_empty(),
        "{} of {} runs broke a promise (details above)",
        total.failures.len(),
        total.runs
    );
}
