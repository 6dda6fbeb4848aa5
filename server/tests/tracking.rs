//! The tracking engine's promises, end to end over loopback HTTP: one Klarna
//! session per attempt and per cart, callbacks that are checked and
//! de-duplicated, and status that ends right.

use domain::Door;
use domain::PaymentStatus;
use domain::Problem;
use domain::{CartInput, CartLineInput};
use klarna::wire::SessionStatus;
use server::payments::{Source, StartRequest};
use server::testing::{eventually, TestKassa, TestKlarna};

const STORE: &str = "stockholm";

fn cart() -> CartInput {
    CartInput {
        lines: vec![CartLineInput {
            name: "Jacket".into(),
            quantity: 1,
            unit_price: 149_900,
            tax_rate: 2500,
            ..Default::default()
        }],
    }
}

fn request<'a>(key: &'a str, cart_ref: Option<&'a str>, cart: &'a CartInput) -> StartRequest<'a> {
    StartRequest { store_id: STORE, door: Door::Api, attempt_key: key, cart_ref, cart, return_urls: None }
}

async fn kassa() -> (TestKlarna, TestKassa) {
    let klarna = TestKlarna::start().await;
    let kassa = TestKassa::start(&klarna, server::testing::test_storage().await).await;
    (klarna, kassa)
}

async fn status_of(kassa: &TestKassa, id: &str) -> PaymentStatus {
    kassa.service.get(STORE, id).await.unwrap().status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_starts_for_one_cart_make_one_klarna_session() {
    let (klarna, kassa) = kassa().await;
    let cart = cart();
    let (a, b) = tokio::join!(
        kassa.service.start(request("till-1-attempt-a", Some("cart-42"), &cart)),
        kassa.service.start(request("till-2-attempt-b", Some("cart-42"), &cart)),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.view.id, b.view.id);
    assert!(a.created ^ b.created, "exactly one of the two created it");
    eventually("the Klarna session", || async { (klarna.hpp_sessions() == 1).then_some(()) }).await;
    // Same key again, even after the race: still the same payment.
    let again = kassa.service.start(request("till-1-attempt-a", Some("cart-42"), &cart)).await.unwrap();
    assert_eq!(again.view.id, a.view.id);
    assert_eq!(klarna.hpp_sessions(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cart_can_start_again_once_its_payment_has_ended() {
    let (klarna, kassa) = kassa().await;
    let cart = cart();
    let first = kassa.service.start(request("attempt-1", Some("cart-7"), &cart)).await.unwrap();
    let cancelled = kassa.service.cancel(STORE, &first.view.id).await.unwrap();
    assert_eq!(cancelled.status, PaymentStatus::Disabled);
    let second = kassa.service.start(request("attempt-2", Some("cart-7"), &cart)).await.unwrap();
    assert!(second.created);
    assert_ne!(second.view.id, first.view.id);
    assert_eq!(klarna.hpp_sessions(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_completes_the_payment_from_a_fresh_read() {
    let (klarna, kassa) = kassa().await;
    let cart = cart();
    let started = kassa.service.start(request("attempt-cb", None, &cart)).await.unwrap();
    let id = started.view.id.clone();
    // Let the tracker's first read happen; the next poll is 10 s away.
    eventually("the first read", || async { (kassa.service.klarna_reads() >= 1).then_some(()) }).await;
    let session = klarna.only_session_id();
    klarna.act(&session, "open").await;
    klarna.act(&session, "authorize").await;
    eventually("completion", || async { (status_of(&kassa, &id).await == PaymentStatus::Completed).then_some(()) })
        .await;
    let view = kassa.service.get(STORE, &id).await.unwrap();
    assert_eq!(view.klarna_reference.as_deref().map(str::len), Some(8));
    let history = kassa.service.storage().history(&id).await.unwrap();
    let completed = history.iter().find(|e| e.status == PaymentStatus::Completed).unwrap();
    assert_eq!(completed.source, "callback", "{history:?}");
    let statuses: Vec<PaymentStatus> = history.iter().map(|e| e.status).collect();
    assert_eq!(statuses.first(), Some(&PaymentStatus::Creating));
    assert!(statuses.contains(&PaymentStatus::Waiting));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_duplicated_callbacks_change_nothing() {
    let (klarna, kassa) = kassa().await;
    let cart = cart();
    let started = kassa.service.start(request("attempt-forge", None, &cart)).await.unwrap();
    let id = started.view.id.clone();
    // The tracker's first read, then the one the "open" callback asks for;
    // the next poll is 10 s away, so no read after this is the tracker's.
    eventually("the first read", || async { (kassa.service.klarna_reads() >= 1).then_some(()) }).await;
    klarna.act(&klarna.only_session_id(), "open").await;
    let path = kassa.first_callback_path().await;
    eventually("in progress after both reads", || async {
        let read_twice = kassa.service.klarna_reads() >= 2;
        (read_twice && status_of(&kassa, &id).await == PaymentStatus::InProgress).then_some(())
    })
    .await;
    let http = reqwest::Client::new();
    let post = |path: String, event: &'static str| {
        let http = http.clone();
        let url = format!("{}{path}", kassa.url);
        async move {
            http.post(url)
                .json(&serde_json::json!({"event_id": event, "session": {"session_id": "x", "status": "COMPLETED"}}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // A forged secret, even with a COMPLETED body: refused, nothing read.
    let reads = kassa.service.klarna_reads();
    let forged = path.rsplit_once('/').unwrap().0.to_string() + "/0123456789abcdef";
    assert_eq!(post(forged, "forged-1").await, 404);
    assert_eq!(post(format!("/klarna/status/{}/x", "no-such-payment"), "forged-2").await, 404);
    assert_eq!(status_of(&kassa, &id).await, PaymentStatus::InProgress);
    assert_eq!(kassa.service.klarna_reads(), reads);

    // The real URL twice with one event id: one read; a new id: another.
    assert_eq!(post(path.clone(), "event-dup").await, 200);
    eventually("one read", || async { (kassa.service.klarna_reads() == reads + 1).then_some(()) }).await;
    assert_eq!(post(path.clone(), "event-dup").await, 200);
    assert_eq!(post(path.clone(), "event-new").await, 200);
    eventually("the second read", || async { (kassa.service.klarna_reads() >= reads + 2).then_some(()) }).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(kassa.service.klarna_reads(), reads + 2, "the duplicate must not cause a read");
    // The body said COMPLETED; Klarna says IN_PROGRESS, and Klarna wins.
    assert_eq!(status_of(&kassa, &id).await, PaymentStatus::InProgress);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_withdraws_the_link_at_klarna_first() {
    let (klarna, kassa) = kassa().await;
    let cart = cart();
    let started = kassa.service.start(request("attempt-cancel", None, &cart)).await.unwrap();
    let session = klarna.only_session_id();
    let cancelled = kassa.service.cancel(STORE, &started.view.id).await.unwrap();
    assert_eq!(cancelled.status, PaymentStatus::Disabled);
    // The shopper's link no longer works.
    let refused = reqwest::Client::new()
        .post(format!("{}/_sim/sessions/{session}/actions/open", klarna.base))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_payment_cannot_be_cancelled() {
    let (klarna, kassa) = kassa().await;
    let cart = cart();
    let started = kassa.service.start(request("attempt-paid", None, &cart)).await.unwrap();
    let id = started.view.id.clone();
    let session = klarna.only_session_id();
    klarna.act(&session, "open").await;
    klarna.act(&session, "authorize").await;
    // Even before Kassa has heard of it, Klarna's refusal to disable tells.
    let refused = kassa.service.cancel(STORE, &id).await;
    assert!(refused.is_err(), "{refused:?}");
    eventually("completion", || async { (status_of(&kassa, &id).await == PaymentStatus::Completed).then_some(()) })
        .await;
}

/// The store's own timeout: an unpaid link is withdrawn at Klarna (the
/// shopper can no longer pay it) and the payment ends Expired, "not paid in
/// time". The deadline is moved in the database instead of waiting 15 minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_link_is_withdrawn_when_the_stores_time_is_up() {
    let klarna = TestKlarna::start().await;
    let data_dir = std::env::temp_dir().join(format!("kassa-timeout-{}", uuid::Uuid::new_v4()));
    let kassa = TestKassa::start(&klarna, server::storage::Storage::open(&data_dir).await.unwrap()).await;
    let cart = cart();
    let started = kassa.service.start(request("timeout-1", None, &cart)).await.unwrap().view;
    assert_eq!(started.status, PaymentStatus::Waiting);

    let database =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", data_dir.join("kassa.db").display())).await.unwrap();
    sqlx::query("UPDATE payments SET deadline_at = 0 WHERE id = ?").bind(&started.id).execute(&database).await.unwrap();
    kassa.service.refresh(&started.id, Source::Poll).await.unwrap();
    // The tracker's own check may be withdrawing it at the same moment (then
    // this refresh leaves it to that one): the withdrawal, by either.
    eventually("expired", || async { (status_of(&kassa, &started.id).await == PaymentStatus::Expired).then_some(()) })
        .await;

    let ended = kassa.service.get(STORE, &started.id).await.unwrap();
    assert_eq!(ended.status, PaymentStatus::Expired);
    assert_eq!(ended.problem, Some(Problem::NotPaidInTime));
    let at_klarna = klarna.client().read_hpp_session(&klarna.only_session_id()).await.unwrap();
    assert_eq!(at_klarna.status, SessionStatus::Disabled);
    database.close().await;
    kassa.stop();
    let _ = std::fs::remove_dir_all(&data_dir);
}
