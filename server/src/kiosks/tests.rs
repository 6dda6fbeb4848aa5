//! Kiosk fixtures and the kiosk service's own tests.

use super::*;
use crate::config::Config;
use crate::state::AppState;
use crate::storage::Storage;
use crate::testing::TestKlarna;
use domain::PaymentStatus;

/// A second store with its own key and kiosk, beside the shipped config.
const SECOND_STORE: &str = r#"
[[stores]]
id = "malmo"
name = "Malmö"
country = "SE"
currency = "SEK"
locale = "sv-SE"
api_key = "malmo-api-key-123"
[stores.seller]
profile_id = "seller"
view_id = "seller"
[stores.kiosk]
profile_id = "consumer"
view_id = "consumer"

[[kiosks]]
id = "malmo-1"
store = "malmo"
key_sha256 = "a8d1eae7ef8e8ae5a0355913e1de50ce1db5f1449dd142b18bd9f18ab2e92a39"
"#;

pub(crate) const LINES: &str = r#"{"lines":[{"name":"Bread","quantity":1,"unit_price":4590,"tax_rate":1200}]}"#;

/// Kassa's services on the shipped config plus a second store ("malmo",
/// key `malmo-api-key-123`, kiosk `malmo-1`).
pub(crate) async fn state_with_second_store() -> (AppState, TestKlarna) {
    let klarna = TestKlarna::start().await;
    let text = format!("{}\n{SECOND_STORE}", include_str!("../../../kassa.toml"));
    let env = [("KASSA__PUBLIC_URL".to_string(), "http://127.0.0.1:9".to_string())];
    let config = Config::parse(&text, &env).unwrap();
    let service = Arc::new(PaymentService::new(klarna.client(), Arc::new(config), Storage::in_memory().await.unwrap()));
    (AppState::new(service), klarna)
}

async fn kiosks() -> (Arc<Kiosks>, TestKlarna) {
    let (state, klarna) = state_with_second_store().await;
    (state.kiosks, klarna)
}

#[tokio::test]
async fn paying_twice_starts_one_payment_and_a_reset_disables_it() {
    let (kiosks, klarna) = kiosks().await;
    kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).await.unwrap();
    let (a, b) = tokio::join!(kiosks.pay("kiosk-1"), kiosks.pay("kiosk-1"));
    assert_eq!(a.unwrap().payment.map(|p| p.id), b.unwrap().payment.map(|p| p.id));
    assert_eq!(klarna.hpp_sessions(), 1, "a double tap starts one payment");
    let payment = kiosks.state("kiosk-1").unwrap().payment.unwrap();
    let module = payment.distribution_module_url.clone().unwrap();
    assert!(module.contains("profile_id=consumer&view_id=consumer"), "{module}");
    assert!(
        kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).await.is_err(),
        "locked while paying"
    );

    let session = kiosks.state("kiosk-1").unwrap().session;
    // A late reset of an earlier shopper changes nothing.
    let kept = kiosks.reset("kiosk-1", Some(session + 7), "test").await.unwrap();
    assert!(kept.payment.is_some());
    let view = kiosks.reset("kiosk-1", Some(session), "test").await.unwrap();
    assert!(view.cart.is_none() && view.payment.is_none());
    assert_eq!(view.session, session + 1);
    let stored = kiosks.service.get("stockholm", &payment.id).await.unwrap();
    assert_eq!(stored.status, PaymentStatus::Disabled, "the link on the phone stops working");
}

#[tokio::test]
async fn try_again_disables_the_old_link_and_paid_is_told_and_forgotten() {
    let (kiosks, klarna) = kiosks().await;
    kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).await.unwrap();
    let first = kiosks.pay("kiosk-1").await.unwrap().payment.unwrap();
    let second = kiosks.try_again("kiosk-1").await.unwrap().payment.unwrap();
    assert_ne!(first.id, second.id);
    assert_eq!(kiosks.service.get("stockholm", &first.id).await.unwrap().status, PaymentStatus::Disabled);

    let stored = kiosks.service.storage().get(&second.id).await.unwrap().unwrap();
    let session = stored.hpp_session_id.unwrap();
    klarna.act(&session, "open").await;
    klarna.act(&session, "authorize").await;
    kiosks.service.refresh(&second.id, crate::payments::Source::Poll).await.unwrap();
    let shown = crate::testing::eventually("the kiosk to show paid", || async {
        kiosks.state("kiosk-1").unwrap().payment.filter(|p| p.status == PaymentStatus::Completed)
    })
    .await;
    assert!(shown.klarna_reference.is_some());
    // reset_after_paid_seconds later the screen is empty; the API keeps the paid payment.
    crate::testing::eventually("the paid screen to reset", || async {
        kiosks.state("kiosk-1").unwrap().payment.is_none().then_some(())
    })
    .await;
    let last = kiosks.slots().get("kiosk-1").and_then(|s| s.last_paid.clone()).unwrap();
    assert_eq!(last.id, second.id);
}

/// The same config and database as `state`, as a restarted Kassa has them.
async fn restarted(state: &AppState, klarna: &TestKlarna) -> Arc<Kiosks> {
    let storage = state.payments.storage().clone();
    let config = state.payments.live_config().get();
    let service = Arc::new(PaymentService::new(klarna.client(), config, storage));
    let kiosks = AppState::new(service).kiosks;
    kiosks.restore().await.unwrap();
    kiosks
}

/// Waits until every change so far is saved (saves land behind the screen).
async fn saved(kiosks: &Kiosks, kiosk_id: &str) {
    let revision = kiosks.state(kiosk_id).unwrap().revision as i64;
    crate::testing::eventually("the screen to be saved", || async {
        let screens = kiosks.service.storage().kiosk_screens().await.ok()?;
        screens.iter().any(|s| s.kiosk_id == kiosk_id && s.revision == revision).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_restart_shows_each_kiosk_its_basket_and_the_payment_under_way() {
    let (state, klarna) = state_with_second_store().await;
    let kiosks = state.kiosks.clone();
    kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).await.unwrap();
    let paying = kiosks.pay("kiosk-1").await.unwrap();
    kiosks.put_cart("malmo", "malmo-1", serde_json::from_str(LINES).unwrap()).await.unwrap();
    saved(&kiosks, "kiosk-1").await;
    saved(&kiosks, "malmo-1").await;

    let after = restarted(&state, &klarna).await;
    let shown = after.state("kiosk-1").unwrap();
    assert_eq!(shown.cart, paying.cart, "the same basket");
    assert_eq!(shown.payment.map(|p| p.id), paying.payment.as_ref().map(|p| p.id.clone()), "the same payment");
    assert_eq!(shown.session, paying.session);
    assert!(shown.revision > paying.revision, "a revision after every one the screen saw");
    let basket = after.state("malmo-1").unwrap();
    assert!(basket.cart.is_some() && basket.payment.is_none());
    // The restored screen goes on: paying again is the same payment, not a second one.
    let again = after.pay("kiosk-1").await.unwrap();
    assert_eq!(again.payment.map(|p| p.id), paying.payment.map(|p| p.id));
    assert_eq!(klarna.hpp_sessions(), 1);
}

#[tokio::test]
async fn a_payment_paid_while_kassa_was_down_is_shown_paid_then_the_screen_resets() {
    let (state, klarna) = state_with_second_store().await;
    let kiosks = state.kiosks.clone();
    kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).await.unwrap();
    let payment = kiosks.pay("kiosk-1").await.unwrap().payment.unwrap();
    saved(&kiosks, "kiosk-1").await;
    let before = kiosks.state("kiosk-1").unwrap();
    // Paid while Kassa was down: the database learns it, the old kiosks never do.
    let session = state.payments.storage().get(&payment.id).await.unwrap().unwrap().hpp_session_id.unwrap();
    klarna.act(&session, "open").await;
    klarna.act(&session, "authorize").await;
    let config = state.payments.live_config().get();
    let other = PaymentService::new(klarna.client(), config, state.payments.storage().clone());
    other.refresh(&payment.id, crate::payments::Source::Poll).await.unwrap();

    let after = restarted(&state, &klarna).await;
    let shown = after.state("kiosk-1").unwrap();
    assert_eq!(shown.payment.map(|p| p.status), Some(PaymentStatus::Completed), "the shopper is thanked");
    assert_eq!(after.last_paid("kiosk-1").map(|p| p.id), Some(payment.id.clone()), "and the system told");
    let next = crate::testing::eventually("the paid screen to reset", || async {
        after.state("kiosk-1").ok().filter(|s| s.payment.is_none())
    })
    .await;
    assert!(next.cart.is_none());
    assert_eq!(next.session, before.session + 1);
    assert_eq!(after.last_paid("kiosk-1").map(|p| p.id), Some(payment.id));
}
