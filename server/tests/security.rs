//! The doors an anonymous client can knock on, against the real `kassa`
//! binary over loopback: sign-in floods, password hashing beside live
//! traffic, cross-site posts, sessions after a password change, and the
//! headers on answers that are not app pages.

use leptos::server_fn::ServerFn;
use server::testing::{kassa_command, TestKlarna};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The tests here measure one process each; run them one at a time so they
/// do not take each other's cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Kassa {
    child: Child,
    url: String,
    data_dir: PathBuf,
}

impl Kassa {
    async fn start(klarna: &TestKlarna) -> Kassa {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        Kassa::start_with(klarna, &root.join("kassa.toml")).await
    }

    async fn start_with(klarna: &TestKlarna, config: &std::path::Path) -> Kassa {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let data_dir = std::env::temp_dir().join(format!("kassa-security-{}", uuid::Uuid::new_v4()));
        let url = format!("http://127.0.0.1:{port}");
        let child = kassa_command(env!("CARGO_BIN_EXE_kassa"), config, port, &data_dir, klarna)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .expect("the kassa binary starts");
        let kassa = Kassa { child, url, data_dir };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        // With the right key: a probe must not count as a failed one. (Not a
        // page: under `cargo test --workspace` the binary is built with the
        // browser's features too, and renders no pages.)
        let probe = || http.get(format!("{}/api/v1/payments", kassa.url)).bearer_auth("kassa-dev-key").send();
        loop {
            if probe().await.is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "kassa did not come up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        kassa
    }

    /// Resident memory, in bytes, as the kernel counts it.
    fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
    }

    fn sign_in_url(&self) -> String {
        format!("{}{}", self.url, app::server_fns::seller::SignIn::PATH)
    }
}

impl Drop for Kassa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Growth of Kassa's resident memory that a flood of 400 sign-ins with 1 MB
/// names may cause at most: what eight requests in flight hold, with room
/// for the allocator. Remembering each name (400 MB) is far beyond it.
const FLOOD_RSS_BOUND: u64 = 96 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_sign_ins_with_huge_names_keeps_memory_bounded() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let klarna = TestKlarna::start().await;
    let kassa = Kassa::start(&klarna).await;
    let http = reqwest::Client::new();
    let name = "x".repeat(1_000_000);
    let send = |n: usize| {
        let body = format!("store=stockholm&name={name}{n}&password=guess");
        http.post(kassa.sign_in_url()).header("content-type", "application/x-www-form-urlencoded").body(body).send()
    };
    // Warm up the allocator and the code paths, then measure.
    let first = send(0).await.unwrap();
    assert_eq!(first.status(), 422, "an oversized name is bad input");
    let error: serde_json::Value = first.json().await.unwrap();
    assert_eq!(error["Invalid"][0]["field"], "name", "{error}");
    let before = kassa.rss();
    let mut statuses = std::collections::BTreeMap::new();
    for wave in 0..50 {
        let answers = futures::future::join_all((0..8).map(|n| send(wave * 8 + n))).await;
        for answer in answers {
            *statuses.entry(answer.unwrap().status().as_u16()).or_insert(0) += 1;
        }
    }
    let after = kassa.rss();
    assert_eq!(statuses.get(&422), Some(&400), "every one refused as bad input: {statuses:?}");
    assert!(after <= before + FLOOD_RSS_BOUND, "RSS grew from {} MB to {} MB", before / 1_000_000, after / 1_000_000);
    // A body past the limit is not even read.
    let huge = format!("store=stockholm&name={}&password=p", "x".repeat(2_000_000));
    let refused = http.post(kassa.sign_in_url()).header("content-type", "application/x-www-form-urlencoded").body(huge);
    assert_eq!(refused.send().await.unwrap().status(), 413);
    println!("RSS before the flood {} MB, after {} MB", before / 1_000_000, after / 1_000_000);
}

/// How late a callback may be answered while sign-ins hash passwords.
const CALLBACK_DELAY_BOUND: Duration = Duration::from_millis(100);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_parallel_sign_ins_do_not_hold_up_a_callback() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let klarna = TestKlarna::start().await;
    let kassa = Kassa::start(&klarna).await;
    let http = reqwest::Client::new();
    let callback = || async {
        let started = Instant::now();
        let answer = http
            .post(format!("{}/klarna/status/not-a-payment/not-the-secret", kassa.url))
            .json(&serde_json::json!({"event_type": "HPP_SESSION.STATUS.CHANGED"}))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_client_error(), "{}", answer.status());
        started.elapsed()
    };
    callback().await;
    let sign_ins = futures::future::join_all((0..20).map(|_| {
        http.post(kassa.sign_in_url())
            .form(&[("store", "stockholm"), ("name", "demo"), ("password", "kassa-demo")])
            .send()
    }));
    let callbacks = async {
        // Callbacks all through the sign-ins (each hash takes tens of ms).
        let mut slowest = Duration::ZERO;
        for _ in 0..25 {
            slowest = slowest.max(callback().await);
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
        slowest
    };
    let (signed_in, slowest) = tokio::join!(sign_ins, callbacks);
    let ok = signed_in.into_iter().filter(|r| r.as_ref().is_ok_and(|r| r.status().is_success())).count();
    assert_eq!(ok, 20, "every right password gets in");
    assert!(slowest < CALLBACK_DELAY_BOUND, "a callback waited {slowest:?} behind password hashing");
    println!("slowest callback during 20 sign-ins: {slowest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_post_is_refused_and_answers_carry_their_headers() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let klarna = TestKlarna::start().await;
    let kassa = Kassa::start(&klarna).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = [("store", "stockholm"), ("name", "demo"), ("password", "kassa-demo")];
    // A form on another site posting to the sign-in (login CSRF), as a browser sends it.
    for (header, value) in [("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")] {
        let refused = http.post(kassa.sign_in_url()).header(header, value).form(&form).send().await.unwrap();
        assert_eq!(refused.status(), 403, "{header}: {value}");
        assert!(refused.headers().get("set-cookie").is_none());
    }
    let own = http
        .post(kassa.sign_in_url())
        .header("sec-fetch-site", "same-origin")
        .header("origin", &kassa.url)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200, "Kassa's own page signs in");
    // A refusal says why in its status, not 500: no session is 401.
    let today = format!("{}{}", kassa.url, app::server_fns::seller::TodaysPayments::PATH);
    assert_eq!(http.post(today).form(&[("", "")]).send().await.unwrap().status(), 401);
    // A link on another site cannot enrol this browser as a kiosk.
    let enrol = http.get(format!("{}/kiosk/kiosk-1?key=kiosk-dev-key-1", kassa.url));
    assert_eq!(enrol.header("sec-fetch-site", "cross-site").send().await.unwrap().status(), 403);

    // A plain page (the checkout's notice): headers, and a policy that runs
    // nothing. The app's pages and their nonces are checked in the browser
    // (end2end/tests/security.spec.ts).
    let notice = http.get(format!("{}/checkout/success?store=stockholm", kassa.url)).send().await.unwrap();
    assert_eq!(notice.status(), 404);
    let headers = notice.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'; style-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    // The API: no caching, nothing to run.
    let api = http.get(format!("{}/api/v1/payments", kassa.url)).bearer_auth("kassa-dev-key").send().await.unwrap();
    assert_eq!(api.headers()["cache-control"], "no-store");
    assert!(api.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_password_ends_the_associates_sessions_on_reload() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let klarna = TestKlarna::start().await;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let shipped = std::fs::read_to_string(root.join("kassa.toml")).unwrap();
    let file = std::env::temp_dir().join(format!("kassa-security-{}.toml", uuid::Uuid::new_v4()));
    std::fs::write(&file, &shipped).unwrap();
    let kassa = Kassa::start_with(&klarna, &file).await;
    let http = reqwest::Client::new();
    let mut cookies = Vec::new();
    for store in ["stockholm", "telesales"] {
        let form = [("store", store), ("name", "demo"), ("password", "kassa-demo")];
        let signed_in = http.post(kassa.sign_in_url()).form(&form).send().await.unwrap();
        let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
        cookies.push(cookie.split(';').next().unwrap().to_string());
    }
    let stream_status = |cookie: String| {
        let request = http.get(format!("{}/seller/events", kassa.url)).header("cookie", cookie);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(stream_status(cookies[0].clone()).await, 200);

    // Stockholm's demo gets a new password (the first of the two hashes in the file).
    let old_hash = shipped.lines().find(|l| l.starts_with("password_hash")).unwrap();
    let new_hash = server::crypto::hash_password("a new password").unwrap();
    std::fs::write(&file, shipped.replacen(old_hash, &format!("password_hash = \"{new_hash}\""), 1)).unwrap();
    let hangup = Command::new("kill").arg("-HUP").arg(kassa.child.id().to_string()).status().unwrap();
    assert!(hangup.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while stream_status(cookies[0].clone()).await != 401 {
        assert!(Instant::now() < deadline, "the session outlived the password change");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stream_status(cookies[1].clone()).await, 200, "telesales' demo kept their password");
    let _ = std::fs::remove_file(&file);
}
