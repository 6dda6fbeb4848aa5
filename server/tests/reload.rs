//! A new configuration takes effect without a restart and without touching
//! open payments; an invalid or restart-only change is refused whole.

use domain::Door;
use domain::PaymentStatus;
use domain::{CartInput, CartLineInput};
use server::config::Config;
use server::payments::StartRequest;
use server::storage::Storage;
use server::testing::{TestKassa, TestKlarna};

fn config(kassa: &TestKassa, extra: &[(&str, &str)]) -> Result<Config, String> {
    let mut env = vec![("KASSA__PUBLIC_URL".to_string(), kassa.url.clone())];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::parse(include_str!("../../kassa.toml"), &env).map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_change_applies_and_open_payments_go_on() {
    let klarna = TestKlarna::start().await;
    let kassa = TestKassa::start(&klarna, Storage::in_memory().await.unwrap()).await;
    let cart = CartInput {
        lines: vec![CartLineInput {
            name: "Vase".into(),
            quantity: 1,
            unit_price: 39_900,
            tax_rate: 2500,
            ..Default::default()
        }],
    };
    let request = StartRequest {
        store_id: "stockholm",
        door: Door::Seller,
        attempt_key: "before-reload",
        cart_ref: None,
        cart: &cart,
        return_urls: None,
    };
    let open = kassa.service.start(request).await.unwrap().view;

    let renamed =
        config(&kassa, &[("KASSA__STORES__0__NAME", "Kassa Lund"), ("KASSA__STORES__0__PAYMENT_TIMEOUT_MINUTES", "5")]);
    kassa.service.replace_config(renamed.unwrap()).await.unwrap();
    assert_eq!(kassa.service.config().stores[0].name, "Kassa Lund");
    assert_eq!(kassa.service.config().stores[0].payment_timeout_minutes, 5);

    // The open payment is still followed to its end.
    let session = klarna.only_session_id();
    klarna.act(&session, "open").await;
    klarna.act(&session, "authorize").await;
    server::testing::eventually("completion after the reload", || async {
        (kassa.service.get("stockholm", &open.id).await.unwrap().status == PaymentStatus::Completed).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_only_and_orphaning_changes_are_refused_whole() {
    let klarna = TestKlarna::start().await;
    let kassa = TestKassa::start(&klarna, Storage::in_memory().await.unwrap()).await;
    let cart = CartInput {
        lines: vec![CartLineInput {
            name: "Rug".into(),
            quantity: 1,
            unit_price: 99_900,
            tax_rate: 2500,
            ..Default::default()
        }],
    };
    let request = StartRequest {
        store_id: "stockholm",
        door: Door::Api,
        attempt_key: "open-during-reload",
        cart_ref: None,
        cart: &cart,
        return_urls: None,
    };
    kassa.service.start(request).await.unwrap();

    let moved = config(&kassa, &[("KASSA__LISTEN", "127.0.0.1:1"), ("KASSA__STORES__0__NAME", "Changed")]).unwrap();
    let why = kassa.service.replace_config(moved).await.unwrap_err();
    assert!(why.starts_with("listen"), "{why}");

    let store_gone = config(
        &kassa,
        &[("KASSA__STORES__0__ID", "lund"), ("KASSA__KIOSKS__0__STORE", "lund"), ("KASSA__KIOSKS__1__STORE", "lund")],
    )
    .unwrap();
    let why = kassa.service.replace_config(store_gone).await.unwrap_err();
    assert!(why.contains("\"stockholm\" has open payments"), "{why}");

    // Nothing of the refused configs took effect.
    assert_eq!(kassa.service.config().stores[0].name, "Kassa Demo Store");
    assert_eq!(kassa.service.config().stores[0].id, "stockholm");
}
