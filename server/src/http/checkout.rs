//! `GET /checkout/{outcome}`: a web shopper back from Klarna's page is sent
//! on to the shop with the verified outcome (see `payments::web`).

use crate::payments::web::{Arrival, Outcome, ReturnQuery};
use crate::payments::PaymentService;
use crate::state::AppState;
use crate::ui::site::SiteFiles;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new().route("/checkout/{outcome}", get(arrival))
}

async fn arrival(
    State(service): State<Arc<PaymentService>>,
    Path(outcome): Path<String>,
    Query(query): Query<ReturnQuery>,
    site: Option<Extension<Arc<SiteFiles>>>,
) -> Response {
    let stylesheet = site
        .map(|Extension(site)| site.page.stylesheet.clone())
        .unwrap_or_else(|| SiteFiles::default().page.stylesheet);
    let Some(claimed) = Outcome::parse(&outcome) else { return not_found(&stylesheet) };
    match service.web_return(claimed, &query).await {
        Ok(Arrival::Shop(url)) => Redirect::to(&url).into_response(),
        Ok(Arrival::DemoShop { payment_id, claimed }) => {
            Redirect::to(&format!("/shop/payments/{payment_id}/{}", claimed.as_str())).into_response()
        }
        Ok(Arrival::Unknown) => not_found(&stylesheet),
        Err(error) => {
            tracing::error!(%error, "could not look up a returning web shopper's payment");
            unavailable(&stylesheet)
        }
    }
}

fn not_found(stylesheet: &str) -> Response {
    page(
        stylesheet,
        StatusCode::NOT_FOUND,
        "Payment not found",
        "We could not find a payment for this link, so nothing is confirmed here. If you have paid, Klarna \
         sends you a confirmation.",
    )
}

fn unavailable(stylesheet: &str) -> Response {
    page(
        stylesheet,
        StatusCode::SERVICE_UNAVAILABLE,
        "Please try again",
        "We could not check your payment just now. Reload this page in a moment.",
    )
}

fn page(stylesheet: &str, status: StatusCode, title: &str, text: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Kassa</title><link rel=\"stylesheet\" href=\"{stylesheet}\"></head>\
         <body><main class=\"checkout-result\"><h1>{title}</h1><p>{text}</p>\
         <p><a href=\"/\">Back to the shop</a></p></main></body></html>"
    );
    (status, Html(html)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LeaveButton;
    use crate::payments::web::urls::tests::shop;
    use crate::payments::web::{merchant_urls, ShopReturnUrls};
    use crate::testing::{service_on_simulator, TestKlarna};
    use axum::body::Body;
    use axum::http::{header, Request};
    use domain::PaymentStatus;
    use klarna::simulator::state::expand_placeholders;
    use klarna::wire::MerchantUrls;
    use tower::ServiceExt;

    async fn started(
        service: &Arc<PaymentService>,
        key: &str,
        shop: Option<&ShopReturnUrls>,
    ) -> (domain::PaymentView, MerchantUrls) {
        let cart = domain::CartInput {
            lines: vec![domain::CartLineInput {
                name: "Mug".into(),
                quantity: 1,
                unit_price: 12_900,
                tax_rate: 2500,
                ..Default::default()
            }],
        };
        let store = &service.config().stores[0];
        let urls = merchant_urls(
            &service.config().public_url,
            &store.id,
            key,
            store.place_order_mode,
            LeaveButton::Back,
            shop,
        );
        let request = crate::payments::StartRequest {
            store_id: &store.id,
            door: domain::Door::Web,
            attempt_key: key,
            cart_ref: None,
            cart: &cart,
            return_urls: Some(urls.clone()),
        };
        (service.start(request).await.unwrap().view, urls)
    }

    /// Follows the Klarna redirect URL for an outcome into Kassa's router.
    async fn arrive(router: &Router, klarna_url: &str) -> (StatusCode, String) {
        let path = klarna_url.strip_prefix("http://127.0.0.1:9").expect("a Kassa URL");
        let response = router.clone().oneshot(Request::builder().uri(path).body(Body::empty()).unwrap()).await.unwrap();
        let location = response.headers().get(header::LOCATION).map(|l| l.to_str().unwrap().to_string());
        (response.status(), location.unwrap_or_default())
    }

    fn router(service: &Arc<PaymentService>) -> Router {
        routes().with_state(AppState::new(service.clone()))
    }

    #[tokio::test]
    async fn a_paid_demo_payment_is_read_from_klarna_on_arrival() {
        let (service, klarna) = service_on_simulator().await;
        let (view, urls) = started(&service, "attempt-paid-1", None).await;
        let session = klarna.only_session_id();
        klarna.act(&session, "open").await;
        klarna.act(&session, "authorize").await;
        // No callback reaches this Kassa (port 9): only the arrival can tell it.
        let success = expand_placeholders(urls.success.as_deref().unwrap(), &session, None, Some("ignored"));
        let (status, location) = arrive(&router(&service), &success).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, format!("/shop/payments/{}/success", view.id));
        assert_eq!(service.get("stockholm", &view.id).await.unwrap().status, PaymentStatus::Completed);
    }

    #[tokio::test]
    async fn a_forged_arrival_finds_nothing() {
        let (service, klarna) = service_on_simulator().await;
        let (_, urls) = started(&service, "attempt-forged-1", None).await;
        let router = router(&service);
        let wrong = expand_placeholders(urls.success.as_deref().unwrap(), "not-the-session", None, None);
        assert_eq!(arrive(&router, &wrong).await.0, StatusCode::NOT_FOUND);
        let (status, _) = arrive(&router, "http://127.0.0.1:9/checkout/success?store=stockholm").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = arrive(&router, "http://127.0.0.1:9/checkout/paid?store=stockholm").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // The right session, but unpaid: it stays unpaid.
        let session = klarna.only_session_id();
        let unpaid = expand_placeholders(urls.success.as_deref().unwrap(), &session, None, None);
        let (status, _) = arrive(&router, &unpaid).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let stored = service.storage().by_attempt("stockholm", "attempt-forged-1").await.unwrap().unwrap();
        assert_eq!(stored.status, PaymentStatus::Waiting);
    }

    #[tokio::test]
    async fn a_shop_gets_the_shopper_back_with_the_verified_outcome() {
        let (service, klarna) = service_on_simulator().await;
        let (view, urls) = started(&service, "shop-order-17", Some(&shop())).await;
        let session = klarna.only_session_id();
        let router = router(&service);
        // Claims success without paying: the shop hears "back" (still payable).
        let forged = expand_placeholders(urls.success.as_deref().unwrap(), &session, None, None);
        let (_, location) = arrive(&router, &forged).await;
        assert_eq!(location, format!("https://shop.example/cart?kassa_payment_id={}#top", view.id));
        klarna.act(&session, "open").await;
        klarna.act(&session, "decline").await;
        let failure = expand_placeholders(urls.failure.as_deref().unwrap(), &session, None, None);
        let (_, location) = arrive(&router, &failure).await;
        assert_eq!(location, format!("https://shop.example/failed?kassa_payment_id={}", view.id));
        assert_eq!(service.get("stockholm", &view.id).await.unwrap().status, PaymentStatus::Declined);
    }

    #[tokio::test]
    async fn a_shopper_who_closes_the_window_still_gets_the_order_placed() {
        let klarna = TestKlarna::start().await;
        let storage = crate::storage::Storage::in_memory().await.unwrap();
        // NONE: Kassa itself places the order from the authorization.
        let kassa =
            crate::testing::TestKassa::start_with(&klarna, storage, &[("KASSA__STORES__0__PLACE_ORDER_MODE", "NONE")])
                .await;
        let (view, urls) = started(&kassa.service, "attempt-closed-1", None).await;
        let success = urls.success.unwrap();
        assert!(success.contains("sid={{session_id}}") && !success.contains("order_id"), "{success}");
        let session = klarna.only_session_id();
        klarna.act(&session, "open").await;
        klarna.act(&session, "authorize").await;
        // Nobody arrives at any result page: the callback and the tracker finish it.
        let done = crate::testing::eventually("the order placed", || async {
            let now = kassa.service.get("stockholm", &view.id).await.unwrap();
            (now.status == PaymentStatus::Completed).then_some(now)
        })
        .await;
        assert!(done.order_id.is_some());
        assert_eq!(klarna.orders(), 1);
    }

    #[tokio::test]
    async fn back_keeps_the_session_payable_unless_configured_to_disable_it() {
        let (service, klarna) = service_on_simulator().await;
        let (view, urls) = started(&service, "attempt-back-1", None).await;
        let session = klarna.only_session_id();
        klarna.act(&session, "open").await;
        klarna.act(&session, "back").await;
        let back = expand_placeholders(urls.back.as_deref().unwrap(), &session, None, None);
        let (_, location) = arrive(&router(&service), &back).await;
        assert_eq!(location, format!("/shop/payments/{}/back", view.id));
        assert_eq!(service.get("stockholm", &view.id).await.unwrap().status, PaymentStatus::Back);
        klarna.act(&session, "open").await;

        let klarna = TestKlarna::start().await;
        let service = crate::testing::service_with(&klarna, &[("KASSA__WEB_CHECKOUT__DISABLE_ON_BACK", "true")]).await;
        let (view, urls) = started(&service, "attempt-back-2", None).await;
        let session = klarna.only_session_id();
        klarna.act(&session, "open").await;
        klarna.act(&session, "back").await;
        let back = expand_placeholders(urls.back.as_deref().unwrap(), &session, None, None);
        arrive(&router(&service), &back).await;
        assert_eq!(service.get("stockholm", &view.id).await.unwrap().status, PaymentStatus::Disabled);
    }
}
