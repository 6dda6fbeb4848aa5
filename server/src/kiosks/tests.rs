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
    kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).unwrap();
    let (a, b) = tokio::join!(kiosks.pay("kiosk-1"), kiosks.pay("kiosk-1"));
    assert_eq!(a.unwrap().payment.map(|p| p.id), b.unwrap().payment.map(|p| p.id));
    assert_eq!(klarna.hpp_sessions(), 1, "a double tap starts one payment");
    let payment = kiosks.state("kiosk-1").unwrap().payment.unwrap();
    let module = payment.distribution_module_url.clone().unwrap();
    assert!(module.contains("profile_id=consumer&view_id=consumer"), "{module}");
    assert!(
        kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).is_err(),
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
    kiosks.put_cart("stockholm", "kiosk-1", serde_json::from_str(LINES).unwrap()).unwrap();
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
