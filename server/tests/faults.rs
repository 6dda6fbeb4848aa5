//! Klarna failing in every way the simulator can: no lost payment, no
//! second Klarna session, no second order.

use domain::Door;
use domain::PaymentStatus;
use domain::{CartInput, CartLineInput};
use serde_json::json;
use server::payments::StartRequest;
use server::storage::Storage;
use server::testing::{eventually, TestKassa, TestKlarna};

const STORE: &str = "stockholm";

fn cart() -> CartInput {
    CartInput {
        lines: vec![CartLineInput {
            name: "Boots".into(),
            quantity: 2,
            unit_price: 99_900,
            tax_rate: 2500,
            ..Default::default()
        }],
    }
}

fn request<'a>(key: &'a str, cart: &'a CartInput) -> StartRequest<'a> {
    StartRequest { store_id: STORE, door: Door::Api, attempt_key: key, cart_ref: None, cart, return_urls: None }
}

async fn status_is(kassa: &TestKassa, id: &str, want: PaymentStatus) -> Option<()> {
    (kassa.service.get(STORE, id).await.unwrap().status == want).then_some(())
}

async fn pay(klarna: &TestKlarna, session: &str) {
    klarna.act(session, "open").await;
    klarna.act(session, "authorize").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hpp_create_failures_and_lost_answers_make_one_session() {
    let klarna = TestKlarna::start().await;
    let kassa = TestKassa::start(&klarna, Storage::in_memory().await.unwrap()).await;
    // A 503, then an answer lost after the session was made: the client
    // retries with the same idempotency key and gets the first session.
    klarna.faults(json!({"timeout_ms": 6000, "endpoints": {"hpp_create": {"fail_next": 1, "timeout_next": 1}}})).await;
    let cart = cart();
    let started = kassa.service.start(request("lost-answer", &cart)).await.unwrap();
    assert!(started.created);
    assert_eq!(started.view.status, PaymentStatus::Waiting);
    assert_eq!(klarna.hpp_sessions(), 1, "the lost answer's session is the one Kassa uses");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_start_can_be_retried_with_its_key() {
    let klarna = TestKlarna::start().await;
    let kassa = TestKassa::start(&klarna, Storage::in_memory().await.unwrap()).await;
    // KP create carries no idempotency key, so it is not retried: the start fails.
    klarna.faults(json!({"endpoints": {"kp_create": {"fail_next": 1}}})).await;
    let cart = cart();
    let error = kassa.service.start(request("retry-me", &cart)).await.err().expect("the start fails");
    assert!(error.to_string().contains("HTTP 503"), "{error}");
    assert_eq!(klarna.hpp_sessions(), 0);
    let again = kassa.service.start(request("retry-me", &cart)).await.unwrap();
    assert_eq!(again.view.status, PaymentStatus::Waiting);
    let third = kassa.service.start(request("retry-me", &cart)).await.unwrap();
    assert_eq!(third.view.id, again.view.id);
    assert!(!third.created);
    assert_eq!(klarna.hpp_sessions(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_callbacks_and_failing_reads_still_end_completed() {
    let klarna = TestKlarna::start().await;
    let kassa = TestKassa::start(&klarna, Storage::in_memory().await.unwrap()).await;
    let cart = cart();
    let started = kassa.service.start(request("no-callbacks", &cart)).await.unwrap();
    let id = started.view.id.clone();
    eventually("the first read", || async { (kassa.service.klarna_reads() >= 1).then_some(()) }).await;
    klarna.faults(json!({"callbacks": {"drop_rate": 1.0}, "endpoints": {"hpp_read": {"fail_next": 4}}})).await;
    // A screen waits, so the poller reads every few seconds.
    let _watching = kassa.service.watch(&id);
    pay(&klarna, &klarna.only_session_id()).await;
    eventually("completion by polling", || status_is(&kassa, &id, PaymentStatus::Completed)).await;
    let history = kassa.service.storage().history(&id).await.unwrap();
    assert_eq!(history.last().unwrap().source, "poll");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_and_reordered_callbacks_end_completed_once() {
    let klarna = TestKlarna::start().await;
    let kassa = TestKassa::start(&klarna, Storage::in_memory().await.unwrap()).await;
    klarna.faults(json!({"callbacks": {"duplicate": true, "reorder": true}})).await;
    let cart = cart();
    let started = kassa.service.start(request("dup-reorder", &cart)).await.unwrap();
    let id = started.view.id.clone();
    pay(&klarna, &klarna.only_session_id()).await;
    eventually("completion", || status_is(&kassa, &id, PaymentStatus::Completed)).await;
    let history = kassa.service.storage().history(&id).await.unwrap();
    let completions = history.iter().filter(|e| e.status == PaymentStatus::Completed).count();
    assert_eq!(completions, 1, "{history:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode_none_places_the_order_exactly_once_through_failures() {
    let klarna = TestKlarna::start().await;
    let kassa = TestKassa::start_with(
        &klarna,
        Storage::in_memory().await.unwrap(),
        &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")],
    )
    .await;
    // Place-order answers a 503, then loses its answer after placing: the
    // retries reuse the payment's idempotency key, so Klarna makes one order.
    klarna.faults(json!({"timeout_ms": 6000, "endpoints": {"place_order": {"fail_next": 1, "timeout_next": 1}}})).await;
    let cart = cart();
    let started = kassa.service.start(request("mode-none", &cart)).await.unwrap();
    let id = started.view.id.clone();
    pay(&klarna, &klarna.only_session_id()).await;
    eventually("the order", || status_is(&kassa, &id, PaymentStatus::Completed)).await;
    let view = kassa.service.get(STORE, &id).await.unwrap();
    assert!(view.order_id.is_some());
    assert_eq!(klarna.orders(), 1);
    // More callbacks and polls change nothing.
    kassa.service.refresh(&id, server::payments::Source::Poll).await.unwrap();
    assert_eq!(klarna.orders(), 1);
    let json = serde_json::to_string(&view).unwrap();
    assert!(!json.contains("authorization_token"), "the token never leaves the server");
}
