//! The HTTP surface: Leptos pages and server functions, the JSON API, and
//! (in simulator mode) the embedded Klarna simulator under `/klarna-sim`.

use crate::payments::PaymentService;
use app::backend::Backend;
use app::{shell, App};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use klarna::simulator::Simulator;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;

/// Where the embedded simulator is mounted.
pub const SIMULATOR_PREFIX: &str = "/klarna-sim";

pub fn router(options: LeptosOptions, service: Arc<PaymentService>, simulator: Option<&Simulator>) -> Router {
    let backend: Backend = service.clone();
    let kiosks = crate::kiosk::Kiosks::start(service.clone());
    let kiosk_backend: app::kiosk::KioskBackendRef = kiosks.clone();
    let routes = generate_route_list(App);
    let demo_shop = service.config().web_checkout.demo_shop;
    let pages = Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                provide_context(backend.clone());
                provide_context(kiosk_backend.clone());
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .layer(middleware::from_fn(move |request: Request, next: Next| shop_gate(demo_shop, request, next)));
    let mut router = crate::api::routes()
        .merge(crate::callbacks::routes())
        .merge(crate::checkout::routes())
        .route("/seller/payments/{id}/events", get(seller_payment_events))
        .route("/seller/events", get(seller_store_events))
        .with_state(service)
        .merge(crate::kiosk::routes().with_state(kiosks.clone()))
        .merge(pages);
    if let Some(simulator) = simulator {
        router = router.nest(SIMULATOR_PREFIX, simulator.router());
    }
    router.layer(middleware::from_fn_with_state(kiosks, crate::kiosk::gate))
}

/// The demo shop's pages exist only when `web_checkout.demo_shop` is on.
async fn shop_gate(enabled: bool, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !enabled && (path == "/shop" || path.starts_with("/shop/")) {
        return StatusCode::NOT_FOUND.into_response();
    }
    next.run(request).await
}

/// The signed-in associate's store, or a 401 for the stream request.
async fn seller_store_of(service: &PaymentService, headers: &HeaderMap) -> Result<String, Response> {
    match crate::auth::session(service.storage(), headers).await {
        Ok(Some(session)) if service.config().store(&session.store_id).is_some() => Ok(session.store_id),
        Ok(_) => Err(StatusCode::UNAUTHORIZED.into_response()),
        Err(error) => {
            tracing::error!(%error, "reading the seller session failed");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

/// The seller view's live stream of one payment of the associate's store.
async fn seller_payment_events(
    State(service): State<Arc<PaymentService>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let store_id = match seller_store_of(&service, &headers).await {
        Ok(store_id) => store_id,
        Err(response) => return response,
    };
    match crate::api::payment_stream(service, store_id, id).await {
        Ok(response) => response,
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Every change to the associate's store's payments, for the payments list.
async fn seller_store_events(State(service): State<Arc<PaymentService>>, headers: HeaderMap) -> Response {
    match seller_store_of(&service, &headers).await {
        Ok(store_id) => crate::events::store_stream(store_id, service.events().subscribe()).into_response(),
        Err(response) => response,
    }
}
